"""Test settings: one (data set, degradation) cell of a paper's table, the shared harnesses, and the LR cache.

A :class:`TestSetting` is one (data set, degradation) cell of a paper's table. Each paper lists the
settings of its tables in its own folder (``dynsr.papers.<paper>.settings``); the registry
(:func:`dynsr.papers.test_tables`) names them all. The test LR images are
deterministic: noise is drawn from a generator seeded with the degradation's ``noise_seed`` and the
image name (:func:`dynsr.degradations.pipelines.image_noise_rng`), and :func:`cached_lr` stores
them under the cache folder (``DYNSR_CACHE_DIR``, git-ignored) keyed by the degradation's hash.

Defaults where a paper is silent, each a field of :class:`~dynsr.degradations.pipelines.Degradation`:

* UDVD and DMSR (15x15 kernels): SRMD's test harness, ``imfilter(..., 'replicate')``, float LR,
  no clipping or rounding (docs/decisions/udvd.md, U16; DMSR follows UDVD/SRMD, §4.1).
* DASR (21x21): reflection padding, LR rounded and clipped to 8 bits (DASR code; docs/decisions/dasr.md, D6, D8).
* GLDFN settings 1-2 (21x21 / DIV2KRK): reflection padding, clip to [0, 1] (DCLS's code, which
  GLDFN follows, §IV-A).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from dynsr.data.benchmarks import NamedImage
from dynsr.data.images import modcrop
from dynsr.degradations.pipelines import Degradation, GaussianKernel, degrade, image_noise_rng
from dynsr.degradations.spatial import SpatiallyVaryingDegradation, degrade_spatially_varying
from dynsr.fileio import atomic_path
from dynsr.paths import cache_dir

__all__ = ["TestSetting", "GrayScoring", "GRAY_SCORINGS", "srmd_harness", "setting_grid", "kernel_noise_grid", "unique_kernels", "lr_key", "cached_lr"]


GrayScoring = Literal["replicate_y", "channel_mean"]
GRAY_SCORINGS: tuple[GrayScoring, ...] = ("replicate_y", "channel_mean")


@dataclass(frozen=True)
class TestSetting:
    """One cell of a paper's table: a data set and a degradation, with the paper's column label.

    ``gray_scoring``: how a grayscale HR image (Set14 ``bridge``) is scored; the model always sees it as three equal
    channels. ``"replicate_y"``: the HR replicated to RGB and both images scored on BT.601 Y (DASR's code, EDSR's
    harness); ``"channel_mean"``: the mean of the SR image's R, G, B against the gray HR, no Y conversion (SRMD's
    MATLAB demos, whose harness gave UDVD's SRMD rows). The two differ by about 1.3 dB on ``bridge``.
    """

    paper: str
    table: str
    dataset: str
    label: str
    degradation: Degradation | SpatiallyVaryingDegradation
    gray_scoring: GrayScoring = "replicate_y"


# --- shared harnesses ------------------------------------------------------------------------------

def srmd_harness(scale: int, width: float | None, noise: float) -> Degradation:
    """SRMD's MATLAB test harness (UDVD and DMSR use it): 15x15 isotropic Gaussian (none for width 0 / None),
    ``imfilter(..., 'replicate')``, bicubic x1/scale, AWGN on the float LR, no clipping or rounding."""
    kernel = GaussianKernel(width, 15) if width else None
    return Degradation(scale=scale, kernel=kernel, noise=noise, padding="replicate")


def setting_grid(paper: str, table: str, widths, noises, scales, datasets, *, gray_scoring: GrayScoring = "replicate_y") -> list[TestSetting]:
    """Every (scale, width, noise, data set) of the SRMD harness as settings labelled ``x<scale> width <w> noise <n>``."""
    return [
        TestSetting(paper, table, dataset, f"x{scale} width {width:g} noise {noise:g}", srmd_harness(scale, width, noise), gray_scoring)
        for scale in scales
        for width in widths
        for noise in noises
        for dataset in datasets
    ]


def kernel_noise_grid(dataset: str, scale: int, widths: tuple[float, ...], noises: tuple[float, ...], *, label: str = "grid") -> list[TestSetting]:
    """Isotropic Gaussian widths x noise levels on one set with the SRMD/UDVD harness: the per-kernel PSNR heat-map grid."""
    return setting_grid(label, "grid", widths, noises, (scale,), (dataset,))


def unique_kernels(settings: list[TestSetting]) -> tuple[list[np.ndarray], list[str]]:
    """The distinct (scale, kernel) pairs of ``settings`` in order, built, with labels ``x<scale> <kernel label>`` (for galleries)."""
    kernels, labels, seen = [], [], set()
    for setting in settings:
        kernel = setting.degradation.kernel
        key = (setting.degradation.scale, kernel)
        if kernel is None or key in seen:
            continue
        seen.add(key)
        kernels.append(kernel.build())
        labels.append(f"x{setting.degradation.scale} {kernel.label}")
    return kernels, labels


# --- LR cache ------------------------------------------------------------------------------------

# Bump when a change to the degradation code changes LR images, so that cached LRs are regenerated.
LR_CACHE_VERSION = 1


def lr_key(degradation: Degradation | SpatiallyVaryingDegradation) -> str:
    """The name of a degradation's LR test images: its parameters and the LR pipeline's version (a new version, new images)."""
    kind = "" if isinstance(degradation, Degradation) else "sv-"
    return f"v{LR_CACHE_VERSION}-{kind}{degradation.key()}"


def _cache_path(dataset: str, image: NamedImage, degradation: Degradation | SpatiallyVaryingDegradation) -> Path:
    return cache_dir() / "lr" / lr_key(degradation) / dataset / f"{image.name}.npy"


def cached_lr(dataset: str, image: NamedImage, degradation: Degradation | SpatiallyVaryingDegradation) -> np.ndarray:
    """The LR test image of ``image`` (modcropped to the scale) under ``degradation``, float32 ``(h, w, 3)``.

    Generated once, deterministically (noise seeded with ``(noise_seed, image name)``), and stored as
    ``.npy`` (float32 keeps 1e-5 of an 8-bit level). Spatially varying settings (UDVD Table 3) go
    through :func:`dynsr.degradations.spatial.degrade_spatially_varying`; their per-pixel maps are
    :func:`~dynsr.degradations.spatial.degradation_maps` of the LR size.
    """
    if not isinstance(degradation, (Degradation, SpatiallyVaryingDegradation)):
        raise TypeError(f"cached_lr takes a Degradation or SpatiallyVaryingDegradation; got {type(degradation).__name__}")
    path = _cache_path(dataset, image, degradation)
    if path.is_file():
        return np.load(path)
    hr = modcrop(image.pixels, degradation.scale)
    rng = image_noise_rng(degradation, image.name)
    if isinstance(degradation, Degradation):
        lr = degrade(hr, degradation, rng=rng).astype(np.float32)
    else:
        lr = degrade_spatially_varying(hr, degradation, rng=rng)[0].astype(np.float32)
    with atomic_path(path) as temporary:
        with open(temporary, "wb") as stream:
            np.save(stream, lr)
    return lr
