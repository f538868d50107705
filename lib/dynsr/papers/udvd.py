"""UDVD (Xu et al., CVPR 2020) published numbers.

Table 5: fixed degradations at x3. BI = bicubic downsampling only; DN = bicubic downsampling then
AWGN of level 30. PSNR/SSIM on Y. Transcribed from ``targets-udvd-arcsr.md`` A.4.

Known error in the paper (reported, not fixed): the BI SSIMs of the Bicubic, SRCNN, VDSR and RDN
rows are the SSIMs of RDN's *BD* column (blur-downscale), not BI; their PSNRs are BI.
"""

from __future__ import annotations

from dynsr.papers.records import PaperValue

__all__ = ["TABLE5_BICUBIC", "table5_bicubic"]

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
