"""DMSR's published numbers, as records (:class:`dynsr.papers.records.PaperValue`): Table 1 (§4.2), the ablations of Tables 2-4
(§4.3-4.4) and Table B.5 (Supplementary A).

Table 1: PSNR / SSIM (Y) of ZSSR, IKC, SFM, IKC-vn, SFM-vn and DMSR under six noisy degradations ([σ_k, σ_n], 15×15
isotropic Gaussian, AWGN), and of ZSSR, IKC, SFM and DMSR-nf noise-free ([0.2, 0]); Set5, Set14 and B100 (``BSD100``
here) at ×2 / ×3 / ×4. The setting labels are the test settings' (:func:`dynsr.papers.dmsr.settings.dmsr_table1`). The
caption's "'+' indicates connection of a denoise method and a blind SR method" has no row it applies to (reported, not
acted on). The markdown lost the red / blue best marks (both became bold): no ranking is transcribed.

Tables 2-4 (Set5, unnamed in the paper: each table's full-model row equals Table 1's DMSR Set5 cell at its degradation):
rows in the paper's order, each with the recipe of :mod:`dynsr.papers.dmsr.recipes` that trains it.

Table B.5: parameters (by part and in total, millions) and inference time (seconds) at ×2 on one 128×128 LR image, "on a
single RTX 2080 GPU" (Supplementary A). IKC and SFM share a row (SFM uses IKC as its backbone). Each part is a
``method`` of its own (``DMSR DE``), the total is the approach's name.
"""

from __future__ import annotations

from dataclasses import dataclass

from dynsr.papers.records import PaperValue

__all__ = ["TABLE_B5_SCALE", "TABLE_B5_LR_SIZE", "TABLE_B5_DEVICE", "table_b5", "TABLE1_BLOCKS", "TABLE1_COLUMNS", "TABLE1_TRAINED", "TABLE1_QUOTED",
           "table1", "table1_label", "AblationRow", "Ablation", "ABLATIONS"]

TABLE_B5_SCALE = 2
TABLE_B5_LR_SIZE = (128, 128)
TABLE_B5_DEVICE = "RTX 2080"

# approach: ({part: parameters (M)}, total parameters (M), time (s))
_TABLE_B5: dict[str, tuple[dict[str, float], float, float]] = {
    "ZSSR": ({}, 0.22, 39.758),
    "IKC / SFM": ({"Predictor": 0.43, "Corrector": 0.65, "SFTMD": 7.82}, 8.90, 0.617),
    "DMSR": ({"DE": 0.48, "SR network": 7.89}, 8.37, 0.595),
}


def table_b5() -> list[PaperValue]:
    """Table B.5 as records: ``Params (M)`` per part (method ``"<approach> <part>"``) and in total, ``Time (s)`` per approach."""
    setting = f"LR {TABLE_B5_LR_SIZE[0]}×{TABLE_B5_LR_SIZE[1]}"
    values = []
    for approach, (parts, total, seconds) in _TABLE_B5.items():
        values += [PaperValue("DMSR", "Table B.5", f"{approach} {part}", "—", TABLE_B5_SCALE, setting, "Params (M)", value) for part, value in parts.items()]
        values.append(PaperValue("DMSR", "Table B.5", approach, "—", TABLE_B5_SCALE, setting, "Params (M)", total))
        values.append(PaperValue("DMSR", "Table B.5", approach, "—", TABLE_B5_SCALE, setting, "Time (s)", seconds,
                                 note=f"one {TABLE_B5_LR_SIZE[0]}×{TABLE_B5_LR_SIZE[1]} LR image on an {TABLE_B5_DEVICE}"))
    return values


# --- Table 1 --------------------------------------------------------------------------------------------------

TABLE1_BLOCKS: tuple[tuple[float, float], ...] = ((0.2, 15.0), (1.3, 15.0), (2.6, 15.0), (0.2, 50.0), (1.3, 50.0), (2.6, 50.0), (0.2, 0.0))
"""Table 1's [σ_k, σ_n] blocks in the paper's order (the last is the noise-free block)."""
TABLE1_COLUMNS: tuple[tuple[str, int], ...] = tuple((dataset, scale) for dataset in ("Set5", "Set14", "BSD100") for scale in (2, 3, 4))
"""Table 1's columns in the paper's order: (data set, scale)."""
TABLE1_TRAINED = {"DMSR": "dmsr", "DMSR-nf": "dmsr_nf"}
"""Table 1's rows trained here: the paper's name → recipe."""
TABLE1_QUOTED = ("ZSSR", "IKC", "SFM", "IKC-vn", "SFM-vn")
"""Table 1's rows quoted, not run (the paper ran them from their authors' code, §4.2)."""

# [σ_k, σ_n] → method → "PSNR/SSIM" per column of TABLE1_COLUMNS
_TABLE1: dict[tuple[float, float], dict[str, str]] = {
    (0.2, 15.0): {
        "ZSSR": "26.60/.5972 25.62/.5836 24.58/.5600 25.73/.5893 24.48/.5382 23.62/.5091 25.31/.5667 24.19/.5079 23.43/.4724",
        "IKC": "26.74/.7582 26.96/.6546 23.73/.5357 25.25/.6732 25.36/.5943 21.47/.4312 25.38/.6404 24.93/.5540 21.16/.3852",
        "SFM": "28.13/.6856 24.60/.5502 20.80/.4333 26.81/.6561 23.76/.5213 18.42/.3251 26.47/.6315 23.33/.4802 18.46/.2924",
        "IKC-vn": "32.54/.8980 29.84/.8551 28.79/.8261 30.04/.8382 27.76/.7618 26.54/.7122 29.17/.8066 26.97/.7221 25.93/.6629",
        "SFM-vn": "32.30/.8962 30.26/.8595 28.63/.8232 29.68/.8350 27.87/.7621 26.57/.7102 28.89/.8054 26.93/.7182 25.92/.6608",
        "DMSR": "32.79/.9009 30.64/.8637 29.06/.8285 30.30/.8417 28.12/.7662 26.74/.7122 29.33/.8109 27.23/.7197 26.05/.6626",
    },
    (1.3, 15.0): {
        "ZSSR": "25.33/.5346 25.06/.5478 24.28/.5374 24.29/.4891 23.95/.4909 23.40/.4833 24.06/.4546 23.77/.4554 23.28/.4469",
        "IKC": "25.69/.7128 25.77/.6085 23.46/.5038 24.25/.6152 24.47/.5400 21.82/.4111 24.54/.5827 24.26/.4980 20.60/.3343",
        "SFM": "26.15/.6168 24.59/.5233 21.64/.4400 24.84/.5523 23.53/.4738 19.23/.3243 24.78/.5187 23.27/.4337 19.39/.2933",
        "IKC-vn": "30.56/.8602 29.13/.8278 28.26/.8072 28.15/.7654 26.97/.7195 26.24/.6881 27.34/.7178 26.34/.6705 25.65/.6381",
        "SFM-vn": "30.66/.8622 29.15/.8304 28.00/.8016 28.27/.7717 27.11/.7242 26.19/.6885 27.45/.7260 26.42/.6780 25.64/.6384",
        "DMSR": "31.13/.8698 29.65/.8403 28.48/.8116 28.51/.7735 27.24/.7261 26.29/.6895 27.54/.7252 26.46/.6738 25.70/.6389",
    },
    (2.6, 15.0): {
        "ZSSR": "23.42/.4378 23.40/.4643 23.26/.4826 22.53/.3761 22.50/.3989 22.43/.4202 22.63/.3436 22.64/.3683 22.54/.3888",
        "IKC": "24.33/.6511 23.83/.5079 21.60/.3993 23.21/.5606 22.85/.4443 20.15/.3058 23.71/.5334 23.01/.4111 19.58/.2569",
        "SFM": "24.13/.5255 23.17/.4442 19.67/.3246 23.07/.4523 22.29/.3820 18.27/.2453 23.35/.4225 22.28/.3458 18.51/.2192",
        "IKC-vn": "27.57/.7849 26.52/.7523 26.38/.7503 25.52/.6645 24.86/.6373 24.79/.6318 25.25/.6182 24.74/.5935 24.64/.5875",
        "SFM-vn": "27.08/.7686 26.80/.7602 26.18/.7425 25.38/.6578 25.02/.6423 24.71/.6287 25.19/.6141 24.94/.6040 24.60/.5855",
        "DMSR": "28.81/.8171 27.79/.7943 27.10/.7743 26.43/.6916 25.81/.6672 25.30/.6478 25.86/.6428 25.33/.6173 24.93/.6005",
    },
    (0.2, 50.0): {
        "ZSSR": "17.33/.2164 17.06/.2142 16.89/.2265 17.09/.2167 16.75/.1982 16.54/.1936 16.95/.2011 16.63/.1777 16.43/.1700",
        "IKC": "23.41/.5976 17.49/.2372 14.54/.1766 22.71/.5137 17.21/.2191 12.13/.1013 23.14/.4876 16.74/.1898 11.77/.0811",
        "SFM": "18.36/.2468 15.52/.1873 11.93/.1112 17.66/.2346 15.31/.1723 11.88/.0955 17.69/.2227 15.35/.1563 11.58/.0812",
        "IKC-vn": "28.35/.8176 26.28/.7678 25.12/.7323 26.75/.7278 25.10/.6633 23.99/.6195 26.06/.6763 24.67/.6138 23.81/.5754",
        "SFM-vn": "28.25/.8165 26.42/.7715 25.10/.7317 26.44/.7251 25.02/.6614 23.98/.6196 25.77/.6753 24.55/.6125 23.78/.5752",
        "DMSR": "28.58/.8226 26.66/.7763 25.38/.7417 26.93/.7296 25.30/.6659 24.21/.6232 26.20/.6796 24.83/.6158 23.94/.5779",
    },
    (1.3, 50.0): {
        "ZSSR": "17.12/.1814 16.88/.1906 16.71/.2034 16.84/.1641 16.65/.1697 16.46/.1764 16.70/.1446 16.54/.1483 16.40/.1548",
        "IKC": "23.07/.5762 17.20/.2094 13.37/.1298 22.46/.4969 17.01/.1880 12.52/.0991 22.91/.4709 16.68/.1611 11.89/.0758",
        "SFM": "18.59/.2243 15.42/.1665 11.88/.0991 17.51/.1817 15.24/.1475 11.87/.0857 17.56/.1654 15.29/.1307 11.59/.0713",
        "IKC-vn": "27.27/.7862 25.87/.7466 24.81/.7171 25.73/.6766 24.65/.6345 23.80/.6071 25.24/.6267 24.36/.5883 23.67/.5633",
        "SFM-vn": "27.32/.7877 25.82/.7472 24.78/.7155 25.69/.6762 24.64/.6361 23.79/.6074 25.23/.6281 24.32/.5904 23.66/.5633",
        "DMSR": "27.62/.7942 25.96/.7533 24.98/.7256 25.86/.6776 24.76/.6369 23.90/.6088 25.30/.6279 24.42/.5897 23.71/.5643",
    },
    (2.6, 50.0): {
        "ZSSR": "16.67/.1354 16.61/.1525 16.44/.1693 16.40/.1127 16.29/.1252 16.20/.1433 16.36/.0976 16.28/.1103 16.22/.1276",
        "IKC": "22.42/.5433 16.62/.1616 14.26/.1412 21.91/.4660 16.66/.1428 11.72/.0608 22.48/.4434 16.40/.1209 11.75/.0590",
        "SFM": "18.05/.1753 15.12/.1255 11.73/.0752 17.25/.1336 14.84/.1023 11.72/.0627 17.28/.1185 15.04/.0937 11.51/.0532",
        "IKC-vn": "25.59/.7272 24.57/.6925 23.85/.6763 24.25/.6135 23.49/.5875 23.07/.5742 24.17/.5703 23.56/.5484 23.20/.5371",
        "SFM-vn": "25.44/.7212 24.72/.6995 23.77/.6712 24.20/.6113 23.57/.5905 23.06/.5733 24.16/.5693 23.65/.5525 23.20/.5370",
        "DMSR": "26.05/.7467 24.86/.7139 24.21/.6967 24.56/.6240 23.83/.5999 23.23/.5818 24.36/.5788 23.75/.5566 23.27/.5422",
    },
    (0.2, 0.0): {
        "ZSSR": "36.98/.9567 32.23/.8982 29.40/.8264 32.77/.9101 29.12/.8206 27.16/.7451 31.44/.8910 28.26/.7858 26.66/.7063",
        "IKC": "37.26/.9572 34.02/.9261 31.55/.8931 33.06/.9116 30.09/.8421 28.20/.7830 31.94/.8933 28.89/.8066 27.43/.7376",
        "SFM": "37.53/.9581 33.45/.9249 32.11/.8950 33.23/.9129 30.12/.8424 28.48/.7833 31.93/.8928 28.92/.8061 27.44/.7378",
        "DMSR-nf": "37.96/.9617 34.49/.9289 32.37/.8977 33.48/.9174 30.34/.8448 28.73/.7860 32.14/.8995 29.14/.8087 27.65/.7398",
    },
}


def table1_label(scale: int, width: float, noise: float) -> str:
    """A Table 1 cell's setting label, as :func:`dynsr.papers.dmsr.settings.dmsr_table1` names it."""
    return f"x{scale} width {width:g} noise {noise:g}"


def table1(method: str | None = None) -> list[PaperValue]:
    """Table 1 as records (PSNR and SSIM per cell), of one method or all; the block's [σ_k, σ_n] is the setting label's."""
    values = []
    for (width, noise), methods in _TABLE1.items():
        for name, cells in methods.items():
            if method is not None and name != method:
                continue
            for (dataset, scale), cell in zip(TABLE1_COLUMNS, cells.split(), strict=True):
                psnr, ssim = (float(part) for part in cell.split("/"))
                label = table1_label(scale, width, noise)
                values += [PaperValue("DMSR", "Table 1", name, dataset, scale, label, "PSNR", psnr),
                           PaperValue("DMSR", "Table 1", name, dataset, scale, label, "SSIM", ssim)]
    return values


# --- Tables 2-4 -----------------------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class AblationRow:
    """One row of an ablation table: its label, the recipe that trains it, the paper's PSNR and SSIM."""

    label: str
    recipe: str
    psnr: float
    ssim: float


@dataclass(frozen=True, kw_only=True)
class Ablation:
    """An ablation table (Set5, one degradation, one scale: :mod:`dynsr.papers.dmsr.settings`) and its rows in the paper's order."""

    name: str  # "table2"
    title: str
    rows: tuple[AblationRow, ...]

    def row(self, label: str) -> AblationRow:
        return next(row for row in self.rows if row.label == label)


ABLATIONS: dict[str, Ablation] = {
    "table2": Ablation(name="table2", title="Table 2: the degradation extractor's losses", rows=(
        AblationRow(label="no DE loss", recipe="dmsr_no_de_losses", psnr=24.87, ssim=0.7194),
        AblationRow(label="DR", recipe="dmsr_dr", psnr=24.92, ssim=0.7220),
        AblationRow(label="DR + DC (LR)", recipe="dmsr_dr_dc_lr", psnr=24.95, ssim=0.7239),
        AblationRow(label="DR + DC (LR) + DC (KN)", recipe="dmsr", psnr=24.98, ssim=0.7256),
    )),
    "table3": Ablation(name="table3", title="Table 3: the meta-restoration modules", rows=(
        AblationRow(label="MNM-σ", recipe="dmsr_sigma_no_mbm", psnr=28.61, ssim=0.8119),
        AblationRow(label="MNM-σ + MBM", recipe="dmsr_sigma", psnr=28.70, ssim=0.8148),
        AblationRow(label="MNM-map", recipe="dmsr_no_mbm", psnr=28.72, ssim=0.8156),
        AblationRow(label="MNM-map + MBM", recipe="dmsr", psnr=28.81, ssim=0.8171),
    )),
    "table4": Ablation(name="table4", title="Table 4: the number of MBMs", rows=(
        AblationRow(label="1 MBM", recipe="dmsr", psnr=25.96, ssim=0.7533),
        AblationRow(label="2 MBMs", recipe="dmsr_mbm2", psnr=25.97, ssim=0.7545),
        AblationRow(label="3 MBMs", recipe="dmsr_mbm3", psnr=25.95, ssim=0.7537),
    )),
}
"""Tables 2-4 (Set5: module docstring)."""
