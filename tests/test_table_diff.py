"""dynsr.table_diff: two versions of a results table compared cell by cell within the cross-machine tolerance."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dynsr import tolerances
from dynsr.table_diff import compare_folders, compare_tables, report


def _table(**changes: object) -> pd.DataFrame:
    rows = pd.DataFrame({
        "method": ["UDVD", "UDVD", "SRMD"], "dataset": ["Set5", "Set5", "Set5"], "scale": [3, 3, 3],
        "degradation": ["w=1.3 n=15", "w=1.3 n=15", "w=1.3 n=15"], "metric": ["PSNR", "SSIM", "PSNR"],
        "paper": [28.0, 0.80, 27.0], "ours": [27.5, 0.79, 26.0], "steps": [1000, 1000, 1000], "seeds": ["0", "0", "0"],
        "train_seconds": [10.0, 10.0, 5.0],
    })
    for column, value in changes.items():
        rows[column] = value
    rows["gap"] = rows["ours"] - rows["paper"]
    return rows


def test_a_recomputed_table_within_tolerance_is_equal_and_machine_columns_are_ignored() -> None:
    new = _table(ours=[27.5 + 0.5 * tolerances.PSNR_DB, 0.79 + 0.5 * tolerances.SSIM, 26.0], train_seconds=[99.0, 99.0, 99.0])
    difference = compare_tables(_table(), new)
    assert difference.equal and difference.rows_compared == 3 and not difference.provenance_changed


def test_a_number_beyond_its_metric_tolerance_is_reported() -> None:
    new = _table(ours=[27.5, 0.79 + 3 * tolerances.SSIM, 26.0])
    difference = compare_tables(_table(), new, name="t")
    assert not difference.equal
    assert [line.split(":")[0] for line in difference.moved] == ["UDVD | Set5 | 3 | w=1.3 n=15 | SSIM ours", "UDVD | Set5 | 3 | w=1.3 n=15 | SSIM gap"]


def test_a_retrained_row_is_the_same_cell_with_new_steps_and_a_lost_row_is_reported() -> None:
    retrained = _table(steps=[1000, 1000, 4803])
    difference = compare_tables(_table(), retrained)
    assert difference.equal and difference.provenance_changed == ["SRMD | Set5 | 3 | w=1.3 n=15 | PSNR steps: 1000 -> 4803"]
    shorter = compare_tables(_table(), _table().iloc[:2])
    assert shorter.only_old == ["SRMD | Set5 | 3 | w=1.3 n=15 | PSNR"] and not shorter.equal


def test_folders_report_missing_and_new_tables(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    for folder, names in ((old, ("a", "gone")), (new, ("a", "added"))):
        (folder / "p").mkdir(parents=True)
        for name in names:
            _table().to_csv(folder / "p" / f"{name}.csv", index=False)
    differences = {d.name: d for d in compare_folders(old, new)}
    assert differences["p/a.csv"].equal and differences["p/gone.csv"].only_old and differences["p/added.csv"].only_new
    assert report(list(differences.values())).endswith("1 of 3 tables equal within tolerance")
