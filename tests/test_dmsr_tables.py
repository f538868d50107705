"""DMSR Tables 1-4 (notebooks dmsr/02-04): the transcription, the layout of the written tables, the claim verdicts and the
summary. Layouts and verdicts are built from synthetic per-seed scores (no training); one ablation runs end to end at the
smoke profile on a tiny budget, Table 1 end to end is ``slow``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dynsr.claims import BELOW_BICUBIC, paired_claim, with_resolution
from dynsr.experiments.common import SeededParams
from dynsr.papers import PAPERS
from dynsr.papers.dmsr import published, summary, table1, tables
from dynsr.papers.dmsr.figures import ABLATION_GAPS, TABLE1_GAP
from dynsr.papers.dmsr.recipes import CPU_RUNS, DMSR_VALIDATION, RECIPES
from dynsr.papers.dmsr.settings import dmsr_table1
from dynsr.results import Source, Verdict, read_table_file, write_table

_SETS = ("Set5", "Set14", "BSD100")


# --- transcription ---------------------------------------------------------------------------------------------

def test_table1_transcription_covers_every_cell_of_the_settings() -> None:
    values = published.table1()
    counts = Counter(value.method for value in values)
    assert counts == {"ZSSR": 126, "IKC": 126, "SFM": 126, "IKC-vn": 108, "SFM-vn": 108, "DMSR": 108, "DMSR-nf": 18}  # x (PSNR, SSIM)
    cells = {(s.dataset, s.degradation.scale, s.label) for s in dmsr_table1()}
    assert len(cells) == 63 and {(v.dataset, v.scale, v.setting) for v in values} == cells
    psnr = {(v.method, v.dataset, v.scale, v.setting, v.metric): v.value for v in values}
    assert psnr[("DMSR", "Set5", 4, "x4 width 2.6 noise 50", "PSNR")] == 24.21 and psnr[("DMSR", "Set5", 4, "x4 width 2.6 noise 50", "SSIM")] == 0.6967
    assert psnr[("DMSR-nf", "BSD100", 4, "x4 width 0.2 noise 0", "PSNR")] == 27.65
    assert psnr[("IKC", "Set14", 4, "x4 width 1.3 noise 50", "PSNR")] == 12.52


@pytest.mark.parametrize(("name", "full_model", "cell"), [
    ("table2", "DR + DC (LR) + DC (KN)", "x4 width 1.3 noise 50"),
    ("table3", "MNM-map + MBM", "x2 width 2.6 noise 15"),
    ("table4", "1 MBM", "x3 width 1.3 noise 50"),
])
def test_each_ablation_is_a_set5_cell_whose_full_model_row_is_table1s(name: str, full_model: str, cell: str) -> None:
    """The paper does not name the ablations' set: the full model's row equals Table 1's DMSR Set5 cell (docs M23)."""
    setting, = tables.SETTINGS[name]()
    assert (setting.dataset, setting.label) == ("Set5", cell)
    scale = setting.degradation.scale
    assert DMSR_VALIDATION[scale] == (setting.degradation.kernel.sigma, setting.degradation.noise)  # validated where scored
    row = published.ABLATIONS[name].row(full_model)
    table1_cell = {v.metric: v.value for v in published.table1("DMSR") if v.dataset == "Set5" and v.setting == cell}
    assert row.recipe == "dmsr" and (row.psnr, row.ssim) == (table1_cell["PSNR"], table1_cell["SSIM"])
    runs = {(recipe, run_scale): seeds for recipe, run_scale, seeds in CPU_RUNS}
    assert all(r.recipe in RECIPES and runs[(r.recipe, scale)] == (0, 1) for r in published.ABLATIONS[name].rows)


def test_table1_runs_two_seeds_of_both_models_at_every_scale_as_the_notebook_defaults() -> None:
    runs = {(recipe, scale): seeds for recipe, scale, seeds in CPU_RUNS}
    assert all(runs[(recipe, scale)] == SeededParams().seeds for recipe in published.TABLE1_TRAINED.values() for scale in (2, 3, 4))


def test_the_paper_spec_registers_the_tables_and_their_figures() -> None:
    spec = PAPERS["dmsr"]
    assert set(spec.test_tables) == {"dmsr_table1", "dmsr_table2", "dmsr_table3", "dmsr_table4"}
    assert spec.table_figures == "dynsr.papers.dmsr.figures" and spec.main_recipe == "dmsr"
    from dynsr.papers.dmsr.figures import TABLE_FIGURES
    assert [figure.table for figure in TABLE_FIGURES] == [*(f"dmsr/tables/table{n}" for n in (1, 2, 3, 4)), "dmsr/tables/heatmap"]


# --- Table 1 from synthetic scores --------------------------------------------------------------------------------

def _psnr_table1(method: str, seed: int, scale: int, noise: float) -> float:
    """×2: DMSR-nf collapses under noise (the claims hold); ×3: DMSR-nf below bicubic noise-free (not informative);
    ×4: the seeds disagree on the sign."""
    dmsr = 30.0 - noise / 10 + 0.01 * seed
    if method == "DMSR":
        return dmsr
    if noise == 0:
        return 24.0 if scale == 3 else 31.0
    if scale == 4:
        return dmsr + (1.0 if seed == 0 else -1.0)
    return {15.0: 20.0, 50.0: 10.0}[noise] + 0.01 * seed


def _per_seed_table1() -> pd.DataFrame:
    rows = []
    for method, recipe in published.TABLE1_TRAINED.items():
        for scale in (2, 3, 4):
            for seed in (0, 1):
                for s in table1.scored_settings(recipe, scale):
                    noise = s.degradation.noise
                    rows.append({"method": method, "recipe": recipe, "seed": seed, "dataset": s.dataset, "scale": scale, "degradation": s.label,
                                 "kernel_width": s.degradation.kernel.sigma, "noise": noise, "PSNR": _psnr_table1(method, seed, scale, noise),
                                 "SSIM": 0.5 + 0.001 * seed, "n_images": 2, "noise_seed": 0, "steps": 4, "parameters": 8_000_000,
                                 "train_seconds": 1.0, "threads": 1})
    return pd.DataFrame(rows)


def _bicubic(settings) -> pd.DataFrame:
    return pd.DataFrame([{"paper": "DMSR", "table": s.table, "dataset": s.dataset, "setting": s.label, "scale": s.degradation.scale,
                          "kernel_width": s.degradation.kernel.sigma, "noise": s.degradation.noise, "noise_seed": 0, "gray_scoring": s.gray_scoring,
                          "PSNR": 25.0 if s.degradation.noise == 0 else 20.0, "SSIM": 0.4, "n_images": 2} for s in settings])


def test_table1_layout_trained_quoted_and_bicubic_rows() -> None:
    per_seed = _per_seed_table1()
    table = table1.build_table(per_seed, _bicubic(dmsr_table1()), "smoke")
    sizes = table.groupby(["method", "source"]).size().to_dict()
    assert sizes == {("DMSR", Source.TRAINED): 126, ("DMSR-nf", Source.TRAINED): 54, ("Bicubic", Source.COMPUTED): 126,
                     ("ZSSR", Source.QUOTED): 126, ("IKC", Source.QUOTED): 126, ("SFM", Source.QUOTED): 126, ("IKC-vn", Source.QUOTED): 108,
                     ("SFM-vn", Source.QUOTED): 108}
    quoted = table[table["source"] == Source.QUOTED]
    assert quoted["ours"].isna().all() and quoted["paper"].notna().all() and (quoted["steps"] == 0).all()
    trained = table[table["source"] == Source.TRAINED]
    assert np.allclose(trained["gap"].dropna(), (trained["ours"] - trained["paper"]).dropna())
    assert set(trained["seeds"].map(tuple)) == {(0, 1)} and set(trained["steps"]) == {4}
    control = trained[(trained["method"] == "DMSR-nf") & (trained["degradation"].str.endswith("noise 15") | trained["degradation"].str.endswith("noise 50"))]
    assert len(control) == 36 and set(control["dataset"]) == {"Set5"} and control["paper"].isna().all()  # the control: no published cell
    cell = trained[(trained["method"] == "DMSR") & (trained["dataset"] == "Set14") & (trained["degradation"] == "x3 width 1.3 noise 50")
                   & (trained["metric"] == "PSNR")].iloc[0]
    assert cell["ours"] == pytest.approx(25.005) and cell["ours_per_seed"] == "25.0000/25.0100" and cell["seed_spread"] == pytest.approx(0.01)
    assert cell["paper"] == 24.76 and cell["gap"] == pytest.approx(25.005 - 24.76) and cell["degradation_block"] == "[1.3, 50]"
    paper_psnr = table1.wide(table, value="paper")
    assert list(paper_psnr.columns) == list(published.TABLE1_COLUMNS)
    assert paper_psnr.loc[("[2.6, 50]", "DMSR"), ("Set5", 4)] == 24.21 and ("[0.2, 0]", "IKC-vn") not in paper_psnr.index
    assert TABLE1_GAP.draw(table, "smoke").axes  # the figure drawn from the written table alone
    assert list(dict.fromkeys(paper_psnr.index.get_level_values("degradation_block"))) == ["[0.2, 15]", "[1.3, 15]", "[2.6, 15]", "[0.2, 50]", "[1.3, 50]", "[2.6, 50]", "[0.2, 0]"]


def test_table1_claims_verdicts_follow_the_control() -> None:
    claims = table1.build_claims(_per_seed_table1(), _bicubic(dmsr_table1()), "smoke")
    best = claims.iloc[0]
    assert best["verdict"] == Verdict.NOT_CHECKABLE and best["paper"] == 63 and np.isnan(best["ours"]) and best["source"] == Source.QUOTED
    verdicts = {(row.scale, row.degradation): row.verdict for row in claims.iloc[1:].itertuples()}
    assert len(verdicts) == 9  # per scale: σ_n 15, σ_n 50 and the growth
    assert {v for (scale, _), v in verdicts.items() if scale == 2} == {Verdict.HOLDS}
    assert {v for (scale, _), v in verdicts.items() if scale == 3} == {Verdict.NOT_INFORMATIVE}
    assert {v for (scale, _), v in verdicts.items() if scale == 4} == {Verdict.SEEDS_DISAGREE}
    x2 = claims[(claims["scale"] == 2) & (claims["degradation"] == "x2 noise 15 (mean over widths)")].iloc[0]
    assert x2["ours_mean_difference"] == pytest.approx(28.505 - 20.005) and x2["paper_difference"] == pytest.approx(
        (x2["paper_difference_ikc"] + x2["paper_difference_sfm"]) / 2, abs=1e-4)
    values = {(v.method, v.setting): v.value for v in published.table1() if v.dataset == "Set5" and v.scale == 2 and v.metric == "PSNR"}
    expected = np.mean([values[("IKC-vn", f"x2 width {w:g} noise 15")] - values[("IKC", f"x2 width {w:g} noise 15")] for w in (0.2, 1.3, 2.6)])
    assert x2["paper_difference_ikc"] == pytest.approx(expected)
    x3 = claims[claims["scale"] == 3].iloc[0]
    assert x3["reason"] == f"{BELOW_BICUBIC} on its noise-free cell" and x3["seed_verdict"] == Verdict.HOLDS  # the seeds alone would hold
    assert x3["control_noise_free"] == 24.0 and x3["bicubic_noise_free"] == 25.0


# --- Tables 2-4 from synthetic scores ----------------------------------------------------------------------------

def _per_seed_ablation(name: str, scores: dict[str, tuple[float, float]], parameters: dict[str, int]) -> pd.DataFrame:
    setting, = tables.SETTINGS[name]()
    return pd.DataFrame([{"method": row.label, "recipe": row.recipe, "seed": seed, "dataset": "Set5", "scale": setting.degradation.scale,
                          "degradation": setting.label, "PSNR": scores[row.label][seed], "SSIM": 0.5, "n_images": 2, "noise_seed": 0, "steps": 4,
                          "parameters": parameters.get(row.label, 1_000_000), "train_seconds": 1.0, "threads": 1}
                         for row in published.ABLATIONS[name].rows for seed in (0, 1)])


def test_ablation_layout() -> None:
    scores = {"MNM-σ": (27.0, 27.1), "MNM-σ + MBM": (27.9, 28.45), "MNM-map": (28.0, 28.1), "MNM-map + MBM": (27.0, 27.05)}
    per_seed = _per_seed_ablation("table3", scores, {})
    table = tables.build_table(published.ABLATIONS["table3"], per_seed, _bicubic(tables.SETTINGS["table3"]()), "smoke")
    assert list(table["method"]) == [label for label in scores for _ in (0, 1)] + ["Bicubic", "Bicubic"]
    assert list(table["metric"]) == ["PSNR", "SSIM"] * 5
    trained = table[table["source"] == Source.TRAINED]
    assert np.allclose(trained["gap"], trained["ours"] - trained["paper"]) and set(trained["seeds"].map(tuple)) == {(0, 1)}
    assert list(trained[trained["metric"] == "PSNR"]["paper"]) == [28.61, 28.70, 28.72, 28.81]
    assert trained.iloc[2]["ours_per_seed"] == "27.9000/28.4500" and trained.iloc[2]["seed_spread"] == pytest.approx(0.55)
    assert ABLATION_GAPS["table3"].draw(table, "smoke").axes
    bicubic = table[table["method"] == "Bicubic"]
    assert bicubic["paper"].isna().all() and set(bicubic["source"]) == {Source.COMPUTED} and list(bicubic["ours"]) == [20.0, 0.4]


def test_ablation_claims_verdicts() -> None:
    """Table 3: holds, does not hold (twice), confounded by size; Table 4: within the spread, not informative; the reason says
    where the paper's difference is within our seed spread."""
    scores = {"MNM-σ": (27.0, 27.1), "MNM-σ + MBM": (27.9, 28.45), "MNM-map": (28.0, 28.1), "MNM-map + MBM": (27.0, 27.05)}
    sizes = {"MNM-σ + MBM": 1_100_000, "MNM-map + MBM": 1_100_000}
    claims = tables.build_claims(published.ABLATIONS["table3"], _per_seed_ablation("table3", scores, sizes), 20.0, "smoke")
    assert list(claims["verdict"]) == [Verdict.HOLDS, Verdict.DOES_NOT_HOLD, Verdict.CONFOUNDED_BY_SIZE, Verdict.DOES_NOT_HOLD]
    assert list(claims["paper_difference"]) == pytest.approx([0.11, 0.11, 0.09, 0.09])
    assert claims.iloc[2]["seed_verdict"] == Verdict.HOLDS and list(claims["better_parameters"]) == [1_000_000, 1_100_000, 1_100_000, 1_100_000]
    assert claims.iloc[0]["reason"] == "" and "within our seed spread (0.55)" in claims.iloc[1]["reason"]
    assert set(claims["bicubic"]) == {20.0} and set(claims["paper_claim"]) == {tables.GAIN}
    scores4 = {"1 MBM": (25.0, 25.5), "2 MBMs": (25.05, 25.52), "3 MBMs": (24.0, 24.1)}
    claims4 = tables.build_claims(published.ABLATIONS["table4"], _per_seed_ablation("table4", scores4, {}), 24.5, "smoke")
    assert list(claims4["verdict"]) == [Verdict.WITHIN_SPREAD, Verdict.NOT_INFORMATIVE] and set(claims4["paper_claim"]) == {tables.NO_GAIN}
    assert claims4.iloc[0]["reason"] == "the paper's difference (+0.01) is within our seed spread (0.50): below what 2 seeds resolve"
    assert claims4.iloc[1]["reason"].startswith(BELOW_BICUBIC + "; the paper's difference (+0.01)")


def test_with_resolution_only_speaks_where_the_seeds_cannot_resolve_the_paper() -> None:
    small = paired_claim("a > b", {0: 1.0, 1: 2.0}, {0: 0.0, 1: 1.5}, paper_difference=0.5)
    assert with_resolution(small).reason.endswith("below what 2 seeds resolve") and with_resolution(small).verdict == small.verdict
    assert small.seed_spread == 1.5  # the larger side's range
    at_spread = paired_claim("a > b", {0: 1.0, 1: 2.0}, {0: 0.0, 1: 1.5}, paper_difference=1.5)
    assert "within our seed spread (1.50)" in with_resolution(at_spread).reason
    large = paired_claim("a > b", {0: 1.0, 1: 2.0}, {0: 0.0, 1: 1.5}, paper_difference=1.51)
    one_seed = paired_claim("a > b", {0: 1.0}, {0: 0.0}, paper_difference=0.01)
    qualitative = paired_claim("a > b", {0: 1.0, 1: 2.0}, {0: 0.0, 1: 1.5}, paper_difference=None)
    assert all(with_resolution(claim) is claim for claim in (large, one_seed, qualitative))


def test_the_summary_reads_table1_and_its_claims(smoke_results: Path) -> None:
    per_seed, bicubic = _per_seed_table1(), _bicubic(dmsr_table1())
    write_table(table1.build_table(per_seed, bicubic, "smoke"), "dmsr/tables/table1", profile="smoke")
    write_table(table1.build_claims(per_seed, bicubic, "smoke"), "dmsr/tables/table1_claims", profile="smoke")
    text = summary.summary_text("smoke")
    assert "  - DMSR-nf PSNR: mean gap" in text and "over 9 cells; steps 4; seeds 0,1; images per set 2" in text
    assert "Verdicts: holds: 3, not informative: 3, inconclusive: seeds disagree: 3." in text
    assert ("| trained without noise, a network falls behind under noise: DMSR > DMSR-nf [σ_n=15, x2] | +4.257 | +8.500 | +8.500 | +8.500 | "
            "0.010 | 0,1 | 8,000,000 / 8,000,000 | **holds** |") in text
    assert ("- DMSR (DMSR-nf noise-free) has the best PSNR of every method in every cell: **not checkable: the other methods are quoted, "
            "not run here**") in text
    assert "- Quoted from the paper, not run here: IKC, IKC-vn, SFM, SFM-vn, ZSSR." in text
    assert "- Table 2 (the extractor's losses, Set5 ×4): claims not generated yet" in text


# --- end to end at the smoke profile -----------------------------------------------------------------------------

@pytest.fixture()
def smoke_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("DYNSR_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "results" / "smoke"


def test_table4_at_smoke_on_one_seed_writes_its_tables_and_the_summary_reads_them(smoke_results: Path) -> None:
    outputs = tables.run(SeededParams(seeds=(0,)), "table4")
    written = read_table_file(smoke_results / "dmsr" / "tables" / "table4.csv")
    assert list(written["method"]) == ["1 MBM", "1 MBM", "2 MBMs", "2 MBMs", "3 MBMs", "3 MBMs", "Bicubic", "Bicubic"]
    assert set(written.loc[written["source"] == Source.TRAINED, "steps"]) == {4} and (written["n_images"] == 2).all()
    claims = read_table_file(smoke_results / "dmsr" / "tables" / "table4_claims.csv")
    assert len(claims) == 2 and set(claims["verdict"]) <= {Verdict.NOT_CHECKABLE, Verdict.NOT_INFORMATIVE}  # one seed (or below bicubic)
    assert all(path.is_file() for path in outputs.figures)
    text = summary.summary_text("smoke")
    assert "- Table 4 (the number of MBMs, Set5 ×3): `tables/table4.csv`" in text
    assert "- Table 1 (multiple degradations, Set5 / Set14 / B100, ×2-×4): not generated yet" in text
    assert "### Table 4 (the number of MBMs, Set5 ×3)" in text and "more MBMs bring no obvious gain: 2 MBMs vs 1 MBM" in text
