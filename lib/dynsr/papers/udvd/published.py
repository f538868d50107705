"""UDVD (Xu et al., CVPR 2020) published numbers.

Tables 1-5 transcribed from the paper (§4.2, §4.4; blank filled-down cells filled; docs/decisions/udvd.md, U20).

Table 5: fixed degradations at x3. BI = bicubic downsampling only; DN = bicubic downsampling then
AWGN of level 30. PSNR/SSIM on Y. Transcribed from the paper's Table 5.

Known error in the paper (reported, not fixed): the BI SSIMs of the Bicubic, SRCNN, VDSR and RDN
rows are the SSIMs of RDN's *BD* column (blur-downscale), not BI; their PSNRs are BI.
"""

from __future__ import annotations

from dynsr.papers.records import PaperValue

__all__ = ["TABLE5_BICUBIC", "table5_bicubic", "TABLE1", "TABLE2", "TABLE2_COLUMNS", "table2", "TABLE3", "table3", "TABLE4", "table4", "TABLE5", "TABLE5_BD_SSIM_ROWS", "table5"]

_BI_SSIM_NOTE = "paper error: this BI SSIM is RDN's BD-column SSIM (docs/decisions/udvd.md, U21)"

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
# (docs/decisions/udvd.md, U20). RDN/RCAN/IRCNN are quoted from the paper (UDVD ran RDN/RCAN's official code; IRCNN's
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
    """One method's rows of UDVD Table 2 as records; setting labels match :func:`dynsr.papers.udvd.settings.udvd_table2`."""
    records = []
    for (width, noise), methods in TABLE2.items():
        for (dataset, scale), value in zip(TABLE2_COLUMNS, methods[method]):
            if value is not None:
                records.append(PaperValue("UDVD", "Table 2", method, dataset, scale, f"x{scale} width {width:g} noise {noise:g}", "PSNR", value))
    return records


# Table 1 (configurations; Set5 x3, kernel width 1.3, noise 15): {row: (PSNR, SSIM)}. Row keys are dynsr recipe names.
TABLE1: dict[str, tuple[str, float, float]] = {
    "udvd_baseline": ("Baseline", 29.45, 0.8350),
    "udvd_u": ("UDVD_U", 29.56, 0.8384),
    "udvd_du": ("UDVD_DU", 29.58, 0.8393),
    "udvd_ud": ("UDVD_UD", 29.61, 0.8400),
    "udvd_single_loss": ("UDVD_UDD w/o multistage loss", 29.58, 0.8385),
    "udvd": ("UDVD_UDD", 29.67, 0.8410),
}

# Table 3 (spatially varying, left-to-right ramps; PSNR). Columns: TABLE2_COLUMNS. Labels match
# dynsr.papers.udvd.settings.udvd_table3 (after the "x<s> " prefix).
TABLE3: dict[str, dict[str, tuple[float, ...]]] = {
    "width [0.2, 2], noise 5": {
        "SRMD": (33.56, 31.67, 30.01, 29.79, 28.06, 26.77, 27.54, 26.00, 24.98),
        "UDVD": (33.77, 32.00, 30.63, 30.74, 28.93, 27.76, 29.61, 27.99, 26.90),
    },
    "width 0.2, noise [5, 50]": {
        "SRMD": (29.70, 27.80, 26.53, 28.02, 26.20, 24.98, 27.39, 25.75, 24.81),
        "UDVD": (30.78, 28.61, 27.15, 28.90, 26.85, 25.62, 27.98, 26.20, 25.19),
    },
    "width [0.2, 2], noise [5, 50]": {
        "SRMD": (28.53, 27.06, 26.05, 26.97, 25.62, 24.66, 26.46, 25.33, 24.59),
        "UDVD": (29.37, 27.74, 26.57, 27.63, 26.28, 25.23, 26.89, 25.71, 24.95),
    },
}

# Table 4 (noise-free models; PSNR). Columns: TABLE2_COLUMNS. {kernel width: {method: values}}; ZSSR,
# IRCNN, SFTMD (with and without SFT) are quoted (UDVD copied SFTMD and IRCNN from their publications).
TABLE4: dict[float, dict[str, tuple[float | None, ...]]] = {
    0.2: {
        "ZSSR": (34.94, 29.29, 28.87, 31.04, 28.05, 27.15, 31.42, 28.24, 26.68),
        "IRCNN": (37.43, 33.39, 31.02, None, None, None, None, None, None),
        "SRMDNF": (37.79, 34.13, 31.96, 33.33, 30.04, 28.35, 32.05, 28.97, 27.49),
        "SFTMD w/o SFT": (31.74, 30.90, 29.40, 27.57, 26.40, 26.18, 27.24, 26.43, 26.34),
        "SFTMD": (38.00, 34.57, 32.39, 33.68, 30.47, 28.77, 32.09, 29.09, 27.58),
        "UDVD": (38.01, 34.49, 32.31, 33.64, 30.44, 28.78, 32.19, 29.18, 27.70),
    },
    1.3: {
        "ZSSR": (33.37, 28.67, 27.44, 31.31, 27.34, 26.15, 30.31, 27.30, 25.95),
        "IRCNN": (36.01, 33.33, 31.01, None, None, None, None, None, None),
        "SRMDNF": (37.44, 34.17, 32.00, 33.20, 30.08, 28.42, 31.98, 29.03, 27.53),
        "SFTMD w/o SFT": (30.88, 30.33, 29.11, 27.16, 25.84, 25.93, 26.84, 25.92, 26.20),
        "SFTMD": (37.46, 34.53, 32.41, 33.39, 30.55, 28.82, 32.06, 29.15, 27.64),
        "UDVD": (37.36, 34.52, 32.37, 33.39, 30.50, 28.85, 32.00, 29.23, 27.75),
    },
    2.6: {
        "ZSSR": (29.89, 27.80, 27.69, 27.72, 26.42, 26.06, 27.32, 26.47, 25.92),
        "IRCNN": (32.07, 31.09, 30.06, None, None, None, None, None, None),
        "SRMDNF": (34.12, 33.02, 31.77, 30.25, 29.33, 28.26, 29.23, 28.35, 27.43),
        "SFTMD w/o SFT": (24.22, 28.44, 28.64, 22.99, 24.19, 25.63, 23.07, 24.42, 25.99),
        "SFTMD": (34.27, 33.22, 32.05, 30.38, 29.63, 28.55, 29.35, 28.41, 27.47),
        "UDVD": (33.74, 33.15, 31.99, 30.08, 29.58, 28.55, 28.93, 28.49, 27.55),
    },
}

# Table 5 (x3, BI and DN; PSNR, SSIM). {method: {(dataset, setting): (PSNR, SSIM)}}; SRMD* and UDVD*
# are one model for both settings. SRCNN / VDSR / RDN / RCAN are quoted. The Bicubic row is TABLE5_BICUBIC.
TABLE5: dict[str, dict[tuple[str, str], tuple[float, float]]] = {
    "SRCNN": {("Set5", "BI"): (32.75, 0.8944), ("Set5", "DN"): (25.01, 0.6950), ("Set14", "BI"): (29.30, 0.8074),
              ("Set14", "DN"): (23.78, 0.5898), ("BSD100", "BI"): (28.41, 0.7736), ("BSD100", "DN"): (23.76, 0.5538)},
    "VDSR": {("Set5", "BI"): (33.67, 0.9150), ("Set5", "DN"): (25.20, 0.7183), ("Set14", "BI"): (29.78, 0.8244),
             ("Set14", "DN"): (24.00, 0.6112), ("BSD100", "BI"): (28.83, 0.7893), ("BSD100", "DN"): (24.00, 0.5749)},
    "SRMD*": {("Set5", "BI"): (33.86, 0.9232), ("Set5", "DN"): (28.30, 0.8123), ("Set14", "BI"): (29.80, 0.8342),
              ("Set14", "DN"): (26.34, 0.7025), ("BSD100", "BI"): (28.87, 0.8001), ("BSD100", "DN"): (25.84, 0.6561)},
    "RDN": {("Set5", "BI"): (34.71, 0.9280), ("Set5", "DN"): (28.47, 0.8151), ("Set14", "BI"): (30.57, 0.8447),
            ("Set14", "DN"): (26.60, 0.7107), ("BSD100", "BI"): (29.26, 0.8079), ("BSD100", "DN"): (25.93, 0.6573)},
    "RCAN": {("Set5", "BI"): (34.74, 0.9299), ("Set14", "BI"): (30.65, 0.8482), ("BSD100", "BI"): (29.32, 0.8111)},
    "UDVD*": {("Set5", "BI"): (33.99, 0.9240), ("Set5", "DN"): (28.52, 0.8186), ("Set14", "BI"): (30.04, 0.8371),
              ("Set14", "DN"): (26.65, 0.7146), ("BSD100", "BI"): (28.94, 0.8016), ("BSD100", "DN"): (25.99, 0.6632)},
}
# Rows whose BI SSIM UDVD copied from RDN's BD column (docs/decisions/udvd.md, U21): reported, not corrected.
TABLE5_BD_SSIM_ROWS = ("Bicubic", "SRCNN", "VDSR", "RDN")


def _columns(table: str, method: str, values, label) -> list[PaperValue]:
    return [PaperValue("UDVD", table, method, dataset, scale, label(scale), "PSNR", value)
            for (dataset, scale), value in zip(TABLE2_COLUMNS, values) if value is not None]


def table3(method: str) -> list[PaperValue]:
    """SRMD or UDVD rows of Table 3; labels match :func:`dynsr.papers.udvd.settings.udvd_table3`."""
    return [record for label, methods in TABLE3.items() for record in _columns("Table 3", method, methods[method], lambda s, label=label: f"x{s} {label}")]


def table4(method: str) -> list[PaperValue]:
    """One method's rows of Table 4; labels match :func:`dynsr.papers.udvd.settings.udvd_table4`."""
    return [record for width, methods in TABLE4.items()
            for record in _columns("Table 4", method, methods[method], lambda s, width=width: f"x{s} width {width:g} noise 0")]


def table5(method: str) -> list[PaperValue]:
    """One method's PSNR and SSIM records of Table 5 (``Bicubic`` included); labels ``BI`` / ``DN``."""
    cells = {(d, s): v for s, per in TABLE5_BICUBIC.items() for d, v in per.items()} if method == "Bicubic" else TABLE5[method]
    records = []
    for (dataset, setting), (psnr_value, ssim_value) in cells.items():
        note = _BI_SSIM_NOTE if setting == "BI" and method in TABLE5_BD_SSIM_ROWS else ""
        records.append(PaperValue("UDVD", "Table 5", method, dataset, 3, setting, "PSNR", psnr_value))
        records.append(PaperValue("UDVD", "Table 5", method, dataset, 3, setting, "SSIM", ssim_value, note))
    return records
