"""UDVD's test settings (§4.2-4.4): Tables 1-5 as data, with SRMD's test harness (docs/decisions/udvd.md, U16)."""

from __future__ import annotations

from dynsr.degradations.spatial import LinearRamp, SpatiallyVaryingDegradation
from dynsr.degradations.testsets import GrayScoring, TestSetting, setting_grid, srmd_harness

__all__ = ["UDVD_GRAY_SCORING", "UDVD_SETS", "udvd_table1", "udvd_table2", "udvd_table3", "udvd_table4", "udvd_table5"]


# UDVD publishes no code; its SRMD rows come from SRMD's MATLAB demos, which score a gray image by the SR image's channel
# mean (docs/decisions/udvd.md). The committed cpu tables of UDVD were written before this switch, with "replicate_y".
UDVD_GRAY_SCORING: GrayScoring = "channel_mean"

UDVD_SETS: tuple[str, ...] = ("Set5", "Set14", "BSD100")


def udvd_table1() -> list[TestSetting]:
    """UDVD Table 1: Set5 x3, kernel width 1.3, noise 15."""
    return setting_grid("UDVD", "Table 1", (1.3,), (15.0,), (3,), ("Set5",), gray_scoring=UDVD_GRAY_SCORING)


def udvd_table2() -> list[TestSetting]:
    """UDVD Table 2: widths 0.2 / 1.3 / 2.6 x noise 15 / 50, x2 / x3 / x4, Set5 / Set14 / BSD100."""
    return setting_grid("UDVD", "Table 2", (0.2, 1.3, 2.6), (15.0, 50.0), (2, 3, 4), UDVD_SETS, gray_scoring=UDVD_GRAY_SCORING)


def udvd_table3() -> list[TestSetting]:
    """UDVD Table 3: spatially varying, left to right: (width ramp [0.2, 2], noise 5), (width 0.2, noise ramp
    [5, 50]), (both ramps); x2 / x3 / x4; Set5 / Set14 / BSD100. Construction: :mod:`dynsr.degradations.spatial`."""
    rows = (
        ("width [0.2, 2], noise 5", LinearRamp(0.2, 2.0), 5.0),
        ("width 0.2, noise [5, 50]", 0.2, LinearRamp(5.0, 50.0)),
        ("width [0.2, 2], noise [5, 50]", LinearRamp(0.2, 2.0), LinearRamp(5.0, 50.0)),
    )
    return [
        TestSetting("UDVD", "Table 3", dataset, f"x{scale} {label}", SpatiallyVaryingDegradation(scale=scale, width=width, noise=noise),
                    UDVD_GRAY_SCORING)
        for label, width, noise in rows
        for scale in (2, 3, 4)
        for dataset in UDVD_SETS
    ]


def udvd_table4() -> list[TestSetting]:
    """UDVD Table 4: widths 0.2 / 1.3 / 2.6, noise-free, x2 / x3 / x4, Set5 / Set14 / BSD100."""
    return setting_grid("UDVD", "Table 4", (0.2, 1.3, 2.6), (0.0,), (2, 3, 4), UDVD_SETS, gray_scoring=UDVD_GRAY_SCORING)


def udvd_table5() -> list[TestSetting]:
    """UDVD Table 5: x3 BI (bicubic only) and DN (bicubic, then AWGN 30), Set5 / Set14 / BSD100."""
    return [
        TestSetting("UDVD", "Table 5", dataset, label, srmd_harness(3, None, noise), UDVD_GRAY_SCORING)
        for label, noise in (("BI", 0.0), ("DN", 30.0))
        for dataset in UDVD_SETS
    ]
