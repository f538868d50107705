"""Evaluate a super-resolver on a paper's test settings: per-image and mean PSNR/SSIM.

The LR inputs come from :func:`dynsr.degradations.testsets.cached_lr` (deterministic, cached); the
output is quantised to 8 bits and scored with :mod:`dynsr.metrics` against the modcropped HR:
Y channel (BT.601), crop = scale. A grayscale HR image (Set14 ``bridge``) is given to the model as
three equal channels and scored as its setting's ``gray_scoring`` says (the paper's code:
``replicate_y`` for DASR, the Y of both RGB images; ``channel_mean`` for UDVD, SRMD's MATLAB demos'
mean of the SR channels against the gray HR); every row names it. The classic MATLAB protocol of
the bicubic rows scores the gray channel itself, see :mod:`dynsr.experiments.bicubic`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from dynsr.data.benchmarks import NamedImage, cropped_name, load_benchmark
from dynsr.data.images import modcrop
from dynsr.degradations.testsets import TestSetting, cached_lr, lr_key
from dynsr.metrics import psnr, psnr_planes, ssim, ssim_planes, to_uint8
from dynsr.score_store import SCORING_VERSION, ScoreStore, check_sample, compare_with_stored, score_policy

__all__ = ["METRIC_CONVENTION", "Upscaler", "cell_key", "center_crop", "evaluate", "mean_scores"]

METRIC_CONVENTION = "PSNR/SSIM on BT.601 Y of 8-bit images, crop = scale, SSIM = ssim_index.m; data-set score = mean over images"

# ``upscale(lr, setting)``: LR float (h, w, 3) in [0, 1] -> SR float (s·h, s·w, 3); it may use the
# setting's degradation (non-blind models such as SRMD read the kernel and noise level from it).
Upscaler = Callable[[np.ndarray, TestSetting], np.ndarray]


def center_crop(image: NamedImage, side: int) -> NamedImage:
    """The central ``side`` x ``side`` part (whole image where smaller), renamed ``<name>@c<side>`` (its own LR cache and noise)."""
    height, width = image.pixels.shape[:2]
    top, left = max((height - side) // 2, 0), max((width - side) // 2, 0)
    pixels = image.pixels[top : top + side, left : left + side]
    return NamedImage(cropped_name(image.name, side), np.ascontiguousarray(pixels), image.was_grayscale)


def _grid_coordinates(setting: TestSetting) -> dict[str, float]:
    """Kernel width and noise level of a uniform Gaussian setting (NaN otherwise), for heat-map grids."""
    degradation = setting.degradation
    if not hasattr(degradation, "kernel"):  # spatially varying: no single width or level
        return {"kernel_width": np.nan, "noise": np.nan}
    width = 0.0 if degradation.kernel is None else float(getattr(degradation.kernel, "sigma", np.nan))
    return {"kernel_width": width, "noise": float(degradation.noise)}


def _scores(sr: np.ndarray, hr: np.ndarray, crop: int, *, channel_mean: bool, with_ssim: bool) -> dict[str, float]:
    """PSNR (and SSIM) of a uint8 SR image: on Y, or (``channel_mean``, a gray HR replicated to RGB) its channel mean
    against the gray plane."""
    if not channel_mean:
        scores = {"PSNR": psnr(sr, hr, crop=crop)}
        return {**scores, "SSIM": ssim(sr, hr, crop=crop)} if with_ssim else scores
    window = (slice(crop, -crop), slice(crop, -crop)) if crop else (slice(None), slice(None))
    sr_plane = sr.astype(np.float64).mean(axis=2)[window]  # (H', W'), the mean of R, G, B
    hr_plane = hr[..., 0].astype(np.float64)[window]  # (H', W'), the gray image
    scores = {"PSNR": psnr_planes(sr_plane, hr_plane)}
    return {**scores, "SSIM": ssim_planes(sr_plane, hr_plane)} if with_ssim else scores


def cell_key(setting: TestSetting) -> str:
    """What a per-image score depends on besides the image and the model: degradation (its LR images), data set,
    gray scoring and the scoring pipeline's version (`dynsr.score_store`)."""
    return f"s{SCORING_VERSION}|{lr_key(setting.degradation)}|{setting.dataset}|{setting.gray_scoring}"


def _score_image(upscale: Upscaler, setting: TestSetting, image: NamedImage, with_ssim: bool) -> dict[str, float]:
    scale = setting.degradation.scale
    hr = modcrop(image.pixels, scale)
    sr = upscale(cached_lr(setting.dataset, image, setting.degradation).astype(np.float64), setting)
    if sr.shape != hr.shape:
        raise ValueError(f"the upscaler returned {sr.shape} for {setting.dataset}/{image.name}; expected {hr.shape}")
    channel_mean = image.was_grayscale and setting.gray_scoring == "channel_mean"
    return _scores(to_uint8(sr), hr, scale, channel_mean=channel_mean, with_ssim=with_ssim)


def evaluate(
    upscale: Upscaler, settings: Iterable[TestSetting], *, image_limit: int | None = None, crop: int | None = None, with_ssim: bool = True,
    store: ScoreStore | None = None,
) -> pd.DataFrame:
    """Score ``upscale`` on every image of every setting; one row per (setting, image).

    ``image_limit`` keeps the first images of each set and ``crop`` their central ``crop``² part (the
    ``smoke`` profile's fast check; see :class:`dynsr.profiles.Profile`). Columns: paper, table,
    dataset, setting, scale, kernel_width, noise, noise_seed (the degradation's), image, gray_scoring, PSNR, SSIM (if ``with_ssim``). The metric convention is in
    ``DataFrame.attrs["metric_convention"]``. With a ``store`` (the network's stored scores), cells are read
    back or added as the ``DYNSR_SCORES`` policy says, and a stored sample is re-scored (`dynsr.score_store`).
    """
    wanted = ("PSNR", "SSIM") if with_ssim else ("PSNR",)
    reuse = store is not None and score_policy() == "reuse"
    stored = store.read() if reuse else {}
    images: dict[str, list] = {}
    rows, computed, from_store = [], {}, []
    for setting in settings:
        if setting.dataset not in images:
            loaded = load_benchmark(setting.dataset, limit=image_limit)
            images[setting.dataset] = [center_crop(image, crop) for image in loaded] if crop else loaded
        for image in images[setting.dataset]:
            cell = (cell_key(setting), image.name)
            known = stored.get(cell, {})
            if all(metric in known for metric in wanted):
                scores = {metric: known[metric] for metric in wanted}
                from_store.append((cell, setting, image))
            else:
                scores = computed[cell] = _score_image(upscale, setting, image, with_ssim)
            rows.append({"paper": setting.paper, "table": setting.table, "dataset": setting.dataset, "setting": setting.label,
                         "scale": setting.degradation.scale, **_grid_coordinates(setting), "noise_seed": setting.degradation.noise_seed, "image": image.name,
                         "gray_scoring": setting.gray_scoring, **scores})
    if store is not None and computed:
        store.write(computed)
    if store is not None and from_store:
        cell, setting, image = from_store[check_sample([cell for cell, _, _ in from_store])]
        compare_with_stored(cell, stored[cell], _score_image(upscale, setting, image, with_ssim), model=store.model)
    table = pd.DataFrame(rows)
    table.attrs["metric_convention"] = METRIC_CONVENTION
    return table


def mean_scores(per_image: pd.DataFrame) -> pd.DataFrame:
    """Mean over images per (paper, table, dataset, setting, scale), with the image count."""
    keys = ["paper", "table", "dataset", "setting", "scale", "kernel_width", "noise", "noise_seed", "gray_scoring"]
    metrics = [m for m in ("PSNR", "SSIM") if m in per_image]
    means = per_image.groupby(keys, sort=False, dropna=False)[metrics].mean()
    means["n_images"] = per_image.groupby(keys, sort=False, dropna=False)["image"].count()
    table = means.reset_index()
    table.attrs["metric_convention"] = METRIC_CONVENTION
    return table
