"""Per-pixel dynamic convolution: UDVD §3.3 Eq. 2 and Eq. 3, DMSR §3.1 Eq. 4 (MBM meta-deblur).

Every output pixel has its own k×k kernel, predicted by a network (UDVD's kernel path, DMSR's meta-weights).

Eq. 2 (UDVD "typical dynamic convolution", D block), in this module's tap order (see below)::

    out[b, c, i, j] = Σ_t kernels[b, t, i, j] · x[b, c, i + dy_t, j + dx_t]

with zero padding ('same' output) and kernels shared across channels (UDVD's default), or one kernel
per channel (UDVD: "by introducing an additional dimension C with Eq. 2").

Eq. 3 (UDVD "dynamic convolution with upsampling", U block), with the printed typo corrected (the sum
over the sub-pixel position (x, y) does not exist: x, y ∈ {0..r−1} index the left-hand side; docs/decisions/udvd.md, U9)::

    out[b, c, i·r + x, j·r + y] = Σ_t K[b, t, x, y, i, j] · x_in[b, c, i + dy_t, j + dx_t]

DMSR Eq. 4 (V = X ⊗ K, 15×15 kernels per HR pixel, written Ŷ_c(p) = Σ_q W_q(p)·Y_c(p + q),
already this tap order) is Eq. 2 with k = 15 and is served by
`per_pixel_conv2d`, whose memory cost is independent of k.

Tap order. Tap t of the k² axis is the offset (dy, dx) = (t // k − Δ, t % k − Δ), Δ = k // 2 (row-major,
the order of ``F.unfold``), and reads x at (i + dy, j + dx): cross-correlation order. UDVD's Eq. 2 writes
``K_{i,j}(u, v) · I_in(i − u, j − v)``, a true (flipped) convolution; it is the same sum with
(u, v) = (−dy, −dx), i.e. ``K_{i,j}(u, v) = kernels[b, (Δ − u)·k + (Δ − v), i, j]``. For learned kernels
the two orders are a relabelling. To apply a kernel given in convolution order (e.g. a blur kernel h,
y = h ⊛ x, stored as h.reshape(k²) row-major over (u, v)), reverse the tap axis: ``kernels.flip(1)``
(``flip(2)`` for per-channel kernels) maps tap (dy, dx) to (−dy, −dx).

Implementation. A custom autograd function loops over the k² taps and accumulates, for each tap, a
shifted view of the zero-padded input times that tap's kernel plane, in place, tile by tile (a few
samples, or a band of rows of one sample) so that the tile stays in cache. The backward pass does the
same in reverse (grad_x accumulated into a padded buffer; grad_kernels computed tap by tap), so no
k²-times-input tensor is ever created: memory is O(input + kernels) for any k. The tiles run on serial
worker threads, never with torch's intra-op threads, whose per-operation barriers cost milliseconds
each on a loaded machine (`dynsr.ops._common`). `dynsr.ops.reference` holds the naive ``F.unfold`` version.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.autograd.function import once_differentiable

from dynsr.compute import own_count, record_macs
from dynsr.ops._common import (
    TAP_LOOP_CHUNK_BYTES,
    Tile,
    expect_same_dtype_device,
    kernel_size_from_taps,
    loop_workers,
    pad_spatial,
    padded_tile,
    run_tiles,
    tap_offsets,
    tap_tiles,
    tile_of,
    window,
)


def tap_kernels(op: str, x: torch.Tensor, kernels: torch.Tensor, scale: int) -> torch.Tensor:
    """Validate `x` and `kernels`, and view `kernels` as (B, Ck, k², r², H, W) with Ck ∈ {1, C}.

    `kernels` is (B, k²·r², H, W) (shared across channels) or (B, C, k²·r², H, W) (per channel); its
    tap axis is tap-major: entry t·r² + s is tap t of sub-pixel s.
    """
    if x.dim() != 4:
        raise ValueError(f"{op}: x must have shape (B, C, H, W), got {tuple(x.shape)}")
    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f"{op}: scale must be a positive int, got {scale!r}")
    expect_same_dtype_device(op, x=x, kernels=kernels)
    batch, channels, height, width = x.shape
    subpixels = scale * scale
    taps_symbol = "k²" if scale == 1 else f"k²·{subpixels}"
    shared = kernels.dim() == 4
    lead = (batch,) if shared else (batch, channels)
    layout_ok = kernels.dim() in (4, 5) and tuple(kernels.shape[: len(lead)]) == lead
    layout_ok = layout_ok and tuple(kernels.shape[-2:]) == (height, width)
    if not layout_ok or kernels.shape[-3] % subpixels:
        raise ValueError(
            f"{op}: kernels must have shape (B, {taps_symbol}, H, W) = ({batch}, {taps_symbol}, {height}, "
            f"{width}) or (B, C, {taps_symbol}, H, W) = ({batch}, {channels}, {taps_symbol}, {height}, "
            f"{width}) with odd k; got {tuple(kernels.shape)}"
        )
    taps = kernels.shape[-3] // subpixels
    kernel_size_from_taps(op, taps)
    kernel_channels = 1 if shared else channels
    return kernels.reshape(batch, kernel_channels, taps, subpixels, height, width)  # (B, Ck, k², r², H, W)


def _tiles(x: torch.Tensor, kernels: torch.Tensor, radius: int, workers: int) -> list[Tile]:
    """Tiles of the tap loop over x (B, C, H, W) and kernels (B, Ck, k², r², H, W)."""
    batch, channels, height, width = x.shape
    sample_bytes = (channels + kernels.shape[1]) * kernels.shape[3] * height * width * x.element_size()
    return tap_tiles(batch, height, sample_bytes, TAP_LOOP_CHUNK_BYTES, radius, workers)


class _PerPixelTaps(torch.autograd.Function):
    """out[b, c, s, i, j] = Σ_t kernels[b, c or 0, t, s, i, j] · x[b, c, i + dy_t, j + dx_t] (shift and accumulate)."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
        batch, channels, _, width = x.shape
        size = kernel_size_from_taps("per_pixel_conv2d", kernels.shape[2])
        radius = size // 2
        padded = pad_spatial(x, radius).unsqueeze(2)  # (B, C, 1, H+2Δ, W+2Δ)
        out = x.new_empty(batch, channels, *kernels.shape[3:])  # (B, C, r², H, W)

        def accumulate(tile: Tile) -> None:
            out_tile, source, kernel_tile = tile_of(out, tile), padded_tile(padded, tile, radius), tile_of(kernels, tile)
            rows = out_tile.shape[-2]
            out_tile.zero_()
            for tap, (dy, dx) in enumerate(tap_offsets(size)):
                shifted = window(source, dy, dx, radius, rows, width)  # (b, C, 1, h, W)
                out_tile.addcmul_(shifted, kernel_tile[:, :, tap])  # (b, C, r², h, W) += (b, C, 1, h, W)·(b, Ck, r², h, W)

        workers = loop_workers(out.numel())
        with own_count():
            run_tiles(accumulate, _tiles(x, kernels, radius, workers), workers)
        record_macs("per_pixel_conv2d", out.numel() * size * size)
        ctx.save_for_backward(x, kernels)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad_out: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        x, kernels = ctx.saved_tensors
        need_x, need_kernels = ctx.needs_input_grad
        height, width = x.shape[-2:]
        kernel_channels, subpixels = kernels.shape[1], kernels.shape[3]
        size = kernel_size_from_taps("per_pixel_conv2d", kernels.shape[2])
        radius = size // 2
        padded = pad_spatial(x, radius).unsqueeze(2)  # (B, C, 1, H+2Δ, W+2Δ)
        grad_padded = torch.zeros_like(padded) if need_x else None  # (B, C, 1, H+2Δ, W+2Δ)
        grad_kernels = torch.empty_like(kernels) if need_kernels else None  # (B, Ck, k², r², H, W)

        def backpropagate(tile: Tile) -> None:
            grad_tile, kernel_tile = tile_of(grad_out, tile), tile_of(kernels, tile)  # (b, C, r², h, W), (b, Ck, k², r², h, W)
            rows = grad_tile.shape[-2]
            source = padded_tile(padded, tile, radius)  # (b, C, 1, h+2Δ, W+2Δ)
            grad_kernel_tile = None if grad_kernels is None else tile_of(grad_kernels, tile)  # (b, Ck, k², r², h, W)
            grad_source = None if grad_padded is None else padded_tile(grad_padded, tile, radius)  # (b, C, 1, h+2Δ, W+2Δ)
            product = grad_tile.new_empty(grad_tile.shape)  # (b, C, r², h, W)
            for tap, (dy, dx) in enumerate(tap_offsets(size)):
                if grad_kernel_tile is not None:
                    shifted = window(source, dy, dx, radius, rows, width)  # (b, C, 1, h, W)
                    grad_tap = grad_kernel_tile[:, :, tap]  # (b, Ck, r², h, W)
                    if kernel_channels > 1:
                        torch.mul(grad_tile, shifted, out=grad_tap)
                    else:
                        torch.mul(grad_tile, shifted, out=product)  # (b, C, r², h, W)
                        torch.sum(product, dim=1, keepdim=True, out=grad_tap)  # (b, 1, r², h, W)
                if grad_source is not None:
                    grad_window = window(grad_source, dy, dx, radius, rows, width)  # (b, C, 1, h, W)
                    if subpixels == 1:
                        grad_window.addcmul_(grad_tile, kernel_tile[:, :, tap])
                    else:
                        torch.mul(grad_tile, kernel_tile[:, :, tap], out=product)  # (b, C, r², h, W)
                        grad_window.add_(product.sum(dim=2, keepdim=True))  # Σ over the r² sub-pixels

        workers = loop_workers(grad_out.numel())
        run_tiles(backpropagate, _tiles(x, kernels, radius, workers), workers, by_parity=grad_padded is not None)
        grad_x = None
        if grad_padded is not None:
            grad_x = window(grad_padded, 0, 0, radius, height, width).squeeze(2).contiguous()  # (B, C, H, W)
        return grad_x, grad_kernels


def _pixel_shuffle(subpixel_images: torch.Tensor, scale: int) -> torch.Tensor:
    """(B, C, r², H, W) → (B, C, rH, rW) with out[b, c, i·r + x, j·r + y] = in[b, c, x·r + y, i, j].

    The arrangement of ``F.pixel_shuffle``, as a plain copy: ``F.pixel_shuffle`` opens an OpenMP parallel
    region at any size, milliseconds per call on a loaded machine even for a tiny image.
    """
    batch, channels, _, height, width = subpixel_images.shape
    grid = subpixel_images.view(batch, channels, scale, scale, height, width)  # (B, C, r, r, H, W)
    return grid.permute(0, 1, 4, 2, 5, 3).reshape(batch, channels, height * scale, width * scale)  # (B, C, H, r, W, r) → (B, C, rH, rW)


def per_pixel_conv2d(x: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
    """Per-pixel dynamic convolution, UDVD §3.3 Eq. 2 (and DMSR §3.1 Eq. 4), zero padding, 'same' output.

    Args:
        x: (B, C, H, W) input.
        kernels: (B, k², H, W) kernels shared across channels, or (B, C, k², H, W) one kernel per
            channel; k odd. Tap t is the offset (dy, dx) = (t // k − k//2, t % k − k//2) and multiplies
            x[..., i + dy, j + dx] (cross-correlation order; use ``kernels.flip(1)``, or ``flip(2)`` for
            per-channel kernels, to apply kernels written in Eq. 2's convolution order).

    Returns:
        (B, C, H, W): ``out[b, c, i, j] = Σ_t kernels[b, (c,) t, i, j] · x[b, c, i + dy_t, j + dx_t]``.

    Memory is O(input + kernels) in forward and backward for any k (no unfold), which is what the
    DMSR 15×15 meta-deblur at HR needs.
    """
    kernels6 = tap_kernels("per_pixel_conv2d", x, kernels, scale=1)  # (B, Ck, k², 1, H, W)
    return _PerPixelTaps.apply(x, kernels6).squeeze(2)  # (B, C, H, W)


def per_pixel_conv2d_upsample(x: torch.Tensor, kernels: torch.Tensor, *, scale: int) -> torch.Tensor:
    """Per-pixel dynamic convolution with ×`scale` upsampling, UDVD §3.3 Eq. 3 (typo corrected).

    Args:
        x: (B, C, H, W) low-resolution input.
        kernels: (B, k²·r², H, W) shared across channels (UDVD's setting for U blocks), or
            (B, C, k²·r², H, W) per channel, with r = `scale` and k odd. The tap axis is tap-major:
            ``kernels.view(B, k², r², H, W)[:, t, x·r + y]`` is tap t of the kernel that produces the
            output pixel (i·r + x, j·r + y). This is DUF's ``filter.view(b, k², r², h, w)`` layout, and it
            is pixel-shuffle compatible: ``F.pixel_shuffle(kernels, r)[:, t, i·r + x, j·r + y]`` is that
            kernel's tap t.
        scale: the upsampling factor r ≥ 1 (r = 1 is `per_pixel_conv2d`).

    Returns:
        (B, C, r·H, r·W): ``out[b, c, i·r + x, j·r + y] = Σ_t K[b, t, x·r + y, i, j] · x[b, c, i + dy_t, j + dx_t]``
        with the tap order of `per_pixel_conv2d` and zero padding.
    """
    kernels6 = tap_kernels("per_pixel_conv2d_upsample", x, kernels, scale=scale)  # (B, Ck, k², r², H, W)
    return _pixel_shuffle(_PerPixelTaps.apply(x, kernels6), scale)  # (B, C, rH, rW)
