"""The record type for a published number, and how published values meet the test settings they average."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any


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


def pair_with_settings(values: Sequence[PaperValue], settings: Sequence[Any], cell_of: Callable[[Any], Hashable]) -> list[tuple[PaperValue, list[Any]]]:
    """Each published value with the test settings whose scores it averages: those whose ``cell_of(setting)`` is the value's
    (data set, scale, setting label); values without settings are left out."""
    grouped: dict[Hashable, list[Any]] = {}
    for setting in settings:
        grouped.setdefault(cell_of(setting), []).append(setting)
    return [(value, grouped[(value.dataset, value.scale, value.setting)]) for value in values if (value.dataset, value.scale, value.setting) in grouped]
