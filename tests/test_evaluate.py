"""The evaluator: its scores equal the bicubic experiment's for the same pipeline."""

from __future__ import annotations

import numpy as np
import pytest

from dynsr.data.benchmarks import load_benchmark
from dynsr.degradations.bicubic import matlab_bicubic_resize
from dynsr.degradations.testsets import dasr_table2
from dynsr.evaluate import METRIC_CONVENTION, evaluate, mean_scores
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
