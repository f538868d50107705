"""Modulated deformable convolution (ArcSR DMconv / KGconv, torchvision layout) against an explicit loop."""

from __future__ import annotations


import math
from collections.abc import Iterator

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dynsr.ops import modulated_deform_conv2d
from dynsr.ops import _common as ops_common
from dynsr.ops import deform as deform_module
from dynsr.ops.reference import modulated_deform_conv2d_gather

F64 = torch.float64


@pytest.fixture(params=["default-tiles", "one-sample-tiles", "one-sample-tiles-two-workers"])
def tiling(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run a test with the default tiles of whole samples, with one sample per tile, and with one sample
    per tile on two serial worker threads (torch at two threads, even for tiny tensors)."""
    if request.param != "default-tiles":
        monkeypatch.setattr(deform_module, "COLUMN_CHUNK_BYTES", 1)
    threads = torch.get_num_threads()
    if request.param == "one-sample-tiles-two-workers":
        monkeypatch.setattr(ops_common, "SERIAL_ELEMENTS", 0)
        torch.set_num_threads(2)
    yield
    torch.set_num_threads(threads)


def bilinear_zeros(image: np.ndarray, y: float, x: float) -> float:
    """torchvision's deformable-conv sampler: 0 if y ≤ −1, y ≥ H, x ≤ −1 or x ≥ W; else in-range corners only."""
    height, width = image.shape
    if y <= -1 or y >= height or x <= -1 or x >= width:
        return 0.0
    low_y, low_x = math.floor(y), math.floor(x)
    frac_y, frac_x = y - low_y, x - low_x
    value = 0.0
    for corner_y, weight_y in ((low_y, 1 - frac_y), (low_y + 1, frac_y)):
        for corner_x, weight_x in ((low_x, 1 - frac_x), (low_x + 1, frac_x)):
            if 0 <= corner_y < height and 0 <= corner_x < width:
                value += weight_y * weight_x * image[corner_y, corner_x]
    return value


def loop_deform(
    x: torch.Tensor,
    offset: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    mask: torch.Tensor | None,
    stride: int,
    padding: int,
    dilation: int,
) -> torch.Tensor:
    """Explicit DCNv2: y[b,o,i,j] = b[o] + Σ_{c,u,v} W[o,c,u,v]·m·bilinear(x[b,c], i·s−p+u·d+Δy, j·s−p+v·d+Δx)."""
    xs, offs, ws = x.numpy(), offset.numpy(), weight.numpy()
    batch, in_channels, height, width = xs.shape
    out_channels, group_in, kernel_h, kernel_w = ws.shape
    taps = kernel_h * kernel_w
    group_out = out_channels // (in_channels // group_in)
    offset_groups = offs.shape[1] // (2 * taps)
    out_h, out_w = offs.shape[2:]
    masks = np.ones((batch, offset_groups * taps, out_h, out_w)) if mask is None else mask.numpy()
    out = np.zeros((batch, out_channels, out_h, out_w))
    for b in range(batch):
        for o in range(out_channels):
            for i in range(out_h):
                for j in range(out_w):
                    total = 0.0 if bias is None else float(bias[o])
                    for ci in range(group_in):
                        c = (o // group_out) * group_in + ci
                        g = c // (in_channels // offset_groups)
                        for u in range(kernel_h):
                            for v in range(kernel_w):
                                t = u * kernel_w + v
                                y = i * stride - padding + u * dilation + offs[b, g * 2 * taps + 2 * t, i, j]
                                z = j * stride - padding + v * dilation + offs[b, g * 2 * taps + 2 * t + 1, i, j]
                                sample = bilinear_zeros(xs[b, c], y, z)
                                total += ws[o, ci, u, v] * masks[b, g * taps + t, i, j] * sample
                    out[b, o, i, j] = total
    return torch.from_numpy(out)


def off_grid_offsets(shape: tuple[int, ...], spread: int = 2) -> torch.Tensor:
    """Offsets whose fractional part lies in [0.1, 0.9]: samples stay away from bilinear kinks."""
    whole = torch.randint(-spread, spread + 1, shape).to(F64)
    return whole + 0.1 + 0.8 * torch.rand(shape, dtype=F64)


def out_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("kernel", [1, 3, 5])
@pytest.mark.parametrize("height, width", [(5, 5), (4, 6)])
def test_matches_loop(tiling: None, batch: int, kernel: int, height: int, width: int) -> None:
    torch.manual_seed(kernel + batch)
    x = torch.randn(batch, 2, height, width, dtype=F64)
    weight = torch.randn(3, 2, kernel, kernel, dtype=F64)
    bias = torch.randn(3, dtype=F64)
    offset = off_grid_offsets((batch, 2 * kernel * kernel, height, width))
    mask = torch.rand(batch, kernel * kernel, height, width, dtype=F64)
    padding = kernel // 2
    expected = loop_deform(x, offset, weight, bias, mask, 1, padding, 1)
    args = (x, offset, weight, bias)
    torch.testing.assert_close(modulated_deform_conv2d(*args, mask=mask, padding=padding), expected)
    torch.testing.assert_close(modulated_deform_conv2d_gather(*args, mask=mask, padding=padding), expected)


@pytest.mark.parametrize("stride, padding, dilation", [(2, 1, 1), (1, 0, 2), (2, 2, 2)])
def test_stride_padding_dilation_groups_offset_groups(stride: int, padding: int, dilation: int) -> None:
    torch.manual_seed(stride * 5 + dilation)
    x = torch.randn(2, 4, 7, 6, dtype=F64)
    weight = torch.randn(4, 2, 3, 3, dtype=F64)  # groups = 2
    out_h, out_w = out_size(7, 3, stride, padding, dilation), out_size(6, 3, stride, padding, dilation)
    offset = off_grid_offsets((2, 2 * 2 * 9, out_h, out_w))  # 2 offset groups
    mask = torch.rand(2, 2 * 9, out_h, out_w, dtype=F64)
    expected = loop_deform(x, offset, weight, None, mask, stride, padding, dilation)
    settings = {"mask": mask, "stride": stride, "padding": padding, "dilation": dilation}
    torch.testing.assert_close(modulated_deform_conv2d(x, offset, weight, **settings), expected)
    torch.testing.assert_close(modulated_deform_conv2d_gather(x, offset, weight, **settings), expected)


def test_samples_far_outside_read_zero_and_partial_points_use_in_range_corners() -> None:
    x = torch.arange(1.0, 13.0, dtype=F64).view(1, 1, 3, 4)
    weight = torch.ones(1, 1, 1, 1, dtype=F64)
    offset = torch.zeros(1, 2, 3, 4, dtype=F64)
    offset[0, 0, 0, :] = -0.25  # row 0 samples y = −0.25: 0.75·x[0] + 0.25·(zero row −1)
    offset[0, 1, :, 3] = 1.0  # column 3 samples x = 4 = W: outside, reads 0
    offset[0, 0, 2, 0] = -3.0  # pixel (2, 0) samples y = −1: outside, reads 0
    out = modulated_deform_conv2d(x, offset, weight)
    expected = x.clone()
    expected[0, 0, 0, :] = 0.75 * x[0, 0, 0, :]
    expected[0, 0, :, 3] = 0.0
    expected[0, 0, 2, 0] = 0.0
    torch.testing.assert_close(out, expected)


def test_offset_channel_order_is_dy_then_dx() -> None:
    torch.manual_seed(8)
    x = torch.randn(1, 2, 5, 6, dtype=F64)
    weight = torch.randn(3, 2, 3, 3, dtype=F64)
    offset = torch.zeros(1, 18, 3, 4, dtype=F64)
    offset[:, 0::2] = 1.0  # Δy = +1 for every tap: samples one row further down
    shifted_up = F.pad(x[..., 1:, :], (0, 0, 0, 1))  # x[i + 1, j], zero below the last row
    torch.testing.assert_close(modulated_deform_conv2d(x, offset, weight), F.conv2d(shifted_up, weight))
    offset = offset.roll(1, dims=1)  # now Δx = +1 for every tap
    shifted_left = F.pad(x[..., :, 1:], (0, 1, 0, 0))  # x[i, j + 1]
    torch.testing.assert_close(modulated_deform_conv2d(x, offset, weight), F.conv2d(shifted_left, weight))


@pytest.mark.parametrize("dtype", [torch.float32, F64])
@pytest.mark.parametrize(
    "stride, padding, dilation, groups", [(1, 1, 1, 1), (2, 1, 1, 1), (1, 2, 2, 1), (2, 0, 1, 2), (1, 1, 1, 4)]
)
def test_zero_offsets_and_unit_mask_equal_conv2d(
    dtype: torch.dtype, stride: int, padding: int, dilation: int, groups: int
) -> None:
    torch.manual_seed(stride + padding + dilation + groups)
    conv = torch.nn.Conv2d(4, 8, 3, stride=stride, padding=padding, dilation=dilation, groups=groups).to(dtype)
    x = torch.randn(2, 4, 9, 8, dtype=dtype)
    expected = conv(x)
    offset = torch.zeros(2, 18, *expected.shape[2:], dtype=dtype)
    mask = torch.ones(2, 9, *expected.shape[2:], dtype=dtype)
    settings = {"stride": stride, "padding": padding, "dilation": dilation}
    tolerance = {"rtol": 1e-5, "atol": 1e-5} if dtype == torch.float32 else {"rtol": 1e-12, "atol": 1e-12}
    with torch.no_grad():
        torch.testing.assert_close(modulated_deform_conv2d(x, offset, conv.weight, conv.bias, mask=mask, **settings), expected, **tolerance)
        torch.testing.assert_close(modulated_deform_conv2d(x, None, conv.weight, conv.bias, **settings), expected, **tolerance)


def test_kgconv_zero_offsets_with_kernel_mask() -> None:
    """ArcSR KGconv: offset None, mask = per-pixel kernel A_p; equals the loop with zero offsets."""
    torch.manual_seed(9)
    x = torch.randn(2, 3, 5, 4, dtype=F64)
    weight = torch.randn(3, 3, 5, 5, dtype=F64)
    kernel = torch.softmax(torch.randn(2, 25, 5, 4, dtype=F64), dim=1)
    expected = loop_deform(x, torch.zeros(2, 50, 5, 4, dtype=F64), weight, None, kernel, 1, 2, 1)
    torch.testing.assert_close(modulated_deform_conv2d(x, None, weight, mask=kernel, padding=2), expected)
    torch.testing.assert_close(modulated_deform_conv2d_gather(x, None, weight, mask=kernel, padding=2), expected)


def test_gradcheck_offsets_and_mask(tiling: None) -> None:
    torch.manual_seed(10)
    x = torch.randn(2, 2, 4, 4, dtype=F64, requires_grad=True)
    offset = off_grid_offsets((2, 18, 4, 4), spread=1).requires_grad_()
    mask = torch.rand(2, 9, 4, 4, dtype=F64, requires_grad=True)
    weight = torch.randn(2, 2, 3, 3, dtype=F64, requires_grad=True)
    bias = torch.randn(2, dtype=F64, requires_grad=True)

    def deform(a: torch.Tensor, o: torch.Tensor, m: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return modulated_deform_conv2d(a, o, w, b, mask=m, padding=1)

    assert torch.autograd.gradcheck(deform, (x, offset, mask, weight, bias))


def test_gradcheck_groups_stride_dilation() -> None:
    torch.manual_seed(11)
    x = torch.randn(1, 4, 5, 5, dtype=F64, requires_grad=True)
    offset = off_grid_offsets((1, 2 * 2 * 9, 3, 3), spread=1).requires_grad_()
    mask = torch.rand(1, 2 * 9, 3, 3, dtype=F64, requires_grad=True)
    weight = torch.randn(2, 2, 3, 3, dtype=F64, requires_grad=True)

    def deform(a: torch.Tensor, o: torch.Tensor, m: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return modulated_deform_conv2d(a, o, w, mask=m, stride=2, padding=2, dilation=2)

    assert torch.autograd.gradcheck(deform, (x, offset, mask, weight))


def test_gradcheck_kgconv() -> None:
    torch.manual_seed(12)
    x = torch.randn(2, 2, 4, 3, dtype=F64, requires_grad=True)
    mask = torch.rand(2, 9, 4, 3, dtype=F64, requires_grad=True)
    weight = torch.randn(2, 2, 3, 3, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, m, w: modulated_deform_conv2d(a, None, w, mask=m, padding=1), (x, mask, weight))


def test_gradients_match_gather_reference(tiling: None) -> None:
    torch.manual_seed(13)
    x = torch.randn(3, 4, 6, 5, dtype=F64, requires_grad=True)
    offset = (2 * torch.randn(3, 18, 6, 5, dtype=F64)).requires_grad_()
    mask = torch.rand(3, 9, 6, 5, dtype=F64, requires_grad=True)
    weight = torch.randn(5, 4, 3, 3, dtype=F64, requires_grad=True)
    inputs = (x, offset, mask, weight)
    target = torch.randn(3, 5, 6, 5, dtype=F64)
    fast = modulated_deform_conv2d(x, offset, weight, mask=mask, padding=1)
    slow = modulated_deform_conv2d_gather(x, offset, weight, mask=mask, padding=1)
    got = torch.autograd.grad((fast * target).sum(), inputs)
    want = torch.autograd.grad((slow * target).sum(), inputs)
    torch.testing.assert_close(got, want)


def test_partial_gradients_match_gather_reference(tiling: None) -> None:
    torch.manual_seed(14)
    x = torch.randn(3, 4, 6, 5, dtype=F64)
    offset = (2 * torch.randn(3, 18, 6, 5, dtype=F64)).requires_grad_()
    mask = torch.rand(3, 9, 6, 5, dtype=F64)
    weight = torch.randn(5, 4, 3, 3, dtype=F64, requires_grad=True)
    bias = torch.randn(5, dtype=F64)
    target = torch.randn(3, 5, 6, 5, dtype=F64)
    fast = modulated_deform_conv2d(x, offset, weight, bias, mask=mask, padding=1)
    slow = modulated_deform_conv2d_gather(x, offset, weight, bias, mask=mask, padding=1)
    got = torch.autograd.grad((fast * target).sum(), (offset, weight))
    want = torch.autograd.grad((slow * target).sum(), (offset, weight))
    torch.testing.assert_close(got, want)


def test_shape_errors() -> None:
    x = torch.zeros(2, 4, 5, 5)
    weight = torch.zeros(6, 4, 3, 3)
    with pytest.raises(ValueError, match=r"offset must have shape \(B, 2·G·kh·kw, Ho, Wo\) = \(2, \?, 3, 3\)"):
        modulated_deform_conv2d(x, torch.zeros(2, 18, 5, 5), weight)
    with pytest.raises(ValueError, match="multiple of 18"):
        modulated_deform_conv2d(x, torch.zeros(2, 9, 3, 3), weight)
    with pytest.raises(ValueError, match=r"mask must have shape \(B, G·kh·kw, Ho, Wo\) = \(2, 9, 5, 5\)"):
        modulated_deform_conv2d(x, torch.zeros(2, 18, 5, 5), weight, mask=torch.zeros(2, 18, 5, 5), padding=1)
    with pytest.raises(ValueError, match=r"bias must have shape \(Cout,\) = \(6,\)"):
        modulated_deform_conv2d(x, None, weight, torch.zeros(4))
    with pytest.raises(ValueError, match="equal groups"):
        modulated_deform_conv2d(x, None, torch.zeros(6, 3, 3, 3))
