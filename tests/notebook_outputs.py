"""nbval's output check, applied to notebooks that ``dynsr reproduce`` has already executed.

``make test`` used to execute the 20 notebooks twice: once in the end-to-end ``dynsr reproduce --profile smoke``
test and once under ``pytest --nbval-lax``. Here the notebooks run once (through ``reproduce``, the path users
take) and their outputs are compared the way ``nbval --nbval-lax`` compares them: every cell marked
``# NBVAL_CHECK_OUTPUT`` must give the outputs stored in ``notebooks/`` after the sanitising patterns of
``tests/nbval_sanitize.cfg``, with nbval's own keys skipped (metadata, execution counts, images, widget ids).
nbval itself still works on ``notebooks/`` (``make nbval``) for anyone who wants it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import nbformat
from nbval.plugin import get_sanitize_patterns, transform_streams_for_comparison

__all__ = ["output_mismatches", "stderr_outputs"]

_SANITIZE = Path(__file__).with_name("nbval_sanitize.cfg")
# nbval's keys skipped under --nbval-lax without nbdime (nbval.plugin.IPyNbFile.skip_compare)
_SKIP = frozenset({"metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
                   "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg"})
_MARKER = "NBVAL_CHECK_OUTPUT"


def _sanitize(text: str) -> str:
    for pattern, replacement in get_sanitize_patterns(_SANITIZE.read_text(encoding="utf-8")):
        text = re.sub(pattern, replacement, text)
    return text


def _flatten(outputs: list) -> dict[str, list[str]]:
    """nbval's layout: every compared key (MIME types of ``data`` flattened) -> its sanitised values in order."""
    flat: dict[str, list[str]] = defaultdict(list)
    for output in transform_streams_for_comparison(outputs):
        for key, value in output.items():
            if key in _SKIP:
                continue
            items = value.items() if key == "data" else [(key, value)]
            for inner, text in items:
                if inner not in _SKIP:
                    flat[inner].append(_sanitize(text if isinstance(text, str) else "".join(text)))
    return dict(flat)


def _checked_cells(path: Path) -> list:
    notebook = nbformat.read(path, as_version=4)
    return [cell for cell in notebook.cells if cell.cell_type == "code" and _MARKER in cell.source]


def output_mismatches(executed: Path, reference: Path) -> list[str]:
    """The checked cells of ``executed`` whose outputs differ from ``reference``'s (empty when they agree)."""
    ran, stored = _checked_cells(executed), _checked_cells(reference)
    if len(ran) != len(stored):
        return [f"{executed.name}: {len(ran)} checked cells, the reference has {len(stored)}"]
    problems = []
    for number, (cell, expected) in enumerate(zip(ran, stored, strict=True)):
        got, want = _flatten(cell.outputs), _flatten(expected.outputs)
        if got != want:
            problems.append(f"{executed.name}, checked cell {number}:\n  expected {want}\n  got      {got}")
    return problems


def stderr_outputs(executed: Path) -> list[str]:
    """Every stderr stream an executed notebook printed (a warning a JupyterLab user would see in red)."""
    notebook = nbformat.read(executed, as_version=4)
    return [f"{executed.name}: {output.text.strip()[:300]}" for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.get("outputs", []) if output.get("output_type") == "stream" and output.get("name") == "stderr"]
