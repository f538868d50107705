"""UDVD training and evaluation pieces: the multistage loss (Eq. 4), recipes, per-pixel degradation maps,
exact tiling by receptive radius, predicted kernels, claim verdicts and the published tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch

from dynsr.claims import BELOW_BICUBIC, ONE_SEED, below_bicubic, paired_claim, size_difference
from dynsr.results import Verdict
from dynsr.config import ConfigError
from dynsr.data.benchmarks import NamedImage
from dynsr.degradations.bicubic import matlab_bicubic_resize
from dynsr.degradations.kernels import isotropic_gaussian_kernel
from dynsr.degradations.pca import kernel_pca_code, load_pca_basis
from dynsr.degradations.pipelines import image_noise_rng
from dynsr.degradations.spatial import LinearRamp, Quadrants, SpatiallyVaryingDegradation, degradation_maps, degrade_spatially_varying
from dynsr.degradations.testsets import TestSetting as Setting, cached_lr
from dynsr.papers.udvd.settings import udvd_table3, udvd_table4, udvd_table5
from dynsr.inference import receptive_radius, setting_pixel_degradation, super_resolve
from dynsr.models import build_model
from dynsr.papers.udvd import published as paper
from dynsr.tiling import tiled_upscale
from dynsr.training.config import TrainConfig
from dynsr.training.losses import multistage_loss, pixel_loss
from dynsr.papers.udvd.recipes import UDVD_SCHEDULES
from dynsr.training.recipes import RECIPES, recipe, run_dir, weights_path
from dynsr.training.trainer import train


@pytest.fixture(autouse=True)
def _dynsr_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("DYNSR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path / "results"))


# --- multistage loss (Eq. 4) ---------------------------------------------------------------------------

def test_multistage_loss_sums_the_hr_stages_and_skips_smaller_ones() -> None:
    generator = torch.Generator().manual_seed(0)
    hr = torch.rand(2, 3, 12, 12, generator=generator)
    stages = [torch.rand(2, 3, 6, 6, generator=generator), torch.rand(2, 3, 12, 12, generator=generator), torch.rand(2, 3, 12, 12, generator=generator)]
    expected = sum(((stage - hr) ** 2).mean() for stage in stages[1:])
    assert multistage_loss(stages, hr, name="l2").item() == pytest.approx(expected.item(), rel=1e-6)
    target = matlab_bicubic_resize(hr, 0.5).float()
    with_lower = expected + ((stages[0] - target) ** 2).mean()
    assert multistage_loss(stages, hr, name="l2", lower_stages="bicubic").item() == pytest.approx(with_lower.item(), rel=1e-6)
    assert multistage_loss(stages[2:], hr, name="l1").item() == pytest.approx((stages[2] - hr).abs().mean().item(), rel=1e-6)


def test_multistage_loss_rejects_bad_stages() -> None:
    hr = torch.zeros(1, 3, 8, 8)
    with pytest.raises(ValueError, match="at least one stage"):
        multistage_loss([], hr, name="l2")
    with pytest.raises(ValueError, match="last stage"):
        multistage_loss([torch.zeros(1, 3, 4, 4)], hr, name="l2")
    with pytest.raises(ValueError, match="differ in shape"):
        pixel_loss("l2", torch.zeros(1, 3, 4, 4), hr)


def test_multistage_loss_needs_a_model_with_stages() -> None:
    with pytest.raises(ConfigError, match="multistage_loss needs a model whose forward returns its stages; srmd"):
        TrainConfig(model="srmd", scale=2, steps=1, multistage_loss=True)


TINY_UDVD: dict[str, Any] = dict(model="udvd", scale=2, steps=2, lr_patch=8, batch_size=2, checkpoint_every=0, log_every=1, validation_images=1,
                                 validation_crop=32, device="cpu", model_kwargs={"channels": 8, "num_residual_blocks": 1})


def _trained_state(tmp_path: Path, name: str, **changes: Any) -> dict[str, torch.Tensor]:
    config = TrainConfig(**{**TINY_UDVD, **changes})
    train(config, tmp_path / name)
    return torch.load(tmp_path / name / "checkpoint.pt", weights_only=True)["model"]


def test_multistage_training_matches_single_loss_when_only_the_last_stage_is_hr(tmp_path: Path) -> None:
    """DU: I^1 is LR-sized, so the default multistage loss (HR stages only) is the final-output loss: same weights, bit for bit."""
    kwargs = {"channels": 8, "num_residual_blocks": 1, "blocks": "DU"}
    multi = _trained_state(tmp_path, "multi", model_kwargs=kwargs, multistage_loss=True)
    single = _trained_state(tmp_path, "single", model_kwargs=kwargs, multistage_loss=False)
    assert all(torch.equal(multi[key], single[key]) for key in multi)
    lower = _trained_state(tmp_path, "lower", model_kwargs=kwargs, multistage_loss=True, lower_stages="bicubic")
    assert not torch.equal(lower["dynamic_blocks.0.kernel_path.weight"], single["dynamic_blocks.0.kernel_path.weight"])


def test_multistage_training_differs_from_single_loss_for_udd(tmp_path: Path) -> None:
    multi = _trained_state(tmp_path, "multi", multistage_loss=True)
    single = _trained_state(tmp_path, "single", multistage_loss=False)
    assert not torch.equal(multi["dynamic_blocks.0.kernel_path.weight"], single["dynamic_blocks.0.kernel_path.weight"])


# --- recipes -----------------------------------------------------------------------------------------

UDVD_RECIPES = {
    "udvd": ({}, True, (0.0, 75.0)), "udvd_baseline": ({"blocks": ""}, False, (0.0, 75.0)), "udvd_u": ({"blocks": "U"}, True, (0.0, 75.0)),
    "udvd_du": ({"blocks": "DU"}, True, (0.0, 75.0)), "udvd_ud": ({"blocks": "UD"}, True, (0.0, 75.0)),
    "udvd_single_loss": ({}, False, (0.0, 75.0)), "udvdnf": ({"noise_channel": False}, True, (0.0, 0.0)),
}


@pytest.mark.parametrize("profile", sorted(UDVD_SCHEDULES))
@pytest.mark.parametrize("name", sorted(UDVD_RECIPES))
def test_udvd_recipes(name: str, profile: str) -> None:
    kwargs, multistage, noise = UDVD_RECIPES[name]
    scales = (2, 3, 4) if name in ("udvd", "udvdnf", "udvd_single_loss") else (3,)
    for scale in scales:
        config = recipe(name, profile, scale=scale, seed=1)
        assert (config.model, config.model_kwargs, config.multistage_loss, config.noise_range) == ("udvd", kwargs, multistage, noise)
        assert (config.learning_rate, config.lr_halving_steps, config.loss, config.width_range) == (1e-4, 200_000, "l2", (0.2, 3.0))
        assert all(getattr(config, key) == value for key, value in UDVD_SCHEDULES[profile].items())
        assert run_dir(name, config, profile).name == f"{name}_x{scale}_seed1"
        build_model(config.model, scale=scale, **config.model_kwargs)  # the configuration exists at this scale
    assert set(UDVD_RECIPES) <= set(RECIPES)
    assert weights_path(name, 3, "cpu", seed=1).name == f"{name}_x3_seed1.pt"


def test_cpu_schedule() -> None:
    config = recipe("udvd", "cpu", scale=3)
    assert (config.train_sets, config.lr_patch, config.batch_size, config.steps, config.validate_every) == (("T91", "BSD200"), 16, 16, 1000, 250)


# --- per-pixel degradation maps and spatially varying LR ---------------------------------------------------

def test_degradation_maps_match_the_degradation_itself() -> None:
    degradation = SpatiallyVaryingDegradation(scale=3, width=LinearRamp(0.2, 2.0), noise=LinearRamp(5.0, 50.0))
    hr = np.random.default_rng(0).random((24, 30, 3))
    lr, widths, noises = degrade_spatially_varying(hr, degradation, rng=np.random.default_rng(1))
    got_widths, got_noises = degradation_maps(degradation, *lr.shape[:2])
    np.testing.assert_array_equal(got_widths, widths)
    np.testing.assert_array_equal(got_noises, noises)
    quadrants = SpatiallyVaryingDegradation(scale=2, width=Quadrants(1.6, 0.2, 1.6, 0.2), noise=Quadrants(0.0, 0.0, 10.0, 10.0))
    widths, noises = degradation_maps(quadrants, 4, 6)
    assert widths[0].tolist() == [1.6, 1.6, 1.6, 0.2, 0.2, 0.2] and noises[:, 0].tolist() == [0.0, 0.0, 10.0, 10.0]
    # odd LR sizes: each LR pixel takes the quadrant of its centre in HR pixels, as the blur does per HR pixel
    hr = np.random.default_rng(2).random((10, 14, 3))
    _, widths, noises = degrade_spatially_varying(hr, quadrants, rng=np.random.default_rng(3))  # LR 5 x 7
    assert widths[:, 3].tolist() == [1.6] * 5 and widths[:, 4].tolist() == [0.2] * 5  # centres at HR columns 6.5 (< 7) and 8.5
    assert noises[:, 0].tolist() == [0.0, 0.0, 0.0, 10.0, 10.0]


def test_cached_lr_of_a_spatially_varying_setting_is_deterministic() -> None:
    degradation = udvd_table3()[0].degradation
    image = NamedImage("fake", np.random.default_rng(0).integers(0, 256, (20, 26, 3), dtype=np.uint8), False)
    lr = cached_lr("Fake", image, degradation)
    expected = degrade_spatially_varying(image.pixels[:20, :26], degradation, rng=image_noise_rng(degradation, "fake"))[0].astype(np.float32)
    np.testing.assert_array_equal(lr, expected)
    np.testing.assert_array_equal(cached_lr("Fake", image, degradation), lr)  # read back from the cache
    keys = {degradation.key(), SpatiallyVaryingDegradation(scale=3, width=LinearRamp(0.2, 2.0), noise=5.0).key(),
            SpatiallyVaryingDegradation(scale=2, width=LinearRamp(0.2, 2.0), noise=LinearRamp(5.0, 5.0)).key(),
            SpatiallyVaryingDegradation(scale=2, width=Quadrants(0.2, 2.0, 0.2, 2.0), noise=5.0).key()}
    assert len(keys) == 4


def test_pixel_degradation_codes_are_each_columns_kernel() -> None:
    basis = load_pca_basis("kair_srmd")
    setting = udvd_table3()[0]  # x2, width ramp [0.2, 2], noise 5
    codes, noise = setting_pixel_degradation(setting, basis, 5, 9)
    widths, _ = degradation_maps(setting.degradation, 5, 9)
    assert codes.shape == (15, 5, 9) and noise.shape == (5, 9) and (noise == 5.0).all()
    for column in (0, 4, 8):
        np.testing.assert_allclose(codes[:, 2, column], kernel_pca_code(isotropic_gaussian_kernel(15, widths[2, column]), basis), atol=1e-12)
    with pytest.raises(ValueError, match="spatially uniform"):
        setting_pixel_degradation(udvd_table4()[0], basis, 5, 9)


def test_a_constant_per_pixel_map_equals_the_uniform_vector() -> None:
    torch.manual_seed(0)
    model = build_model("udvd", scale=2, channels=8, num_residual_blocks=1).eval()
    lr = np.random.default_rng(0).random((10, 12, 3))
    code = np.random.default_rng(1).random(15)
    uniform = super_resolve(model, lr, kernel_code=code, noise=20.0)
    per_pixel = super_resolve(model, lr, kernel_code=np.broadcast_to(code[:, None, None], (15, 10, 12)), noise=np.full((10, 12), 20.0))
    np.testing.assert_array_equal(uniform, per_pixel)
    with pytest.raises(ValueError, match="match the LR size 10x12"):
        super_resolve(model, lr, kernel_code=code, noise=np.zeros((3, 3)))


# --- tiling is exact with the receptive radius ------------------------------------------------------------

@pytest.mark.parametrize("blocks, scale", [("UDD", 3), ("UUDD", 4), ("DU", 3), ("UD", 2), ("", 2)])
def test_udvd_receptive_radius_makes_tiling_exact(blocks: str, scale: int) -> None:
    torch.manual_seed(0)
    model = build_model("udvd", scale=scale, blocks=blocks, channels=8, num_residual_blocks=2).double().eval()
    for parameter in model.parameters():
        parameter.data.normal_(0, 0.2)
    x, degradation = torch.rand(1, 3, 22, 26, dtype=torch.float64), torch.rand(1, 16, 22, 26, dtype=torch.float64)
    with torch.no_grad():
        whole = model(x, degradation)
        tiled = tiled_upscale(model, x, degradation, scale=scale, tile=6, overlap=receptive_radius(model))
        too_little = tiled_upscale(model, x, degradation, scale=scale, tile=6, overlap=2)
    torch.testing.assert_close(tiled, whole, rtol=1e-10, atol=1e-10)  # float64 summation order only
    assert (too_little - whole).abs().max() > 1e-6 * whole.abs().max()  # the check can fail
    assert receptive_radius(build_model("srmd", scale=2)) == 12 and receptive_radius(build_model("bicubic", scale=2)) == 2  # Keys' cubic: ±2


# --- predicted kernels (Fig. 4) -------------------------------------------------------------------------

def test_block_kernels_are_the_softmax_kernels_of_that_block() -> None:
    torch.manual_seed(0)
    model = build_model("udvd", scale=3, channels=8, num_residual_blocks=1).eval()
    x, degradation = torch.rand(1, 3, 7, 9), torch.rand(1, 16)
    first, second = model.block_kernels(x, degradation, 0), model.block_kernels(x, degradation, 1)
    assert first.shape == (1, 25 * 9, 7, 9) and second.shape == (1, 25, 21, 27)
    torch.testing.assert_close(second.sum(dim=1), torch.ones(1, 21, 27))
    with pytest.raises(ValueError, match=r"block must be in \[0, 3\)"):
        model.block_kernels(x, degradation, 3)


# --- claim verdicts --------------------------------------------------------------------------------------

def test_paired_claim_verdicts() -> None:
    assert paired_claim("a > b", {0: 30.2, 1: 30.3}, {0: 30.0, 1: 30.05}, paper_difference=0.1).verdict == Verdict.HOLDS
    assert paired_claim("a > b", {0: 29.8, 1: 29.85}, {0: 30.0, 1: 30.05}, paper_difference=0.1).verdict == Verdict.DOES_NOT_HOLD
    claim = paired_claim("a > b", {0: 30.2, 1: 29.8}, {0: 30.0, 1: 30.0}, paper_difference=0.1)
    assert claim.verdict == Verdict.SEEDS_DISAGREE and claim.reason == "" and claim.ours_min_difference == pytest.approx(-0.2)
    assert claim.seeds == (0, 1) and claim.ours_mean_difference == pytest.approx(0.0, abs=1e-12) and claim.seed_spread == pytest.approx(0.4)
    assert claim.ours_max_difference == pytest.approx(0.2)
    # same sign in both seeds, but a 0.05 dB mean difference beside a 0.3 dB spread between seeds of one configuration
    assert paired_claim("a > b", {0: 30.05, 1: 30.35}, {0: 30.0, 1: 30.3}, paper_difference=0.1).verdict == Verdict.WITHIN_SPREAD
    assert paired_claim("a > b", {0: 30.0, 1: 30.1}, {0: 30.0, 1: 30.0}, paper_difference=0.1).verdict == Verdict.SEEDS_DISAGREE  # a tie
    one = paired_claim("a > b", {0: 31.0}, {0: 30.0}, paper_difference=0.1)
    assert (one.verdict, one.reason) == (Verdict.NOT_CHECKABLE, ONE_SEED)
    with pytest.raises(ValueError, match="better configuration first"):
        paired_claim("a > b", {0: 1.0}, {0: 0.0}, paper_difference=-0.1)


def test_a_claim_row_carries_the_verdict_its_reason_and_the_numbers_behind_it() -> None:
    claim = paired_claim("a > b [σ=1]", {0: 30.2, 1: 30.3}, {0: 30.0, 1: 30.05}, paper_difference=0.1, parameters=(100, 101))
    row = claim.row(method="a − b", dataset="Set5", scale=2, degradation="σ=1", metric="PSNR", profile="smoke", steps=4, noise_seed=0, n_images=2,
                    comparison="a > b")
    assert row["verdict"] == Verdict.HOLDS and row["reason"] == "" and row["seed_verdict"] == Verdict.HOLDS and row["seeds"] == (0, 1)
    assert row["paper"] == 0.1 and row["ours"] == pytest.approx(0.225) and row["gap"] == pytest.approx(0.125) and row["source"] == "trained here"
    assert row["claim"] == "a > b [σ=1]" and row["comparison"] == "a > b" and row["size_difference"] == pytest.approx(-0.01 / 1.01)


def test_a_claim_against_a_comparator_below_bicubic_is_not_informative() -> None:
    better, worse = {0: 30.2, 1: 30.3}, {0: 30.0, 1: 30.05}  # "holds" without the bicubic reference
    below = paired_claim("a > b", better, worse, paper_difference=0.1, bicubic=30.1)
    assert (below.verdict, below.reason) == (Verdict.NOT_INFORMATIVE, BELOW_BICUBIC)
    assert paired_claim("a > b", better, worse, paper_difference=0.1, bicubic=30.0).verdict == Verdict.HOLDS  # mean 30.025 is above
    assert paired_claim("a > b", better, worse, paper_difference=0.1, bicubic=float("nan")).verdict == Verdict.HOLDS
    assert paired_claim("a > b", {0: 31.0}, {0: 30.0}, paper_difference=0.1, bicubic=30.5).verdict == Verdict.NOT_INFORMATIVE  # before the seed count
    assert below_bicubic(24.7, 26.6) and not below_bicubic({0: 27.0, 1: 26.0}, 26.4) and not below_bicubic(24.7, None)


def test_a_resolved_claim_between_networks_of_different_size_is_confounded() -> None:
    better, worse = {0: 30.2, 1: 30.3}, {0: 30.0, 1: 30.05}
    claim = paired_claim("a > b", better, worse, paper_difference=0.1, parameters=(6_270_244, 4_875_064))  # UDVD UDD vs DU: 22 % apart
    assert claim.verdict == Verdict.CONFOUNDED_BY_SIZE and claim.seed_verdict == Verdict.HOLDS and claim.size_difference == pytest.approx(0.2225, abs=1e-4)
    assert paired_claim("a > b", better, worse, paper_difference=0.1, parameters=(5_860_532, 5_837_699)).verdict == Verdict.HOLDS  # 0.4 % apart
    assert paired_claim("a > b", {0: 29.8, 1: 29.85}, worse, paper_difference=0.1, parameters=(100, 200)).verdict == Verdict.CONFOUNDED_BY_SIZE
    # the smaller network wins: its size cannot explain the win (DASR's Model 5, 5.07 M, over Model 4, 5.84 M)
    assert paired_claim("a > b", better, worse, paper_difference=0.1, parameters=(5_066_819, 5_837_699)).verdict == Verdict.HOLDS
    assert paired_claim("a > b", {0: 29.8, 1: 29.85}, worse, paper_difference=0.1, parameters=(200, 100)).verdict == Verdict.DOES_NOT_HOLD
    unresolved = paired_claim("a > b", {0: 30.2, 1: 29.8}, {0: 30.0, 1: 30.0}, paper_difference=0.1, parameters=(100, 200))
    assert unresolved.verdict == Verdict.SEEDS_DISAGREE == unresolved.seed_verdict  # the size cannot make an unresolved difference meaningful
    assert size_difference(100, 106) == pytest.approx(-6 / 106)


def test_unknown_loss_names_are_errors() -> None:
    with pytest.raises(ConfigError, match="unknown values .*lower_stages.*bilinear"):
        TrainConfig(model="udvd", scale=2, steps=1, lower_stages="bilinear")
    with pytest.raises(ConfigError, match="unknown values .*'loss': 'mse'"):
        TrainConfig(model="udvd", scale=2, steps=1, loss="mse")
    with pytest.raises(ValueError, match="unknown loss 'L2'"):
        pixel_loss("L2", torch.zeros(1), torch.zeros(1))
    with pytest.raises(ValueError, match="unknown lower_stages 'nearest'"):
        multistage_loss([torch.zeros(1, 3, 4, 4)], torch.zeros(1, 3, 4, 4), name="l2", lower_stages="nearest")


# --- the published tables ---------------------------------------------------------------------------------

def test_udvd_tables_transcription_and_labels() -> None:
    labels3, labels4 = {s.label for s in udvd_table3()}, {s.label for s in udvd_table4()}
    assert len(paper.table3("UDVD")) == 27 and {r.setting for r in paper.table3("SRMD")} == labels3
    assert len(paper.table4("UDVD")) == 27 and {r.setting for r in paper.table4("SRMDNF")} == labels4
    assert len(paper.table4("IRCNN")) == 9  # Set5 only
    assert paper.table4("UDVD")[0].value == 38.01 and paper.table3("UDVD")[-1].value == 24.95
    table5 = {(r.method, r.dataset, r.setting, r.metric): r for m in ("Bicubic", "VDSR", "RCAN", "UDVD*") for r in paper.table5(m)}
    assert table5[("Bicubic", "Set5", "BI", "SSIM")].value == 0.8308 and "BD-column" in table5[("Bicubic", "Set5", "BI", "SSIM")].note
    assert table5[("VDSR", "BSD100", "BI", "SSIM")].note and not table5[("UDVD*", "Set5", "BI", "SSIM")].note
    assert not table5[("Bicubic", "Set5", "DN", "SSIM")].note and ("RCAN", "Set5", "DN", "PSNR") not in table5
    assert {s.label for s in udvd_table5()} == {"BI", "DN"}
    assert [label for label, _, _ in paper.TABLE1.values()][-1] == "UDVD_UDD" and paper.TABLE1["udvd"][1:] == (29.67, 0.8410)


def test_spatial_setting_evaluates_with_the_per_pixel_map() -> None:
    """A model scored on a spatially varying setting receives exactly the maps of ``degradation_maps``."""
    from dynsr.evaluate import evaluate
    from dynsr.inference import model_upscaler

    seen: dict[str, Any] = {}

    class Recorder(torch.nn.Module):
        conditioning, noise_channel, scale, receptive_radius = "degradation_vector", True, 2, 0
        noise_scale, pca_basis = 255.0, "kair_srmd"

        def forward(self, lr: torch.Tensor, degradation: torch.Tensor) -> torch.Tensor:
            seen["map"] = degradation.clone()
            return torch.nn.functional.interpolate(lr, scale_factor=2, mode="nearest")

    setting = Setting("UDVD", "Table 3", "Set5", "x2 ramp", SpatiallyVaryingDegradation(scale=2, width=LinearRamp(0.2, 2.0), noise=LinearRamp(5.0, 50.0)))
    scores = evaluate(model_upscaler(Recorder(), tile=1000), [setting], image_limit=1, crop=40, with_ssim=False)
    assert len(scores) == 1 and np.isfinite(scores["PSNR"]).all()
    recorded = seen["map"][0].numpy()  # (16, 20, 20)
    widths, noises = degradation_maps(setting.degradation, 20, 20)
    np.testing.assert_allclose(recorded[15], noises / 255.0, rtol=1e-6)
    basis = load_pca_basis("kair_srmd")
    np.testing.assert_allclose(recorded[:15, 3, 7], kernel_pca_code(isotropic_gaussian_kernel(15, widths[3, 7]), basis), rtol=1e-5, atol=1e-6)
    assert isinstance(pd.DataFrame(scores), pd.DataFrame)


# --- the remaining register switches (#6 activations, #7 noise scale, #10 padding) ----------------------------

def test_dynamic_padding_changes_only_the_border() -> None:
    torch.manual_seed(0)
    zero = build_model("udvd", scale=2, blocks="UD", channels=8, num_residual_blocks=1).eval()
    replicate = build_model("udvd", scale=2, blocks="UD", channels=8, num_residual_blocks=1, dynamic_padding="replicate").eval()
    replicate.load_state_dict(zero.state_dict())  # the switch adds no parameters
    x, degradation = torch.rand(1, 3, 12, 14), torch.rand(1, 16)
    with torch.no_grad():
        a, b = zero(x, degradation), replicate(x, degradation)
    assert a.shape == b.shape == (1, 3, 24, 28)
    border = 2 * (2 * 2 + 2)  # U: radius 2 at LR (x2); D: radius 2 at HR, fed by the U output's border
    torch.testing.assert_close(a[..., border:-border, border:-border], b[..., border:-border, border:-border])
    assert not torch.allclose(a[..., :2, :], b[..., :2, :])


def test_replicate_padding_of_a_constant_image_keeps_it_constant() -> None:
    """With softmax kernels (sum 1), replicate padding maps a constant image to itself; zero padding darkens the border."""
    from dynsr.models.udvd import DynamicBlock

    for factor in (1, 2):
        block = DynamicBlock(feature_channels=4, factor=factor, kernel_size=5, kernel_normalization="softmax", padding="replicate")
        kernels = torch.rand(1, 25 * factor * factor, 6, 7).view(1, 25, factor * factor, 6, 7).softmax(1).reshape(1, -1, 6, 7)
        image = torch.full((1, 3, 6, 7), 0.7)
        torch.testing.assert_close(block.apply_kernels(image, kernels), torch.full((1, 3, 6 * factor, 7 * factor), 0.7))
        block.padding = "zero"
        assert block.apply_kernels(image, kernels)[0, 0, 0, 0] < 0.7


def test_noise_scale_and_block_activation_switches() -> None:
    from dynsr.inference import degradation_vector

    model = build_model("udvd", scale=2, channels=8, num_residual_blocks=1, noise_scale=75.0, block_activation="none")
    vector = degradation_vector(model, torch.zeros(1, 15), torch.tensor([15.0]))
    assert vector[0, 15].item() == pytest.approx(0.2)
    assert degradation_vector(build_model("udvd", scale=2), torch.zeros(1, 15), torch.tensor([51.0]))[0, 15].item() == pytest.approx(0.2)
    assert not any(isinstance(m, torch.nn.ReLU) for m in model.dynamic_blocks.modules())
    leaky = build_model("udvd", scale=2, channels=8, num_residual_blocks=1, block_activation="leaky_relu")
    assert sum(isinstance(m, torch.nn.LeakyReLU) for m in leaky.dynamic_blocks.modules()) == 4 * 3
    with pytest.raises(ValueError, match="unknown dynamic_padding 'circular'"):
        build_model("udvd", scale=2, dynamic_padding="circular")
    with pytest.raises(ValueError, match="noise_scale must be positive"):
        build_model("udvd", scale=2, noise_scale=0)
