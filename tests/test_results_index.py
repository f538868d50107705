"""``results/README.md`` (:mod:`dynsr.results_index`) and the figures drawn from written tables (gap plots, heat-maps)."""

from __future__ import annotations

import importlib
import io
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from dynsr.papers import PAPERS
from dynsr.experiments.common import heatmap_figure, heatmap_grids, heatmap_rows, redraw_table_figures, table_figures
from dynsr.experiments.scoring import TrainedModel
from dynsr.paths import repo_root
from dynsr.plots import gap_plot
from dynsr.results import Source, Verdict, write_table
from dynsr.results_index import figure_caption, results_index, write_results_index

RESULTS = repo_root() / "results"


def _rows(*, seeds: tuple[int, ...], **columns) -> pd.DataFrame:
    """Rows of the schema (trained here, noise seed 0, 5 images unless given), ``seeds`` on every row unless a list is given."""
    table = pd.DataFrame({"method": "UDVD", "dataset": "Set5", "scale": 2, "degradation": "x2 width 0.2 noise 15", "metric": "PSNR", "profile": "cpu",
                          "noise_seed": 0, "source": Source.TRAINED, "n_images": 5, **columns})
    return table.assign(gap=table["ours"] - table["paper"], seeds=seeds if isinstance(seeds, list) else [seeds] * len(table))


def test_a_table_line_gives_steps_and_seeds_per_kind_of_row(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path))
    table = _rows(method=["UDVD", "Bicubic", "RCAN"], paper=[30.0, 28.0, 31.0], ours=[29.0, 28.5, np.nan], steps=[1000, 0, 0],
                  seeds=[(0, 1), (), ()], noise_seed=[0, 0, None], source=[Source.TRAINED, Source.COMPUTED, Source.QUOTED])
    write_table(table, "udvd/tables/demo", profile="cpu")
    line = next(line for line in results_index("cpu").splitlines() if line.startswith("| [udvd/tables/demo.csv]"))
    assert line == ("| [udvd/tables/demo.csv](udvd/tables/demo.csv) | 3 | 1000 (UDVD), 0 (Bicubic) | 0, 1; noise seed 0 | "
                    "PSNR: 2 cells, mean -0.25, max \\|gap\\| 1.00 | — |")


def test_verdicts_are_grouped_by_claim_and_counted(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path))
    claims = _rows(claim=["A > B [σ=1]", "C > D [σ=1]", "A > B [σ=2]", "E > F"],
                   verdict=[Verdict.HOLDS, Verdict.NOT_CHECKABLE, Verdict.DOES_NOT_HOLD, None], reason=["", "one seed", "", ""],
                   paper=[0.1, 0.2, 0.3, 0.4], ours=[0.5, 0.2, 0.3, 0.4], steps=1000, seeds=(0, 1))
    write_table(claims, "dasr/tables/demo_claims", profile="cpu")
    lines = results_index("cpu").splitlines()
    assert ("| [dasr/tables/demo_claims.csv](dasr/tables/demo_claims.csv) | 4 | 1000 | 0, 1; noise seed 0 | PSNR: 4 cells, mean +0.10, "
            "max \\|gap\\| 0.40 | 1 of 3 hold |") in lines
    start = lines.index("### Claim verdicts")
    assert lines[start + 2] == ("[dasr/tables/demo_claims.csv](dasr/tables/demo_claims.csv): 3 verdicts "
                                "(1 × holds · 1 × does not hold at our scale · 1 × not checkable: one seed)")
    assert lines[start + 4:start + 9] == ["| claim | setting | verdict |", "|---|---|---|", "| A > B | σ=1 | **holds** |",
                                          "|  | σ=2 | does not hold at our scale |", "| C > D | σ=1 | not checkable: one seed |"]
    assert "E > F" not in "\n".join(lines)  # no verdict, no row


def test_long_verdict_tables_are_folded_and_a_claim_without_brackets_gets_its_cell(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path))
    pairs = _rows(claim="UDVD > SRMD", verdict=Verdict.HOLDS, reason="", paper=np.linspace(0, 1, 12), ours=np.linspace(1, 2, 12), steps=1000,
                  seeds=(0,))
    write_table(pairs.assign(dataset=[f"Set{n}" for n in range(12)]), "udvd/tables/pairs", profile="cpu")
    index = results_index("cpu")
    assert "<details><summary>every verdict</summary>" in index
    assert "| UDVD > SRMD | Set0 x2 width 0.2 noise 15 | **holds** |" in index and "|  | Set1 x2 width 0.2 noise 15 | **holds** |" in index


def test_sections_follow_the_papers_and_figures_are_captioned_thumbnails(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path))
    table = _rows(paper=[30.0], ours=[30.5], steps=0, seeds=(), source=Source.COMPUTED)
    for stem in ("dasr/tables/t", "udvd/tables/t", "baselines/tables/t", "extra/tables/t", "notebooks/tables/skipped"):
        write_table(table, stem, profile="cpu")
    for figure in ("udvd/figures/table2_gap.png", "extra/figures/some_plot.png", "checkpoints/figure.png", "smoke/udvd/figure.png"):
        (tmp_path / figure).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (2, 2)).save(tmp_path / figure)
    index = results_index("cpu")
    headings = [line for line in index.splitlines() if line.startswith("## ")]
    assert headings == ["## Bicubic baselines (every paper)", f"## {PAPERS['udvd'].title}", f"## {PAPERS['dasr'].title}", "## extra"]
    assert ('<a href="udvd/figures/table2_gap.png"><img src="udvd/figures/table2_gap.png" width="100%" '
            'alt="Table 2: ours − paper per cell, by data set × scale"></a>') in index
    assert "<code>some_plot.png</code>: some plot</td>" in index  # no pattern: the name
    assert "skipped" not in index and "checkpoints/figure" not in index and "smoke/" not in index


def test_another_profile_an_unpublished_table_and_the_written_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path))
    write_table(_rows(paper=[np.nan], ours=[30.5], steps=4, seeds=(0,)), "udvd/tables/ours_only", profile="smoke")
    (tmp_path / "smoke" / "udvd" / "tables" / "unrelated.json").write_text('{"columns": ["a"], "rows": []}')
    index = results_index("smoke")
    assert "Generated by `dynsr reproduce --profile smoke`" in index and "unrelated" not in index
    assert "| [udvd/tables/ours_only.csv](udvd/tables/ours_only.csv) | 1 | 4 | 0; noise seed 0 | no published counterpart | — |" in index
    assert "ours_only" not in results_index("cpu")  # results/smoke is not part of the cpu index
    path = write_results_index("smoke")
    assert path == tmp_path / "smoke" / "README.md" and path.read_text(encoding="utf-8") == index


def test_every_committed_figure_has_a_caption_and_the_committed_index_is_current() -> None:
    figures = sorted(RESULTS.glob("*/figures/*.png"))
    assert len(figures) >= 38
    assert [path.name for path in figures if figure_caption(path.relative_to(RESULTS)) is None] == []
    assert (RESULTS / "README.md").read_text(encoding="utf-8") == results_index("cpu"), "regenerate: dynsr.results_index.write_results_index('cpu')"


# --- figures drawn from tables ------------------------------------------------------------------------------

def test_gap_plot_names_each_cell_and_draws_the_table_gaps() -> None:
    rows = [{"method": method, "dataset": dataset, "scale": scale, "degradation": f"x{scale} noise {noise}", "gap": gap}
            for (method, offset) in (("UDVD", 0.0), ("SRMD", -1.0)) for dataset in ("Set5", "Set14") for scale in (2, 3)
            for noise, gap in ((15, 0.1 + offset), (50, 0.2 + offset))]
    table = pd.DataFrame(rows)
    figure = gap_plot(table, title="demo", group="method")
    axis = figure.axes[0]
    assert [label.get_text() for label in axis.get_xticklabels()] == ["noise 15", "noise 50"] * 4
    assert [text.get_text() for text in axis.texts] == ["Set5\n×2", "Set5\n×3", "Set14\n×2", "Set14\n×3"]
    udvd, srmd = (collection.get_offsets() for collection in axis.collections)
    np.testing.assert_allclose(udvd[:, 1], table.loc[table["method"] == "UDVD", "gap"])
    np.testing.assert_allclose(np.round(srmd[:, 0]), np.round(udvd[:, 0]))  # one x per cell, the groups side by side
    assert (srmd[:, 0] > udvd[:, 0]).all()


def _heatmap_table() -> pd.DataFrame:
    cells = [(w, n) for w in (0.2, 1.0) for n in (0.0, 15.0)]
    means = lambda psnr: pd.DataFrame([{"dataset": "Set5", "scale": 3, "setting": f"x3 width {w:g} noise {n:g}", "kernel_width": w, "noise": n,
                                        "noise_seed": 0, "PSNR": value, "n_images": 5} for (w, n), value in zip(cells, psnr)])
    rows = heatmap_rows("UDVD", means([30.0, 28.0, 29.0, 27.0]), profile="cpu", trained=TrainedModel("udvd", 3, 0, None, {"steps": 1000}))
    rows += heatmap_rows("SRMD", means([25.0, 24.0, 24.5, 22.0]), profile="cpu", trained=TrainedModel("srmd", 3, 0, None, {"steps": 1000}))
    return pd.DataFrame(rows)


def test_heatmap_grids_of_a_written_table() -> None:
    grids = heatmap_grids(_heatmap_table())
    assert list(grids) == ["UDVD", "SRMD", "difference UDVD − SRMD"]
    assert grids["UDVD"].loc[1.0, 15.0] == 27.0 and grids["difference UDVD − SRMD"].loc[0.2, 0.0] == 5.0


def test_heatmap_psnr_panels_share_one_colour_scale() -> None:
    figure = heatmap_figure(heatmap_grids(_heatmap_table()), "demo", xlabel="width", kernel=lambda width: np.ones((3, 3)))
    udvd, srmd, difference = (axis.images[0] for axis in figure.axes[:3])
    assert (udvd.norm.vmin, udvd.norm.vmax) == (srmd.norm.vmin, srmd.norm.vmax) == (22.0, 30.0)
    assert (difference.norm.vmin, difference.norm.vmax) == (-5.0, 5.0)
    colour_bars = [axis for axis in figure.axes if axis.get_label() == "<colorbar>"]
    assert sorted(axis.get_ylabel() for axis in colour_bars) == ["PSNR (dB)", "UDVD − SRMD (dB)"]


UNTRAINED_TABLES = frozenset({*(f"dmsr/tables/table{n}" for n in (1, 2, 3, 4)), "dmsr/tables/heatmap"})
"""Tables with figures drawn from them whose ``cpu`` results are not committed yet (DMSR's weights are trained later, with
``CPU_RUNS`` of its recipes); remove each as it is committed."""


def test_table_figures_redraw_from_the_committed_tables_alone(tmp_path: Path, monkeypatch) -> None:
    pending = {spec.table for spec in table_figures() if not (RESULTS / f"{spec.table}.csv").is_file()}
    assert pending <= UNTRAINED_TABLES, pending  # tables of papers whose cpu weights are not trained yet
    for spec in table_figures():
        if spec.table not in pending:
            assert (RESULTS / spec.figure).is_file(), spec.figure
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path))
    for stem in ("udvd/tables/heatmap", "udvd/tables/table5"):
        (tmp_path / stem).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(RESULTS / f"{stem}.csv", tmp_path / f"{stem}.csv")
    drawn = redraw_table_figures("cpu")
    assert drawn == [tmp_path / "udvd/figures/table5_gap.png", tmp_path / "udvd/figures/heatmap_udvd_srmd.png"]
    assert all(Image.open(path).size[0] > 500 for path in drawn)


def test_dynsr_figures_redraws_from_the_written_tables(tmp_path: Path, monkeypatch, capsys) -> None:
    from dynsr.cli import main as cli_main

    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path))
    (tmp_path / "dasr/tables").mkdir(parents=True)
    shutil.copy(RESULTS / "dasr/tables/table3.csv", tmp_path / "dasr/tables/table3.csv")
    assert cli_main(["figures"]) == 0
    printed = capsys.readouterr().out
    assert str(tmp_path / "dasr/figures/table3_gap.png") in printed and "1 figures redrawn" in printed
    assert Image.open(tmp_path / "dasr/figures/table3_gap.png").size[0] > 500


def test_a_figure_preview_is_a_small_jpeg_of_the_saved_figure(tmp_path: Path) -> None:
    from dynsr.plots import PREVIEW_SIDE, figure_preview

    Image.fromarray(np.random.default_rng(0).integers(0, 256, (1500, 2400, 3), dtype=np.uint8)).save(tmp_path / "big.png")
    preview = Image.open(io.BytesIO(figure_preview(tmp_path / "big.png")))
    assert preview.format == "JPEG" and preview.size == (PREVIEW_SIDE, 625)
    Image.new("RGBA", (40, 30)).save(tmp_path / "small.png")
    assert Image.open(io.BytesIO(figure_preview(tmp_path / "small.png"))).size == (40, 30)  # never enlarged


def test_the_readmes_results_section_is_what_the_committed_tables_give() -> None:
    """README.md's results section is generated (dynsr.results_index.readme_results); a table changed without regenerating it fails here."""
    from dynsr.results_index import README_BEGIN, README_END, readme_results

    text = (repo_root() / "README.md").read_text(encoding="utf-8")
    start, end = text.index(README_BEGIN), text.index(README_END) + len(README_END) + 1
    assert text[start:end] == readme_results(), "run `dynsr reproduce --profile cpu --only 19` (or any cpu notebook) to regenerate README.md's results section"


def test_write_readme_results_replaces_only_the_generated_section(tmp_path: Path) -> None:
    from dynsr.results_index import README_BEGIN, README_END, readme_results, write_readme_results

    readme = tmp_path / "README.md"
    readme.write_text(f"# before\n\n{README_BEGIN}\nstale 1.23 dB\n{README_END}\n\n## after\n", encoding="utf-8")
    write_readme_results(readme)
    assert readme.read_text(encoding="utf-8") == f"# before\n\n{readme_results()}\n## after\n"


@pytest.mark.parametrize("paper", ["udvd", "dasr"])
def test_committed_paper_summaries_are_what_the_code_generates(paper: str) -> None:
    """results/<paper>/README.md is generated from the committed tables and weights; a stale one fails here."""
    summary = importlib.import_module(f"dynsr.papers.{paper}.summary")
    assert (RESULTS / paper / "README.md").read_text(encoding="utf-8") == summary.summary_text("cpu"), \
        f"regenerate: dynsr.papers.{paper}.summary.run(SummaryParams(profile='cpu')), or re-run the paper's summary notebook at cpu"


def test_training_time_counts_the_papers_own_recipes_only() -> None:
    """UDVD's summary counts SRMD and SRMDNF but not DASR's SRMDNF* (``srmdnf_dasr``), whose name starts the same way."""
    from dynsr.experiments.common import training_time

    _, udvd = training_time("cpu", PAPERS["udvd"].recipes)
    _, dasr = training_time("cpu", PAPERS["dasr"].recipes)
    udvd_files, dasr_files = {line.split()[0] for line in udvd}, {line.split()[0] for line in dasr}
    assert {"srmd_x2", "srmdnf_x4", "udvd_x3_seed1", "udvdnf_x2"} <= udvd_files and not any(name.startswith("srmdnf_dasr") for name in udvd_files)
    assert {"srmdnf_dasr_x4", "srmdnf_dasr_x4_seed1", "dasr_x4"} <= dasr_files and not udvd_files & dasr_files
