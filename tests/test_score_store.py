"""Stored per-image scores (`dynsr.score_store`): keyed by the network's weights and the cell, read back under
``reuse`` with one seeded re-check, rewritten under ``recompute``, a stale store caught."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from dynsr.degradations.bicubic import matlab_bicubic_resize
from dynsr.degradations.pipelines import Degradation, GaussianKernel
from dynsr.degradations.testsets import TestSetting as Setting
from dynsr.evaluate import cell_key, evaluate
from dynsr.models import build_model
from dynsr.score_store import ScoreStore, StoredScoreMismatch, check_log_path, model_fingerprint, score_policy

SETTINGS = [Setting("UDVD", "Table 2", "Set5", f"σ={sigma:g}", Degradation(scale=2, kernel=GaussianKernel(sigma, 15), noise=0.0))
            for sigma in (0.5, 1.5)]


@pytest.fixture(autouse=True)
def _private_folders(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DYNSR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.delenv("DYNSR_SCORES", raising=False)


class CountingUpscaler:
    def __init__(self, shift: float = 0.0) -> None:
        self.calls, self.shift = 0, shift

    def __call__(self, lr: np.ndarray, setting: Setting) -> np.ndarray:
        self.calls += 1
        return np.clip(matlab_bicubic_resize(lr, setting.degradation.scale) + self.shift, 0, 1)


def _run(upscale: CountingUpscaler, store: ScoreStore, *, with_ssim: bool = False) -> pd.DataFrame:
    return evaluate(upscale, SETTINGS, image_limit=2, crop=48, with_ssim=with_ssim, store=store)


def test_fingerprint_follows_every_weight_and_the_configuration() -> None:
    torch.manual_seed(0)
    model = build_model("srmd", scale=2)
    same = build_model("srmd", scale=2)
    same.load_state_dict(model.state_dict())
    assert model_fingerprint(model) == model_fingerprint(same)
    with torch.no_grad():
        next(same.parameters()).view(-1)[0] += 1e-3
    assert model_fingerprint(model) != model_fingerprint(same)
    assert model_fingerprint(build_model("bicubic", scale=2)) != model_fingerprint(build_model("bicubic", scale=3))


def test_reuse_reads_back_and_rescoring_one_seeded_sample() -> None:
    store = ScoreStore(profile="smoke", model="m1")
    first = CountingUpscaler()
    computed = _run(first, store)
    assert first.calls == 4 and store.path.is_file()  # 2 settings x 2 images
    second = CountingUpscaler()
    reused = _run(second, store)
    assert second.calls == 1  # only the re-check
    pd.testing.assert_frame_equal(computed, reused, check_exact=False, atol=1e-9)
    checks = [json.loads(line) for line in check_log_path().read_text().splitlines()]
    assert len(checks) == 1 and checks[0]["model"] == "m1"
    assert checks[0]["stored"]["PSNR"] == pytest.approx(checks[0]["now"]["PSNR"], abs=1e-9)
    _run(CountingUpscaler(), store)
    again = [json.loads(line) for line in check_log_path().read_text().splitlines()]
    assert again[1]["key"] == again[0]["key"] and again[1]["image"] == again[0]["image"]  # the same draw every time


def test_recompute_scores_every_cell(monkeypatch) -> None:
    store = ScoreStore(profile="smoke", model="m1")
    _run(CountingUpscaler(), store)
    monkeypatch.setenv("DYNSR_SCORES", "recompute")
    upscale = CountingUpscaler(shift=0.01)
    changed = _run(upscale, store)
    assert upscale.calls == 4
    stored = store.read()
    assert len(stored) == 4
    assert sorted(value["PSNR"] for value in stored.values()) == pytest.approx(sorted(changed["PSNR"]))


def test_a_stale_store_fails_loudly_naming_the_fix() -> None:
    store = ScoreStore(profile="smoke", model="m1")
    _run(CountingUpscaler(), store)
    stale = {cell: {"PSNR": metrics["PSNR"] + 0.01} for cell, metrics in store.read().items()}
    store.write(stale)
    with pytest.raises(StoredScoreMismatch, match="DYNSR_SCORES=recompute"):
        _run(CountingUpscaler(), store)


def test_a_difference_within_the_cross_machine_tolerance_passes() -> None:
    store = ScoreStore(profile="smoke", model="m1")
    _run(CountingUpscaler(), store)
    store.write({cell: {"PSNR": metrics["PSNR"] + 5e-4} for cell, metrics in store.read().items()})
    _run(CountingUpscaler(), store)


def test_a_missing_ssim_is_computed_and_added() -> None:
    store = ScoreStore(profile="smoke", model="m1")
    _run(CountingUpscaler(), store)
    upscale = CountingUpscaler()
    table = _run(upscale, store, with_ssim=True)
    assert upscale.calls == 4 and table["SSIM"].notna().all()
    assert all("SSIM" in metrics for metrics in store.read().values())


def test_the_cell_key_names_degradation_data_set_and_gray_scoring() -> None:
    base = SETTINGS[0]
    keys = {cell_key(base), cell_key(SETTINGS[1]), cell_key(Setting("UDVD", "Table 2", "Set14", base.label, base.degradation)),
            cell_key(Setting("UDVD", "Table 2", "Set5", base.label, base.degradation, gray_scoring="channel_mean"))}
    assert len(keys) == 4
    assert cell_key(Setting("DASR", "Table 9", "Set5", "another label", base.degradation)) == cell_key(base)  # labels are not scores


def test_an_unknown_policy_is_an_error_naming_the_choices(monkeypatch) -> None:
    monkeypatch.setenv("DYNSR_SCORES", "sometimes")
    with pytest.raises(ValueError, match="reuse, recompute"):
        score_policy()
