"""Tiled inference equals untiled inference when the overlap covers the receptive field."""

from __future__ import annotations

import pytest
import torch

from dynsr.models.srmd import SRMD
from dynsr.tiling import tiled_upscale


@pytest.fixture(scope="module")
def model() -> SRMD:
    torch.manual_seed(0)
    return SRMD(scale=2, channels=8).eval()  # 12 3x3 layers: receptive-field radius 12 LR pixels


@pytest.mark.parametrize(("tile", "overlap"), [(7, 12), (16, 12), (10, 20)])
def test_seamless_when_overlap_covers_the_receptive_field(model: SRMD, tile: int, overlap: int) -> None:
    lr, maps = torch.rand(1, 3, 23, 30), torch.rand(1, 16, 23, 30)
    with torch.no_grad():
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
        tiled_upscale(model, torch.rand(1, 3, 8, 8), torch.rand(1, 16, 8, 9), scale=2)
    with pytest.raises(ValueError, match="tile must be"):
        tiled_upscale(model, torch.rand(1, 3, 8, 8), scale=2, tile=0)
