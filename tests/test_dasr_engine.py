"""DASR experiments (notebooks 12-19): the published Tables 1-3 as transcribed, DASR's test harness, parameter counts,
the representation probes, and every experiment function run end to end on the ``smoke`` profile with tiny stand-in
models (so that the layouts, REQUIRED_COLUMNS, gap = ours − paper, quoted rows and claim rows are checked in seconds)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch

from dynsr.claims import ONE_SEED, paired_claim
from dynsr.papers.dasr import settings as dasr_settings
from dynsr.papers.dasr.settings import DASR_TABLE3_KERNELS
from dynsr.papers.dasr import common as dasr_common
from dynsr.papers.dasr import figures as dasr_figures
from dynsr.papers.dasr import summary as dasr_summary
from dynsr.papers.dasr import table1 as dasr_table1
from dynsr.papers.dasr import tables as dasr_tables
from dynsr.experiments.scoring import TrainedModel
from dynsr.models import build_model
from dynsr.papers.dasr import published as paper
from dynsr.results import REQUIRED_COLUMNS, Source, Verdict
from dynsr.training.recipes import RECIPES, recipe



# --- the published tables ------------------------------------------------------------------------------------

def _cell(records, dataset: str, scale: int, setting: str) -> float:
    return next(r.value for r in records if (r.dataset, r.scale, r.setting) == (dataset, scale, setting))


def test_spot_checks_against_the_paper() -> None:
    """Cells copied by hand from the paper's Tables 1-3 (independent of the module's literals)."""
    t1 = {m: paper.table1(m) for m in paper.TABLE1}
    assert _cell(t1["Model 4"], "Set14", 4, "σ=3.4") == 27.58 and _cell(t1["Model 1"], "Set14", 4, "σ=2.6") == 27.77
    assert _cell(t1["Model 5"], "Set14", 4, "σ=1.8") == 28.69 and _cell(t1["SRMDNF + KernelGAN"], "Set14", 4, "σ=2.6") == 26.88
    assert _cell(t1["SRMDNF*"], "Set14", 4, "σ=0.2") == 28.44 and paper.TABLE1["Model 2"][1] == "51ms"
    assert paper.TABLE1["Model 5"][0] == ("-", "✓", "✓", "✓", "✓") and paper.TABLE1["Model 3"][0][3] == "✗"
    assert _cell(paper.table2("RCAN"), "Set5", 2, "σ=1.8") == 28.50 and _cell(paper.table2("DASR"), "Set5", 2, "σ=1.8") == 35.43
    assert _cell(paper.table2("MZSR + Predictor"), "Urban100", 2, "σ=1.8") == 26.39
    assert _cell(paper.table2("SRMDNF + Predictor"), "BSD100", 3, "σ=1.6") == 28.11
    assert _cell(paper.table2("IKC"), "Set14", 4, "σ=1.2") == 28.45 == _cell(paper.table2("DASR"), "Set14", 4, "σ=1.2")  # a tie in the paper
    assert _cell(paper.table2("DASR"), "Urban100", 4, "σ=3.6") == 24.66 and _cell(paper.table2("Bicubic"), "Urban100", 4, "σ=3.6") == 20.65
    t3 = {m: paper.table3(m) for m in paper.TABLE3}
    assert _cell(t3["DASR"], "Set14", 4, "K9 noise 10") == 24.43 and _cell(t3["DnCNN + IKC"], "Set14", 4, "K1 noise 0") == 27.71
    assert _cell(t3["DnCNN + SRMDNF + Predictor"], "Set14", 4, "K6 noise 0") == 24.98 and _cell(t3["DnCNN + RCAN"], "Set14", 4, "K5 noise 5") == 24.14
    assert paper.TABLE2_TIMES_MS["IKC"] == {4: 517} and paper.TABLE3_TIMES_MS["DnCNN + IKC"] == 520 and paper.DASR_TIME_MS[4] == 70


def test_differences_worked_out_by_hand_follow_from_the_transcription() -> None:
    """Differences worked out by hand from the printed tables (Table 1 claims, Table 3 DASR − IKC)."""
    values = {m: np.array(v) for m, (_, _, v) in paper.TABLE1.items()}
    np.testing.assert_allclose(values["Model 4"] - values["Model 1"], [0.04, 0.05, 0.10, 0.39, 0.79], atol=1e-9)
    np.testing.assert_allclose(values["Model 4"] - values["Model 2"], [0.01, 0.07, 0.41, 0.62, 0.86], atol=1e-9)
    np.testing.assert_allclose(values["Model 5"] - values["Model 4"], [0.10, 0.22, 0.29, 0.32, 0.32], atol=1e-9)
    np.testing.assert_allclose(values["SRMDNF*"] - values["SRMDNF + Predictor"], [2.31, 2.35, 2.30, 2.11, 1.37], atol=1e-9)
    difference = np.array(paper.TABLE3["DASR"][5.0]) - np.array(paper.TABLE3["DnCNN + IKC"][5.0])
    np.testing.assert_allclose(difference, [0.34, 0.38, 1.50, 1.63, 1.53, 1.56, 1.79, 1.99, 1.98], atol=1e-9)


def test_published_labels_match_the_test_settings_and_recipes() -> None:
    assert {r.setting for r in paper.table1("Model 4")} == {s.label for s in dasr_settings.dasr_table1()}
    assert {r.setting for r in paper.table3("DASR")} == {s.label for s in dasr_settings.dasr_table3()}
    cells = {(s.dataset, s.degradation.scale, s.label) for s in dasr_settings.dasr_table2()}
    for method in paper.TABLE2_METHODS:
        records = paper.table2(method)
        assert {(r.dataset, r.scale, r.setting) for r in records} <= cells and all(r.metric == "PSNR" for r in records)
    counts = {method: len(paper.table2(method)) for method in paper.TABLE2_METHODS}
    assert counts == {"Bicubic": 48, "RCAN": 48, "SRMDNF + Predictor": 48, "MZSR + Predictor": 16, "IKC": 16, "DASR": 48}
    assert {r.scale for r in paper.table2("IKC")} == {4} and {r.scale for r in paper.table2("MZSR + Predictor")} == {2}
    assert paper.table2_bicubic() == paper.table2("Bicubic")
    assert set(paper.TABLE1_RECIPES.values()) <= set(RECIPES) and recipe(paper.TABLE1_RECIPES["Model 5"], "smoke", scale=4).model == "dasr_oracle"
    with pytest.raises(KeyError, match="rows: SRMDNF"):
        paper.table1("Model 6")


# --- harness, sizes, probes -------------------------------------------------------------------------------------

def test_dasr_setting_is_the_harness_of_the_tables() -> None:
    assert dasr_common.dasr_setting("Set14", 4, dasr_common.iso_kernel(1.0), 0.0, label="σ=1", table="Table 1").degradation == dasr_settings.dasr_table1()[1].degradation
    k1_noise5 = next(s for s in dasr_settings.dasr_table3() if s.label == "K1 noise 5")
    assert dasr_common.dasr_setting("Set14", 4, dasr_common.table3_kernel(1), 5.0, label="", table="").degradation == k1_noise5.degradation
    assert dasr_common.iso_kernel(0.0) is None and dasr_common.table3_kernel(9).build().shape == (21, 21)
    with pytest.raises(ValueError, match="K1-K9"):
        dasr_common.table3_kernel(10)
    assert len(DASR_TABLE3_KERNELS) == 9 and "UNVERIFIED" in dasr_common.KERNEL_PROVENANCE


def test_paper_parameter_count_excludes_the_projection_head() -> None:
    model = build_model("dasr", scale=4, projection_head=True)
    assert model.paper_parameter_count() == 5_837_699 and sum(p.numel() for p in model.parameters()) == 5_969_283
    oracle = build_model("dasr_oracle", scale=4)
    assert oracle.paper_parameter_count() == sum(p.numel() for p in oracle.parameters())


def test_probes_of_a_perfectly_separable_representation_are_one() -> None:
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(4), 6)  # 4 classes x 6 images
    groups = np.tile(np.arange(6), 4)
    features = np.eye(4)[labels] * 10 + rng.normal(0, 0.01, (24, 4))
    probe = dasr_common.probe_accuracy(features, labels, groups)
    assert probe.knn_accuracy == 1.0 and probe.linear_accuracy == 1.0
    assert probe.chance == 0.25 and (probe.n_samples, probe.n_classes, probe.neighbours, probe.folds) == (24, 4, 5, 5)
    assert dasr_common.probe_accuracy(features, labels).linear_accuracy == 1.0  # stratified folds without groups


def test_probes_of_content_only_features_are_not_above_chance() -> None:
    """Features that identify the image, not the class: the kNN neighbour is the same image under another class."""
    labels = np.repeat(np.arange(3), 5)
    groups = np.tile(np.arange(5), 3)
    features = np.eye(5)[groups] * 10 + np.random.default_rng(1).normal(0, 0.01, (15, 5))
    probe = dasr_common.probe_accuracy(features, labels, groups, neighbours=1)
    assert probe.knn_accuracy == 0.0 and probe.linear_accuracy <= 1 / 3 + 1e-9 and probe.chance == pytest.approx(1 / 3)
    assert probe.same_image_rate == 1.0 and probe.same_image_chance == pytest.approx(2 / 14)  # 2 other samples per image of 14 others


def test_same_image_rate_of_degradation_only_features_is_zero() -> None:
    """Features that identify the class, not the image: no nearest neighbour is the same image; groups of unequal size."""
    labels, groups = np.array([0, 0, 1, 1, 1]), np.array([0, 1, 0, 1, 2])
    features = np.eye(2)[labels] * 10 + np.random.default_rng(2).normal(0, 0.01, (5, 2))
    rate, chance = dasr_common.same_group_neighbour_rate(features, groups)
    assert rate == 0.0 and chance == pytest.approx((1 / 4 * 4 + 0) / 5)  # groups 0 and 1 hold 2 samples, group 2 one
    assert np.isnan(dasr_common.probe_accuracy(features, labels).same_image_rate)  # no groups, no rate


def test_probe_k_is_capped_and_bad_inputs_are_errors() -> None:
    labels, groups = np.repeat([0, 1], 2), np.tile([0, 1], 2)
    features = np.array([[0.0], [0.1], [5.0], [5.1]])
    probe = dasr_common.probe_accuracy(features, labels, groups)
    assert probe.neighbours == 1 and probe.folds == 2 and probe.knn_accuracy == 1.0
    with pytest.raises(ValueError, match="at least 2 classes"):
        dasr_common.probe_accuracy(features, [0, 0, 0, 0])
    with pytest.raises(ValueError, match="at least 2 images"):
        dasr_common.probe_accuracy(features, labels, [0, 0, 0, 0])
    with pytest.raises(ValueError, match="features"):
        dasr_common.probe_accuracy(features[:3], labels)


def test_tsne_embedding_is_seeded_and_two_dimensional() -> None:
    features = np.random.default_rng(0).normal(size=(10, 8))
    first, second = dasr_common.tsne_embedding(features), dasr_common.tsne_embedding(features)
    assert first.shape == (10, 2) and np.array_equal(first, second)


def test_qualitative_claims_take_no_paper_difference() -> None:
    claim = paired_claim("a > b", {0: 0.9, 1: 0.8}, {0: 0.3, 1: 0.35}, paper_difference=None)
    assert claim.verdict == Verdict.HOLDS and np.isnan(claim.paper_difference) and claim.ours_mean_difference == pytest.approx(0.525)
    with pytest.raises(ValueError, match="must be positive"):
        paired_claim("a > b", {0: 1.0}, {0: 0.0}, paper_difference=-0.1)


def test_representations_are_indexed_by_setting_then_image() -> None:
    calls = []

    class Recorder(torch.nn.Module):
        def degradation_representation(self, lr: torch.Tensor) -> torch.Tensor:
            calls.append(tuple(lr.shape))
            return torch.full((1, 256), float(len(calls)))

    from dynsr.profiles import get_profile

    images = dasr_common.profile_images("Set5", get_profile("smoke"))
    settings = [dasr_common.dasr_setting("Set5", 4, dasr_common.iso_kernel(w), 0.0, label=f"σ={w:g}", table="t") for w in (0.5, 2.0, 3.5)]
    features, index = dasr_common.representations(Recorder(), images, settings)
    assert features.shape == (6, 256) and features[:, 0].tolist() == [1, 2, 3, 4, 5, 6]
    assert index["setting_index"].tolist() == [0, 0, 1, 1, 2, 2] and index["image_index"].tolist() == [0, 1] * 3
    assert calls[0] == (1, 3, 24, 24)  # the smoke profile's 96x96 crops at x4


# --- every experiment on the smoke profile with tiny stand-in models ------------------------------------------------

_REGISTRY_MODEL = {"dasr": "dasr", "dasr_model1": "dasr", "dasr_aniso": "dasr", "dasr_concat": "dasr_concat",
                   "dasr_no_modulation": "dasr_no_modulation", "dasr_oracle": "dasr_oracle", "dasr_bicubic": "dasr"}


def _tiny(recipe_name: str, params: Any, *, scale: int, seed: int = 0) -> TrainedModel:
    torch.manual_seed(1000 * seed + len(recipe_name))
    if recipe_name == "srmdnf_dasr":
        model = build_model("srmdnf", scale=scale, pca_dim=10, pca_basis="ikc_dan", channels=8, num_layers=3).eval()
    else:
        model = build_model(_REGISTRY_MODEL[recipe_name], scale=scale, channels=8, groups=1, blocks=1, code_channels=8).eval()
    log = [{"step": 2, "loss": 0.5, "learning_rate": 1e-4, "seconds": 0.1, "val_psnr": None}, {"step": 4, "loss": 0.4, "learning_rate": 1e-4, "seconds": 0.2, "val_psnr": 12.0}]
    return TrainedModel(recipe_name, scale, seed, model, {"steps": 4, "train_seconds": 0.2, "threads": 1, "log": log})


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run notebooks 12-19's functions once, on the smoke profile, in a temporary results folder."""
    root = tmp_path_factory.mktemp("dasr")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DYNSR_RESULTS_DIR", str(root / "results"))
        patch.setenv("DYNSR_CACHE_DIR", str(root / "cache"))
        for module in (dasr_tables, dasr_table1, dasr_figures):
            patch.setattr(module, "trained_model", _tiny)
        outputs = {
            "table2": dasr_tables.run_table2(dasr_tables.Table2Params(scales=(4,), datasets=("Set5",))),
            "table3": dasr_tables.run_table3(dasr_common.Params()),
            "table1": dasr_table1.run(dasr_table1.Table1Params()),
            "representations": dasr_figures.run_representations(dasr_figures.RepresentationParams()),
            "content": dasr_figures.run_content_invariance(dasr_figures.ContentParams(sources=3, widths=(1.2, 3.6))),
            "heatmap": dasr_figures.run_heatmap(dasr_figures.HeatmapParams(widths=(0.2, 2.0, 3.8), noises=(0.0, 10.0))),
            "visual": dasr_figures.run_visual(dasr_figures.VisualParams(fig5_images=("img_011",))),
        }
        outputs["summary"] = dasr_summary.run(dasr_summary.SummaryParams())
        outputs["root"] = root / "results" / "smoke" / "dasr"
        yield outputs


def _check_results_table(table: pd.DataFrame) -> None:
    assert list(table.columns[:len(REQUIRED_COLUMNS)]) == list(REQUIRED_COLUMNS)
    assert table["source"].map(lambda source: isinstance(source, Source)).all() and table["seeds"].map(lambda seeds: isinstance(seeds, tuple)).all()
    both = table.dropna(subset=["paper", "ours"])
    np.testing.assert_allclose(both["gap"], both["ours"] - both["paper"], atol=1e-12)
    assert table.loc[table["paper"].isna() | table["ours"].isna(), "gap"].isna().all()
    assert set(table["profile"]) == {"smoke"}


def test_table2_layout_gaps_quotes_and_claims(smoke: dict[str, Any]) -> None:
    outputs = smoke["table2"]
    table = outputs.table
    _check_results_table(table)
    assert table.groupby("method").size().to_dict() == {"Bicubic": 4, "DASR": 4, "IKC": 4, "RCAN": 4, "SRMDNF + Predictor": 4,
                                                         dasr_tables.CONTROL: 2}  # x4 only: no MZSR; the control at σ = 0 and 3.6
    quoted = table[table["source"] == Source.QUOTED]
    assert quoted["ours"].isna().all() and (quoted["steps"] == 0).all() and set(quoted["method"]) == {"IKC", "RCAN", "SRMDNF + Predictor"}
    assert quoted["noise_seed"].isna().all() and set(quoted["seeds"]) == {()} and (quoted["n_images"] == 0).all()
    dasr = table[table["method"] == "DASR"].set_index("degradation")
    assert (dasr["source"] == Source.TRAINED).all() and dasr.loc["σ=1.2", "paper"] == 31.92 and (dasr["steps"] == 4).all()
    assert set(dasr["seeds"]) == {(0,)} and (dasr["noise_seed"] == 0).all()
    bicubic = table[table["method"] == "Bicubic"]
    assert (bicubic["source"] == Source.COMPUTED).all() and set(bicubic["seeds"]) == {()} and (bicubic["noise_seed"] == 0).all()
    assert table[(table["method"] == "Bicubic") & (table["degradation"] == "σ=0")]["paper"].item() == 28.42
    assert dasr["time_ms_paper"].eq(70).all() and table[table["method"] == "IKC"]["time_ms_paper"].eq(517).all()
    control = table[table["method"] == dasr_tables.CONTROL].set_index("degradation")
    assert list(control.index) == ["σ=0", "σ=3.6"] and control["paper"].isna().all() and set(control["seeds"]) == {(0, 1)}
    control_seed0 = {setting: float(control.loc[setting, "ours_per_seed"].split("/")[0]) for setting in control.index}
    wide = dasr_tables.wide(table)
    assert list(wide.index) == [(4, "DASR"), (4, "Bicubic"), (4, dasr_tables.CONTROL)] and wide.columns.names == ["dataset", "degradation"] and wide.shape[1] == 4
    claims = outputs.claims.set_index("comparison")
    _check_results_table(outputs.claims)
    assert len(claims) == 4
    # paired by seed: the seed-0 difference uses the table's seed-0 DASR (the same stand-in model), the mean is over seeds 0 and 1
    for comparison, setting, sign, paper_difference in ((dasr_tables.CONTROL_BEST, "σ=0", 1, 32.63 - 31.99),
                                                        (dasr_tables.CONTROL_BEHIND, "σ=3.6", -1, 30.59 - 24.66)):
        row = claims.loc[comparison]
        assert row["paper"] == pytest.approx(paper_difference) and row["claim"].endswith("[Set5 x4]") and row["seeds"] == (0, 1)
        assert row["degradation"] == setting
        seed0 = sign * (control_seed0[setting] - dasr.loc[setting, "ours"])
        assert min(abs(seed0 - row["ours_min_difference"]), abs(seed0 - row["ours_max_difference"])) < 1e-3  # ours_per_seed has 4 decimals
        assert row["ours"] == pytest.approx((row["ours_min_difference"] + row["ours_max_difference"]) / 2)
        assert row["verdict"] in {Verdict.HOLDS, Verdict.DOES_NOT_HOLD, Verdict.SEEDS_DISAGREE, Verdict.WITHIN_SPREAD} and row["reason"] == ""
    collapse = claims.loc[dasr_tables.CONTROL_COLLAPSES]  # DASR's change − the control's = (DASR − control at σ max) − (DASR − control at σ 0), per seed
    assert collapse["paper"] == pytest.approx((30.59 - 31.99) - (24.66 - 32.63)) and collapse["degradation"] == "σ=0 → σ=3.6"
    best, behind = claims.loc[dasr_tables.CONTROL_BEST], claims.loc[dasr_tables.CONTROL_BEHIND]
    assert collapse["ours"] == pytest.approx(behind["ours"] + best["ours"])
    graceful = claims.loc[dasr_tables.GRACEFUL]
    assert graceful["paper"] == pytest.approx(30.59 - 31.99) and graceful["paper_rcan_change"] == pytest.approx(24.66 - 32.63)
    assert graceful["ours"] == pytest.approx(dasr.loc["σ=3.6", "ours"] - dasr.loc["σ=0", "ours"])
    assert (graceful["verdict"], graceful["reason"], graceful["method"]) == (Verdict.DESCRIPTIVE, dasr_tables.GRACEFUL_REASON, "DASR")
    assert (smoke["root"] / "tables" / "table2.csv").is_file() and all(path.is_file() for path in outputs.figures)


def test_table3_rows_kernels_and_claims(smoke: dict[str, Any]) -> None:
    outputs = smoke["table3"]
    _check_results_table(outputs.table)
    assert len(outputs.table) == 5 * 27 and sorted(outputs.table["kernel"].unique()) == list(range(1, 10))
    assert outputs.table[outputs.table["method"] == "Bicubic"]["paper"].isna().all()
    assert outputs.table[outputs.table["source"] == Source.QUOTED]["ours"].isna().all()
    record = json.loads((smoke["root"] / "tables" / "table3_kernels.json").read_text(encoding="utf-8"))
    assert [k["kernel"] for k in record["kernels"]] == [f"K{n}" for n in range(1, 10)] and "UNVERIFIED" in record["provenance"]
    assert record["kernels"][5] == {"kernel": "K6", "lambda1": 4.0, "lambda2": 1.5, "theta_degrees": 120.0}
    ikc = outputs.claims.iloc[0]
    assert ikc["paper"] == 27 and np.isnan(ikc["ours"]) and ikc["source"] == Source.QUOTED  # the paper: DASR > IKC in all 27 cells
    assert (ikc["verdict"], ikc["reason"], ikc["steps"], ikc["seeds"]) == (Verdict.NOT_CHECKABLE, dasr_tables.IKC_NOT_RUN, 0, ())
    _check_results_table(outputs.claims)
    metadata = json.loads((smoke["root"] / "tables" / "table3.json").read_text(encoding="utf-8"))["metadata"]
    assert "UNVERIFIED" in metadata["kernels"]


def test_table1_seeds_quotes_and_verdicts(smoke: dict[str, Any]) -> None:
    outputs = smoke["table1"]
    table = outputs.table
    _check_results_table(table)
    assert list(table["method"].unique()) == list(paper.TABLE1) and len(table) == 8 * 5
    srmdnf = table[table["method"].str.startswith("SRMDNF +")]
    assert (srmdnf["source"] == Source.QUOTED).all() and srmdnf["ours"].isna().all() and srmdnf["note"].str.contains("not run here").all()
    oracle = table[table["method"] == "SRMDNF*"]
    assert (oracle["source"] == Source.TRAINED).all() and (oracle["recipe"] == "srmdnf_dasr").all() and oracle["ours"].notna().all()
    assert set(oracle["seeds"]) == {(0, 1)} and oracle["paper"].tolist() == [28.44, 28.50, 28.49, 28.31, 27.55]
    model4 = table[(table["method"] == "Model 4") & (table["degradation"] == "σ=3.4")].iloc[0]
    runs = outputs.per_seed[(outputs.per_seed["method"] == "Model 4") & (outputs.per_seed["degradation"] == "σ=3.4")]
    assert model4["ours"] == pytest.approx(runs["PSNR"].mean()) and model4["seed_spread"] == pytest.approx(np.ptp(runs["PSNR"]))
    assert model4["seeds"] == (0, 1) and model4["paper"] == 27.58 and model4["recipe"] == "dasr"
    assert model4["representation learning"] == "✓" and table[table["method"] == "Model 1"]["representation learning"].eq("✗").all()
    claims = outputs.claims
    _check_results_table(claims)
    assert len(claims) == 5 * (5 + 2) and claims.groupby("degradation").size().eq(7).all()
    paired = claims[claims["reason"] != dasr_table1.SRMDNF_NOT_RUN]
    assert set(paired["verdict"]) <= {Verdict.HOLDS, Verdict.DOES_NOT_HOLD, Verdict.SEEDS_DISAGREE, Verdict.WITHIN_SPREAD, Verdict.NOT_INFORMATIVE,
                                      Verdict.CONFOUNDED_BY_SIZE}
    assert paired["bicubic"].notna().all() and (paired["better_parameters"] > 0).all() and (paired["worse_parameters"] > 0).all()
    large = paired[(paired["degradation"] == "σ=3.4") & paired["claim"].str.contains("Model 1")].iloc[0]
    assert large["paper_difference"] == 0.79 and large["seeds"] == (0, 1) and large["claim"] == large["comparison"] + " [σ=3.4]"
    assert large["method"] == "Model 4 − Model 1" and large["n_images"] == 2
    assert paired["comparison"].nunique() == len(dasr_table1.CLAIMS)
    unchecked = claims[claims["reason"] == dasr_table1.SRMDNF_NOT_RUN]
    assert len(unchecked) == 10 and (unchecked["verdict"] == Verdict.NOT_CHECKABLE).all() and unchecked["ours"].isna().all()
    oracles = paired[(paired["degradation"] == "σ=0.2") & paired["claim"].str.contains("SRMDNF")].iloc[0]
    model5 = outputs.per_seed[(outputs.per_seed["method"] == "Model 5") & (outputs.per_seed["degradation"] == "σ=0.2")].set_index("seed")["PSNR"]
    srmdnf_seeds = outputs.per_seed[(outputs.per_seed["method"] == "SRMDNF*") & (outputs.per_seed["degradation"] == "σ=0.2")].set_index("seed")["PSNR"]
    assert oracles["paper_difference"] == pytest.approx(0.16) and oracles["ours_mean_difference"] == pytest.approx((model5 - srmdnf_seeds).mean())


def test_representation_probes_and_claims(smoke: dict[str, Any]) -> None:
    outputs = smoke["representations"]
    probes = outputs.probes
    _check_results_table(probes)
    assert len(probes) == 2 * 2 * 3 + 2 * 3  # Fig. 3: 2 models x 2 seeds x 3 probes; Fig. 6: 2 parts x 3 probes
    accuracies, same_image = probes[probes["probe"] != "same-image"], probes[probes["probe"] == "same-image"]
    assert accuracies.groupby("figure")["chance"].first().to_dict() == {"Fig. 3": 0.2, "Fig. 6(a)": 0.25, "Fig. 6(b)": 0.25}
    chance = same_image.groupby("figure")["chance"].first()  # 2 images: 1 same-image sample among the others
    np.testing.assert_allclose(chance[["Fig. 3", "Fig. 6(a)", "Fig. 6(b)"]], [4 / 9, 3 / 7, 3 / 7])
    assert probes["ours"].between(0, 1).all() and probes["paper"].isna().all() and (probes["n_images"] == 2).all()
    fig3 = outputs.claims[outputs.claims["claim"].str.startswith("Fig. 3")]
    assert len(fig3) == 2 and fig3["paper_difference"].isna().all() and set(fig3["seeds"]) == {(0, 1)}
    fig6 = outputs.claims[~outputs.claims["claim"].str.startswith("Fig. 3")]
    assert (fig6["verdict"] == Verdict.NOT_CHECKABLE).all() and fig6["reason"].str.startswith(f"{ONE_SEED}; accuracy").all()
    _check_results_table(outputs.claims)
    assert [path.name for path in outputs.figures] == ["fig3_tsne.png", "fig6_tsne.png"]


def test_content_invariance_rows_and_own_representation(smoke: dict[str, Any]) -> None:
    from dynsr.degradations.testsets import cached_lr
    from dynsr.inference import model_upscaler
    from dynsr.metrics import psnr, to_uint8
    from dynsr.data.images import modcrop

    table, figures = smoke["content"]
    _check_results_table(table)
    same = table[table["representation"] == dasr_figures.SAME_SIGMA]
    assert len(same) == 2 * 3 and len(table) == 2 * 3 + 2 and same["source_index"].tolist() == [1, 2, 3] * 2
    assert (table["source"] == Source.TRAINED).all() and (table["n_images"] == 1).all()
    assert same["source_image"].iloc[:3].str.split("@").str[0].tolist() == ["zebra", "baboon", "barbara"]
    # source 1 at the same σ is the model's own blind output
    image = dasr_figures._load_named("Set14", "zebra", 96)
    setting = dasr_common.dasr_setting("Set14", 4, dasr_common.iso_kernel(1.2), 0.0, label="σ=1.2", table="Fig. 4")
    model = _tiny("dasr", None, scale=4).model
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DYNSR_CACHE_DIR", str(smoke["root"].parents[2] / "cache"))
        sr = model_upscaler(model)(cached_lr("Set14", image, setting.degradation).astype(np.float64), setting)
    own = psnr(to_uint8(sr), modcrop(image.pixels, 4), crop=4)
    assert same.iloc[0]["ours"] == pytest.approx(own, abs=1e-9)
    assert figures[0].is_file()


def test_heatmap_grid(smoke: dict[str, Any]) -> None:
    table, figures = smoke["heatmap"]
    _check_results_table(table)
    assert len(table) == 2 * 3 * 2 and set(table["method"]) == {"DASR (setting 2)", "Bicubic"}
    assert sorted(table["kernel_width"].unique()) == [0.2, 2.0, 3.8] and sorted(table["noise"].unique()) == [0.0, 10.0]
    assert figures[0].name == "heatmap_dasr_bicubic.png" and figures[0].is_file()


def test_visual_comparisons(smoke: dict[str, Any]) -> None:
    table, figures = smoke["visual"]
    _check_results_table(table)
    assert table.groupby("figure")["method"].unique().map(list).to_dict() == {
        "Fig. 5": ["Bicubic", "Model 1 (no L_degrad)", "DASR"], "Fig. 7": ["Bicubic", "DASR (setting 2)"]}
    assert len(table) == 2 * (3 + 2 + 2) and (table[table["method"] == "Bicubic"]["steps"] == 0).all()
    assert [path.name for path in figures][-1] == "fig8_real.png" and all(path.is_file() for path in figures)
    record = json.loads((smoke["root"] / "tables" / "fig8_real.json").read_text(encoding="utf-8"))
    assert record["image"] == "real/SRMD/chip.png" and record["lr_size"] == [24, 24]


def test_summary_lists_every_table_and_verdict(smoke: dict[str, Any]) -> None:
    path, text = smoke["summary"]
    assert path == smoke["root"] / "README.md" and path.read_text(encoding="utf-8") == text
    assert "not generated yet" not in text and dasr_table1.SRMDNF_NOT_RUN in text
    assert f"| {dasr_tables.CONTROL_BEST} [Set5 x4] | σ=0 | +0.640 |" in text and f"| {dasr_tables.CONTROL_BEHIND} [Set5 x4] | σ=3.6 | +5.930 |" in text
    assert f"| {dasr_tables.CONTROL_COLLAPSES} [Set5 x4] | σ=0 → σ=3.6 | +6.570 |" in text
    sections = [line for line in text.splitlines() if line.startswith("## ")]
    assert sections[:3] == ["## Tables", "## Verdicts", "## Table 2 (isotropic, noise-free)"] and sections[-1] == "## Not checkable here"
    assert "the oracle is an upper bound: Model 5 > Model 4" in text and "**unverified**" in text and "5.8M" in text
    assert "| Fig. 3 | Model 1 | kernel width σ |" in text


def test_summary_of_an_empty_profile_says_not_generated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path))
    text = dasr_summary.summary_text("smoke")
    assert text.count("not generated yet") >= len(dasr_summary.TABLES) and "- **holds** (0): none" in text


def test_probe_readings_tell_content_from_degradation() -> None:
    """A representation whose neighbours are the same image (kNN below chance) is read as content; one that clusters by class
    is not."""
    def rows(figure: str, knn: float, same_image: float) -> list[dict]:
        return [{"figure": figure, "method": "Model 4", "probe": "knn", "ours": knn, "chance": 0.2},
                {"figure": figure, "method": "Model 4", "probe": "linear", "ours": 0.9, "chance": 0.2},
                {"figure": figure, "method": "Model 4", "probe": "same-image", "ours": same_image, "chance": 0.04}]

    content, degradation = dasr_summary._probe_readings(pd.DataFrame(rows("Fig. 3", 0.05, 1.0) + rows("Fig. 6(a)", 0.95, 0.0)))
    assert content.startswith("- Fig. 3, Model 4: same-image nearest neighbour 1.00-1.00 (chance 0.04)") and "organised by image content" in content
    assert degradation.startswith("- Fig. 6(a), Model 4:") and degradation.endswith("not dominated by image content.")
