"""Tiled inference equals untiled inference when the overlap covers the receptive field; the default tile; warnings; the bar."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

from dynsr.models.srmd import SRMD
from dynsr.tiling import MIN_DEFAULT_TILE, PASS_MEMORY_BUDGET, SlowTilingWarning, choose_tile, default_tile, pass_memory, tiled_blocks, tiled_upscale


@pytest.fixture(scope="module")
def model() -> SRMD:
    torch.manual_seed(0)
    return SRMD(scale=2, channels=8).eval()  # 12 3x3 layers: receptive-field radius 12 LR pixels


@pytest.mark.parametrize(("tile", "overlap"), [(7, 12), (16, 12), (10, 20)])
def test_seamless_when_overlap_covers_the_receptive_field(model: SRMD, tile: int, overlap: int) -> None:
    lr, maps = torch.rand(1, 3, 23, 30), torch.rand(1, 16, 23, 30)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", SlowTilingWarning)  # tile 7 < overlap 12: slow, still exact
        full = model(lr, maps)
        tiled = tiled_upscale(model, lr, maps, scale=2, tile=tile, overlap=overlap)
    assert tiled.shape == full.shape == (1, 3, 46, 60)
    assert (tiled - full).abs().max().item() <= 1e-5


def test_too_small_overlap_shows_seams(model: SRMD) -> None:
    lr, maps = torch.rand(1, 3, 23, 30), torch.rand(1, 16, 23, 30)
    with torch.no_grad():
        difference = (tiled_upscale(model, lr, maps, scale=2, tile=8, overlap=2) - model(lr, maps)).abs().max().item()
    assert difference > 1e-4


def test_rejects_mismatched_inputs(model: SRMD) -> None:
    with pytest.raises(ValueError, match="share their spatial size"):
        tiled_upscale(model, torch.rand(1, 3, 8, 8), torch.rand(1, 16, 8, 9), scale=2, tile=4, overlap=2)
    with pytest.raises(ValueError, match="tile must be"):
        tiled_upscale(model, torch.rand(1, 3, 8, 8), scale=2, tile=0, overlap=2)


def _work(tile: int, overlap: int) -> float:
    """Pixels computed for an interior tile with its overlap, relative to its own pixels."""
    return ((tile + 2 * overlap) / tile) ** 2


@pytest.mark.parametrize("overlap", [8, 12, 47, 110])
def test_default_tile_is_the_smallest_whose_overlap_costs_at_most_a_quarter(overlap: int) -> None:
    tile = default_tile(overlap, bytes_per_pixel=1.0)  # memory is no limit here
    assert _work(tile, overlap) <= 1.25 < _work(tile - 1, overlap)
    assert tile == math.ceil(2 * overlap / (math.sqrt(1.25) - 1))  # ≈ 16.9 r
    assert default_tile(12, bytes_per_pixel=1000.0) == 204  # SRMD's radius; its passes are far from the budget


@pytest.mark.parametrize("overlap", [1, 2, 7])
def test_small_overlaps_get_the_smallest_default_tile(overlap: int) -> None:
    assert math.ceil(2 * overlap / (math.sqrt(1.25) - 1)) < MIN_DEFAULT_TILE == default_tile(overlap, bytes_per_pixel=1.0) == 128
    assert default_tile(overlap, bytes_per_pixel=1e6) < MIN_DEFAULT_TILE  # the memory budget still caps it


@pytest.mark.parametrize(("overlap", "per_pixel", "fixed"), [(110, 8716.0, 8e6), (47, 22716.0, 0.0), (0, 1240.0, 0.0), (12, 2e5, 1e9)])
def test_default_tile_is_capped_by_the_memory_budget(overlap: int, per_pixel: float, fixed: float) -> None:
    tile = default_tile(overlap, bytes_per_pixel=per_pixel, fixed_bytes=fixed)
    memory = lambda side: fixed + per_pixel * (side + 2 * overlap) ** 2  # noqa: E731
    assert memory(tile) <= PASS_MEMORY_BUDGET < memory(tile + 1)
    assert overlap == 0 or _work(tile, overlap) > 1.25  # the budget, not the overlap rule, sets these
    assert default_tile(overlap, bytes_per_pixel=per_pixel, fixed_bytes=fixed, budget=2**50) > tile


def test_default_tile_is_at_least_one() -> None:
    assert default_tile(12, bytes_per_pixel=1e9) == 1  # even one pixel's pass is over the budget


def _two_allocations(crop: torch.Tensor) -> torch.Tensor:
    """A pass that holds 4 fixed float32 (16 bytes) and, at its peak, two (1, 12, h, w) float32 tensors (96 bytes per pixel)."""
    constant = torch.zeros(4)
    repeated = crop.repeat(1, 4, 1, 1)  # (1, 12, h, w)
    return repeated + constant.sum()


def test_pass_memory_counts_the_tensors_of_a_pass() -> None:
    fixed, per_pixel = pass_memory(_two_allocations, torch.rand(1, 3, 100, 7))
    assert per_pixel == pytest.approx(96.0) and fixed == 16.0 + 4.0  # zeros(4) and its sum
    assert choose_tile(_two_allocations, torch.rand(1, 3, 5, 5), overlap=3) == default_tile(3, bytes_per_pixel=per_pixel, fixed_bytes=fixed)
    assert choose_tile(_two_allocations, torch.rand(1, 3, 5, 5), overlap=3, budget=20 + 96 * 40**2) == 40 - 6  # the image's size plays no part


def test_warns_when_tiles_are_smaller_than_the_overlap(model: SRMD) -> None:
    lr, maps = torch.rand(1, 3, 20, 20), torch.rand(1, 16, 20, 20)
    with torch.no_grad():
        with pytest.warns(SlowTilingWarning, match=r"tile 4 is smaller than the overlap 12 .* up to 49x"):
            tiled_upscale(model, lr, maps, scale=2, tile=4, overlap=12)
        with warnings.catch_warnings():
            warnings.simplefilter("error", SlowTilingWarning)
            tiled_upscale(model, lr, maps, scale=2, tile=12, overlap=12)  # not smaller
            tiled_upscale(model, lr[..., :4, :4], maps[..., :4, :4], scale=2, tile=4, overlap=12)  # one tile: no overlap computed


@pytest.mark.parametrize("progress", [True, False])
def test_progress_bar_over_tiles_only_when_asked(model: SRMD, progress: bool, capsys: pytest.CaptureFixture[str]) -> None:
    lr, maps = np.random.default_rng(0).random((3, 9, 9)), np.random.default_rng(1).random((16, 9, 9))
    forward = lambda crop, crop_maps: model(torch.from_numpy(crop).float()[None], torch.from_numpy(crop_maps).float()[None])  # noqa: E731
    with torch.no_grad():
        blocks = list(tiled_blocks(forward, lr, maps, scale=2, tile=5, overlap=4, progress=progress, description="photo.png"))
    assert [(window.top, window.left) for window, _ in blocks] == [(0, 0), (0, 5), (5, 0), (5, 5)]
    assert [tuple(block.shape) for _, block in blocks] == [(1, 3, 10, 10), (1, 3, 10, 8), (1, 3, 8, 10), (1, 3, 8, 8)]
    bar = capsys.readouterr().err
    assert ("photo.png" in bar and "4/4" in bar) if progress else bar == ""


def test_a_tile_below_the_overlap_becomes_the_whole_image_when_one_pass_fits() -> None:
    """A deep model (receptive radius far above what the budget leaves per pass) runs a small image in one exact pass."""
    def forward(image: torch.Tensor) -> torch.Tensor:  # about 12 kB of tensors per pixel
        return torch.as_tensor(image, dtype=torch.float32).repeat(1000, 1, 1)

    budget = 50 * 2**20
    small, large = np.zeros((3, 40, 50), np.float32), np.zeros((3, 80, 80), np.float32)
    assert default_tile(100, bytes_per_pixel=12_000.0, budget=budget) == 1  # the rule alone: hopeless tiles
    assert choose_tile(forward, small, overlap=100, budget=budget) == 50  # 2,000 pixels fit: one pass
    assert choose_tile(forward, large, overlap=100, budget=budget) == 1  # 6,400 do not: the budget holds
    fixed, per_pixel = pass_memory(forward, small)
    rule = default_tile(2, bytes_per_pixel=per_pixel, fixed_bytes=fixed, budget=budget)
    assert rule > 2 and choose_tile(forward, small, overlap=2, budget=budget) == rule  # a tile above the overlap is kept as the rule gives it
