"""Notebook 00: kernel galleries, example degradations and the bicubic tables of every paper."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dynsr.experiments.bicubic import run_bicubic_baselines, summarize
from dynsr.experiments.galleries import degradation_examples, kernel_galleries
from dynsr.paths import profile_results_dir
from dynsr.profiles import get_profile

__all__ = ["Params", "Outputs", "run"]


@dataclass(frozen=True)
class Params:
    """Parameters of ``notebooks/00_degradations_and_bicubic.ipynb``.

    Attributes:
        profile: ``smoke`` (2 images per set, seconds), ``cpu`` or ``paper`` (all images; this
            notebook trains nothing, so the two are identical).
        progress: show a progress bar (off for nbval, which compares stderr).
    """

    profile: str = "smoke"
    progress: bool = False


@dataclass(frozen=True)
class Outputs:
    figures: list[Path]
    published: pd.DataFrame
    standard: pd.DataFrame
    summary: dict[str, str]


def run(params: Params) -> Outputs:
    """Write every figure and table of notebook 00 for ``params.profile`` and return them."""
    profile = get_profile(params.profile)
    folder = profile_results_dir(profile.name) / "baselines" / "figures"
    figures = kernel_galleries(folder) + [degradation_examples(folder)]
    tables = run_bicubic_baselines(profile, progress=params.progress)
    figures.append(folder / "bicubic_gap.png")
    return Outputs(figures, tables["published"], tables["standard"], summarize(tables["published"]))
