"""DMSR's notebooks at ``smoke``, end to end (``tests/smoke_reproduce.py``)."""

from __future__ import annotations

from pathlib import Path

from smoke_reproduce import reproduce_smoke


def test_dmsr_notebooks_write_every_table_and_the_index(tmp_path: Path) -> None:
    run = reproduce_smoke("dmsr", tmp_path)
    table_b5 = run.table("dmsr", "tableB5_complexity")
    assert set(table_b5["profile"]) == {"smoke"} and 8_376_652 in set(table_b5["count"].dropna())
    run.assert_indexed(("dmsr/tables/tableB5_complexity",))
