"""GLDFN's substitute test sets (docs/decisions/gldfn.md, G13-G14): DIV2KRK's kernels on our HR sets (one kernel per
image, blur then subsample) and DMBSR-style region-wise blur and noise; the per-image kernel record and the LR cache."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy import ndimage

import dynsr.degradations.testsets as testsets
from dynsr.data.benchmarks import NamedImage, benchmark_names, load_benchmark
from dynsr.data.images import modcrop
from dynsr.degradations.blur import blur
from dynsr.degradations.motion import load_div2krk_kernel
from dynsr.degradations.pca import load_pca_basis
from dynsr.degradations.pipelines import Degradation, FileKernel, GaussianKernel, PerImageKernel, image_noise_rng
from dynsr.degradations.regions import KERNEL_SIZE, RegionBlurDegradation, degrade_regions, ellipse_masks, region_blur, region_kernel
from dynsr import papers
from dynsr.inference import setting_kernel_code
from dynsr.papers.gldfn.settings import div2krk_kernel_index, gldfn_table5_substitute, gldfn_table6, gldfn_table6_substitute


@pytest.fixture(scope="module")
def hr() -> np.ndarray:
    """A smooth-ish random uint8 RGB image, 48x64 (a multiple of 4)."""
    rng = np.random.default_rng(0)
    coarse = rng.random((12, 16, 3))
    return np.clip(np.round(255 * np.kron(coarse, np.ones((4, 4, 1))) + rng.normal(0, 8, (48, 64, 3))), 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------- setting 2: DIV2KRK kernels on our sets


def test_table6_substitute_gives_image_i_kernel_i_mod_100() -> None:
    settings = gldfn_table6_substitute()
    sets = ("Set5", "Set14", "BSD100", "Urban100")
    assert [(s.degradation.scale, s.dataset) for s in settings] == [(scale, name) for scale in (2, 4) for name in sets]
    assert set(papers.test_tables()) >= {"gldfn_table6_substitute", "gldfn_table5_substitute"}
    for setting in settings:
        degradation, scale = setting.degradation, setting.degradation.scale
        names = benchmark_names(setting.dataset)
        assert [name for name, _ in degradation.kernels] == names
        assert [kernel for _, kernel in degradation.kernels] == [FileKernel(f"div2krk_x{scale}", i % 100 + 1) for i in range(len(names))]
        # DIV2KRK's degradation, as Table VI's settings have it, with the image's kernel
        table6 = next(s for s in gldfn_table6() if s.label == f"x{scale} kernel {div2krk_kernel_index(len(names) - 1)}")
        assert degradation.for_image(names[-1]) == table6.degradation
    with pytest.raises(ValueError, match="per-image kernels have no one code"):  # a non-blind model cannot be given one kernel for the set
        setting_kernel_code(settings[0], load_pca_basis("kair_srmd"))
    urban = next(s for s in settings if s.dataset == "Urban100").degradation
    assert sorted(kernel.index for _, kernel in urban.kernels) == list(range(1, 101))  # each kernel once
    assert [div2krk_kernel_index(i) for i in (0, 99, 100, 213)] == [1, 100, 1, 14]


def test_div2krk_substitute_lr_is_an_independent_blur_then_subsample(tmp_path, monkeypatch) -> None:
    """The cached LR of Set5's second image at x4 is its own kernel (#2) correlated with mirror boundaries (scipy), every
    4th pixel from the first, clipped: computed here without dynsr's blur."""
    monkeypatch.setenv("DYNSR_CACHE_DIR", str(tmp_path))
    setting = next(s for s in gldfn_table6_substitute(("Set5",)) if s.degradation.scale == 4)
    image = load_benchmark("Set5", limit=2)[1]
    lr = testsets.cached_lr("Set5", image, setting.degradation)
    hr = modcrop(image.pixels, 4).astype(np.float64) / 255.0
    kernel = load_div2krk_kernel(2, 4)
    blurred = np.stack([ndimage.correlate(hr[:, :, c], kernel, mode="mirror") for c in range(3)], axis=2)
    expected = np.clip(blurred[::4, ::4], 0.0, 1.0)
    assert lr.shape == (hr.shape[0] // 4, hr.shape[1] // 4, 3)
    np.testing.assert_allclose(lr, expected, rtol=0, atol=1e-6)  # the cache holds float32
    assert len(list((tmp_path / "lr").iterdir())) == 1 and testsets.lr_key(setting.degradation).startswith(f"v{testsets.LR_CACHE_VERSION}-pi-")


def test_per_image_kernel_record() -> None:
    base = Degradation(scale=2, order="blur_subsample_noise")
    record = PerImageKernel(base=base, kernels=(("a", GaussianKernel(1.0, 7)), ("b", GaussianKernel(2.0, 7))))
    assert record.for_image("b") == Degradation(scale=2, kernel=GaussianKernel(2.0, 7), order="blur_subsample_noise")
    assert record.for_image("b@c96") == record.for_image("b")  # a crop takes its image's kernel
    assert record.scale == 2 and record.key() == PerImageKernel(base=base, kernels=record.kernels[::-1]).key()  # a mapping
    assert record.key() != PerImageKernel(base=base, kernels=(("a", GaussianKernel(1.0, 7)), ("b", GaussianKernel(2.5, 7)))).key()
    assert record.key() != PerImageKernel(base=replace(base, noise=5.0), kernels=record.kernels).key()
    with pytest.raises(KeyError, match="no kernel for image 'c'"):
        record.for_image("c")
    with pytest.raises(ValueError, match="no kernel of its own"):
        PerImageKernel(base=Degradation(scale=2, kernel=GaussianKernel(1.0, 7)), kernels=())
    with pytest.raises(ValueError, match="appear twice"):
        PerImageKernel(base=base, kernels=(("a", GaussianKernel(1.0, 7)), ("a", GaussianKernel(2.0, 7))))


# ----------------------------------------------------------------------------- setting 3: DMBSR-style regions


def test_table5_substitute_settings() -> None:
    settings = gldfn_table5_substitute()
    assert len(settings) == 8 and {s.degradation.scale for s in settings} == {4}
    assert sorted({s.degradation.noise_range for s in settings}) == [(0.0, 5.0), (5.0, 10.0)]
    assert {s.label for s in settings} == {"x4 noise [0, 5]", "x4 noise [5, 10]"}
    assert len({s.degradation.key() for s in settings}) == 2


def test_ellipse_masks_cover_the_image() -> None:
    masks = ellipse_masks(40, 56, count=5, axes=(0.1, 0.3), rng=np.random.default_rng(1))
    assert masks.shape == (6, 40, 56) and masks.dtype == bool
    assert np.array_equal(masks[-1], ~np.any(masks[:-1], axis=0))  # the background is what the objects leave
    assert all(mask.any() for mask in masks[:-1])


def test_region_kernels() -> None:
    rng = np.random.default_rng(2)
    kernels = [region_kernel(4, motion_length=(8.0, 32.0), rng=rng) for _ in range(40)]
    assert all(k.shape == (KERNEL_SIZE, KERNEL_SIZE) and abs(k.sum() - 1) < 1e-12 and k.min() >= 0 for k in kernels)
    # KAIR's Gaussians have full 15x15 supports (225 taps), the motion kernels thin trajectories: about half each
    gaussian = [k for k in kernels if np.count_nonzero(k) == 225]
    assert 10 <= len(gaussian) <= 30
    y, x = np.mgrid[-16:17, -16:17]
    for kernel in gaussian:  # centre moved by (s - 1) / 2 = 1.5 pixels towards a corner, then truncated to 15x15
        centre = np.array([(kernel * x).sum(), (kernel * y).sum()])
        assert np.all(np.abs(np.abs(centre) - 1.5) < 0.5), centre


def test_region_blur_of_one_region_is_the_uniform_blur() -> None:
    image = np.random.default_rng(3).random((30, 34, 3))
    kernel = region_kernel(4, motion_length=(8.0, 32.0), rng=np.random.default_rng(4))
    whole = region_blur(image, np.ones((1, 30, 34), dtype=bool), kernel[None], padding="reflect")
    np.testing.assert_allclose(whole, blur(image, kernel, padding="reflect", flip=True), rtol=0, atol=1e-12)
    # two regions with the same kernel: the soft masks sum to one, the same blur
    halves = np.zeros((2, 30, 34), dtype=bool)
    halves[0, :, :17], halves[1, :, 17:] = True, True
    np.testing.assert_allclose(region_blur(image, halves, np.stack([kernel, kernel]), padding="reflect"), whole, rtol=0, atol=1e-12)


def test_region_blur_far_inside_a_region_is_that_regions_blur() -> None:
    """More than a kernel radius (16) from any other region, a pixel is blurred with its region's kernel only."""
    image = np.random.default_rng(5).random((40, 80, 3))
    rng = np.random.default_rng(6)
    kernels = np.stack([region_kernel(4, motion_length=(8.0, 32.0), rng=rng) for _ in range(2)])
    halves = np.zeros((2, 40, 80), dtype=bool)
    halves[0, :, :40], halves[1, :, 40:] = True, True
    out = region_blur(image, halves, kernels, padding="reflect")
    np.testing.assert_allclose(out[:, :23], blur(image, kernels[0], padding="reflect", flip=True)[:, :23], rtol=0, atol=1e-12)
    np.testing.assert_allclose(out[:, 57:], blur(image, kernels[1], padding="reflect", flip=True)[:, 57:], rtol=0, atol=1e-12)


def test_degrade_regions_shapes_determinism_and_noise(hr: np.ndarray) -> None:
    low, high = (RegionBlurDegradation(scale=4, noise_range=noise) for noise in ((0.0, 5.0), (5.0, 10.0)))
    first = degrade_regions(hr, low, rng=image_noise_rng(low, "img"))
    again = degrade_regions(hr, low, rng=image_noise_rng(low, "img"))
    noisier = degrade_regions(hr, high, rng=image_noise_rng(high, "img"))
    other = degrade_regions(hr, low, rng=image_noise_rng(low, "other"))
    assert first.lr.shape == (12, 16, 3) and first.masks.shape[1:] == (48, 64) and first.kernels.shape[1:] == (KERNEL_SIZE, KERNEL_SIZE)
    assert 2 <= len(first.masks) <= 15 and len(first.masks) == len(first.kernels)
    np.testing.assert_array_equal(first.lr, again.lr)
    # the same regions and kernels under both noise ranges (they are drawn first), a level in each range
    np.testing.assert_array_equal(first.masks, noisier.masks)
    np.testing.assert_array_equal(first.kernels, noisier.kernels)
    assert 0 <= first.noise <= 5 <= noisier.noise <= 10
    assert not np.array_equal(first.masks, other.masks) or not np.array_equal(first.kernels, other.kernels)
    np.testing.assert_array_equal(first.lr, np.round(first.lr * 255) / 255)  # quantised to 8 bits
    noiseless = RegionBlurDegradation(scale=4, noise_range=(0.0, 0.0), quantize=False)
    clean = degrade_regions(hr, noiseless, rng=image_noise_rng(noiseless, "img"))
    np.testing.assert_array_equal(clean.kernels, first.kernels)
    np.testing.assert_allclose(clean.lr, region_blur(hr / 255.0, clean.masks, clean.kernels, padding="reflect")[::4, ::4], rtol=0, atol=1e-15)


def test_cached_lr_of_a_region_setting(tmp_path, monkeypatch, hr: np.ndarray) -> None:
    monkeypatch.setenv("DYNSR_CACHE_DIR", str(tmp_path))
    degradation = gldfn_table5_substitute(("Set5",))[1].degradation
    image = NamedImage("fake", hr)
    lr = testsets.cached_lr("Fake", image, degradation)
    expected = degrade_regions(hr, degradation, rng=image_noise_rng(degradation, "fake")).lr.astype(np.float32)
    np.testing.assert_array_equal(lr, expected)
    assert (tmp_path / "lr" / testsets.lr_key(degradation) / "Fake" / "fake.npy").is_file()
    assert testsets.lr_key(degradation).startswith(f"v{testsets.LR_CACHE_VERSION}-rb-")


@pytest.mark.parametrize("field", [{"noise_range": (5.0, 0.0)}, {"objects": (3, 1)}, {"motion_length": (8.0, 40.0)}])
def test_invalid_region_degradations_raise(field: dict) -> None:
    with pytest.raises(ValueError):
        RegionBlurDegradation(scale=4, **({"noise_range": (0.0, 5.0)} | field))
