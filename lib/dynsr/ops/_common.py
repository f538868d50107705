"""Helpers shared by the dynamic-convolution operators of `dynsr.ops`.

Everything that more than one operator needs lives here exactly once: the tap convention (which
offset each entry of a k² tap axis stands for), zero padding and shifted windows for the
shift-and-accumulate loops, batch chunking that keeps those loops cache-resident, and shape checks
whose error messages name the expected shape.

Tap convention, used by every operator in `dynsr.ops`: a k×k window (k odd, Δ = k // 2) has k² taps
enumerated row-major over the offset (dy, dx) ∈ {−Δ..Δ}², i.e. tap ``t = (dy + Δ)·k + (dx + Δ)``.
This is the order of ``F.unfold`` and of the k×k window of an ``nn.Conv2d`` weight, and a tap reads
the input at ``(i + dy, j + dx)`` (cross-correlation order).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F

TAP_LOOP_CHUNK_BYTES = 2 * 2**20
"""Target size of one batch chunk of a tap loop (about one core's L2): its k² passes then stay in cache.

Measured on the 2-core AMD EPYC dev machine: 2–4 MiB is the sweet spot for C = 64 at 48² and for the
DMSR 15×15 case; whole-batch passes (no chunking) are about 2× slower.
"""

COLUMN_CHUNK_BYTES = 16 * 2**20
"""Target size of one batch chunk of im2col-style columns (deformable convolution)."""


def kernel_size_from_taps(op: str, taps: int) -> int:
    """Odd k with k² == taps, or a ValueError naming `op`."""
    size = math.isqrt(taps)
    if size * size != taps or size % 2 == 0:
        raise ValueError(
            f"{op}: the tap axis has {taps} entries; expected k² for an odd kernel size k "
            "(1, 9, 25, 49, ..., 225)"
        )
    return size


def tap_offsets(kernel_size: int) -> list[tuple[int, int]]:
    """The (dy, dx) offset of every tap, row-major: tap t ↔ (t // k − Δ, t % k − Δ)."""
    radius = kernel_size // 2
    return [(dy - radius, dx - radius) for dy in range(kernel_size) for dx in range(kernel_size)]


def pad_spatial(x: torch.Tensor, radius: int) -> torch.Tensor:
    """Zero-pad the last two (H, W) dimensions by `radius` on every side."""
    return F.pad(x, (radius, radius, radius, radius))


def window(padded: torch.Tensor, dy: int, dx: int, radius: int, height: int, width: int) -> torch.Tensor:
    """View of a `pad_spatial(…, radius)` tensor whose pixel (i, j) is the original pixel (i + dy, j + dx)."""
    return padded[..., radius + dy : radius + dy + height, radius + dx : radius + dx + width]


def batch_chunks(batch: int, bytes_per_sample: int, budget: int) -> Iterator[slice]:
    """Consecutive batch slices of about `budget` bytes each (at least one sample per slice)."""
    rows = max(1, budget // max(1, bytes_per_sample))
    for start in range(0, batch, rows):
        yield slice(start, min(start + rows, batch))


def pair(value: int | tuple[int, int], op: str, name: str) -> tuple[int, int]:
    """`value` as an (h, w) pair of ints; a single int is used for both."""
    result = (value, value) if isinstance(value, int) else tuple(value)
    if len(result) != 2 or not all(isinstance(v, int) for v in result):
        raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    return result  # type: ignore[return-value]


class ConvGeometry(NamedTuple):
    """Stride, padding and dilation as (h, w) pairs, and the output size (Ho, Wo) they give."""

    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    out_size: tuple[int, int]


def conv_geometry(
    op: str,
    size: tuple[int, int],
    kernel: tuple[int, int],
    stride: int | tuple[int, int],
    padding: int | tuple[int, int] | None,
    dilation: int | tuple[int, int],
) -> ConvGeometry:
    """Resolve ``nn.Conv2d``-style settings for an input of `size` (H, W) and a kernel (kh, kw).

    padding None means 'same' for odd kernels at stride 1: dilation·(k − 1) // 2 per axis.
    """
    stride2, dilation2 = pair(stride, op, "stride"), pair(dilation, op, "dilation")
    if padding is None:
        padding2 = (dilation2[0] * (kernel[0] - 1) // 2, dilation2[1] * (kernel[1] - 1) // 2)
    else:
        padding2 = pair(padding, op, "padding")
    if min(stride2) < 1 or min(dilation2) < 1 or min(padding2) < 0:
        raise ValueError(f"{op}: need stride ≥ 1, dilation ≥ 1, padding ≥ 0; got {stride2}, {dilation2}, {padding2}")
    out_h, out_w = (
        (n + 2 * p - d * (k - 1) - 1) // s + 1 for n, k, s, p, d in zip(size, kernel, stride2, padding2, dilation2)
    )
    if min(out_h, out_w) < 1:
        raise ValueError(f"{op}: input {size[0]}×{size[1]} is too small for a {kernel[0]}×{kernel[1]} kernel here")
    return ConvGeometry(stride2, padding2, dilation2, (out_h, out_w))


def _describe(expected: Sequence[int | None]) -> str:
    """Render an expected shape, with '?' for a free dimension."""
    sizes = ["?" if size is None else str(size) for size in expected]
    return "(" + ", ".join(sizes) + (",)" if len(sizes) == 1 else ")")


def expect_shape(
    op: str, name: str, tensor: torch.Tensor, symbols: str, expected: Sequence[int | None]
) -> None:
    """Raise a ValueError unless `tensor` has shape `expected` (None = any size).

    `symbols` names the dimensions, e.g. "(B, C, H, W)"; the message shows both the symbolic and the
    numeric expected shape next to the actual one.
    """
    shape = tuple(tensor.shape)
    matches = len(shape) == len(expected) and all(
        want is None or want == got for want, got in zip(expected, shape)
    )
    if not matches:
        raise ValueError(f"{op}: {name} must have shape {symbols} = {_describe(expected)}, got {shape}")


def expect_same_dtype_device(op: str, **tensors: torch.Tensor | None) -> None:
    """Raise a TypeError unless all given tensors share one floating dtype and one device."""
    present = {name: t for name, t in tensors.items() if t is not None}
    first_name, first = next(iter(present.items()))
    if not first.is_floating_point():
        raise TypeError(f"{op}: {first_name} must be a floating-point tensor, got {first.dtype}")
    for name, tensor in present.items():
        if tensor.dtype != first.dtype or tensor.device != first.device:
            raise TypeError(
                f"{op}: {name} is {tensor.dtype} on {tensor.device} but {first_name} is "
                f"{first.dtype} on {first.device}; all inputs must match"
            )
