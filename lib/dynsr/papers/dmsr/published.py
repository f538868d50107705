"""DMSR's published numbers, as records (:class:`dynsr.papers.records.PaperValue`). So far: Table B.5 (Supplementary A).

Table B.5: parameters (by part and in total, millions) and inference time (seconds) at ×2 on one 128×128 LR image, "on a
single RTX 2080 GPU" (Supplementary A). IKC and SFM share a row (SFM uses IKC as its backbone). Each part is a
``method`` of its own (``DMSR DE``), the total is the approach's name.
"""

from __future__ import annotations

from dynsr.papers.records import PaperValue

__all__ = ["TABLE_B5_SCALE", "TABLE_B5_LR_SIZE", "TABLE_B5_DEVICE", "table_b5"]

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
