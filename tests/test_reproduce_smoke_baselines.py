"""Notebook 00 (degradations and the bicubic tables of every paper) at ``smoke``, end to end (``tests/smoke_reproduce.py``)."""

from __future__ import annotations

from pathlib import Path

from smoke_reproduce import reproduce_smoke


def test_baselines_notebook_writes_the_bicubic_tables_and_the_index(tmp_path: Path) -> None:
    run = reproduce_smoke("baselines", tmp_path)
    run.assert_smoke_profile("baselines", ("bicubic", "bicubic_standard"))
    run.assert_indexed(("baselines/tables/bicubic", "baselines/tables/bicubic_standard"))
