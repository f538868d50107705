"""DMSR (Yang et al., 2022): meta-restoration with a degradation extractor. Its published numbers (:mod:`.published`: Table B.5
so far), test settings (:mod:`.settings`), training recipes (:mod:`.recipes`: the model, DMSR-nf, the ablations of Tables
2-4) and Table B.5 without training (:mod:`.complexity`, notebook ``dmsr/01``). Decisions: docs/decisions/dmsr.md."""

from __future__ import annotations

from dynsr.papers.dmsr import recipes, settings
from dynsr.papers.spec import PaperSpec

__all__ = ["PAPER"]

PAPER = PaperSpec(name="dmsr", title="DMSR (Yang et al., 2022)", recipes=recipes.RECIPES, test_tables={"dmsr_table1": settings.dmsr_table1},
                  main_recipe="dmsr")
