"""The committed GLDFN Table IV (`results/gldfn/tables/table4_complexity.csv`, written by notebooks/gldfn/01 at `cpu`), read
back: its parameters are the models', and its MACs are recomputed here from small inputs (docs/decisions/gldfn.md, G12, G15)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from dynsr.models import build_model
from dynsr.paths import repo_root
from dynsr.papers.gldfn.complexity import ABLATION_MODELS, measure_macs
from dynsr.papers.gldfn.published import TABLE4, TABLE4_LR_SIZE
from dynsr.results import REQUIRED_COLUMNS, Source

TABLES = repo_root() / "results" / "gldfn" / "tables"


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return pd.read_csv(TABLES / "table4_complexity.csv")


@pytest.fixture(scope="module")
def computed(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["source"] == Source.COMPUTED].set_index(["table", "method", "metric"])


def test_table_columns_gaps_and_metadata(table: pd.DataFrame) -> None:
    assert set(REQUIRED_COLUMNS) <= set(table.columns) and set(table["profile"]) == {"cpu"} and set(table["steps"]) == {0}
    rows = table.dropna(subset=["ours"])
    np.testing.assert_allclose(rows["gap"], rows["ours"] - rows["paper"], rtol=0, atol=1e-8)
    payload = json.loads((TABLES / "table4_complexity.json").read_text(encoding="utf-8"))
    assert payload["metadata"]["lr_size"] == list(TABLE4_LR_SIZE) == [180, 270] and payload["metadata"]["scale"] == 4
    assert len(payload["rows"]) == len(table) == 19


def test_parameters_are_the_models(computed: pd.DataFrame) -> None:
    for method, name in ABLATION_MODELS.items():
        count = build_model(name, scale=4).paper_parameter_count()
        row = computed.loc[("Table I", method, "Params (M)")]
        assert row["count"] == count and row["ours"] == pytest.approx(count / 1e6, rel=1e-9)
    assert computed.loc[("Table IV", "GLDFN", "Params (M)"), "count"] == computed.loc[("Table I", "Exp. D", "Params (M)"), "count"] == 15_738_098


def test_macs_recomputed_from_small_inputs(computed: pd.DataFrame) -> None:
    """Both counts are affine in the pixel count (per pixel, plus per image: the pooled branches): fitted on two small
    LR images, checked on a third, extrapolated to 180×270, they are the committed counts exactly."""
    torch.manual_seed(0)
    model = build_model("gldfn", scale=4).eval()
    sizes = ((4, 6), (8, 6), (5, 7))
    counts = np.array([measure_macs(model, torch.rand(1, 3, *size)) for size in sizes], dtype=np.int64)  # (3, 2): all, conv modules
    pixels = np.array([h * w for h, w in sizes])
    per_pixel = (counts[1] - counts[0]) // (pixels[1] - pixels[0])
    per_image = counts[0] - per_pixel * pixels[0]
    np.testing.assert_array_equal(counts[2], per_pixel * pixels[2] + per_image)
    total, conv = per_pixel * (TABLE4_LR_SIZE[0] * TABLE4_LR_SIZE[1]) + per_image
    flops = computed.loc[("Table IV", "GLDFN", "FLOPs (G)")]
    assert flops["count"] == total == 473_438_697_600 and flops["ours"] == pytest.approx(total / 1e9, rel=1e-9)
    assert flops["paper"] == TABLE4["GLDFN"][1] and flops["relative_gap"] == pytest.approx(total / 346.74e9 - 1, rel=1e-9)
    conv_row = computed.loc[("Table IV", "GLDFN", "FLOPs (G), nn.Conv2d modules only")]
    assert conv_row["count"] == conv and conv_row["ours"] == pytest.approx(381.05, abs=5e-3)  # docs/decisions/gldfn.md, G12
    ratio = computed.loc[("Table IV", "GLDFN", "FLOPs ÷ DANv2's")]
    assert ratio["ours"] == pytest.approx(total / 918.12e9, rel=1e-9) and ratio["paper"] == pytest.approx(346.74 / 918.12, rel=1e-9)


def test_quoted_rows_and_niqe(table: pd.DataFrame) -> None:
    quoted = table[table["source"] == Source.QUOTED]
    assert quoted["ours"].isna().all() and set(quoted["method"]) == {"KernelGAN+ZSSR", "DANv1", "DANv2", "DCLS", "GLDFN"}
    niqe = table[(table["method"] == "GLDFN") & (table["metric"] == "NIQE")].iloc[0]
    assert niqe["source"] == Source.QUOTED and np.isnan(niqe["ours"]) and niqe["paper"] == 4.80 and niqe["note"].startswith("not computed")
