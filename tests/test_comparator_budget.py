"""Comparators get the training compute of the method they are compared with (`dynsr.training.recipes`,
docs/decisions/udvd.md, U23): the ``cpu`` steps recomputed from the models' MACs, and the extension of a
comparator that is still below bicubic on its validation setting."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import dynsr.training.recipes as recipes
import dynsr.training.trainer as trainer
from dynsr.training.recipes import COMPUTE_MATCHED, EXTENSION_LIMIT, MATCHED_STEPS, recipe
from training_helpers import dynsr_dirs, restore_global_torch_state

AUTOUSE_FIXTURES = (dynsr_dirs, restore_global_torch_state)


@pytest.mark.parametrize("comparator, scale", sorted(MATCHED_STEPS))
def test_cpu_comparators_get_the_training_compute_of_their_method(comparator: str, scale: int) -> None:
    from dynsr.training.trainer import step_macs

    method = recipe(COMPUTE_MATCHED[comparator], "cpu", scale=scale)
    ours = recipe(comparator, "cpu", scale=scale)
    expected = math.ceil(method.steps * step_macs(method).total / step_macs(ours).total)
    assert ours.steps == MATCHED_STEPS[(comparator, scale)] == expected
    assert ours.steps * step_macs(ours).total >= method.steps * step_macs(method).total


def test_matching_stretches_a_halving_schedule_and_leaves_other_profiles_alone() -> None:
    assert recipe("srmdnf_dasr", "cpu", scale=4).lr_halving_steps == round(375 * 2986 / 1500)
    assert recipe("srmd", "cpu", scale=3).lr_halving_steps == 200_000  # never reached at cpu: unchanged
    assert recipe("srmd", "smoke", scale=3).steps == recipe("udvd", "smoke", scale=3).steps
    assert recipe("srmd", "paper", scale=3).steps == recipe("udvd", "paper", scale=3).steps


class _Run:
    """A stand-in for `trainer.train`: the validation PSNR after ``steps`` is ``psnr_at(steps)``."""

    def __init__(self, psnr_at) -> None:
        self.psnr_at, self.calls = psnr_at, []

    def __call__(self, config, run_dir, progress=False):
        self.calls.append(config.steps)
        log = pd.DataFrame([{"step": config.steps, "val_psnr": self.psnr_at(config.steps)}])
        return trainer.TrainResult(run_dir, run_dir / "checkpoint.pt", config.steps, True, log, 1.0)


@pytest.mark.parametrize("psnr_at, steps, cleared", [
    (lambda steps: 30.0, 400, True),  # above bicubic at once: no extension
    (lambda steps: 20.0 + steps / 100, 700, True),  # crosses 26.5 after two blocks of 100 (at 700 > 650)
    (lambda steps: 20.0, 800, False),  # never: stops at EXTENSION_LIMIT x the matched steps, and says so
])
def test_a_comparator_below_bicubic_trains_on_block_by_block(monkeypatch, psnr_at, steps: int, cleared: bool) -> None:
    monkeypatch.setattr(trainer, "bicubic_validation_psnr", lambda config: 26.5)
    fake = _Run(psnr_at)
    monkeypatch.setattr(trainer, "train", fake)
    config = recipe("srmd", "smoke", scale=2).replace(steps=400, validate_every=100)
    first = fake(config, recipes.run_dir("srmd", config, "smoke"))
    result, final, budget = recipes._extend_below_bicubic("srmd", config, first, "smoke", False)
    assert final.steps == result.step == steps and steps <= EXTENSION_LIMIT * 400
    assert budget == {"matched_steps": 400, "bicubic_validation_psnr": 26.5, "above_bicubic": cleared}
    assert fake.calls == list(range(400, steps + 1, 100))


def test_an_interrupted_extension_finishes_its_block_before_judging(monkeypatch) -> None:
    """A run resumed past its matched steps (an extension interrupted at step 450 of the block 400-500) trains to the end of
    that block, where the trainer validates the final weights, before it is compared with bicubic."""
    monkeypatch.setattr(trainer, "bicubic_validation_psnr", lambda config: 26.5)
    fake = _Run(lambda steps: 27.0)
    monkeypatch.setattr(trainer, "train", fake)
    config = recipe("srmd", "smoke", scale=2).replace(steps=400, validate_every=100)
    interrupted = _Run(lambda steps: 27.0)(config.replace(steps=450), recipes.run_dir("srmd", config, "smoke"))
    result, final, budget = recipes._extend_below_bicubic("srmd", config, interrupted, "smoke", False)
    assert final.steps == result.step == 500 and budget["matched_steps"] == 400 and fake.calls == [500]
