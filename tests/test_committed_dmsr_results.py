"""The committed DMSR results read back: Table B.5's counts equal the built model's, its time the benchmark's."""

from __future__ import annotations

import pandas as pd
import pytest

from dynsr.models import build_model
from dynsr.papers.dmsr.complexity import part_parameters, timings
from dynsr.paths import repo_root
from dynsr.results import REQUIRED_COLUMNS, Source


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return pd.read_csv(repo_root() / "results" / "dmsr" / "tables" / "tableB5_complexity.csv")


def test_table_b5_counts_are_the_built_models(table: pd.DataFrame) -> None:
    assert set(REQUIRED_COLUMNS) <= set(table.columns) and set(table["profile"]) == {"cpu"}
    computed = table[(table["source"] == Source.COMPUTED) & (table["metric"] == "Params (M)")].set_index("method")["count"]
    parts = part_parameters(build_model("dmsr", scale=2))
    assert computed.to_dict() == {"DMSR DE": parts["DE"], "DMSR SR network": parts["SR network"], "DMSR": parts["total"]}


def test_table_b5_times_are_the_committed_benchmarks(table: pd.DataFrame) -> None:
    times = table[(table["source"] == Source.COMPUTED) & (table["metric"] == "Time (s)")]
    assert sorted(times["ours"]) == sorted(entry["fastest_seconds"] for entry in timings()) and len(times) >= 1
