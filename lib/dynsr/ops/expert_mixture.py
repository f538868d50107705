"""Attention over K expert kernels: GLDFN §III-C Eq. 4 (global dynamic filter layer, after DynamicConv [17]).

Eq. 4 aggregates K static kernels with per-sample attention weights π_k(x) (0 ≤ π_k ≤ 1, Σ_k π_k = 1,
produced by an SE-style branch in the model) and convolves each sample with its own kernel::

    W̃(x) = Σ_k π_k(x) W̃_k,    b̃(x) = Σ_k π_k(x) b̃_k,    y = W̃(x) ∗ x + b̃(x)

(the activation f of Eq. 4 belongs to the model). The aggregated kernel is per sample and shared over
all pixels, so the B per-sample convolutions run as ONE grouped convolution with the batch folded into
the channels (groups = B·groups), the CondConv trick; the cost is that of a static convolution plus
a (B, K) × (K, Cout·Cin·k²) product. This op does not normalise `attention`: any real weights are
accepted (the model applies the softmax and its temperature).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from dynsr.ops._common import ConvGeometry, conv_geometry, expect_same_dtype_device, expect_shape

_OP = "expert_mixture_conv2d"


def expert_mixture_geometry(
    x: torch.Tensor,
    attention: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    stride: int | tuple[int, int],
    padding: int | tuple[int, int] | None,
    dilation: int | tuple[int, int],
) -> tuple[int, ConvGeometry]:
    """Validate the arguments of `expert_mixture_conv2d` (shared with its unfold reference); return (groups, geometry)."""
    expect_shape(_OP, "x", x, "(B, Cin, H, W)", (None, None, None, None))
    expect_same_dtype_device(_OP, x=x, attention=attention, weight=weight, bias=bias)
    batch, in_channels, height, width = x.shape
    expect_shape(_OP, "attention", attention, "(B, K)", (batch, None))
    experts = attention.shape[1]
    expect_shape(_OP, "weight", weight, "(K, Cout, Cin/groups, kh, kw)", (experts, None, None, None, None))
    out_channels, group_in = weight.shape[1], weight.shape[2]
    if in_channels % group_in or out_channels % (in_channels // group_in):
        raise ValueError(
            f"{_OP}: weight (K, Cout, Cin/groups, kh, kw) = {tuple(weight.shape)} does not divide Cin = {in_channels} "
            "and Cout into equal groups"
        )
    if bias is not None:
        expect_shape(_OP, "bias", bias, "(K, Cout)", (experts, out_channels))
    geometry = conv_geometry(_OP, (height, width), (weight.shape[3], weight.shape[4]), stride, padding, dilation)
    return in_channels // group_in, geometry


def expert_mixture_conv2d(
    x: torch.Tensor,
    attention: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | None = None,
    dilation: int | tuple[int, int] = 1,
) -> torch.Tensor:
    """Convolution with a per-sample mixture of K expert kernels, GLDFN §III-C Eq. 4.

    Args:
        x: (B, Cin, H, W) input.
        attention: (B, K) mixture weights π_k(x) per sample (not normalised here).
        weight: (K, Cout, Cin/groups, kh, kw) expert kernels W̃_k; groups is inferred as Cin / weight.shape[2].
        bias: optional (K, Cout) expert biases b̃_k.
        stride, padding, dilation: as in ``nn.Conv2d``; padding None means 'same' for odd kernels.

    Returns:
        (B, Cout, Ho, Wo): ``y[b] = conv2d(x[b], Σ_k π[b, k] W̃_k, Σ_k π[b, k] b̃_k)``, run as one grouped
        convolution (groups = B·groups).
    """
    groups, geometry = expert_mixture_geometry(x, attention, weight, bias, stride, padding, dilation)
    batch, in_channels, height, width = x.shape
    experts, out_channels = weight.shape[:2]
    mixed = (attention @ weight.reshape(experts, -1)).view(batch * out_channels, *weight.shape[2:])  # (B·Cout, Cin/g, kh, kw)
    mixed_bias = None if bias is None else (attention @ bias).view(batch * out_channels)  # (B·Cout,)
    folded = x.reshape(1, batch * in_channels, height, width)  # (1, B·Cin, H, W)
    out = F.conv2d(
        folded, mixed, mixed_bias, stride=geometry.stride, padding=geometry.padding, dilation=geometry.dilation,
        groups=batch * groups,
    )  # (1, B·Cout, Ho, Wo)
    return out.view(batch, out_channels, *geometry.out_size)  # (B, Cout, Ho, Wo)
