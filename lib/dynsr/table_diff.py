"""Compare two versions of the written results tables, cell by cell, within the cross-machine tolerance.

After the code that writes a table changes, or a table is regenerated on another machine, every number it
held before must still be there, equal within :mod:`dynsr.tolerances` (PSNR rows to ``PSNR_DB``, SSIM rows
to ``SSIM``, any other number relative to ``RELATIVE``), unless the change was meant (a retrained model).
:func:`compare_folders` says which: per table, the rows matched, the numbers that moved beyond tolerance,
the rows and columns only one version has. ``scripts/compare_tables.py`` runs it against a git revision.

A row is identified by its text and integer columns (method, dataset, scale, degradation, metric, …) except
those that describe how a number was produced rather than which number it is (:data:`DESCRIPTIVE`): a row
whose steps or seeds changed is the same cell with a new value, not a new cell. Columns that measure the
machine (:data:`MACHINE`: training seconds, threads, timings) differ on every run and are not compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dynsr import tolerances

__all__ = ["DESCRIPTIVE", "VALUES", "MACHINE", "TableDifference", "compare_tables", "compare_folders", "report"]

DESCRIPTIVE: frozenset[str] = frozenset({
    "paper", "ours", "gap", "profile", "steps", "seeds", "noise_seed", "ours_per_seed", "seed_spread", "n_images", "parameters", "source",
    "note", "verdict", "seed_verdict", "reason", "matched_steps", "above_bicubic", "bicubic_validation_psnr",
    "same_sign_as_paper", "comparator_below_bicubic",
})
"""Columns that describe a number (its provenance, its verdict), not which cell it is."""

VALUES: frozenset[str] = frozenset({"paper", "ours", "gap", "seed_spread", "ours_per_seed"})
"""The descriptive columns that hold the numbers themselves: a change beyond tolerance is a moved number."""

MACHINE: frozenset[str] = frozenset({"train_seconds", "threads", "seconds", "time_ours", "cpu_seconds", "wall_seconds"})
"""Columns that measure the machine that ran, not the result."""


@dataclass
class TableDifference:
    """How one table differs between two versions (empty lists: equal within tolerance)."""

    name: str
    rows_compared: int = 0
    moved: list[str] = field(default_factory=list)  # "<row key> <column>: old -> new": a number beyond tolerance
    provenance_changed: list[str] = field(default_factory=list)  # how a number was produced, or its verdict (steps, seeds, …)
    only_old: list[str] = field(default_factory=list)
    only_new: list[str] = field(default_factory=list)
    columns_only_old: list[str] = field(default_factory=list)
    columns_only_new: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return not (self.moved or self.only_old or self.only_new or self.columns_only_old)


def _key_columns(table: pd.DataFrame) -> list[str]:
    return [column for column in table.columns if column not in DESCRIPTIVE and column not in MACHINE
            and not pd.api.types.is_float_dtype(table[column])]


def _keyed(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``table`` indexed by its key columns plus the occurrence of that key (so repeated keys still pair up in order)."""
    labels = table[keys].map(str).agg(" | ".join, axis=1) if keys else pd.Series("", index=table.index)
    occurrence = labels.groupby(labels).cumcount()
    return table.set_axis(labels + occurrence.map(lambda n: f" #{n}" if n else ""), axis=0)


def _tolerance(metric: object, value: float) -> float:
    if metric == "PSNR":
        return tolerances.PSNR_DB
    if metric == "SSIM":
        return tolerances.SSIM
    return tolerances.RELATIVE * max(1.0, abs(value))


def compare_tables(old: pd.DataFrame, new: pd.DataFrame, *, name: str = "") -> TableDifference:
    """The cell-by-cell difference of two versions of one table (module docstring)."""
    difference = TableDifference(name)
    difference.columns_only_old = [c for c in old.columns if c not in new.columns]
    difference.columns_only_new = [c for c in new.columns if c not in old.columns]
    keys = [column for column in _key_columns(old) if column in new.columns]
    old_rows, new_rows = _keyed(old, keys), _keyed(new, keys)
    difference.only_old = [label for label in old_rows.index if label not in new_rows.index]
    difference.only_new = [label for label in new_rows.index if label not in old_rows.index]
    shared = [label for label in old_rows.index if label in new_rows.index]
    difference.rows_compared = len(shared)
    columns = [c for c in old.columns if c in new.columns and c not in keys and c not in MACHINE]
    for label in shared:
        before, after = old_rows.loc[label], new_rows.loc[label]
        for column in columns:
            a, b = before[column], after[column]
            if pd.isna(a) and pd.isna(b):
                continue
            numeric = isinstance(a, (int, float, np.number)) and isinstance(b, (int, float, np.number)) and not isinstance(a, bool)
            if numeric and not (pd.isna(a) or pd.isna(b)):
                changed = abs(float(b) - float(a)) > _tolerance(before.get("metric"), float(a))
            else:
                changed = str(a) != str(b)
            if changed:
                kind = difference.provenance_changed if column in DESCRIPTIVE and column not in VALUES else difference.moved
                kind.append(f"{label} {column}: {a} -> {b}")
    return difference


def compare_folders(old: Path, new: Path) -> list[TableDifference]:
    """Every ``*.csv`` under ``old`` against the file of the same relative path under ``new`` (missing on one side: reported)."""
    names = sorted({p.relative_to(old).as_posix() for p in old.rglob("*.csv")} | {p.relative_to(new).as_posix() for p in new.rglob("*.csv")})
    differences = []
    for name in names:
        before, after = old / name, new / name
        if not after.is_file() or not before.is_file():
            missing = TableDifference(name)
            (missing.only_old if not after.is_file() else missing.only_new).append("(the whole table)")
            differences.append(missing)
            continue
        differences.append(compare_tables(pd.read_csv(before), pd.read_csv(after), name=name))
    return differences


def report(differences: list[TableDifference], *, limit: int = 8) -> str:
    """Plain text: one line per table (equal within tolerance, or what moved), the first ``limit`` changes of each."""
    lines = []
    for d in differences:
        status = "equal within tolerance" if d.equal else "DIFFERS"
        lines.append(f"{d.name}: {status} ({d.rows_compared} rows compared; {len(d.moved)} numbers moved, {len(d.provenance_changed)} provenance or verdict changes, "
                     f"{len(d.only_old)} rows only in old, {len(d.only_new)} only in new)")
        for title, items in (("moved", d.moved), ("provenance", d.provenance_changed), ("only old", d.only_old), ("only new", d.only_new),
                             ("columns only old", d.columns_only_old), ("columns only new", d.columns_only_new)):
            lines += [f"    {title}: {item}" for item in items[:limit]]
            if len(items) > limit:
                lines.append(f"    {title}: … {len(items) - limit} more")
    equal = sum(d.equal for d in differences)
    lines.append(f"{equal} of {len(differences)} tables equal within tolerance")
    return "\n".join(lines)
