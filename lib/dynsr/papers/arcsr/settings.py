"""ArcSR's test settings (§4.1-4.2) on the shared real motion-blur pairs."""

from __future__ import annotations

from dynsr.data.benchmarks import PAIRED_SETS
from dynsr.degradations.pipelines import Degradation, PairedFrame
from dynsr.degradations.testsets import TestSetting

__all__ = ["ARCSR_TEST_NOISE", "ARCSR_DATASETS", "arcsr_table1", "arcsr_table2"]


ARCSR_TEST_NOISE: tuple[float, float] = (0.0, 10.0)
"""Table 2's noise levels (Table 1: 0 only)."""

ARCSR_DATASETS: tuple[str, str] = ("REDS", "GoPro")
"""The paper's column order; ours are the shared pairs' sharp frames (8 GoPro, 3 REDS), not the papers' test sets."""


def _settings(table: str, noises: tuple[float, ...]) -> list[TestSetting]:
    """x4 MATLAB bicubic of each pair's *blurred* frame plus AWGN of level ``noise`` (0-255 scale, float LR, not clipped),
    scored against the pair's sharp frame; labelled ``x4 noise <n>``."""
    return [TestSetting("ArcSR", table, dataset, f"x4 noise {noise:g}", PairedFrame(source=PAIRED_SETS[dataset], degradation=Degradation(scale=4, noise=noise)))
            for noise in noises for dataset in ARCSR_DATASETS]


def arcsr_table2() -> list[TestSetting]:
    """Table 2's settings, ArcSR's test degradation on the real motion-blur pairs: x4 bicubic of the *blurred* frame, noise 0 or 10.

    The HR is the sharp frame of each GoPro/REDS pair (the ``GoPro`` and ``REDS`` sets: 8 and 3 of the
    ``MotionBlur`` pairs, a small sample of the papers' test sets); the LR is this degradation applied to the blurred
    frame (no synthetic kernel; :class:`~dynsr.degradations.pipelines.PairedFrame`). Noise on the 0-255 scale, float LR
    (clipping is unstated; not clipped).
    """
    return _settings("Table 2", ARCSR_TEST_NOISE)


def arcsr_table1() -> list[TestSetting]:
    """Table 1's settings: :func:`arcsr_table2`'s at noise 0 (its caption: "Noise level is 0")."""
    return _settings("Table 1", (0.0,))
