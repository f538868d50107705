"""GLDFN Table IV without training (dynsr.papers.gldfn.complexity; docs/decisions/gldfn.md, G15): the two MAC counts,
and the rows (counted on a small LR image here; the committed table at 180×270 is read back in test_committed_gldfn_results)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn as nn

import dynsr.papers.gldfn.complexity as complexity
from dynsr.compute import count_macs
from dynsr.models import build_model
from dynsr.papers.gldfn.published import TABLE1_PARAMETERS, TABLE4, table4
from dynsr.results import REQUIRED_COLUMNS, Source


def test_measure_macs_counts_every_operator_and_the_conv_modules_apart() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.Flatten(2), nn.Linear(30, 5))  # conv on (1, 3, 5, 6), then a matrix product
    total, conv = complexity.measure_macs(model, torch.rand(1, 3, 5, 6))
    assert conv == 4 * 5 * 6 * 3 * 9
    assert total == conv + 4 * 30 * 5
    grouped = nn.Conv2d(4, 6, 1, groups=2)
    assert complexity.measure_macs(grouped, torch.rand(2, 4, 3, 3)) == (2 * 6 * 9 * 2,) * 2
    assert not grouped._forward_hooks  # the counting hooks are removed


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    """The rows with MACs counted on a 4×6 LR image (the paper's 180×270 takes about a minute)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(complexity, "TABLE4_LR_SIZE", (4, 6))
        return complexity.complexity_rows(profile="smoke")


def test_rows_hold_the_models_counts(rows: pd.DataFrame) -> None:
    assert set(REQUIRED_COLUMNS) <= set(rows.columns)
    computed = rows[rows["source"] == Source.COMPUTED].set_index(["table", "method", "metric"])
    gldfn = build_model("gldfn", scale=4).eval()
    parameters = gldfn.paper_parameter_count()
    assert computed.loc[("Table IV", "GLDFN", "Params (M)"), "count"] == parameters == 15_738_098
    with torch.no_grad():
        macs = count_macs(gldfn, torch.rand(1, 3, 4, 6)).total
    flops = computed.loc[("Table IV", "GLDFN", "FLOPs (G)")]
    assert (flops["count"], flops["degradation"], flops["paper"]) == (macs, "LR 4×6", TABLE4["GLDFN"][1])
    assert flops["ours"] == pytest.approx(macs / 1e9, rel=1e-15)
    assert computed.loc[("Table IV", "GLDFN", "FLOPs (G), nn.Conv2d modules only"), "count"] < macs
    ratio = computed.loc[("Table IV", "GLDFN", "FLOPs ÷ DANv2's")]
    assert ratio["paper"] == pytest.approx(346.74 / 918.12) and ratio["ours"] == pytest.approx(macs / 1e9 / 918.12)
    for exp, value in TABLE1_PARAMETERS.items():
        row = computed.loc[("Table I", f"Exp. {exp}", "Params (M)")]
        name = complexity.ABLATION_MODELS[f"Exp. {exp}"]
        assert row["count"] == build_model(name, scale=4).paper_parameter_count() and row["paper"] == value
    np.testing.assert_allclose(computed["gap"], computed["ours"] - computed["paper"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(computed["relative_gap"], computed["ours"] / computed["paper"] - 1, rtol=0, atol=1e-12)


def test_rows_quote_the_other_methods_and_leave_niqe_uncomputed(rows: pd.DataFrame) -> None:
    quoted = rows[(rows["source"] == Source.QUOTED) & (rows["method"] != "GLDFN")]
    published = {(v.method, v.metric): v.value for v in table4() if v.method != "GLDFN"}
    assert {(r.method, r.metric): r.paper for r in quoted.itertuples()} == published
    assert quoted["ours"].isna().all() and quoted["count"].isna().all()
    niqe = rows[rows["metric"] == "NIQE"].set_index("method")
    assert niqe.loc["GLDFN", "source"] == Source.QUOTED and np.isnan(niqe.loc["GLDFN", "ours"]) and niqe.loc["GLDFN", "paper"] == 4.80
    assert "Historical images are not in the shared data" in niqe.loc["GLDFN", "note"]


def test_summary_lists_the_computed_rows(rows: pd.DataFrame) -> None:
    lines = complexity.summary(rows).splitlines()
    assert len(lines) == 8 and lines[0] == "Table IV | GLDFN | Params (M) | paper 14.7 | ours 15.7381 | +7.06%"
