"""Naive reference implementations of every `dynsr.ops` operator (plain autograd, no chunking).

These are the obvious ``F.unfold`` formulations (a gather-based bilinear sampler for deformable
convolution): short, easy to check by eye, and memory-hungry, because they materialise the
k²-times-input column tensor and let autograd keep it. Tests compare the fast operators with them and
with explicit loops; ``benchmarks/ops.py`` times them as the baseline. They take the same arguments,
validate them with the same checks and follow the same conventions as the fast operators (see each
fast operator for the paper section and equation).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from dynsr.ops.decoupled import decoupled_filter_args
from dynsr.ops.deform import DeformGeometry, contract_columns, deform_geometry, sampling_positions
from dynsr.ops.depthwise import depthwise_geometry
from dynsr.ops.expert_mixture import expert_mixture_geometry
from dynsr.ops.per_pixel import tap_kernels


def _tap_columns(x: torch.Tensor, kernel_size: int) -> torch.Tensor:
    """Zero-padded k×k neighbourhoods of every pixel, (B, C, k², H, W), taps row-major."""
    batch, channels, height, width = x.shape
    columns = F.unfold(x, kernel_size, padding=kernel_size // 2)  # (B, C·k², H·W)
    return columns.view(batch, channels, kernel_size * kernel_size, height, width)  # (B, C, k², H, W)


def per_pixel_conv2d_unfold(x: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
    """`dynsr.ops.per_pixel_conv2d` (UDVD Eq. 2) via ``F.unfold``."""
    kernels6 = tap_kernels("per_pixel_conv2d", x, kernels, scale=1)  # (B, Ck, k², 1, H, W)
    columns = _tap_columns(x, math.isqrt(kernels6.shape[2]))  # (B, C, k², H, W)
    return (columns * kernels6[:, :, :, 0]).sum(dim=2)  # (B, C, H, W)


def per_pixel_conv2d_upsample_unfold(x: torch.Tensor, kernels: torch.Tensor, *, scale: int) -> torch.Tensor:
    """`dynsr.ops.per_pixel_conv2d_upsample` (UDVD Eq. 3, corrected) via ``F.unfold`` and pixel shuffle."""
    kernels6 = tap_kernels("per_pixel_conv2d_upsample", x, kernels, scale=scale)  # (B, Ck, k², r², H, W)
    batch, channels, height, width = x.shape
    columns = _tap_columns(x, math.isqrt(kernels6.shape[2])).unsqueeze(3)  # (B, C, k², 1, H, W)
    subpixel_images = (columns * kernels6).sum(dim=2)  # (B, C, r², H, W)
    return F.pixel_shuffle(subpixel_images.reshape(batch, channels * scale * scale, height, width), scale)  # (B, C, rH, rW)


def decoupled_dynamic_filter_unfold(x: torch.Tensor, spatial: torch.Tensor, channel: torch.Tensor) -> torch.Tensor:
    """`dynsr.ops.decoupled_dynamic_filter` (GLDFN Eq. 5) via ``F.unfold``."""
    decoupled_filter_args(x, spatial, channel)
    columns = _tap_columns(x, math.isqrt(spatial.shape[1]))  # (B, C, k², H, W)
    filters = spatial.unsqueeze(1) * channel[:, :, :, None, None]  # (B, 1, k², H, W)·(B, C, k², 1, 1)
    return (columns * filters).sum(dim=2)  # (B, C, H, W)


def per_sample_depthwise_conv2d_unfold(
    x: torch.Tensor,
    weight: torch.Tensor,
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | None = None,
    dilation: int | tuple[int, int] = 1,
) -> torch.Tensor:
    """`dynsr.ops.per_sample_depthwise_conv2d` (DASR §3.2.2) via ``F.unfold``."""
    geometry = depthwise_geometry(x, weight, stride, padding, dilation)
    batch, channels = x.shape[:2]
    kernel = (weight.shape[2], weight.shape[3])
    columns = F.unfold(x, kernel, dilation=geometry.dilation, padding=geometry.padding, stride=geometry.stride)  # (B, C·T, L)
    columns = columns.view(batch, channels, kernel[0] * kernel[1], -1)  # (B, C, T, L)
    out = (columns * weight.reshape(batch, channels, -1, 1)).sum(dim=2)  # (B, C, L)
    return out.view(batch, channels, *geometry.out_size)  # (B, C, Ho, Wo)


def expert_mixture_conv2d_unfold(
    x: torch.Tensor,
    attention: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | None = None,
    dilation: int | tuple[int, int] = 1,
) -> torch.Tensor:
    """`dynsr.ops.expert_mixture_conv2d` (GLDFN Eq. 4) via ``F.unfold`` and a per-sample matmul."""
    groups, geometry = expert_mixture_geometry(x, attention, weight, bias, stride, padding, dilation)
    batch = x.shape[0]
    out_channels = weight.shape[1]
    kernel = (weight.shape[3], weight.shape[4])
    mixed = torch.einsum("bk,koihw->boihw", attention, weight)  # (B, Cout, Cin/g, kh, kw)
    mixed = mixed.reshape(batch, groups, out_channels // groups, -1)  # (B, g, Cout/g, Cin/g·T)
    columns = F.unfold(x, kernel, dilation=geometry.dilation, padding=geometry.padding, stride=geometry.stride)  # (B, Cin·T, L)
    columns = columns.view(batch, groups, -1, columns.shape[-1])  # (B, g, Cin/g·T, L)
    out = torch.matmul(mixed, columns).view(batch, out_channels, *geometry.out_size)  # (B, Cout, Ho, Wo)
    if bias is not None:
        out = out + (attention @ bias)[:, :, None, None]  # (B, Cout, 1, 1)
    return out


def _gathered_columns(x: torch.Tensor, offset: torch.Tensor, geometry: DeformGeometry) -> torch.Tensor:
    """Deformed columns (B, G, Cin/G, T, L) by gathering the 4 bilinear corners, zeros outside."""
    batch, channels, height, width = x.shape
    groups = geometry.offset_groups
    pos_y, pos_x = sampling_positions(offset, geometry)  # (B, G, T, Ho, Wo) each
    taps, out_h, out_w = pos_y.shape[2:]
    points = taps * out_h * out_w
    flat = x.reshape(batch, groups, channels // groups, height * width)  # (B, G, Cin/G, H·W)
    low_y, low_x = pos_y.floor(), pos_x.floor()
    columns = x.new_zeros(batch, groups, channels // groups, points)  # (B, G, Cin/G, T·L)
    for corner_y, weight_y in ((low_y, low_y + 1 - pos_y), (low_y + 1, pos_y - low_y)):
        for corner_x, weight_x in ((low_x, low_x + 1 - pos_x), (low_x + 1, pos_x - low_x)):
            inside = (corner_y >= 0) & (corner_y < height) & (corner_x >= 0) & (corner_x < width)
            index = corner_y.clamp(0, height - 1) * width + corner_x.clamp(0, width - 1)  # (B, G, T, Ho, Wo)
            index = index.long().view(batch, groups, 1, points).expand(-1, -1, channels // groups, -1)  # (B, G, Cin/G, T·L)
            corner_weight = (weight_y * weight_x * inside).view(batch, groups, 1, points)  # (B, G, 1, T·L)
            columns = columns + flat.gather(3, index) * corner_weight
    return columns.view(batch, groups, channels // groups, taps, out_h * out_w)  # (B, G, Cin/G, T, L)


def modulated_deform_conv2d_gather(
    input: torch.Tensor,
    offset: torch.Tensor | None,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    *,
    mask: torch.Tensor | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
) -> torch.Tensor:
    """`dynsr.ops.modulated_deform_conv2d` (ArcSR §3.2.2–3.2.3) with explicit gathers over the whole batch."""
    geometry = deform_geometry(input, offset, weight, bias, mask, stride, padding, dilation)
    if offset is None:
        taps = geometry.kernel[0] * geometry.kernel[1]
        offset = input.new_zeros(input.shape[0], 2 * geometry.offset_groups * taps, *geometry.conv.out_size)  # (B, 2·G·T, Ho, Wo)
    return contract_columns(_gathered_columns(input, offset, geometry), mask, weight, bias, geometry)
