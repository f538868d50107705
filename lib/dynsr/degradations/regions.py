"""Region-wise blur and noise after DMBSR's recipe: GLDFN's Setting 3 test set, rebuilt (GLDFN §IV-A; docs/decisions/gldfn.md, G14).

DMBSR (Laroche, Almansa & Tassano, WACV 2023) makes spatially varying blur from segmentation masks. Each region of
the image (every annotated object, and the background) has its own random kernel k_i; the region's binary mask m_i is
blurred with it into a soft mask, the image x is blurred with it, and the blurred image is the soft-mask-weighted mean

    b = Σ_i (k_i ∗ m_i) · (k_i ∗ x) / Σ_i (k_i ∗ m_i),

with ∗ a convolution (the kernel flipped, as ``scipy.ndimage.convolve``). Then b is subsampled (``b[::s, ::s]``) and
white Gaussian noise is added. GLDFN built COCO_Valid_200 this way (200 COCO validation images, 480×480, noise levels
in [0, 5] and [5, 10]); neither that set nor COCO is available here, so :class:`RegionBlurDegradation` regenerates the
recipe on any HR image, every draw from one generator seeded per image. What each piece is (G14 gives the reasons):

* **regions**: DMBSR takes COCO's instance masks (objects over 400 pixels, at most 14, and the background). Without
  them, ``objects`` random ellipses play the objects (:func:`ellipse_masks`), the background is what they leave.
* **kernels** (:func:`region_kernel`), 33×33 as DMBSR's: with probability 1/2 a motion kernel (DMBSR's precomputed bank
  is not available: a random camera trajectory of :func:`dynsr.degradations.motion.random_motion_kernel`, its path
  length drawn from ``motion_length``); otherwise KAIR's ``gen_kernel`` Gaussian as DMBSR draws it: 15×15, covariance
  eigenvalues (variances) from U(0.6, 10), angle from U(0, π), its centre moved by -(s - 1)/2 pixels on both axes,
  then one of the 8 flips and rotations of the square, zero-padded to 33×33.
* **boundaries**: ``padding`` (default ``"reflect"``); DMBSR wraps around and then discards a 24-pixel margin, more
  than the kernels' radius of 16, so every pixel it keeps is the same under any padding.
* **noise**: one level per image from U(``noise_range``) (0-255 scale), then the LR is rounded to 8 bits (``quantize``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

import numpy as np

from dynsr.degradations.blur import PaddingMode, blur
from dynsr.degradations.kernels import anisotropic_gaussian_kernel
from dynsr.degradations.motion import random_motion_kernel
from dynsr.degradations.noise import add_gaussian_noise, quantize

__all__ = ["RegionBlurDegradation", "RegionBlurSample", "ellipse_masks", "region_kernel", "region_blur", "degrade_regions"]

# DMBSR's recipe (its data/dataset_multiblur.py), stated there and kept as constants here.
KERNEL_SIZE = 33  # every region's kernel support
MOTION_PROBABILITY = 0.5  # a motion kernel for half of the regions, a Gaussian for the others
GAUSSIAN_SIZE = 15  # KAIR gen_kernel's default grid, zero-padded to KERNEL_SIZE
GAUSSIAN_VARIANCE = (0.6, 10.0)  # KAIR gen_kernel: range of the covariance eigenvalues (variances, pixels²)


@dataclass(frozen=True, kw_only=True)
class RegionBlurDegradation:
    """DMBSR-style spatially varying blur and noise (module docstring); the fields not stated by DMBSR or GLDFN are
    switches, each default explained in docs/decisions/gldfn.md, G14.

    Attributes:
        scale: the subsampling factor s.
        noise_range: the noise level of an image is drawn from U(noise_range), 0-255 scale (GLDFN: [0, 5] and [5, 10]).
        objects: the number of object regions is drawn uniformly from this inclusive range (DMBSR: up to 14 COCO objects).
        object_axes: the ellipses' semi-axes are drawn from U(object_axes) times the image's shorter side.
        motion_length: a motion kernel's path length in HR pixels is drawn from U(motion_length).
        padding: blur boundary handling.
        quantize: round the noisy LR to 8-bit levels (and clip), as a test set stored as image files is.
        noise_seed: base seed; the generator of an image is seeded with (noise_seed, image name), and every draw
            (regions, kernels, noise) comes from it in that order, so the blur of an image does not depend on ``noise_range``.
    """

    scale: int
    noise_range: tuple[float, float]
    objects: tuple[int, int] = (1, 14)
    object_axes: tuple[float, float] = (0.05, 0.3)
    motion_length: tuple[float, float] = (8.0, 32.0)
    padding: PaddingMode = "reflect"
    quantize: bool = True
    noise_seed: int = 0

    def __post_init__(self) -> None:
        for name in ("noise_range", "objects", "object_axes", "motion_length"):
            low, high = getattr(self, name)
            if not 0 <= low <= high:
                raise ValueError(f"{name} must be a range (low, high) with 0 <= low <= high; got {getattr(self, name)}")
        if self.motion_length[1] > KERNEL_SIZE - 1:
            raise ValueError(f"motion paths longer than {KERNEL_SIZE - 1} pixels do not fit the {KERNEL_SIZE}x{KERNEL_SIZE} kernels")

    def key(self) -> str:
        """A short stable hash of every field, for cache folder names."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class RegionBlurSample:
    """One degraded image: ``lr`` (h, w, C); the regions' ``masks`` (n, H, W), objects first, the background last; their
    ``kernels`` (n, 33, 33); the ``noise`` level drawn (0-255)."""

    lr: np.ndarray
    masks: np.ndarray
    kernels: np.ndarray
    noise: float


def ellipse_masks(height: int, width: int, *, count: int, axes: tuple[float, float], rng: np.random.Generator) -> np.ndarray:
    """``count`` random filled ellipses (centre uniform over the image, semi-axes from U(axes) times the shorter side, angle
    from U(0, π)) and the background they leave, as ``(count + 1, height, width)`` booleans; ellipses may overlap."""
    rows, columns = np.mgrid[0:height, 0:width].astype(np.float64)  # (H, W) each
    side = min(height, width)
    masks = []
    for _ in range(count):
        centre_y, centre_x = rng.uniform(0, height), rng.uniform(0, width)
        semi_a, semi_b = rng.uniform(*axes, size=2) * side
        angle = rng.uniform(0, np.pi)
        along = (columns - centre_x) * np.cos(angle) + (rows - centre_y) * np.sin(angle)
        across = -(columns - centre_x) * np.sin(angle) + (rows - centre_y) * np.cos(angle)
        masks.append((along / semi_a) ** 2 + (across / semi_b) ** 2 <= 1.0)
    covered = np.any(masks, axis=0) if masks else np.zeros((height, width), dtype=bool)
    return np.stack([*masks, ~covered])


def _gaussian_kernel(scale: int, rng: np.random.Generator) -> np.ndarray:
    """KAIR ``gen_kernel``'s Gaussian as DMBSR draws it (module docstring), on the 33×33 support."""
    variance_1, variance_2 = rng.uniform(*GAUSSIAN_VARIANCE, size=2)
    shift = -(scale - 1) / 2.0
    kernel = anisotropic_gaussian_kernel(GAUSSIAN_SIZE, lambda1=variance_1, lambda2=variance_2, theta=rng.uniform(0, np.pi),
                                         convention="variance", mean=(shift, shift))
    transform = int(rng.integers(8))  # one of the 8 symmetries of the square
    kernel = np.rot90(kernel, transform % 4)
    kernel = kernel[::-1] if transform >= 4 else kernel
    margin = (KERNEL_SIZE - GAUSSIAN_SIZE) // 2
    return np.pad(kernel, margin)


def region_kernel(scale: int, *, motion_length: tuple[float, float], rng: np.random.Generator) -> np.ndarray:
    """One region's 33×33 kernel: a motion kernel with probability 1/2, else KAIR's shifted anisotropic Gaussian."""
    if rng.random() < MOTION_PROBABILITY:
        return random_motion_kernel(KERNEL_SIZE, rng=rng, length=rng.uniform(*motion_length))
    return _gaussian_kernel(scale, rng)


def region_blur(image: np.ndarray, masks: np.ndarray, kernels: np.ndarray, *, padding: PaddingMode) -> np.ndarray:
    """``Σ_i (k_i ∗ m_i) · (k_i ∗ x) / Σ_i (k_i ∗ m_i)`` of a float image (H, W, C), masks (n, H, W), kernels (n, k, k).

    A single region (one mask of ones) gives ``blur(image, kernel, flip=True)`` (to rounding: filtered in the Fourier domain).
    """
    numerator = np.zeros(image.shape, dtype=np.float64)
    weight = np.zeros(image.shape[:2], dtype=np.float64)
    for mask, kernel in zip(masks, kernels, strict=True):
        stacked = np.concatenate([image, mask[:, :, None]], axis=2)  # (H, W, C + 1): the image and the region's mask
        blurred = blur(stacked, kernel, padding=padding, flip=True, fft=True)  # (H, W, C + 1)
        numerator += blurred[:, :, :-1] * blurred[:, :, -1:]
        weight += blurred[:, :, -1]
    if not np.all(weight > 0):
        raise ValueError("the soft masks leave pixels without weight; the regions must cover the image")
    return numerator / weight[:, :, None]


def degrade_regions(hr: np.ndarray, degradation: RegionBlurDegradation, *, rng: np.random.Generator) -> RegionBlurSample:
    """Degrade an HR image (uint8 or float in [0, 1], (H, W, C), modcropped to the scale): regions, kernels, region-wise
    blur, ``[::s, ::s]``, noise of one drawn level, rounding to 8 bits (``quantize``). Every draw comes from ``rng``."""
    hr = np.asarray(hr)
    x = hr.astype(np.float64) / 255.0 if hr.dtype == np.uint8 else hr.astype(np.float64)
    low, high = degradation.objects
    masks = ellipse_masks(*x.shape[:2], count=int(rng.integers(low, high + 1)), axes=degradation.object_axes, rng=rng)
    kernels = np.stack([region_kernel(degradation.scale, motion_length=degradation.motion_length, rng=rng) for _ in masks])
    s = degradation.scale
    lr = region_blur(x, masks, kernels, padding=degradation.padding)[::s, ::s]
    level = float(rng.uniform(*degradation.noise_range))
    lr = add_gaussian_noise(lr, level, rng=rng)
    return RegionBlurSample(lr=quantize(lr) if degradation.quantize else lr, masks=masks, kernels=kernels, noise=level)
