"""DMSR Table B.5 without training: parameters by part, MACs and forward time beside the published numbers.

Table B.5 (Supplementary A) gives, at ×2 on one 128×128 LR image, the parameters of DMSR's degradation extractor (DE) and
SR network and their total, and the inference time on an RTX 2080. Counted here on the built model
(:mod:`dynsr.models.dmsr`, full size, weights do not matter): the parameters of ``extractor`` (the DE) and of the rest (the
SR network: MNM, RCAN body, upsampler, MBM), the MACs of one forward on that input (:func:`dynsr.compute.count_macs`, the
per-pixel dynamic convolution included; the paper prints none), and the forward time that ``benchmarks/forward_time.py``
measured (``results/bench/forward_time.json``: one row per device it ran on; a CPU time against the paper's GPU time is
not a comparison, and the row's note says so). ZSSR and IKC / SFM are quoted. Rows: :func:`complexity_rows`;
``notebooks/dmsr/01_dmsr_tableB5_complexity.ipynb`` writes them (:func:`run`). The arithmetic: docs/decisions/dmsr.md, M16.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
import torch

from dynsr.compute import count_macs
from dynsr.models import build_model
from dynsr.papers.dmsr.published import TABLE_B5_DEVICE, TABLE_B5_LR_SIZE, TABLE_B5_SCALE, table_b5
from dynsr.papers.records import PaperValue
from dynsr.paths import results_dir
from dynsr.results import Source, computed_row, quoted_row, write_table

__all__ = ["Params", "TABLE_STEM", "BENCH_FILE", "part_parameters", "timings", "complexity_rows", "summary", "run"]

TABLE_STEM = "dmsr/tables/tableB5_complexity"
BENCH_FILE = "bench/forward_time.json"


@dataclass(frozen=True)
class Params:
    """Parameters of ``notebooks/dmsr/01_dmsr_tableB5_complexity.ipynb``: the profile that labels the rows (the counts are the
    same at every profile)."""

    profile: str = "smoke"


def part_parameters(model: torch.nn.Module) -> dict[str, int]:
    """DMSR's parameters as Table B.5 splits them: ``DE`` (the degradation extractor), ``SR network`` (everything else), ``total``."""
    total = model.paper_parameter_count()
    extractor = sum(parameter.numel() for parameter in model.extractor.parameters())
    return {"DE": extractor, "SR network": total - extractor, "total": total}


def timings() -> list[dict[str, Any]]:
    """The entries of ``results/bench/forward_time.json`` for DMSR at Table B.5's scale and LR size (empty if not measured)."""
    path = results_dir() / BENCH_FILE
    entries = json.loads(path.read_text(encoding="utf-8"))["entries"] if path.is_file() else []
    return [entry for entry in entries if entry["model"] == "dmsr" and entry["scale"] == TABLE_B5_SCALE and tuple(entry["lr_size"]) == TABLE_B5_LR_SIZE]


def _ours(value: PaperValue, ours: float, *, profile: str, note: str, **extra: Any) -> dict[str, Any]:
    return computed_row(method=value.method, dataset=value.dataset, scale=value.scale, degradation=value.setting, metric=value.metric,
                        paper=value.value, ours=ours, profile=profile, noise_seed=None, n_images=0, note=note, **extra)


def complexity_rows(*, profile: str) -> pd.DataFrame:
    """Table B.5's DMSR rows computed beside the paper's, DMSR's MACs (no published number), the other approaches quoted."""
    published = {(value.method, value.metric): value for value in table_b5()}
    model = build_model("dmsr", scale=TABLE_B5_SCALE).eval()
    counts = part_parameters(model)
    rows = [_ours(published[(name, "Params (M)")], counts[part] / 1e6, profile=profile, count=counts[part],
                  note="printed with two decimals; the counts and their readings: docs/decisions/dmsr.md, M16")
            for part, name in (("DE", "DMSR DE"), ("SR network", "DMSR SR network"), ("total", "DMSR"))]
    lr = torch.rand(1, 3, *TABLE_B5_LR_SIZE, generator=torch.Generator().manual_seed(0))  # (1, 3, 128, 128)
    with torch.no_grad():
        macs = count_macs(model, lr).total
    setting = published[("DMSR", "Time (s)")].setting
    rows.append(computed_row(method="DMSR", dataset="—", scale=TABLE_B5_SCALE, degradation=setting, metric="MACs (G)", paper=None, ours=macs / 1e9,
                             profile=profile, noise_seed=None, n_images=0, count=macs,
                             note="one forward, dynsr.compute.count_macs (the dynamic convolution included); not in the paper"))
    for entry in timings():
        where = f"{entry['device_name']}" + (f", {entry['threads']} threads" if entry["threads"] else "")
        rows.append(_ours(published[("DMSR", "Time (s)")], entry["fastest_seconds"], profile=profile, count=None, device=entry["device"],
                          note=f"ours: the fastest of {entry['repeats']} forward passes on {where} ({entry['date'][:10]}, "
                               f"benchmarks/forward_time.py); the paper's: an {TABLE_B5_DEVICE}: different hardware, not a comparison"))
    quoted = [value for key, value in published.items() if not key[0].startswith("DMSR")] + [published[("DMSR", "Time (s)")]] * (not timings())
    rows += [quoted_row(method=value.method, dataset=value.dataset, scale=value.scale, degradation=value.setting, metric=value.metric,
                        paper=value.value, profile=profile, count=None, note=value.note) for value in quoted]
    table = pd.DataFrame(rows)
    table["count"] = table["count"].astype("Int64")  # exact integers in the CSV, empty where none
    return table


def summary(table: pd.DataFrame) -> str:
    """One line per computed count: method, metric, paper, ours (the times, measured on whatever machine ran the benchmark, are in
    the table only)."""
    computed = table[(table["source"] == Source.COMPUTED) & (table["metric"] != "Time (s)")]
    return "\n".join(f"{row.method} | {row.metric} | paper {row.paper:.4g} | ours {row.ours:.4f}" for row in computed.itertuples())


def run(params: Params) -> pd.DataFrame:
    """Count, then write ``results/dmsr/tables/tableB5_complexity.{csv,json}`` (``results/<profile>/...`` off ``cpu``)."""
    table = complexity_rows(profile=params.profile)
    write_table(table, TABLE_STEM, profile=params.profile, metadata={
        "source": "DMSR Table B.5 (Supplementary A): parameters by part and inference time, x2, one 128x128 LR image",
        "scale": TABLE_B5_SCALE, "lr_size": list(TABLE_B5_LR_SIZE),
        "note": ("ours counted on the built model, untrained (counts do not depend on the weights); Params in millions (count: the "
                 "exact number); MACs in billions; times from results/bench/forward_time.json, on other hardware than the paper's "
                 f"{TABLE_B5_DEVICE}; ZSSR and IKC / SFM quoted, not run"),
    })
    return table
