"""DASR (Wang et al., CVPR 2021) published numbers.

Table 2: isotropic Gaussian blur (21x21), bicubic x2/x3/x4, noise-free; PSNR on Y, crop = scale.
Transcribed from ``targets-dmsr-dasr.md`` B4 (checked there against the official ``Figs/tab2.png``).
Kernel width 0 means bicubic downsampling without blur.
"""

from __future__ import annotations

from dynsr.papers.records import PaperValue

__all__ = ["TABLE2_SIGMAS", "TABLE2_BICUBIC", "table2_bicubic"]

# Kernel widths of Table 2, per scale (paper §4.3).
TABLE2_SIGMAS: dict[int, tuple[float, ...]] = {2: (0.0, 0.6, 1.2, 1.8), 3: (0.0, 0.8, 1.6, 2.4), 4: (0.0, 1.2, 2.4, 3.6)}

# Bicubic row: {scale: {dataset: PSNR per kernel width, in TABLE2_SIGMAS order}}.
TABLE2_BICUBIC: dict[int, dict[str, tuple[float, ...]]] = {
    2: {
        "Set5": (33.66, 32.30, 29.28, 27.07),
        "Set14": (30.24, 29.21, 27.13, 25.47),
        "BSD100": (29.56, 28.76, 26.93, 25.51),
        "Urban100": (26.88, 26.13, 24.46, 23.06),
    },
    3: {
        "Set5": (30.39, 29.42, 27.24, 25.37),
        "Set14": (27.55, 26.84, 25.42, 24.09),
        "BSD100": (27.21, 26.72, 25.52, 24.41),
        "Urban100": (24.46, 24.02, 22.95, 21.89),
    },
    4: {
        "Set5": (28.42, 27.30, 25.12, 23.40),
        "Set14": (26.00, 25.24, 23.83, 22.57),
        "BSD100": (25.96, 25.42, 24.20, 23.15),
        "Urban100": (23.14, 22.68, 21.62, 20.65),
    },
}


def table2_bicubic() -> list[PaperValue]:
    """DASR Table 2's Bicubic row as records (48 cells)."""
    return [
        PaperValue("DASR", "Table 2", "Bicubic", dataset, scale, f"σ={sigma:g}", "PSNR", value)
        for scale, per_dataset in TABLE2_BICUBIC.items()
        for dataset, values in per_dataset.items()
        for sigma, value in zip(TABLE2_SIGMAS[scale], values, strict=True)
    ]
