"""The papers: one folder each (``dynsr/papers/<name>/``), and the registry shared code iterates over.

Each folder holds the paper's published numbers (transcribed as data, never computed; how damaged or ambiguous
cells were read is in ``docs/decisions/<paper>.md``), its test settings, training recipes and experiments, and
exports ``PAPER`` (:class:`dynsr.papers.spec.PaperSpec`). Shared code never imports a paper's folder by name: it
asks this registry (:data:`PAPERS`, :func:`test_tables`, :func:`all_recipes`).
"""

from __future__ import annotations

from collections.abc import Callable

from dynsr.degradations.testsets import TestSetting
from dynsr.papers.arcsr import PAPER as ARCSR
from dynsr.papers.dasr import PAPER as DASR
from dynsr.papers.dmsr import PAPER as DMSR
from dynsr.papers.gldfn import PAPER as GLDFN
from dynsr.papers.records import PaperValue
from dynsr.papers.spec import PaperSpec, Recipe
from dynsr.papers.udvd import PAPER as UDVD

__all__ = ["PAPERS", "PaperSpec", "PaperValue", "all_recipes", "test_tables"]

PAPERS: dict[str, PaperSpec] = {paper.name: paper for paper in (UDVD, DMSR, GLDFN, DASR, ARCSR)}
"""Every paper by folder name, in the order the project lists them."""


def _merged(kind: str, parts) -> dict:
    merged: dict = {}
    for paper, mapping in parts:
        clash = set(merged) & set(mapping)
        if clash:
            raise ValueError(f"{paper} declares {kind} {sorted(clash)} that another paper declares too")
        merged.update(mapping)
    return merged


def test_tables() -> dict[str, Callable[[], list[TestSetting]]]:
    """Every paper's test tables by name (``dynsr eval --table NAME``)."""
    return _merged("test tables", ((paper.name, paper.test_tables) for paper in PAPERS.values()))


def all_recipes() -> dict[str, Recipe]:
    """Every paper's training recipes by name (``dynsr train --model NAME``)."""
    return _merged("recipes", ((paper.name, paper.recipes) for paper in PAPERS.values()))
