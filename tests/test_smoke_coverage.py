"""Every notebook folder is run end to end at ``smoke`` by its own test file (``tests/smoke_reproduce.py``)."""

from __future__ import annotations

from pathlib import Path

from smoke_reproduce import NOTEBOOKS


def test_every_notebook_folder_has_its_smoke_reproduce_test() -> None:
    folders = {path.parent.name for path in NOTEBOOKS.glob("*/[0-9][0-9]_*.ipynb")}
    files = {path.stem.removeprefix("test_reproduce_smoke_") for path in Path(__file__).parent.glob("test_reproduce_smoke_*.py")}
    assert folders == files and {"baselines", "udvd", "dasr", "dmsr", "gldfn", "arcsr"} <= folders
