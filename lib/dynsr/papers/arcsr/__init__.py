"""ArcSR (Liu & Hao): deformable mutual and kernel-guided convolution for motion-blur SR. Its test settings
(:mod:`.settings`) and training recipes (:mod:`.recipes`: the model and the Table 1 variants). Decisions:
docs/decisions/arcsr.md."""

from __future__ import annotations

from dynsr.papers.arcsr import recipes, settings
from dynsr.papers.spec import PaperSpec

__all__ = ["PAPER"]

PAPER = PaperSpec(name="arcsr", title="ArcSR (Liu & Hao)", recipes=recipes.RECIPES, test_tables={"arcsr_motion": settings.arcsr_motion},
                  main_recipe="arcsr")
"""ArcSR's test settings (§4.1-4.2) on the shared real motion-blur pairs, and its training recipes (§4.2)."""
