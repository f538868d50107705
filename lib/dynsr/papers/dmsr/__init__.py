"""DMSR (Yang et al., 2022): meta-restoration with a degradation extractor. So far: its test settings (:mod:`.settings`)."""

from __future__ import annotations

from dynsr.papers.dmsr import settings
from dynsr.papers.spec import PaperSpec

__all__ = ["PAPER"]

PAPER = PaperSpec(name="dmsr", title="DMSR (Yang et al., 2022)", test_tables={"dmsr_table1": settings.dmsr_table1})
