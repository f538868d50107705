"""DMSR's figures drawn from its written tables alone (:func:`dynsr.experiments.common.redraw_table_figures`): the gap plots of
Table 1 and of the ablation Tables 2-4, and the per-kernel heat-map (:mod:`dynsr.papers.dmsr.heatmap`)."""

from __future__ import annotations

from dynsr.degradations.kernels import isotropic_gaussian_kernel
from dynsr.experiments.common import TableFigure, gap_figure, heatmap_table_figure
from dynsr.results import Source

__all__ = ["TABLE1_GAP", "ABLATION_GAPS", "HEATMAP", "TABLE_FIGURES"]

TABLE1_GAP = gap_figure("dmsr/tables/table1", "dmsr/figures/table1_gap.png", "DMSR Table 1",
                        rows=f"source == '{Source.TRAINED}' and metric == 'PSNR'", group="method")
ABLATION_GAPS: dict[str, TableFigure] = {
    f"table{n}": gap_figure(f"dmsr/tables/table{n}", f"dmsr/figures/table{n}_gap.png", f"DMSR Table {n}",
                            rows=f"source == '{Source.TRAINED}' and metric == 'PSNR'", group="method") for n in (2, 3, 4)
}
HEATMAP = heatmap_table_figure("dmsr/tables/heatmap", "dmsr/figures/heatmap_dmsr_dmsr_nf.png",
                               xlabel="kernel width σ_k (thumbnails: the 15x15 kernel)", kernel=lambda width: isotropic_gaussian_kernel(15, width))
TABLE_FIGURES: tuple[TableFigure, ...] = (TABLE1_GAP, *ABLATION_GAPS.values(), HEATMAP)
