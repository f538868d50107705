"""DMSR (Yang et al., 2022): meta-restoration with a degradation extractor.

The folder: published numbers (:mod:`.published`: Tables 1-4 and B.5), test settings (:mod:`.settings`), training recipes
(:mod:`.recipes`: the model, DMSR-nf, the ablations of Tables 2-4), and the experiments of ``notebooks/dmsr/``: Table B.5
without training (:mod:`.complexity`), Table 1 (:mod:`.table1`), Tables 2-4 (:mod:`.tables`), the figures drawn from
written tables (:mod:`.figures`) and the generated summary (:mod:`.summary`). Decisions: docs/decisions/dmsr.md.
"""

from __future__ import annotations

from dynsr.papers.dmsr import recipes, settings
from dynsr.papers.spec import PaperSpec

__all__ = ["PAPER"]

PAPER = PaperSpec(
    name="dmsr",
    title="DMSR (Yang et al., 2022)",
    recipes=recipes.RECIPES,
    test_tables={"dmsr_table1": settings.dmsr_table1, "dmsr_table2": settings.dmsr_table2, "dmsr_table3": settings.dmsr_table3,
                 "dmsr_table4": settings.dmsr_table4},
    table_figures="dynsr.papers.dmsr.figures",
    main_recipe="dmsr",
)
