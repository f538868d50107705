#!/usr/bin/env python3
"""Re-execute notebooks on the ``smoke`` profile and store their outputs in place, for nbval.

nbval (``make test``) re-runs each committed notebook and compares the cells marked
``# NBVAL_CHECK_OUTPUT`` with the outputs stored in the file, so the stored outputs must be the
smoke profile's. Run this after changing a notebook or what it prints:

    python scripts/refresh_notebooks.py [notebooks/00_*.ipynb ...]

Papermill metadata and execution timings are stripped, and only the outputs nbval checks are kept
(figures and tables live in ``results/``; the executed copies in ``results/<paper>/notebooks/`` keep
everything), so that the files stay small and diff cleanly.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import nbformat
import papermill

ROOT = Path(__file__).resolve().parents[1]


def clean(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    notebook.metadata.pop("papermill", None)
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code" and "NBVAL_CHECK_OUTPUT" not in cell.source:
            cell.outputs = []
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def refresh(path: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        executed = Path(folder) / path.name
        papermill.execute_notebook(str(path), str(executed), kernel_name="python3", cwd=str(path.parent), progress_bar=False)
        notebook = clean(nbformat.read(executed, as_version=4))
    nbformat.write(notebook, path)
    print(f"refreshed {path.relative_to(ROOT)}")


def main(arguments: list[str]) -> int:
    paths = [Path(a).resolve() for a in arguments] or sorted((ROOT / "notebooks").glob("*/[0-9][0-9]_*.ipynb"))
    for path in paths:
        refresh(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
