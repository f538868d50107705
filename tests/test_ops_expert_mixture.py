"""Attention over K expert kernels (GLDFN Eq. 4) against an explicit loop."""

from __future__ import annotations


import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dynsr.ops import expert_mixture_conv2d
from dynsr.ops.reference import expert_mixture_conv2d_unfold

F64 = torch.float64


def loop_expert_mixture(
    x: torch.Tensor,
    attention: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    stride: int,
    padding: int,
    dilation: int,
) -> torch.Tensor:
    """y[b,o,i,j] = Σ_k π[b,k]·(Σ_{c∈group(o),u,v} W_k[o,c,u,v]·x[b,c,i·s−p+u·d, j·s−p+v·d] + b_k[o])."""
    xs, att, ws = x.numpy(), attention.numpy(), weight.numpy()
    batch, in_channels, height, width = xs.shape
    experts, out_channels, group_in, kernel_h, kernel_w = ws.shape
    group_out = out_channels // (in_channels // group_in)
    out_h = (height + 2 * padding - dilation * (kernel_h - 1) - 1) // stride + 1
    out_w = (width + 2 * padding - dilation * (kernel_w - 1) - 1) // stride + 1
    out = np.zeros((batch, out_channels, out_h, out_w))
    for b in range(batch):
        for o in range(out_channels):
            first_in = (o // group_out) * group_in
            for i in range(out_h):
                for j in range(out_w):
                    total = 0.0 if bias is None else float(att[b] @ bias.numpy()[:, o])
                    for k in range(experts):
                        for c in range(group_in):
                            for u in range(kernel_h):
                                for v in range(kernel_w):
                                    y, z = i * stride - padding + u * dilation, j * stride - padding + v * dilation
                                    if 0 <= y < height and 0 <= z < width:
                                        total += att[b, k] * ws[k, o, c, u, v] * xs[b, first_in + c, y, z]
                    out[b, o, i, j] = total
    return torch.from_numpy(out)


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("size", [1, 3, 5])
@pytest.mark.parametrize("height, width", [(5, 5), (4, 6)])
def test_matches_loop_same_padding(batch: int, size: int, height: int, width: int) -> None:
    torch.manual_seed(size + batch)
    x = torch.randn(batch, 3, height, width, dtype=F64)
    attention = torch.softmax(torch.randn(batch, 4, dtype=F64), dim=1)
    weight = torch.randn(4, 2, 3, size, size, dtype=F64)
    bias = torch.randn(4, 2, dtype=F64)
    expected = loop_expert_mixture(x, attention, weight, bias, 1, size // 2, 1)
    torch.testing.assert_close(expert_mixture_conv2d(x, attention, weight, bias), expected)
    torch.testing.assert_close(expert_mixture_conv2d_unfold(x, attention, weight, bias), expected)


@pytest.mark.parametrize("stride, padding, dilation, groups", [(2, 1, 1, 1), (1, 0, 2, 2), (2, 2, 2, 2)])
def test_stride_padding_dilation_groups_match_loop(stride: int, padding: int, dilation: int, groups: int) -> None:
    torch.manual_seed(stride + dilation + groups)
    x = torch.randn(2, 4, 7, 6, dtype=F64)
    attention = torch.rand(2, 3, dtype=F64)
    weight = torch.randn(3, 6, 4 // groups, 3, 3, dtype=F64)
    expected = loop_expert_mixture(x, attention, weight, None, stride, padding, dilation)
    settings = {"stride": stride, "padding": padding, "dilation": dilation}
    torch.testing.assert_close(expert_mixture_conv2d(x, attention, weight, **settings), expected)
    torch.testing.assert_close(expert_mixture_conv2d_unfold(x, attention, weight, **settings), expected)


@pytest.mark.parametrize("batch", [1, 3])
def test_single_expert_is_a_plain_convolution(batch: int) -> None:
    torch.manual_seed(batch)
    conv = torch.nn.Conv2d(3, 5, 3, padding=1).double()
    x = torch.randn(batch, 3, 6, 5, dtype=F64)
    ones = torch.ones(batch, 1, dtype=F64)
    out = expert_mixture_conv2d(x, ones, conv.weight.unsqueeze(0), conv.bias.unsqueeze(0))
    torch.testing.assert_close(out, conv(x))


def test_one_hot_attention_selects_an_expert_per_sample() -> None:
    torch.manual_seed(5)
    x = torch.randn(2, 3, 5, 5, dtype=F64)
    weight = torch.randn(3, 4, 3, 3, 3, dtype=F64)
    attention = torch.tensor([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], dtype=F64)
    out = expert_mixture_conv2d(x, attention, weight)
    torch.testing.assert_close(out[0:1], F.conv2d(x[0:1], weight[2], padding=1))
    torch.testing.assert_close(out[1:2], F.conv2d(x[1:2], weight[0], padding=1))


def test_gradcheck() -> None:
    torch.manual_seed(6)
    x = torch.randn(2, 2, 4, 3, dtype=F64, requires_grad=True)
    attention = torch.rand(2, 3, dtype=F64, requires_grad=True)
    weight = torch.randn(3, 2, 2, 3, 3, dtype=F64, requires_grad=True)
    bias = torch.randn(3, 2, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(expert_mixture_conv2d, (x, attention, weight, bias))


def test_gradcheck_grouped_strided() -> None:
    torch.manual_seed(7)
    x = torch.randn(2, 2, 5, 4, dtype=F64, requires_grad=True)
    attention = torch.rand(2, 2, dtype=F64, requires_grad=True)
    weight = torch.randn(2, 2, 1, 3, 3, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, p, w: expert_mixture_conv2d(a, p, w, stride=2), (x, attention, weight))


def test_shape_errors() -> None:
    x = torch.zeros(2, 4, 5, 5)
    with pytest.raises(ValueError, match=r"attention must have shape \(B, K\) = \(2, \?\)"):
        expert_mixture_conv2d(x, torch.zeros(3, 4), torch.zeros(4, 4, 4, 3, 3))
    with pytest.raises(ValueError, match=r"weight must have shape \(K, Cout, Cin/groups, kh, kw\) = \(4, \?, \?, \?, \?\)"):
        expert_mixture_conv2d(x, torch.zeros(2, 4), torch.zeros(3, 4, 4, 3, 3))
    with pytest.raises(ValueError, match=r"bias must have shape \(K, Cout\) = \(4, 6\)"):
        expert_mixture_conv2d(x, torch.zeros(2, 4), torch.zeros(4, 6, 4, 3, 3), torch.zeros(6))
    with pytest.raises(ValueError, match="equal groups"):
        expert_mixture_conv2d(x, torch.zeros(2, 4), torch.zeros(4, 6, 3, 3, 3))
