"""Additive white Gaussian noise and 8-bit quantisation (the ``+ n`` of Eq. 1 in every paper).

Noise levels σ are given on the 0-255 scale, as every paper states them; images inside the
pipeline are float64 in [0, 1], so the added noise is ``σ / 255 · N(0, 1)``, i.i.d. per pixel and
per channel. Randomness comes only from the generator passed in.

What happens after the noise is a paper-specific switch, not a fixed step:

* SRMD's test harness, which UDVD used (docs/decisions/udvd.md, U16): float LR, no clipping, no rounding.
* DASR's code: round and clip to 8-bit values (``quantize``).
* IKC/DAN/DCLS (GLDFN): clip to [0, 1] (``clip``).
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["add_gaussian_noise", "add_gaussian_noise_torch", "quantize", "clip_unit", "matlab_uint8", "estimate_noise_level"]


def add_gaussian_noise(image: np.ndarray, sigma: float, *, rng: np.random.Generator) -> np.ndarray:
    """``image + σ/255 · N(0, 1)`` for a float image in [0, 1]; σ on the 0-255 scale. σ = 0 returns a copy."""
    if sigma < 0:
        raise ValueError(f"noise level must be non-negative, got {sigma}")
    image = np.asarray(image, dtype=np.float64)
    if sigma == 0:
        return image.copy()
    return image + (sigma / 255.0) * rng.standard_normal(image.shape)


def add_gaussian_noise_torch(image: torch.Tensor, sigma: float | torch.Tensor, *, generator: torch.Generator) -> torch.Tensor:
    """Torch version for batches ``(N, C, H, W)``; ``sigma`` a number or a per-sample tensor ``(N,)`` (0-255 scale).

    Always draws one normal sample per pixel (also where σ = 0), so that the generator advances by
    the same amount whatever the levels: a batch's noise does not depend on the other samples' σ.
    """
    sigma = torch.as_tensor(sigma, dtype=image.dtype, device=image.device)
    if torch.any(sigma < 0):
        raise ValueError("noise levels must be non-negative")
    if sigma.ndim == 1:
        sigma = sigma.reshape(-1, 1, 1, 1)  # (N, 1, 1, 1)
    noise = torch.randn(image.shape, generator=generator, dtype=image.dtype, device=image.device)
    return image + (sigma / 255.0) * noise


def quantize(image):
    """Round to the nearest 8-bit level and clip: ``round(clip(255 x, 0, 255)) / 255`` (numpy or torch)."""
    if isinstance(image, torch.Tensor):
        return torch.round(torch.clamp(image * 255.0, 0.0, 255.0)) / 255.0
    return np.round(np.clip(np.asarray(image, dtype=np.float64) * 255.0, 0.0, 255.0)) / 255.0


def clip_unit(image):
    """Clip to [0, 1] (numpy or torch)."""
    if isinstance(image, torch.Tensor):
        return torch.clamp(image, 0.0, 1.0)
    return np.clip(np.asarray(image, dtype=np.float64), 0.0, 1.0)


def matlab_uint8(values: np.ndarray) -> np.ndarray:
    """MATLAB's ``uint8(x)`` of values on the 0-255 scale: round half away from zero, saturate to [0, 255].

    It differs from :func:`quantize` (numpy's round half to even) only at exact halves, which integer-valued
    filters of 8-bit images do produce. MATLAB functions applied to a ``uint8`` image (``imfilter``,
    ``imresize``) return ``uint8`` this way.
    """
    values = np.asarray(values, dtype=np.float64)
    return np.clip(np.floor(np.abs(values) + 0.5) * np.sign(values), 0.0, 255.0).astype(np.uint8)


_IMMERKAER_MASK = np.array([[1.0, -2.0, 1.0], [-2.0, 4.0, -2.0], [1.0, -2.0, 1.0]])  # the difference of two Laplacians


def estimate_noise_level(image: np.ndarray) -> float:
    """σ of additive white Gaussian noise in ``image`` (float in [0, 1], (h, w) or (h, w, C); 0-255 scale), by Immerkær's
    estimator (J. Immerkær, "Fast noise variance estimation", CVIU 64(2), 1996): the mean absolute response to a mask that
    cancels locally linear structure, ``σ = √(π/2) · Σ|I ∗ M| / (6 (h − 2)(w − 2))`` over the valid pixels of each channel,
    averaged over the channels. Image structure (edges, texture) reads as some noise, so a clean image gives a small positive value."""
    image = np.asarray(image, dtype=np.float64)
    planes = image[..., None] if image.ndim == 2 else image  # (h, w, C)
    height, width = planes.shape[:2]
    if height < 3 or width < 3:
        raise ValueError(f"the noise estimate needs an image of at least 3x3 pixels; got {height}x{width}")
    windows = np.lib.stride_tricks.sliding_window_view(planes, (3, 3), axis=(0, 1))  # (h-2, w-2, C, 3, 3)
    responses = np.abs(np.einsum("ijcab,ab->ijc", windows, _IMMERKAER_MASK))  # (h-2, w-2, C)
    sigma = np.sqrt(np.pi / 2.0) * responses.sum(axis=(0, 1)) / (6.0 * (height - 2) * (width - 2))
    return float(255.0 * sigma.mean())

