"""ArcSR (Liu & Hao): deformable mutual and kernel-guided convolution for motion-blur SR.

The folder: published numbers (:mod:`.published`), test settings on the real GoPro/REDS pairs (:mod:`.settings`), training
recipes (:mod:`.recipes`: the model, the Table 1 variants and Table 2's DASR), and the experiments of ``notebooks/arcsr/``: Table 1
(:mod:`.table1`), Table 2 (:mod:`.table2`), what both share (:mod:`.common`). Decisions: docs/decisions/arcsr.md.
"""

from __future__ import annotations

from dynsr.papers.arcsr import recipes, settings
from dynsr.papers.spec import PaperSpec

__all__ = ["PAPER"]

PAPER = PaperSpec(name="arcsr", title="ArcSR (Liu & Hao)", recipes=recipes.RECIPES, compute_matched=recipes.COMPUTE_MATCHED,
                  matched_steps=recipes.MATCHED_STEPS,
                  test_tables={"arcsr_table1": settings.arcsr_table1, "arcsr_table2": settings.arcsr_table2}, main_recipe="arcsr")
