"""GLDFN's notebooks at ``smoke``, end to end (``tests/smoke_reproduce.py``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from smoke_reproduce import reproduce_smoke

from dynsr.papers.gldfn import table2
from dynsr.results import Source, read_table_file


def test_gldfn_notebooks_write_every_table_and_the_index(tmp_path: Path) -> None:
    run = reproduce_smoke("gldfn", tmp_path)
    table4 = run.table("gldfn", "table4_complexity")
    assert set(table4["profile"]) == {"smoke"} and 473_438_697_600 in set(table4["count"].dropna())  # the same counts at every profile
    ablation = [f"gldfn_ablation_{exp}_x4{seed}.pt" for exp in "abcd" for seed in ("", "_seed1")]
    assert run.checkpoints() == sorted(ablation + [f"gldfn_x{scale}.pt" for scale in (2, 3, 4)])
    run.assert_smoke_profile("gldfn", ("table1", "table2"))
    run.assert_indexed(("gldfn/tables/table4_complexity", "gldfn/tables/table1", "gldfn/tables/table2"))
    written = read_table_file(run.smoke / "gldfn" / "tables" / "table2.csv")
    _table2_at_x4_is_laid_out_as_the_paper(written[written["scale"] == 4])


def _table2_at_x4_is_laid_out_as_the_paper(table) -> None:
    """Quoted rows have no ours, Manga109 is not available, gap = ours − paper, the bicubic floor has no paper value."""
    np.testing.assert_allclose(table["gap"], table["ours"] - table["paper"])
    quoted = table[table["source"] == Source.QUOTED]
    assert quoted["ours"].isna().all() and set(quoted.loc[quoted["method"].isin([table2.OURS, table2.BICUBIC]), "dataset"]) == {"Manga109"}
    assert set(quoted.loc[quoted["note"] == table2.NOT_AVAILABLE, "method"]) == {table2.OURS, table2.BICUBIC}
    ours = table[table["source"] == Source.TRAINED]
    assert set(ours["method"]) == {table2.OURS} and len(ours) == 4 * 2 and set(ours["steps"]) == {4} and ours["paper"].notna().all()
    floor = table[table["method"] == table2.BICUBIC_MODELS]
    assert len(floor) == 8 and floor["paper"].isna().all() and (floor["source"] == Source.COMPUTED).all()
    assert len(table) == 8 + 2 + 8 + 2 + 8 + 10 * 5 * 2 - 10  # ours, Manga109 x2, bicubic x2, floor, the 9 quoted methods at x4
