"""ArcSR training (docs/decisions/arcsr.md, A14-A17): motion-blur training pairs replayed from their draws, the rotation-only
augmentation, the multi-step learning-rate schedule, the recipes, and a smoke run of a tiny ArcSR.

Runs use a tiny ArcSR (8 channels, one KG block of one KGconv, a two-level estimator of widths 8 and 16 with one DM block
of one DMconv per level) on 12² LR patches unless they test a recipe.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from dynsr.checkpoints import load_checkpoint
from dynsr.config import ConfigError
from dynsr.degradations.bicubic import matlab_bicubic_resize
from dynsr.degradations.blur import blur
from dynsr.degradations.motion import load_levin_kernels, random_motion_kernel
from dynsr.degradations.pipelines import FileKernel
from dynsr.models import build_model
from dynsr.papers import PAPERS
from dynsr.papers.arcsr.recipes import ARCSR_SCHEDULES, COMPARATOR_CPU_RUNS, CPU_RUNS, RECIPE_MODELS, RECIPES as ARCSR_RECIPES
from dynsr.training.config import TrainConfig
from dynsr.training.data import TrainingPatches
from dynsr.training.objectives import learning_rate_at, objective_for
from dynsr.training.recipes import recipe, trained_weights, weights_path
from dynsr.training.trainer import train, validation_setting
from training_helpers import assert_identical, dynsr_dirs, restore_global_torch_state

AUTOUSE_FIXTURES = (dynsr_dirs, restore_global_torch_state)  # imported so that pytest applies them to this module

TINY_MODEL: dict[str, Any] = {"channels": 8, "kg_blocks": 1, "kgconvs_per_block": 1, "estimator_channels": (8, 16), "dm_blocks_per_level": 1,
                              "dmconvs_per_block": 1}
TINY: dict[str, Any] = dict(
    model="arcsr", model_kwargs=TINY_MODEL, scale=4, steps=4, lr_patch=12, batch_size=2, loss="l1", kernel_type="motion", kernel_size=27,
    noise_range=(0.2, 20.0), quantize_before_noise=False, augment_mode="rotations", levin_probability=0.5, checkpoint_every=2, log_every=1,
    validation_harness="motion", validation_noise=0.0, validation_images=1, validation_crop=48, device="cpu",
)


def tiny(**changes: Any) -> TrainConfig:
    return TrainConfig(**{**TINY, **changes})


def _hwc(tensor: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(tensor.double().numpy().transpose(1, 2, 0))  # (3, H, W) -> (H, W, 3)


def _replay_crop(patches: TrainingPatches, index: int) -> tuple[np.ndarray, np.random.Generator]:
    """The raw HR crop (P, P, 3) of sample ``index``, drawn independently of the data code, and the generator after the
    crop's three draws (image, top, left)."""
    config, size = patches.config, patches.hr_patch
    rng = np.random.default_rng([config.seed, index])
    image = patches._image(int(rng.integers(patches.num_images)))
    top, left = int(rng.integers(image.shape[0] - size + 1)), int(rng.integers(image.shape[1] - size + 1))
    return image[top : top + size, left : left + size].astype(np.float64) / 255.0, rng


# ------------------------------------------------------------------------------------------------ motion-blur pairs


def test_motion_sample_is_a_pure_function_of_seed_and_index() -> None:
    patches = TrainingPatches(tiny())
    first = patches[3]
    torch.manual_seed(7)
    np.random.seed(7)  # the global generators play no part
    again = TrainingPatches(tiny(steps=50, batch_size=4))[3]
    assert set(first) == {"lr", "hr", "noise"}  # no PCA code and no width: the Gaussian basis does not describe motion kernels
    for key in first:
        assert torch.equal(first[key], again[key]), key
    assert first["lr"].shape == (3, 12, 12) and first["hr"].shape == (3, 48, 48)
    other = TrainingPatches(tiny(seed=1))[3]
    assert not torch.equal(first["lr"], other["lr"])


def test_motion_lr_is_the_blur_bicubic_noise_of_the_hr_with_the_replayed_draws() -> None:
    """Each sample's LR equals an independent degradation of its HR patch: the kernel (a Levin kernel, unpadded, or the random
    trajectory) and the noise level and noise drawn again from the sample's generator in the documented order."""
    config = tiny(levin_probability=0.5)
    patches = TrainingPatches(config)
    levin, branches = load_levin_kernels(), set()
    for index in range(8):
        sample = patches[index]
        _, rng = _replay_crop(patches, index)
        rng.integers(2, size=3)  # the augmentation's bits
        if rng.random() < config.levin_probability:
            kernel, branch = levin[int(rng.integers(8))], "levin"
        else:
            kernel, branch = random_motion_kernel(27, rng=rng, length=float(rng.uniform(4.0, 26.0))), "trajectory"
        branches.add(branch)
        noise = float(rng.uniform(0.2, 20.0))
        assert float(sample["noise"]) == pytest.approx(noise, rel=1e-6)
        hr = _hwc(sample["hr"])  # the augmented patch (uint8 / 255, float32: exact to ~1e-8)
        expected = matlab_bicubic_resize(blur(hr, kernel, padding="replicate"), 0.25)
        expected = expected + noise / 255.0 * rng.standard_normal(expected.shape)
        np.testing.assert_allclose(_hwc(sample["lr"]), expected, atol=2e-6, err_msg=f"sample {index} ({branch})")
    assert branches == {"levin", "trajectory"}


def test_probability_one_uses_only_levin_kernels_and_targets_carry_them_padded() -> None:
    patches = TrainingPatches(tiny(levin_probability=1.0, degradation_targets=True))
    padded = [np.pad(kernel, (27 - kernel.shape[0]) // 2) for kernel in load_levin_kernels()]  # (k0, k0) -> (27, 27)
    for index in range(4):
        kernel = patches[index]["kernel"].double().numpy()
        assert kernel.shape == (27, 27) and kernel.sum() == pytest.approx(1.0)
        assert any(np.allclose(kernel, candidate, atol=1e-7) for candidate in padded)
        assert patches[index]["noise_map"].shape == (3, 12, 12)


def test_a_support_smaller_than_the_largest_levin_kernel_is_refused() -> None:
    with pytest.raises(ValueError, match="kernel_size=25 cannot hold the 27x27 Levin kernel"):
        TrainingPatches(tiny(kernel_size=25))


@pytest.mark.parametrize(("changes", "message"), [
    ({"paired_patches": True, "model": "dasr", "model_kwargs": {}}, "for single patches"),
    ({"model": "srmd", "model_kwargs": {}, "kernel_size": 15}, "no PCA code"),
    ({"lr_milestones": (5, 3)}, "strictly increasing"),
    ({"lr_milestones": (0, 3)}, "strictly increasing"),
    ({"levin_probability": 1.5}, "levin_probability"),
    ({"validation_levin_kernel": 9}, "validation_levin_kernel"),
    ({"motion_length_range": (5.0, 2.0)}, "motion_length_range"),
    ({"augment_mode": "flips"}, "augment_mode"),
])
def test_inconsistent_arcsr_settings_are_config_errors(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        tiny(**changes)


def test_new_fields_are_typed_strictly_and_round_trip() -> None:
    config = tiny(lr_milestones=(1, 3))
    assert TrainConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ConfigError):
        TrainConfig.from_dict({**config.to_dict(), "lr_milestones": "1,3"})
    with pytest.raises(ConfigError):
        TrainConfig.from_dict({**config.to_dict(), "levin_probability": "half"})


# ------------------------------------------------------------------------------------------------------ augmentation


def _orientations(patches: TrainingPatches, count: int) -> tuple[set[int], int]:
    """(the rotations k·90° seen, how many samples were a reflection) over the first ``count`` samples."""
    rotations, reflections = set(), 0
    for index in range(count):
        hr = _hwc(patches[index]["hr"])
        raw, _ = _replay_crop(patches, index)
        matches = [k for k in range(4) if np.allclose(hr, np.rot90(raw, k, axes=(0, 1)), atol=1e-6)]
        mirrored = [k for k in range(4) if np.allclose(hr, np.rot90(raw[::-1], k, axes=(0, 1)), atol=1e-6)]
        assert matches or mirrored, f"sample {index} is neither a rotation nor a reflection of its crop"
        rotations.update(matches)
        reflections += bool(mirrored) and not matches  # a symmetric crop would match both
    return rotations, reflections


def test_rotation_augmentation_rotates_by_every_right_angle_and_never_reflects() -> None:
    config = dict(kernel_type="isotropic", model="srmd", model_kwargs={}, kernel_size=15, scale=2, steps=40)
    rotations, reflections = _orientations(TrainingPatches(tiny(**config, augment_mode="rotations")), 40)
    assert rotations == {0, 1, 2, 3} and reflections == 0
    _, dihedral_reflections = _orientations(TrainingPatches(tiny(**config, augment_mode="dihedral")), 40)
    assert dihedral_reflections > 0  # the same draws do reflect in the default mode: the check can fail


# ------------------------------------------------------------------------------------------------------ the schedule


def _scheduled_rates(config: TrainConfig) -> list[float]:
    """The rate of each optimiser step, read from the objective's scheduler as the trainer steps it."""
    parameter = torch.nn.Parameter(torch.zeros(1))
    objective = objective_for(config, build_model(config.model, scale=config.scale, **config.model_kwargs))
    optimizer = torch.optim.Adam([parameter], lr=objective.base_learning_rate)
    scheduler = objective.scheduler(optimizer)
    rates = []
    for _ in range(config.steps):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return rates


def test_milestones_halve_the_rate_at_each_listed_step() -> None:
    config = tiny(learning_rate=1e-3, lr_milestones=(2, 3, 5), steps=7)
    by_hand = [1e-3, 1e-3, 5e-4, 2.5e-4, 2.5e-4, 1.25e-4, 1.25e-4]  # steps 0..6: halved from step 2, 3 and 5 on
    assert [learning_rate_at(config, step) for step in range(7)] == pytest.approx(by_hand, rel=1e-12)
    assert _scheduled_rates(config) == pytest.approx(by_hand, rel=1e-12)
    periodic = tiny(learning_rate=1e-3, lr_halving_steps=2, steps=5)  # no milestones: StepLR as before
    assert _scheduled_rates(periodic) == pytest.approx([1e-3, 1e-3, 5e-4, 5e-4, 2.5e-4], rel=1e-12)


def test_paper_milestones_give_the_published_rates() -> None:
    config = recipe("arcsr", "paper", scale=4)
    assert config.lr_milestones == (20_000, 40_000, 80_000, 200_000)
    steps = (0, 19_999, 20_000, 39_999, 40_000, 80_000, 199_999, 200_000, 399_999)
    rates = (1e-4, 1e-4, 5e-5, 5e-5, 2.5e-5, 1.25e-5, 1.25e-5, 6.25e-6, 6.25e-6)
    assert [learning_rate_at(config, step) for step in steps] == pytest.approx(rates, rel=1e-12)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("arcsr") / "run"
    train(tiny(lr_milestones=(1, 3)), folder)
    return folder


def test_tiny_arcsr_trains_with_finite_loss_and_logs_the_milestone_rates(uninterrupted: Path) -> None:
    log = load_checkpoint(uninterrupted / "checkpoint.pt")["log"]
    assert [row["step"] for row in log] == [1, 2, 3, 4]
    assert all(math.isfinite(row["loss"]) for row in log)
    assert [row["learning_rate"] for row in log] == pytest.approx([5e-5, 5e-5, 2.5e-5, 2.5e-5], rel=1e-12)  # the rate of the next step
    assert math.isfinite(log[-1]["val_psnr"])


def test_resumed_run_with_milestones_is_bit_identical(uninterrupted: Path, tmp_path: Path) -> None:
    train(tiny(lr_milestones=(1, 3)), tmp_path, stop_at_step=2)
    train(tiny(lr_milestones=(1, 3)), tmp_path)
    assert_identical(load_checkpoint(tmp_path / "checkpoint.pt"), load_checkpoint(uninterrupted / "checkpoint.pt"), skip=("seconds", "rng", "log"))


# ------------------------------------------------------------------------------------------------- recipes, validation


def test_motion_validation_is_set5_blurred_with_the_chosen_levin_kernel() -> None:
    setting = validation_setting(tiny(validation_levin_kernel=3, validation_noise=10.0))
    assert setting.dataset == "Set5"
    degradation = setting.degradation
    assert degradation.kernel == FileKernel("levin", 3) and degradation.noise == 10.0 and degradation.scale == 4
    assert not degradation.quantize and not degradation.clip


@pytest.mark.parametrize("profile", sorted(ARCSR_SCHEDULES))
@pytest.mark.parametrize("name", sorted(ARCSR_RECIPES))
def test_recipes_follow_section_4_2(name: str, profile: str) -> None:
    config = recipe(name, profile, scale=4, seed=1)
    if profile == "cpu" and name == "dasr_arcsr":  # the comparator's steps are matched to ArcSR's compute (test_comparator_budget.py)
        config = config.replace(steps=ARCSR_SCHEDULES["cpu"]["steps"], lr_milestones=recipe("arcsr", "cpu", scale=4).lr_milestones)
    assert (config.model, config.model_kwargs, config.scale, config.seed) == (RECIPE_MODELS[name], {}, 4, 1)  # the full-size network
    assert (config.loss, config.learning_rate, config.adam_betas[0]) == ("l1", 1e-4, 0.9)
    assert (config.augment, config.augment_mode, config.kernel_type, config.noise_range) == (True, "rotations", "motion", (0.2, 20.0))
    steps = config.steps
    assert config.lr_milestones == ((20_000, 40_000, 80_000, 200_000) if profile == "paper" else
                                    tuple(max(round(f * steps), i + 1) for i, f in enumerate((0.05, 0.1, 0.2, 0.5))))
    for key, value in ARCSR_SCHEDULES[profile].items():
        assert getattr(config, key) == value, key
    assert TrainConfig.from_dict(config.to_dict()) == config
    with pytest.raises(KeyError, match="x4 only"):
        recipe(name, profile, scale=2)


def test_paper_profile_and_cpu_runs() -> None:
    paper = recipe("arcsr", "paper", scale=4)
    assert (paper.lr_patch * paper.scale, paper.steps, paper.train_sets) == (256, 400_000, ("DF2K",))
    assert PAPERS["arcsr"].main_recipe == "arcsr" and set(PAPERS["arcsr"].recipes) == set(ARCSR_RECIPES)
    assert CPU_RUNS == tuple((name, 4, (0, 1)) for name in ("arcsr", "arcsr_no_dmconv", "arcsr_no_kgconv", "arcsr_baseline"))
    assert COMPARATOR_CPU_RUNS == (("dasr_arcsr", 4, (0,)),) and RECIPE_MODELS["dasr_arcsr"] == "dasr"


def test_the_dasr_comparator_keeps_the_milestones_at_the_same_fractions_of_its_matched_run() -> None:
    matched = recipe("dasr_arcsr", "cpu", scale=4)
    assert matched.steps == 1781 and matched.lr_milestones == (89, 178, 356, 890)  # 1781 x (1/20, 1/10, 1/5, 1/2), rounded
    assert recipe("dasr_arcsr", "smoke", scale=4).steps == recipe("arcsr", "smoke", scale=4).steps


def test_full_size_arcsr_trains_and_exports_at_the_smoke_profile() -> None:
    path = trained_weights("arcsr", "smoke", scale=4, retrain=True)
    assert path == weights_path("arcsr", 4, "smoke")
    provenance = load_checkpoint(path)["provenance"]
    assert provenance["config"] == recipe("arcsr", "smoke", scale=4).to_dict()
    assert [row["step"] for row in provenance["log"]] == [1, 2] and all(math.isfinite(row["loss"]) for row in provenance["log"])
    assert math.isfinite(provenance["log"][-1]["val_psnr"])
