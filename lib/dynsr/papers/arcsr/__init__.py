"""ArcSR (Liu & Hao): deformable mutual and kernel-guided convolution for motion-blur SR. So far: its test settings (:mod:`.settings`)."""

from __future__ import annotations

from dynsr.papers.arcsr import settings
from dynsr.papers.spec import PaperSpec

__all__ = ["PAPER"]

PAPER = PaperSpec(name="arcsr", title="ArcSR (Liu & Hao)", test_tables={"arcsr_motion": settings.arcsr_motion})
