"""PSNR and SSIM with the papers' convention, fixed in one place.

The convention (every paper here evaluates "on the Y channel"; UDVD §4.1, DMSR §4.2, GLDFN §IV-A,
DASR via its EDSR-derived code, ArcSR §4.2):

1. The SR output is quantised to 8 bits (``round(clip(255 * x))``), as when it is saved to a PNG.
2. Both images are converted to the BT.601 luma of MATLAB ``rgb2ycbcr``:
   ``Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255`` for R, G, B in [0, 255], in float64.
   ``round_y=True`` rounds Y to an integer as MATLAB does for ``uint8`` input (KAIR's
   convention); the default keeps it unrounded (BasicSR's and, through the difference image,
   EDSR/DASR's convention). The two differ by about 0.01 dB; see the README.
3. ``crop`` pixels are removed from every side (default: the scale factor).
4. PSNR = ``10 log10(255² / MSE)`` in float64; SSIM is Wang et al.'s ``ssim_index.m``: an 11x11
   Gaussian window with σ = 1.5, the "valid" region, K1 = 0.01, K2 = 0.03, L = 255, no
   downsampling (``ssim.m``'s automatic downsampling is *not* applied), mean of the SSIM map.
5. A data set's score is the mean of its per-image scores.

One named variant, for published bicubic numbers computed another way (GLDFN Table II's Bicubic rows,
§IV-D, inherited from IKC/DAN; docs/decisions/gldfn.md, G1): ``luma="full_range"`` scores the full-range luma
``round(0.299 R + 0.587 G + 0.114 B)`` (MATLAB ``rgb2gray``, PIL ``'L'``; :func:`rgb_to_gray`) instead
of the BT.601 Y, and ``ssim(..., padding="zero")`` filters with the same 11x11 window zero-padded at
the borders ("same" size, the pytorch-ssim style) and averages the whole map instead of the "valid"
region. Together with ``crop=0`` this is what the ``ikc_gaussian8`` protocol of
:mod:`dynsr.experiments.bicubic` uses; the models are never scored this way.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["Luma", "SsimPadding", "to_uint8", "rgb_to_y", "rgb_to_gray", "psnr", "psnr_planes", "ssim", "ssim_planes", "gaussian_window_1d"]

# Which luma a colour image is scored on: "bt601" (rgb_to_y, the papers' convention) or "full_range" (rgb_to_gray).
Luma = Literal["bt601", "full_range"]
# How SSIM's window meets the border: "valid" (ssim_index.m) or "zero" (zero padding, the whole map; pytorch-ssim).
SsimPadding = Literal["valid", "zero"]

_Y_WEIGHTS = np.array([65.481, 128.553, 24.966], dtype=np.float64) / 255.0
_GRAY_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float64)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Quantise a float image in [0, 1] to uint8: ``round(clip(255 * x, 0, 255))`` (round half to even)."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image
    if not np.issubdtype(image.dtype, np.floating):
        raise TypeError(f"expected a float image in [0, 1] or uint8; got {image.dtype}")
    return np.clip(np.round(image.astype(np.float64) * 255.0), 0, 255).astype(np.uint8)


def rgb_to_y(image: np.ndarray, *, round_y: bool = False) -> np.ndarray:
    """BT.601 luma (MATLAB ``rgb2ycbcr``, range [16, 235]) of an RGB uint8 image ``(H, W, 3)``, float64.

    A grayscale image ``(H, W)`` is its own luma (returned as float64, not rescaled to [16, 235]),
    as in the MATLAB evaluation scripts behind the published bicubic numbers: Set14's grayscale
    ``bridge`` scores 1.32 dB lower this way than replicated to RGB, which is what makes the
    classic Set14 bicubic means (30.24 / 27.55 / 26.00) come out.
    """
    image = _check_uint8(image, "image")
    if image.ndim == 2:
        return image.astype(np.float64)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"rgb_to_y needs an (H, W, 3) RGB or (H, W) grayscale image; got shape {image.shape}")
    luma = image.astype(np.float64) @ _Y_WEIGHTS + 16.0
    return np.round(luma) if round_y else luma


def rgb_to_gray(image: np.ndarray) -> np.ndarray:
    """Full-range luma ``round(0.299 R + 0.587 G + 0.114 B)`` (range [0, 255]) of an RGB uint8 image ``(H, W, 3)``, float64.

    The luma of MATLAB ``rgb2gray`` and PIL ``convert('L')`` on 8-bit images, as the bicubic cells of
    GLDFN Table II (§IV-D) were scored (docs/decisions/gldfn.md, G1): the weighted sum in float64, rounded
    half to even. A grayscale image ``(H, W)`` is its own luma. Not the BT.601 Y of :func:`rgb_to_y`:
    on the same image its PSNR is ``20 log10(255 / 219)`` = 1.32 dB higher for the same error.
    """
    image = _check_uint8(image, "image")
    if image.ndim == 2:
        return image.astype(np.float64)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"rgb_to_gray needs an (H, W, 3) RGB or (H, W) grayscale image; got shape {image.shape}")
    return np.round(image.astype(np.float64) @ _GRAY_WEIGHTS)


def _luma(image: np.ndarray, luma: Luma, round_y: bool) -> np.ndarray:
    if luma == "bt601":
        return rgb_to_y(image, round_y=round_y)
    if luma == "full_range":
        return rgb_to_gray(image)
    raise ValueError(f"luma must be 'bt601' or 'full_range', got {luma!r}")


def _check_uint8(image: np.ndarray, name: str) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise TypeError(
            f"{name} must be uint8 (metrics are computed on 8-bit images, as the papers do); got {image.dtype}. "
            "Use dynsr.metrics.to_uint8 on float images in [0, 1]."
        )
    return image


def _prepare(sr: np.ndarray, hr: np.ndarray, crop: int, y_channel: bool, round_y: bool, luma: Luma = "bt601") -> tuple[np.ndarray, np.ndarray]:
    sr = _check_uint8(sr, "sr")
    hr = _check_uint8(hr, "hr")
    if sr.shape != hr.shape:
        raise ValueError(f"sr and hr shapes differ: {sr.shape} vs {hr.shape}; modcrop the HR to a multiple of the scale")
    if crop < 0 or 2 * crop >= min(hr.shape[:2]):
        raise ValueError(f"crop {crop} is invalid for an image of {hr.shape[0]}x{hr.shape[1]}")
    if y_channel:
        sr_planes, hr_planes = _luma(sr, luma, round_y)[..., None], _luma(hr, luma, round_y)[..., None]
    else:
        sr_planes = sr.astype(np.float64).reshape(sr.shape[0], sr.shape[1], -1)  # (H, W, C)
        hr_planes = hr.astype(np.float64).reshape(hr.shape[0], hr.shape[1], -1)  # (H, W, C)
    if crop:
        sr_planes = sr_planes[crop:-crop, crop:-crop]
        hr_planes = hr_planes[crop:-crop, crop:-crop]
    return sr_planes, hr_planes


def psnr(sr: np.ndarray, hr: np.ndarray, *, crop: int, y_channel: bool = True, round_y: bool = False, luma: Luma = "bt601") -> float:
    """PSNR in dB between two uint8 RGB images, on Y (default) or RGB, with ``crop`` pixels shaved.

    ``luma``: ``"bt601"`` (default, :func:`rgb_to_y`, rounded if ``round_y``) or ``"full_range"``
    (:func:`rgb_to_gray`, always rounded; the variant of the module docstring, for GLDFN Table II's
    Bicubic rows: docs/decisions/gldfn.md, G1). Returns ``inf`` for identical images.
    """
    return psnr_planes(*_prepare(sr, hr, crop, y_channel, round_y, luma))


def psnr_planes(sr_planes: np.ndarray, hr_planes: np.ndarray) -> float:
    """PSNR in dB of float planes on the 0-255 scale, already cropped (e.g. SRMD's channel mean of a gray image)."""
    mse = float(np.mean((np.asarray(sr_planes, dtype=np.float64) - hr_planes) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(255.0**2 / mse)


def gaussian_window_1d(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    """The normalised 1-D Gaussian whose outer product is MATLAB ``fspecial('gaussian', size, sigma)``."""
    offsets = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    window = np.exp(-(offsets**2) / (2.0 * sigma**2))
    return window / window.sum()


def _filter_valid(plane: np.ndarray, window: np.ndarray) -> np.ndarray:
    """``filter2(window ⊗ window, plane, 'valid')`` for a separable symmetric window."""
    rows = sliding_window_view(plane, window.size, axis=0) @ window  # (H - k + 1, W)
    return sliding_window_view(rows, window.size, axis=1) @ window  # (H - k + 1, W - k + 1)


def _filter_zero(plane: np.ndarray, window: np.ndarray) -> np.ndarray:
    """``filter2(window ⊗ window, plane, 'same')``: the window zero-padded at the borders, same size as ``plane``."""
    radius = window.size // 2
    return _filter_valid(np.pad(plane, radius), window)


def _ssim_plane(x: np.ndarray, y: np.ndarray, window: np.ndarray, padding: SsimPadding = "valid") -> float:
    c1 = (0.01 * 255.0) ** 2
    c2 = (0.03 * 255.0) ** 2
    if padding not in ("valid", "zero"):
        raise ValueError(f"padding must be 'valid' or 'zero', got {padding!r}")
    filt = _filter_valid if padding == "valid" else _filter_zero
    mu_x = filt(x, window)
    mu_y = filt(y, window)
    sigma_xx = filt(x * x, window) - mu_x**2
    sigma_yy = filt(y * y, window) - mu_y**2
    sigma_xy = filt(x * y, window) - mu_x * mu_y
    ssim_map = ((2 * mu_x * mu_y + c1) * (2 * sigma_xy + c2)) / ((mu_x**2 + mu_y**2 + c1) * (sigma_xx + sigma_yy + c2))
    return float(ssim_map.mean())


def ssim(
    sr: np.ndarray, hr: np.ndarray, *, crop: int, y_channel: bool = True, round_y: bool = False, luma: Luma = "bt601", padding: SsimPadding = "valid"
) -> float:
    """SSIM (Wang et al. ``ssim_index.m``) between two uint8 RGB images; RGB is the mean over channels.

    ``luma`` as in :func:`psnr`; ``padding``: ``"valid"`` (default, ``ssim_index.m``) or ``"zero"``
    (the window zero-padded at the borders, mean over the whole map; the variant of the module docstring,
    for GLDFN Table II's Bicubic rows: docs/decisions/gldfn.md, G1).
    """
    return ssim_planes(*_prepare(sr, hr, crop, y_channel, round_y, luma), padding=padding)


def ssim_planes(sr_planes: np.ndarray, hr_planes: np.ndarray, *, padding: SsimPadding = "valid") -> float:
    """SSIM of float planes ``(H, W)`` or ``(H, W, C)`` on the 0-255 scale, already cropped; the mean over planes.

    ``padding``: ``"valid"`` (``ssim_index.m``) or ``"zero"`` (zero-padded window, whole map; see :func:`ssim`).
    """
    sr_planes, hr_planes = (np.asarray(p, dtype=np.float64) for p in (sr_planes, hr_planes))
    if sr_planes.ndim == 2:
        sr_planes, hr_planes = sr_planes[..., None], hr_planes[..., None]  # (H, W, 1)
    if min(sr_planes.shape[:2]) < 11:
        raise ValueError(f"SSIM needs at least 11x11 pixels after cropping; got {sr_planes.shape[:2]}")
    window = gaussian_window_1d()
    return float(np.mean([_ssim_plane(sr_planes[..., c], hr_planes[..., c], window, padding) for c in range(sr_planes.shape[2])]))
