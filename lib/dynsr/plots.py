"""Figures: kernel galleries, degradation examples, paper-vs-ours gap plots.

Figures are saved atomically as PNG with fixed metadata (no software/date stamps), so a re-run
that produces the same pixels produces the same bytes.
"""

from __future__ import annotations

import io

import re
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from dynsr.fileio import atomic_path  # noqa: E402

__all__ = ["save_figure", "kernel_gallery", "image_grid", "gap_plot", "PREVIEW_SIDE", "PREVIEW_QUALITY", "figure_preview", "show_figures"]


def save_figure(figure: plt.Figure, path: str | Path) -> Path:
    """Save ``figure`` as PNG atomically, without metadata that changes between runs, and close it."""
    path = Path(path)
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(figure)
    return path


PREVIEW_SIDE = 1000
"""Longest side, in pixels, of a figure as a notebook shows it: the saved PNG keeps its full resolution, the notebook (and
its executed copy under ``results/``) a JPEG preview (quality :data:`PREVIEW_QUALITY`), so an executed notebook stays small
(a photographic figure as PNG is 1-2 MB)."""
PREVIEW_QUALITY = 85


def figure_preview(path: str | Path, *, max_side: int = PREVIEW_SIDE) -> bytes:
    """The JPEG bytes of the figure at ``path``, reduced (Lanczos) so that its longer side is at most ``max_side``."""
    from PIL import Image  # noqa: PLC0415

    with Image.open(path) as image:
        preview = image.convert("RGB")
        preview.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        preview.save(buffer, format="JPEG", quality=PREVIEW_QUALITY)
    return buffer.getvalue()


def show_figures(paths: Sequence[str | Path], *, max_side: int = PREVIEW_SIDE) -> None:
    """Display each figure in a notebook as a preview (:func:`figure_preview`); the full-size file is the one on disk."""
    from IPython.display import Image, display  # noqa: PLC0415

    for path in paths:
        display(Image(data=figure_preview(path, max_side=max_side), format="jpeg"))


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


_CELL = ["dataset", "scale", "degradation"]


def _cell_positions(table: pd.DataFrame) -> pd.DataFrame:
    """The distinct cells (data set, scale, degradation) of ``table``, blocks of one data set × scale in order of first
    appearance, with their x position (``x``) and block number (``block``)."""
    cells = table[_CELL].drop_duplicates()
    block = pd.factorize(pd.MultiIndex.from_frame(cells[["dataset", "scale"]]))[0]
    cells = cells.assign(block=block).sort_values("block", kind="stable").reset_index(drop=True)
    return cells.assign(x=cells.index)


def _cell_label(degradation: str) -> str:
    """A degradation without its leading scale (``x2 width 0.2 noise 15`` -> ``width 0.2 noise 15``): the block names the scale."""
    return re.sub(r"^x\d+\s+", "", str(degradation))


def _label_cells(axis: plt.Axes, cells: pd.DataFrame) -> None:
    """Tick labels naming each cell's degradation, a separator between data set × scale blocks, each block's name above it."""
    axis.set_xticks(cells["x"], [_cell_label(d) for d in cells["degradation"]], rotation=90, fontsize=6)
    axis.set_xlim(-0.7, len(cells) - 0.3)
    for _, block in cells.groupby("block"):
        first, last = block["x"].min(), block["x"].max()
        if first > 0:
            axis.axvline(first - 0.5, color="0.6", linewidth=0.6)
        axis.text((first + last) / 2, 1.01, f"{block['dataset'].iloc[0]}\n×{block['scale'].iloc[0]}", transform=axis.get_xaxis_transform(),
                  ha="center", va="bottom", fontsize=7)


def gap_plot(table: pd.DataFrame, *, title: str, group: str = "source") -> plt.Figure:
    """Ours minus paper for every row of a results table with a paper value, one marker colour per ``group``.

    The x-axis names the cells: one tick per degradation, in blocks of one data set × scale (named above the plot);
    the groups' markers of one cell sit side by side. A ``tolerance`` column is drawn as a grey band per cell.
    """
    shown = table.dropna(subset=["gap"])
    cells = _cell_positions(shown)
    shown = shown.merge(cells, on=_CELL)
    figure, axis = plt.subplots(figsize=(max(6.0, 1.5 + 0.2 * len(cells)), 4.8))
    if "tolerance" in shown:
        tolerance = shown.groupby("x")["tolerance"].max()
        axis.bar(tolerance.index, 2 * tolerance, bottom=-tolerance, width=0.9, color="0.88", label="tolerance", zorder=0)
    names = pd.unique(shown[group])
    for number, name in enumerate(names):
        rows = shown[shown[group] == name]
        offset = (number - (len(names) - 1) / 2) * min(0.2, 0.6 / len(names))
        axis.scatter(rows["x"] + offset, rows["gap"], s=12, label=name, zorder=2)
    axis.axhline(0.0, color="0.3", linewidth=0.8)
    _label_cells(axis, cells)
    axis.set_ylabel("ours − paper")
    axis.set_title(title, fontsize=10, pad=26)
    if len(shown):
        axis.legend(fontsize=7, title=group, title_fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
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
