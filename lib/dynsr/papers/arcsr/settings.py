"""ArcSR's test settings (§4.1-4.2) on the shared real motion-blur pairs."""

from __future__ import annotations

from dynsr.degradations.pipelines import Degradation
from dynsr.degradations.testsets import TestSetting

__all__ = ["ARCSR_TEST_NOISE", "arcsr_motion"]


ARCSR_TEST_NOISE: tuple[float, float] = (0.0, 10.0)


def arcsr_motion() -> list[TestSetting]:
    """ArcSR's test degradation on the real motion-blur pairs: x4 bicubic of the *blurred* frame, noise 0 or 10.

    The HR is the sharp frame of each GoPro/REDS pair (``MotionBlur`` data set: 11 pairs, a small
    sample of the papers' test sets); the LR is this degradation applied to the blurred frame (no
    synthetic kernel). Noise on the 0-255 scale, float LR (clipping is unstated; not clipped).
    """
    return [TestSetting("ArcSR", "Table 2", "MotionBlur", f"x4 noise {noise:g}", Degradation(scale=4, noise=noise)) for noise in ARCSR_TEST_NOISE]
