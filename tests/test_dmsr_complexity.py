"""DMSR Table B.5 without training (dynsr.papers.dmsr.complexity): parts, published values, the benchmark's times."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dynsr.models import build_model
from dynsr.papers.dmsr import complexity
from dynsr.papers.dmsr.published import table_b5
from dynsr.results import Source


@pytest.fixture(scope="module")
def rows(tmp_path_factory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("results")
    entry = {"model": "dmsr", "scale": 2, "lr_size": [128, 128], "device": "cpu", "device_name": "test CPU", "threads": 2,
             "fastest_seconds": 1.25, "repeats": 3, "date": "2026-12-04T00:00:00+00:00"}
    other = {**entry, "scale": 4, "fastest_seconds": 9.0}
    (folder / "bench").mkdir()
    (folder / "bench" / "forward_time.json").write_text(json.dumps({"entries": [entry, other]}))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DYNSR_RESULTS_DIR", str(folder))
        yield complexity.complexity_rows(profile="smoke")


def test_parts_add_up_to_the_model_and_match_the_paper_to_its_two_decimals() -> None:
    parts = complexity.part_parameters(build_model("dmsr", scale=2))
    assert parts == {"DE": 484_516, "SR network": 7_892_136, "total": 8_376_652}  # docs/decisions/dmsr.md, M16


def test_computed_rows_sit_beside_the_published_ones(rows: pd.DataFrame) -> None:
    computed = rows[rows["source"] == Source.COMPUTED].set_index(["method", "metric"])
    assert computed.loc[("DMSR DE", "Params (M)"), "count"] == 484_516 and computed.loc[("DMSR DE", "Params (M)"), "paper"] == 0.48
    assert computed.loc[("DMSR", "Params (M)"), "ours"] == pytest.approx(8.376652)
    np.testing.assert_allclose(computed["gap"].dropna(), (computed["ours"] - computed["paper"]).dropna(), atol=1e-12)
    assert abs(computed.loc[("DMSR", "Params (M)"), "gap"]) < 0.01  # equal at the paper's two decimals (truncated)
    assert np.isnan(computed.loc[("DMSR", "MACs (G)"), "paper"]) and computed.loc[("DMSR", "MACs (G)"), "ours"] > 100


def test_the_time_comes_from_the_benchmark_of_the_same_input_and_says_it_is_other_hardware(rows: pd.DataFrame) -> None:
    time = rows[(rows["metric"] == "Time (s)") & (rows["method"] == "DMSR")]
    assert len(time) == 1 and time.iloc[0]["ours"] == 1.25 and time.iloc[0]["paper"] == 0.595  # the x4 entry is not taken
    assert "RTX 2080" in time.iloc[0]["note"] and "not a comparison" in time.iloc[0]["note"]


def test_the_other_approaches_are_quoted(rows: pd.DataFrame) -> None:
    quoted = rows[rows["source"] == Source.QUOTED]
    published = {(v.method, v.metric): v.value for v in table_b5() if not v.method.startswith("DMSR")}
    assert {(r.method, r.metric): r.paper for r in quoted.itertuples()} == published and quoted["ours"].isna().all()


def test_without_a_benchmark_the_time_is_quoted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path))
    assert complexity.timings() == []
