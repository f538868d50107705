"""DMSR Fig. C.9 (Supplementary C): the degradation parameter window, one HR image under a grid of blur widths × noise levels.

The paper chooses the inputs of the non-blind UDVD on real images by eye: the degraded image of the window that looks most
like the real LR image gives its [σ_k, σ_n] (Flowers [2.1, 60] in Fig. 5, NTIRE 2020 [1.2, 15] in Fig. 6, §4.5). Only
those two of its 24 cells per scale (6 noise levels × 4 widths) are known; the grid here is our reading, a switch with both
known cells on it (docs/decisions/dmsr.md, M26), and so is the image (the paper's is not named). The degradation is SRMD's
test harness, the one DMSR is tested with (:func:`dynsr.degradations.testsets.srmd_harness`).

Beyond the paper, each cell carries its LR image's noise level as Immerkær's estimator reads it
(:func:`dynsr.degradations.noise.estimate_noise_level`): the same estimate on a real LR image narrows the noise rows to compare
with, and on *Flowers* it is set beside the σ_n the paper chose for that image by eye (:data:`REAL_IMAGES`).
The table (``dmsr/tables/figC9_window``) lists the cells; the figure is drawn from the LR images, which are deterministic
(the noise of each cell is seeded) and take seconds to make, so it is redrawn by running :func:`run` again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt

from dynsr.data.benchmarks import NamedImage, load_benchmark
from dynsr.data.images import load_rgb
from dynsr.data.root import dataset_dir
from dynsr.degradations.testsets import TestSetting, cached_lr, kernel_noise_grid
from dynsr.evaluate import center_crop
from dynsr.degradations.noise import estimate_noise_level
from dynsr.paths import profile_results_dir
from dynsr.plots import save_figure
from dynsr.profiles import get_profile
from dynsr.results import computed_row, write_table

__all__ = ["WINDOW_WIDTHS", "WINDOW_NOISES", "KNOWN_CELLS", "TABLE_STEM", "FIGURE", "Params", "WindowOutputs", "REAL_IMAGES", "window_settings", "window_table", "real_image_rows", "summary", "run"]

WINDOW_WIDTHS: tuple[float, ...] = (0.3, 1.2, 2.1, 3.0)
"""σ_k of the window's columns: 0.9 apart inside the training range [0.2, 3.0] (our reading, M26)."""
WINDOW_NOISES: tuple[float, ...] = (0.0, 15.0, 30.0, 45.0, 60.0, 75.0)
"""σ_n of its rows: 15 apart over the training range [0, 75] (our reading, M26)."""
KNOWN_CELLS: dict[tuple[float, float], str] = {(2.1, 60.0): "Flowers, Fig. 5", (1.2, 15.0): "NTIRE 2020, Fig. 6"}
"""The two cells the paper names (§4.5): (σ_k, σ_n) → the real image it chose them for."""
REAL_IMAGES: dict[str, tuple[str, str, tuple[float, float]]] = {"Flowers": ("RealSRMD", "Flowers.png", (2.1, 60.0))}
"""The real images of the shared data whose cell the paper names: name → (data folder, file, the paper's [σ_k, σ_n]); NTIRE
2020's test set is not in the shared data. Their row compares the paper's σ_n, chosen by eye, with the estimate."""
TABLE_STEM = "dmsr/tables/figC9_window"
FIGURE = "figC9_parameter_window.png"


@dataclass(frozen=True)
class Params:
    """Parameters of ``notebooks/dmsr/05_dmsr_figC9_parameter_window.ipynb``.

    ``scale``: the window's scale (the paper shows ×4); ``dataset`` and ``image``: the HR image (the paper's is not named;
    Set14 ``comic`` has both flat and textured parts); ``side``: the central HR crop shown (``smoke``: the profile's crop)."""

    profile: str = "smoke"
    scale: int = 4
    dataset: str = "Set14"
    image: str = "comic"
    side: int = 256


@dataclass(frozen=True, kw_only=True)
class WindowOutputs:
    """The cells (one row each) and the figure's path."""

    table: pd.DataFrame
    figure: str


def window_settings(dataset: str, scale: int) -> list[TestSetting]:
    """The window's cells on ``dataset`` at ``scale``, row by row (noise), width within a row."""
    return kernel_noise_grid(dataset, scale, WINDOW_WIDTHS, WINDOW_NOISES, label="DMSR Fig. C.9")


def _image(dataset: str, name: str, side: int) -> NamedImage:
    found = next((image for image in load_benchmark(dataset) if image.name == name), None)
    if found is None:
        raise ValueError(f"{dataset} has no image {name!r}; choose one of {[image.name for image in load_benchmark(dataset)]}")
    return center_crop(found, side)


def window_table(image: NamedImage, settings: list[TestSetting], *, dataset: str, profile: str) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """One row per cell (its LR image's estimated noise level, ``chosen_for``: the real image the paper chose the cell for) and the LR
    images (float in [0, 1]), in the order of ``settings``."""
    rows, images = [], []
    for setting in settings:
        lr = cached_lr(dataset, image, setting.degradation)
        width, noise = setting.degradation.kernel.sigma, float(setting.degradation.noise)
        rows.append(computed_row(method="LR image", dataset=dataset, scale=setting.degradation.scale, degradation=setting.label,
                                 metric="estimated noise level (Immerkær, 0-255)", paper=None, ours=estimate_noise_level(lr), profile=profile,
                                 noise_seed=setting.degradation.noise_seed, n_images=1, note=image.name, kernel_width=width, noise=noise,
                                 chosen_for=KNOWN_CELLS.get((width, noise), "")))
        images.append(np.clip(lr, 0.0, 1.0))
    return pd.DataFrame(rows), images


def real_image_rows(*, scale: int, profile: str) -> list[dict]:
    """Per real image of :data:`REAL_IMAGES`: its estimated noise level beside the σ_n the paper chose for it from the window."""
    rows = []
    for name, (folder, file, (width, noise)) in REAL_IMAGES.items():
        lr = load_rgb(dataset_dir(folder) / file).astype(np.float64) / 255.0
        rows.append(computed_row(method="real LR image", dataset=folder, scale=scale, degradation=f"{name}: the paper's cell [{width:g}, {noise:g}]",
                                 metric="estimated noise level (Immerkær, 0-255)", paper=noise, ours=estimate_noise_level(lr), profile=profile,
                                 noise_seed=None, n_images=1, note=file, kernel_width=width, noise=noise, chosen_for=""))
    return rows


def _figure(table: pd.DataFrame, images: list[np.ndarray], *, title: str) -> plt.Figure:
    """Rows: noise; columns: width; each LR shown pixel for pixel, the known cells framed in red and named."""
    figure, axes = plt.subplots(len(WINDOW_NOISES), len(WINDOW_WIDTHS), figsize=(2.2 * len(WINDOW_WIDTHS), 2.3 * len(WINDOW_NOISES) + 0.6),
                                squeeze=False, layout="constrained")
    for cell, image in zip(table.itertuples(), images, strict=True):
        axis = axes[WINDOW_NOISES.index(cell.noise), WINDOW_WIDTHS.index(cell.kernel_width)]
        axis.imshow(image, interpolation="nearest")
        axis.set_xticks([]), axis.set_yticks([])
        known = f"\n{cell.chosen_for}" if cell.chosen_for else ""
        axis.set_title(f"[{cell.kernel_width:g}, {cell.noise:g}]  est. σ_n {cell.ours:.1f}{known}", fontsize=7, color="red" if known else "black")
        for spine in axis.spines.values():
            spine.set_edgecolor("red" if known else "0.7")
            spine.set_linewidth(2.5 if known else 0.5)
    figure.suptitle(title, fontsize=10)
    return figure


def summary(table: pd.DataFrame) -> str:
    """The window's shape and the paper's cells on it, and whether the noise estimate orders the rows as the noise does."""
    real = table[table["method"] == "real LR image"]
    table = table[table["method"] != "real LR image"]
    by_noise = table.groupby("noise")["ours"].mean()
    known = "; ".join(f"[{row.kernel_width:g}, {row.noise:g}] {row.chosen_for}" for row in table[table["chosen_for"] != ""].itertuples())
    estimates = "; ".join(f"{row.degradation}, estimated σ_n {row.ours:.0f}" for row in real.itertuples())
    return (f"{len(table)} cells ({table['noise'].nunique()} noise levels x {table['kernel_width'].nunique()} widths) at x{int(table['scale'].iloc[0])}, "
            f"{table['dataset'].iloc[0]} {table['note'].iloc[0]}\nthe paper's cells: {known}\n"
            f"estimated noise rises with the noise level: {bool(by_noise.is_monotonic_increasing)}\nreal images: {estimates}")


def run(params: Params) -> WindowOutputs:
    """Degrade the image at every cell, write the table and the figure (``results/<profile>/dmsr/``)."""
    if params.scale not in (2, 3, 4):
        raise ValueError(f"scale must be 2, 3 or 4 (DMSR's scales); got {params.scale}")
    profile = get_profile(params.profile)
    image = _image(params.dataset, params.image, profile.benchmark_crop or params.side)
    cells, images = window_table(image, window_settings(params.dataset, params.scale), dataset=params.dataset, profile=profile.name)
    table = pd.concat([cells, pd.DataFrame(real_image_rows(scale=params.scale, profile=profile.name))], ignore_index=True)
    write_table(table, TABLE_STEM, profile=profile.name,
                metadata={"source": "DMSR Fig. C.9 (Supplementary C): degradation parameter window (the paper prints no number)",
                          "note": "grid and image are our reading (docs/decisions/dmsr.md, M26); ours: Immerkær's noise estimate on each LR "
                                  "image (0-255), our addition; note: the HR image"})
    title = (f"DMSR Fig. C.9: degradation parameter window, {params.dataset} {params.image} ×{params.scale} ({profile.name} profile)\n"
             "[σ_k, σ_n] per cell (grid: our reading); red: the cells the paper chose for its real images")
    path = save_figure(_figure(cells, images, title=title), profile_results_dir(profile.name) / "dmsr" / "figures" / FIGURE)
    return WindowOutputs(table=table, figure=str(path))
