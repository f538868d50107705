"""Each paper's test degradations, as data.

A :class:`TestSetting` is one (data set, degradation) cell of a paper's table. The functions below
list every setting a table evaluates; their docstrings name the source. The test LR images are
deterministic: noise is drawn from a generator seeded with the degradation's ``noise_seed`` and the
image name (:func:`dynsr.degradations.pipelines.image_noise_rng`), and :func:`cached_lr` stores
them under the cache folder (``DYNSR_CACHE_DIR``, git-ignored) keyed by the degradation's hash.

Defaults where a paper is silent, each a field of :class:`~dynsr.degradations.pipelines.Degradation`:

* UDVD and DMSR (15x15 kernels): SRMD's test harness, ``imfilter(..., 'replicate')``, float LR,
  no clipping or rounding (docs/decisions/udvd.md, U16; DMSR follows UDVD/SRMD, §4.1).
* DASR (21x21): reflection padding, LR rounded and clipped to 8 bits (DASR code; docs/decisions/dasr.md, D6, D8).
* GLDFN settings 1-2 (21x21 / DIV2KRK): reflection padding, clip to [0, 1] (DCLS's code, which
  GLDFN follows, §IV-A).
"""

from __future__ import annotations

from collections.abc import Callable

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from dynsr.data.benchmarks import NamedImage
from dynsr.data.images import modcrop
from dynsr.degradations.pipelines import AnisotropicGaussianKernel, Degradation, FileKernel, GaussianKernel, degrade, image_noise_rng
from dynsr.degradations.spatial import LinearRamp, SpatiallyVaryingDegradation, degrade_spatially_varying
from dynsr.fileio import atomic_path
from dynsr.paths import cache_dir
from dynsr.papers.dasr import TABLE2_SIGMAS
from dynsr.papers.gldfn import gaussian8_sigmas, table2_bicubic_sigmas

__all__ = [
    "TestSetting",
    "lr_key",
    "GrayScoring",
    "GRAY_SCORINGS",
    "UDVD_GRAY_SCORING",
    "dasr_table1",
    "dasr_table2",
    "dasr_table3",
    "DASR_TABLE3_KERNELS",
    "udvd_table1",
    "udvd_table2",
    "udvd_table3",
    "udvd_table4",
    "udvd_table5",
    "dmsr_table1",
    "gldfn_table2",
    "gldfn_table2_bicubic",
    "gldfn_table3",
    "gldfn_table6",
    "ARCSR_TEST_NOISE",
    "arcsr_motion",
    "TEST_TABLES",
    "kernel_noise_grid",
    "cached_lr",
]


GrayScoring = Literal["replicate_y", "channel_mean"]
GRAY_SCORINGS: tuple[GrayScoring, ...] = ("replicate_y", "channel_mean")


@dataclass(frozen=True)
class TestSetting:
    """One cell of a paper's table: a data set and a degradation, with the paper's column label.

    ``gray_scoring``: how a grayscale HR image (Set14 ``bridge``) is scored; the model always sees it as three equal
    channels. ``"replicate_y"``: the HR replicated to RGB and both images scored on BT.601 Y (DASR's code, EDSR's
    harness); ``"channel_mean"``: the mean of the SR image's R, G, B against the gray HR, no Y conversion (SRMD's
    MATLAB demos, whose harness gave UDVD's SRMD rows). The two differ by about 1.3 dB on ``bridge``.
    """

    paper: str
    table: str
    dataset: str
    label: str
    degradation: Degradation | SpatiallyVaryingDegradation
    gray_scoring: GrayScoring = "replicate_y"


# --- DASR (Wang et al. 2021), §4.1-4.3 ------------------------------------------------------------

def _dasr(scale: int, kernel, noise: float = 0.0) -> Degradation:
    return Degradation(scale=scale, kernel=kernel, noise=noise, padding="reflect", quantize=True)


def dasr_table2(datasets: tuple[str, ...] = ("Set5", "Set14", "BSD100", "Urban100")) -> list[TestSetting]:
    """DASR Table 2: isotropic 21x21 Gaussians, widths per scale (0 = no blur), noise-free."""
    return [
        TestSetting("DASR", "Table 2", dataset, f"σ={sigma:g}", _dasr(scale, GaussianKernel(sigma, 21) if sigma else None))
        for scale, sigmas in TABLE2_SIGMAS.items()
        for dataset in datasets
        for sigma in sigmas
    ]


def dasr_table1() -> list[TestSetting]:
    """DASR Table 1: Set14 x4, isotropic widths 0.2 / 1.0 / 1.8 / 2.6 / 3.4, noise-free."""
    return [TestSetting("DASR", "Table 1", "Set14", f"σ={sigma:g}", _dasr(4, GaussianKernel(sigma, 21))) for sigma in (0.2, 1.0, 1.8, 2.6, 3.4)]


# (λ1, λ2, θ in degrees), λ as standard deviations (DASR code convention). RECONSTRUCTED, UNVERIFIED:
# published by a third party (DSAT's authors, I2-Multimedia-Lab/DSAT issue #2); DASR's own answer
# (DASR issue #25) is an image not readable here. The shapes match the thumbnails of Table 3.
DASR_TABLE3_KERNELS: tuple[tuple[float, float, float], ...] = (
    (2.0, 0.2, 0.0), (2.0, 1.0, 10.0), (3.5, 1.5, 30.0), (3.5, 2.0, 45.0), (3.5, 2.0, 90.0),
    (4.0, 1.5, 120.0), (4.0, 2.0, 135.0), (4.0, 3.0, 165.0), (4.0, 4.0, 180.0),
)


def dasr_table3() -> list[TestSetting]:
    """DASR Table 3: Set14 x4, the nine anisotropic kernels K1-K9 (reconstructed) x noise 0 / 5 / 10."""
    settings = []
    for noise in (0.0, 5.0, 10.0):
        for number, (lambda1, lambda2, theta) in enumerate(DASR_TABLE3_KERNELS, start=1):
            kernel = AnisotropicGaussianKernel(lambda1, lambda2, theta, 21, "std")
            settings.append(TestSetting("DASR", "Table 3", "Set14", f"K{number} noise {noise:g}", _dasr(4, kernel, noise)))
    return settings


# --- UDVD (Xu et al. 2020), §4, and DMSR (Yang et al. 2022), §4.2 ----------------------------------

# UDVD publishes no code; its SRMD rows come from SRMD's MATLAB demos, which score a gray image by the SR image's channel
# mean (docs/decisions/udvd.md). The committed cpu tables of UDVD were written before this switch, with "replicate_y".
UDVD_GRAY_SCORING: GrayScoring = "channel_mean"

def _srmd_harness(scale: int, width: float | None, noise: float) -> Degradation:
    kernel = GaussianKernel(width, 15) if width else None
    return Degradation(scale=scale, kernel=kernel, noise=noise, padding="replicate")


def _grid(paper: str, table: str, widths, noises, scales, datasets, *, gray_scoring: GrayScoring = "replicate_y") -> list[TestSetting]:
    return [
        TestSetting(paper, table, dataset, f"x{scale} width {width:g} noise {noise:g}", _srmd_harness(scale, width, noise), gray_scoring)
        for scale in scales
        for width in widths
        for noise in noises
        for dataset in datasets
    ]


_UDVD_SETS = ("Set5", "Set14", "BSD100")


def kernel_noise_grid(dataset: str, scale: int, widths: tuple[float, ...], noises: tuple[float, ...], *, label: str = "grid") -> list[TestSetting]:
    """Isotropic Gaussian widths x noise levels on one set with the SRMD/UDVD harness: the per-kernel PSNR heat-map grid."""
    return _grid(label, "grid", widths, noises, (scale,), (dataset,))


def udvd_table1() -> list[TestSetting]:
    """UDVD Table 1: Set5 x3, kernel width 1.3, noise 15."""
    return _grid("UDVD", "Table 1", (1.3,), (15.0,), (3,), ("Set5",), gray_scoring=UDVD_GRAY_SCORING)


def udvd_table2() -> list[TestSetting]:
    """UDVD Table 2: widths 0.2 / 1.3 / 2.6 x noise 15 / 50, x2 / x3 / x4, Set5 / Set14 / BSD100."""
    return _grid("UDVD", "Table 2", (0.2, 1.3, 2.6), (15.0, 50.0), (2, 3, 4), _UDVD_SETS, gray_scoring=UDVD_GRAY_SCORING)


def udvd_table3() -> list[TestSetting]:
    """UDVD Table 3: spatially varying, left to right: (width ramp [0.2, 2], noise 5), (width 0.2, noise ramp
    [5, 50]), (both ramps); x2 / x3 / x4; Set5 / Set14 / BSD100. Construction: :mod:`dynsr.degradations.spatial`."""
    rows = (
        ("width [0.2, 2], noise 5", LinearRamp(0.2, 2.0), 5.0),
        ("width 0.2, noise [5, 50]", 0.2, LinearRamp(5.0, 50.0)),
        ("width [0.2, 2], noise [5, 50]", LinearRamp(0.2, 2.0), LinearRamp(5.0, 50.0)),
    )
    return [
        TestSetting("UDVD", "Table 3", dataset, f"x{scale} {label}", SpatiallyVaryingDegradation(scale=scale, width=width, noise=noise),
                    UDVD_GRAY_SCORING)
        for label, width, noise in rows
        for scale in (2, 3, 4)
        for dataset in _UDVD_SETS
    ]


def udvd_table4() -> list[TestSetting]:
    """UDVD Table 4: widths 0.2 / 1.3 / 2.6, noise-free, x2 / x3 / x4, Set5 / Set14 / BSD100."""
    return _grid("UDVD", "Table 4", (0.2, 1.3, 2.6), (0.0,), (2, 3, 4), _UDVD_SETS, gray_scoring=UDVD_GRAY_SCORING)


def udvd_table5() -> list[TestSetting]:
    """UDVD Table 5: x3 BI (bicubic only) and DN (bicubic, then AWGN 30), Set5 / Set14 / BSD100."""
    return [
        TestSetting("UDVD", "Table 5", dataset, label, _srmd_harness(3, None, noise), UDVD_GRAY_SCORING)
        for label, noise in (("BI", 0.0), ("DN", 30.0))
        for dataset in _UDVD_SETS
    ]


def dmsr_table1() -> list[TestSetting]:
    """DMSR Table 1: σ_k 0.2 / 1.3 / 2.6 x σ_n 15 / 50, plus the noise-free [0.2, 0]; x2-x4; Set5 / Set14 / B100."""
    noisy = _grid("DMSR", "Table 1", (0.2, 1.3, 2.6), (15.0, 50.0), (2, 3, 4), _UDVD_SETS)
    return noisy + _grid("DMSR", "Table 1", (0.2,), (0.0,), (2, 3, 4), _UDVD_SETS)


# --- GLDFN (Wen et al.), §IV ----------------------------------------------------------------------

def _dcls(scale: int, sigma: float, noise: float = 0.0) -> Degradation:
    return Degradation(scale=scale, kernel=GaussianKernel(sigma, 21), noise=noise, padding="reflect", clip=True)


_GLDFN_SETS = ("Set5", "Set14", "BSD100", "Urban100")  # Manga109 is not in the shared data


def gldfn_table2(datasets: tuple[str, ...] = _GLDFN_SETS) -> list[TestSetting]:
    """GLDFN Table II (setting 1): Gaussian 8 widths per scale, 21x21, noise-free. A table cell is the mean over the 8."""
    return [
        TestSetting("GLDFN", "Table II", dataset, f"x{scale} σ={sigma:.4g}", _dcls(scale, sigma))
        for scale in (2, 3, 4)
        for dataset in datasets
        for sigma in gaussian8_sigmas(scale)
    ]


def gldfn_table2_bicubic(datasets: tuple[str, ...] = _GLDFN_SETS) -> list[TestSetting]:
    """The test sets behind GLDFN Table II's *Bicubic* rows: IKC's Gaussian8 sets, 8 widths per scale, 21x21, noise-free.

    Not the models' sets (:func:`gldfn_table2`): the x2 widths are 0.9, 1.0, ..., 1.6
    (:func:`dynsr.papers.gldfn.table2_bicubic_sigmas`), and the LR images of these cells were made by
    IKC's script (:mod:`dynsr.degradations.ikc`), which the ``ikc_gaussian8`` protocol of
    :mod:`dynsr.experiments.bicubic` applies; the degradation recorded here (DCLS's, as in
    :func:`gldfn_table2`) is what the other bicubic protocols apply. docs/decisions/gldfn.md, G1;
    GLDFN §IV-A (Setting 1) and Table II.
    """
    return [
        TestSetting("GLDFN", "Table II", dataset, f"x{scale} σ={sigma:.4g}", _dcls(scale, sigma))
        for scale in (2, 3, 4)
        for dataset in datasets
        for sigma in table2_bicubic_sigmas(scale)
    ]


def gldfn_table3(datasets: tuple[str, ...] = _GLDFN_SETS) -> list[TestSetting]:
    """GLDFN Table III: x4 Gaussian 8 with AWGN 15 and 30 (0-255 scale)."""
    return [
        TestSetting("GLDFN", "Table III", dataset, f"x4 σ={sigma:.4g} noise {noise:g}", _dcls(4, sigma, noise))
        for noise in (15.0, 30.0)
        for dataset in datasets
        for sigma in gaussian8_sigmas(4)
    ]


def gldfn_table6() -> list[TestSetting]:
    """GLDFN Table VI (setting 2): DIV2KRK, x2 and x4, image i blurred with its own kernel i.

    DIV2KRK (KernelGAN) makes LR images by blurring with the kernel and subsampling directly, so the
    order is ``blur_subsample_noise``. Only the kernels are in the shared data (the 100 DIV2K
    validation images are not obtainable here), so these settings cannot be evaluated here; they
    are listed so that users with DIV2K can.
    """
    return [
        TestSetting("GLDFN", "Table VI", "DIV2KRK", f"x{scale} kernel {index}",
                    Degradation(scale=scale, kernel=FileKernel(f"div2krk_x{scale}", index), order="blur_subsample_noise", padding="reflect", clip=True))
        for scale in (2, 4)
        for index in range(1, 101)
    ]


# --- ArcSR (Liu & Hao), §4.1-4.2 -----------------------------------------------------------------

ARCSR_TEST_NOISE: tuple[float, float] = (0.0, 10.0)


def arcsr_motion() -> list[TestSetting]:
    """ArcSR's test degradation on the real motion-blur pairs: x4 bicubic of the *blurred* frame, noise 0 or 10.

    The HR is the sharp frame of each GoPro/REDS pair (``MotionBlur`` data set: 11 pairs, a small
    sample of the papers' test sets); the LR is this degradation applied to the blurred frame (no
    synthetic kernel). Noise on the 0-255 scale, float LR (clipping is unstated; not clipped).
    """
    return [TestSetting("ArcSR", "Table 2", "MotionBlur", f"x4 noise {noise:g}", Degradation(scale=4, noise=noise)) for noise in ARCSR_TEST_NOISE]


# Every table above by name (``dynsr eval --table NAME``).
TEST_TABLES: dict[str, Callable[[], list[TestSetting]]] = {
    "dasr_table1": dasr_table1, "dasr_table2": dasr_table2, "dasr_table3": dasr_table3,
    "udvd_table1": udvd_table1, "udvd_table2": udvd_table2, "udvd_table3": udvd_table3, "udvd_table4": udvd_table4, "udvd_table5": udvd_table5,
    "dmsr_table1": dmsr_table1, "gldfn_table2": gldfn_table2, "gldfn_table3": gldfn_table3, "gldfn_table6": gldfn_table6,
    "arcsr_motion": arcsr_motion,
}


# --- LR cache ------------------------------------------------------------------------------------

# Bump when a change to the degradation code changes LR images, so that cached LRs are regenerated.
LR_CACHE_VERSION = 1


def lr_key(degradation: Degradation | SpatiallyVaryingDegradation) -> str:
    """The name of a degradation's LR test images: its parameters and the LR pipeline's version (a new version, new images)."""
    kind = "" if isinstance(degradation, Degradation) else "sv-"
    return f"v{LR_CACHE_VERSION}-{kind}{degradation.key()}"


def _cache_path(dataset: str, image: NamedImage, degradation: Degradation | SpatiallyVaryingDegradation) -> Path:
    return cache_dir() / "lr" / lr_key(degradation) / dataset / f"{image.name}.npy"


def cached_lr(dataset: str, image: NamedImage, degradation: Degradation | SpatiallyVaryingDegradation) -> np.ndarray:
    """The LR test image of ``image`` (modcropped to the scale) under ``degradation``, float32 ``(h, w, 3)``.

    Generated once, deterministically (noise seeded with ``(noise_seed, image name)``), and stored as
    ``.npy`` (float32 keeps 1e-5 of an 8-bit level). Spatially varying settings (UDVD Table 3) go
    through :func:`dynsr.degradations.spatial.degrade_spatially_varying`; their per-pixel maps are
    :func:`~dynsr.degradations.spatial.degradation_maps` of the LR size.
    """
    if not isinstance(degradation, (Degradation, SpatiallyVaryingDegradation)):
        raise TypeError(f"cached_lr takes a Degradation or SpatiallyVaryingDegradation; got {type(degradation).__name__}")
    path = _cache_path(dataset, image, degradation)
    if path.is_file():
        return np.load(path)
    hr = modcrop(image.pixels, degradation.scale)
    rng = image_noise_rng(degradation, image.name)
    if isinstance(degradation, Degradation):
        lr = degrade(hr, degradation, rng=rng).astype(np.float32)
    else:
        lr = degrade_spatially_varying(hr, degradation, rng=rng)[0].astype(np.float32)
    with atomic_path(path) as temporary:
        with open(temporary, "wb") as stream:
            np.save(stream, lr)
    return lr
