"""Per-sample depthwise convolution and channel-wise modulation: DASR §3.2.2 (DA convolution).

DASR's DA convolution predicts, from the degradation representation R of each sample,
(1) a depthwise kernel w ∈ R^{C×1×3×3} applied as ``F₁ = Conv1×1(DepthwiseConv3×3(F; w))`` and
(2) channel-wise modulation coefficients v ∈ R^C applied as ``F₂ = v ⊙ F``; the layer outputs F₁ + F₂
(DASR §3.2.2, Fig. 2(c); docs/decisions/dasr.md, D1). This module provides the two input-conditioned pieces:

- `per_sample_depthwise_conv2d`: one depthwise kernel set per sample, run as ONE grouped convolution
  by folding the batch into the channels (groups = B·C), which is what DASR's code does and is as fast
  on CPU as a static depthwise convolution;
- `channel_modulation`: ``x * scale[:, :, None, None]``.

Taps follow ``nn.Conv2d`` (cross-correlation): weight[b, c, u, v] multiplies
x[b, c, i·s − p + u·d, j·s − p + v·d]; row-major flattening of (u, v) is the tap order of `dynsr.ops`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from dynsr.ops._common import ConvGeometry, conv_geometry, expect_same_dtype_device, expect_shape

_OP = "per_sample_depthwise_conv2d"


def depthwise_geometry(
    x: torch.Tensor,
    weight: torch.Tensor,
    stride: int | tuple[int, int],
    padding: int | tuple[int, int] | None,
    dilation: int | tuple[int, int],
) -> ConvGeometry:
    """Validate the arguments of `per_sample_depthwise_conv2d` (shared with its unfold reference)."""
    expect_shape(_OP, "x", x, "(B, C, H, W)", (None, None, None, None))
    expect_same_dtype_device(_OP, x=x, weight=weight)
    batch, channels, height, width = x.shape
    expect_shape(_OP, "weight", weight, "(B, C, kh, kw)", (batch, channels, None, None))
    return conv_geometry(_OP, (height, width), (weight.shape[2], weight.shape[3]), stride, padding, dilation)


def per_sample_depthwise_conv2d(
    x: torch.Tensor,
    weight: torch.Tensor,
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | None = None,
    dilation: int | tuple[int, int] = 1,
) -> torch.Tensor:
    """Depthwise convolution with a different kernel for every sample (DASR §3.2.2, DA conv kernel branch).

    Args:
        x: (B, C, H, W) input features.
        weight: (B, C, kh, kw) per-sample depthwise kernels (DASR: reshape of FC(FC(R)) to C×1×3×3).
        stride, padding, dilation: as in ``nn.Conv2d``; padding None means 'same' for odd kernels,
            dilation·(k − 1) // 2 (DASR uses 1 for its 3×3 kernels).

    Returns:
        (B, C, Ho, Wo): ``out[b, c] = conv2d(x[b, c], weight[b, c])`` (no bias), computed as a single
        grouped convolution with groups = B·C over the batch folded into channels.
    """
    geometry = depthwise_geometry(x, weight, stride, padding, dilation)
    batch, channels, height, width = x.shape
    folded = x.reshape(1, batch * channels, height, width)  # (1, B·C, H, W)
    kernels = weight.reshape(batch * channels, 1, weight.shape[2], weight.shape[3])  # (B·C, 1, kh, kw)
    out = F.conv2d(
        folded, kernels, stride=geometry.stride, padding=geometry.padding, dilation=geometry.dilation, groups=batch * channels
    )  # (1, B·C, Ho, Wo)
    return out.view(batch, channels, *geometry.out_size)  # (B, C, Ho, Wo)


def channel_modulation(x: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """Per-sample, per-channel scaling ``x * scale[:, :, None, None]`` (DASR §3.2.2, F₂ = v ⊙ F).

    Args:
        x: (B, C, H, W) features.
        scale: (B, C) modulation coefficients (DASR: sigmoid(FC(FC(R)))).
    """
    op = "channel_modulation"
    expect_shape(op, "x", x, "(B, C, H, W)", (None, None, None, None))
    expect_same_dtype_device(op, x=x, scale=scale)
    expect_shape(op, "scale", scale, "(B, C)", (x.shape[0], x.shape[1]))
    return x * scale[:, :, None, None]  # (B, C, H, W)·(B, C, 1, 1)
