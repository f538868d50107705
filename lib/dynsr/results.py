"""Results tables: paper | ours | gap, written atomically as CSV + JSON.

Every row of every table dynsr writes follows one schema (:mod:`dynsr.result_rows`, whose constructors build the rows):
the published number (``paper``), ours, ``gap = ours - paper``, and the ``profile``, ``steps``, ``seeds`` and
``noise_seed`` it was produced with and its ``source``, so that no reduced-scale number can be read as the paper's.
Tables are written to ``results/<paper>/tables/<name>.{csv,json}`` (``results/baselines/tables/`` for the
training-free baselines); the JSON holds the same rows (``seeds`` as a list) plus metadata.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from dynsr.fileio import atomic_path, write_json_atomic
from dynsr.paths import profile_results_dir
from dynsr.result_rows import (
    CLAIM_COLUMNS, REQUIRED_COLUMNS, Source, Verdict, as_seeds, claim_row, computed_row, format_seeds, parse_seeds, quoted_row, trained_row,
    verdict_text,
)

__all__ = ["REQUIRED_COLUMNS", "CLAIM_COLUMNS", "Source", "Verdict", "as_seeds", "format_seeds", "parse_seeds", "verdict_text", "trained_row", "computed_row",
           "quoted_row", "claim_row", "write_table", "read_table", "read_table_file"]

_VERDICT_COLUMNS = ("verdict", "seed_verdict")


def _verdicts(values: pd.Series) -> pd.Series:
    return values.map(lambda value: None if pd.isna(value) else Verdict(value))


def _noise_seeds(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.astype(object).where(values.notna(), None)).astype("Int64")


def _checked(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its enumerations, seeds and noise seeds validated, the schema's columns first; raises ValueError where it breaks the schema."""
    missing = [column for column in REQUIRED_COLUMNS if column not in table.columns]
    if missing:
        raise ValueError(f"results table lacks columns {missing}; every table needs {list(REQUIRED_COLUMNS)}")
    claim_columns = [column for column in CLAIM_COLUMNS if column in table.columns]
    if claim_columns and len(claim_columns) != len(CLAIM_COLUMNS):
        raise ValueError(f"a claims table needs all of {list(CLAIM_COLUMNS)}; got {claim_columns}")
    expected_gap = table["ours"] - table["paper"]
    inconsistent = ~((expected_gap - table["gap"]).abs().le(1e-9) | (expected_gap.isna() & table["gap"].isna()))
    if inconsistent.any():
        raise ValueError(f"gap != ours - paper in {int(inconsistent.sum())} rows")
    checked = table.assign(source=table["source"].map(Source), seeds=table["seeds"].map(as_seeds),
                           noise_seed=_noise_seeds(table["noise_seed"]),
                           **{column: _verdicts(table[column]) for column in _VERDICT_COLUMNS if column in table.columns})
    order = [*REQUIRED_COLUMNS, *claim_columns]
    return checked[order + [column for column in checked.columns if column not in order]]


def write_table(table: pd.DataFrame, relative_stem: str, *, profile: str, metadata: dict[str, Any] | None = None) -> Path:
    """Write ``table`` to ``<profile results>/<relative_stem>.csv`` and ``.json`` atomically; return the CSV path.

    ``<profile results>`` is :func:`dynsr.paths.profile_results_dir` (``results/`` for ``cpu``). The table must follow
    the schema (:mod:`dynsr.result_rows`): every :data:`REQUIRED_COLUMNS`, all or none of :data:`CLAIM_COLUMNS`, valid
    sources and verdicts, seeds as sequences of integers, integer (or missing) noise seeds, ``gap == ours - paper``.
    The schema's columns come first.
    """
    table = _checked(table)
    csv_path = profile_results_dir(profile) / f"{relative_stem}.csv"
    with atomic_path(csv_path) as temporary:
        table.assign(seeds=table["seeds"].map(format_seeds)).to_csv(temporary, index=False, float_format="%.10g")
    rows = [{**row, "noise_seed": None if pd.isna(row["noise_seed"]) else int(row["noise_seed"])} for row in table.to_dict(orient="records")]
    write_json_atomic(csv_path.with_suffix(".json"), {"metadata": metadata or {}, "columns": list(table.columns), "rows": rows})
    return csv_path


def read_table_file(path: Path) -> pd.DataFrame:
    """A table written by :func:`write_table`, from its CSV: seeds as tuples, sources and verdicts as enumerations, ``reason`` "" where empty."""
    table = pd.read_csv(path, dtype={"seeds": str, "reason": str}, keep_default_na=True)
    table = table.assign(seeds=table["seeds"].fillna("").map(parse_seeds), noise_seed=table["noise_seed"].astype("Int64"),
                         source=table["source"].map(Source),
                         **{column: _verdicts(table[column]) for column in _VERDICT_COLUMNS if column in table.columns})
    return table.assign(reason=table["reason"].fillna("")) if "reason" in table.columns else table


def read_table(relative_stem: str, *, profile: str) -> pd.DataFrame:
    """Read a table written by :func:`write_table` (:func:`read_table_file`) from the profile's results folder."""
    return read_table_file(profile_results_dir(profile) / f"{relative_stem}.csv")
