"""The evaluator: its scores equal the bicubic experiment's for the same pipeline."""

from __future__ import annotations

import numpy as np
import pytest

from dynsr.data.benchmarks import load_benchmark
from dynsr.degradations.bicubic import matlab_bicubic_resize
from dynsr.papers.dasr.settings import dasr_table2
from dynsr.evaluate import METRIC_CONVENTION, center_crop, evaluate, mean_scores
from dynsr.experiments.bicubic import evaluate_bicubic


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DYNSR_CACHE_DIR", str(tmp_path))


def _bicubic(lr: np.ndarray, setting) -> np.ndarray:
    return matlab_bicubic_resize(lr, setting.degradation.scale)


def test_bicubic_through_the_evaluator_equals_the_bicubic_experiment() -> None:
    settings = [s for s in dasr_table2(("Set5",)) if s.degradation.scale == 4 and s.label in ("σ=0", "σ=2.4")]
    per_image = evaluate(_bicubic, settings, image_limit=3)
    assert len(per_image) == 6 and per_image.attrs["metric_convention"] == METRIC_CONVENTION
    images = load_benchmark("Set5", limit=3)
    for setting in settings:
        expected = evaluate_bicubic(images, setting.degradation, "rgb", with_ssim=True)
        got = per_image[per_image["setting"] == setting.label]
        # the cached LR is float32: scores agree to far below the 0.01 dB the tables print
        np.testing.assert_allclose(got["PSNR"], expected["PSNR"], atol=1e-4)
        np.testing.assert_allclose(got["SSIM"], expected["SSIM"], atol=1e-6)
    means = mean_scores(per_image)
    assert list(means["n_images"]) == [3, 3] and means["PSNR"].iloc[0] > means["PSNR"].iloc[1]


def test_wrong_output_size_is_an_error() -> None:
    settings = [s for s in dasr_table2(("Set5",)) if s.degradation.scale == 2][:1]
    with pytest.raises(ValueError, match="the upscaler returned"):
        evaluate(lambda lr, setting: lr, settings, image_limit=1)


def test_gray_bridge_is_scored_as_the_settings_paper_code_does() -> None:
    """Set14 ``bridge`` (gray): DASR's code scores the Y of the replicated RGB images, SRMD's MATLAB demos (UDVD's harness)
    the mean of the SR channels against the gray HR; colour images are scored on Y either way."""
    from dataclasses import replace

    from dynsr.data.images import modcrop
    from dynsr.degradations.testsets import TestSetting, cached_lr
    from dynsr.papers.udvd.settings import udvd_table5
    from dynsr.metrics import psnr_planes, to_uint8

    (setting,) = [s for s in udvd_table5() if s.dataset == "Set14" and s.label == "BI"]
    assert setting.gray_scoring == "channel_mean" and dasr_table2(("Set14",))[0].gray_scoring == "replicate_y"
    replicated: TestSetting = replace(setting, gray_scoring="replicate_y")
    images = load_benchmark("Set14", limit=3)
    assert [image.was_grayscale for image in images] == [False, False, True]  # baboon, barbara, bridge
    per_image = {s.gray_scoring: evaluate(_bicubic, [s], image_limit=3, crop=64).set_index("image") for s in (setting, replicated)}
    colour = ["baboon@c64", "barbara@c64"]
    np.testing.assert_array_equal(per_image["channel_mean"].loc[colour, "PSNR"], per_image["replicate_y"].loc[colour, "PSNR"])
    assert abs(per_image["channel_mean"].loc["bridge@c64", "PSNR"] - per_image["replicate_y"].loc["bridge@c64", "PSNR"]) > 0.1
    assert set(per_image["channel_mean"]["gray_scoring"]) == {"channel_mean"}
    bridge = center_crop(images[2], 64)
    hr = modcrop(bridge.pixels, 3)
    sr = to_uint8(_bicubic(cached_lr("Set14", bridge, setting.degradation).astype(np.float64), setting))
    expected = psnr_planes(sr.astype(np.float64).mean(axis=2)[3:-3, 3:-3], hr[3:-3, 3:-3, 0].astype(np.float64))
    assert per_image["channel_mean"].loc["bridge@c64", "PSNR"] == pytest.approx(expected, abs=1e-9)
