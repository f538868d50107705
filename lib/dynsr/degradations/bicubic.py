"""MATLAB-exact bicubic resizing (``imresize(I, scale, 'bicubic')`` with antialiasing).

Every paper reproduced here (UDVD §4.1, DMSR §4.1, DASR §4.1 "following [42, 12]", GLDFN Eq. 1 via
DCLS/IKC, ArcSR §4.1 for GoPro) makes its LR inputs with MATLAB's bicubic ``imresize``. Other
resizers (OpenCV, PIL, ``torch.nn.functional.interpolate``) differ from it by tenths of a dB, so this
module is the only one in dynsr allowed to produce LR benchmark inputs, with one exception:
:mod:`dynsr.degradations.ikc` reproduces IKC's PIL-made Gaussian8 LR images, for the published bicubic
cells of GLDFN Table II only (docs/decisions/gldfn.md, G1).

What MATLAB does, and what this module reproduces in float64:

* Keys' cubic convolution kernel with a = -0.5 (:func:`cubic_kernel`).
* When shrinking (scale < 1) with antialiasing, the kernel is stretched: ``h(x) = s * cubic(s * x)``
  with support ``4 / s``.
* Output pixel ``x`` (1-based) maps to input coordinate ``u = x / s + 0.5 * (1 - 1 / s)``; its
  ``P = ceil(width) + 2`` taps are ``floor(u - width / 2) + (0 .. P - 1)``, their weights divided by
  their sum (``weights ./ sum(weights, 2)``).
* Taps falling outside the image are mirrored (symmetric padding: ``... 2 1 | 1 2 ... n | n n-1 ...``);
  a mirrored tap stays a tap of its own even when it lands on a sample another tap reads. Tap
  columns whose weight is zero for every output are removed (``contributions``' ``kill``).
* The output size is ``ceil(s * n)`` along each axis. MATLAB resizes first along the dimension with
  the smallest scale (a stable sort), so rows first here, where both scales are equal.

Summation order. MATLAB's ``imresizemex`` computes each output sample with a loop over its taps in
tap order, ``acc = acc + w_k * x_k`` in float64: each product and each partial sum rounded. A
matrix product (merged mirrored taps, BLAS's blocking and fused multiply-adds) sums in another
order, which moves results by ~1e-16; that is harmless except where the exact value is an 8-bit tie
``(k + 0.5) / 255``, which uint8 inputs produce: there the order decides the grey level. With a
matrix product, 2 of 300,120 values of MATLAB's own outputs for a test image at x1/2-x1/4 were off
by one grey level, and 37 of 15.8 million values of 32 random uint8 images at x1/2 (none at x1/3 and
x1/4; ``benchmarks/resize.py``). So each axis is a banded matrix product (fast; see
:mod:`dynsr.degradations.banded`), and then every output whose ``255 v`` lies within
:data:`_TIE_MARGIN` of a boundary ``k + 1/2`` is recomputed from the input in MATLAB's order (both
axes, with separate multiply and add kernels, no fused multiply-add). The result quantises to 8 bits
exactly as MATLAB's does, on the [0, 1] scale and on the [0, 255] one (255 is odd, so the ties of
``round(v)`` are ties of ``round(255 v)`` too), and is within ~1e-15 of MATLAB's elsewhere.
Recomputing every output in MATLAB's order instead (one multiply and one add per tap over blocks
of output rows) took 1.3-2x the products' time on 2 shared cores; the recomputation near ties takes
~1 ms at x1/2 of a 644x1024 RGB image. The weights follow MATLAB's arithmetic too: the normalising sum is taken left
to right over the taps, and the kernel's powers are products (MATLAB's exact evaluation of ``.^`` is
not known here; products at least give the same bits on every machine, which numpy's SIMD ``**``
does not).

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

from dynsr.degradations.banded import Band, apply_along_axis, single_torch_thread, split_into_bands

__all__ = ["cubic_kernel", "resize_contributions", "resize_weights", "matlab_bicubic_resize", "bicubic_output_size"]

def cubic_kernel(x: np.ndarray) -> np.ndarray:
    """Keys' cubic convolution kernel with a = -0.5, as in MATLAB ``imresize>cubic``."""
    absx = np.abs(x)
    # Powers as products, identical on every machine: numpy's ``**`` is a SIMD approximation on
    # AVX-512 CPUs (|x|**3 at x = 5/3 lands half an ulp off, 2e-14 in the weight after cancellation).
    absx2 = absx * absx
    absx3 = absx2 * absx
    inner = (1.5 * absx3 - 2.5 * absx2 + 1.0) * (absx <= 1)
    outer = (-0.5 * absx3 + 2.5 * absx2 - 4.0 * absx + 2.0) * ((absx > 1) & (absx <= 2))
    return inner + outer


def bicubic_output_size(length: int, scale: float) -> int:
    """Output length of MATLAB ``imresize`` with a scale factor: ``ceil(scale * length)``."""
    return int(math.ceil(scale * length))


def resize_contributions(in_length: int, scale: float, antialias: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """MATLAB ``imresize>contributions``: ``(weights, indices)``, each ``(out_length, taps)``, in tap order.

    Output sample ``i`` along the axis is ``sum_k weights[i, k] * x[indices[i, k]]``, summed in the
    order ``k = 0, 1, ...``. ``indices`` are 0-based and already mirrored, so an input sample may
    appear in several taps of one output; taps whose weight is zero for every output are removed.
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
    # MATLAB's sum(weights, 2), taken as a left-to-right sum over the taps. numpy's row sum is
    # pairwise from 8 taps on: the same sums at x1/2-x1/4, but last-bit changes at x3/4 or x0.3.
    total = np.zeros(out_length)
    for column in weights.T:
        total = total + column
    weights = weights / total[:, None]

    # Symmetric mirroring of 1-based indices: [1..n, n..1] repeated.
    mirror = np.concatenate([np.arange(in_length), np.arange(in_length - 1, -1, -1)])
    indices = mirror[np.mod(taps.astype(np.int64) - 1, mirror.size)]  # (out, taps), 0-based

    used = np.any(weights != 0, axis=0)
    return weights[:, used], indices[:, used]


@functools.lru_cache(maxsize=64)
def resize_weights(in_length: int, scale: float, antialias: bool = True) -> np.ndarray:
    """Dense ``(out_length, in_length)`` float64 matrix of MATLAB's bicubic resize along one axis.

    Row ``i`` holds the weights that output sample ``i`` gives to each input sample, after MATLAB's
    normalisation and symmetric border mirroring (mirrored taps are added onto the input sample they
    land on). The returned array is read-only because it is cached. :func:`matlab_bicubic_resize`
    applies it as banded products, then recomputes in MATLAB's tap order the outputs near an 8-bit tie.
    """
    weights, indices = resize_contributions(in_length, scale, antialias)
    matrix = np.zeros((weights.shape[0], in_length), dtype=np.float64)
    rows = np.broadcast_to(np.arange(weights.shape[0])[:, None], indices.shape)
    np.add.at(matrix, (rows, indices), weights)
    matrix.setflags(write=False)
    return matrix


@functools.lru_cache(maxsize=64)
def _weight_bands(in_length: int, scale: float, antialias: bool) -> tuple[Band, ...]:
    return split_into_bands(resize_weights(in_length, scale, antialias))


@functools.lru_cache(maxsize=64)
def _taps(in_length: int, scale: float, antialias: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`resize_contributions` as tensors: ``(weights, indices)``, each ``(out_length, taps)``."""
    weights, indices = resize_contributions(in_length, scale, antialias)
    return torch.from_numpy(weights), torch.from_numpy(indices)


# An output is recomputed in MATLAB's order when 255 x its value lies within this distance of a
# rounding boundary k + 1/2. Two summation orders of one output differ by at most about
# 2 (P_rows + P_cols + 2) eps (sum |w|)^2 max|x| ~ 1.3e-14 max|x| at x1/4 (16 + 16 taps, sum |w| <
# 1.3), i.e. 3e-12 grey levels for [0, 1] images and 1e-9 for [0, 255] ones (measured: up to 4e-16
# of value on [0, 1] images, benchmarks/resize.py). 1e-8 leaves room for both, down to x1/8, and
# recomputes only ~2e-8 of the outputs that are not ties.
_TIE_MARGIN = 1e-8


def _sequential_sum(weights: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """``sum_k weights[:, k] * values[:, k, ...]`` summed k = 0, 1, ..., a multiply and an add per tap."""
    shape = weights.shape + (1,) * (values.ndim - 2)  # weights broadcast over the trailing axes of values
    weights = weights.reshape(shape)
    acc = weights[:, 0] * values[:, 0]
    for k in range(1, weights.shape[1]):
        acc = acc + weights[:, k] * values[:, k]  # separate kernels: two roundings, no fused multiply-add
    return acc


def _redo_near_ties(x: torch.Tensor, out: torch.Tensor, axes: tuple[int, int], scale: float, antialias: bool) -> None:
    """Recompute in MATLAB's order, in place, the outputs whose 8-bit rounding the order could change.

    ``x`` is the float64 input and ``out`` the banded products' result; ``axes`` are the row and
    column axes of both (negative ones count from the end).
    """
    row_axis, col_axis = (axis % x.ndim for axis in axes)
    with single_torch_thread():
        distance = (out * 255.0).frac_().abs_().sub_(0.5).abs_()  # from the nearest k + 1/2
        where = list((distance < _TIE_MARGIN).nonzero(as_tuple=True))  # one index tensor per axis
        if where[0].numel() == 0:
            return
        row_weights, row_indices = (t.to(x.device)[where[row_axis]] for t in _taps(x.shape[row_axis], scale, antialias))
        col_weights, col_indices = (t.to(x.device)[where[col_axis]] for t in _taps(x.shape[col_axis], scale, antialias))
        index = [i[:, None, None] for i in where]  # (F, 1, 1): the flagged outputs' other coordinates
        index[row_axis], index[col_axis] = row_indices[:, :, None], col_indices[:, None, :]
        values = x[tuple(index)]  # (F, row taps, col taps)
        rows = _sequential_sum(row_weights, values)  # (F, col taps): the first pass at the taps' columns
        out[tuple(where)] = _sequential_sum(col_weights, rows)


def _resize(x: torch.Tensor, axes: tuple[int, int], scale: float, antialias: bool) -> torch.Tensor:
    """Rows then columns (``axes``) as banded products, then MATLAB's order wherever it could show."""
    row_axis, col_axis = axes
    out = apply_along_axis(x, row_axis, _weight_bands(x.shape[row_axis], scale, antialias))
    out = apply_along_axis(out, col_axis, _weight_bands(x.shape[col_axis], scale, antialias))
    _redo_near_ties(x, out, axes, scale, antialias)
    return out


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
        return np.ascontiguousarray(_resize(x, (0, 1), scale, antialias).numpy())
    if isinstance(image, torch.Tensor):
        if image.ndim < 2:
            raise ValueError(f"tensors must be (..., H, W); got shape {tuple(image.shape)}")
        if image.is_complex() or image.dtype == torch.bool:
            raise TypeError(f"cannot resize a tensor of dtype {image.dtype}")
        x = image.detach().to(torch.float64)
        return _resize(x, (-2, -1), scale, antialias).contiguous()
    raise TypeError(f"expected a numpy array or a torch tensor, got {type(image).__name__}")
