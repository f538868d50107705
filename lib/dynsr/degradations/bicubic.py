"""MATLAB-exact bicubic resizing (``imresize(I, scale, 'bicubic')`` with antialiasing).

Every paper reproduced here (UDVD §4.1, DMSR §4.1, DASR §4.1 "following [42, 12]", GLDFN Eq. 1 via
DCLS/IKC, ArcSR §4.1 for GoPro) makes its LR inputs with MATLAB's bicubic ``imresize``. Other
resizers (OpenCV, PIL, ``torch.nn.functional.interpolate``) differ from it by tenths of a dB, so this
module is the only one in dynsr allowed to produce LR benchmark inputs.

What MATLAB does, and what this module reproduces in float64:

* Keys' cubic convolution kernel with a = -0.5 (:func:`cubic_kernel`).
* When shrinking (scale < 1) with antialiasing, the kernel is stretched: ``h(x) = s * cubic(s * x)``
  with support ``4 / s``.
* Output pixel ``x`` (1-based) maps to input coordinate ``u = x / s + 0.5 * (1 - 1 / s)``; taps are
  ``floor(u - width / 2) + (0 .. ceil(width) + 1)``, their weights normalised to sum to one.
* Taps falling outside the image are mirrored (symmetric padding: ``... 2 1 | 1 2 ... n | n n-1 ...``).
* The output size is ``ceil(s * n)`` along each axis; rows are resized first, then columns (the
  resize is linear and separable, so the order only matters at the 1e-15 level in float64).

MATLAB rounds to the input class after each axis when the input is ``uint8``; the papers call
``imresize`` on ``im2double`` images (SRMD's and BasicSR's MATLAB scripts), and DASR's code uses a
float torch port, so this module always computes in float64 and never rounds. Quantise with
:func:`dynsr.degradations.noise.quantize` when the paper writes the LR to an 8-bit file.

Speed: each axis is applied as a handful of dense matrix products over bands of output rows
(:mod:`dynsr.degradations.banded`), with no Python loop per output row; see ``benchmarks/resize.py``.
"""

from __future__ import annotations

import functools
import math
from typing import overload

import numpy as np
import torch

from dynsr.degradations.banded import Band, apply_along_axis, split_into_bands

__all__ = ["cubic_kernel", "resize_weights", "matlab_bicubic_resize", "bicubic_output_size"]

def cubic_kernel(x: np.ndarray) -> np.ndarray:
    """Keys' cubic convolution kernel with a = -0.5, as in MATLAB ``imresize>cubic``."""
    absx = np.abs(x)
    absx2 = absx**2
    absx3 = absx**3
    inner = (1.5 * absx3 - 2.5 * absx2 + 1.0) * (absx <= 1)
    outer = (-0.5 * absx3 + 2.5 * absx2 - 4.0 * absx + 2.0) * ((absx > 1) & (absx <= 2))
    return inner + outer


def bicubic_output_size(length: int, scale: float) -> int:
    """Output length of MATLAB ``imresize`` with a scale factor: ``ceil(scale * length)``."""
    return int(math.ceil(scale * length))


@functools.lru_cache(maxsize=64)
def resize_weights(in_length: int, scale: float, antialias: bool = True) -> np.ndarray:
    """Dense ``(out_length, in_length)`` float64 matrix of MATLAB's bicubic resize along one axis.

    Row ``i`` holds the weights that output sample ``i`` gives to each input sample, after MATLAB's
    normalisation and symmetric border mirroring (mirrored taps are added onto the input sample they
    land on). The returned array is read-only because it is cached.
    """
    if in_length < 1:
        raise ValueError(f"cannot resize an axis of length {in_length}; it must be at least 1")
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    out_length = bicubic_output_size(in_length, scale)
    kernel_width = 4.0
    if scale < 1 and antialias:
        kernel_width = kernel_width / scale

        def kernel(x: np.ndarray) -> np.ndarray:
            return scale * cubic_kernel(scale * x)

    else:
        kernel = cubic_kernel

    x = np.arange(1, out_length + 1, dtype=np.float64)  # 1-based output coordinates
    u = x / scale + 0.5 * (1.0 - 1.0 / scale)
    left = np.floor(u - kernel_width / 2.0)
    num_taps = int(math.ceil(kernel_width)) + 2
    taps = left[:, None] + np.arange(num_taps, dtype=np.float64)[None, :]  # (out, taps), 1-based
    weights = kernel(u[:, None] - taps)  # (out, taps)
    weights = weights / weights.sum(axis=1, keepdims=True)

    # Symmetric mirroring of 1-based indices: [1..n, n..1] repeated.
    mirror = np.concatenate([np.arange(in_length), np.arange(in_length - 1, -1, -1)])
    tap_index = mirror[np.mod(taps.astype(np.int64) - 1, mirror.size)]  # (out, taps), 0-based

    matrix = np.zeros((out_length, in_length), dtype=np.float64)
    rows = np.broadcast_to(np.arange(out_length)[:, None], tap_index.shape)
    np.add.at(matrix, (rows, tap_index), weights)
    matrix.setflags(write=False)
    return matrix


@functools.lru_cache(maxsize=64)
def _weight_bands(in_length: int, scale: float, antialias: bool) -> tuple[Band, ...]:
    return split_into_bands(resize_weights(in_length, scale, antialias))


def _resize_axis(x: torch.Tensor, axis: int, scale: float, antialias: bool) -> torch.Tensor:
    return apply_along_axis(x, axis, _weight_bands(x.shape[axis], scale, antialias))


@overload
def matlab_bicubic_resize(image: np.ndarray, scale: float, *, antialias: bool = True) -> np.ndarray: ...
@overload
def matlab_bicubic_resize(image: torch.Tensor, scale: float, *, antialias: bool = True) -> torch.Tensor: ...


def matlab_bicubic_resize(image, scale, *, antialias=True):
    """Resize like MATLAB ``imresize(image, scale, 'bicubic')``, in float64.

    Args:
        image: a numpy array ``(H, W)`` or ``(H, W, C)`` (channels last, as images are loaded), or a
            torch tensor ``(..., H, W)`` (channels first, e.g. NCHW). Any real dtype; ``uint8`` is
            converted to float64 *without* rescaling, so a uint8 image in [0, 255] comes back as
            float64 in [0, 255]. Apply it to ``im2double``-style [0, 1] images to follow the papers.
        scale: the factor, e.g. ``1 / 4`` to make a x4 LR image, ``4`` to upsample it back. The
            output size is ``ceil(scale * H) x ceil(scale * W)``.
        antialias: MATLAB's ``'Antialiasing'`` option, on by default for shrinking (it has no effect
            when enlarging).

    Returns:
        float64 array or tensor of the same layout, not rounded or clipped (bicubic overshoots).
        Not differentiable (degradations build data, they are not part of a model).
    """
    scale = float(scale)
    if isinstance(image, np.ndarray):
        if image.ndim not in (2, 3):
            raise ValueError(f"numpy images must be (H, W) or (H, W, C); got shape {image.shape}")
        array = np.ascontiguousarray(image, dtype=np.float64)  # (H, W[, C]); a view when already float64 C-order
        x = torch.from_numpy(array if array.flags.writeable else array.copy())
        out = _resize_axis(_resize_axis(x, 0, scale, antialias), 1, scale, antialias)
        return np.ascontiguousarray(out.numpy())
    if isinstance(image, torch.Tensor):
        if image.ndim < 2:
            raise ValueError(f"tensors must be (..., H, W); got shape {tuple(image.shape)}")
        if image.is_complex() or image.dtype == torch.bool:
            raise TypeError(f"cannot resize a tensor of dtype {image.dtype}")
        x = image.detach().to(torch.float64)
        return _resize_axis(_resize_axis(x, -2, scale, antialias), -1, scale, antialias).contiguous()
    raise TypeError(f"expected a numpy array or a torch tensor, got {type(image).__name__}")
