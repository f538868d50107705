"""Tests of dynsr.degradations.pipelines (``Degradation``, ``degrade``) and .testsets (per-paper settings, LR cache)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib

import numpy as np
import pytest

import dynsr.degradations.testsets as testsets
import dynsr.papers.dasr.settings as dasr_settings
import dynsr.papers.gldfn.settings as gldfn_settings
import dynsr.papers.udvd.settings as udvd_settings
from dynsr.data.benchmarks import NamedImage
from dynsr.data.images import ImageFormatError, modcrop
from dynsr.degradations.bicubic import matlab_bicubic_resize
from dynsr.degradations.blur import blur
from dynsr.degradations.kernels import anisotropic_gaussian_kernel, isotropic_gaussian_kernel
from dynsr.degradations.motion import load_div2krk_kernel, load_levin_kernels, load_usrnet_kernels
from dynsr.degradations.noise import quantize
from dynsr.degradations.pipelines import (
    AnisotropicGaussianKernel,
    Degradation,
    FileKernel,
    GaussianKernel,
    degrade,
    image_noise_rng,
)
from dynsr.papers.dasr.published import TABLE2_SIGMAS


@pytest.fixture(scope="module")
def hr() -> np.ndarray:
    """A smooth-ish random uint8 RGB image, 36x48 (a multiple of 2, 3 and 4)."""
    rng = np.random.default_rng(0)
    coarse = rng.random((9, 12, 3))
    return np.clip(np.round(255 * np.kron(coarse, np.ones((4, 4, 1))) + rng.normal(0, 8, (36, 48, 3))), 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------- degrade


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_no_kernel_no_noise_is_exactly_matlab_bicubic(hr: np.ndarray, scale: int) -> None:
    lr = degrade(hr, Degradation(scale=scale))
    np.testing.assert_array_equal(lr, matlab_bicubic_resize(hr / 255.0, 1.0 / scale))
    assert lr.shape == (36 // scale, 48 // scale, 3)
    np.testing.assert_array_equal(degrade(hr / 255.0, Degradation(scale=scale)), lr)  # float input in [0, 1]


def test_blur_bicubic_order(hr: np.ndarray) -> None:
    degradation = Degradation(scale=3, kernel=GaussianKernel(1.6, 15), padding="replicate")
    expected = matlab_bicubic_resize(blur(hr / 255.0, isotropic_gaussian_kernel(15, 1.6), padding="replicate"), 1 / 3)
    np.testing.assert_allclose(degrade(hr, degradation), expected, rtol=0, atol=1e-14)


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_blur_subsample_order_is_blur_then_stride(hr: np.ndarray, scale: int) -> None:
    kernel = AnisotropicGaussianKernel(3.0, 1.0, 30.0, 21, "std")
    degradation = Degradation(scale=scale, kernel=kernel, order="blur_subsample_noise", padding="wrap")
    built = anisotropic_gaussian_kernel(21, lambda1=3.0, lambda2=1.0, theta=np.deg2rad(30.0), convention="std")
    blurred = blur(hr / 255.0, built, padding="wrap")
    np.testing.assert_allclose(degrade(hr, degradation), blurred[::scale, ::scale], rtol=0, atol=1e-14)
    assert degrade(hr, degradation).flags.c_contiguous


def test_flip_kernel_with_an_asymmetric_file_kernel(hr: np.ndarray) -> None:
    # Levin kernel 1 is not centrally symmetric, so correlation and convolution differ.
    levin = load_levin_kernels()[0]
    kernel = FileKernel("levin", 1)
    np.testing.assert_array_equal(kernel.build(), levin)
    plain = degrade(hr, Degradation(scale=2, kernel=kernel, padding="wrap"))
    flipped = degrade(hr, Degradation(scale=2, kernel=kernel, padding="wrap", flip_kernel=True))
    np.testing.assert_allclose(plain, matlab_bicubic_resize(blur(hr / 255.0, levin, padding="wrap"), 0.5), rtol=0, atol=1e-14)
    np.testing.assert_allclose(flipped, matlab_bicubic_resize(blur(hr / 255.0, levin[::-1, ::-1], padding="wrap"), 0.5), rtol=0, atol=1e-14)
    assert np.abs(plain - flipped).max() > 1e-3


def test_file_kernel_sources() -> None:
    np.testing.assert_array_equal(FileKernel("usrnet", 3).build(), load_usrnet_kernels()[2])
    np.testing.assert_array_equal(FileKernel("div2krk_x4", 7).build(), load_div2krk_kernel(7, 4))
    assert FileKernel("div2krk_x2", 7).build().shape == (11, 11)
    assert FileKernel("levin", 2).label == "levin#2"


def test_noise_quantize_and_clip(hr: np.ndarray) -> None:
    base = Degradation(scale=2, kernel=GaussianKernel(1.2, 21), padding="reflect")
    clean = degrade(hr, base)
    noisy = Degradation(scale=2, kernel=GaussianKernel(1.2, 21), padding="reflect", noise=10.0)
    out = degrade(hr, noisy, rng=np.random.default_rng(5))
    np.testing.assert_allclose(out, clean + (10.0 / 255.0) * np.random.default_rng(5).standard_normal(clean.shape), rtol=0, atol=1e-14)
    quantized = Degradation(scale=2, kernel=GaussianKernel(1.2, 21), padding="reflect", noise=10.0, quantize=True)
    np.testing.assert_array_equal(degrade(hr, quantized, rng=np.random.default_rng(5)), quantize(out))
    clipped = Degradation(scale=2, kernel=GaussianKernel(1.2, 21), padding="reflect", noise=10.0, clip=True)
    np.testing.assert_array_equal(degrade(hr, clipped, rng=np.random.default_rng(5)), np.clip(out, 0.0, 1.0))


def test_noise_requires_rng(hr: np.ndarray) -> None:
    with pytest.raises(ValueError, match="rng"):
        degrade(hr, Degradation(scale=2, noise=5.0))


def test_image_noise_rng_is_deterministic_per_seed_and_name() -> None:
    degradation = Degradation(scale=4, noise=15.0)
    first = image_noise_rng(degradation, "baby").standard_normal(8)
    np.testing.assert_array_equal(first, image_noise_rng(degradation, "baby").standard_normal(8))
    np.testing.assert_array_equal(first, np.random.default_rng([0, zlib.crc32(b"baby")]).standard_normal(8))
    # The same for another degradation with the same seed (noise depends on seed and name only).
    np.testing.assert_array_equal(first, image_noise_rng(Degradation(scale=2, noise=50.0), "baby").standard_normal(8))
    assert not np.array_equal(first, image_noise_rng(degradation, "bird").standard_normal(8))
    assert not np.array_equal(first, image_noise_rng(Degradation(scale=4, noise=15.0, noise_seed=1), "baby").standard_normal(8))


# ----------------------------------------------------------------------------- Degradation records


def test_key_is_stable_and_field_sensitive() -> None:
    base = Degradation(scale=4, kernel=GaussianKernel(1.3, 15), noise=15.0)
    assert base.key() == Degradation(scale=4, kernel=GaussianKernel(1.3, 15), noise=15.0).key()
    assert len(base.key()) == 16 and int(base.key(), 16) >= 0
    variants = [
        Degradation(scale=3, kernel=GaussianKernel(1.3, 15), noise=15.0),
        Degradation(scale=4, kernel=GaussianKernel(1.4, 15), noise=15.0),
        Degradation(scale=4, kernel=GaussianKernel(1.3, 21), noise=15.0),
        Degradation(scale=4, kernel=None, noise=15.0),
        Degradation(scale=4, kernel=AnisotropicGaussianKernel(1.3, 1.3, 0.0, 15, "std"), noise=15.0),
        Degradation(scale=4, kernel=GaussianKernel(1.3, 15), noise=16.0),
        Degradation(scale=4, kernel=GaussianKernel(1.3, 15), noise=15.0, order="blur_subsample_noise"),
        Degradation(scale=4, kernel=GaussianKernel(1.3, 15), noise=15.0, padding="reflect"),
        Degradation(scale=4, kernel=GaussianKernel(1.3, 15), noise=15.0, clip=True),
        Degradation(scale=4, kernel=GaussianKernel(1.3, 15), noise=15.0, quantize=True),
        Degradation(scale=4, kernel=GaussianKernel(1.3, 15), noise=15.0, noise_seed=1),
        Degradation(scale=4, kernel=GaussianKernel(1.3, 15), noise=15.0, flip_kernel=True),
    ]
    keys = {base.key()} | {variant.key() for variant in variants}
    assert len(keys) == len(variants) + 1


def test_key_does_not_depend_on_the_process() -> None:
    # Cache folders are named by key(): it must not change with Python's hash randomisation.
    degradations = [Degradation(scale=4, kernel=GaussianKernel(1.3, 15), noise=15.0), Degradation(scale=2)]
    code = (
        "import json\n"
        "from dynsr.degradations.pipelines import Degradation, GaussianKernel\n"
        "print(json.dumps([Degradation(scale=4, kernel=GaussianKernel(1.3, 15), noise=15.0).key(), Degradation(scale=2).key()]))\n"
    )
    environment = dict(os.environ, PYTHONHASHSEED="12345")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True, timeout=120)
    assert json.loads(result.stdout) == [d.key() for d in degradations]


def test_equal_degradations_have_equal_keys() -> None:
    assert Degradation(scale=2, noise=15) == Degradation(scale=2, noise=15.0)
    assert Degradation(scale=2, noise=15).key() == Degradation(scale=2, noise=15.0).key()
    assert Degradation(scale=2, kernel=GaussianKernel(1, 15)).key() == Degradation(scale=2, kernel=GaussianKernel(1.0, 15)).key()
    assert Degradation(scale=np.int64(2)).key() == Degradation(scale=2).key()


@pytest.mark.parametrize(
    "options",
    [{"scale": 0}, {"scale": -2}, {"scale": 2.5}, {"scale": 2, "noise": -1.0}, {"scale": 2, "order": "bicubic_blur"}],
)
def test_invalid_degradations_raise(options: dict) -> None:
    with pytest.raises(ValueError):
        Degradation(**options)


def test_labels() -> None:
    assert Degradation(scale=4, kernel=GaussianKernel(1.3, 15), noise=15.0).label == "x4, σ=1.3, noise 15"
    assert Degradation(scale=2).label == "x2, no blur, noise 0"


# ----------------------------------------------------------------------------- per-paper test sets


def test_setting_counts() -> None:
    assert len(dasr_settings.dasr_table2()) == 48
    assert len(udvd_settings.udvd_table2()) == 54
    assert len(gldfn_settings.gldfn_table2()) == 96
    assert len(dasr_settings.dasr_table3()) == 27
    # every cell is distinct
    for settings in (dasr_settings.dasr_table2(), udvd_settings.udvd_table2(), gldfn_settings.gldfn_table2(), dasr_settings.dasr_table3()):
        assert len({(s.dataset, s.degradation) for s in settings}) == len(settings)


def test_dasr_settings() -> None:
    for setting in dasr_settings.dasr_table2() + dasr_settings.dasr_table3():
        d = setting.degradation
        assert (d.padding, d.quantize, d.clip, d.order) == ("reflect", True, False, "blur_bicubic_noise")
        assert d.kernel is None or d.kernel.size == 21
    widths = {(s.degradation.scale, s.degradation.kernel.sigma if s.degradation.kernel else 0.0) for s in dasr_settings.dasr_table2()}
    assert widths == {(scale, sigma) for scale, sigmas in TABLE2_SIGMAS.items() for sigma in sigmas}
    assert TABLE2_SIGMAS[4] == (0.0, 1.2, 2.4, 3.6)
    assert [s for s in dasr_settings.dasr_table2() if s.degradation.scale == 2 and s.label == "σ=0"][0].degradation.kernel is None
    table3 = dasr_settings.dasr_table3()
    assert {s.dataset for s in table3} == {"Set14"} and {s.degradation.scale for s in table3} == {4}
    assert sorted({s.degradation.noise for s in table3}) == [0.0, 5.0, 10.0]
    first = table3[0].degradation.kernel
    assert (first.lambda1, first.lambda2, first.theta_degrees, first.size, first.convention) == (2.0, 0.2, 0.0, 21, "std")


def test_udvd_settings() -> None:
    settings = udvd_settings.udvd_table2()
    assert {s.dataset for s in settings} == {"Set5", "Set14", "BSD100"}
    assert {(s.degradation.kernel.sigma, s.degradation.noise) for s in settings} == {(w, n) for w in (0.2, 1.3, 2.6) for n in (15.0, 50.0)}
    for setting in settings:
        d = setting.degradation
        assert d.kernel.size == 15
        assert (d.padding, d.quantize, d.clip, d.order) == ("replicate", False, False, "blur_bicubic_noise")  # float LR


def test_gldfn_gaussian8_settings() -> None:
    settings = gldfn_settings.gldfn_table2()
    x2_set5 = [s.degradation.kernel.sigma for s in settings if s.degradation.scale == 2 and s.dataset == "Set5"]
    np.testing.assert_allclose(x2_set5, np.linspace(0.8, 1.6, 8), rtol=0, atol=1e-15)
    x4_set5 = [s.degradation.kernel.sigma for s in settings if s.degradation.scale == 4 and s.dataset == "Set5"]
    np.testing.assert_allclose(x4_set5, np.linspace(1.8, 3.2, 8), rtol=0, atol=1e-15)
    for setting in settings:
        d = setting.degradation
        assert (d.kernel.size, d.padding, d.clip, d.quantize, d.noise) == (21, "reflect", True, False, 0.0)


# ----------------------------------------------------------------------------- LR cache


def test_cached_lr_writes_then_loads(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DYNSR_CACHE_DIR", str(tmp_path))
    rng = np.random.default_rng(1)
    image = NamedImage("odd", rng.integers(0, 256, (37, 45, 3), dtype=np.uint8))
    degradation = Degradation(scale=4, kernel=GaussianKernel(1.3, 15), noise=15.0)

    lr = testsets.cached_lr("Fake", image, degradation)
    path = tmp_path / "lr" / f"v{testsets.LR_CACHE_VERSION}-{degradation.key()}" / "Fake" / "odd.npy"
    assert path.is_file()
    assert [p.name for p in path.parent.iterdir()] == ["odd.npy"]  # no temporary file left
    assert lr.dtype == np.float32 and lr.shape == (9, 11, 3)  # HR modcropped to 36x44
    expected = degrade(modcrop(image.pixels, 4), degradation, rng=image_noise_rng(degradation, "odd")).astype(np.float32)
    np.testing.assert_array_equal(lr, expected)

    def fail(*args, **kwargs):
        raise AssertionError("degrade() called although the LR is cached")

    monkeypatch.setattr(testsets, "degrade", fail)
    again = testsets.cached_lr("Fake", image, degradation)
    np.testing.assert_array_equal(again, lr)
    np.testing.assert_array_equal(np.load(path), lr)


def test_cached_lr_rejects_too_small_images(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DYNSR_CACHE_DIR", str(tmp_path))
    image = NamedImage("tiny", np.zeros((20, 40, 3), dtype=np.uint8))
    with pytest.raises(ImageFormatError, match="too small"):
        testsets.cached_lr("Fake", image, Degradation(scale=4))
    assert not (tmp_path / "lr").exists() or not any((tmp_path / "lr").rglob("*.npy"))
