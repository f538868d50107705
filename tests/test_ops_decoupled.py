"""Decoupled dynamic filter (GLDFN Eq. 5) against an explicit loop and its special cases."""

from __future__ import annotations


import math
from collections.abc import Iterator

import numpy as np
import pytest
import torch

from dynsr.ops import decoupled_dynamic_filter, per_pixel_conv2d, per_sample_depthwise_conv2d
from dynsr.ops import decoupled as decoupled_module
from dynsr.ops import _common as ops_common
from dynsr.ops.reference import decoupled_dynamic_filter_unfold

F64 = torch.float64


TILINGS = ["default-tiles", "smallest-tiles", "smallest-tiles-two-workers"]


@pytest.fixture(params=TILINGS)
def tiling(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run a test with the default tiles, with the smallest ones (one sample, the thinnest row bands), and
    with the smallest ones on two serial worker threads (torch at two threads, even for tiny tensors)."""
    if request.param != "default-tiles":
        monkeypatch.setattr(decoupled_module, "TAP_LOOP_CHUNK_BYTES", 1)
    threads = torch.get_num_threads()
    if request.param == "smallest-tiles-two-workers":
        monkeypatch.setattr(ops_common, "SERIAL_ELEMENTS", 0)
        torch.set_num_threads(2)
    yield
    torch.set_num_threads(threads)


def loop_ddf(x: torch.Tensor, spatial: torch.Tensor, channel: torch.Tensor) -> torch.Tensor:
    """out[b,c,i,j] = Σ_{u,v} spatial[b,t,i,j]·channel[b,c,t]·x[b,c,i+u−Δ,j+v−Δ], t = u·k+v, zeros outside."""
    xs, sp, ch = x.numpy(), spatial.numpy(), channel.numpy()
    batch, channels, height, width = xs.shape
    size = math.isqrt(sp.shape[1])
    radius = size // 2
    out = np.zeros_like(xs)
    for b in range(batch):
        for c in range(channels):
            for i in range(height):
                for j in range(width):
                    for u in range(size):
                        for v in range(size):
                            y, z = i + u - radius, j + v - radius
                            if 0 <= y < height and 0 <= z < width:
                                tap = u * size + v
                                out[b, c, i, j] += sp[b, tap, i, j] * ch[b, c, tap] * xs[b, c, y, z]
    return torch.from_numpy(out)


def random_ddf(
    batch: int, channels: int, height: int, width: int, size: int, grad: bool = False
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    x = torch.randn(batch, channels, height, width, dtype=F64, requires_grad=grad)
    spatial = torch.randn(batch, size * size, height, width, dtype=F64, requires_grad=grad)
    channel = torch.randn(batch, channels, size * size, dtype=F64, requires_grad=grad)
    return x, spatial, channel


@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("size", [1, 3, 5])
@pytest.mark.parametrize("height, width", [(5, 5), (4, 6)])
def test_matches_loop(tiling: None, batch: int, size: int, height: int, width: int) -> None:
    torch.manual_seed(size + 10 * batch)
    args = random_ddf(batch, 3, height, width, size)
    expected = loop_ddf(*args)
    torch.testing.assert_close(decoupled_dynamic_filter(*args), expected)
    torch.testing.assert_close(decoupled_dynamic_filter_unfold(*args), expected)


def test_channel_filter_of_ones_is_per_pixel_conv() -> None:
    torch.manual_seed(1)
    x, spatial, _ = random_ddf(2, 3, 5, 6, 3)
    ones = torch.ones(2, 3, 9, dtype=F64)
    torch.testing.assert_close(decoupled_dynamic_filter(x, spatial, ones), per_pixel_conv2d(x, spatial))


def test_spatial_filter_of_ones_is_per_sample_depthwise_conv() -> None:
    torch.manual_seed(2)
    x, _, channel = random_ddf(2, 3, 5, 6, 5)
    ones = torch.ones(2, 25, 5, 6, dtype=F64)
    expected = per_sample_depthwise_conv2d(x, channel.view(2, 3, 5, 5))
    torch.testing.assert_close(decoupled_dynamic_filter(x, ones, channel), expected)


@pytest.mark.parametrize("size", [1, 3, 5])
def test_gradcheck(tiling: None, size: int) -> None:
    torch.manual_seed(size)
    args = random_ddf(2, 2, 4, 3, size, grad=True)
    assert torch.autograd.gradcheck(decoupled_dynamic_filter, args)


@pytest.mark.parametrize("needed", [(True, False, False), (False, True, False), (False, False, True)])
def test_partial_gradients_match_reference(needed: tuple[bool, bool, bool]) -> None:
    torch.manual_seed(3)
    args = random_ddf(2, 3, 5, 4, 3)
    inputs = [a.requires_grad_(flag) for a, flag in zip(args, needed)]
    chosen = [a for a in inputs if a.requires_grad]
    weights = torch.randn(2, 3, 5, 4, dtype=F64)
    got = torch.autograd.grad((decoupled_dynamic_filter(*inputs) * weights).sum(), chosen)
    want = torch.autograd.grad((decoupled_dynamic_filter_unfold(*inputs) * weights).sum(), chosen)
    torch.testing.assert_close(got, want)


def test_non_contiguous_inputs_and_gradients() -> None:
    torch.manual_seed(4)
    x = torch.randn(2, 3, 5, 4, dtype=F64).transpose(2, 3).requires_grad_()  # (2, 3, 4, 5)
    spatial = torch.randn(2, 9, 5, 4, dtype=F64).transpose(2, 3).requires_grad_()
    channel = torch.randn(2, 9, 3, dtype=F64).transpose(1, 2).requires_grad_()  # (2, 3, 9)
    weights = torch.randn(2, 3, 5, 4, dtype=F64).transpose(2, 3)  # non-contiguous grad_out
    fast = decoupled_dynamic_filter(x, spatial, channel)
    slow = decoupled_dynamic_filter_unfold(x, spatial, channel)
    torch.testing.assert_close(fast, slow)
    inputs = (x, spatial, channel)
    got = torch.autograd.grad((fast * weights).sum(), inputs)
    torch.testing.assert_close(got, torch.autograd.grad((slow * weights).sum(), inputs))


@pytest.mark.parametrize(
    "spatial_shape, channel_shape, message",
    [
        ((2, 9, 4, 5), (2, 3, 9), r"spatial must have shape \(B, k², H, W\) = \(2, \?, 4, 4\)"),
        ((2, 8, 4, 4), (2, 3, 8), r"odd kernel size"),
        ((2, 9, 4, 4), (2, 3, 25), r"channel must have shape \(B, C, k²\) = \(2, 3, 9\)"),
    ],
)
def test_shape_errors(spatial_shape: tuple[int, ...], channel_shape: tuple[int, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decoupled_dynamic_filter(torch.zeros(2, 3, 4, 4), torch.zeros(spatial_shape), torch.zeros(channel_shape))
