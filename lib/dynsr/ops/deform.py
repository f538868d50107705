"""Modulated deformable convolution in pure PyTorch: ArcSR §3.2.2 (DMconv) and §3.2.3 (KGconv).

ArcSR's DMconv predicts sampling offsets from part of the features and runs a deformable convolution
on the rest (§3.2.2). Its KGconv multiplies every tap of a static k×k
convolution by the pixel's estimated blur kernel A_p (§3.2.3)::

    y(p) = Σ_q Σ_c W[:, c, q] · A_p(q) · x_c(p + q) (+ b)

which is a modulated deformable convolution with zero offsets and mask = A_p. Both are served by
`modulated_deform_conv2d`, which follows the layout and semantics of ``torchvision.ops.deform_conv2d``
(DCNv2, unavailable here):

- ``offset`` (B, 2·G·kh·kw, Ho, Wo): for offset group g and tap t (row-major over the kh×kw window),
  channel g·2·kh·kw + 2·t holds Δy and the next channel Δx;
- ``mask`` (B, G·kh·kw, Ho, Wo): channel g·kh·kw + t multiplies tap t after sampling;
- ``weight`` (Cout, Cin/groups, kh, kw), groups inferred as Cin / weight.shape[1]; G inferred from
  offset (or mask); the input channels are split into G contiguous offset groups;
- tap t = (u, v) of output pixel (i, j) samples ``(i·s_h − p_h + u·d_h + Δy, j·s_w − p_w + v·d_w + Δx)``
  bilinearly; a sample point with y ≤ −1, y ≥ H, x ≤ −1 or x ≥ W reads 0, and a point partly outside
  uses its in-range corners only (zeros outside), exactly as torchvision/mmcv.

So zero offsets and a unit mask give ``nn.Conv2d`` (cross-correlation, stride/padding/dilation/groups).

Implementation: per tile of whole samples, the deformed im2col columns (b, Cin·k², Ho·Wo) are built
with one ``F.grid_sample`` call (whose zeros padding has the semantics above), multiplied by the mask
and contracted with the weight by one matmul; with ``offset=None`` (KGconv) the columns come from
``F.unfold``. A custom autograd function keeps only the inputs and recomputes each tile's columns in
backward, so only one tile's columns per worker thread are alive at any time. The tiles run on the
serial worker threads of `dynsr.ops._common`: a tile is some twenty small operations each way, and
as OpenMP parallel regions they would wait for a busy core every time. Double backward is not
supported. `dynsr.ops.reference` has a naive gather-based version.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F
from torch.autograd.function import once_differentiable

from dynsr.compute import own_count, record_macs
from dynsr.ops._common import (
    COLUMN_CHUNK_BYTES,
    ConvGeometry,
    Tile,
    batch_tiles,
    conv_geometry,
    expect_same_dtype_device,
    expect_shape,
    loop_workers,
    run_tiles,
)

_OP = "modulated_deform_conv2d"


class DeformGeometry(NamedTuple):
    """Everything about a deformable convolution call except the tensors."""

    groups: int
    offset_groups: int
    kernel: tuple[int, int]
    conv: ConvGeometry


def deform_geometry(
    input: torch.Tensor,
    offset: torch.Tensor | None,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    mask: torch.Tensor | None,
    stride: int | tuple[int, int],
    padding: int | tuple[int, int],
    dilation: int | tuple[int, int],
) -> DeformGeometry:
    """Validate the arguments of `modulated_deform_conv2d` (shared with its reference)."""
    expect_shape(_OP, "input", input, "(B, Cin, H, W)", (None, None, None, None))
    expect_same_dtype_device(_OP, input=input, offset=offset, weight=weight, bias=bias, mask=mask)
    batch, in_channels, height, width = input.shape
    expect_shape(_OP, "weight", weight, "(Cout, Cin/groups, kh, kw)", (None, None, None, None))
    out_channels, group_in, kernel_h, kernel_w = weight.shape
    if in_channels % group_in or out_channels % (in_channels // group_in):
        raise ValueError(
            f"{_OP}: weight (Cout, Cin/groups, kh, kw) = {tuple(weight.shape)} does not split Cin = {in_channels} "
            "and Cout into equal groups"
        )
    conv = conv_geometry(_OP, (height, width), (kernel_h, kernel_w), stride, padding, dilation)
    taps = kernel_h * kernel_w
    out_h, out_w = conv.out_size
    if offset is not None:
        expect_shape(_OP, "offset", offset, "(B, 2·G·kh·kw, Ho, Wo)", (batch, None, out_h, out_w))
        if offset.shape[1] == 0 or offset.shape[1] % (2 * taps):
            raise ValueError(
                f"{_OP}: offset has {offset.shape[1]} channels; expected 2·G·kh·kw = a positive multiple of {2 * taps}"
            )
        offset_groups = offset.shape[1] // (2 * taps)
    elif mask is not None:
        offset_groups = max(1, mask.shape[1] // taps) if mask.dim() == 4 else 1
    else:
        offset_groups = 1
    if in_channels % offset_groups:
        raise ValueError(f"{_OP}: Cin = {in_channels} is not divisible by the {offset_groups} offset groups")
    if mask is not None:
        expect_shape(_OP, "mask", mask, "(B, G·kh·kw, Ho, Wo)", (batch, offset_groups * taps, out_h, out_w))
    if bias is not None:
        expect_shape(_OP, "bias", bias, "(Cout,)", (out_channels,))
    return DeformGeometry(in_channels // group_in, offset_groups, (kernel_h, kernel_w), conv)


def sampling_positions(offset: torch.Tensor, geometry: DeformGeometry) -> tuple[torch.Tensor, torch.Tensor]:
    """Absolute (y, x) sample coordinates, each (B, G, kh·kw, Ho, Wo), in input pixels."""
    (kernel_h, kernel_w), conv = geometry.kernel, geometry.conv
    (out_h, out_w), (stride_h, stride_w) = conv.out_size, conv.stride
    (pad_h, pad_w), (dil_h, dil_w) = conv.padding, conv.dilation
    arange = functools.partial(torch.arange, dtype=offset.dtype, device=offset.device)
    tap_y = (arange(kernel_h) * dil_h).repeat_interleave(kernel_w)  # (T,), row-major taps
    tap_x = (arange(kernel_w) * dil_w).repeat(kernel_h)  # (T,)
    base_y = tap_y[:, None, None] + (arange(out_h) * stride_h - pad_h)[None, :, None]  # (T, Ho, 1)
    base_x = tap_x[:, None, None] + (arange(out_w) * stride_w - pad_w)[None, None, :]  # (T, 1, Wo)
    delta = offset.view(offset.shape[0], geometry.offset_groups, kernel_h * kernel_w, 2, out_h, out_w)  # (B, G, T, 2, Ho, Wo)
    return base_y + delta[:, :, :, 0], base_x + delta[:, :, :, 1]


def _sampled_columns(x: torch.Tensor, offset: torch.Tensor, geometry: DeformGeometry) -> torch.Tensor:
    """Bilinearly sampled deformed columns, (b, G, Cin/G, T, Ho·Wo), via one ``F.grid_sample``."""
    batch, channels, height, width = x.shape
    groups = geometry.offset_groups
    taps = geometry.kernel[0] * geometry.kernel[1]
    out_pixels = geometry.conv.out_size[0] * geometry.conv.out_size[1]
    pos_y, pos_x = sampling_positions(offset, geometry)  # (b, G, T, Ho, Wo) each
    # grid_sample with align_corners=False reads input pixel p at the normalised coordinate (2p + 1)/n − 1.
    grid = torch.stack(((2 * pos_x + 1) / width - 1, (2 * pos_y + 1) / height - 1), dim=-1)  # (b, G, T, Ho, Wo, 2)
    sampled = F.grid_sample(
        x.reshape(batch * groups, channels // groups, height, width),  # (b·G, Cin/G, H, W)
        grid.view(batch * groups, taps, out_pixels, 2),  # (b·G, T, Ho·Wo, 2)
        mode="bilinear",
        padding_mode="zeros",
        align_corners=False,
    )  # (b·G, Cin/G, T, Ho·Wo)
    return sampled.view(batch, groups, channels // groups, taps, out_pixels)  # (b, G, Cin/G, T, L)


def _unfolded_columns(x: torch.Tensor, geometry: DeformGeometry) -> torch.Tensor:
    """Columns for zero offsets, (b, G, Cin/G, T, Ho·Wo), via ``F.unfold``."""
    batch, channels = x.shape[:2]
    conv = geometry.conv
    columns = F.unfold(x, geometry.kernel, dilation=conv.dilation, padding=conv.padding, stride=conv.stride)  # (b, Cin·T, L)
    groups = geometry.offset_groups
    return columns.view(batch, groups, channels // groups, geometry.kernel[0] * geometry.kernel[1], -1)  # (b, G, Cin/G, T, L)


def contract_columns(
    columns: torch.Tensor,
    mask: torch.Tensor | None,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    geometry: DeformGeometry,
) -> torch.Tensor:
    """Modulate columns (b, G, Cin/G, T, L) by the mask and apply the weight: (b, Cout, Ho, Wo)."""
    batch, offset_groups, _, taps, out_pixels = columns.shape
    if mask is not None:
        columns = columns * mask.reshape(batch, offset_groups, 1, taps, out_pixels)  # · (b, G, 1, T, L)
    groups = geometry.groups
    out_channels = weight.shape[0]
    grouped = columns.reshape(batch, groups, -1, out_pixels)  # (b, groups, Cin/groups·T, L)
    kernels = weight.reshape(groups, out_channels // groups, -1)  # (groups, Cout/groups, Cin/groups·T)
    out = torch.matmul(kernels, grouped).view(batch, out_channels, *geometry.conv.out_size)  # (b, Cout, Ho, Wo)
    return out if bias is None else out + bias.view(1, out_channels, 1, 1)  # + (1, Cout, 1, 1)


def _deform_chunk(
    x: torch.Tensor,
    offset: torch.Tensor | None,
    mask: torch.Tensor | None,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    *,
    geometry: DeformGeometry,
) -> torch.Tensor:
    """The whole operator on one batch chunk: columns (sampled, or unfolded for zero offsets), then contraction."""
    columns = _unfolded_columns(x, geometry) if offset is None else _sampled_columns(x, offset, geometry)
    return contract_columns(columns, mask, weight, bias, geometry)


def _tiles(input: torch.Tensor, geometry: DeformGeometry) -> tuple[list[Tile], int]:
    """Tiles of whole samples whose columns take about `COLUMN_CHUNK_BYTES`, and the workers that run them."""
    batch, in_channels = input.shape[:2]
    sample_columns = in_channels * geometry.kernel[0] * geometry.kernel[1] * geometry.conv.out_size[0] * geometry.conv.out_size[1]
    workers = loop_workers(batch * sample_columns)
    return batch_tiles(batch, sample_columns * input.element_size(), COLUMN_CHUNK_BYTES, workers), workers


Tensors = tuple[torch.Tensor | None, ...]
"""(input, offset, mask, weight, bias): the first three are split by sample, the last two shared."""


def _tile_inputs(tensors: Tensors, tile: Tile) -> list[torch.Tensor | None]:
    """The tile's samples of input, offset and mask, and the shared weight and bias."""
    return [None if t is None else t[tile.rows] for t in tensors[:3]] + list(tensors[3:])


def _macs(geometry: DeformGeometry, input: torch.Tensor, *, offset: torch.Tensor | None, mask: torch.Tensor | None, out: torch.Tensor) -> int:
    """The contraction (one MAC per output, input channel of its group and tap), plus per sampled value 4 for the
    bilinear corners (with offsets) and 1 for the modulation (with a mask): `dynsr.compute`."""
    taps = geometry.kernel[0] * geometry.kernel[1]
    sampled = input.shape[0] * input.shape[1] * out.shape[2] * out.shape[3] * taps
    per_sample = (4 if offset is not None else 0) + (1 if mask is not None else 0)
    return out.numel() * (input.shape[1] // geometry.groups) * taps + sampled * per_sample


class _DeformTiles(torch.autograd.Function):
    """`_deform_chunk` tile by tile on the serial workers; backward recomputes each tile (nothing but the inputs is kept)."""

    @staticmethod
    def forward(ctx: Any, geometry: DeformGeometry, *tensors: torch.Tensor | None) -> torch.Tensor:
        input, weight = tensors[0], tensors[3]
        out = input.new_empty(input.shape[0], weight.shape[0], *geometry.conv.out_size)  # (B, Cout, Ho, Wo)

        def compute(tile: Tile) -> None:
            out[tile.rows] = _deform_chunk(*_tile_inputs(tensors, tile), geometry=geometry)

        with own_count():
            run_tiles(compute, *_tiles(input, geometry))
        record_macs(_OP, _macs(geometry, input, offset=tensors[1], mask=tensors[2], out=out))
        ctx.geometry = geometry
        ctx.save_for_backward(*tensors)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad_out: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        tensors, needs = ctx.saved_tensors, ctx.needs_input_grad[1:]
        split_grads = [torch.empty_like(t) if need else None for t, need in zip(tensors[:3], needs[:3])]
        shared_parts: dict[int, list[torch.Tensor | None]] = {}  # per tile: its terms of the weight and bias grads

        def backpropagate(tile: Tile) -> None:
            with torch.enable_grad():
                leaves = [None if t is None else t.detach().requires_grad_(need) for t, need in zip(_tile_inputs(tensors, tile), needs)]
                out = _deform_chunk(*leaves, geometry=ctx.geometry)
                wanted = [t for t in leaves if t is not None and t.requires_grad]
                grads = iter(torch.autograd.grad(out, wanted, grad_out[tile.rows]))
            tile_grads = [next(grads) if t is not None and t.requires_grad else None for t in leaves]
            for split_grad, grad in zip(split_grads, tile_grads[:3]):
                if split_grad is not None:
                    split_grad[tile.rows] = grad
            shared_parts[tile.rows.start] = tile_grads[3:]

        run_tiles(backpropagate, *_tiles(tensors[0], ctx.geometry))
        shared_grads = [
            torch.stack([parts[i] for parts in shared_parts.values()]).sum(dim=0) if need else None
            for i, need in enumerate(needs[3:])
        ]
        return None, *split_grads, *shared_grads


def modulated_deform_conv2d(
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
    """Modulated deformable convolution (DCNv2), ``torchvision.ops.deform_conv2d`` layout; ArcSR §3.2.2–3.2.3.

    Args:
        input: (B, Cin, H, W).
        offset: (B, 2·G·kh·kw, Ho, Wo) sampling offsets, (Δy, Δx) interleaved per tap, or None for zero
            offsets (KGconv; the columns then come from ``F.unfold``, no interpolation).
        weight: (Cout, Cin/groups, kh, kw); groups = Cin / weight.shape[1].
        bias: optional (Cout,).
        mask: optional (B, G·kh·kw, Ho, Wo) per-tap modulation (DCNv2 mask; KGconv's kernel A_p with
            tap t = row-major (u, v)); None means all ones. G comes from `offset`, else from `mask`.
        stride, padding, dilation: as in ``nn.Conv2d`` (padding defaults to 0, as in torchvision).

    Returns:
        (B, Cout, Ho, Wo). Zero offsets with a unit mask equal ``F.conv2d(input, weight, bias, stride,
        padding, dilation, groups)``.
    """
    geometry = deform_geometry(input, offset, weight, bias, mask, stride, padding, dilation)
    return _DeformTiles.apply(geometry, input, offset, mask, weight, bias)  # (B, Cout, Ho, Wo)
