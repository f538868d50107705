"""What the experiments of both papers (UDVD, notebooks 02-11; DASR, notebooks 12-19) share beyond one paper's harness.

:mod:`dynsr.experiments.udvd_common` holds the parameters, model loading, scoring and paper | ours | gap
rows that every notebook uses; this module adds the pieces that the two papers' experiment modules
otherwise each wrote out:

* seeded runs (``udvd_table1``, ``dasr_table1``): :class:`SeededParams` (``seeds``), :class:`SeededOutputs`,
  :func:`per_seed_runs` (every recipe × seed, with the training logs), :func:`training_columns` and
  :func:`seed_columns` (the per-seed columns of a mean-over-seeds row);
* heat-maps (``udvd_figures``, ``dasr_figures``): :func:`heatmap_rows` and :func:`heatmap_figure`;
* generated summaries (``udvd_summary``, ``dasr_summary``): :class:`SummaryParams`, :func:`read_table`,
  :func:`distinct_values`, :func:`gap_lines`, :func:`training_time`, :func:`write_summary`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from dynsr.checkpoints import load_checkpoint
from dynsr.experiments.udvd_common import TRAINED_HERE, Params, TrainedModel
from dynsr.fileio import write_text_atomic
from dynsr.paths import profile_results_dir
from dynsr.profiles import get_profile

__all__ = [
    "SeededParams", "SeededOutputs", "check_seeds", "per_seed_runs", "training_columns", "seed_columns",
    "heatmap_rows", "heatmap_figure",
    "SummaryParams", "read_table", "distinct_values", "gap_lines", "training_time", "write_summary",
]


# --- seeded runs --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SeededParams(Params):
    """:class:`~dynsr.experiments.udvd_common.Params` plus ``seeds``: every model is trained once per seed."""

    seeds: tuple[int, ...] = (0, 1)


@dataclass(frozen=True)
class SeededOutputs:
    """A seeded table: the mean-over-seeds table, the paired-by-seed claim verdicts, one row per seed, the figures."""

    table: pd.DataFrame
    claims: pd.DataFrame
    per_seed: pd.DataFrame
    figures: list[Path]


def check_seeds(params: SeededParams) -> None:
    if not params.seeds:
        raise ValueError("seeds is empty; give at least one seed (two or more for claim verdicts)")


def per_seed_runs(recipes: Mapping[str, str], params: SeededParams, *, scale: int, load: Callable[..., TrainedModel],
                  rows: Callable[[str, str, TrainedModel], list[dict[str, Any]]]) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Every ``{label: recipe}`` for every seed, loaded (or trained) by ``load`` (the calling module's ``trained_model``).

    ``rows(label, recipe, trained)`` gives one run's rows; returns them as a frame and the training logs keyed
    ``"<label> s<seed>"`` (for :func:`dynsr.plots.training_curves`).
    """
    table, logs = [], {}
    for label, recipe in recipes.items():
        for seed in params.seeds:
            trained = load(recipe, params, scale=scale, seed=seed)
            table += rows(label, recipe, trained)
            logs[f"{label} s{seed}"] = pd.DataFrame(trained.provenance["log"])
    return pd.DataFrame(table), logs


def training_columns(trained: TrainedModel, parameters: int) -> dict[str, Any]:
    """The training columns of a per-seed row: steps, parameters (as the paper counts them), train seconds, threads."""
    return {"steps": trained.steps, "parameters": parameters, "train_seconds": trained.provenance["train_seconds"],
            "threads": trained.provenance["threads"]}


def seed_columns(seeds: Sequence[int], values: np.ndarray) -> dict[str, Any]:
    """The seed columns of a mean-over-seeds row: ``seeds``, ``ours_per_seed`` (4 decimals) and ``seed_spread`` (max − min)."""
    return {"seeds": ",".join(str(s) for s in seeds), "ours_per_seed": "/".join(f"{v:.4f}" for v in values),
            "seed_spread": float(values.max() - values.min())}


# --- heat-maps ----------------------------------------------------------------------------------------------

def heatmap_rows(method: str, means: pd.DataFrame, *, profile: str, steps: int, seeds: str) -> list[dict[str, Any]]:
    """One row per (width, noise) cell of a heat-map (no published values: paper and gap are NaN)."""
    return [{"method": method, "dataset": cell.dataset, "scale": int(cell.scale), "degradation": cell.setting, "kernel_width": cell.kernel_width,
             "noise": cell.noise, "metric": "PSNR", "paper": np.nan, "ours": cell.PSNR, "gap": np.nan, "profile": profile, "steps": steps,
             "seeds": seeds, "n_images": int(cell.n_images)} for cell in means.itertuples()]


def heatmap_figure(grids: dict[str, pd.DataFrame], title: str, *, xlabel: str, kernel: Callable[[float], np.ndarray]) -> plt.Figure:
    """PSNR grids (index: kernel width, columns: noise level) side by side, ``kernel(width)`` drawn under each column;
    a grid labelled ``difference …`` is drawn on a diverging scale centred on 0."""
    figure, axes = plt.subplots(1, len(grids), figsize=(5.2 * len(grids), 4.6))
    for axis, (label, grid) in zip(np.atleast_1d(axes), grids.items()):
        values = grid.T.to_numpy()  # (noise, width)
        difference = label.startswith("difference")
        limit = np.nanmax(np.abs(values)) if difference else None
        image = axis.imshow(values, origin="lower", aspect="auto", cmap="RdBu" if difference else "viridis", vmin=-limit if difference else None, vmax=limit)
        for (row, column), value in np.ndenumerate(values):
            axis.text(column, row, f"{value:+.2f}" if difference else f"{value:.1f}", ha="center", va="center", fontsize=6,
                      color="black" if difference else "white")
        axis.set_xticks(range(len(grid.index)), [f"{w:g}" for w in grid.index], fontsize=7)
        axis.set_yticks(range(len(grid.columns)), [f"{n:g}" for n in grid.columns], fontsize=7)
        axis.set_xlabel(xlabel, labelpad=34)
        axis.set_ylabel("noise level")
        axis.set_title(label, fontsize=9)
        figure.colorbar(image, ax=axis, fraction=0.046)
        for column, width in enumerate(grid.index):
            inset = axis.inset_axes([(column + 0.1) / len(grid.index), -0.2, 0.8 / len(grid.index), 0.12])
            inset.imshow(kernel(width), cmap="gray", interpolation="nearest")
            inset.axis("off")
    figure.suptitle(title, fontsize=10)
    return figure


# --- generated summaries ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SummaryParams:
    """Parameters of a summary notebook (``11_udvd_summary``, ``19_dasr_summary``): the profile whose results are summarised."""

    profile: str = "smoke"


def read_table(folder: Path, name: str) -> pd.DataFrame | None:
    """``<folder>/<name>.csv``, or None where it has not been generated yet."""
    path = folder / f"{name}.csv"
    return pd.read_csv(path) if path.is_file() else None


def distinct_values(values: pd.Series) -> str:
    """The distinct values of a column, as sorted text, comma-separated."""
    return ", ".join(str(v) for v in sorted(values.dropna().astype(str).unique()))


def gap_lines(table: pd.DataFrame, by: str | list[str], *, digits: int, unit: str = "") -> list[str]:
    """One line per group of trained cells: mean / min / max gap (``digits`` decimals, ``unit`` after the mean), steps, seeds, images."""
    trained = table[(table["source"] == TRAINED_HERE) & table["gap"].notna()]
    lines = []
    for key, rows in trained.groupby(by, sort=False):
        name = " ".join(str(part) for part in key) if isinstance(key, tuple) else key
        gap = rows["gap"]
        lines.append(f"  - {name}: mean gap {gap.mean():+.{digits}f}{unit} (min {gap.min():+.{digits}f}, max {gap.max():+.{digits}f}) over "
                     f"{len(rows)} cells; steps {distinct_values(rows['steps'])}; seeds {distinct_values(rows['seeds'])}; "
                     f"images per set {distinct_values(rows['n_images'])}")
    return lines


def training_time(profile: str, prefixes: tuple[str, ...]) -> tuple[float, list[str]]:
    """Total training seconds of the profile's exported weights whose name starts with one of ``prefixes``, and a line per file."""
    folder = profile_results_dir(profile) / "checkpoints"
    total, lines = 0.0, []
    for path in sorted(folder.glob("*.pt")) if folder.is_dir() else []:
        if not path.stem.startswith(prefixes):
            continue
        provenance = load_checkpoint(path).get("provenance", {})
        seconds = float(provenance.get("train_seconds", 0.0))
        total += seconds
        lines.append(f"{path.stem} {seconds / 60:.1f} min ({provenance.get('steps')} steps, {provenance.get('threads')} threads)")
    return total, lines


def write_summary(profile: str, paper: str, text: str) -> tuple[Path, str]:
    """Write ``results/[<profile>/]<paper>/README.md`` and return its path and text."""
    path = profile_results_dir(get_profile(profile).name) / paper / "README.md"
    write_text_atomic(path, text)
    return path, text
