"""Running models: conditioning, tiling through super_resolve (8-bit in and out, the default tile, the bar), checkpoint resolution,
the bicubic model, grids."""

from __future__ import annotations

import io
import math
import sys

import numpy as np
import pytest
import torch

from dynsr.checkpoints import CheckpointError, export_weights
from dynsr.degradations.bicubic import matlab_bicubic_resize
from dynsr.degradations.kernels import isotropic_gaussian_kernel
from dynsr.degradations.pca import kernel_pca_code, load_pca_basis
from dynsr.degradations.testsets import kernel_noise_grid
from dynsr.papers.udvd.settings import udvd_table2, udvd_table3
from dynsr.evaluate import center_crop, evaluate, mean_scores
from dynsr.data.benchmarks import NamedImage
from dynsr.degradations.kernels import delta_kernel
from dynsr.data.images import save_rgb
from dynsr import inference
from dynsr.inference import default_tile, forward_model, load_model, model_upscaler, receptive_radius, setting_kernel_code, super_resolve
from dynsr.metrics import to_uint8
from dynsr.models import SuperResolver, build_model
from dynsr.models.srmd import degradation_map
from dynsr.tiling import choose_tile


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DYNSR_CACHE_DIR", str(tmp_path / "cache"))


def _small_srmd(scale: int = 2, noise_channel: bool = True) -> torch.nn.Module:
    torch.manual_seed(0)
    return build_model("srmd" if noise_channel else "srmdnf", scale=scale, channels=8, num_layers=3).eval()


def test_forward_model_builds_the_srmd_degradation_vector() -> None:
    model = _small_srmd()
    lr, code, noise = torch.rand(2, 3, 6, 7), torch.rand(2, 15), torch.tensor([5.0, 50.0])
    expected = model(lr, torch.cat([code, noise[:, None] / 255.0], dim=1))
    torch.testing.assert_close(forward_model(model, lr, kernel_code=code, noise=noise), expected, rtol=0, atol=0)
    nf = _small_srmd(noise_channel=False)
    torch.testing.assert_close(forward_model(nf, lr, kernel_code=code, noise=noise), nf(lr, code), rtol=0, atol=0)
    with pytest.raises(ValueError, match="non-blind"):
        forward_model(model, lr)


def test_super_resolve_tiled_equals_one_pass() -> None:
    model = _small_srmd(scale=3)
    lr = np.random.default_rng(0).random((37, 29, 3))
    code = np.random.default_rng(1).random(15)
    whole = super_resolve(model, lr, kernel_code=code, noise=10.0, tile=1000, overlap=0)
    tiled = super_resolve(model, lr, kernel_code=code, noise=10.0, tile=8, overlap=3)  # 3 convs: radius 3
    assert whole.shape == (111, 87, 3)
    np.testing.assert_allclose(tiled, whole, atol=1e-5, rtol=0)
    with torch.no_grad():
        direct = model(torch.from_numpy(lr.transpose(2, 0, 1)).float()[None], degradation_map(torch.from_numpy(code).float()[None], torch.tensor([10.0])))
    np.testing.assert_allclose(whole, direct[0].permute(1, 2, 0).numpy(), atol=1e-6)


def test_uint8_input_gives_uint8_output_equal_to_rounding_the_float_result() -> None:
    model = _small_srmd(scale=3)
    lr = np.random.default_rng(0).integers(0, 256, (37, 29, 3), dtype=np.uint8)
    code = np.random.default_rng(1).random(15)
    sr = super_resolve(model, lr, kernel_code=code, noise=10.0, tile=8, overlap=3)
    floats = super_resolve(model, lr / 255.0, kernel_code=code, noise=10.0, tile=8, overlap=3)
    assert sr.dtype == np.uint8 and sr.shape == floats.shape == (111, 87, 3) and floats.dtype == np.float64
    assert floats.min() < 0 and len(np.unique(sr)) > 20  # clipping and rounding both matter here
    np.testing.assert_array_equal(sr, to_uint8(floats))


def test_default_tile_per_model_follows_the_overlap_rule() -> None:
    srmd = build_model("srmd", scale=4).eval()  # full size: radius 12, about 1.2 kB of tensors per LR pixel: far from the budget
    rule = math.ceil(2 * 12 / (math.sqrt(1.25) - 1))
    assert rule == 204 and ((rule + 24) / rule) ** 2 <= 1.25 < ((rule + 23) / (rule - 1)) ** 2
    for side in (10, 300):  # the image's size plays no part
        assert default_tile(srmd, np.zeros((side, 20, 3), np.uint8), kernel_code=np.zeros(15), noise=0.0) == rule
    torch.manual_seed(0)
    dasr = build_model("dasr", scale=2, groups=1, blocks=1).eval()  # radius 9
    assert receptive_radius(dasr) == 9 and default_tile(dasr, np.zeros((30, 30, 3), np.uint8)) == math.ceil(18 / (math.sqrt(1.25) - 1)) == 153


def test_the_pass_memory_is_measured_once_per_model_and_kind_of_input(monkeypatch: pytest.MonkeyPatch) -> None:
    probed: list[tuple[int, ...]] = []
    measure = inference.pass_memory
    monkeypatch.setattr(inference, "pass_memory", lambda forward, *inputs: probed.append(inputs[0].shape) or measure(forward, *inputs))
    model, code = _small_srmd(), np.zeros(15)
    shapes = [super_resolve(model, np.zeros((side, 12, 3), np.uint8), kernel_code=code, noise=0.0).shape for side in (10, 14)]
    assert shapes == [(20, 24, 3), (28, 24, 3)] and len(probed) == 1  # the second image reuses the first one's probes
    super_resolve(model, np.zeros((10, 12, 3)), kernel_code=code, noise=0.0)  # float input: another kind of input
    super_resolve(_small_srmd(), np.zeros((10, 12, 3), np.uint8), kernel_code=code, noise=0.0)  # another model
    assert len(probed) == 3
    lr = np.zeros((300, 12, 3), np.uint8)
    forward, inputs = inference._tile_forward(model, lr, kernel_code=code, noise=0.0, kernel=None, device="cpu")
    assert default_tile(model, lr, kernel_code=code, noise=0.0) == choose_tile(forward, *inputs, overlap=receptive_radius(model))
    assert len(probed) == 3  # default_tile reused the stored measure, and it gives the tile a fresh measure gives


def test_the_image_condition_is_computed_only_for_an_image_of_several_tiles(monkeypatch: pytest.MonkeyPatch) -> None:
    torch.manual_seed(0)
    model = build_model("dasr", scale=2, groups=1, blocks=1).eval()  # radius 9
    calls: list[tuple[int, ...]] = []
    condition = model.image_condition
    monkeypatch.setattr(model, "image_condition", lambda lr: calls.append(tuple(lr.shape)) or condition(lr))
    lr = np.random.default_rng(0).random((30, 26, 3))
    with torch.no_grad():
        whole = model(torch.from_numpy(lr.transpose(2, 0, 1)).float()[None])[0].permute(1, 2, 0).numpy()  # (60, 52, 3)
    np.testing.assert_array_equal(super_resolve(model, lr, tile=30), whole)  # one tile: the model alone
    assert calls == []
    np.testing.assert_allclose(super_resolve(model, lr, tile=8), whole, rtol=0, atol=1e-5)  # 16 tiles share one condition
    assert calls == [(1, 3, 30, 26)]


def test_a_model_without_receptive_radius_is_refused() -> None:
    class Nearest(SuperResolver):  # declares no receptive_radius (build_model would refuse it; a hand-built one is caught here)
        scale = 2

        def forward(self, lr: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.interpolate(lr, scale_factor=2, mode="nearest")

    lr = np.random.default_rng(0).random((9, 7, 3))
    for call in (lambda: super_resolve(Nearest(), lr), lambda: model_upscaler(Nearest())(lr, udvd_table2()[0]), lambda: receptive_radius(Nearest())):
        with pytest.raises(ValueError, match="Nearest has no receptive_radius"):
            call()
    nearest = lr.astype(np.float32).repeat(2, axis=0).repeat(2, axis=1)  # (18, 14, 3): the model runs in float32
    np.testing.assert_array_equal(super_resolve(Nearest(), lr, overlap=0, tile=4), nearest)  # an explicit overlap is used


def test_the_oracle_is_given_the_kernel_and_tiles_exactly() -> None:
    torch.manual_seed(6)
    model = build_model("dasr_oracle", scale=2, groups=1, blocks=1).eval()  # radius 9
    lr, kernel = np.random.default_rng(0).random((20, 18, 3)), isotropic_gaussian_kernel(21, 1.5)
    with torch.no_grad():
        whole = model(torch.from_numpy(lr.transpose(2, 0, 1)).float()[None], torch.from_numpy(kernel).float()[None])  # (1, 3, 40, 36)
    np.testing.assert_allclose(super_resolve(model, lr, kernel=kernel, tile=10), whole[0].permute(1, 2, 0).numpy(), rtol=0, atol=1e-5)
    with pytest.raises(ValueError, match="pass kernel"):
        super_resolve(model, lr)


@pytest.mark.parametrize(("quiet", "terminal", "shown"), [(False, True, True), (True, True, False), (False, False, False)])
def test_sr_shows_a_bar_in_a_terminal_unless_quiet(tmp_path, monkeypatch, quiet: bool, terminal: bool, shown: bool) -> None:
    from dynsr import cli, inference

    calls = []

    def record(model: torch.nn.Module, lr: np.ndarray, **options) -> np.ndarray:
        calls.append({"dtype": lr.dtype, **options})
        return np.zeros((model.scale * lr.shape[0], model.scale * lr.shape[1], 3), np.uint8)

    class Stderr(io.StringIO):
        def isatty(self) -> bool:
            return terminal

    monkeypatch.setattr(inference, "super_resolve", record)
    monkeypatch.setattr(sys, "stderr", Stderr())
    save_rgb(tmp_path / "photo.png", np.random.default_rng(0).integers(0, 256, (16, 12, 3), dtype=np.uint8))
    assert cli.main(["sr", str(tmp_path / "photo.png"), str(tmp_path / "sr.png"), "--model", "bicubic", "--scale", "2", *(["--quiet"] if quiet else [])]) == 0
    assert calls == [{"dtype": np.uint8, "kernel_code": None, "noise": None, "tile": None, "device": "cpu", "progress": shown, "description": "photo.png"}]


def test_setting_kernel_code_uses_the_true_kernel_and_a_delta_for_no_blur() -> None:
    basis = load_pca_basis("kair_srmd")
    setting = [s for s in udvd_table2() if s.label == "x2 width 1.3 noise 15"][0]
    np.testing.assert_allclose(setting_kernel_code(setting, basis), kernel_pca_code(isotropic_gaussian_kernel(15, 1.3), basis), atol=1e-12)
    no_blur = kernel_noise_grid("Set5", 2, (0.0,), (0.0,))[0]
    np.testing.assert_allclose(setting_kernel_code(no_blur, basis), kernel_pca_code(delta_kernel(15), basis), atol=1e-12)
    assert delta_kernel(5)[2, 2] == 1.0 and delta_kernel(5).sum() == 1.0
    with pytest.raises(ValueError, match="spatially varying"):
        setting_kernel_code(udvd_table3()[0], basis)


def test_bicubic_model_is_matlab_imresize() -> None:
    lr = torch.rand(1, 3, 9, 11, dtype=torch.float64)
    out = build_model("bicubic", scale=3)(lr)
    torch.testing.assert_close(out, matlab_bicubic_resize(lr, 3.0), rtol=0, atol=0)
    assert out.shape == (1, 3, 27, 33)
    assert load_model("bicubic", 3, None).scale == 3
    with pytest.raises(ValueError, match="has parameters"):
        load_model("srmd", 2, None)


def test_load_model_resolves_dynsr_weights_and_kair_state_dicts(tmp_path) -> None:
    model = build_model("srmd", scale=2)
    weights = export_weights(tmp_path / "w.pt", model_name="srmd", model_kwargs={"scale": 2}, state_dict=model.state_dict(), provenance={})
    loaded = load_model("srmd", 2, weights)
    for key, value in model.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[key], value.half().float(), rtol=0, atol=0)
    with pytest.raises(CheckpointError, match="holds srmd x2, not srmd x3"):
        load_model("srmd", 3, weights)
    with pytest.raises(CheckpointError, match="holds srmd x2, not srmdnf x2"):
        load_model("srmdnf", 2, weights)
    kair = {"model." + key[len("body."):]: value for key, value in model.state_dict().items()}
    torch.save(kair, tmp_path / "kair.pth")
    from_kair = load_model("srmd", 2, tmp_path / "kair.pth")
    for key, value in model.state_dict().items():
        torch.testing.assert_close(from_kair.state_dict()[key], value, rtol=0, atol=0)
    with pytest.raises(CheckpointError, match="neither a dynsr checkpoint nor an official srmd x4"):
        load_model("srmd", 4, tmp_path / "kair.pth")  # x2 tensors do not fit x4
    with pytest.raises(KeyError, match="unknown model"):
        load_model("nosuch", 2, weights)


def test_evaluate_gives_each_cell_its_kernel_width_and_noise() -> None:
    settings = kernel_noise_grid("Set5", 2, (0.0, 1.0), (0.0, 10.0))
    per_image = evaluate(model_upscaler(build_model("bicubic", scale=2)), settings, image_limit=1, crop=32, with_ssim=False)
    assert sorted(zip(per_image["kernel_width"], per_image["noise"])) == [(0.0, 0.0), (0.0, 10.0), (1.0, 0.0), (1.0, 10.0)]
    means = mean_scores(per_image).set_index(["kernel_width", "noise"])["PSNR"]
    assert means[(0.0, 0.0)] > means[(1.0, 0.0)] and means[(0.0, 0.0)] > means[(0.0, 10.0)]


def test_center_crop_renames_and_crops() -> None:
    image = NamedImage("x", np.arange(10 * 12 * 3, dtype=np.uint8).reshape(10, 12, 3))
    cropped = center_crop(image, 4)
    assert cropped.name == "x@c4" and cropped.pixels.shape == (4, 4, 3)
    np.testing.assert_array_equal(cropped.pixels, image.pixels[3:7, 4:8])
    assert center_crop(image, 50).pixels.shape == (10, 12, 3)
