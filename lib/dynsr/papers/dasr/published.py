"""DASR (Wang et al., CVPR 2021) published numbers: Tables 1, 2 and 3, runtimes and parameter counts.

Transcribed from the paper (Tables 2 and 3 checked cell by cell against the
official ``Figs/tab2.png`` / ``Figs/tab3.png``; docs/decisions/dasr.md, D25). PSNR on Y, crop = scale; the paper's B100 is
``BSD100`` here. Setting labels match :mod:`dynsr.degradations.testsets` (``dasr_table1/2/3``):
``σ=<width>`` for Tables 1-2 (width 0 = bicubic downsampling without blur), ``K<n> noise <level>`` for
Table 3.

* **Table 1** (ablation + oracle; Set14 ×4, isotropic, noise-free): Models 1-5 and three SRMDNF rows.
  The header lost one flag column ([MANGLED]); the flags are kept as reconstructed in docs/decisions/dasr.md, D25
  (A representation learning, B label lost, C DA-conv kernel, D DA-conv modulation, E oracle degradation).
  SRMDNF* is SRMD trained noise-free *and given the true kernel*.
* **Table 2** (isotropic, noise-free; ×2/×3/×4; Set5/Set14/B100/Urban100): Bicubic, RCAN, SRMDNF +
  IKC's Predictor, MZSR + Predictor (×2 only), IKC (×4 only), DASR. "Time" is averaged on Set14.
* **Table 3** (Set14 ×4; the nine anisotropic kernels K1-K9 × noise 0/5/10): DnCNN + RCAN, DnCNN +
  SRMDNF + Predictor (the paper cites SRMDNF as [44], RCAN's number: a typo for [42]), DnCNN + IKC
  (fine-tuned on anisotropic kernels by the DASR authors), DASR. K1-K9 are images in the paper; their
  parameters are a third-party reconstruction, :data:`dynsr.papers.dasr.settings.DASR_TABLE3_KERNELS`.

Runtimes are the paper's, on hardware the paper does not state.
"""

from __future__ import annotations

from dynsr.papers.records import PaperValue

__all__ = [
    "TABLE2_SIGMAS", "TABLE2_BICUBIC", "table2_bicubic", "TABLE2", "TABLE2_TIMES_MS", "TABLE2_METHODS", "table2",
    "TABLE1_SIGMAS", "TABLE1_FLAG_NAMES", "TABLE1", "TABLE1_RECIPES", "table1",
    "TABLE3_NOISES", "TABLE3", "TABLE3_PARAMETERS", "TABLE3_TIMES_MS", "table3",
    "DASR_PARAMETERS", "DASR_TIME_MS",
]

# --- Table 2 -------------------------------------------------------------------------------------------

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

# The other rows: {scale: {method: {dataset: PSNR per kernel width}}}. MZSR is run at x2 only, IKC at x4 only.
TABLE2: dict[int, dict[str, dict[str, tuple[float, ...]]]] = {
    2: {
        "RCAN": {"Set5": (38.27, 35.91, 31.20, 28.50), "Set14": (34.12, 32.31, 28.48, 26.33),
                 "BSD100": (32.41, 31.16, 28.04, 26.26), "Urban100": (33.34, 29.80, 25.38, 23.44)},
        "SRMDNF + Predictor": {"Set5": (34.94, 34.77, 34.13, 33.80), "Set14": (31.48, 31.35, 30.78, 30.18),
                               "BSD100": (30.77, 30.33, 29.89, 29.20), "Urban100": (29.05, 28.42, 27.43, 27.12)},
        "MZSR + Predictor": {"Set5": (35.96, 35.66, 35.22, 32.32), "Set14": (31.97, 31.33, 30.85, 29.17),
                             "BSD100": (30.64, 29.82, 29.41, 28.72), "Urban100": (29.49, 29.01, 28.43, 26.39)},
        "DASR": {"Set5": (37.87, 37.47, 37.19, 35.43), "Set14": (33.34, 32.96, 32.78, 31.60),
                 "BSD100": (32.03, 31.78, 31.71, 30.54), "Urban100": (31.49, 30.71, 30.36, 28.95)},
    },
    3: {
        "RCAN": {"Set5": (34.74, 32.90, 29.12, 26.75), "Set14": (30.65, 29.49, 26.75, 24.99),
                 "BSD100": (29.32, 28.56, 26.55, 25.18), "Urban100": (29.09, 26.89, 23.85, 22.30)},
        "SRMDNF + Predictor": {"Set5": (32.22, 32.63, 32.27, 28.62), "Set14": (29.13, 29.25, 28.01, 26.90),
                               "BSD100": (28.41, 28.25, 28.11, 26.56), "Urban100": (26.75, 26.61, 26.35, 24.06)},
        "DASR": {"Set5": (34.11, 34.08, 33.57, 32.15), "Set14": (30.13, 29.99, 28.66, 28.42),
                 "BSD100": (28.96, 28.90, 28.62, 28.13), "Urban100": (27.65, 27.36, 26.86, 25.95)},
    },
    4: {
        "RCAN": {"Set5": (32.63, 30.26, 26.72, 24.66), "Set14": (28.87, 27.48, 24.93, 23.41),
                 "BSD100": (27.72, 26.89, 25.09, 23.93), "Urban100": (26.61, 24.71, 22.25, 20.99)},
        "SRMDNF + Predictor": {"Set5": (30.61, 29.35, 29.27, 28.65), "Set14": (27.74, 26.15, 26.20, 26.17),
                               "BSD100": (27.15, 26.15, 26.15, 26.14), "Urban100": (25.06, 24.11, 24.10, 24.08)},
        "IKC": {"Set5": (32.00, 31.77, 30.56, 29.23), "Set14": (28.52, 28.45, 28.16, 26.81),
                "BSD100": (27.51, 27.43, 27.27, 26.33), "Urban100": (25.93, 25.63, 25.00, 24.06)},
        "DASR": {"Set5": (31.99, 31.92, 31.75, 30.59), "Set14": (28.50, 28.45, 28.28, 27.45),
                 "BSD100": (27.51, 27.52, 27.43, 26.83), "Urban100": (25.82, 25.69, 25.44, 24.66)},
    },
}
TABLE2_METHODS: tuple[str, ...] = ("Bicubic", "RCAN", "SRMDNF + Predictor", "MZSR + Predictor", "IKC", "DASR")
# "Time" column of Table 2 (ms, averaged on Set14; hardware not stated): {method: {scale: ms}}.
TABLE2_TIMES_MS: dict[str, dict[int, float]] = {
    "RCAN": {2: 170, 3: 167, 4: 165},
    "SRMDNF + Predictor": {2: 9, 3: 6, 4: 5},
    "MZSR + Predictor": {2: 90},
    "IKC": {4: 517},
    "DASR": {2: 71, 3: 70, 4: 70},
}


def table2_bicubic() -> list[PaperValue]:
    """DASR Table 2's Bicubic row as records (48 cells)."""
    return table2("Bicubic")


def table2(method: str) -> list[PaperValue]:
    """One method's cells of DASR Table 2 (every scale it was run at), labels ``σ=<width>`` as :func:`dynsr.papers.dasr.settings.dasr_table2`."""
    if method not in TABLE2_METHODS:
        raise KeyError(f"DASR Table 2 has no row {method!r}; rows: {', '.join(TABLE2_METHODS)}")
    per_scale = TABLE2_BICUBIC if method == "Bicubic" else {scale: rows[method] for scale, rows in TABLE2.items() if method in rows}
    return [
        PaperValue("DASR", "Table 2", method, dataset, scale, f"σ={sigma:g}", "PSNR", value)
        for scale, per_dataset in per_scale.items()
        for dataset, values in per_dataset.items()
        for sigma, value in zip(TABLE2_SIGMAS[scale], values, strict=True)
    ]


# --- Table 1 -------------------------------------------------------------------------------------------

TABLE1_SIGMAS: tuple[float, ...] = (0.2, 1.0, 1.8, 2.6, 3.4)
# The five flag columns as reconstructed in docs/decisions/dasr.md, D25 (the printed header names only four).
TABLE1_FLAG_NAMES: tuple[str, ...] = ("representation learning", "(label lost)", "DA conv: kernel", "DA conv: modulation", "oracle degradation")
# {method: (flags A-E as printed: "✓", "✗" or "-", time as printed, PSNR per TABLE1_SIGMAS)}; Set14 x4.
TABLE1: dict[str, tuple[tuple[str, ...], str, tuple[float, ...]]] = {
    "SRMDNF*": (("-", "-", "-", "-", "✓"), "3ms", (28.44, 28.50, 28.49, 28.31, 27.55)),
    "SRMDNF + KernelGAN": (("-", "-", "-", "-", "✗"), "3ms+190s", (26.62, 26.74, 26.62, 26.88, 26.66)),
    "SRMDNF + Predictor": (("-", "-", "-", "-", "✗"), "3ms+2ms", (26.13, 26.15, 26.19, 26.20, 26.18)),
    "Model 1": (("✗", "✓", "✓", "✓", "✗"), "70ms", (28.46, 28.40, 28.30, 27.77, 26.79)),
    "Model 2": (("✓", "✓", "✗", "✗", "✗"), "51ms", (28.49, 28.38, 27.99, 27.54, 26.72)),
    "Model 3": (("✓", "✓", "✓", "✗", "✗"), "67ms", (28.42, 28.30, 28.21, 27.97, 27.33)),
    "Model 4": (("✓", "✓", "✓", "✓", "✗"), "70ms", (28.50, 28.45, 28.40, 28.16, 27.58)),
    "Model 5": (("-", "✓", "✓", "✓", "✓"), "61ms", (28.60, 28.67, 28.69, 28.48, 27.90)),
}
# The dynsr training recipe of each row trained here (dynsr.training.recipes); SRMDNF + KernelGAN / + Predictor have none
# (neither estimator is built here).
TABLE1_RECIPES: dict[str, str] = {
    "SRMDNF*": "srmdnf_dasr", "Model 1": "dasr_model1", "Model 2": "dasr_concat", "Model 3": "dasr_no_modulation", "Model 4": "dasr", "Model 5": "dasr_oracle",
}


def table1(method: str) -> list[PaperValue]:
    """One row of DASR Table 1 (Set14 x4), labels ``σ=<width>`` as :func:`dynsr.papers.dasr.settings.dasr_table1`."""
    if method not in TABLE1:
        raise KeyError(f"DASR Table 1 has no row {method!r}; rows: {', '.join(TABLE1)}")
    values = TABLE1[method][2]
    note = "SRMD trained noise-free and given the true kernel" if method == "SRMDNF*" else ""
    return [PaperValue("DASR", "Table 1", method, "Set14", 4, f"σ={sigma:g}", "PSNR", value, note)
            for sigma, value in zip(TABLE1_SIGMAS, values, strict=True)]


# --- Table 3 -------------------------------------------------------------------------------------------

TABLE3_NOISES: tuple[float, ...] = (0.0, 5.0, 10.0)
# {method: {noise: PSNR for K1..K9}}; Set14 x4.
TABLE3: dict[str, dict[float, tuple[float, ...]]] = {
    "DnCNN + RCAN": {
        0.0: (26.44, 26.22, 24.48, 24.23, 24.29, 24.19, 23.90, 23.42, 23.01),
        5.0: (26.10, 25.90, 24.29, 24.07, 24.14, 24.02, 23.74, 23.31, 22.92),
        10.0: (25.65, 25.47, 24.05, 23.84, 23.92, 23.80, 23.54, 23.14, 22.77),
    },
    "DnCNN + SRMDNF + Predictor": {
        0.0: (26.84, 26.88, 25.57, 25.69, 25.64, 24.98, 25.12, 25.28, 24.84),
        5.0: (25.92, 25.75, 24.18, 23.97, 24.05, 23.93, 23.65, 23.20, 22.80),
        10.0: (25.39, 25.23, 23.88, 23.68, 23.74, 23.65, 23.39, 22.99, 22.64),
    },
    "DnCNN + IKC": {
        0.0: (27.71, 27.78, 27.11, 27.02, 26.93, 26.65, 26.50, 26.01, 25.33),
        5.0: (26.91, 26.80, 24.87, 24.53, 24.56, 24.40, 24.06, 23.53, 23.06),
        10.0: (26.16, 26.09, 24.55, 24.33, 24.35, 24.17, 23.92, 23.43, 23.01),
    },
    "DASR": {
        0.0: (27.99, 27.97, 27.53, 27.45, 27.43, 27.22, 27.19, 26.83, 26.21),
        5.0: (27.25, 27.18, 26.37, 26.16, 26.09, 25.96, 25.85, 25.52, 25.04),
        10.0: (26.57, 26.51, 25.64, 25.47, 25.43, 25.31, 25.16, 24.80, 24.43),
    },
}
TABLE3_PARAMETERS: dict[str, str] = {"DnCNN + RCAN": "650K+15.2M", "DnCNN + SRMDNF + Predictor": "650K+1.5M+420K", "DnCNN + IKC": "650K+5.2M", "DASR": "5.8M"}
TABLE3_TIMES_MS: dict[str, float] = {"DnCNN + RCAN": 169, "DnCNN + SRMDNF + Predictor": 8, "DnCNN + IKC": 520, "DASR": 70}


def table3(method: str) -> list[PaperValue]:
    """One method's 27 cells of DASR Table 3 (Set14 x4), labels ``K<n> noise <level>`` as :func:`dynsr.papers.dasr.settings.dasr_table3`."""
    if method not in TABLE3:
        raise KeyError(f"DASR Table 3 has no row {method!r}; rows: {', '.join(TABLE3)}")
    note = "K1-K9: third-party reconstruction of the kernels (unverified)"
    return [PaperValue("DASR", "Table 3", method, "Set14", 4, f"K{number} noise {noise:g}", "PSNR", value, note)
            for noise, values in TABLE3[method].items()
            for number, value in enumerate(values, start=1)]


# --- size and speed ----------------------------------------------------------------------------------------

DASR_PARAMETERS = 5_800_000  # "5.8M" (Table 3, x4): SR network + encoder, without the projection head (docs/decisions/dasr.md, D2: 5,837,699)
DASR_TIME_MS: dict[int, float] = {2: 71, 3: 70, 4: 70}  # Table 2, averaged on Set14; hardware not stated
