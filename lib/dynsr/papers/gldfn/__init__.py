"""GLDFN (Wen et al.): global and local dynamic filters for blind SR (spatial-specific and spatial-agnostic degradations).

The folder: published numbers (:mod:`.published`), test settings (:mod:`.settings`, with the substitutes of Settings 2
and 3), training recipes (:mod:`.recipes`: the model of Setting 1, its noisy variant and the Table I ablation, with the
``cpu`` plan), Table IV's training-free part (:mod:`.complexity`, notebook ``notebooks/gldfn/01``), Table I
(:mod:`.table1`, notebook ``02``) and Table II (:mod:`.table2`, notebook ``03``). Decisions: docs/decisions/gldfn.md.
"""

from __future__ import annotations

from dynsr.degradations.motion import load_div2krk_kernel
from dynsr.papers.gldfn import published, recipes, settings
from dynsr.degradations.testsets import unique_kernels
from dynsr.papers.records import pair_with_settings
from dynsr.papers.spec import KernelGallery, PaperSpec

__all__ = ["PAPER"]


def _bicubic_cells():
    # IKC's Gaussian8 sets (x2 widths 0.9-1.6), a cell the mean over its 8 kernels; docs/decisions/gldfn.md, G1
    return pair_with_settings(published.table2_bicubic(), settings.gldfn_table2_bicubic(), lambda s: (s.dataset, s.degradation.scale, "Gaussian8"))


def _unchecked_bicubic():
    return [value for value in published.table2_bicubic() + published.table6_bicubic() if value.dataset in ("Manga109", "DIV2KRK")]


def _kernel_gallery() -> KernelGallery:
    kernels, labels = unique_kernels(settings.gldfn_table2(("Set5",)))
    kernels += [load_div2krk_kernel(index, scale) for scale in (2, 4) for index in range(1, 9)]
    labels += [f"DIV2KRK x{scale} #{index}" for scale in (2, 4) for index in range(1, 9)]
    return KernelGallery(kernels=kernels, labels=labels, file_name="kernels_gldfn.png",
                         title="GLDFN: Gaussian 8 (21x21) per scale; DIV2KRK x2 (11x11) and x4 (31x31), first 8")


PAPER = PaperSpec(
    name="gldfn",
    title="GLDFN (Wen et al.)",
    recipes=recipes.RECIPES,
    test_tables={"gldfn_table2": settings.gldfn_table2, "gldfn_table3": settings.gldfn_table3, "gldfn_table6": settings.gldfn_table6,
                 "gldfn_table6_substitute": settings.gldfn_table6_substitute, "gldfn_table5_substitute": settings.gldfn_table5_substitute},
    bicubic_cells=_bicubic_cells,
    bicubic_protocols={"GLDFN Table II": "ikc_gaussian8"},  # docs/decisions/gldfn.md, G1
    unchecked_bicubic=_unchecked_bicubic,
    kernel_gallery=_kernel_gallery,
    main_recipe="gldfn",
)
