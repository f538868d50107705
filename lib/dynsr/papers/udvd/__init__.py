"""UDVD (Xu et al., CVPR 2020): unified dynamic convolution for blind SR with varying degradations.

The folder: published numbers (:mod:`.published`), test settings (:mod:`.settings`), training recipes (:mod:`.recipes`;
SRMD and SRMDNF, its comparators, included), and the experiments of ``notebooks/udvd/``: the SRMD baseline
(:mod:`.srmd_baseline`), Table 1 (:mod:`.table1`), Tables 2-5 (:mod:`.tables`), figures and heat-map (:mod:`.figures`),
the generated summary (:mod:`.summary`). Decisions: docs/decisions/udvd.md.
"""

from __future__ import annotations

from dynsr.degradations.testsets import unique_kernels
from dynsr.papers.records import pair_with_settings
from dynsr.papers.spec import KernelGallery, PaperSpec
from dynsr.papers.udvd import published, recipes, settings

__all__ = ["PAPER"]


def _bicubic_cells():
    return pair_with_settings(published.table5_bicubic(), settings.udvd_table5(), lambda s: (s.dataset, s.degradation.scale, s.label))


def _kernel_gallery() -> KernelGallery:
    kernels, labels = unique_kernels([s for s in settings.udvd_table2() if s.degradation.scale == 2])
    return KernelGallery(kernels=kernels, labels=[label.split(" ", 1)[1] for label in labels], columns=3, file_name="kernels_udvd_dmsr.png",
                         title="UDVD / DMSR test kernels (15x15 isotropic, widths 0.2 / 1.3 / 2.6; Table 3 ramps span 0.2-2)")


PAPER = PaperSpec(
    name="udvd",
    title="UDVD (Xu et al., CVPR 2020), and the SRMD it compares with",
    recipes=recipes.RECIPES,
    compute_matched=recipes.COMPUTE_MATCHED,
    matched_steps=recipes.MATCHED_STEPS,
    test_tables={"udvd_table1": settings.udvd_table1, "udvd_table2": settings.udvd_table2, "udvd_table3": settings.udvd_table3,
                 "udvd_table4": settings.udvd_table4, "udvd_table5": settings.udvd_table5},
    bicubic_cells=_bicubic_cells,
    kernel_gallery=_kernel_gallery,
    table_figures="dynsr.papers.udvd.figures",
    main_recipe="udvd",
)
