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
  GLDFN follows, §IV-A); the substitute of setting 2 blurs each image with its own DIV2KRK kernel
  (:class:`~dynsr.degradations.pipelines.PerImageKernel`), that of setting 3 follows DMBSR's recipe
  (:mod:`dynsr.degradations.regions`; docs/decisions/gldfn.md, G13-G14).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from dynsr.data.benchmarks import NamedImage, paired_frame
from dynsr.data.images import modcrop
from dynsr.degradations.pipelines import Degradation, GaussianKernel, PairedFrame, PerImageKernel, degrade, image_noise_rng
from dynsr.degradations.regions import RegionBlurDegradation, degrade_regions
from dynsr.degradations.spatial import SpatiallyVaryingDegradation, degrade_spatially_varying
from dynsr.fileio import atomic_path
from dynsr.paths import cache_dir

__all__ = ["TestSetting", "AnyDegradation", "GrayScoring", "GRAY_SCORINGS", "srmd_harness", "setting_grid", "kernel_noise_grid", "unique_kernels",
           "lr_key", "cached_lr"]


AnyDegradation = Degradation | SpatiallyVaryingDegradation | PerImageKernel | RegionBlurDegradation | PairedFrame
"""What a test setting may hold: one degradation for every image, one per image, one that varies over the image, or one
applied to another frame of the image's scene (real blur/sharp pairs)."""

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
    degradation: AnyDegradation
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


_KEY_PREFIX: dict[type, str] = {Degradation: "", SpatiallyVaryingDegradation: "sv-", PerImageKernel: "pi-", RegionBlurDegradation: "rb-", PairedFrame: "pf-"}


def lr_key(degradation: AnyDegradation) -> str:
    """The name of a degradation's LR test images: its parameters and the LR pipeline's version (a new version, new images)."""
    return f"v{LR_CACHE_VERSION}-{_KEY_PREFIX[type(degradation)]}{degradation.key()}"


def _cache_path(dataset: str, image: NamedImage, degradation: AnyDegradation) -> Path:
    return cache_dir() / "lr" / lr_key(degradation) / dataset / f"{image.name}.npy"


def cached_lr(dataset: str, image: NamedImage, degradation: AnyDegradation) -> np.ndarray:
    """The LR test image of ``image`` (modcropped to the scale) under ``degradation``, float32 ``(h, w, 3)``.

    Generated once, deterministically (noise seeded with ``(noise_seed, image name)``), and stored as
    ``.npy`` (float32 keeps 1e-5 of an 8-bit level). Spatially varying settings (UDVD Table 3) go
    through :func:`dynsr.degradations.spatial.degrade_spatially_varying`; their per-pixel maps are
    :func:`~dynsr.degradations.spatial.degradation_maps` of the LR size. A per-image kernel is the image's own
    degradation (:meth:`~dynsr.degradations.pipelines.PerImageKernel.for_image`, cached as that one); region-wise
    blur (GLDFN setting 3) goes through :func:`dynsr.degradations.regions.degrade_regions`. A paired frame degrades the
    same-named frame of its source set (:func:`dynsr.data.benchmarks.paired_frame`; ArcSR's blurred GoPro/REDS frames).
    """
    if type(degradation) not in _KEY_PREFIX:
        raise TypeError(f"cached_lr takes one of {', '.join(kind.__name__ for kind in _KEY_PREFIX)}; got {type(degradation).__name__}")
    if isinstance(degradation, PerImageKernel):
        degradation = degradation.for_image(image.name)
    path = _cache_path(dataset, image, degradation)
    if path.is_file():
        return np.load(path)
    if isinstance(degradation, PairedFrame):
        image, degradation = paired_frame(image, degradation.source), degradation.degradation
    hr = modcrop(image.pixels, degradation.scale)
    rng = image_noise_rng(degradation, image.name)
    if isinstance(degradation, Degradation):
        lr = degrade(hr, degradation, rng=rng).astype(np.float32)
    elif isinstance(degradation, RegionBlurDegradation):
        lr = degrade_regions(hr, degradation, rng=rng).lr.astype(np.float32)
    else:
        lr = degrade_spatially_varying(hr, degradation, rng=rng)[0].astype(np.float32)
    with atomic_path(path) as temporary:
        with open(temporary, "wb") as stream:
            np.save(stream, lr)
    return lr
