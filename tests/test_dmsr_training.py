"""DMSR training in the engine (docs/decisions/dmsr.md, M15, M17-M23): training pairs that carry their true kernel and noise,
the differentiable degradation of I_sim, each term of Eq. 5-8 against hand-computed values, the gradient path of every
switch, exact resume, DMSR-nf's fine-tune, the recipes and their cpu budget.

Runs use a tiny DMSR (1 group of 1 block, 16 channels, extractor width 16) on 12² LR patches unless they test a recipe.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest
import torch
import torch.nn as nn

from dynsr.checkpoints import CheckpointError, WEIGHTS_FORMAT, export_weights, load_checkpoint
from dynsr.config import ConfigError
from dynsr.degradations.bicubic import matlab_bicubic_resize
from dynsr.degradations.blur import blur
from dynsr.degradations.differentiable import bicubic_resize, blur_per_sample
from dynsr.degradations.kernels import isotropic_gaussian_kernel
from dynsr.degradations.noise import quantize
from dynsr.models import build_model
from dynsr.papers import PAPERS
from dynsr.papers.dmsr.recipes import CPU_RUNS, DMSR_SCHEDULES
from dynsr.training.config import TrainConfig
from dynsr.training.data import TrainingPatches
from dynsr.training.degradation_losses import DMSRLossOptions, simulate_lr, squared_error
from dynsr.training.objectives import DMSRObjective, objective_for
from dynsr.training.recipes import RECIPES, recipe, trained_weights, weights_path
from dynsr.training.trainer import train
from training_helpers import assert_identical, dynsr_dirs, restore_global_torch_state

AUTOUSE_FIXTURES = (dynsr_dirs, restore_global_torch_state)  # imported so that pytest applies them to this module

TINY_MODEL = {"groups": 1, "blocks": 1, "channels": 16, "extractor_channels": 16}
TINY: dict[str, Any] = dict(
    model="dmsr", model_kwargs=TINY_MODEL, scale=2, steps=4, lr_patch=12, batch_size=2, lr_halving_steps=2, loss="l1", kernel_size=15,
    width_range=(0.2, 3.0), noise_range=(0.0, 75.0), degradation_targets=True, dmsr_losses=DMSRLossOptions(), checkpoint_every=2,
    log_every=1, validation_images=1, validation_crop=48, device="cpu",
)
DMSR_RECIPES = tuple(name for name in RECIPES if name.startswith("dmsr"))


def tiny(**changes: Any) -> TrainConfig:
    return TrainConfig(**{**TINY, **changes})


def _hwc(tensor: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(tensor.double().numpy().transpose(1, 2, 0))


def _batch(config: TrainConfig, size: int = 2) -> dict[str, torch.Tensor]:
    items = [TrainingPatches(config)[index] for index in range(size)]
    return {key: torch.stack([item[key] for item in items]) for key in items[0]}


# ---------------------------------------------------------------------------------------- training pairs


def test_pairs_carry_their_own_kernel_and_noise() -> None:
    """kernel = the sample's 15x15 Gaussian of its width; noise_map = LR - the 8-bit LR before the noise, a draw of
    std level/255; the LR is rebuilt from the HR, the kernel and the map."""
    dataset = TrainingPatches(tiny(noise_range=(10.0, 60.0)))
    for index in range(4):
        item = dataset[index]
        width, level = float(item["width"]), float(item["noise"])
        assert item["kernel"].shape == (15, 15) and item["noise_map"].shape == (3, 12, 12)
        np.testing.assert_allclose(item["kernel"].numpy(), isotropic_gaussian_kernel(15, width), atol=1e-7)
        hr = np.round(_hwc(item["hr"]) * 255) / 255
        noise_free = quantize(matlab_bicubic_resize(blur(hr, isotropic_gaussian_kernel(15, width), padding="replicate"), 0.5))
        np.testing.assert_allclose(_hwc(item["lr"]), noise_free + _hwc(item["noise_map"]), atol=1e-6)
        assert abs(item["noise_map"].double().std().item() * 255 / level - 1) < 0.2, (index, level)  # 432 draws
    silent = TrainingPatches(tiny(noise_range=(0.0, 0.0)))[0]
    assert torch.equal(silent["noise_map"], torch.zeros(3, 12, 12))


def test_targets_add_keys_and_change_nothing_else() -> None:
    """The other keys are bit-identical with and without the targets (UDVD/SRMD's pairs are untouched)."""
    plain, targeted = TrainingPatches(tiny(degradation_targets=False, dmsr_losses=None)), TrainingPatches(tiny())
    for index in range(3):
        a, b = plain[index], targeted[index]
        assert set(a) == {"lr", "hr", "kernel_code", "noise", "width"} and set(b) == set(a) | {"kernel", "noise_map"}
        for key in a:
            assert torch.equal(a[key], b[key]), key


def test_targets_are_a_pure_function_of_seed_and_index() -> None:
    first = TrainingPatches(tiny())[5]
    torch.manual_seed(3)
    np.random.seed(3)
    again = TrainingPatches(tiny(steps=40, batch_size=4))[5]
    for key in first:
        assert torch.equal(first[key], again[key]), key
    other = TrainingPatches(tiny(seed=1))[5]
    assert not torch.equal(first["kernel"], other["kernel"]) and not torch.equal(first["noise_map"], other["noise_map"])


def test_after_noise_rounding_the_map_is_what_the_rounding_left() -> None:
    item = TrainingPatches(tiny(quantize_after_noise=True, noise_range=(20.0, 20.0)))[0]
    unrounded = TrainingPatches(tiny(noise_range=(20.0, 20.0)))[0]
    noise_free = unrounded["lr"].double() - unrounded["noise_map"].double()
    torch.testing.assert_close(item["lr"].double() - noise_free, item["noise_map"].double(), rtol=0, atol=1e-6)
    assert not torch.allclose(item["noise_map"], unrounded["noise_map"], atol=1e-4)


# ---------------------------------------------------------------------------------- differentiable degradation


@pytest.mark.parametrize("padding", ["replicate", "reflect", "zero", "wrap"])
def test_differentiable_blur_and_resize_match_the_data_operators(padding: str) -> None:
    torch.manual_seed(0)
    image = torch.rand(2, 3, 18, 18, dtype=torch.float64)
    kernels = np.stack([isotropic_gaussian_kernel(15, 0.7), isotropic_gaussian_kernel(15, 2.6)])
    kernels[1, 3, 9] += 0.05  # a non-symmetric kernel: correlation, not convolution
    kernels[1] /= kernels[1].sum()
    blurred = blur_per_sample(image, torch.from_numpy(kernels), padding=padding)
    expected = torch.cat([blur(image[i : i + 1], kernels[i], padding=padding) for i in range(2)])
    torch.testing.assert_close(blurred, expected, rtol=0, atol=1e-13)
    for scale in (2, 3, 4):
        torch.testing.assert_close(bicubic_resize(image, 1 / scale), matlab_bicubic_resize(image, 1 / scale), rtol=0, atol=1e-13)


def test_differentiable_degradation_has_the_right_gradients() -> None:
    torch.manual_seed(0)
    image = torch.rand(1, 1, 8, 8, dtype=torch.float64, requires_grad=True)
    kernel = torch.rand(1, 3, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, k: bicubic_resize(blur_per_sample(x, k, padding="replicate"), 0.5), (image, kernel))


def test_simulated_lr_with_the_true_degradation_is_the_training_lr() -> None:
    """I_sim built from the pair's own kernel and noise is its LR: exactly with the data's rounding ("pipeline"),
    within half an 8-bit step without it ("float")."""
    config = tiny()
    batch = _batch(config, 4)
    hr, kernel, noise = batch["hr"].double(), batch["kernel"].double(), batch["noise_map"].double()
    piped = simulate_lr(hr, kernel, noise, scale=2, padding="replicate", quantize_before_noise=True)
    torch.testing.assert_close(piped, batch["lr"].double(), rtol=0, atol=2e-6)
    floating = simulate_lr(hr, kernel, noise, scale=2, padding="replicate")
    assert 0 < (floating - batch["lr"].double()).abs().max() <= 0.5 / 255 + 1e-6


# ---------------------------------------------------------------------------------- loss terms by hand


def test_squared_error_mean_and_sum() -> None:
    estimate, target = torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.zeros(2, 2)
    assert float(squared_error(estimate, target, norm="mean")) == pytest.approx(30 / 4)  # (1 + 4 + 9 + 16) / 4 elements
    assert float(squared_error(estimate, target, norm="sum")) == pytest.approx(30 / 2)  # per sample, averaged over 2 samples
    with pytest.raises(ValueError, match="differ in shape"):
        squared_error(estimate, torch.zeros(4), norm="mean")


class _Estimate(NamedTuple):
    kernel: torch.Tensor
    noise: torch.Tensor


class _StubExtractor(nn.Module):
    """K = uniform 1/225; N = 2·(LR − 0.5) per pixel (map) or 2·(mean LR − 0.5) (level)."""

    def __init__(self, noise_estimate: str) -> None:
        super().__init__()
        self.noise_estimate, self.offset = noise_estimate, nn.Parameter(torch.zeros(()))

    def forward(self, lr: torch.Tensor) -> _Estimate:
        kernel = torch.full((lr.shape[0], 15, 15), 1 / 225, dtype=lr.dtype) + 0 * self.offset
        noise = 2 * (lr - 0.5) + self.offset
        return _Estimate(kernel, noise if self.noise_estimate == "map" else noise.mean(dim=(1, 2, 3))[:, None])  # (B, 3, p, p) -> (B, 1)


class _StubDMSR(nn.Module):
    """DMSR's training interface with known outputs: SR = 0.25 everywhere."""

    def __init__(self, noise_estimate: str) -> None:
        super().__init__()
        self.noise_estimate, self.extractor = noise_estimate, _StubExtractor(noise_estimate)

    def estimate_degradation(self, lr: torch.Tensor) -> _Estimate:
        return self.extractor(lr)

    def forward(self, lr: torch.Tensor, *, kernel: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        return torch.full((lr.shape[0], 3, 2 * lr.shape[2], 2 * lr.shape[3]), 0.25, dtype=lr.dtype) + 0 * noise.sum()


def _hand_batch() -> dict[str, torch.Tensor]:
    """HR 0.5, true noise 0.1 everywhere (level 25.5 = 0.1 · 255), LR 0.6, true kernel the delta (float64: exact decimals)."""
    delta = torch.zeros(2, 15, 15, dtype=torch.float64)
    delta[:, 7, 7] = 1.0
    full = {"hr": ((2, 3, 8, 8), 0.5), "lr": ((2, 3, 4, 4), 0.6), "noise_map": ((2, 3, 4, 4), 0.1), "noise": ((2,), 25.5)}
    return {key: torch.full(shape, value, dtype=torch.float64) for key, (shape, value) in full.items()} | {"kernel": delta}


@pytest.mark.parametrize("noise_estimate", ["map", "sigma"])
@pytest.mark.parametrize("norm", ["mean", "sum"])
def test_every_term_against_a_hand_computed_value(noise_estimate: str, norm: str) -> None:
    """N_est = 0.2 against 0.1; K_est uniform against the delta; I_sim = 0.5 (constant HR through any normalised blur and
    bicubic) + 0.2 = 0.7 against LR 0.6; N_sim = 2·(0.7 − 0.5) = 0.4 against 0.2; K_sim = K_est. MNM-σ: the level 0.2 against
    0.1 and I_sim = 0.5 + 0.2 · (the input's noise / its level = 1), the same numbers with one element per sample."""
    config = tiny(dmsr_losses=DMSRLossOptions(norm=norm))
    model = _StubDMSR(noise_estimate)
    objective = DMSRObjective(config, model)
    loss, parts = objective.loss(objective.network(model), _hand_batch(), 0)
    elements = 48 if noise_estimate == "map" and norm == "sum" else 1  # 3 · 4 · 4 per sample
    kernel_error = ((1 - 1 / 225) ** 2 + 224 / 225**2) / (225 if norm == "mean" else 1)  # one 1-tap, 224 zero taps
    expected = {"loss_re": 0.25, "loss_dr_noise": 0.01 * elements, "loss_dr_kernel": kernel_error, "loss_dc_lr": 0.01 * (48 if norm == "sum" else 1),
                "loss_dc_noise": 0.04 * elements, "loss_dc_kernel": 0.0}
    assert set(parts) == set(expected) == set(objective.log_parts)
    for name, value in expected.items():
        assert parts[name].item() == pytest.approx(value, rel=1e-12, abs=1e-15), name
    total = 0.25 + 10 * (expected["loss_dr_noise"] + kernel_error) + expected["loss_dc_lr"] + expected["loss_dc_noise"]
    assert loss.item() == pytest.approx(total, rel=1e-12)


def test_switches_choose_the_terms_and_weights() -> None:
    model, batch = _StubDMSR("map"), _hand_batch()

    def run(**options: Any) -> tuple[float, dict[str, torch.Tensor], tuple[str, ...]]:
        objective = DMSRObjective(tiny(dmsr_losses=DMSRLossOptions(**options)), model)
        loss, parts = objective.loss(objective.network(model), batch, 0)
        return loss.item(), parts, objective.log_parts

    kernel_error = ((1 - 1 / 225) ** 2 + 224 / 225**2) / 225
    loss, parts, logged = run(degradation_reconstruction=False, consistency_lr=False, consistency_kn=False)  # Table 2, row 1
    assert loss == pytest.approx(0.25) and logged == ("loss_re", "loss_dr_noise", "loss_dr_kernel") == tuple(parts)
    assert not parts["loss_dr_noise"].requires_grad and parts["loss_dr_noise"].item() == pytest.approx(0.01)  # logged, not trained
    assert run(consistency_lr=False, consistency_kn=False)[0] == pytest.approx(0.25 + 10 * (0.01 + kernel_error))  # row 2
    loss, parts, logged = run(consistency_kn=False)  # row 3
    assert loss == pytest.approx(0.25 + 10 * (0.01 + kernel_error) + 0.01) and "loss_dc_noise" not in parts and logged[-1] == "loss_dc_lr"
    assert run(weight_re=2.0, weight_dr=1.0, weight_dc=3.0)[0] == pytest.approx(0.5 + 0.01 + kernel_error + 3 * (0.01 + 0.04))


# ---------------------------------------------------------------------------------------- gradient path


def _tiny_model(**kwargs: Any) -> nn.Module:
    torch.manual_seed(0)
    return build_model("dmsr", scale=2, **TINY_MODEL, **kwargs)


def _gradients(options: DMSRLossOptions, model: nn.Module | None = None) -> dict[str, torch.Tensor | None]:
    """The gradient of every parameter after one loss of ``options`` on a fixed batch (None: no gradient)."""
    config = tiny(dmsr_losses=options, noise_range=(10.0, 60.0))
    model = model or _tiny_model()
    objective = objective_for(config, model)
    loss, _ = objective.loss(objective.network(model), _batch(config), 0)
    model.zero_grad(set_to_none=True)
    loss.backward()
    return {name: None if p.grad is None or not p.grad.abs().sum() > 0 else p.grad.clone() for name, p in model.named_parameters()}


def _reached(gradients: dict[str, torch.Tensor | None]) -> set[str]:
    return {name for name, grad in gradients.items() if grad is not None}


ONLY_DR = dict(weight_re=0.0, consistency_lr=False, consistency_kn=False)
ONLY_DC_LR = dict(weight_re=0.0, degradation_reconstruction=False, consistency_kn=False)
ONLY_DC_KN = dict(weight_re=0.0, degradation_reconstruction=False, consistency_lr=False)


def test_reconstruction_loss_reaches_every_parameter_unless_detached() -> None:
    everything = {name for name, _ in _tiny_model().named_parameters()}
    extractor = {name for name in everything if name.startswith("extractor.")}
    re_only = dict(degradation_reconstruction=False, consistency_lr=False, consistency_kn=False)
    assert _reached(_gradients(DMSRLossOptions(**re_only))) == everything  # jointly optimised (M15)
    assert _reached(_gradients(DMSRLossOptions(**re_only, sr_gradient_to_extractor=False))) == everything - extractor
    assert objective_for(tiny(dmsr_losses=DMSRLossOptions(sr_gradient_to_extractor=False)), _tiny_model()).leaves_parameters_unused


@pytest.mark.parametrize("terms", [ONLY_DR, ONLY_DC_LR, ONLY_DC_KN], ids=["DR", "DC-LR", "DC-KN"])
def test_degradation_losses_train_the_extractor_alone(terms: dict[str, Any]) -> None:
    """L_DR and L_DC give every extractor parameter a gradient (both heads: N_est and K_est enter each) and the SR network none."""
    extractor = {name for name, _ in _tiny_model().named_parameters() if name.startswith("extractor.")}
    assert _reached(_gradients(DMSRLossOptions(**terms))) == extractor


def _manual_kn_gradients(second: str) -> dict[str, torch.Tensor]:
    """DC (KN) by hand: the second pass by an ordinary call, a frozen copy, or under no_grad."""
    config = tiny(noise_range=(10.0, 60.0))
    model, batch = _tiny_model(), _batch(config)
    kernel, noise = model.extractor(batch["lr"])
    simulated = simulate_lr(batch["hr"], kernel, noise, scale=2, padding="replicate")
    if second == "trained":
        again = model.extractor(simulated)
    elif second == "frozen":
        frozen = copy.deepcopy(model.extractor).requires_grad_(False)
        again = frozen(simulated)
    else:
        with torch.no_grad():
            again = model.extractor(simulated)
    loss = ((again.noise - noise) ** 2).mean() + ((again.kernel - kernel) ** 2).mean()
    loss.backward()
    return {name: p.grad for name, p in model.extractor.named_parameters()}


def test_second_pass_switch_sets_the_gradient_path_of_the_consistency_loss() -> None:
    """"trained", "frozen" and "target" each give the gradients of their manual construction, and they differ."""
    results = {}
    for second in ("trained", "frozen", "target"):
        got = _gradients(DMSRLossOptions(**ONLY_DC_KN, second_pass=second))
        manual = _manual_kn_gradients(second)
        for name, grad in manual.items():
            torch.testing.assert_close(got[f"extractor.{name}"], grad, rtol=1e-4, atol=1e-9)
        results[second] = torch.cat([g.flatten() for g in manual.values()])
    assert not torch.allclose(results["trained"], results["frozen"]) and not torch.allclose(results["frozen"], results["target"])


def test_pipeline_simulation_rounds_but_keeps_the_gradient() -> None:
    float_grads = _gradients(DMSRLossOptions(**ONLY_DC_LR))
    piped = _gradients(DMSRLossOptions(**ONLY_DC_LR, simulation="pipeline"))
    assert _reached(piped) == _reached(float_grads)  # straight through: K_est still learns from DC (LR)
    assert any(not torch.equal(piped[name], float_grads[name]) for name in _reached(piped))


def test_mnm_sigma_trains_on_its_level() -> None:
    model = _tiny_model(noise_estimate="sigma")
    config = tiny(noise_range=(10.0, 60.0))
    objective = objective_for(config, model)
    batch = _batch(config)
    out = objective.network(model)(batch["lr"], batch["hr"], batch["noise_map"] / (batch["noise"] / 255)[:, None, None, None])
    assert out.noise.shape == out.simulated_noise.shape == (2, 1)
    _, parts = objective.loss(objective.network(model), batch, 0)
    torch.testing.assert_close(parts["loss_dr_noise"], ((out.noise - batch["noise"][:, None] / 255) ** 2).mean())


def test_adam_on_one_batch_lowers_the_loss() -> None:
    config = tiny(noise_range=(10.0, 60.0))
    model = _tiny_model()
    objective = objective_for(config, model)
    network, batch = objective.network(model), _batch(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for step in range(8):
        loss, parts = objective.loss(network, batch, step)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert all(np.isfinite(losses)) and losses[-1] < 0.75 * losses[0], losses


# --------------------------------------------------------------------------------------------- training, resume


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("dmsr_uninterrupted")
    train(tiny(), run_dir)
    return run_dir


def test_tiny_run_logs_every_term_finite(uninterrupted: Path) -> None:
    saved = load_checkpoint(uninterrupted / "checkpoint.pt")
    assert saved["step"] == 4 and "objective" not in saved  # no state of its own
    header = (uninterrupted / "log.csv").read_text().splitlines()[0]
    assert header == "step,loss,learning_rate,seconds,val_psnr,loss_re,loss_dr_noise,loss_dr_kernel,loss_dc_lr,loss_dc_noise,loss_dc_kernel"
    for row in saved["log"]:
        assert all(np.isfinite(row[name]) for name in ("loss", "loss_re", "loss_dr_noise", "loss_dr_kernel", "loss_dc_lr", "loss_dc_noise"))
        total = row["loss_re"] + 10 * (row["loss_dr_noise"] + row["loss_dr_kernel"]) + row["loss_dc_lr"] + row["loss_dc_noise"] + row["loss_dc_kernel"]
        assert row["loss"] == pytest.approx(total, rel=1e-5)
    assert np.isfinite(saved["log"][-1]["val_psnr"])


@pytest.mark.parametrize("stops", [(1,), (2,), (1, 3)], ids=["step1", "checkpoint2", "two-stops"])
def test_resumed_dmsr_run_is_bit_identical(uninterrupted: Path, tmp_path: Path, stops: tuple[int, ...]) -> None:
    for stop in stops:
        assert train(tiny(), tmp_path, stop_at_step=stop).step == stop
    assert train(tiny(), tmp_path).finished
    assert_identical(load_checkpoint(uninterrupted / "checkpoint.pt"), load_checkpoint(tmp_path / "checkpoint.pt"))


# ------------------------------------------------------------------------------------------------ fine-tune


def test_fine_tune_starts_from_the_given_weights(uninterrupted: Path, tmp_path: Path) -> None:
    parent = load_checkpoint(uninterrupted / "checkpoint.pt")
    weights = export_weights(tmp_path / "parent.pt", model_name="dmsr", model_kwargs={**TINY_MODEL, "scale": 2}, state_dict=parent["model"],
                             provenance={})
    child = tiny(fine_tune_from="dmsr", noise_range=(0.0, 0.0), steps=2)
    with pytest.raises(ValueError, match="pass its weights as initial_weights"):
        train(child, tmp_path / "none")
    with pytest.raises(ValueError, match="initial_weights is for a fine-tune"):
        train(tiny(), tmp_path / "scratch", initial_weights=weights)
    with pytest.raises(CheckpointError, match="this fine-tune trains dmsr"):
        train(child.replace(model_kwargs={**TINY_MODEL, "mbm_count": 2}), tmp_path / "other", initial_weights=weights)
    train(child, tmp_path / "child", stop_at_step=1, initial_weights=weights)
    after_one = load_checkpoint(tmp_path / "child" / "checkpoint.pt")
    changes = [float((after_one["model"][name] - value.float()).abs().max()) for name, value in parent["model"].items() if value.is_floating_point()]
    assert 0 < max(changes) < 1e-2  # one Adam step (1e-4 a coordinate) away from the parent's float16-rounded weights
    assert train(child, tmp_path / "child").finished  # resumes without the weights: the checkpoint has the model


# ------------------------------------------------------------------------------------------------ configuration


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"degradation_targets": False}, "set degradation_targets=True"),
        ({"loss_pixel_range": 255.0}, "loss_pixel_range"),
        ({"kernel_size": 21}, "estimates 15x15 kernels; kernel_size is 21"),
        ({"model": "srmd", "model_kwargs": {}}, "needs a model with a degradation extractor"),
        ({"paired_patches": True}, "degradation_targets is for single patches"),
        ({"dmsr_losses": {"norm": "sum"}}, "must be DMSRLossOptions or None"),
        ({"fine_tune_from": ""}, "fine_tune_from names a recipe"),
    ],
)
def test_inconsistent_dmsr_settings_are_config_errors(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        tiny(**changes)


def test_options_are_typed_strictly_and_round_trip() -> None:
    config = tiny(dmsr_losses=DMSRLossOptions(norm="sum", second_pass="frozen", weight_dr=5))
    assert TrainConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    as_dict = config.to_dict()
    with pytest.raises(ConfigError, match=r"dmsr_losses: unknown DMSRLossOptions keys \['nrm'\]"):
        TrainConfig.from_dict({**as_dict, "dmsr_losses": {"nrm": "sum"}})
    with pytest.raises(ConfigError, match=r"dmsr_losses: second_pass='both'; choose one of"):
        TrainConfig.from_dict({**as_dict, "dmsr_losses": {"second_pass": "both"}})
    with pytest.raises(ConfigError, match="consistency_lr=1 has type int; expected bool"):
        DMSRLossOptions(consistency_lr=1)
    with pytest.raises(ConfigError, match="finite and >= 0"):
        DMSRLossOptions(weight_dc=-1.0)
    with pytest.raises(ConfigError, match="simulation='exact'"):
        DMSRLossOptions(simulation="exact")
    assert DMSRLossOptions() == DMSRLossOptions(weight_re=1.0, weight_dr=10.0, weight_dc=1.0)  # λ = (1, 10, 1), §4.1


# ---------------------------------------------------------------------------------------------------- recipes


def test_recipes_follow_section_4_1() -> None:
    assert set(DMSR_RECIPES) == {"dmsr", "dmsr_nf", "dmsr_no_de_losses", "dmsr_dr", "dmsr_dr_dc_lr", "dmsr_sigma_no_mbm", "dmsr_sigma",
                                 "dmsr_no_mbm", "dmsr_mbm2", "dmsr_mbm3"}
    assert PAPERS["dmsr"].main_recipe == "dmsr" and set(PAPERS["dmsr"].recipes) == set(DMSR_RECIPES)
    for name in DMSR_RECIPES:
        for profile in DMSR_SCHEDULES:
            config = recipe(name, profile, scale=4, seed=1)
            assert TrainConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
            assert (config.model, config.loss, config.kernel_size, config.width_range, config.blur_padding) == ("dmsr", "l1", 15, (0.2, 3.0), "replicate")
            assert (config.learning_rate, config.adam_betas, config.seed, config.degradation_targets) == (1e-4, (0.9, 0.999), 1, True)
            assert config.quantize_before_noise and not config.quantize_after_noise and config.validation_set == "Set5"
    paper = recipe("dmsr", "paper", scale=2)
    assert (paper.train_sets, paper.lr_patch, paper.batch_size, paper.steps, paper.lr_halving_steps) == (("DF2K",), 48, 32, 500_000, 200_000)
    assert paper.noise_range == (0.0, 75.0) and paper.dmsr_losses == DMSRLossOptions() and paper.fine_tune_from is None
    assert [(recipe("dmsr", "cpu", scale=s).validation_width, recipe("dmsr", "cpu", scale=s).validation_noise) for s in (2, 3, 4)] == [
        (2.6, 15.0), (1.3, 50.0), (1.3, 50.0)]  # Tables 3, 4, 2
    nf = recipe("dmsr_nf", "paper", scale=3)
    assert (nf.fine_tune_from, nf.noise_range, nf.steps, nf.validation_width, nf.validation_noise) == ("dmsr", (0.0, 0.0), 100_000, 0.2, 0.0)
    assert nf.lr_halving_steps > nf.steps  # 1e-4 throughout (§4.2)
    ablations = {name: recipe(name, "cpu", scale=4) for name in DMSR_RECIPES}
    assert [(o.degradation_reconstruction, o.consistency_lr, o.consistency_kn) for o in
            (ablations[n].dmsr_losses for n in ("dmsr_no_de_losses", "dmsr_dr", "dmsr_dr_dc_lr", "dmsr"))] == [
        (False, False, False), (True, False, False), (True, True, False), (True, True, True)]
    assert {name: config.model_kwargs for name, config in ablations.items() if config.model_kwargs} == {
        "dmsr_sigma_no_mbm": {"noise_estimate": "sigma", "mbm_count": 0}, "dmsr_sigma": {"noise_estimate": "sigma"},
        "dmsr_no_mbm": {"mbm_count": 0}, "dmsr_mbm2": {"mbm_count": 2}, "dmsr_mbm3": {"mbm_count": 3}}
    with pytest.raises(KeyError, match="x2, x3 and x4"):
        recipe("dmsr", "cpu", scale=8)


def test_cpu_runs_are_the_tables_runs_and_their_step_count() -> None:
    """Table 1 (dmsr, dmsr_nf x2/x3/x4), Tables 2-4 (x4, x2, x3) with two seeds a row: 22 runs of 600 steps and six
    fine-tunes of 120 (docs/decisions/dmsr.md, M23-M24), each fine-tune after the DMSR run of its scale and seed."""
    runs = [(name, scale, seed) for name, scale, seeds in CPU_RUNS for seed in seeds]
    assert len(runs) == 28 and len(set(runs)) == 28
    assert all(runs.index(("dmsr", scale, seed)) < runs.index(("dmsr_nf", scale, seed)) for scale in (2, 3, 4) for seed in (0, 1))
    assert sum(recipe(name, "cpu", scale=scale, seed=seed).steps for name, scale, seed in runs) == 22 * 600 + 6 * 120
    assert {name for name, _, _ in runs} == set(DMSR_RECIPES)


def test_dmsr_and_its_fine_tune_train_at_the_smoke_profile() -> None:
    """trained_weights("dmsr_nf") trains dmsr first (its starting point) and records where it started."""
    path = trained_weights("dmsr_nf", "smoke", scale=2, retrain=True)
    parent = weights_path("dmsr", 2, "smoke")
    assert parent.exists() and path == weights_path("dmsr_nf", 2, "smoke")
    provenance = load_checkpoint(path, expected_format=WEIGHTS_FORMAT)["provenance"]
    assert provenance["initial_weights"] == str(parent) and provenance["config"] == recipe("dmsr_nf", "smoke", scale=2).to_dict()
    assert provenance["steps"] == 1 and np.isfinite(provenance["log"][-1]["val_psnr"]) and np.isfinite(provenance["log"][-1]["loss_dc_lr"])
