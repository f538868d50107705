"""Decoupled dynamic filter: GLDFN §III-C Eq. 5 (local dynamic filter layer, after DDF, Zhou et al.).

Eq. 5 filters every channel r at pixel i with the product of a per-pixel spatial filter D^sp_i
(shared across channels) and a per-channel filter D^ch_r (shared across pixels)::

    F'(r, i) = Σ_{j ∈ Ω(i)} D^sp_i[p_i − p_j] · D^ch_r[p_i − p_j] · F(r, j)

Written with the tap order of `dynsr.ops` (tap t ↔ offset (dy, dx) = (t // k − Δ, t % k − Δ), row-major,
reading the input at (i + dy, j + dx), zero padding, depthwise, no bias)::

    out[b, c, i, j] = Σ_t spatial[b, t, i, j] · channel[b, c, t] · x[b, c, i + dy_t, j + dx_t]

As for UDVD Eq. 2, the paper's ``[p_i − p_j]`` indexing is the convolution order; tap t here is the
paper's offset −(dy, dx), a relabelling of learned filters (``flip`` both tap axes to convert).

The product kernel spatial ⊗ channel would be a (B, C, k², H, W) tensor, k² times the input. The
custom autograd function below never forms it: it loops over taps in forward and backward, tile by
tile on serial worker threads, like `dynsr.ops.per_pixel`, so memory stays O(input) and no operation
waits on torch's intra-op threads. The DDF authors' own implementation is CUDA-only.
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
    expect_shape,
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

_OP = "decoupled_dynamic_filter"


def _tiles(x: torch.Tensor, radius: int, workers: int) -> list[Tile]:
    """Tiles of the tap loop over x (B, C, H, W)."""
    return tap_tiles(x.shape[0], x.shape[2], x[0].numel() * x.element_size(), TAP_LOOP_CHUNK_BYTES, radius, workers)


class _DecoupledTaps(torch.autograd.Function):
    """Eq. 5 by shift and accumulate over the k² taps; see the module docstring."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, spatial: torch.Tensor, channel: torch.Tensor) -> torch.Tensor:
        width = x.shape[-1]
        size = kernel_size_from_taps(_OP, spatial.shape[1])
        radius = size // 2
        padded = pad_spatial(x, radius)  # (B, C, H+2Δ, W+2Δ)
        out = torch.empty_like(x)  # (B, C, H, W)

        def accumulate(tile: Tile) -> None:
            out_tile, source, spatial_tile = tile_of(out, tile), padded_tile(padded, tile, radius), tile_of(spatial, tile)
            channel_rows, rows = channel[tile.rows], out_tile.shape[-2]  # (b, C, k²)
            weighted = out_tile.new_empty(out_tile.shape)  # (b, C, h, W)
            out_tile.zero_()
            for tap, (dy, dx) in enumerate(tap_offsets(size)):
                shifted = window(source, dy, dx, radius, rows, width)  # (b, C, h, W)
                torch.mul(shifted, channel_rows[:, :, tap, None, None], out=weighted)  # (b, C, h, W)·(b, C, 1, 1)
                out_tile.addcmul_(weighted, spatial_tile[:, tap : tap + 1])  # += (b, C, h, W)·(b, 1, h, W)

        workers = loop_workers(x.numel())
        with own_count():
            run_tiles(accumulate, _tiles(x, radius, workers), workers)
        record_macs(_OP, 2 * out.numel() * size * size)
        ctx.save_for_backward(x, spatial, channel)
        return out

    @staticmethod
    @once_differentiable
    def backward(
        ctx: Any, grad_out: torch.Tensor
    ) -> tuple[torch.Tensor | None, torch.Tensor | None, torch.Tensor | None]:
        x, spatial, channel = ctx.saved_tensors
        grad_out = grad_out.contiguous()  # (B, C, H, W)
        need_x, need_spatial, need_channel = ctx.needs_input_grad
        channels, height, width = x.shape[1:]
        size = kernel_size_from_taps(_OP, spatial.shape[1])
        radius = size // 2
        workers = loop_workers(x.numel())
        tiles = _tiles(x, radius, workers)
        padded = pad_spatial(x, radius)  # (B, C, H+2Δ, W+2Δ)
        grad_padded = torch.zeros_like(padded) if need_x else None  # (B, C, H+2Δ, W+2Δ)
        grad_spatial = torch.empty_like(spatial) if need_spatial else None  # (B, k², H, W)
        bands = 1 + max(tile.band_index for tile in tiles)
        grad_channel_bands = channel.new_empty(bands, *channel.shape) if need_channel else None  # (bands, B, C, k²)

        def backpropagate(tile: Tile) -> None:
            grad_tile, source, spatial_tile = tile_of(grad_out, tile), padded_tile(padded, tile, radius), tile_of(spatial, tile)
            count, _, rows, _ = grad_tile.shape  # (b, C, h, W)
            channel_rows = channel[tile.rows]  # (b, C, k²)
            grad_spatial_tile = None if grad_spatial is None else tile_of(grad_spatial, tile)  # (b, k², h, W)
            grad_source = None if grad_padded is None else padded_tile(grad_padded, tile, radius)  # (b, C, h+2Δ, W+2Δ)
            product = grad_tile.new_empty(grad_tile.shape)  # (b, C, h, W)
            product_flat = product.view(count, channels, rows * width)  # (b, C, hW)
            for tap, (dy, dx) in enumerate(tap_offsets(size)):
                spatial_tap = spatial_tile[:, tap : tap + 1]  # (b, 1, h, W)
                channel_tap = channel_rows[:, :, tap]  # (b, C)
                if need_spatial or need_channel:
                    torch.mul(grad_tile, window(source, dy, dx, radius, rows, width), out=product)
                    if grad_spatial_tile is not None:
                        # Σ_c channel[b, c, t]·product[b, c, p]: (b, 1, C) @ (b, C, hW) -> (b, 1, hW) -> (b, h, W)
                        weighted_sum = torch.bmm(channel_tap.unsqueeze(1), product_flat)  # (b, 1, hW)
                        grad_spatial_tile[:, tap] = weighted_sum.view(count, rows, width)  # (b, h, W)
                    if grad_channel_bands is not None:
                        # Σ_p product[b, c, p]·spatial[b, t, p] over the band: (b, C, hW) @ (b, hW, 1) -> (b, C, 1) -> (b, C)
                        spatial_column = spatial_tap.reshape(count, rows * width, 1)  # (b, hW, 1)
                        band_sum = torch.bmm(product_flat, spatial_column).view(count, channels)  # (b, C)
                        grad_channel_bands[tile.band_index, tile.rows, :, tap] = band_sum
                if grad_source is not None:
                    torch.mul(grad_tile, channel_tap[:, :, None, None], out=product)  # (b, C, h, W)
                    window(grad_source, dy, dx, radius, rows, width).addcmul_(product, spatial_tap)

        run_tiles(backpropagate, tiles, workers, by_parity=grad_padded is not None)
        grad_x = None
        if grad_padded is not None:
            grad_x = window(grad_padded, 0, 0, radius, height, width).contiguous()  # (B, C, H, W)
        grad_channel = None if grad_channel_bands is None else grad_channel_bands.sum(dim=0)  # (B, C, k²)
        return grad_x, grad_spatial, grad_channel


def decoupled_filter_args(
    x: torch.Tensor, spatial: torch.Tensor, channel: torch.Tensor
) -> None:
    """Validate the arguments of `decoupled_dynamic_filter` (shared with its unfold reference)."""
    expect_shape(_OP, "x", x, "(B, C, H, W)", (None, None, None, None))
    expect_same_dtype_device(_OP, x=x, spatial=spatial, channel=channel)
    batch, channels, height, width = x.shape
    expect_shape(_OP, "spatial", spatial, "(B, k², H, W)", (batch, None, height, width))
    kernel_size_from_taps(_OP, spatial.shape[1])
    expect_shape(_OP, "channel", channel, "(B, C, k²)", (batch, channels, spatial.shape[1]))


def decoupled_dynamic_filter(x: torch.Tensor, spatial: torch.Tensor, channel: torch.Tensor) -> torch.Tensor:
    """Decoupled dynamic filter, GLDFN §III-C Eq. 5: per-pixel spatial × per-channel filter, depthwise.

    Args:
        x: (B, C, H, W) input features.
        spatial: (B, k², H, W) spatial filter D^sp, one k×k filter per pixel shared across channels.
        channel: (B, C, k²) channel filter D^ch, one k×k filter per channel shared across pixels.

    Returns:
        (B, C, H, W): ``out[b, c, i, j] = Σ_t spatial[b, t, i, j]·channel[b, c, t]·x[b, c, i + dy_t, j + dx_t]``,
        tap t ↔ (dy, dx) = (t // k − k//2, t % k − k//2), zero padding, stride 1. With ``channel`` all
        ones this is `per_pixel_conv2d(x, spatial)`; with ``spatial`` all ones it is
        `per_sample_depthwise_conv2d(x, channel.view(B, C, k, k))`.
    """
    decoupled_filter_args(x, spatial, channel)
    return _DecoupledTaps.apply(x, spatial, channel)
