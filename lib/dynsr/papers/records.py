"""The record type for a published number."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PaperValue:
    """One published cell: ``value`` of ``metric`` for ``method`` on ``dataset`` at ``scale`` under ``setting``.

    ``setting`` is the paper's own column label (e.g. ``"σ=1.2"``); ``note`` flags known problems
    with the printed number (e.g. UDVD Table 5's BI SSIMs, which are BD values).
    """

    paper: str
    table: str
    method: str
    dataset: str
    scale: int
    setting: str
    metric: str
    value: float
    note: str = ""
