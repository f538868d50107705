"""GLDFN (Wen et al.) published numbers.

Table II: Setting 1, "Gaussian 8" isotropic kernels (8 widths per scale, averaged over all LR
images), x2/x3/x4; Table VI: Setting 2, DIV2KRK. PSNR/SSIM on Y. Table IV: parameters, "FLOPs" at LR
180×270 and NIQE on the real Historical set; Table I's parameter column (the ablation models). Transcribed from the
paper's tables. Manga109 is not in the shared data, so its cells are recorded but
cannot be checked here; neither can Table VI (DIV2KRK images are not obtainable here, only kernels).
"""

from __future__ import annotations

import numpy as np

from dynsr.papers.records import PaperValue

__all__ = ["GAUSSIAN8_RANGES", "gaussian8_sigmas", "TABLE2_BICUBIC_SIGMAS", "table2_bicubic_sigmas", "TABLE2_BICUBIC", "TABLE6_BICUBIC",
           "TABLE4", "TABLE4_LR_SIZE", "TABLE1_PARAMETERS", "table2_bicubic", "table6_bicubic", "table4", "table1_parameters"]

# Gaussian 8 (§IV-A, following IKC): 8 widths uniformly spaced in these ranges (DCLS: np.linspace).
GAUSSIAN8_RANGES: dict[int, tuple[float, float]] = {2: (0.80, 1.60), 3: (1.35, 2.40), 4: (1.80, 3.20)}


def gaussian8_sigmas(scale: int) -> tuple[float, ...]:
    """The eight kernel widths of Gaussian 8 for a scale."""
    low, high = GAUSSIAN8_RANGES[scale]
    return tuple(float(v) for v in np.linspace(low, high, 8))


# The kernel widths behind Table II's Bicubic rows (IKC's Gaussian8 test sets; docs/decisions/gldfn.md, G1): at x2
# 0.9, 1.0, ..., 1.6 (the x4 widths halved, as the x3 ones are the x4 ones times 3/4), not the linspace(0.8, 1.6, 8)
# of §IV-A; x3 and x4 as gaussian8_sigmas. With linspace(0.8, 1.6) the x2 cells come out 0.13-0.20 dB too high.
TABLE2_BICUBIC_SIGMAS: dict[int, tuple[float, ...]] = {
    2: tuple(round(0.9 + 0.1 * i, 10) for i in range(8)),
    3: tuple(float(v) for v in np.linspace(1.35, 2.40, 8)),
    4: tuple(float(v) for v in np.linspace(1.80, 3.20, 8)),
}


def table2_bicubic_sigmas(scale: int) -> tuple[float, ...]:
    """The eight kernel widths of Table II's Bicubic rows at a scale (:data:`TABLE2_BICUBIC_SIGMAS`).

    docs/decisions/gldfn.md, G1; GLDFN §IV-A (Setting 1, "Gaussian 8") and Table II. The models'
    Gaussian-8 test sets keep :func:`gaussian8_sigmas`.
    """
    return TABLE2_BICUBIC_SIGMAS[scale]


# {scale: {dataset: (PSNR, SSIM)}}
TABLE2_BICUBIC: dict[int, dict[str, tuple[float, float]]] = {
    2: {"Set5": (28.82, 0.8577), "Set14": (26.02, 0.7634), "BSD100": (25.92, 0.7310), "Urban100": (23.14, 0.7258), "Manga109": (25.60, 0.8498)},
    3: {"Set5": (26.21, 0.7766), "Set14": (24.01, 0.6662), "BSD100": (24.25, 0.6356), "Urban100": (21.39, 0.6203), "Manga109": (22.98, 0.7576)},
    4: {"Set5": (24.57, 0.7108), "Set14": (22.79, 0.6032), "BSD100": (23.29, 0.5786), "Urban100": (20.35, 0.5532), "Manga109": (21.50, 0.6933)},
}

# {scale: (PSNR, SSIM)} on DIV2KRK.
TABLE6_BICUBIC: dict[int, tuple[float, float]] = {2: (28.73, 0.8040), 4: (25.33, 0.6795)}


def table2_bicubic() -> list[PaperValue]:
    """GLDFN Table II's Bicubic rows as records."""
    return [
        PaperValue("GLDFN", "Table II", "Bicubic", dataset, scale, "Gaussian8", metric, value)
        for scale, per_dataset in TABLE2_BICUBIC.items()
        for dataset, pair in per_dataset.items()
        for metric, value in zip(("PSNR", "SSIM"), pair, strict=True)
    ]


def table6_bicubic() -> list[PaperValue]:
    """GLDFN Table VI's Bicubic row (DIV2KRK) as records."""
    return [
        PaperValue("GLDFN", "Table VI", "Bicubic", "DIV2KRK", scale, "DIV2KRK kernels", metric, value)
        for scale, pair in TABLE6_BICUBIC.items()
        for metric, value in zip(("PSNR", "SSIM"), pair, strict=True)
    ]


# Table IV: {method: (parameters in M, "FLOPs" in G at LR 180×270, NIQE on Historical)}; None where the paper prints "/".
# "FLOPs" are multiply-accumulates and the scale is unstated, x4 read (docs/decisions/gldfn.md, G12, G15).
TABLE4: dict[str, tuple[float | None, float | None, float]] = {
    "KernelGAN+ZSSR": (None, None, 5.12),
    "DANv1": (4.33, 926.72, 5.13),
    "DANv2": (4.71, 918.12, 5.16),
    "DCLS": (13.63, 368.15, 4.87),
    "GLDFN": (14.70, 346.74, 4.80),
}
TABLE4_LR_SIZE = (180, 270)  # Table IV's caption: "The FLOPs are evaluated on an LR size of 180 × 270"

# Table I's "Params (M)" of the ablation models (Exp. D is GLDFN).
TABLE1_PARAMETERS: dict[str, float] = {"A": 14.736, "B": 14.667, "C": 14.695, "D": 14.696}

_LR_SETTING = f"LR {TABLE4_LR_SIZE[0]}×{TABLE4_LR_SIZE[1]}"
_NIQE_NOTE = "real images, no ground truth; scale unstated (Fig. 6 shows them at x2)"


def table4() -> list[PaperValue]:
    """GLDFN Table IV as records: ``Params (M)``, ``FLOPs (G)`` (at LR 180×270, x4 read) and ``NIQE`` (Historical)."""
    values = []
    for method, (parameters, flops, niqe) in TABLE4.items():
        if parameters is not None:
            values.append(PaperValue("GLDFN", "Table IV", method, "—", 4, "—", "Params (M)", parameters))
        if flops is not None:
            values.append(PaperValue("GLDFN", "Table IV", method, "—", 4, _LR_SETTING, "FLOPs (G)", flops))
        values.append(PaperValue("GLDFN", "Table IV", method, "Historical", 2, "—", "NIQE", niqe, note=_NIQE_NOTE))
    return values


def table1_parameters() -> list[PaperValue]:
    """Table I's parameter column (Exp. A-D) as records, x4 read (docs/decisions/gldfn.md, G10)."""
    return [PaperValue("GLDFN", "Table I", f"Exp. {exp}", "—", 4, "—", "Params (M)", value) for exp, value in TABLE1_PARAMETERS.items()]
