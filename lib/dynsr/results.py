"""Results tables: paper | ours | gap, written atomically as CSV + JSON.

Every table dynsr writes has, per row, the published number (``paper``), ours, ``gap = ours -
paper``, and the ``profile``, ``steps`` and ``seeds`` it was produced with, so that no reduced-scale
number can be read as the paper's. Tables are written to ``results/<paper>/tables/<name>.{csv,json}``
(``results/baselines/tables/`` for the training-free baselines); the JSON holds the same rows plus metadata.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from dynsr.fileio import atomic_path, write_json_atomic
from dynsr.paths import profile_results_dir

__all__ = ["REQUIRED_COLUMNS", "write_table", "read_table"]

REQUIRED_COLUMNS = ("dataset", "scale", "degradation", "metric", "paper", "ours", "gap", "profile", "steps", "seeds")


def write_table(table: pd.DataFrame, relative_stem: str, *, profile: str, metadata: dict[str, Any] | None = None) -> Path:
    """Write ``table`` to ``<profile results>/<relative_stem>.csv`` and ``.json`` atomically; return the CSV path.

    ``<profile results>`` is :func:`dynsr.paths.profile_results_dir` (``results/`` for ``cpu``).

    The table must have :data:`REQUIRED_COLUMNS`; ``gap`` is checked to equal ``ours - paper``.
    """
    missing = [column for column in REQUIRED_COLUMNS if column not in table.columns]
    if missing:
        raise ValueError(f"results table lacks columns {missing}; every table needs {list(REQUIRED_COLUMNS)}")
    expected_gap = table["ours"] - table["paper"]
    inconsistent = ~((expected_gap - table["gap"]).abs().le(1e-9) | (expected_gap.isna() & table["gap"].isna()))
    if inconsistent.any():
        raise ValueError(f"gap != ours - paper in {int(inconsistent.sum())} rows")
    csv_path = profile_results_dir(profile) / f"{relative_stem}.csv"
    with atomic_path(csv_path) as temporary:
        table.to_csv(temporary, index=False, float_format="%.10g")
    payload = {"metadata": metadata or {}, "columns": list(table.columns), "rows": table.to_dict(orient="records")}
    write_json_atomic(csv_path.with_suffix(".json"), payload)
    return csv_path


def read_table(relative_stem: str, *, profile: str) -> pd.DataFrame:
    """Read a table written by :func:`write_table`."""
    return pd.read_csv(profile_results_dir(profile) / f"{relative_stem}.csv")
