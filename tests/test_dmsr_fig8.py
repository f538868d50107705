"""DMSR Fig. 8 (`dynsr.papers.dmsr.fig8`): the degradation extractor's kernel and noise errors per Table 2 row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from dynsr.degradations.kernels import isotropic_gaussian_kernel
from dynsr.models import build_model
from dynsr.papers.dmsr import fig8
from dynsr.results import Source, read_table


class _Oracle(torch.nn.Module):
    """A stand-in DE that returns a given kernel and noise level (0-255) for every image."""

    def __init__(self, kernel: np.ndarray, noise: float) -> None:
        super().__init__()
        self.kernel, self.noise = torch.from_numpy(kernel), noise

    def estimate_degradation(self, lr: torch.Tensor):
        from dynsr.models.dmsr import Degradation

        return Degradation(self.kernel[None], torch.full((1, 3, *lr.shape[-2:]), self.noise / 255.0))


def test_errors_are_zero_for_the_truth_and_known_for_a_known_miss() -> None:
    truth = isotropic_gaussian_kernel(15, 1.3)
    lrs = [np.random.default_rng(0).random((8, 6, 3))]
    exact, kernels = fig8.estimate_errors(_Oracle(truth, 50.0), lrs, truth, 50.0)
    assert exact[fig8.KERNEL_MSE].iloc[0] == pytest.approx(0, abs=1e-9) and exact[fig8.NOISE_RMSE].iloc[0] == pytest.approx(0, abs=1e-4)  # float32 noise
    np.testing.assert_allclose(kernels[0], truth, atol=1e-7)
    flat = np.full((15, 15), 1 / 225)
    missed, _ = fig8.estimate_errors(_Oracle(flat, 40.0), lrs, truth, 50.0)
    assert missed[fig8.KERNEL_MSE].iloc[0] == pytest.approx(1e4 * np.mean((flat - truth) ** 2), rel=1e-5)
    assert missed[fig8.NOISE_RMSE].iloc[0] == pytest.approx(10.0, rel=1e-5) and missed["estimated_noise"].iloc[0] == pytest.approx(40.0, rel=1e-5)


def test_a_dmsr_estimate_is_a_kernel() -> None:
    torch.manual_seed(0)
    model = build_model("dmsr", scale=4).eval()
    errors, kernels = fig8.estimate_errors(model, [np.random.default_rng(1).random((12, 10, 3))], isotropic_gaussian_kernel(15, 1.3), 50.0)
    assert kernels[0].shape == (15, 15) and kernels[0].min() >= 0 and kernels[0].sum() == pytest.approx(1, abs=1e-5)
    assert np.isfinite(errors.to_numpy()).all()


def test_build_table_means_over_seeds_with_each_seed_beside() -> None:
    per_seed = pd.DataFrame([{"method": "DR", "recipe": "dmsr_dr", "seed": seed, "dataset": "Set5", "scale": 4, "degradation": "x4 width 1.3 noise 50",
                              "metric": metric, "value": value + seed, "estimated_noise": 45.0, "n_images": 5, "noise_seed": 0, "steps": 10,
                              "parameters": 8_000_000, "train_seconds": 1.0, "threads": 1}
                             for seed in (0, 1) for metric, value in ((fig8.KERNEL_MSE, 1.0), (fig8.NOISE_RMSE, 5.0))])
    table = fig8.build_table(per_seed, "smoke")
    assert list(table["ours"]) == [1.5, 5.5] and list(table["ours_per_seed"]) == ["1.0000/2.0000", "5.0000/6.0000"]
    assert (table["source"] == Source.TRAINED).all() and table["paper"].isna().all() and list(table["seeds"]) == [(0, 1), (0, 1)]


def test_run_at_smoke_writes_every_table2_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("DYNSR_CACHE_DIR", str(tmp_path / "cache"))
    table, figures = fig8.run(fig8.Fig8Params(profile="smoke", seeds=(0,)))
    written = read_table(fig8.TABLE_STEM, profile="smoke")
    assert list(written["method"].unique()) == ["no DE loss", "DR", "DR + DC (LR)", "DR + DC (LR) + DC (KN)"]
    assert set(written["metric"]) == set(fig8.METRICS) and set(written["steps"]) == {4} and Path(figures[0]).is_file()
    assert "the DC loss lowers the kernel error" in fig8.summary(table)
