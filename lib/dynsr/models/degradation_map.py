"""The degradation map of non-blind models (SRMD, UDVD): kernel PCA code ⊕ noise level, stretched over the image.

SRMD §3 "dimensionality stretching", UDVD §3.2: a per-image vector (B, t[+1]) is replicated to
(B, t[+1], h, w); a per-pixel map (spatially varying degradations, UDVD Table 3) is used as given.
"""

from __future__ import annotations

import torch

__all__ = ["degradation_map", "stretch_degradation_map"]


def degradation_map(kernel_code: torch.Tensor, noise: torch.Tensor | None, *, noise_scale: float = 255.0) -> torch.Tensor:
    """The input: PCA codes (B, t) and, for models with a noise channel, σ (B,) / ``noise_scale`` (SRMD: 255) → (B, t[+1]);
    or per pixel, codes (B, t, h, w) and σ (B, h, w) → (B, t[+1], h, w)."""
    if noise is None:
        return kernel_code
    return torch.cat([kernel_code, (noise / noise_scale)[:, None].to(kernel_code)], dim=1)


def stretch_degradation_map(lr: torch.Tensor, degradation: torch.Tensor, channels: int) -> torch.Tensor:
    """``degradation`` (B, channels) or (B, channels, h, w) as a map (B, channels, h, w) the size of ``lr`` (B, 3, h, w)."""
    if degradation.dim() == 2:
        degradation = degradation[:, :, None, None].expand(-1, -1, *lr.shape[-2:])  # (B, channels, h, w)
    if degradation.shape[1] != channels or degradation.shape[-2:] != lr.shape[-2:]:
        raise ValueError(f"degradation map must be (B, {channels}) or (B, {channels}, {lr.shape[-2]}, {lr.shape[-1]}); got {tuple(degradation.shape)}")
    return degradation.to(lr)
