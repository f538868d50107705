"""`dynsr reproduce --paper PAPER --profile smoke` end to end, one notebook folder at a time (``test_reproduce_smoke_<folder>.py``):
every notebook of the folder runs once, into a private results folder, and the executed notebooks pass nbval's output check
(``tests/notebook_outputs.py``) and print nothing on stderr. One file per folder lets pytest-xdist run the folders side by side."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from notebook_outputs import output_mismatches, stderr_outputs

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

__all__ = ["NOTEBOOKS", "SmokeRun", "reproduce_smoke"]


@dataclass(frozen=True)
class SmokeRun:
    """A finished smoke reproduce of one folder: its results folder (``<results>/smoke``) and what it printed."""

    smoke: Path
    stdout: str

    def table(self, paper: str, stem: str) -> pd.DataFrame:
        return pd.read_csv(self.smoke / paper / "tables" / f"{stem}.csv")

    def checkpoints(self) -> list[str]:
        return sorted(path.name for path in (self.smoke / "checkpoints").iterdir())

    def assert_smoke_profile(self, paper: str, stems: tuple[str, ...]) -> None:
        for stem in stems:
            assert set(self.table(paper, stem)["profile"]) == {"smoke"}, stem

    def assert_indexed(self, stems: tuple[str, ...]) -> None:
        index = (self.smoke / "README.md").read_text(encoding="utf-8")
        for stem in stems:
            assert f"[{stem}.csv]({stem}.csv)" in index, stem


def reproduce_smoke(folder: str, tmp_path: Path) -> SmokeRun:
    """Run the notebooks of ``notebooks/<folder>/`` at ``smoke`` and check them; return the run."""
    results, cache = tmp_path / "results", tmp_path / "cache"
    env = {**os.environ, "DYNSR_RESULTS_DIR": str(results), "DYNSR_CACHE_DIR": str(cache), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "dynsr.cli", "reproduce", "--profile", "smoke", "--paper", folder], env=env,
                          capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, done.stderr[-3000:]
    smoke = results / "smoke"
    expected = sorted(path.name for path in (NOTEBOOKS / folder).glob("[0-9][0-9]_*.ipynb"))
    executed = sorted(path.name for path in (smoke / folder / "notebooks").glob("*.ipynb"))
    hidden = sorted(path.name for path in smoke.glob("*/notebooks/.*"))
    assert expected and executed == expected and not hidden  # no .running or .failed copies
    assert sorted(path.parent.parent.name for path in smoke.glob("*/notebooks/*.ipynb")) == [folder] * len(expected)  # this folder's only
    mismatches = [problem for name in expected for problem in output_mismatches(smoke / folder / "notebooks" / name, NOTEBOOKS / folder / name)]
    assert not mismatches, "\n".join(mismatches)
    warnings = [line for name in expected for line in stderr_outputs(smoke / folder / "notebooks" / name)]
    assert not warnings, "\n".join(warnings)
    assert "index of every table and figure" in done.stdout
    return SmokeRun(smoke=smoke, stdout=done.stdout)
