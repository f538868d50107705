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
custom autograd function below never forms it: it loops over taps in forward and backward, like
`dynsr.ops.per_pixel`, so memory stays O(input). DDF's own implementation is CUDA-only (guide peers.md D.3).
"""

from __future__ import annotations

from typing import Any

import torch
from torch.autograd.function import once_differentiable

from dynsr.ops._common import (
    TAP_LOOP_CHUNK_BYTES,
    batch_chunks,
    expect_same_dtype_device,
    expect_shape,
    kernel_size_from_taps,
    pad_spatial,
    tap_offsets,
    window,
)

_OP = "decoupled_dynamic_filter"


class _DecoupledTaps(torch.autograd.Function):
    """Eq. 5 by shift and accumulate over the k² taps; see the module docstring."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, spatial: torch.Tensor, channel: torch.Tensor) -> torch.Tensor:
        batch, _, height, width = x.shape
        size = kernel_size_from_taps(_OP, spatial.shape[1])
        radius = size // 2
        padded = pad_spatial(x, radius)  # (B, C, H+2Δ, W+2Δ)
        out = torch.zeros_like(x)  # (B, C, H, W)
        for rows in batch_chunks(batch, x[0].numel() * x.element_size(), TAP_LOOP_CHUNK_BYTES):
            weighted = torch.empty_like(x[rows])  # (b, C, H, W)
            for tap, (dy, dx) in enumerate(tap_offsets(size)):
                shifted = window(padded[rows], dy, dx, radius, height, width)  # (b, C, H, W)
                torch.mul(shifted, channel[rows, :, tap, None, None], out=weighted)  # (b, C, H, W)·(b, C, 1, 1)
                out[rows].addcmul_(weighted, spatial[rows, tap : tap + 1])  # += (b, C, H, W)·(b, 1, H, W)
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
        batch, channels, height, width = x.shape
        size = kernel_size_from_taps(_OP, spatial.shape[1])
        radius = size // 2
        padded = pad_spatial(x, radius)  # (B, C, H+2Δ, W+2Δ)
        grad_padded = torch.zeros_like(padded) if need_x else None  # (B, C, H+2Δ, W+2Δ)
        grad_spatial = torch.empty_like(spatial) if need_spatial else None  # (B, k², H, W)
        grad_channel = torch.empty_like(channel) if need_channel else None  # (B, C, k²)
        for rows in batch_chunks(batch, x[0].numel() * x.element_size(), TAP_LOOP_CHUNK_BYTES):
            grad_rows = grad_out[rows]  # (b, C, H, W)
            count = grad_rows.shape[0]
            product = torch.empty_like(grad_rows)  # (b, C, H, W)
            product_flat = product.view(count, channels, height * width)  # (b, C, HW)
            for tap, (dy, dx) in enumerate(tap_offsets(size)):
                spatial_tap = spatial[rows, tap : tap + 1]  # (b, 1, H, W)
                channel_tap = channel[rows, :, tap]  # (b, C)
                if need_spatial or need_channel:
                    torch.mul(grad_rows, window(padded[rows], dy, dx, radius, height, width), out=product)
                    if grad_spatial is not None:
                        # Σ_c channel[b, c, t]·product[b, c, p]: (b, 1, C) @ (b, C, HW) -> (b, 1, HW) -> (b, H, W)
                        weighted_sum = torch.bmm(channel_tap.unsqueeze(1), product_flat)  # (b, 1, HW)
                        grad_spatial[rows, tap] = weighted_sum.view(count, height, width)  # (b, H, W)
                    if grad_channel is not None:
                        # Σ_p product[b, c, p]·spatial[b, t, p]: (b, C, HW) @ (b, HW, 1) -> (b, C, 1) -> (b, C)
                        spatial_column = spatial_tap.reshape(count, height * width, 1)  # (b, HW, 1)
                        grad_channel[rows, :, tap] = torch.bmm(product_flat, spatial_column).view(count, channels)  # (b, C)
                if grad_padded is not None:
                    torch.mul(grad_rows, channel_tap[:, :, None, None], out=product)  # (b, C, H, W)
                    window(grad_padded[rows], dy, dx, radius, height, width).addcmul_(product, spatial_tap)
        grad_x = None
        if grad_padded is not None:
            grad_x = window(grad_padded, 0, 0, radius, height, width).contiguous()  # (B, C, H, W)
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
