"""Spatially varying degradations (UDVD Table 3) and the bicubic-baseline experiment."""

from __future__ import annotations

import numpy as np
import pytest

from dynsr.data.benchmarks import NamedImage, load_benchmark
from dynsr.data.images import modcrop
from dynsr.degradations.bicubic import matlab_bicubic_resize
from dynsr.degradations.blur import blur
from dynsr.degradations.kernels import isotropic_gaussian_kernel
from dynsr.degradations.pipelines import Degradation, GaussianKernel
from dynsr.degradations.spatial import LinearRamp, Quadrants, SpatiallyVaryingDegradation, degrade_spatially_varying, spatially_varying_blur
from dynsr.experiments.bicubic import bicubic_sr, evaluate_bicubic
from dynsr.metrics import psnr, rgb_to_y


@pytest.mark.parametrize("padding", ["replicate", "reflect", "wrap", "zero"])
def test_constant_width_map_equals_plain_blur(padding: str) -> None:
    image = np.random.default_rng(0).random((23, 30, 3))
    expected = blur(image, isotropic_gaussian_kernel(7, 1.1), padding=padding)
    got = spatially_varying_blur(image, np.full((23, 30), 1.1), kernel_size=7, padding=padding)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-13)


def test_each_column_is_blurred_with_its_own_kernel() -> None:
    image = np.random.default_rng(1).random((20, 12, 1))
    widths = np.tile(np.linspace(0.3, 2.0, 12), (20, 1))
    got = spatially_varying_blur(image, widths, kernel_size=5, padding="replicate")
    for column in (0, 5, 11):
        expected = blur(image, isotropic_gaussian_kernel(5, widths[0, column]), padding="replicate")
        np.testing.assert_allclose(got[:, column], expected[:, column], rtol=0, atol=1e-13)


def test_ramps_rise_left_to_right_and_noise_follows_the_map() -> None:
    hr = np.full((64, 96, 3), 0.5)
    degradation = SpatiallyVaryingDegradation(scale=2, width=LinearRamp(0.2, 2.0), noise=LinearRamp(5.0, 50.0))
    lr, widths, noises = degrade_spatially_varying(hr, degradation, rng=np.random.default_rng(0))
    assert lr.shape == (32, 48, 3) and widths.shape == noises.shape == (32, 48)
    assert np.all(np.diff(widths[0]) > 0) and 0.2 < widths[0, 0] < 0.25 and 1.95 < widths[0, -1] < 2.0
    residual = lr - 0.5  # blur and bicubic keep a constant image constant: what remains is the noise
    left, right = residual[:, :8].std() * 255, residual[:, -8:].std() * 255
    assert left == pytest.approx(noises[:, :8].mean(), rel=0.2) and right == pytest.approx(noises[:, -8:].mean(), rel=0.2)


def test_quadrants_layout() -> None:
    grid = Quadrants(1.6, 0.2, 1.6, 0.2).grid(np.arange(4), np.arange(6), 4, 6)
    assert grid[0, 0] == 1.6 and grid[0, 5] == 0.2 and grid[3, 2] == 1.6 and grid[3, 3] == 0.2


def test_y_only_protocol_is_the_classic_pipeline_on_a_real_image() -> None:
    image = load_benchmark("Set5", limit=1)[0]
    sr, reference = bicubic_sr(image, Degradation(scale=3), "y_only")
    hr = modcrop(image.pixels, 3)
    y = rgb_to_y(hr, round_y=True)
    expected = np.clip(np.round(matlab_bicubic_resize(matlab_bicubic_resize(y / 255, 1 / 3), 3) * 255), 0, 255)
    np.testing.assert_array_equal(reference, y.astype(np.uint8))
    np.testing.assert_array_equal(sr, expected.astype(np.uint8))


def test_grayscale_images_are_scored_on_their_own_channel() -> None:
    gray = np.random.default_rng(2).integers(0, 256, (48, 48), dtype=np.uint8)
    image = NamedImage("g", np.repeat(gray[:, :, None], 3, axis=2), was_grayscale=True)
    for protocol in ("y_only", "rgb"):
        sr, reference = bicubic_sr(image, Degradation(scale=2), protocol)
        np.testing.assert_array_equal(reference, gray)
        assert sr.shape == gray.shape


def test_blur_lowers_bicubic_psnr_and_noise_is_deterministic() -> None:
    images = load_benchmark("Set5", limit=2)
    sharp = np.mean(evaluate_bicubic(images, Degradation(scale=2), "rgb", with_ssim=False)["PSNR"])
    blurred = np.mean(evaluate_bicubic(images, Degradation(scale=2, kernel=GaussianKernel(1.2, 21), padding="reflect"), "rgb", with_ssim=False)["PSNR"])
    assert blurred < sharp - 1.0
    noisy = Degradation(scale=3, noise=30.0)
    first = evaluate_bicubic(images, noisy, "rgb", with_ssim=True)
    assert first == evaluate_bicubic(images, noisy, "rgb", with_ssim=True)
    assert all(0 < value < 1 for value in first["SSIM"])


def test_set5_x2_bicubic_psnr_is_the_published_value() -> None:
    """The classic Set5 x2 bicubic PSNR, 33.66 dB (DASR Table 2 and the SR literature), to 0.005 dB."""
    scores = evaluate_bicubic(load_benchmark("Set5"), Degradation(scale=2, padding="reflect", quantize=True), "y_only", with_ssim=False)
    assert np.mean(scores["PSNR"]) == pytest.approx(33.66, abs=0.005)
    assert psnr(np.zeros((20, 20), np.uint8), np.full((20, 20), 1, np.uint8), crop=2) == pytest.approx(48.1308036, abs=1e-6)


def test_gldfn_div2krk_and_arcsr_settings() -> None:
    from dynsr.papers.arcsr.settings import arcsr_table2
    from dynsr.papers.gldfn.settings import gldfn_table6

    settings = gldfn_table6()
    assert len(settings) == 200 and {s.degradation.order for s in settings} == {"blur_subsample_noise"}
    assert settings[0].degradation.kernel.build().shape == (11, 11) and settings[-1].degradation.kernel.build().shape == (31, 31)
    assert sorted({s.degradation.noise for s in arcsr_table2()}) == [0.0, 10.0] and {s.dataset for s in arcsr_table2()} == {"GoPro", "REDS"}
    assert all(s.degradation.scale == 4 and s.degradation.kernel is None for s in arcsr_table2())
