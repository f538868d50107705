"""ArcSR's notebooks at ``smoke``, end to end (``tests/smoke_reproduce.py``)."""

from __future__ import annotations

from pathlib import Path

from smoke_reproduce import reproduce_smoke


def test_arcsr_notebooks_write_every_table_and_the_index(tmp_path: Path) -> None:
    run = reproduce_smoke("arcsr", tmp_path)
    table1 = [f"{name}_x4{seed}.pt" for name in ("arcsr", "arcsr_baseline", "arcsr_no_dmconv", "arcsr_no_kgconv") for seed in ("", "_seed1")]
    assert run.checkpoints() == sorted(table1 + ["dasr_arcsr_x4.pt"])  # Table 2's DASR row at ArcSR's training compute
    run.assert_smoke_profile("arcsr", ("table1", "table1_claims", "table2", "table2_claims"))
    run.assert_indexed(("arcsr/tables/table1", "arcsr/tables/table2"))
