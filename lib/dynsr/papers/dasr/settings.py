"""DASR's test settings (§4.1-4.3): Tables 1-3 as data; reflection padding, LR rounded and clipped to 8 bits
(DASR's code; docs/decisions/dasr.md, D6, D8)."""

from __future__ import annotations

from dynsr.degradations.pipelines import AnisotropicGaussianKernel, Degradation, GaussianKernel
from dynsr.degradations.testsets import TestSetting
from dynsr.papers.dasr.published import TABLE2_SIGMAS

__all__ = ["dasr_table1", "dasr_table2", "dasr_table3", "DASR_TABLE3_KERNELS"]


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
