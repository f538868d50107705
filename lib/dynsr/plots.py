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


def _labelled_grid(panels: Sequence[np.ndarray], labels: Sequence[str], *, title: str, columns: int, cell: tuple[float, float], show) -> plt.Figure:
    """A grid of axes without ticks, ``show(axis, panel)`` drawing each panel, a label above each."""
    rows = int(np.ceil(len(panels) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(cell[0] * columns, cell[1] * rows + 0.4), squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    for axis, panel, label in zip(axes.flat, panels, labels, strict=False):
        show(axis, panel)
        axis.set_title(label, fontsize=7)
    figure.suptitle(title, fontsize=10)
    return figure


def kernel_gallery(kernels: Sequence[np.ndarray], labels: Sequence[str], *, title: str, columns: int = 8) -> plt.Figure:
    """Thumbnails of blur kernels, each scaled to its own maximum, with a label over each."""

    def show(axis: plt.Axes, kernel: np.ndarray) -> None:
        axis.imshow(kernel / kernel.max(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")

    return _labelled_grid(kernels, labels, title=title, columns=columns, cell=(1.5, 1.7), show=show)


def image_grid(images: Sequence[np.ndarray], labels: Sequence[str], *, title: str, columns: int = 4) -> plt.Figure:
    """A grid of images (uint8 or float in [0, 1], RGB or grayscale) with labels."""

    def show(axis: plt.Axes, image: np.ndarray) -> None:
        shown = np.clip(image, 0, 1) if np.issubdtype(np.asarray(image).dtype, np.floating) else image
        axis.imshow(shown, cmap="gray" if np.ndim(image) == 2 else None, interpolation="nearest")

    return _labelled_grid(images, labels, title=title, columns=columns, cell=(3.2, 3.4), show=show)


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


def training_curves(logs: dict[str, pd.DataFrame], *, title: str, loss_label: str = "training loss") -> plt.Figure:
    """Training loss and validation PSNR against step, one line per run (``{label: log}``, columns of :mod:`dynsr.training.trainer`).

    ``loss_label`` names what the logged loss is (e.g. a sum over stages, which differs between configurations).
    """
    figure, (loss_axis, psnr_axis) = plt.subplots(1, 2, figsize=(10, 3.4))
    for label, log in logs.items():
        losses = log.dropna(subset=["loss"])
        loss_axis.plot(losses["step"], losses["loss"], label=label, linewidth=1)
        scores = log.dropna(subset=["val_psnr"])
        psnr_axis.plot(scores["step"], scores["val_psnr"], marker="o", label=label)
    loss_axis.set_yscale("log")
    loss_axis.set_xlabel("step")
    loss_axis.set_ylabel(loss_label, fontsize=8)
    psnr_axis.set_xlabel("step")
    psnr_axis.set_ylabel("validation PSNR (dB)")
    for axis in (loss_axis, psnr_axis):
        axis.legend(fontsize=7)
    figure.suptitle(title, fontsize=10)
    return figure
