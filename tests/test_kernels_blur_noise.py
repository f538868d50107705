"""Tests of dynsr.degradations.kernels, .blur and .noise.

Blur is checked against ``scipy.ndimage.correlate`` / ``convolve`` with the matching boundary mode:
dynsr ``reflect`` (``nn.ReflectionPad2d``, edge not repeated) is scipy ``mirror``, ``replicate`` is
``nearest``, ``wrap`` is ``wrap`` and ``zero`` is ``constant`` (cval 0).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import ndimage

from dynsr.degradations.blur import blur, pad_image
from dynsr.degradations.kernels import (
    anisotropic_gaussian_kernel,
    check_kernel,
    gaussian_covariance,
    isotropic_gaussian_kernel,
    sample_anisotropic_gaussian_kernel,
    sample_isotropic_gaussian_kernel,
)
from dynsr.degradations.noise import add_gaussian_noise, add_gaussian_noise_torch, clip_unit, quantize

SCIPY_MODES = {"reflect": "mirror", "replicate": "nearest", "wrap": "wrap", "zero": "constant"}


def _second_moments(kernel: np.ndarray) -> np.ndarray:
    """The kernel's 2x2 covariance in (x, y) = (column offset, row offset) about the centre tap."""
    radius = kernel.shape[0] // 2
    y, x = np.mgrid[-radius : radius + 1, -radius : radius + 1].astype(np.float64)
    points = np.stack([x.ravel(), y.ravel()])  # (2, k*k)
    return (points * kernel.ravel()) @ points.T


# ----------------------------------------------------------------------------- isotropic


def test_isotropic_size3_sigma1_hand_values() -> None:
    total = 1.0 + 4.0 * math.exp(-0.5) + 4.0 * math.exp(-1.0)
    expected = np.array(
        [
            [math.exp(-1.0), math.exp(-0.5), math.exp(-1.0)],
            [math.exp(-0.5), 1.0, math.exp(-0.5)],
            [math.exp(-1.0), math.exp(-0.5), math.exp(-1.0)],
        ]
    ) / total
    np.testing.assert_allclose(isotropic_gaussian_kernel(3, 1.0), expected, rtol=0, atol=1e-15)
    assert isotropic_gaussian_kernel(3, 1.0)[1, 1] == pytest.approx(0.20417995557165, abs=1e-13)


@pytest.mark.parametrize(("size", "sigma"), [(15, 1.3), (21, 2.6), (7, 0.2), (21, 4.0)])
def test_isotropic_properties(size: int, sigma: float) -> None:
    kernel = isotropic_gaussian_kernel(size, sigma)
    assert kernel.shape == (size, size)
    assert kernel.sum() == pytest.approx(1.0, abs=1e-14)
    np.testing.assert_allclose(kernel, kernel.T, rtol=0, atol=1e-17)
    np.testing.assert_allclose(kernel, kernel[::-1, ::-1], rtol=0, atol=1e-17)
    np.testing.assert_allclose(kernel, kernel[:, ::-1], rtol=0, atol=1e-17)
    assert np.unravel_index(np.argmax(kernel), kernel.shape) == (size // 2, size // 2)
    offsets = np.arange(size) - size // 2
    g = np.exp(-(offsets**2) / (2.0 * sigma**2))
    g /= g.sum()
    np.testing.assert_allclose(kernel, np.outer(g, g), rtol=0, atol=1e-15)


@pytest.mark.parametrize(("size", "sigma"), [(4, 1.0), (0, 1.0), (5, 0.0), (5, -1.0)])
def test_isotropic_rejects_bad_arguments(size: int, sigma: float) -> None:
    with pytest.raises(ValueError):
        isotropic_gaussian_kernel(size, sigma)


# ----------------------------------------------------------------------------- anisotropic


@pytest.mark.parametrize("theta", [0.0, 0.7, 2.0])
def test_equal_lambdas_give_the_isotropic_kernel(theta: float) -> None:
    std = anisotropic_gaussian_kernel(21, lambda1=1.7, lambda2=1.7, theta=theta, convention="std")
    np.testing.assert_allclose(std, isotropic_gaussian_kernel(21, 1.7), rtol=0, atol=1e-15)  # sigma = lambda
    variance = anisotropic_gaussian_kernel(15, lambda1=2.25, lambda2=2.25, theta=theta, convention="variance")
    np.testing.assert_allclose(variance, isotropic_gaussian_kernel(15, 1.5), rtol=0, atol=1e-15)  # sigma^2 = l


@pytest.mark.parametrize(("lambda1", "lambda2", "theta"), [(2.0, 0.2, 0.0), (3.5, 1.5, np.deg2rad(30)), (4.0, 3.0, np.deg2rad(165))])
def test_std_and_variance_conventions_agree_when_variance_is_std_squared(lambda1, lambda2, theta) -> None:
    std = anisotropic_gaussian_kernel(21, lambda1=lambda1, lambda2=lambda2, theta=theta, convention="std")
    variance = anisotropic_gaussian_kernel(21, lambda1=lambda1**2, lambda2=lambda2**2, theta=theta, convention="variance")
    np.testing.assert_allclose(std, variance, rtol=0, atol=1e-15)
    assert np.abs(std - anisotropic_gaussian_kernel(21, lambda1=lambda1, lambda2=lambda2, theta=theta, convention="variance")).max() > 1e-3


def test_theta_zero_is_the_axis_aligned_product() -> None:
    # theta = 0: the first axis is x (columns): k ∝ exp(-x^2 / (2 l1) - y^2 / (2 l2)).
    offsets = np.arange(15) - 7
    gx, gy = np.exp(-(offsets**2) / (2 * 6.0)), np.exp(-(offsets**2) / (2 * 1.5))
    expected = np.outer(gy, gx)  # rows are y, columns are x
    kernel = anisotropic_gaussian_kernel(15, lambda1=6.0, lambda2=1.5, theta=0.0, convention="variance")
    np.testing.assert_allclose(kernel, expected / expected.sum(), rtol=0, atol=1e-15)
    assert kernel[7, 10] > kernel[10, 7]  # wider along the columns


@pytest.mark.parametrize("convention", ["std", "variance"])
def test_theta_90_degrees_is_the_transpose(convention: str) -> None:
    zero = anisotropic_gaussian_kernel(21, lambda1=3.0, lambda2=1.0, theta=0.0, convention=convention)
    ninety = anisotropic_gaussian_kernel(21, lambda1=3.0, lambda2=1.0, theta=np.pi / 2, convention=convention)
    np.testing.assert_allclose(ninety, zero.T, rtol=0, atol=1e-15)
    assert np.abs(zero - zero.T).max() > 1e-3


@pytest.mark.parametrize(("lambda1", "lambda2", "theta_degrees"), [(9.0, 1.0, 30.0), (4.0, 2.0, 120.0), (1.0, 6.0, 10.0)])
def test_covariance_eigenvalues_and_kernel_second_moments(lambda1, lambda2, theta_degrees) -> None:
    theta = np.deg2rad(theta_degrees)
    covariance = gaussian_covariance(lambda1, lambda2, theta, convention="variance")
    values, vectors = np.linalg.eigh(covariance)
    np.testing.assert_allclose(values, sorted([lambda1, lambda2]), rtol=0, atol=1e-12)
    first_axis = vectors[:, list(values).index(min(values, key=lambda v: abs(v - lambda1)))]
    assert abs(first_axis @ [np.cos(theta), np.sin(theta)]) == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(
        np.linalg.eigvalsh(gaussian_covariance(math.sqrt(lambda1), math.sqrt(lambda2), theta, convention="std")),
        sorted([lambda1, lambda2]),
        rtol=0,
        atol=1e-12,
    )
    # A sampled Gaussian with all variances >= 1 has the continuous moments to ~exp(-2 pi^2) (Poisson
    # summation); the 41x41 support truncates beyond 20 px, > 6.6 sigma here.
    kernel = anisotropic_gaussian_kernel(41, lambda1=lambda1, lambda2=lambda2, theta=theta, convention="variance")
    np.testing.assert_allclose(_second_moments(kernel), covariance, rtol=0, atol=1e-7)


def test_anisotropic_mean_moves_the_centre_of_mass() -> None:
    """``mean=(dx, dy)`` (KAIR gen_kernel's shift, used by dynsr.degradations.regions) moves the centre of mass by (dx, dy)."""
    kernel = anisotropic_gaussian_kernel(21, lambda1=1.5, lambda2=0.8, theta=0.4, convention="variance", mean=(-1.5, 0.5))
    y, x = np.mgrid[-10:11, -10:11].astype(np.float64)
    assert ((kernel * x).sum(), (kernel * y).sum()) == (pytest.approx(-1.5, abs=1e-9), pytest.approx(0.5, abs=1e-9))
    centred = anisotropic_gaussian_kernel(21, lambda1=1.5, lambda2=0.8, theta=0.4, convention="variance")
    np.testing.assert_allclose(_second_moments(kernel) - np.outer([-1.5, 0.5], [-1.5, 0.5]), _second_moments(centred), rtol=0, atol=1e-5)  # sampling: not exact


def test_anisotropic_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="convention"):
        anisotropic_gaussian_kernel(15, lambda1=1.0, lambda2=1.0, theta=0.0, convention="sigma")
    with pytest.raises(ValueError, match="positive"):
        anisotropic_gaussian_kernel(15, lambda1=0.0, lambda2=1.0, theta=0.0, convention="std")
    with pytest.raises(ValueError, match="odd"):
        anisotropic_gaussian_kernel(14, lambda1=1.0, lambda2=1.0, theta=0.0, convention="std")


def test_samplers_are_reproducible_and_consistent() -> None:
    kernel, sigma = sample_isotropic_gaussian_kernel(21, sigma_range=(0.2, 4.0), rng=np.random.default_rng(0))
    assert 0.2 <= sigma <= 4.0
    np.testing.assert_array_equal(kernel, isotropic_gaussian_kernel(21, sigma))
    again, sigma_again = sample_isotropic_gaussian_kernel(21, sigma_range=(0.2, 4.0), rng=np.random.default_rng(0))
    assert sigma_again == sigma
    kernel, (l1, l2, theta) = sample_anisotropic_gaussian_kernel(
        21, lambda_range=(0.2, 4.0), convention="std", rng=np.random.default_rng(1)
    )
    assert 0.2 <= l1 <= 4.0 and 0.2 <= l2 <= 4.0 and 0.0 <= theta <= np.pi
    np.testing.assert_array_equal(kernel, anisotropic_gaussian_kernel(21, lambda1=l1, lambda2=l2, theta=theta, convention="std"))


def test_check_kernel() -> None:
    with pytest.raises(ValueError, match="sums to"):
        check_kernel(np.ones((3, 3)))
    with pytest.raises(ValueError, match="odd size"):
        check_kernel(np.ones((4, 4)) / 16)
    with pytest.raises(ValueError, match="odd size"):
        check_kernel(np.ones((3, 5)) / 15)
    with pytest.raises(ValueError, match="non-finite"):
        check_kernel(np.array([[np.nan, 0, 0], [0, 1, 0], [0, 0, 0]]))
    assert check_kernel(np.ones((3, 3), dtype=np.float32) / 9).dtype == np.float64


# ----------------------------------------------------------------------------- blur


def _random_kernel(size: int, seed: int) -> np.ndarray:
    """An asymmetric, full-rank, positive kernel summing to 1."""
    kernel = np.random.default_rng(seed).random((size, size)) + 0.05
    return kernel / kernel.sum()


def _rank1_asymmetric_kernel(size: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    kernel = np.outer(rng.random(size) + 0.1, rng.random(size) + 0.1)
    return kernel / kernel.sum()


KERNELS = {
    "isotropic": isotropic_gaussian_kernel(7, 1.3),
    "anisotropic": anisotropic_gaussian_kernel(9, lambda1=2.5, lambda2=0.8, theta=np.deg2rad(30), convention="std"),
    "asymmetric_full_rank": _random_kernel(5, 0),
    "asymmetric_rank1": _rank1_asymmetric_kernel(7, 1),
}


def test_kernel_ranks() -> None:
    # blur() applies rank-1 kernels as two 1-D passes and others as one 2-D filter: cover both.
    ranks = {name: np.linalg.matrix_rank(kernel, tol=1e-12) for name, kernel in KERNELS.items()}
    assert ranks == {"isotropic": 1, "anisotropic": 9, "asymmetric_full_rank": 5, "asymmetric_rank1": 1}


@pytest.mark.parametrize("padding", list(SCIPY_MODES))
@pytest.mark.parametrize("name", list(KERNELS))
def test_blur_hwc_and_hw_match_scipy_correlate(padding: str, name: str) -> None:
    kernel = KERNELS[name]
    image = np.random.default_rng(2).random((19, 23, 3))
    out = blur(image, kernel, padding=padding)
    assert out.shape == image.shape and out.dtype == np.float64
    for c in range(3):
        expected = ndimage.correlate(image[:, :, c], kernel, mode=SCIPY_MODES[padding], cval=0.0)
        np.testing.assert_allclose(out[:, :, c], expected, rtol=0, atol=1e-12)
    plane = blur(image[:, :, 1], kernel, padding=padding)
    assert plane.shape == (19, 23)
    np.testing.assert_allclose(plane, out[:, :, 1], rtol=0, atol=1e-12)


@pytest.mark.parametrize("padding", list(SCIPY_MODES))
@pytest.mark.parametrize("name", ["isotropic", "anisotropic", "asymmetric_full_rank"])
def test_blur_nchw_tensor_matches_scipy_correlate(padding: str, name: str) -> None:
    kernel = KERNELS[name]
    image = torch.from_numpy(np.random.default_rng(3).random((2, 3, 16, 14))).to(torch.float32)
    out = blur(image, kernel, padding=padding)
    assert out.shape == image.shape and out.dtype == torch.float64  # computed in float64
    reference = image.double().numpy()
    for n in range(2):
        for c in range(3):
            expected = ndimage.correlate(reference[n, c], kernel, mode=SCIPY_MODES[padding], cval=0.0)
            np.testing.assert_allclose(out[n, c].numpy(), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("padding", list(SCIPY_MODES))
@pytest.mark.parametrize("name", ["asymmetric_full_rank", "asymmetric_rank1"])
def test_flip_equals_scipy_convolve(padding: str, name: str) -> None:
    kernel = KERNELS[name]
    image = np.random.default_rng(4).random((17, 18))
    expected = ndimage.convolve(image, kernel, mode=SCIPY_MODES[padding], cval=0.0)
    np.testing.assert_allclose(blur(image, kernel, padding=padding, flip=True), expected, rtol=0, atol=1e-12)
    assert np.abs(blur(image, kernel, padding=padding) - expected).max() > 1e-3  # correlation is different


@pytest.mark.parametrize("padding", list(SCIPY_MODES))
@pytest.mark.parametrize("name", ["anisotropic", "asymmetric_full_rank"])
def test_fft_blur_matches_scipy(padding: str, name: str) -> None:
    """``fft=True`` (kernels that are not rank 1: the Fourier path) gives the direct result to rounding, numpy and torch."""
    kernel = KERNELS[name]
    image = np.random.default_rng(5).random((17, 21, 2))
    for flip, filtering in ((False, ndimage.correlate), (True, ndimage.convolve)):
        out = blur(image, kernel, padding=padding, flip=flip, fft=True)
        for c in range(2):
            np.testing.assert_allclose(out[:, :, c], filtering(image[:, :, c], kernel, mode=SCIPY_MODES[padding], cval=0.0), rtol=0, atol=1e-12)
    tensor = torch.from_numpy(image.transpose(2, 0, 1).copy())[None]  # (1, 2, 17, 21)
    np.testing.assert_allclose(blur(tensor, kernel, padding=padding, fft=True)[0].numpy(), blur(tensor, kernel, padding=padding)[0].numpy(),
                               rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", ["asymmetric_full_rank", "asymmetric_rank1", "anisotropic"])
def test_delta_image_gives_the_kernel(name: str) -> None:
    kernel = KERNELS[name]
    size, radius = 21, kernel.shape[0] // 2
    delta = np.zeros((size, size))
    delta[10, 10] = 1.0
    window = (slice(10 - radius, 11 + radius),) * 2
    correlated = blur(delta, kernel, padding="zero")
    convolved = blur(delta, kernel, padding="zero", flip=True)
    np.testing.assert_allclose(correlated[window], kernel[::-1, ::-1], rtol=0, atol=1e-15)  # correlation: flipped
    np.testing.assert_allclose(convolved[window], kernel, rtol=0, atol=1e-15)  # convolution: the kernel
    assert np.abs(correlated).sum() == pytest.approx(1.0, abs=1e-12)  # nothing outside the window


def test_blur_of_a_constant_image_is_constant_except_zero_padding() -> None:
    image = np.full((12, 12, 3), 0.4)
    for padding in ("reflect", "replicate", "wrap"):
        np.testing.assert_allclose(blur(image, KERNELS["anisotropic"], padding=padding), 0.4, rtol=0, atol=1e-14)
    assert blur(image, KERNELS["anisotropic"], padding="zero")[0, 0, 0] < 0.39


def test_blur_errors() -> None:
    kernel = KERNELS["isotropic"]
    with pytest.raises(ValueError, match="padding must be one of"):
        blur(np.zeros((10, 10)), kernel, padding="mirror")
    with pytest.raises(ValueError, match=r"\(H, W\) or \(H, W, C\)"):
        blur(np.zeros(10), kernel, padding="zero")
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        blur(torch.zeros(3, 10, 10), kernel, padding="zero")
    with pytest.raises(TypeError, match="numpy array or a torch tensor"):
        blur([[0.0] * 10] * 10, kernel, padding="zero")
    with pytest.raises(ValueError, match="sums to"):
        blur(np.zeros((10, 10)), kernel * 2, padding="zero")


def test_pad_image_modes() -> None:
    x = torch.arange(4.0).repeat(3, 1)[None, None]  # (1, 1, 3, 4), every row [0 1 2 3]
    assert pad_image(x, (2, 2, 0, 0), "reflect")[0, 0, 1].tolist() == [2, 1, 0, 1, 2, 3, 2, 1]
    assert pad_image(x, (2, 2, 0, 0), "replicate")[0, 0, 1].tolist() == [0, 0, 0, 1, 2, 3, 3, 3]
    assert pad_image(x, (2, 2, 0, 0), "wrap")[0, 0, 1].tolist() == [2, 3, 0, 1, 2, 3, 0, 1]
    assert pad_image(x, (2, 2, 0, 0), "zero")[0, 0, 1].tolist() == [0, 0, 0, 1, 2, 3, 0, 0]
    with pytest.raises(ValueError, match="padding must be one of"):
        pad_image(x, (1, 1, 1, 1), "mirror")


@pytest.mark.parametrize("padding", list(SCIPY_MODES))
def test_separable_blur_of_an_image_smaller_than_the_kernel_matches_scipy(padding: str) -> None:
    # 3 rows, radius 4: the boundary extension folds/wraps more than once, as scipy's does.
    kernel = isotropic_gaussian_kernel(9, 1.3)
    image = np.random.default_rng(7).random((3, 10))
    expected = ndimage.correlate(image, kernel, mode=SCIPY_MODES[padding], cval=0.0)
    np.testing.assert_allclose(blur(image, kernel, padding=padding), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("padding", ["wrap", "reflect"])
def test_non_separable_blur_of_an_image_smaller_than_the_kernel_matches_scipy(padding: str) -> None:
    kernel = anisotropic_gaussian_kernel(9, lambda1=2.5, lambda2=0.8, theta=0.5, convention="std")
    image = np.random.default_rng(7).random((3, 10))
    expected = ndimage.correlate(image, kernel, mode=SCIPY_MODES[padding], cval=0.0)
    np.testing.assert_allclose(blur(image, kernel, padding=padding), expected, rtol=0, atol=1e-12)


# ----------------------------------------------------------------------------- noise


def test_gaussian_noise_is_reproducible_and_has_the_right_std() -> None:
    image = np.full((256, 256, 3), 0.5)
    first = add_gaussian_noise(image, 15.0, rng=np.random.default_rng(42))
    second = add_gaussian_noise(image, 15.0, rng=np.random.default_rng(42))
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, image + (15.0 / 255.0) * np.random.default_rng(42).standard_normal(image.shape))
    assert not np.array_equal(first, add_gaussian_noise(image, 15.0, rng=np.random.default_rng(43)))
    noise = first - image
    # 196,608 samples: the sample std's relative error has std 1/sqrt(2N) = 0.0016; allow 1% (6 sd).
    assert noise.std() == pytest.approx(15.0 / 255.0, rel=0.01)
    assert abs(noise.mean()) < 5 * (15.0 / 255.0) / math.sqrt(noise.size)
    assert first.max() > 0.5 + 4 * 15.0 / 255.0  # not clipped


def test_zero_noise_returns_an_equal_copy() -> None:
    image = np.random.default_rng(5).random((8, 8, 3))
    out = add_gaussian_noise(image, 0.0, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(out, image)
    out[0, 0, 0] = 7.0
    assert image[0, 0, 0] != 7.0


def test_negative_noise_raises() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        add_gaussian_noise(np.zeros((4, 4)), -1.0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="non-negative"):
        add_gaussian_noise_torch(torch.zeros(2, 1, 4, 4), torch.tensor([1.0, -1.0]), generator=torch.Generator().manual_seed(0))


def test_torch_noise_per_sample_levels() -> None:
    image = torch.zeros(3, 2, 64, 64, dtype=torch.float64)
    out = add_gaussian_noise_torch(image, torch.tensor([0.0, 10.0, 50.0]), generator=torch.Generator().manual_seed(0))
    again = add_gaussian_noise_torch(image, torch.tensor([0.0, 10.0, 50.0]), generator=torch.Generator().manual_seed(0))
    assert torch.equal(out, again)
    assert torch.equal(out[0], image[0])
    assert out[1].std().item() == pytest.approx(10.0 / 255.0, rel=0.05)  # 8192 samples: sd of estimate 0.8%
    assert out[2].std().item() == pytest.approx(50.0 / 255.0, rel=0.05)


def test_quantize_maps_to_8bit_levels_and_clips() -> None:
    values = np.array([-0.3, 0.0, 0.5, 0.2, 1.0, 1.7, 100.4 / 255, 100.6 / 255])
    expected = np.array([0, 0, 128, 51, 255, 255, 100, 101]) / 255.0  # 127.5 -> 128 (half to even), 51.0 -> 51
    np.testing.assert_array_equal(quantize(values), expected)
    noisy = np.random.default_rng(6).normal(0.5, 0.4, (32, 32, 3))
    q = quantize(noisy)
    assert q.min() == 0.0 and q.max() == 1.0
    levels = q * 255.0
    np.testing.assert_allclose(levels, np.round(levels), rtol=0, atol=1e-9)
    assert np.abs(q - np.clip(noisy, 0, 1)).max() <= 0.5 / 255 + 1e-12
    np.testing.assert_array_equal(quantize(torch.from_numpy(noisy)).numpy(), q)


def test_clip_unit() -> None:
    values = np.array([-0.5, 0.25, 1.5])
    np.testing.assert_array_equal(clip_unit(values), [0.0, 0.25, 1.0])
    np.testing.assert_array_equal(clip_unit(torch.from_numpy(values)).numpy(), [0.0, 0.25, 1.0])
