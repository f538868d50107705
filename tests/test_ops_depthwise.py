"""Per-sample depthwise convolution and channel modulation (DASR DA conv) against explicit loops."""

from __future__ import annotations


import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dynsr.ops import channel_modulation, per_sample_depthwise_conv2d
from dynsr.ops.reference import per_sample_depthwise_conv2d_unfold

F64 = torch.float64


def loop_depthwise(
    x: torch.Tensor, weight: torch.Tensor, stride: int, padding: int, dilation: int
) -> torch.Tensor:
    """out[b,c,i,j] = Σ_{u,v} w[b,c,u,v]·x[b,c,i·s−p+u·d, j·s−p+v·d], zeros outside."""
    xs, ws = x.numpy(), weight.numpy()
    batch, channels, height, width = xs.shape
    kernel_h, kernel_w = ws.shape[2:]
    out_h = (height + 2 * padding - dilation * (kernel_h - 1) - 1) // stride + 1
    out_w = (width + 2 * padding - dilation * (kernel_w - 1) - 1) // stride + 1
    out = np.zeros((batch, channels, out_h, out_w))
    for b in range(batch):
        for c in range(channels):
            for i in range(out_h):
                for j in range(out_w):
                    for u in range(kernel_h):
                        for v in range(kernel_w):
                            y, z = i * stride - padding + u * dilation, j * stride - padding + v * dilation
                            if 0 <= y < height and 0 <= z < width:
                                out[b, c, i, j] += ws[b, c, u, v] * xs[b, c, y, z]
    return torch.from_numpy(out)


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("size", [1, 3, 5])
@pytest.mark.parametrize("height, width", [(5, 5), (6, 4)])
def test_same_padding_matches_loop(batch: int, size: int, height: int, width: int) -> None:
    torch.manual_seed(size + batch)
    x = torch.randn(batch, 3, height, width, dtype=F64)
    weight = torch.randn(batch, 3, size, size, dtype=F64)
    expected = loop_depthwise(x, weight, 1, size // 2, 1)
    torch.testing.assert_close(per_sample_depthwise_conv2d(x, weight), expected)
    torch.testing.assert_close(per_sample_depthwise_conv2d_unfold(x, weight), expected)


@pytest.mark.parametrize("stride, padding, dilation", [(2, 1, 1), (1, 0, 2), (2, 2, 2)])
def test_stride_padding_dilation_match_loop(stride: int, padding: int, dilation: int) -> None:
    torch.manual_seed(stride + 3 * dilation)
    x = torch.randn(2, 2, 7, 6, dtype=F64)
    weight = torch.randn(2, 2, 3, 3, dtype=F64)
    expected = loop_depthwise(x, weight, stride, padding, dilation)
    settings = {"stride": stride, "padding": padding, "dilation": dilation}
    torch.testing.assert_close(per_sample_depthwise_conv2d(x, weight, **settings), expected)
    torch.testing.assert_close(per_sample_depthwise_conv2d_unfold(x, weight, **settings), expected)


def test_samples_do_not_mix() -> None:
    """Sample b must use weight[b] only: equals a per-sample loop of static depthwise convolutions."""
    torch.manual_seed(4)
    x = torch.randn(3, 4, 5, 5, dtype=F64)
    weight = torch.randn(3, 4, 3, 3, dtype=F64)
    per_sample = [F.conv2d(x[b : b + 1], weight[b].unsqueeze(1), padding=1, groups=4) for b in range(3)]
    torch.testing.assert_close(per_sample_depthwise_conv2d(x, weight), torch.cat(per_sample))


@pytest.mark.parametrize("size", [1, 3, 5])
def test_gradcheck_depthwise(size: int) -> None:
    torch.manual_seed(size)
    x = torch.randn(2, 2, 4, 5, dtype=F64, requires_grad=True)
    weight = torch.randn(2, 2, size, size, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(per_sample_depthwise_conv2d, (x, weight))


def test_channel_modulation_scales_each_sample_and_channel() -> None:
    x = torch.randn(2, 3, 4, 5, dtype=F64)
    scale = torch.tensor([[1.0, 2.0, 3.0], [0.0, -1.0, 0.5]], dtype=F64)
    out = channel_modulation(x, scale)
    for b in range(2):
        for c in range(3):
            torch.testing.assert_close(out[b, c], x[b, c] * scale[b, c])


def test_gradcheck_channel_modulation() -> None:
    x = torch.randn(2, 3, 3, 2, dtype=F64, requires_grad=True)
    scale = torch.rand(2, 3, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(channel_modulation, (x, scale))


def test_shape_errors() -> None:
    with pytest.raises(ValueError, match=r"weight must have shape \(B, C, kh, kw\) = \(2, 3, \?, \?\)"):
        per_sample_depthwise_conv2d(torch.zeros(2, 3, 5, 5), torch.zeros(2, 3, 1, 3, 3))
    with pytest.raises(ValueError, match=r"weight must have shape \(B, C, kh, kw\) = \(2, 3, \?, \?\)"):
        per_sample_depthwise_conv2d(torch.zeros(2, 3, 5, 5), torch.zeros(1, 3, 3, 3))
    with pytest.raises(ValueError, match=r"scale must have shape \(B, C\) = \(2, 3\)"):
        channel_modulation(torch.zeros(2, 3, 5, 5), torch.zeros(2, 3, 1, 1))
    with pytest.raises(ValueError, match="too small"):
        per_sample_depthwise_conv2d(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 5, 5), padding=0)
