"""Tests of dynsr.metrics: PSNR/SSIM on the BT.601 Y channel, as the papers compute them.

SSIM is checked against scikit-image 0.26. ``structural_similarity(x, y, gaussian_weights=True,
sigma=1.5, use_sample_covariance=False, data_range=255)`` uses an 11x11 window (``truncate=3.5``
gives radius ``int(3.5 * 1.5 + 0.5) = 5``), filters the whole image, then averages the SSIM map over
the image minus a 5-pixel border, which is exactly the "valid" region of ``ssim_index.m``. With those
settings, on the Y planes (after the same crop) the two agree to 8e-16 (measured on Set5 ``bird``
with noise and on a blurred copy); the tests allow 1e-12. With skimage's default sample covariance
(N - 1 normalisation) they differ by 6e-4, and with its default 7x7 uniform window by 0.06.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import ndimage
from skimage.metrics import structural_similarity

from dynsr.data.images import load_rgb
from dynsr.data.root import dataset_dir
from dynsr.metrics import gaussian_window_1d, psnr, rgb_to_y, ssim, to_uint8

SKIMAGE_SSIM = {"gaussian_weights": True, "sigma": 1.5, "use_sample_covariance": False, "data_range": 255}


def _gray(value: int, shape: tuple[int, int] = (32, 32)) -> np.ndarray:
    return np.full(shape + (3,), value, dtype=np.uint8)


@pytest.fixture(scope="module")
def bird() -> np.ndarray:
    """Set5 ``bird`` (288x288 RGB); a missing data root is an error, not a skip."""
    return load_rgb(dataset_dir("Set5") / "bird.png")


# ----------------------------------------------------------------------------- to_uint8, rgb_to_y


def test_to_uint8_rounds_half_to_even_and_clips() -> None:
    values = np.array([-0.1, 0.0, 0.5, 1.0, 1.2, 2.6 / 255, 3.4 / 255])
    np.testing.assert_array_equal(to_uint8(values), [0, 0, 128, 255, 255, 3, 3])  # 127.5 -> 128
    assert to_uint8(values).dtype == np.uint8
    image = np.random.default_rng(0).integers(0, 256, (4, 4, 3), dtype=np.uint8)
    np.testing.assert_array_equal(to_uint8(image), image)
    np.testing.assert_array_equal(to_uint8(image.astype(np.float32) / 255), image)


def test_to_uint8_rejects_integer_non_uint8() -> None:
    with pytest.raises(TypeError, match="float image"):
        to_uint8(np.zeros((2, 2), dtype=np.int32))


def test_rgb_to_y_of_white_and_black() -> None:
    np.testing.assert_allclose(rgb_to_y(_gray(255, (2, 3))), 235.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(rgb_to_y(_gray(0, (2, 3))), 16.0, rtol=0, atol=1e-12)


def test_rgb_to_y_primaries_hand_values() -> None:
    image = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [100, 100, 100]]], dtype=np.uint8)
    expected = [16 + 65.481, 16 + 128.553, 16 + 24.966, 16 + 219.0 * 100 / 255]
    np.testing.assert_allclose(rgb_to_y(image)[0], expected, rtol=0, atol=1e-12)


def test_rgb_to_y_of_a_grayscale_array_is_itself() -> None:
    gray = np.random.default_rng(1).integers(0, 256, (5, 7), dtype=np.uint8)
    y = rgb_to_y(gray)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, gray)


def test_round_y_rounds() -> None:
    image = np.random.default_rng(2).integers(0, 256, (6, 6, 3), dtype=np.uint8)
    np.testing.assert_array_equal(rgb_to_y(image, round_y=True), np.round(rgb_to_y(image)))
    assert rgb_to_y(_gray(100, (1, 1)), round_y=True)[0, 0] == 102.0  # 101.882... -> 102
    assert not np.array_equal(rgb_to_y(image), rgb_to_y(image, round_y=True))


def test_rgb_to_y_rejects_float_and_wrong_channels() -> None:
    with pytest.raises(TypeError, match="to_uint8"):
        rgb_to_y(np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        rgb_to_y(np.zeros((4, 4, 4), dtype=np.uint8))


# ----------------------------------------------------------------------------- PSNR


def test_psnr_of_gray_images_one_level_apart() -> None:
    # RGB (v, v, v) has Y = 16 + 219 v / 255, so one RGB level moves Y by 219/255 everywhere:
    # MSE = (219/255)^2 and PSNR = 10 log10(255^2 / (219/255)^2) = 20 log10(255^2 / 219).
    expected = 20.0 * math.log10(255.0**2 / 219.0)
    assert expected == pytest.approx(49.4527, abs=1e-4)
    assert psnr(_gray(100), _gray(101), crop=0) == pytest.approx(expected, abs=1e-10)
    # With rounded Y (101.88 -> 102, 102.75 -> 103) the Y planes differ by exactly 1: 20 log10(255).
    assert psnr(_gray(100), _gray(101), crop=0, round_y=True) == pytest.approx(20.0 * math.log10(255.0), abs=1e-10)
    # On RGB every channel differs by 1: also 20 log10(255) = 48.1308 dB.
    assert psnr(_gray(100), _gray(101), crop=0, y_channel=False) == pytest.approx(48.130803608679, abs=1e-9)


def test_psnr_of_identical_images_is_inf() -> None:
    image = np.random.default_rng(3).integers(0, 256, (20, 20, 3), dtype=np.uint8)
    assert psnr(image, image.copy(), crop=2) == float("inf")


@pytest.mark.parametrize("border", [1, 3, 4])
def test_crop_removes_the_border(border: int) -> None:
    rng = np.random.default_rng(4)
    hr = rng.integers(0, 256, (24, 30, 3), dtype=np.uint8)
    sr = rng.integers(0, 256, (24, 30, 3), dtype=np.uint8)
    sr[border:-border, border:-border] = hr[border:-border, border:-border]  # differ only in the border
    assert psnr(sr, hr, crop=border) == float("inf")
    assert psnr(sr, hr, crop=border - 1) < 40.0
    assert ssim(sr, hr, crop=border) == pytest.approx(1.0, abs=1e-12)


def test_psnr_on_rgb_equals_direct_numpy_computation() -> None:
    rng = np.random.default_rng(5)
    hr = rng.integers(0, 256, (40, 36, 3), dtype=np.uint8)
    sr = np.clip(hr.astype(np.int64) + rng.integers(-20, 21, hr.shape), 0, 255).astype(np.uint8)
    difference = sr[4:-4, 4:-4].astype(np.float64) - hr[4:-4, 4:-4].astype(np.float64)
    expected = 10.0 * np.log10(255.0**2 / np.mean(difference**2))
    assert psnr(sr, hr, crop=4, y_channel=False) == pytest.approx(expected, abs=1e-10)


def test_psnr_on_y_equals_direct_numpy_computation() -> None:
    rng = np.random.default_rng(6)
    hr = rng.integers(0, 256, (30, 30, 3), dtype=np.uint8)
    sr = rng.integers(0, 256, (30, 30, 3), dtype=np.uint8)
    weights = np.array([65.481, 128.553, 24.966]) / 255.0
    y_sr = 16.0 + (sr.astype(np.float64) * weights).sum(axis=2)
    y_hr = 16.0 + (hr.astype(np.float64) * weights).sum(axis=2)
    expected = 10.0 * np.log10(255.0**2 / np.mean((y_sr[2:-2, 2:-2] - y_hr[2:-2, 2:-2]) ** 2))
    assert psnr(sr, hr, crop=2) == pytest.approx(expected, abs=1e-10)


def test_psnr_rejects_float_input_naming_to_uint8() -> None:
    image = np.zeros((16, 16, 3), dtype=np.uint8)
    with pytest.raises(TypeError, match="to_uint8"):
        psnr(image.astype(np.float64) / 255.0, image, crop=0)
    with pytest.raises(TypeError, match="to_uint8"):
        ssim(image, image.astype(np.float32), crop=0)


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError, match="shapes differ"):
        psnr(np.zeros((16, 16, 3), np.uint8), np.zeros((16, 17, 3), np.uint8), crop=0)
    with pytest.raises(ValueError, match="shapes differ"):
        ssim(np.zeros((16, 16, 3), np.uint8), np.zeros((16, 16), np.uint8), crop=0)


@pytest.mark.parametrize("crop", [-1, 8, 20])
def test_invalid_crop_raises(crop: int) -> None:
    image = np.zeros((16, 16, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="crop"):
        psnr(image, image, crop=crop)


# ----------------------------------------------------------------------------- SSIM


def test_gaussian_window_is_fspecial() -> None:
    offsets = np.arange(-5, 6)
    window = np.exp(-(offsets**2) / (2 * 1.5**2))
    np.testing.assert_allclose(gaussian_window_1d(), window / window.sum(), rtol=0, atol=1e-15)


def test_ssim_of_constant_images_hand_value() -> None:
    # No variance anywhere: SSIM = (2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1), C1 = (0.01 * 255)^2.
    mu_x, mu_y = 16.0 + 219.0 * 100 / 255, 16.0 + 219.0 * 140 / 255
    c1 = (0.01 * 255) ** 2
    expected = (2 * mu_x * mu_y + c1) / (mu_x**2 + mu_y**2 + c1)
    assert ssim(_gray(100), _gray(140), crop=0) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("crop", [0, 2, 4])
@pytest.mark.parametrize("round_y", [False, True])
def test_ssim_matches_skimage_on_y(bird: np.ndarray, crop: int, round_y: bool) -> None:
    rng = np.random.default_rng(7)
    noisy = np.clip(np.round(bird + rng.normal(0.0, 10.0, bird.shape)), 0, 255).astype(np.uint8)
    blurred = np.round(ndimage.gaussian_filter(bird.astype(np.float64), (1.2, 1.2, 0))).astype(np.uint8)
    for sr in (noisy, blurred):
        y_sr, y_hr = rgb_to_y(sr, round_y=round_y), rgb_to_y(bird, round_y=round_y)
        if crop:
            y_sr, y_hr = y_sr[crop:-crop, crop:-crop], y_hr[crop:-crop, crop:-crop]
        expected = structural_similarity(y_sr, y_hr, **SKIMAGE_SSIM)
        assert 0.5 < expected < 0.99  # a real, non-trivial comparison
        assert ssim(sr, bird, crop=crop, round_y=round_y) == pytest.approx(expected, abs=1e-12)


def test_ssim_on_rgb_matches_skimage_channel_mean(bird: np.ndarray) -> None:
    sr = np.clip(np.round(bird + np.random.default_rng(8).normal(0.0, 8.0, bird.shape)), 0, 255).astype(np.uint8)
    expected = structural_similarity(sr.astype(np.float64), bird.astype(np.float64), channel_axis=2, **SKIMAGE_SSIM)
    assert ssim(sr, bird, crop=0, y_channel=False) == pytest.approx(expected, abs=1e-12)


def test_ssim_differs_from_skimage_defaults(bird: np.ndarray) -> None:
    # Documents why the settings above matter: skimage's defaults are another SSIM.
    sr = np.clip(np.round(bird + np.random.default_rng(9).normal(0.0, 10.0, bird.shape)), 0, 255).astype(np.uint8)
    ours = ssim(sr, bird, crop=0)
    y_sr, y_hr = rgb_to_y(sr), rgb_to_y(bird)
    assert abs(ours - structural_similarity(y_sr, y_hr, gaussian_weights=True, sigma=1.5, data_range=255)) > 1e-4
    assert abs(ours - structural_similarity(y_sr, y_hr, data_range=255)) > 1e-2


def test_ssim_of_an_image_with_itself_is_one(bird: np.ndarray) -> None:
    assert ssim(bird, bird.copy(), crop=4) == pytest.approx(1.0, abs=1e-15)
    assert ssim(bird, bird.copy(), crop=0, y_channel=False) == pytest.approx(1.0, abs=1e-15)


def test_ssim_is_symmetric() -> None:
    rng = np.random.default_rng(10)
    a = rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)
    b = np.clip(a.astype(np.int64) + rng.integers(-30, 31, a.shape), 0, 255).astype(np.uint8)
    assert ssim(a, b, crop=2) == pytest.approx(ssim(b, a, crop=2), abs=1e-15)
    assert ssim(a, b, crop=2) < 0.99


def test_ssim_needs_11_pixels_after_cropping() -> None:
    image = np.zeros((16, 16, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="11x11"):
        ssim(image, image, crop=3)
