"""GLDFN Table IV without training: parameters and MACs of the built models beside the published numbers.

Table IV prints parameters, "FLOPs" at an LR size of 180×270 and NIQE on the real Historical set; Table I prints the
parameters of the ablation models. What needs no training is counted here, at x4: the parameters of GLDFN (Exp. D) and
of Exp. A-C (:mod:`dynsr.models.gldfn`, registered ``gldfn`` and ``gldfn_a``-``gldfn_c``), and GLDFN's MACs on one
180×270 LR image, counted twice: by :func:`dynsr.compute.count_macs` (every operator, the dynamic ones included) and
over the ``nn.Conv2d`` modules alone (what thop-style counters see). The other methods' numbers are quoted. Rows:
:func:`complexity_rows`; ``notebooks/gldfn/01_gldfn_table4_complexity.ipynb`` writes them to
``results/gldfn/tables/table4_complexity.csv`` (:func:`run`). Why our counts are not the paper's: docs/decisions/gldfn.md,
G12; what is counted, and why NIQE is not: G15.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import torch
import torch.nn as nn

from dynsr.compute import count_macs
from dynsr.models import build_model
from dynsr.papers.gldfn.published import TABLE4_LR_SIZE, table1_parameters, table4
from dynsr.papers.records import PaperValue
from dynsr.results import Source, computed_row, quoted_row, write_table

__all__ = ["Params", "TABLE_STEM", "SCALE", "ABLATION_MODELS", "measure_macs", "complexity_rows", "summary", "run"]

TABLE_STEM = "gldfn/tables/table4_complexity"
SCALE = 4  # unstated in Table IV; x4, the scale of the DAN and DCLS numbers beside GLDFN's (docs/decisions/gldfn.md, G12)
ABLATION_MODELS = {"Exp. A": "gldfn_a", "Exp. B": "gldfn_b", "Exp. C": "gldfn_c", "Exp. D": "gldfn"}  # Table I → registered model
_NIQE_NOTE = ("not computed: the Historical images are not in the shared data, no installed package provides NIQE with its "
              "pristine model (none is added), and NIQE scores a trained model's output (docs/decisions/gldfn.md, G15)")
_CONV_ONLY = "FLOPs (G), nn.Conv2d modules only"
_RATIO = "FLOPs ÷ DANv2's"
_NOTES = {
    "Params (M)": "the text-faithful model (docs/decisions/gldfn.md, G2-G9 defaults); the gap: G12",
    "FLOPs (G)": "MACs by dynsr.compute.count_macs: every convolution, the GDF's per-sample conv and expert mixing, the LDF operator; "
                 "the gap: docs/decisions/gldfn.md, G12",
    _CONV_ONLY: "MACs of the nn.Conv2d modules alone, as thop-style counters see the model (they miss the GDF's functional conv, "
                "its expert mixing and the LDF operator); docs/decisions/gldfn.md, G12",
    _RATIO: "GLDFN's FLOPs over DANv2's quoted ones (the text: \"only 38% of the FLOPs required by DANv2\")",
}


@dataclass(frozen=True)
class Params:
    """Parameters of ``notebooks/gldfn/01_gldfn_table4_complexity.ipynb``: the profile that labels the rows (the counts are
    the same at every profile)."""

    profile: str = "smoke"


def measure_macs(model: nn.Module, lr: torch.Tensor) -> tuple[int, int]:
    """MACs of ``model(lr)`` in one forward: every operator (:func:`dynsr.compute.count_macs`), and the ``nn.Conv2d``
    modules alone (B·C_out·H_out·W_out·(C_in / groups)·k_h·k_w each)."""
    conv_macs = [0]

    def count_conv(module: nn.Conv2d, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        conv_macs[0] += output.numel() * (module.in_channels // module.groups) * math.prod(module.kernel_size)

    handles = [module.register_forward_hook(count_conv) for module in model.modules() if isinstance(module, nn.Conv2d)]
    try:
        with torch.no_grad():
            total = count_macs(model, lr).total
    finally:
        for handle in handles:
            handle.remove()
    return total, conv_macs[0]


def _computed_row(value: PaperValue, *, ours: float, count: int | float, profile: str, **fields: Any) -> dict[str, Any]:
    """A row of ours beside ``value``; ``fields`` replace its columns (``metric``: how it was counted, ``degradation``: the
    input it was counted on; ``note``: by default that metric's)."""
    columns = {"method": value.method, "dataset": value.dataset, "scale": value.scale, "degradation": value.setting, "metric": value.metric} | {
        name: fields.pop(name) for name in ("method", "dataset", "scale", "degradation", "metric") if name in fields}
    note = fields.pop("note", _NOTES.get(columns["metric"], ""))
    return computed_row(**columns, paper=value.value, ours=ours, profile=profile, noise_seed=None, n_images=0, table=value.table,
                        relative_gap=ours / value.value - 1, count=count, note=note, **fields)


def _quoted(values: list[PaperValue], *, profile: str, note: str | None = None) -> list[dict[str, Any]]:
    nan = float("nan")
    return [quoted_row(method=value.method, dataset=value.dataset, scale=value.scale, degradation=value.setting, metric=value.metric,
                       paper=value.value, profile=profile, table=value.table, relative_gap=nan, count=nan,
                       note=value.note if note is None else note) for value in values]


def complexity_rows(*, profile: str) -> pd.DataFrame:
    """Table IV's rows (GLDFN's computed beside the paper's, NIQE not computed, the other methods quoted) and Table I's
    parameter column (Exp. A-D computed). MACs are counted on one LR image of Table IV's size
    (:data:`~dynsr.papers.gldfn.published.TABLE4_LR_SIZE`, 180×270)."""
    published = {(value.method, value.metric): value for value in table4()}
    gldfn = build_model("gldfn", scale=SCALE).eval()
    parameters = gldfn.paper_parameter_count()
    macs, conv_macs = measure_macs(gldfn, torch.rand(1, 3, *TABLE4_LR_SIZE, generator=torch.Generator().manual_seed(0)))
    flops, danv2 = published[("GLDFN", "FLOPs (G)")], published[("DANv2", "FLOPs (G)")].value
    size = f"LR {TABLE4_LR_SIZE[0]}×{TABLE4_LR_SIZE[1]}"
    rows = [
        _computed_row(published[("GLDFN", "Params (M)")], ours=parameters / 1e6, count=parameters, profile=profile),
        _computed_row(flops, ours=macs / 1e9, count=macs, profile=profile, degradation=size),
        _computed_row(flops, ours=conv_macs / 1e9, count=conv_macs, profile=profile, degradation=size, metric=_CONV_ONLY),
        _computed_row(replace(flops, metric=_RATIO, value=flops.value / danv2), ours=macs / 1e9 / danv2, count=float("nan"), profile=profile,
                      degradation=size),
    ]
    rows += _quoted([published[("GLDFN", "NIQE")]], profile=profile, note=_NIQE_NOTE)
    rows += _quoted([value for value in table4() if value.method != "GLDFN"], profile=profile)
    for value in table1_parameters():
        name = ABLATION_MODELS[value.method]
        count = parameters if name == "gldfn" else build_model(name, scale=SCALE).paper_parameter_count()
        rows.append(_computed_row(value, ours=count / 1e6, count=count, profile=profile,
                                  note=f"registered {name}; its DDFMs per group chosen to match D's size (docs/decisions/gldfn.md, G10)"))
    table = pd.DataFrame(rows)
    table["count"] = table["count"].astype("Int64")  # exact integers in the CSV (floats would keep 10 digits), empty where none
    return table


def summary(table: pd.DataFrame) -> str:
    """One line per computed row: table, method, metric, paper, ours and the relative gap."""
    computed = table[table["source"] == Source.COMPUTED]
    return "\n".join(f"{row.table} | {row.method} | {row.metric} | paper {row.paper:.4g} | ours {row.ours:.4f} | {row.relative_gap:+.2%}"
                     for row in computed.itertuples())


def run(params: Params) -> pd.DataFrame:
    """Count, then write ``results/gldfn/tables/table4_complexity.{csv,json}`` (``results/<profile>/...`` off ``cpu``)."""
    table = complexity_rows(profile=params.profile)
    height, width = TABLE4_LR_SIZE
    write_table(table, TABLE_STEM, profile=params.profile, metadata={
        "source": "GLDFN Table IV (parameters, FLOPs at LR 180×270, NIQE) and Table I's parameter column",
        "scale": SCALE, "lr_size": [height, width],
        "note": ("ours counted on the built models, untrained (counts do not depend on the weights); Params and FLOPs in millions and "
                 "billions (count: the exact number); FLOPs are multiply-accumulates; relative_gap = ours / paper - 1; other methods "
                 "quoted, not run; NIQE not computed (docs/decisions/gldfn.md, G12, G15)"),
    })
    return table
