"""DMSR's test settings (§4.2-4.4): Table 1 and the cells of Tables 2-4 as data, with SRMD's test harness (DMSR follows UDVD/SRMD, §4.1)."""

from __future__ import annotations

from dynsr.degradations.testsets import TestSetting, setting_grid

__all__ = ["DMSR_SETS", "dmsr_table1", "dmsr_ablation", "dmsr_table2", "dmsr_table3", "dmsr_table4"]


DMSR_SETS: tuple[str, ...] = ("Set5", "Set14", "BSD100")


def dmsr_table1() -> list[TestSetting]:
    """DMSR Table 1: σ_k 0.2 / 1.3 / 2.6 x σ_n 15 / 50, plus the noise-free [0.2, 0]; x2-x4; Set5 / Set14 / B100."""
    noisy = setting_grid("DMSR", "Table 1", (0.2, 1.3, 2.6), (15.0, 50.0), (2, 3, 4), DMSR_SETS)
    return noisy + setting_grid("DMSR", "Table 1", (0.2,), (0.0,), (2, 3, 4), DMSR_SETS)


def dmsr_ablation(table: str, scale: int, width: float, noise: float) -> list[TestSetting]:
    """One ablation table's cell (Tables 2-4, §4.3-4.4): Set5 at one scale and degradation."""
    return setting_grid("DMSR", table, (width,), (noise,), (scale,), ("Set5",))


def dmsr_table2() -> list[TestSetting]:
    """DMSR Table 2 (the extractor's losses): Set5 ×4, σ_k 1.3, σ_n 50."""
    return dmsr_ablation("Table 2", 4, 1.3, 50.0)


def dmsr_table3() -> list[TestSetting]:
    """DMSR Table 3 (the meta-restoration modules): Set5 ×2, σ_k 2.6, σ_n 15."""
    return dmsr_ablation("Table 3", 2, 2.6, 15.0)


def dmsr_table4() -> list[TestSetting]:
    """DMSR Table 4 (the number of MBMs): Set5 ×3, σ_k 1.3, σ_n 50."""
    return dmsr_ablation("Table 4", 3, 1.3, 50.0)
