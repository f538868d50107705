"""The ``ikc_gaussian8`` bicubic protocol behind GLDFN Table II's Bicubic rows (docs/decisions/gldfn.md, G1).

Its pieces (IKC's truncating 8-bit conversion, the full-range luma, the zero-padded SSIM) against known
values and slow direct computations; the whole pipeline on a tiny synthetic image against a
straightforward re-computation; which protocol judges which published cell; the notebook-00 code path
(:func:`run_bicubic_baselines`) on a reduced set of cells; and one published cell (Set5 x4) on real data.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch
from PIL import Image

from dynsr.data.benchmarks import NamedImage, load_benchmark
from dynsr.degradations.bicubic import matlab_bicubic_resize
from dynsr.degradations.ikc import ikc_blur, ikc_gaussian8_lr, pil_bicubic_downsample, truncating_uint8
from dynsr.degradations.kernels import isotropic_gaussian_kernel
from dynsr.degradations.pipelines import Degradation, GaussianKernel
from dynsr.papers.dasr.settings import dasr_table2
from dynsr.papers.gldfn.settings import gldfn_table2, gldfn_table2_bicubic
from dynsr.experiments import bicubic
from dynsr.experiments.bicubic import PROTOCOLS, TOLERANCES, bicubic_sr, evaluate_bicubic, published_protocol
from dynsr.metrics import gaussian_window_1d, psnr, rgb_to_gray, ssim, ssim_planes
from dynsr.papers.gldfn.published import TABLE2_BICUBIC
from dynsr.profiles import get_profile

# ----------------------------------------------------------------------------- IKC's LR pieces


def test_truncating_uint8_truncates_in_float32_as_torch_byte_does() -> None:
    values = np.array([0.0, 0.5 / 255, 0.999 / 255, 127.5 / 255, 254.9 / 255, 1.0, -1e-9, 1.0 + 1e-7])
    expected = [0, 0, 0, 127, 254, 255, 0, 255]  # rounding would give 0, 1, 1, 128, 255, 255, 0, 255
    assert truncating_uint8(values).tolist() == expected
    # A float32 value one ulp below 3 / 255 (as a float32 blur of a flat area of level 3 can give) loses a level.
    three = np.float32(3.0) / np.float32(255.0)
    below, above = np.nextafter(three, np.float32(0.0)), np.nextafter(three, np.float32(1.0))
    assert truncating_uint8(np.array([below, three, above])).tolist() == [2, 3, 3]
    assert np.round(np.float64(below) * 255) == 3  # a rounding would keep it
    # The definition: torchvision's to_pil_image, tensor.mul(255).byte(), on the same float32 values.
    levels = np.arange(256, dtype=np.float32) / np.float32(255.0)
    for tensor_values in (values[:6], levels, np.array([below, three, above])):
        torch_bytes = torch.from_numpy(np.asarray(tensor_values, dtype=np.float32)).mul(255).byte().numpy()
        np.testing.assert_array_equal(truncating_uint8(tensor_values), torch_bytes)


def test_pil_bicubic_downsample_is_per_channel_pil() -> None:
    image = np.random.default_rng(0).integers(0, 256, (12, 16, 3), dtype=np.uint8)
    out = pil_bicubic_downsample(image, 4)
    assert out.shape == (3, 4, 3) and out.dtype == np.uint8
    for channel in range(3):
        pil = np.asarray(Image.fromarray(image[..., channel]).resize((4, 3), Image.Resampling.BICUBIC))
        np.testing.assert_array_equal(out[..., channel], pil)
    np.testing.assert_array_equal(pil_bicubic_downsample(image[..., 0], 4), out[..., 0])
    np.testing.assert_array_equal(pil_bicubic_downsample(np.full((8, 8, 3), 77, np.uint8), 2), np.full((4, 4, 3), 77, np.uint8))


# ----------------------------------------------------------------------------- the metric variant


def test_full_range_luma_known_values() -> None:
    pixels = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255], [10, 20, 30], [100, 150, 200]]], dtype=np.uint8)
    # 0.299*255 = 76.245, 0.587*255 = 149.685, 0.114*255 = 29.07, 2.99+11.74+3.42 = 18.15, 29.9+88.05+22.8 = 140.75
    expected = [76, 150, 29, 255, 18, 141]
    assert rgb_to_gray(pixels).tolist() == [expected]
    assert np.asarray(Image.fromarray(pixels).convert("L")).tolist() == [expected]  # PIL 'L' agrees on these
    np.testing.assert_array_equal(rgb_to_gray(pixels[..., 0]), pixels[..., 0].astype(np.float64))  # a gray plane is its own luma
    # A one-level error in every channel: 1 level of full-range luma, 219/255 of a level of BT.601 Y, i.e. 1.32 dB apart.
    hr = np.full((16, 16, 3), 100, np.uint8)
    sr = hr + np.uint8(1)
    assert psnr(sr, hr, crop=0, luma="full_range") == pytest.approx(20 * np.log10(255.0), abs=1e-9)
    assert psnr(sr, hr, crop=0) - psnr(sr, hr, crop=0, luma="full_range") == pytest.approx(20 * np.log10(255 / 219), abs=1e-9)
    with pytest.raises(ValueError, match="luma"):
        psnr(sr, hr, crop=0, luma="bt709")


def _slow_zero_padded_ssim(x: np.ndarray, y: np.ndarray) -> float:
    """SSIM with an 11x11 Gaussian window (σ 1.5) zero-padded at the borders, one pixel and one tap at a time."""
    window = np.outer(gaussian_window_1d(11, 1.5), gaussian_window_1d(11, 1.5))
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    height, width = x.shape
    total = 0.0
    for i in range(height):
        for j in range(width):
            mx = my = mxx = myy = mxy = 0.0
            for u in range(11):
                for v in range(11):
                    r, c = i + u - 5, j + v - 5
                    if 0 <= r < height and 0 <= c < width:  # outside: a zero sample
                        w = window[u, v]
                        mx += w * x[r, c]
                        my += w * y[r, c]
                        mxx += w * x[r, c] ** 2
                        myy += w * y[r, c] ** 2
                        mxy += w * x[r, c] * y[r, c]
            sxx, syy, sxy = mxx - mx**2, myy - my**2, mxy - mx * my
            total += ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx**2 + my**2 + c1) * (sxx + syy + c2))
    return total / (height * width)


def test_zero_padded_ssim_matches_a_slow_direct_loop() -> None:
    rng = np.random.default_rng(1)
    hr = rng.integers(0, 256, (13, 16, 3), dtype=np.uint8)
    sr = np.clip(hr.astype(int) + rng.integers(-20, 21, hr.shape), 0, 255).astype(np.uint8)
    x, y = rgb_to_gray(sr), rgb_to_gray(hr)
    reference = _slow_zero_padded_ssim(x, y)
    assert ssim_planes(x, y, padding="zero") == pytest.approx(reference, abs=1e-12)
    assert ssim(sr, hr, crop=0, luma="full_range", padding="zero") == pytest.approx(reference, abs=1e-12)
    assert abs(ssim_planes(x, y) - reference) > 1e-3  # the "valid" SSIM of ssim_index.m is another number
    with pytest.raises(ValueError, match="padding"):
        ssim_planes(x, y, padding="reflect")


# ----------------------------------------------------------------------------- the whole protocol


def _straightforward_ikc_gaussian8(hr: np.ndarray, sigma: float, scale: int) -> tuple[np.ndarray, float, float]:
    """G1 written out directly: float64 blur tap by tap after reflection padding of 10, truncation, PIL bicubic per
    channel, MATLAB imresize x s rounded, full-range luma, PSNR and the slow zero-padded SSIM, no shave."""
    kernel = isotropic_gaussian_kernel(21, sigma)
    padded = np.pad(hr / 255.0, ((10, 10), (10, 10), (0, 0)), mode="reflect")  # mirror without the edge, as ReflectionPad2d
    blurred = np.zeros(hr.shape)
    for u in range(21):
        for v in range(21):
            blurred += kernel[u, v] * padded[u : u + hr.shape[0], v : v + hr.shape[1]]
    levels = 255.0 * blurred
    # Precondition: no value within 5e-4 of a grey level, so float32 arithmetic (error ~2e-4 of a level) truncates alike.
    assert np.abs(levels - np.round(levels)).min() > 5e-4
    truncated = np.floor(levels).astype(np.uint8)
    h, w = hr.shape[0] // scale, hr.shape[1] // scale
    lr = np.stack([np.asarray(Image.fromarray(truncated[..., c]).resize((w, h), Image.Resampling.BICUBIC)) for c in range(3)], axis=-1)
    sr = np.clip(np.round(matlab_bicubic_resize(lr.astype(np.float64), scale)), 0, 255).astype(np.uint8)
    luma = lambda image: np.round(0.299 * image[..., 0].astype(float) + 0.587 * image[..., 1] + 0.114 * image[..., 2])  # noqa: E731
    y_sr, y_hr = luma(sr), luma(hr)
    value_psnr = 10 * np.log10(255.0**2 / np.mean((y_sr - y_hr) ** 2))
    return sr, value_psnr, _slow_zero_padded_ssim(y_sr, y_hr)


def test_ikc_gaussian8_protocol_on_a_tiny_image_matches_a_straightforward_computation() -> None:
    pixels = np.random.default_rng(23).integers(0, 256, (24, 30, 3), dtype=np.uint8)
    extra = np.random.default_rng(99).integers(0, 256, (25, 31, 3), dtype=np.uint8)
    extra[:24, :30] = pixels
    image = NamedImage("tiny", extra)  # 25 x 31: modcropped to the 24 x 30 pixels at x2 and x3
    hr = pixels
    for scale, sigma in ((2, 1.3), (3, 1.35)):
        expected_sr, expected_psnr, expected_ssim = _straightforward_ikc_gaussian8(hr, sigma, scale)
        degradation = Degradation(scale=scale, kernel=GaussianKernel(sigma, 21), padding="reflect", clip=True)
        sr, reference = bicubic_sr(image, degradation, "ikc_gaussian8")
        np.testing.assert_array_equal(reference, hr)
        np.testing.assert_array_equal(sr, expected_sr)
        scores = evaluate_bicubic([image], degradation, "ikc_gaussian8", with_ssim=True)
        assert scores["PSNR"][0] == pytest.approx(expected_psnr, abs=1e-10)
        assert scores["SSIM"][0] == pytest.approx(expected_ssim, abs=1e-12)
        # ... and not what the classic protocol gives on the same image.
        assert abs(evaluate_bicubic([image], degradation, "y_only", with_ssim=False)["PSNR"][0] - expected_psnr) > 0.5


def test_float32_blur_is_within_float32_rounding_of_the_exact_one() -> None:
    hr = np.random.default_rng(23).integers(0, 256, (24, 30, 3), dtype=np.uint8)
    exact = np.zeros(hr.shape)
    padded = np.pad(hr / 255.0, ((10, 10), (10, 10), (0, 0)), mode="reflect")
    kernel = isotropic_gaussian_kernel(21, 1.3)
    for u in range(21):
        for v in range(21):
            exact += kernel[u, v] * padded[u : u + 24, v : v + 30]
    blurred = ikc_blur(hr, 1.3)
    assert blurred.dtype == np.float32
    error = np.abs(blurred - exact).max()
    assert 1e-9 < error < 3e-4 / 255  # float32, not float64; within the tiny-image test's margin


def test_ikc_protocol_rejects_what_ikc_did_not_generate() -> None:
    image = NamedImage("flat", np.full((24, 24, 3), 128, np.uint8))
    for degradation in (Degradation(scale=2), Degradation(scale=2, kernel=GaussianKernel(1.0, 15)),
                        Degradation(scale=2, kernel=GaussianKernel(1.0, 21), noise=5.0)):
        with pytest.raises(ValueError, match="ikc_gaussian8"):
            bicubic_sr(image, degradation, "ikc_gaussian8")
    with pytest.raises(ValueError, match="modcrop"):
        ikc_gaussian8_lr(np.zeros((25, 24, 3), np.uint8), 1.0, 2)


# ----------------------------------------------------------------------------- which cell is judged how


def test_published_protocol_picks_ikc_for_gldfn_table2_only() -> None:
    gldfn = gldfn_table2_bicubic()
    assert "ikc_gaussian8" in PROTOCOLS
    assert {published_protocol("GLDFN Table II", s.degradation) for s in gldfn} == {"ikc_gaussian8"}
    dasr_blurred = [s for s in dasr_table2() if s.degradation.kernel is not None]
    dasr_sharp = [s for s in dasr_table2() if s.degradation.kernel is None]
    assert {published_protocol("DASR Table 2", s.degradation) for s in dasr_blurred} == {"matlab_uint8"}
    assert {published_protocol("DASR Table 2", s.degradation) for s in dasr_sharp} == {"y_only"}
    # Computed for GLDFN Table II's cells only, although DASR's blurred cells are also 21x21 isotropic Gaussians.
    assert bicubic._applies("ikc_gaussian8", gldfn[0].degradation, "GLDFN Table II")
    assert not bicubic._applies("ikc_gaussian8", dasr_blurred[0].degradation, "DASR Table 2")
    assert not bicubic._applies("ikc_gaussian8", dasr_sharp[0].degradation)


def test_gldfn_bicubic_cells_use_ikc_widths_and_the_models_keep_theirs() -> None:
    cells = [(value, settings) for value, settings in bicubic._published_cells() if value.paper == "GLDFN"]
    assert len(cells) == 24  # 4 sets x 3 scales x (PSNR, SSIM); Manga109 is not in the shared data
    for value, settings in cells:
        sigmas = [s.degradation.kernel.sigma for s in settings]
        assert len(settings) == 8 and {s.dataset for s in settings} == {value.dataset}
        expected = [0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6] if value.scale == 2 else np.linspace(*{3: (1.35, 2.40), 4: (1.8, 3.2)}[value.scale], 8)
        np.testing.assert_allclose(sigmas, expected, rtol=0, atol=1e-12)
    models_x2 = [s.degradation.kernel.sigma for s in gldfn_table2(("Set5",)) if s.degradation.scale == 2]
    np.testing.assert_allclose(models_x2, np.linspace(0.8, 1.6, 8), rtol=0, atol=1e-12)  # the models' test sets are unchanged


def test_notebook00_code_path_judges_gldfn_cells_under_ikc(tmp_path, monkeypatch) -> None:
    """run_bicubic_baselines (notebook 00) on GLDFN's Set5 x4 cells and the unblurred Set5 cells, 1 image, profile smoke."""
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path))
    cells = [(value, settings) for value, settings in bicubic._published_cells()
             if value.paper == "GLDFN" and value.dataset == "Set5" and value.scale == 4]
    monkeypatch.setattr(bicubic, "_published_cells", lambda: cells)
    standard = [(value, settings) for value, settings in bicubic._standard_cells() if value.dataset == "Set5"]
    monkeypatch.setattr(bicubic, "_standard_cells", lambda: standard)
    tables = bicubic.run_bicubic_baselines(dataclasses.replace(get_profile("smoke"), benchmark_image_limit=1))
    published, standard = tables["published"], tables["standard"]
    gldfn = published[published["published_in"] == "GLDFN Table II"]
    assert set(gldfn["protocol"]) == set(PROTOCOLS) | {""}  # "": Manga109, not checkable here
    assert (gldfn["method"] == "Bicubic").all() and set(gldfn.loc[gldfn["protocol"] == "", "source"]) == {"quoted from the paper"}
    assert set(gldfn.loc[gldfn["protocol"] != "", "source"]) == {"computed (no training)"} and set(gldfn["seeds"]) == {()}
    headline = gldfn[gldfn["headline"].astype(bool)]
    assert len(headline) == 2 and set(headline["dataset"]) == {"Set5"} and set(headline["protocol"]) == {"ikc_gaussian8"}
    assert headline["within_tolerance"].notna().all()
    assert "ikc_gaussian8" not in set(standard["protocol"])
    report = (tmp_path / "smoke" / "baselines" / "README.md").read_text()
    assert "| GLDFN Table II | Set5 | 4 | Gaussian8 | PSNR |" in report and "ikc_gaussian8" in report
    saved = json.loads((tmp_path / "smoke" / "baselines" / "tables" / "bicubic.json").read_text())
    assert "ikc_gaussian8" in saved["metadata"]["protocols"]


# ----------------------------------------------------------------------------- a published cell on real data


def test_set5_x4_gaussian8_bicubic_cell_is_gldfn_table2s() -> None:
    """Set5 x4 under ikc_gaussian8, mean over 5 images x 8 widths: GLDFN Table II's 24.57 / 0.7108 (probe: 24.5674 / 0.71119).

    About 3 s on 2 busy cores; the other cells are left to notebook 00."""
    images = load_benchmark("Set5")
    settings = [s for s in gldfn_table2_bicubic(("Set5",)) if s.degradation.scale == 4]
    scores = [evaluate_bicubic(images, s.degradation, "ikc_gaussian8", with_ssim=True) for s in settings]
    value_psnr = np.mean([v for score in scores for v in score["PSNR"]])
    value_ssim = np.mean([v for score in scores for v in score["SSIM"]])
    paper_psnr, paper_ssim = TABLE2_BICUBIC[4]["Set5"]
    assert value_psnr == pytest.approx(24.5674, abs=1e-3) and value_ssim == pytest.approx(0.71119, abs=1e-5)
    assert abs(value_psnr - paper_psnr) <= TOLERANCES["noise-free"] and abs(value_ssim - paper_ssim) <= TOLERANCES["SSIM"]
