"""DMSR's notebooks at ``smoke``, end to end (``tests/smoke_reproduce.py``)."""

from __future__ import annotations

from pathlib import Path

from smoke_reproduce import reproduce_smoke

from dynsr.papers.dmsr.recipes import CPU_RUNS
from dynsr.results import Verdict, read_table_file
from dynsr.training.recipes import weights_path


def test_dmsr_notebooks_write_every_table_and_the_index(tmp_path: Path) -> None:
    run = reproduce_smoke("dmsr", tmp_path)
    table_b5 = run.table("dmsr", "tableB5_complexity")
    assert set(table_b5["profile"]) == {"smoke"} and 8_376_652 in set(table_b5["count"].dropna())
    assert run.checkpoints() == sorted(weights_path(recipe, scale, "smoke", seed).name for recipe, scale, seeds in CPU_RUNS for seed in seeds)
    run.assert_smoke_profile("dmsr", ("table1", "table1_claims", "table2", "table2_claims", "table3", "table3_claims", "table4", "table4_claims"))
    table1 = read_table_file(run.smoke / "dmsr" / "tables" / "table1.csv")
    assert len(table1) == 126 + 54 + 126 + 3 * 126 + 2 * 108
    claims = read_table_file(run.smoke / "dmsr" / "tables" / "table1_claims.csv")
    assert len(claims) == 10 and set(claims["verdict"]) <= set(Verdict)
    summary = (run.smoke / "dmsr" / "README.md").read_text(encoding="utf-8")
    assert "## Claims" in summary and "not generated yet" not in summary
    run.assert_indexed(("dmsr/tables/tableB5_complexity", "dmsr/tables/table1", "dmsr/tables/table1_claims"))
