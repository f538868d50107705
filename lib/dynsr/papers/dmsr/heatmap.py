"""A per-kernel heat-map of DMSR (not in the paper): PSNR over blur width × noise level, DMSR against its noise-free-trained
control DMSR-nf, on one colour scale with the 15×15 kernel under each column and their difference beside.

Table 1 samples three widths and two noise levels; the grid here covers DMSR's training ranges (σ_k in [0.2, 3.0], σ_n in
[0, 75]) on Set5 at one scale with SRMD's test harness, as Table 1 does, so that where the noise-trained model's lead over
the noise-free one (the paper's "noise collapse", docs/decisions/dmsr.md M24) grows and where the two meet is visible cell
by cell. One seed (seed 0); the weights are Table 1's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dynsr.degradations.testsets import kernel_noise_grid
from dynsr.experiments.common import write_heatmap
from dynsr.experiments.scoring import Params, trained_model
from dynsr.papers.dmsr.figures import HEATMAP
from dynsr.profiles import get_profile

__all__ = ["HeatmapParams", "run"]

@dataclass(frozen=True)
class HeatmapParams(Params):
    """:class:`~dynsr.experiments.scoring.Params` plus the grid: one set and scale, kernel widths × noise levels (DMSR's training ranges)."""

    dataset: str = "Set5"
    scale: int = 4
    widths: tuple[float, ...] = (0.2, 0.8, 1.4, 2.0, 2.6, 3.0)
    noises: tuple[float, ...] = (0.0, 15.0, 30.0, 50.0, 75.0)


def run(params: HeatmapParams) -> tuple[pd.DataFrame, list[Path]]:
    """DMSR and DMSR-nf (seed 0) over the grid; writes ``dmsr/tables/heatmap`` and the figure drawn from it."""
    if params.scale not in (2, 3, 4):
        raise ValueError(f"scale must be 2, 3 or 4 (DMSR's scales); got {params.scale}")
    settings = kernel_noise_grid(params.dataset, params.scale, params.widths, params.noises, label="DMSR heat-map")
    runs = [(label, trained_model(recipe, params, scale=params.scale)) for label, recipe in (("DMSR", "dmsr"), ("DMSR-nf", "dmsr_nf"))]
    return write_heatmap([(label, run.model, run) for label, run in runs], settings, get_profile(params.profile), figure=HEATMAP,
                         note="no published values (the paper has no heat-map); DMSR-nf is DMSR fine-tuned without noise (M22), the "
                              "noise-free-trained control of Table 1's noise collapse (M24); seed 0, Table 1's weights")
