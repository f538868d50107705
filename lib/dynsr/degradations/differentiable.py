"""Degradation with gradients: a per-sample blur and MATLAB bicubic resizing inside a loss.

:func:`dynsr.degradations.blur.blur` and :func:`dynsr.degradations.bicubic.matlab_bicubic_resize` build data: one
numpy kernel for a whole batch, float64, detached. A loss that degrades an image with an *estimated* kernel (DMSR's
degradation consistency loss, Eq. 8) needs the same two operators with gradients to the image and to the kernel,
one kernel per sample. They are assembled here from the same pieces, nothing re-derived:

* :func:`blur_per_sample`: the border of :func:`dynsr.degradations.blur.pad_image` (an index gather, so
  differentiable), then :func:`dynsr.ops.per_sample_depthwise_conv2d` with no padding, which correlates like
  ``blur(..., flip=False)``;
* :func:`bicubic_resize`: MATLAB's resize matrices along each axis (:func:`dynsr.degradations.bicubic.resize_weights`,
  normalisation and mirrored borders included) as two dense products in the image's dtype.

Both agree with the data operators up to floating-point rounding (tested); the data resize's recomputation of
outputs near 8-bit ties only matters for rounding to 8 bits, which a loss does not do.
"""

from __future__ import annotations

import torch

from dynsr.degradations.bicubic import resize_weights
from dynsr.degradations.blur import PaddingMode, pad_image
from dynsr.ops import per_sample_depthwise_conv2d

__all__ = ["blur_per_sample", "bicubic_resize"]


def blur_per_sample(image: torch.Tensor, kernels: torch.Tensor, *, padding: PaddingMode) -> torch.Tensor:
    """``image`` (B, C, H, W) correlated with ``kernels`` (B, k, k), k odd, one kernel per sample shared by its
    channels, under ``padding`` → (B, C, H, W). Differentiable in both."""
    if image.ndim != 4 or kernels.ndim != 3 or kernels.shape[0] != image.shape[0] or kernels.shape[1] != kernels.shape[2] or kernels.shape[1] % 2 != 1:
        raise ValueError(f"need image (B, C, H, W) and kernels (B, k, k) with k odd; got {tuple(image.shape)} and {tuple(kernels.shape)}")
    radius = kernels.shape[-1] // 2
    padded = pad_image(image, (radius, radius, radius, radius), padding)  # (B, C, H + 2r, W + 2r)
    weight = kernels[:, None].expand(-1, image.shape[1], -1, -1)  # (B, k, k) -> (B, 1, k, k) -> (B, C, k, k)
    return per_sample_depthwise_conv2d(padded, weight, padding=0)


def bicubic_resize(image: torch.Tensor, scale: float) -> torch.Tensor:
    """MATLAB ``imresize(image, scale, 'bicubic')`` (antialiased) of ``image`` (..., H, W) → (..., ⌈scale·H⌉, ⌈scale·W⌉),
    in the image's dtype, differentiable."""
    rows, columns = (torch.tensor(resize_weights(length, float(scale)), dtype=image.dtype, device=image.device)  # (h, H), (w, W); a copy:
                     for length in image.shape[-2:])  # the cached matrices are read-only
    return rows @ image @ columns.T  # (h, H)·(..., H, W)·(W, w) -> (..., h, w)
