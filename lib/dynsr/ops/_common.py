"""Helpers shared by the dynamic-convolution operators of `dynsr.ops`.

Everything that more than one operator needs lives here exactly once: the tap convention (which
offset each entry of a k² tap axis stands for), zero padding and shifted windows for the
shift-and-accumulate loops, the tiles that keep those loops cache-resident (or, for the deformable
convolution, bound its columns) and the serial worker threads that run them, and shape checks whose
error messages name the expected shape.

Why the tap loops run on serial worker threads. A tap loop issues k² small in-cache operations per
tile. With torch's intra-op threads each of them is an OpenMP parallel region that ends in a barrier;
when another process keeps a core busy, the thread scheduled there makes every barrier wait for a time
slice (milliseconds), and hundreds of regions turned the 30 ms of `per_pixel_conv2d` (B16, C64, 48²,
k5, forward + backward, 2 threads) into 3.1 s, against 0.52 s for the naive unfold, whose few regions
are large. So the tap loops never use intra-op parallelism. At one torch thread, or when the loop is
so small that torch would run each operation on the calling thread anyway (`SERIAL_ELEMENTS`), they
run inline; at N > 1 threads the tiles go to N Python worker threads whose torch ops are
single-threaded (torch releases the GIL inside each op), each free worker taking the next tile. That
is one join per loop instead of one barrier per operation, and a worker on a busy core only delays the
tile it holds. ``benchmarks/ops.py`` measures both with and without a busy core.

Tap convention, used by every operator in `dynsr.ops`: a k×k window (k odd, Δ = k // 2) has k² taps
enumerated row-major over the offset (dy, dx) ∈ {−Δ..Δ}², i.e. tap ``t = (dy + Δ)·k + (dx + Δ)``.
This is the order of ``F.unfold`` and of the k×k window of an ``nn.Conv2d`` weight, and a tap reads
the input at ``(i + dy, j + dx)`` (cross-correlation order).
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import NamedTuple

import torch
import torch.nn.functional as F

TAP_LOOP_CHUNK_BYTES = 2 * 2**20
"""Target size of one tile of a tap loop (about one core's L2): its k² passes then stay in cache.

Measured on the 2-core AMD EPYC dev machine: 2–4 MiB is the sweet spot for C = 64 at 48² and for the
DMSR 15×15 case; whole-batch passes (no chunking) are about 2× slower.
"""

SERIAL_ELEMENTS = 32768
"""torch runs an elementwise operation on at most this many elements on the calling thread, without
opening a parallel region (``at::internal::GRAIN_SIZE``). A loop whose tensors are no larger runs
inline: handing it to worker threads would only add thread wake-ups (milliseconds on a loaded machine)."""

TILES_PER_WORKER = 4
"""With several workers, split the batch into at least this many tiles per worker (when it has that
many samples) so that the others take over the tiles of a worker stuck on a busy core."""

COLUMN_CHUNK_BYTES = 16 * 2**20
"""Target size of the im2col-style columns of one tile of whole samples (deformable convolution)."""


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


class Tile(NamedTuple):
    """The unit of work of a loop on the serial workers: a batch slice × a band of output rows."""

    rows: slice
    band: slice
    band_index: int
    """Position of the band in the sample. Bands are at least 2Δ rows tall, so two tiles whose band indices
    have the same parity never touch the same rows of a `pad_spatial(…, Δ)` buffer."""


def _samples_per_tile(batch: int, sample_bytes: int, budget: int, workers: int) -> int:
    """As many samples as fit `budget` (at least one), and with `workers` > 1 few enough that each worker
    gets `TILES_PER_WORKER` tiles where the batch allows."""
    share = batch if workers == 1 else math.ceil(batch / (TILES_PER_WORKER * workers))
    return max(1, min(budget // max(1, sample_bytes), share))


def tap_tiles(batch: int, height: int, sample_bytes: int, budget: int, radius: int, workers: int) -> list[Tile]:
    """Tiles of about `budget` bytes for a tap loop over `batch` samples of `sample_bytes` and `height` rows.

    Whole samples when they fit (`_samples_per_tile`); a sample over the budget, or a batch too small to
    go round the workers, is cut into bands of output rows (at least max(1, 2·radius) tall).
    """
    rows = _samples_per_tile(batch, sample_bytes, budget, workers)
    bands = 1
    if rows == 1:
        bands = max(math.ceil(sample_bytes / budget), math.ceil(TILES_PER_WORKER * workers / batch) if workers > 1 else 1)
    band_height = min(height, max(1, 2 * radius, math.ceil(height / bands)))
    return [
        Tile(slice(start, min(start + rows, batch)), slice(top, min(top + band_height, height)), index)
        for start in range(0, batch, rows)
        for index, top in enumerate(range(0, height, band_height))
    ]


def batch_tiles(batch: int, sample_bytes: int, budget: int, workers: int) -> list[Tile]:
    """Tiles of whole samples (every row) of about `budget` bytes (`_samples_per_tile`)."""
    rows = _samples_per_tile(batch, sample_bytes, budget, workers)
    return [Tile(slice(start, min(start + rows, batch)), slice(None), 0) for start in range(0, batch, rows)]


def tile_of(tensor: torch.Tensor, tile: Tile) -> torch.Tensor:
    """The part of a (B, ..., H, W) tensor that `tile` covers (a view)."""
    return tensor[tile.rows, ..., tile.band, :]


def padded_tile(padded: torch.Tensor, tile: Tile, radius: int) -> torch.Tensor:
    """The rows of a `pad_spatial(…, radius)` tensor that `tile`'s windows read (a view; `window` it with the band's height)."""
    return padded[tile.rows, ..., tile.band.start : tile.band.stop + 2 * radius, :]


_pool_lock = threading.Lock()
_pools: dict[int, ThreadPoolExecutor] = {}


def _make_thread_serial() -> None:
    """Initializer of a pool thread: its torch ops run without intra-op threads from now on.

    ``torch.get_num_threads()`` runs torch's lazy per-thread setup first, which would otherwise reset the
    count at the thread's first parallel operation. The OpenMP thread count is per thread.
    """
    torch.get_num_threads()
    torch.set_num_threads(1)


def _forget_pools() -> None:
    """After fork: the pool threads do not exist in the child."""
    global _pool_lock
    _pool_lock = threading.Lock()
    _pools.clear()


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_forget_pools)


def serial_pool(workers: int) -> ThreadPoolExecutor:
    """The process's pool of `workers` single-threaded torch worker threads, started on first use."""
    with _pool_lock:
        pool = _pools.get(workers)
        if pool is None:
            pool = ThreadPoolExecutor(workers, thread_name_prefix="dynsr-ops", initializer=_make_thread_serial)
            started = threading.Barrier(workers)
            for future in [pool.submit(started.wait) for _ in range(workers)]:
                future.result()  # every thread exists and is serial
            # torch.set_num_threads(1) in the workers also set torch's process-wide count for threads
            # started later (and cleared its oneDNN cache): restore the count, once per pool
            torch.set_num_threads(workers)
            _pools[workers] = pool
        return pool


def loop_workers(elements: int) -> int:
    """Worker threads for a loop whose largest tensor has `elements` elements: 1 (inline) if
    `SERIAL_ELEMENTS` or fewer, else ``torch.get_num_threads()``."""
    return 1 if elements <= SERIAL_ELEMENTS else torch.get_num_threads()


def _run_tile(work: Callable[[Tile], None], tile: Tile, inference: bool) -> None:
    """`work(tile)` on a pool thread, under the caller's inference mode and without autograd."""
    with torch.inference_mode(inference), torch.no_grad():
        work(tile)


def run_tiles(work: Callable[[Tile], None], tiles: Sequence[Tile], workers: int, *, by_parity: bool = False) -> None:
    """Call `work` on every tile without intra-op parallelism (see the module docstring).

    `workers` 1 (see `loop_workers`): inline, on the calling thread; else on `serial_pool(workers)`,
    each free worker taking the next tile. `by_parity`: run the tiles of even bands, then those of odd
    bands (`Tile.band_index`), for `work` that scatters into the halo rows of a padded buffer.
    """
    if workers == 1:
        for tile in tiles:
            work(tile)
        return
    pool, inference = serial_pool(workers), torch.is_inference_mode_enabled()
    phases = [[t for t in tiles if t.band_index % 2 == parity] for parity in (0, 1)] if by_parity else [list(tiles)]
    for phase in phases:
        done, _ = wait([pool.submit(_run_tile, work, tile, inference) for tile in phase])
        for future in done:
            future.result()  # re-raises a worker's exception


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
