"""GLDFN's notebooks at ``smoke``, end to end (``tests/smoke_reproduce.py``)."""

from __future__ import annotations

from pathlib import Path

from smoke_reproduce import reproduce_smoke


def test_gldfn_notebooks_write_every_table_and_the_index(tmp_path: Path) -> None:
    run = reproduce_smoke("gldfn", tmp_path)
    table4 = run.table("gldfn", "table4_complexity")
    assert set(table4["profile"]) == {"smoke"} and 473_438_697_600 in set(table4["count"].dropna())  # the same counts at every profile
    ablation = [f"gldfn_ablation_{exp}_x4{seed}.pt" for exp in "abcd" for seed in ("", "_seed1")]
    assert run.checkpoints() == sorted(ablation + [f"gldfn_x{scale}.pt" for scale in (2, 3, 4)])
    run.assert_smoke_profile("gldfn", ("table1", "table2"))
    run.assert_indexed(("gldfn/tables/table4_complexity", "gldfn/tables/table1", "gldfn/tables/table2"))
