"""Tiled super-resolution of large images: memory bounded by the tile, seamless results.

The LR image is cut into ``tile`` x ``tile`` blocks; each block is run with ``overlap`` pixels of
real image context on every side (less at the image border, where the model sees the true border
as it would untiled), and only the block's own part of the output is kept. When ``overlap`` covers
the network's receptive-field radius (in LR pixels), the result equals the untiled result up to
floating-point summation order; a smaller overlap trades exactness for memory. Peak memory is that
of one ``(tile + 2·overlap)²`` forward pass. Inputs that vary per pixel (a degradation map) are cut
with the same windows; they may be torch tensors or numpy arrays (``forward`` converts its crops).

The default tile (:func:`choose_tile`) makes the overlap cost at most 25 % extra work,
``((t + 2r) / t)² <= 1.25``, i.e. ``t = ⌈2r / (√1.25 − 1)⌉ ≈ 16.9 r`` for an overlap ``r`` (at least
:data:`MIN_DEFAULT_TILE`, 128, so that the fixed cost of a pass stays small: it matters for models with
``r < 8`` only, e.g. bicubic), but no larger than lets one pass hold at most :data:`PASS_MEMORY_BUDGET`
(2 GiB) of tensors; an image smaller than the tile is one tile. A pass's tensor memory is measured by two small probe passes (:func:`pass_memory`);
on the CPU the peak resident memory of a pass is about 1.5 times its tensors (allocator, convolution workspaces).
"""

from __future__ import annotations

import math
import warnings
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch.utils._python_dispatch import TorchDispatchMode
from tqdm.auto import tqdm

__all__ = [
    "PASS_MEMORY_BUDGET", "OVERLAP_COST", "MIN_DEFAULT_TILE", "PROBE_SIDE", "SlowTilingWarning", "Window", "tile_windows", "tiled_blocks", "tiled_upscale",
    "default_tile", "pass_memory", "choose_tile",
]

PASS_MEMORY_BUDGET = 2 * 2**30  # bytes of tensors one default-tile pass may hold
OVERLAP_COST = 1.25  # the largest work of a default tile with its overlap, relative to its own pixels
MIN_DEFAULT_TILE = 128  # smaller default tiles would spend more on each pass's fixed cost than the overlap saves (bicubic: 9x)
PROBE_SIDE = 16  # LR side of the smaller memory probe pass; the larger one is twice as large


class SlowTilingWarning(UserWarning):
    """A tile smaller than its overlap: most of each pass recomputes the neighbours' pixels."""


@dataclass(frozen=True)
class Window:
    """One tile: its own LR rows ``[top, bottom)`` and columns ``[left, right)``, run on the context window around them."""

    top: int
    bottom: int
    left: int
    right: int
    context_top: int
    context_bottom: int
    context_left: int
    context_right: int

    def crop(self, array: Any) -> Any:
        """The context window of an array ``(..., H, W)`` (a tensor or a numpy array; a view)."""
        return array[..., self.context_top : self.context_bottom, self.context_left : self.context_right]

    def own_part(self, result: torch.Tensor, scale: int) -> torch.Tensor:
        """The tile's own part of the output of its context window (a view)."""
        top, left = scale * (self.top - self.context_top), scale * (self.left - self.context_left)
        return result[..., top : top + scale * (self.bottom - self.top), left : left + scale * (self.right - self.left)]

    def output_slices(self, scale: int) -> tuple[slice, slice]:
        """Where the tile's own part goes in the ``scale``-times larger output (rows, columns)."""
        return slice(scale * self.top, scale * self.bottom), slice(scale * self.left, scale * self.right)


def tile_windows(height: int, width: int, *, tile: int, overlap: int) -> list[Window]:
    """The tiles of an ``height`` x ``width`` image, row by row; one tile when ``tile`` covers the image."""
    if tile < 1 or overlap < 0:
        raise ValueError(f"tile must be >= 1 and overlap >= 0; got tile={tile}, overlap={overlap}")
    return [
        Window(top, min(top + tile, height), left, min(left + tile, width),
               max(top - overlap, 0), min(top + tile + overlap, height), max(left - overlap, 0), min(left + tile + overlap, width))
        for top in range(0, height, tile)
        for left in range(0, width, tile)
    ]


def tiled_blocks(
    forward: Callable[..., torch.Tensor], *inputs: Any, scale: int, tile: int, overlap: int, progress: bool = False, description: str | None = None
) -> Iterator[tuple[Window, torch.Tensor]]:
    """Run ``forward`` on each tile's context window of ``inputs``, lazily; yields (tile, its own output block).

    Args:
        forward: the model call; takes the cropped ``inputs`` (same order) and returns
            ``(B, C, scale·h, scale·w)`` for inputs of spatial size ``(h, w)``.
        inputs: arrays ``(*, H, W)`` sharing their last two dimensions (LR image, maps).
        scale: the upscaling factor of ``forward``.
        tile: LR tile size (memory is bounded by ``(tile + 2·overlap)²`` pixels per pass).
        overlap: LR context on each side of a tile; use at least the receptive-field radius.
        progress: show a progress bar over the tiles (``tqdm.auto``: a widget in Jupyter).
        description: the bar's label (e.g. the image's name).

    Checks the inputs at once, and warns :class:`SlowTilingWarning` when the image takes several tiles smaller than the overlap.
    """
    if not inputs:
        raise ValueError("tiled inference needs at least one input array")
    height, width = inputs[0].shape[-2:]
    if any(array.shape[-2:] != (height, width) for array in inputs):
        raise ValueError(f"all inputs must share their spatial size; got {[tuple(array.shape) for array in inputs]}")
    windows = tile_windows(height, width, tile=tile, overlap=overlap)
    if tile < overlap and len(windows) > 1:
        work = ((tile + 2 * overlap) / tile) ** 2
        warnings.warn(
            f"tile {tile} is smaller than the overlap {overlap} (the model's receptive radius): each pass computes up to {work:.0f}x "
            f"the pixels it keeps; a larger tile is faster (the default is chosen per model)", SlowTilingWarning, stacklevel=2,
        )
    bar = tqdm(windows, disable=not progress, desc=description, unit="tile")
    return ((window, window.own_part(forward(*(window.crop(array) for array in inputs)), scale)) for window in bar)


def tiled_upscale(forward: Callable[..., torch.Tensor], *inputs: torch.Tensor, scale: int, tile: int, overlap: int) -> torch.Tensor:
    """Run ``forward(*inputs)`` tile by tile (:func:`tiled_blocks`) and assemble the ``scale``-times larger output tensor."""
    blocks = tiled_blocks(forward, *inputs, scale=scale, tile=tile, overlap=overlap)
    height, width = inputs[0].shape[-2:]
    output: torch.Tensor | None = None
    for window, block in blocks:
        if output is None:
            output = block.new_empty(block.shape[:-2] + (scale * height, scale * width))  # (B, C, sH, sW)
        output[(..., *window.output_slices(scale))] = block
    return output


class _TensorMemory(TorchDispatchMode):
    """Counts the bytes of the tensor storages that ops allocate and that are alive; keeps the peak."""

    def __init__(self) -> None:
        super().__init__()
        self.live = self.peak = 0
        self._seen: set[int] = set()

    def __torch_dispatch__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        result = func(*args, **(kwargs or {}))
        for tensor in result if isinstance(result, (tuple, list)) else (result,):
            if isinstance(tensor, torch.Tensor):
                self._count(tensor.untyped_storage())
        return result

    def _count(self, storage: torch.UntypedStorage) -> None:
        key, size = storage.data_ptr(), storage.nbytes()
        if size and key not in self._seen:  # views and in-place results share a storage already counted
            self._seen.add(key)
            self.live += size
            self.peak = max(self.peak, self.live)
            weakref.finalize(storage, self._free, key, size)  # torch keeps one Python object per storage while it lives

    def _free(self, key: int, size: int) -> None:
        self._seen.discard(key)
        self.live -= size


def _peak_tensor_bytes(forward: Callable[..., torch.Tensor], *crops: Any) -> int:
    with torch.no_grad(), _TensorMemory() as memory:
        forward(*crops)
    return memory.peak


def pass_memory(forward: Callable[..., torch.Tensor], *inputs: Any) -> tuple[float, float]:
    """(fixed bytes, bytes per LR pixel) of the tensors of one pass of ``forward``, fitted as ``fixed + per_pixel · pixels`` to the
    peaks of two probe passes, ``PROBE_SIDE``² and ``(2·PROBE_SIDE)``²; their inputs repeat the first pixel of each of ``inputs``
    (views: content does not change the memory of a pass), so the result does not depend on the image's size."""
    sides = (PROBE_SIDE, 2 * PROBE_SIDE)
    small, large = (_peak_tensor_bytes(forward, *(_probe(array, side) for array in inputs)) for side in sides)
    per_pixel = max(large - small, 0) / (sides[1] ** 2 - sides[0] ** 2)
    return max(small - per_pixel * sides[0] ** 2, 0.0), per_pixel


def _probe(array: Any, side: int) -> Any:
    """``array`` (*, H, W)'s first pixel repeated to (*, side, side), a view (numpy array or tensor)."""
    corner = array[..., :1, :1]
    return corner.expand(*corner.shape[:-2], side, side) if isinstance(corner, torch.Tensor) else np.broadcast_to(corner, corner.shape[:-2] + (side, side))


def default_tile(overlap: int, *, bytes_per_pixel: float, fixed_bytes: float = 0.0, budget: int = PASS_MEMORY_BUDGET) -> int:
    """The default tile for an ``overlap``: the smallest whose overlap costs at most ``OVERLAP_COST`` times its own work,
    ``((t + 2·overlap) / t)² <= OVERLAP_COST``, and at least ``MIN_DEFAULT_TILE``; capped so that a pass,
    ``fixed_bytes + bytes_per_pixel · (t + 2·overlap)²``, fits ``budget`` (at least 1). No overlap: the cap."""
    by_memory = math.isqrt(int(max(budget - fixed_bytes, 0.0) / max(bytes_per_pixel, 1.0))) - 2 * overlap
    by_work = max(math.ceil(2 * overlap / (math.sqrt(OVERLAP_COST) - 1)), MIN_DEFAULT_TILE) if overlap else by_memory  # no overlap: no extra work
    return max(1, min(by_work, by_memory))


def choose_tile(
    forward: Callable[..., torch.Tensor], *inputs: Any, overlap: int, budget: int = PASS_MEMORY_BUDGET, memory: tuple[float, float] | None = None
) -> int:
    """The default tile of ``forward`` with ``overlap``: :func:`default_tile` with the memory :func:`pass_memory` measures
    (two small probe passes), or ``memory`` (its earlier result for the same ``forward`` and kind of input: it does not depend on
    the image); a smaller image is one tile.

    Where that tile is smaller than the overlap (a deep model whose receptive radius is large against the budget: DMSR's
    100 RCABs at ×3/×4, ArcSR), each pass would mostly recompute its neighbours' pixels; if the whole image (``inputs[0]``,
    (*, H, W)) fits the budget in one pass, the tile is then the image (one exact pass) instead."""
    fixed, per_pixel = pass_memory(forward, *inputs) if memory is None else memory
    tile = default_tile(overlap, bytes_per_pixel=per_pixel, fixed_bytes=fixed, budget=budget)
    height, width = inputs[0].shape[-2:]
    if tile < overlap and fixed + per_pixel * height * width <= budget:
        return max(height, width)
    return tile
