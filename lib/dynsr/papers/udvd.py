"""UDVD (Xu et al., CVPR 2020) published numbers.

Table 5: fixed degradations at x3. BI = bicubic downsampling only; DN = bicubic downsampling then
AWGN of level 30. PSNR/SSIM on Y. Transcribed from ``targets-udvd-arcsr.md`` A.4.

Known error in the paper (reported, not fixed): the BI SSIMs of the Bicubic, SRCNN, VDSR and RDN
rows are the SSIMs of RDN's *BD* column (blur-downscale), not BI; their PSNRs are BI.
"""

from __future__ import annotations

from dynsr.papers.records import PaperValue

__all__ = ["TABLE5_BICUBIC", "table5_bicubic", "TABLE2", "TABLE2_COLUMNS", "table2"]

_BI_SSIM_NOTE = "paper error: this BI SSIM is RDN's BD-column SSIM (targets-udvd-arcsr.md A.4, Table 5)"

# {setting: {dataset: (PSNR, SSIM)}}
TABLE5_BICUBIC: dict[str, dict[str, tuple[float, float]]] = {
    "BI": {"Set5": (30.39, 0.8308), "Set14": (27.55, 0.7271), "BSD100": (27.21, 0.6918)},
    "DN": {"Set5": (24.01, 0.5369), "Set14": (22.87, 0.4724), "BSD100": (22.92, 0.4449)},
}


def table5_bicubic() -> list[PaperValue]:
    """UDVD Table 5's Bicubic row (x3) as records."""
    records = []
    for setting, per_dataset in TABLE5_BICUBIC.items():
        for dataset, (psnr_value, ssim_value) in per_dataset.items():
            records.append(PaperValue("UDVD", "Table 5", "Bicubic", dataset, 3, setting, "PSNR", psnr_value))
            note = _BI_SSIM_NOTE if setting == "BI" else ""
            records.append(PaperValue("UDVD", "Table 5", "Bicubic", dataset, 3, setting, "SSIM", ssim_value, note))
    return records


# Table 2 (multiple degradations, PSNR on Y). Columns: TABLE2_COLUMNS. {(kernel width, noise): {method: values}}.
# The paper leaves the width/noise cells blank after each group's first row; they are filled down
# (guide A.4). RDN/RCAN/IRCNN are quoted from the paper (UDVD ran RDN/RCAN's official code; IRCNN's
# numbers come from its publication, Set5 only).
TABLE2_COLUMNS: tuple[tuple[str, int], ...] = tuple((dataset, scale) for dataset in ("Set5", "Set14", "BSD100") for scale in (2, 3, 4))
TABLE2: dict[tuple[float, float], dict[str, tuple[float | None, ...]]] = {
    (0.2, 15.0): {
        "RDN": (26.23, 25.57, 24.48, 25.44, 24.40, 23.45, 25.03, 24.04, 23.13),
        "RCAN": (26.05, 25.46, 24.83, 25.3, 24.29, 23.64, 24.95, 23.92, 23.33),
        "IRCNN": (32.6, 30.08, 28.35, None, None, None, None, None, None),
        "SRMD": (32.76, 30.43, 28.79, 30.14, 27.82, 26.48, 29.23, 27.11, 25.95),
        "UDVD": (32.96, 30.68, 29.04, 30.43, 28.14, 26.82, 29.38, 27.27, 26.08),
    },
    (1.3, 15.0): {
        "RDN": (25.01, 24.98, 24.33, 24.08, 23.92, 23.39, 23.85, 23.67, 23.09),
        "RCAN": (24.9, 24.94, 24.58, 24.04, 23.88, 23.53, 23.84, 23.62, 23.26),
        "IRCNN": (29.96, 28.68, 27.71, None, None, None, None, None, None),
        "SRMD": (30.98, 29.43, 28.21, 28.34, 27.05, 26.06, 27.52, 26.45, 25.63),
        "UDVD": (31.16, 29.67, 28.43, 28.63, 27.36, 26.37, 27.64, 26.58, 25.74),
    },
    (2.6, 15.0): {
        "RDN": (23.18, 23.28, 23.07, 22.34, 22.4, 22.31, 22.44, 22.52, 22.35),
        "RCAN": (23.13, 23.29, 23.24, 22.34, 22.41, 22.42, 22.47, 22.5, 22.48),
        "IRCNN": (26.44, 25.67, 24.36, None, None, None, None, None, None),
        "SRMD": (28.48, 27.55, 26.82, 26.18, 25.58, 25.06, 25.81, 25.29, 24.86),
        "UDVD": (28.73, 27.8, 26.98, 26.48, 25.87, 25.33, 25.93, 25.41, 24.96),
    },
    (0.2, 50.0): {
        "RDN": (17.23, 16.85, 16.51, 17.04, 16.58, 16.21, 16.9, 16.38, 15.99),
        "RCAN": (17.08, 16.13, 16.64, 16.84, 15.68, 16.35, 16.66, 15.54, 16.1),
        "IRCNN": (28.2, 26.25, 24.95, None, None, None, None, None, None),
        "SRMD": (28.51, 26.48, 25.18, 26.7, 25.01, 23.95, 26.13, 24.74, 23.86),
        "UDVD": (28.63, 26.65, 25.34, 27.0, 25.32, 24.24, 26.27, 24.87, 23.98),
    },
    (1.3, 50.0): {
        "RDN": (16.97, 16.7, 16.41, 16.75, 16.45, 16.14, 16.64, 16.29, 15.95),
        "RCAN": (16.82, 15.98, 16.54, 16.55, 15.56, 16.28, 16.42, 15.47, 16.06),
        "IRCNN": (26.69, 25.2, 24.42, None, None, None, None, None, None),
        "SRMD": (27.43, 25.82, 24.77, 25.63, 24.47, 23.64, 25.26, 24.33, 23.63),
        "UDVD": (27.54, 25.99, 24.92, 25.88, 24.75, 23.91, 25.36, 24.45, 23.74),
    },
    (2.6, 50.0): {
        "RDN": (16.5, 16.31, 16.08, 16.3, 16.09, 15.88, 16.29, 16.03, 15.77),
        "RCAN": (16.36, 15.6, 16.22, 16.12, 15.24, 16.02, 16.07, 15.23, 15.88),
        "IRCNN": (22.98, 22.16, 21.43, None, None, None, None, None, None),
        "SRMD": (25.85, 24.75, 23.98, 24.32, 23.53, 22.98, 24.3, 23.68, 23.18),
        "UDVD": (26.0, 24.85, 24.11, 24.6, 23.81, 23.23, 24.41, 23.79, 23.27),
    },
}


def table2(method: str) -> list[PaperValue]:
    """One method's rows of UDVD Table 2 as records; setting labels match :func:`dynsr.degradations.testsets.udvd_table2`."""
    records = []
    for (width, noise), methods in TABLE2.items():
        for (dataset, scale), value in zip(TABLE2_COLUMNS, methods[method]):
            if value is not None:
                records.append(PaperValue("UDVD", "Table 2", method, dataset, scale, f"x{scale} width {width:g} noise {noise:g}", "PSNR", value))
    return records
