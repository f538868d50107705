"""UDVD's notebooks (and the SRMD baseline) at ``smoke``, end to end (``tests/smoke_reproduce.py``)."""

from __future__ import annotations

from pathlib import Path

from smoke_reproduce import reproduce_smoke


def test_udvd_notebooks_write_every_table_and_the_index(tmp_path: Path) -> None:
    run = reproduce_smoke("udvd", tmp_path)
    table = run.table("udvd", "srmd_table2")
    assert len(table) == 108 and set(table["profile"]) == {"smoke"}
    assert set(table.loc[table["method"] == "SRMD", "steps"]) == {4}
    table1 = [f"udvd{suffix}_x3{seed}.pt" for suffix in ("", "_baseline", "_u", "_du", "_ud", "_single_loss") for seed in ("", "_seed1")]
    udvd = [f"{name}_x{scale}.pt" for name in ("udvd", "udvdnf", "srmd", "srmdnf") for scale in (2, 3, 4)]
    assert run.checkpoints() == sorted(set(table1 + udvd))  # udvd_x3 is in both
    run.assert_smoke_profile("udvd", ("table1", "table1_claims", "table2", "table3", "table4", "table5", "heatmap", "fig4_kernel_difference",
                                      "figs1_5_crops"))
    assert len(run.table("udvd", "table2").query("source == 'trained here'")) == 108
    summary = (run.smoke / "udvd" / "README.md").read_text(encoding="utf-8")
    assert "| UDVD_U > Baseline | +0.11 |" in summary and "not generated yet" not in summary
    run.assert_indexed(("udvd/tables/srmd_table2", "udvd/tables/srmd_training"))
