"""DASR (Wang et al., CVPR 2021): unsupervised degradation representation learning for blind SR.

The folder: published numbers (:mod:`.published`), test settings (:mod:`.settings`), training recipes (:mod:`.recipes`;
SRMDNF*, its Table 1 comparator, included), what its notebooks share (:mod:`.common`), and the experiments of
``notebooks/dasr/``: Table 1 (:mod:`.table1`), Tables 2-3 (:mod:`.tables`), figures and heat-map (:mod:`.figures`), the
generated summary (:mod:`.summary`). Decisions: docs/decisions/dasr.md.
"""

from __future__ import annotations

from dynsr.degradations.pipelines import AnisotropicGaussianKernel
from dynsr.papers.dasr import published, recipes, settings
from dynsr.degradations.testsets import unique_kernels
from dynsr.papers.records import pair_with_settings
from dynsr.papers.spec import KernelGallery, PaperSpec

__all__ = ["PAPER"]


def _bicubic_cells():
    return pair_with_settings(published.table2_bicubic(), settings.dasr_table2(), lambda s: (s.dataset, s.degradation.scale, s.label))


def _standard_bicubic():
    return [(value, cell) for value, cell in _bicubic_cells() if cell[0].degradation.kernel is None]


def _kernel_gallery() -> KernelGallery:
    kernels, labels = unique_kernels(settings.dasr_table2() + settings.dasr_table1())
    for number, (l1, l2, theta) in enumerate(settings.DASR_TABLE3_KERNELS, start=1):
        kernels.append(AnisotropicGaussianKernel(l1, l2, theta, 21, "std").build())
        labels.append(f"T3 K{number} ({l1:g},{l2:g},{theta:g}°)")
    return KernelGallery(kernels=kernels, labels=labels, file_name="kernels_dasr.png",
                         title="DASR test kernels (21x21): Table 2 isotropic per scale, Table 1, Table 3 K1-K9 (reconstructed, unverified)")


PAPER = PaperSpec(
    name="dasr",
    title="DASR (Wang et al., CVPR 2021)",
    recipes=recipes.RECIPES,
    compute_matched=recipes.COMPUTE_MATCHED,
    matched_steps=recipes.MATCHED_STEPS,
    test_tables={"dasr_table1": settings.dasr_table1, "dasr_table2": settings.dasr_table2, "dasr_table3": settings.dasr_table3},
    bicubic_cells=_bicubic_cells,
    bicubic_protocols={"DASR Table 2": "matlab_uint8"},  # docs/decisions/dasr.md, D23
    standard_bicubic=_standard_bicubic,
    kernel_gallery=_kernel_gallery,
    table_figures="dynsr.papers.dasr.figures",
    main_recipe="dasr",
)
