"""What a paper's folder declares to the rest of dynsr: :class:`PaperSpec`.

A paper is one folder in the library (``dynsr/papers/<name>/``: published numbers, test settings, recipes,
tables, figures, summary), in ``notebooks/<name>/`` and in ``results/<name>/``. Its ``__init__`` exports
``PAPER``, a :class:`PaperSpec` naming what shared code may iterate over through the registry
(:mod:`dynsr.papers`): the CLI (``reproduce --paper``, ``eval --table``, ``train --model``), the bicubic
baselines, the results index and the cross-paper benchmark. Nothing outside a paper's folder imports it by
name; the spec imports only the paper's light modules (published numbers, settings, recipes), never its
experiments, so that the registry is cheap to import and free of cycles.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from dynsr.degradations.testsets import TestSetting
from dynsr.papers.records import PaperValue
from dynsr.training.config import TrainConfig

__all__ = ["BicubicCell", "KernelGallery", "PaperSpec", "Recipe"]

Recipe = Callable[[str, int, int], TrainConfig]
"""``(profile, scale, seed) → TrainConfig``."""

BicubicCell = tuple[PaperValue, list[TestSetting]]
"""A published bicubic value and the test settings whose mean it is."""


@dataclass(frozen=True, kw_only=True)
class KernelGallery:
    """A paper's test kernels for notebook 00's galleries: ``kernels`` (each (k, k)), ``labels``, a title, a file name."""

    kernels: list
    labels: list[str]
    title: str
    file_name: str
    columns: int = 8


@dataclass(frozen=True, kw_only=True)
class PaperSpec:
    """One paper (module docstring).

    Attributes:
        name: the folder name in ``dynsr/papers``, ``notebooks`` and ``results`` (``udvd``).
        title: authors, venue (for reports).
        recipes: training recipes by name (``dynsr train --model``).
        compute_matched: comparator recipe → the recipe whose training compute it gets at ``cpu``.
        matched_steps: (comparator recipe, scale) → its ``cpu`` steps.
        test_tables: test settings by table name (``dynsr eval --table``).
        bicubic_cells: the published bicubic cells with their settings (notebook 00), if the paper prints any.
        bicubic_protocols: table source (``"DASR Table 2"``) → the bicubic protocol that produced its blurred cells.
        unchecked_bicubic: published bicubic values whose images are not in the shared data.
        standard_bicubic: the unblurred, noise-free cells of the standard bicubic table (DASR Table 2's σ = 0).
        kernel_gallery: the paper's test kernels for notebook 00's galleries.
        main_recipe: the recipe of the paper's own model (its reduced-scale note, :func:`dynsr.experiments.common.reduced_scale_note`).
        table_figures: the module (in the paper's folder) whose ``TABLE_FIGURES`` are drawn from written tables alone
            (:func:`dynsr.experiments.common.redraw_table_figures`); imported only when figures are redrawn.
    """

    name: str
    title: str
    recipes: Mapping[str, Recipe] = field(default_factory=dict)
    compute_matched: Mapping[str, str] = field(default_factory=dict)
    matched_steps: Mapping[tuple[str, int], int] = field(default_factory=dict)
    test_tables: Mapping[str, Callable[[], list[TestSetting]]] = field(default_factory=dict)
    bicubic_cells: Callable[[], list[BicubicCell]] | None = None
    bicubic_protocols: Mapping[str, str] = field(default_factory=dict)
    unchecked_bicubic: Callable[[], list[PaperValue]] | None = None
    standard_bicubic: Callable[[], list[BicubicCell]] | None = None
    kernel_gallery: Callable[[], KernelGallery] | None = None
    table_figures: str | None = None
    main_recipe: str | None = None
