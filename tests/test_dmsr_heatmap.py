"""The DMSR heat-map (`dynsr.papers.dmsr.heatmap`): DMSR and DMSR-nf over the grid, written, and drawn from the written table."""

from __future__ import annotations

from pathlib import Path

import pytest

from dynsr.experiments.common import heatmap_grids
from dynsr.papers.dmsr import heatmap
from dynsr.results import Source, read_table


def test_run_at_smoke_writes_both_models_over_the_grid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("DYNSR_CACHE_DIR", str(tmp_path / "cache"))
    params = heatmap.HeatmapParams(profile="smoke", widths=(0.2, 2.6), noises=(0.0, 50.0))
    table, figures = heatmap.run(params)
    written = read_table("dmsr/tables/heatmap", profile="smoke")
    assert list(written["method"].unique()) == ["DMSR", "DMSR-nf"] and len(written) == 8 and (written["source"] == Source.TRAINED).all()
    grids = heatmap_grids(written)
    assert list(grids) == ["DMSR", "DMSR-nf", "difference DMSR − DMSR-nf"] and grids["DMSR"].shape == (2, 2)
    assert Path(figures[0]).name == "heatmap_dmsr_dmsr_nf.png" and Path(figures[0]).is_file()
    with pytest.raises(ValueError, match="DMSR's scales"):
        heatmap.run(heatmap.HeatmapParams(profile="smoke", scale=5))
