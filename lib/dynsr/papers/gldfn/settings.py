"""GLDFN's test settings (§IV-A): Tables II, III and VI as data; reflection padding, clip to [0, 1] (DCLS's code,
which GLDFN follows)."""

from __future__ import annotations

from dynsr.degradations.pipelines import Degradation, FileKernel, GaussianKernel
from dynsr.degradations.testsets import TestSetting
from dynsr.papers.gldfn.published import gaussian8_sigmas, table2_bicubic_sigmas

__all__ = ["gldfn_table2", "gldfn_table2_bicubic", "gldfn_table3", "gldfn_table6"]


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
