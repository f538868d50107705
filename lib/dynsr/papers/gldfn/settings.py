"""GLDFN's test settings (§IV-A): Tables II, III and VI as data; reflection padding, clip to [0, 1] (DCLS's code,
which GLDFN follows). Settings 2 and 3 test on images that are not here (DIV2KRK, COCO_Valid_200); their substitutes
apply the same degradations to our HR sets: :func:`gldfn_table6_substitute` (docs/decisions/gldfn.md, G13) and
:func:`gldfn_table5_substitute` (G14)."""

from __future__ import annotations

from dynsr.data.benchmarks import benchmark_names
from dynsr.degradations.pipelines import Degradation, FileKernel, GaussianKernel, PerImageKernel
from dynsr.degradations.regions import RegionBlurDegradation
from dynsr.degradations.testsets import TestSetting
from dynsr.papers.gldfn.published import gaussian8_sigmas, table2_bicubic_sigmas

__all__ = ["DIV2KRK_KERNELS", "TABLE5_NOISE_RANGES", "gldfn_table2", "gldfn_table2_bicubic", "gldfn_table3", "gldfn_table5_substitute",
           "gldfn_table6", "gldfn_table6_substitute", "div2krk_kernel_index"]

DIV2KRK_KERNELS = 100  # DIV2KRK: 100 images, each with its own kernel, at x2 and x4
TABLE5_NOISE_RANGES: tuple[tuple[float, float], ...] = ((0.0, 5.0), (5.0, 10.0))  # §IV-A, Setting 3: "[0, 5] and [5, 10]"


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
    (:func:`dynsr.papers.gldfn.published.table2_bicubic_sigmas`), and the LR images of these cells were made by
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


def _div2krk(scale: int, kernel: FileKernel | None) -> Degradation:
    """DIV2KRK's degradation (KernelGAN): blur with the kernel, subsample directly (``blur_subsample_noise``), no noise."""
    return Degradation(scale=scale, kernel=kernel, order="blur_subsample_noise", padding="reflect", clip=True)


def gldfn_table6() -> list[TestSetting]:
    """GLDFN Table VI (setting 2): DIV2KRK, x2 and x4, image i blurred with its own kernel i.

    DIV2KRK (KernelGAN) makes LR images by blurring with the kernel and subsampling directly, so the
    order is ``blur_subsample_noise``. Only the kernels are in the shared data (the 100 DIV2K
    validation images are not obtainable here), so these settings cannot be evaluated here; they
    are listed so that users with DIV2K can.
    """
    return [
        TestSetting("GLDFN", "Table VI", "DIV2KRK", f"x{scale} kernel {index}", _div2krk(scale, FileKernel(f"div2krk_x{scale}", index)))
        for scale in (2, 4)
        for index in range(1, DIV2KRK_KERNELS + 1)
    ]


def div2krk_kernel_index(position: int) -> int:
    """The DIV2KRK kernel (1-based) of the image at ``position`` (0-based, in the set's order): ``position mod 100 + 1``."""
    return position % DIV2KRK_KERNELS + 1


def gldfn_table6_substitute(datasets: tuple[str, ...] = _GLDFN_SETS) -> list[TestSetting]:
    """A substitute for GLDFN Table VI (setting 2): DIV2KRK's kernels and degradation applied to our HR sets, x2 and x4.

    The DIV2KRK images are not obtainable here; its 100 kernels are. Image i of a set (0-based, in
    :func:`dynsr.data.benchmarks.load_benchmark`'s order) is blurred with kernel ``i mod 100 + 1`` of the scale and
    subsampled as :func:`gldfn_table6` does, so BSD100 and Urban100 use each kernel once, Set5 and Set14 the first 5
    and 14. Its numbers are not Table VI's: other images (docs/decisions/gldfn.md, G13).
    """
    return [
        TestSetting("GLDFN", "Table VI (substitute: DIV2KRK kernels on our HR sets)", dataset, f"x{scale} DIV2KRK kernels",
                    PerImageKernel(base=_div2krk(scale, None),
                                   kernels=tuple((name, FileKernel(f"div2krk_x{scale}", div2krk_kernel_index(position)))
                                                 for position, name in enumerate(benchmark_names(dataset)))))
        for scale in (2, 4)
        for dataset in datasets
    ]


def gldfn_table5_substitute(datasets: tuple[str, ...] = _GLDFN_SETS) -> list[TestSetting]:
    """A substitute for GLDFN Table V (setting 3, COCO_Valid_200): DMBSR-style region-wise blur and noise on our HR sets, x4.

    COCO_Valid_200 and COCO are not here; :class:`dynsr.degradations.regions.RegionBlurDegradation` rebuilds DMBSR's
    recipe (random ellipses for COCO's object masks, our motion kernels for DMBSR's bank), seeded per image, with the
    noise levels of Table V's two columns; an image has the same regions and kernels in both. Whole images, not 480×480
    crops. Its numbers are not Table V's (docs/decisions/gldfn.md, G14).
    """
    return [
        TestSetting("GLDFN", "Table V (substitute: DMBSR-style regions on our HR sets)", dataset, f"x4 noise [{low:g}, {high:g}]",
                    RegionBlurDegradation(scale=4, noise_range=(low, high)))
        for low, high in TABLE5_NOISE_RANGES
        for dataset in datasets
    ]
