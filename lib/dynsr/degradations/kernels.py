"""Gaussian blur kernels, with both anisotropic conventions named explicitly.

Convention for every kernel in dynsr: a float64 array ``(k, k)``, ``k`` odd, summing to 1, rows
indexed by the vertical offset ``y`` (downwards) and columns by the horizontal offset ``x``, both
running from ``-(k // 2)`` to ``k // 2``; the centre tap is ``[k // 2, k // 2]``.

Isotropic: ``k(x, y) ∝ exp(-(x² + y²) / (2 σ²))``. This is MATLAB ``fspecial('gaussian', k, σ)``
(SRMD, UDVD §4.1 with k = 15; DMSR §4.1 with k = 15) and DASR's ``isotropic_gaussian_kernel``
(DASR §4.1, k = 21), up to ``fspecial`` zeroing taps below ``eps·max`` (under 1e-16 here).

Anisotropic: ``k(x, y) ∝ exp(-½ [x y] Σ⁻¹ [x y]ᵀ)`` with ``Σ = R(θ) diag(a, b) R(θ)ᵀ``, where the
first principal axis points along ``(cos θ, sin θ)`` in (x, y). What ``a`` and ``b`` are differs:

* ``"variance"`` (SRMD/KAIR ``anisotropic_Gaussian(ksize, theta, l1, l2)``): the parameters *are*
  the covariance eigenvalues, ``a = l1``, ``b = l2``.
* ``"std"`` (DASR's code, ``random_anisotropic_gaussian_kernel``; DASR §4.1 calls them
  "eigenvalues" but the code squares them): the parameters are standard deviations along the
  principal axes, ``a = λ1²``, ``b = λ2²``. DASR Table 3's kernels use this convention.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

__all__ = [
    "AnisotropicConvention",
    "delta_kernel",
    "isotropic_gaussian_kernel",
    "anisotropic_gaussian_kernel",
    "gaussian_covariance",
    "sample_isotropic_gaussian_kernel",
    "sample_anisotropic_gaussian_kernel",
    "check_kernel",
]

AnisotropicConvention = Literal["variance", "std"]


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    if size < 1 or size % 2 == 0:
        raise ValueError(f"kernel size must be a positive odd integer, got {size}")
    offsets = np.arange(size, dtype=np.float64) - size // 2
    x, y = np.meshgrid(offsets, offsets, indexing="xy")  # x varies along columns, y along rows
    return x, y


def delta_kernel(size: int) -> np.ndarray:
    """The identity blur (a centred 1 in a ``size`` x ``size`` kernel): "no blur" as a kernel."""
    kernel = np.zeros((size, size))
    kernel[size // 2, size // 2] = 1.0
    return kernel


def isotropic_gaussian_kernel(size: int, sigma: float) -> np.ndarray:
    """Isotropic Gaussian kernel of width (standard deviation) ``sigma`` pixels, sum 1."""
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma}; use no blur for width 0")
    x, y = _grid(size)
    kernel = np.exp(-(x**2 + y**2) / (2.0 * sigma**2))
    return kernel / kernel.sum()


def gaussian_covariance(lambda1: float, lambda2: float, theta: float, *, convention: AnisotropicConvention) -> np.ndarray:
    """The 2x2 covariance ``R(θ) diag(a, b) R(θ)ᵀ`` (θ in radians) for the named convention."""
    if not (lambda1 > 0 and lambda2 > 0):
        raise ValueError(f"lambda1 and lambda2 must be positive, got {lambda1}, {lambda2}")
    if convention == "variance":
        eigenvalues = np.array([lambda1, lambda2], dtype=np.float64)
    elif convention == "std":
        eigenvalues = np.array([lambda1, lambda2], dtype=np.float64) ** 2
    else:
        raise ValueError(f"convention must be 'variance' (SRMD/KAIR) or 'std' (DASR code), got {convention!r}")
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    return rotation @ np.diag(eigenvalues) @ rotation.T


def anisotropic_gaussian_kernel(
    size: int, *, lambda1: float, lambda2: float, theta: float, convention: AnisotropicConvention, mean: tuple[float, float] = (0.0, 0.0)
) -> np.ndarray:
    """Anisotropic Gaussian kernel, sum 1. ``theta`` in radians; see the module docstring for ``convention``.

    ``mean``: the ``(x, y)`` offset in pixels of the Gaussian's centre from the centre tap (KAIR's ``gen_kernel`` moves it
    by ``-(s - 1) / 2`` on both axes, :mod:`dynsr.degradations.regions`); 0 for every other kernel of dynsr.
    """
    precision = np.linalg.inv(gaussian_covariance(lambda1, lambda2, theta, convention=convention))
    x, y = _grid(size)
    x, y = x - mean[0], y - mean[1]
    quadratic = precision[0, 0] * x**2 + 2.0 * precision[0, 1] * x * y + precision[1, 1] * y**2
    kernel = np.exp(-0.5 * quadratic)
    return kernel / kernel.sum()


def sample_isotropic_gaussian_kernel(
    size: int, *, sigma_range: tuple[float, float], rng: np.random.Generator
) -> tuple[np.ndarray, float]:
    """Draw σ ~ U(sigma_range) and return ``(kernel, σ)`` (UDVD/DMSR/DASR setting 1 training)."""
    sigma = float(rng.uniform(*sigma_range))
    return isotropic_gaussian_kernel(size, sigma), sigma


def sample_anisotropic_gaussian_kernel(
    size: int,
    *,
    lambda_range: tuple[float, float],
    theta_range: tuple[float, float] = (0.0, np.pi),
    convention: AnisotropicConvention,
    rng: np.random.Generator,
) -> tuple[np.ndarray, tuple[float, float, float]]:
    """Draw λ1, λ2 ~ U(lambda_range) independently and θ ~ U(theta_range) (DASR setting 2, §4.1).

    Returns ``(kernel, (λ1, λ2, θ))``.
    """
    lambda1, lambda2 = (float(v) for v in rng.uniform(*lambda_range, size=2))
    theta = float(rng.uniform(*theta_range))
    kernel = anisotropic_gaussian_kernel(size, lambda1=lambda1, lambda2=lambda2, theta=theta, convention=convention)
    return kernel, (lambda1, lambda2, theta)


def check_kernel(kernel: np.ndarray, *, atol: float = 1e-6) -> np.ndarray:
    """Validate a blur kernel: 2-D, square, odd size, finite, summing to 1. Returns it as float64."""
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 2 or kernel.shape[0] != kernel.shape[1] or kernel.shape[0] % 2 == 0:
        raise ValueError(f"a blur kernel must be a square array of odd size; got shape {kernel.shape}")
    if not np.all(np.isfinite(kernel)):
        raise ValueError("blur kernel has non-finite values")
    if abs(kernel.sum() - 1.0) > atol:
        raise ValueError(f"blur kernel sums to {kernel.sum():.8f}, not 1; normalise it (kernel / kernel.sum())")
    return kernel
