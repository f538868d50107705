"""Spatially varying blur and noise (UDVD §4.4, Table 3; Figs. 1, 4, 5).

UDVD Table 3 tests with "kernel width and noise level ... gradually increasing in the
corresponding range [0.2, 2] and [5, 50] from left to right". The paper does not say how; this
module builds it as ``docs/decisions/udvd.md`` (U18) reads it, each choice a field:

* The width and the noise level are linear in the horizontal position ``u ∈ [0, 1]`` (0 = the
  centre of the leftmost column, 1 = the rightmost), evaluated at each HR column for the blur and
  at each LR column's centre (``u`` of HR position ``(j + 0.5) s - 0.5``) for the noise.
* Every HR column is blurred with its own isotropic 15x15 Gaussian (a per-pixel convolution whose
  kernel depends on the column only), with the padding of the SRMD harness (``replicate``).
* MATLAB bicubic downsampling, then AWGN whose level varies per LR column; float LR, no clipping.
* The degradation map of each LR pixel (what UDVD and SRMD take as input) is its column's kernel
  width and noise level, returned beside the LR image (PCA codes are computed from the widths by
  the model's input builder).

Figure 1's quadrant layout (different widths and levels per quadrant) uses :class:`Quadrants`.
"""

from __future__ import annotations

from dataclasses import dataclass

import hashlib
import json
from dataclasses import asdict

import numpy as np
import torch

from dynsr.degradations.bicubic import matlab_bicubic_resize
from dynsr.degradations.blur import PaddingMode, pad_image
from dynsr.degradations.kernels import isotropic_gaussian_kernel
from dynsr.ops import per_pixel_conv2d

__all__ = ["LinearRamp", "Quadrants", "SpatiallyVaryingDegradation", "spatially_varying_blur", "degradation_maps", "degradation_maps_hr",
           "degrade_spatially_varying"]


@dataclass(frozen=True)
class LinearRamp:
    """A value rising linearly from ``left`` (u = 0) to ``right`` (u = 1) across the image width."""

    left: float
    right: float

    def at(self, u: np.ndarray) -> np.ndarray:
        return self.left + (self.right - self.left) * np.asarray(u, dtype=np.float64)


@dataclass(frozen=True)
class Quadrants:
    """Four constant values: ``(top-left, top-right, bottom-left, bottom-right)`` (UDVD Fig. 1)."""

    top_left: float
    top_right: float
    bottom_left: float
    bottom_right: float

    def grid(self, rows: np.ndarray, columns: np.ndarray, height: int, width: int) -> np.ndarray:
        """The value at each (row, column) position, in pixels of a ``height`` x ``width`` image (HR): top where row < height / 2."""
        top = np.asarray(rows)[:, None] < height / 2
        left = np.asarray(columns)[None, :] < width / 2
        return np.where(top, np.where(left, self.top_left, self.top_right), np.where(left, self.bottom_left, self.bottom_right))


Varying = float | LinearRamp | Quadrants


@dataclass(frozen=True)
class SpatiallyVaryingDegradation:
    """Blur width and noise level that vary over the image (constants, ramps or quadrants)."""

    scale: int
    width: Varying
    noise: Varying
    kernel_size: int = 15
    padding: PaddingMode = "replicate"
    noise_seed: int = 0

    def key(self) -> str:
        """A short stable hash of every field (and the value types), for cache folder names."""
        fields = {name: [type(value).__name__, value] for name, value in asdict(self).items()}
        return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _value_map(value: Varying, rows: np.ndarray, columns: np.ndarray, hr_height: int, hr_width: int) -> np.ndarray:
    """``(len(rows), len(columns))`` map of a varying value at the given positions (HR pixel coordinates of an HR image of that size)."""
    if isinstance(value, Quadrants):
        return value.grid(rows, columns, hr_height, hr_width)
    if isinstance(value, LinearRamp):
        return np.broadcast_to(value.at(np.asarray(columns) / max(hr_width - 1, 1))[None, :], (len(rows), len(columns))).copy()
    return np.full((len(rows), len(columns)), float(value))


def spatially_varying_blur(image: np.ndarray, widths: np.ndarray, *, kernel_size: int, padding: PaddingMode) -> np.ndarray:
    """Blur pixel (i, j) of ``image`` (H, W, C) with an isotropic Gaussian of width ``widths[i, j]``.

    ``out(i, j) = Σ_{u,v} k_ij(u, v) x(i + u, j + v)`` over the padded image (correlation, as
    :func:`dynsr.degradations.blur.blur`); a constant width map gives exactly ``blur``.
    """
    height, width = widths.shape
    radius = kernel_size // 2
    distinct, inverse = np.unique(widths, return_inverse=True)
    bank = np.stack([isotropic_gaussian_kernel(kernel_size, w).reshape(-1) for w in distinct])  # (n, k²)
    index = np.pad(inverse.reshape(height, width), radius, mode="edge")  # (H + 2r, W + 2r); border kernels unused
    x = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1), dtype=np.float64))[None]  # (1, C, H, W)
    padded = pad_image(x, (radius,) * 4, padding)  # (1, C, H + 2r, W + 2r)
    out = torch.empty_like(x)
    # Row strips bound the memory of the (k², rows, W) kernel tensor to about 100 MB.
    strip = max(1, 2**20 // (bank.shape[1] * (width + 2 * radius)) * 8)
    for row0 in range(0, height, strip):
        row1 = min(row0 + strip, height)
        kernels = torch.from_numpy(bank[index[row0 : row1 + 2 * radius]]).permute(2, 0, 1)[None]  # (1, k², rows + 2r, W + 2r)
        window = padded[:, :, row0 : row1 + 2 * radius]  # (1, C, rows + 2r, W + 2r)
        out[:, :, row0:row1] = per_pixel_conv2d(window, kernels)[:, :, radius : radius + row1 - row0, radius : radius + width]
    return np.ascontiguousarray(out[0].permute(1, 2, 0).numpy())


def degrade_spatially_varying(
    hr: np.ndarray, degradation: SpatiallyVaryingDegradation, *, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Degrade an HR image (uint8 or float in [0, 1], (H, W, C), modcropped to the scale).

    Returns ``(lr, width_map, noise_map)``: the float64 LR image (h, w, C) and, per LR pixel, the
    kernel width and noise level (0-255 scale) that produced it, each (h, w).
    """
    hr = np.asarray(hr)
    x = hr.astype(np.float64) / 255.0 if hr.dtype == np.uint8 else hr.astype(np.float64)
    widths = degradation_maps_hr(degradation, *x.shape[:2])
    blurred = spatially_varying_blur(x, widths, kernel_size=degradation.kernel_size, padding=degradation.padding)
    lr = matlab_bicubic_resize(blurred, 1.0 / degradation.scale)
    width_map, noise_map = degradation_maps(degradation, *lr.shape[:2])
    lr = lr + (noise_map[:, :, None] / 255.0) * rng.standard_normal(lr.shape)
    return lr, width_map, noise_map


def degradation_maps_hr(degradation: SpatiallyVaryingDegradation, hr_height: int, hr_width: int) -> np.ndarray:
    """The kernel width that blurs each pixel of an HR image (H, W): the blur's map (noise is added at LR, :func:`degradation_maps`)."""
    return _value_map(degradation.width, np.arange(hr_height), np.arange(hr_width), hr_height, hr_width)


def degradation_maps(degradation: SpatiallyVaryingDegradation, lr_height: int, lr_width: int) -> tuple[np.ndarray, np.ndarray]:
    """Kernel width and noise level (0-255) at each pixel of an LR image (h, w) made from a ``s·h × s·w`` HR image.

    What a non-blind model is given for a spatially varying test image (the true per-pixel degradation).
    """
    s = degradation.scale
    rows, columns = (np.arange(lr_height) + 0.5) * s - 0.5, (np.arange(lr_width) + 0.5) * s - 0.5  # LR pixel centres in HR pixels
    return (_value_map(degradation.width, rows, columns, s * lr_height, s * lr_width),
            _value_map(degradation.noise, rows, columns, s * lr_height, s * lr_width))
