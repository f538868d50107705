"""Figures: kernel galleries, degradation examples, paper-vs-ours gap plots.

Figures are saved atomically as PNG with fixed metadata (no software/date stamps), so a re-run
that produces the same pixels produces the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from dynsr.fileio import atomic_path  # noqa: E402

__all__ = ["save_figure", "kernel_gallery", "image_grid", "gap_plot"]


def save_figure(figure: plt.Figure, path: str | Path) -> Path:
    """Save ``figure`` as PNG atomically, without metadata that changes between runs, and close it."""
    path = Path(path)
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(figure)
    return path


def kernel_gallery(kernels: Sequence[np.ndarray], labels: Sequence[str], *, title: str, columns: int = 8) -> plt.Figure:
    """Thumbnails of blur kernels, each scaled to its own maximum, with a label under each."""
    rows = int(np.ceil(len(kernels) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(1.5 * columns, 1.7 * rows + 0.4), squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    for axis, kernel, label in zip(axes.flat, kernels, labels, strict=False):
        axis.imshow(kernel / kernel.max(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        axis.set_title(label, fontsize=7)
    figure.suptitle(title, fontsize=10)
    return figure


def image_grid(images: Sequence[np.ndarray], labels: Sequence[str], *, title: str, columns: int = 4) -> plt.Figure:
    """A grid of images (uint8 or float in [0, 1], RGB or grayscale) with labels."""
    rows = int(np.ceil(len(images) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 3.4 * rows + 0.4), squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    for axis, image, label in zip(axes.flat, images, labels, strict=False):
        shown = np.clip(image, 0, 1) if np.issubdtype(np.asarray(image).dtype, np.floating) else image
        axis.imshow(shown, cmap="gray" if np.ndim(image) == 2 else None, interpolation="nearest")
        axis.set_title(label, fontsize=8)
    figure.suptitle(title, fontsize=10)
    return figure


def gap_plot(table: pd.DataFrame, *, title: str, group: str = "source") -> plt.Figure:
    """Ours minus paper for every row of a results table with a paper value, one marker colour per ``group``."""
    shown = table.dropna(subset=["gap"]).reset_index(drop=True)
    figure, axis = plt.subplots(figsize=(10, 3.6))
    for name, rows in shown.groupby(group, sort=False):
        axis.scatter(rows.index, rows["gap"], s=12, label=name)
    if "tolerance" in shown:
        axis.fill_between(shown.index, -shown["tolerance"], shown["tolerance"], color="0.85", step="mid", label="tolerance")
    axis.axhline(0.0, color="0.3", linewidth=0.8)
    axis.set_xlabel("table cell")
    axis.set_ylabel("ours − paper")
    axis.set_title(title, fontsize=10)
    axis.legend(fontsize=7, ncol=4)
    return figure
