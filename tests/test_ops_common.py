"""Tiles of the tap loops and the serial worker threads that run them (`dynsr.ops._common`)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import torch

from dynsr.ops import per_pixel_conv2d
from dynsr.ops._common import SERIAL_ELEMENTS, TILES_PER_WORKER, Tile, batch_tiles, loop_workers, run_tiles, tap_tiles
from dynsr.ops.reference import per_pixel_conv2d_unfold


@pytest.fixture()
def two_threads() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize(
    "batch, height, sample_bytes, budget, radius, workers",
    [
        (16, 48, 600_000, 2**21, 2, 1),  # whole samples, several per tile
        (16, 48, 600_000, 2**21, 2, 2),  # split further for two workers
        (3, 50, 10**7, 2**21, 7, 1),  # a sample over the budget: row bands
        (1, 20, 1000, 2**21, 2, 2),  # one small sample, two workers: row bands
        (2, 9, 100, 1, 3, 2),  # the smallest tiles: bands of 2Δ rows
        (1, 3, 100, 1, 0, 1),  # k = 1: bands of one row
    ],
)
def test_tiles_cover_each_row_once_and_same_parity_bands_never_share_padded_rows(
    batch: int, height: int, sample_bytes: int, budget: int, radius: int, workers: int
) -> None:
    tiles = tap_tiles(batch, height, sample_bytes, budget, radius, workers)
    covered = torch.zeros(batch, height, dtype=torch.int64)
    for tile in tiles:
        covered[tile.rows, tile.band] += 1
    assert bool((covered == 1).all())
    for first in tiles:
        for second in tiles:
            same_samples = first.rows == second.rows and first is not second
            if same_samples and first.band_index % 2 == second.band_index % 2:
                # padded rows touched: [band.start, band.stop + 2Δ)
                assert first.band.stop + 2 * radius <= second.band.start or second.band.stop + 2 * radius <= first.band.start


def test_tiles_go_round_several_workers_and_respect_the_budget() -> None:
    tiles = tap_tiles(16, 48, 600_000, 2**21, 2, workers=2)
    assert len(tiles) >= TILES_PER_WORKER * 2
    assert all((tile.rows.stop - tile.rows.start) * 600_000 <= 2**21 for tile in tiles)
    assert len(tap_tiles(16, 48, 600_000, 2**21, 2, workers=1)) == 6  # 3 samples (1.8 MB) per tile


@pytest.mark.parametrize("batch, sample_bytes, budget, workers, sizes", [(16, 5, 16, 1, [3] * 5 + [1]), (16, 5, 16, 2, [2] * 8), (3, 10, 1, 2, [1] * 3)])
def test_batch_tiles_take_whole_samples(batch: int, sample_bytes: int, budget: int, workers: int, sizes: list[int]) -> None:
    tiles = batch_tiles(batch, sample_bytes, budget, workers)
    assert [tile.rows.stop - tile.rows.start for tile in tiles] == sizes
    assert tiles[0].rows.start == 0 and all(a.rows.stop == b.rows.start for a, b in zip(tiles, tiles[1:]))
    assert all(tile.band == slice(None) for tile in tiles)


def test_workers_run_single_threaded_and_the_thread_count_is_kept(two_threads: None) -> None:
    seen: list[tuple[str, int, bool]] = []
    tiles = [Tile(slice(b, b + 1), slice(0, 1), 0) for b in range(8)]
    run_tiles(lambda tile: seen.append((threading.current_thread().name, torch.get_num_threads(), torch.is_grad_enabled())), tiles, 2)
    assert len(seen) == 8
    assert all(name.startswith("dynsr-ops") and threads == 1 and not grad for name, threads, grad in seen)
    assert torch.get_num_threads() == 2
    started_later: list[int] = []
    thread = threading.Thread(target=lambda: started_later.append(torch.get_num_threads()))
    thread.start()
    thread.join()
    assert started_later == [2]


def test_one_worker_runs_inline() -> None:
    names: list[str] = []
    run_tiles(lambda tile: names.append(threading.current_thread().name), [Tile(slice(0, 1), slice(0, 1), 0)] * 3, 1)
    assert names == [threading.current_thread().name] * 3


def test_small_loops_run_inline_and_large_ones_on_torch_threads(two_threads: None) -> None:
    assert loop_workers(SERIAL_ELEMENTS) == 1
    assert loop_workers(SERIAL_ELEMENTS + 1) == 2


def test_inference_mode_on_workers(two_threads: None) -> None:
    torch.manual_seed(0)
    x, kernels = torch.randn(4, 3, 60, 50), torch.randn(4, 9, 60, 50)  # above SERIAL_ELEMENTS: on the workers
    with torch.inference_mode():
        out = per_pixel_conv2d(x, kernels)
    torch.testing.assert_close(out, per_pixel_conv2d_unfold(x, kernels))


def test_worker_errors_reach_the_caller(two_threads: None) -> None:
    def fail(tile: Tile) -> None:
        raise RuntimeError(f"tile {tile.rows.start}")

    with pytest.raises(RuntimeError, match="tile"):
        run_tiles(fail, [Tile(slice(0, 1), slice(0, 1), 0)], 2)
