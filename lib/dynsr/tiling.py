"""Tiled super-resolution of large images: memory bounded by the tile, seamless results.

The LR image is cut into ``tile`` x ``tile`` blocks; each block is run with ``overlap`` pixels of
real image context on every side (less at the image border, where the model sees the true border
as it would untiled), and only the block's own part of the output is kept. When ``overlap`` covers
the network's receptive-field radius (in LR pixels), the result equals the untiled result up to
floating-point summation order; a smaller overlap trades exactness for memory. Peak memory is that
of one ``(tile + 2·overlap)²`` forward pass. Inputs that vary per pixel (a degradation map) are cut
with the same windows.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

__all__ = ["tiled_upscale"]


def _starts(length: int, tile: int) -> list[int]:
    return list(range(0, length, tile))


def tiled_upscale(
    forward: Callable[..., torch.Tensor], *inputs: torch.Tensor, scale: int, tile: int = 128, overlap: int = 16
) -> torch.Tensor:
    """Run ``forward(*inputs)`` tile by tile and assemble the ``scale``-times larger output.

    Args:
        forward: the model call; takes the cropped ``inputs`` (same order) and returns
            ``(B, C, scale·h, scale·w)`` for inputs of spatial size ``(h, w)``.
        inputs: tensors ``(B, *, H, W)`` sharing their last two dimensions (LR image, maps).
        scale: the upscaling factor of ``forward``.
        tile: LR tile size (memory is bounded by ``(tile + 2·overlap)²`` pixels per pass).
        overlap: LR context on each side of a tile; use at least the receptive-field radius.
    """
    if not inputs:
        raise ValueError("tiled_upscale needs at least one input tensor")
    if tile < 1 or overlap < 0:
        raise ValueError(f"tile must be >= 1 and overlap >= 0; got tile={tile}, overlap={overlap}")
    height, width = inputs[0].shape[-2:]
    if any(tensor.shape[-2:] != (height, width) for tensor in inputs):
        raise ValueError(f"all inputs must share their spatial size; got {[tuple(t.shape) for t in inputs]}")
    output: torch.Tensor | None = None
    for top in _starts(height, tile):
        for left in _starts(width, tile):
            bottom, right = min(top + tile, height), min(left + tile, width)
            top_ctx, left_ctx = max(top - overlap, 0), max(left - overlap, 0)
            bottom_ctx, right_ctx = min(bottom + overlap, height), min(right + overlap, width)
            crops = [tensor[..., top_ctx:bottom_ctx, left_ctx:right_ctx] for tensor in inputs]
            result = forward(*crops)  # (B, C, s·(bottom_ctx - top_ctx), s·(right_ctx - left_ctx))
            if output is None:
                output = result.new_empty(result.shape[:-2] + (scale * height, scale * width))  # (B, C, sH, sW)
            row0, col0 = scale * (top - top_ctx), scale * (left - left_ctx)
            block = result[..., row0 : row0 + scale * (bottom - top), col0 : col0 + scale * (right - left)]
            output[..., scale * top : scale * bottom, scale * left : scale * right] = block
    return output
