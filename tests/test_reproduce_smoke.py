"""`dynsr reproduce --profile smoke` end to end: every notebook runs, every table and the index are written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd


def test_reproduce_smoke_writes_every_table_and_the_index(tmp_path: Path) -> None:
    results, cache = tmp_path / "results", tmp_path / "cache"
    env = {**os.environ, "DYNSR_RESULTS_DIR": str(results), "DYNSR_CACHE_DIR": str(cache), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "dynsr.cli", "reproduce", "--profile", "smoke"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    smoke = results / "smoke"
    notebooks = sorted(p.name for p in (smoke / "notebooks").iterdir())
    assert notebooks == ["00_degradations_and_bicubic.ipynb", "01_srmd_baseline.ipynb"]  # no .running or .failed copies
    table = pd.read_csv(smoke / "srmd" / "tables" / "udvd_table2.csv")
    assert len(table) == 108 and set(table["profile"]) == {"smoke"}
    assert set(table.loc[table["method"] == "SRMD", "steps"]) == {4}
    assert sorted(p.name for p in (smoke / "checkpoints").iterdir()) == ["srmd_x2.pt", "srmd_x3.pt", "srmd_x4.pt"]
    index = (smoke / "README.md").read_text(encoding="utf-8")
    for stem in ("baselines/tables/bicubic", "baselines/tables/bicubic_standard", "srmd/tables/udvd_table2", "srmd/tables/training"):
        assert f"[{stem}.csv]({stem}.csv)" in index
    assert "index of every table and figure" in done.stdout
