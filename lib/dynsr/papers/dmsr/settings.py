"""DMSR's test settings (§4.2): Table 1 as data, with SRMD's test harness (DMSR follows UDVD/SRMD, §4.1)."""

from __future__ import annotations

from dynsr.degradations.testsets import TestSetting, setting_grid

__all__ = ["DMSR_SETS", "dmsr_table1"]


DMSR_SETS: tuple[str, ...] = ("Set5", "Set14", "BSD100")


def dmsr_table1() -> list[TestSetting]:
    """DMSR Table 1: σ_k 0.2 / 1.3 / 2.6 x σ_n 15 / 50, plus the noise-free [0.2, 0]; x2-x4; Set5 / Set14 / B100."""
    noisy = setting_grid("DMSR", "Table 1", (0.2, 1.3, 2.6), (15.0, 50.0), (2, 3, 4), DMSR_SETS)
    return noisy + setting_grid("DMSR", "Table 1", (0.2,), (0.0,), (2, 3, 4), DMSR_SETS)
