"""The committed DASR results (``cpu`` profile): read back with explicit tolerances, and recomputed from the
committed weights where that takes seconds (so a table cannot drift from the weights it claims to come from)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dynsr import tolerances
from dynsr.paths import repo_root
from dynsr.results import REQUIRED_COLUMNS, Source, Verdict, read_table_file

RESULTS = repo_root() / "results"
TABLES = RESULTS / "dasr" / "tables"


def test_fig4_content_invariance_layout_values_and_recompute(private_results: Path) -> None:
    """Fig. 4 (zebra x4, the representation of 10 Set14 images per σ, and of zebra under the other σ): layout, the committed
    values, the finding that at our scale a wrong σ moves PSNR no more than content does, and three cells recomputed."""
    from dynsr.papers.dasr import figures as dasr_figures

    table = read_table_file(TABLES / "fig4_content_invariance.csv")
    assert set(REQUIRED_COLUMNS) <= set(table.columns) and set(table["profile"]) == {"cpu"} and set(table["steps"]) == {3500}
    assert len(table) == 3 * (10 + 2) and table["paper"].isna().all() and set(table["target"]) == {"zebra"}
    same = table[table["representation"] == dasr_figures.SAME_SIGMA].pivot_table(index="source_index", columns="degradation", values="ours")
    np.testing.assert_allclose(same.loc[1, ["σ=1.2", "σ=2.4", "σ=3.6"]], [25.110, 23.410, 20.903], atol=5e-4)
    assert ((same.max() - same.min()) < 0.07).all()  # content moves PSNR by < 0.07 dB ...
    own = same.loc[1]
    wrong = table[table["representation"] == dasr_figures.OTHER_SIGMA]
    assert (wrong.apply(lambda row: abs(row["ours"] - own[row["degradation"]]), axis=1) < 0.06).all()  # ... and so does a wrong σ
    again, _ = dasr_figures.run_content_invariance(dasr_figures.ContentParams(profile="cpu", sources=2, widths=(2.4, 3.6)))
    committed = table.set_index(["degradation", "source_image", "source_sigma"])["ours"]
    for row in again[again["degradation"] == "σ=2.4"].itertuples():
        assert row.ours == pytest.approx(committed[(row.degradation, row.source_image, row.source_sigma)], abs=tolerances.PSNR_DB)


def test_table3_layout_gaps_and_recompute(private_results: Path) -> None:
    """Table 3 (Set14 x4, K1-K9 x noise 0/5/10, the setting-2 model): layout, gaps, the DASR > bicubic count, and one
    cell (K6, noise 5) recomputed from the committed weights."""
    from dynsr.papers.dasr.settings import dasr_table3
    from dynsr.papers.dasr.common import Params, score, trained_model
    from dynsr.profiles import get_profile

    table = read_table_file(TABLES / "table3.csv")
    assert set(REQUIRED_COLUMNS) <= set(table.columns) and set(table["profile"]) == {"cpu"} and len(table) == 5 * 27
    dasr = table[table["method"] == "DASR"]
    assert (dasr["source"] == Source.TRAINED).all() and set(dasr["steps"]) == {3500} and set(dasr["n_images"]) == {14}
    assert set(dasr["recipe"]) == {"dasr_aniso"} and set(dasr["parameters"]) == {5837699} and dasr["paper"].notna().all()
    np.testing.assert_allclose(dasr["gap"], dasr["ours"] - dasr["paper"], atol=1e-8)
    assert dasr["gap"].mean() == pytest.approx(-2.146, abs=0.005) and (dasr["gap"] < -1.4).all()
    quoted = table[table["source"] == Source.QUOTED]
    assert set(quoted["method"]) == {"DnCNN + RCAN", "DnCNN + SRMDNF + Predictor", "DnCNN + IKC"} and quoted["ours"].isna().all()
    psnr = table.pivot_table(index=["kernel", "noise"], columns="method", values="ours")
    assert len(psnr) == 27 and (psnr["DASR"] > psnr["Bicubic"]).all()
    assert (psnr["DASR"] - psnr["Bicubic"]).max() < 0.45  # at 1,500 SR steps the setting-2 model is barely above bicubic
    model = trained_model("dasr_aniso", Params(profile="cpu"), scale=4).model
    setting = [s for s in dasr_table3() if s.label == "K6 noise 5"]
    recomputed = score(model, setting, get_profile("cpu"))["PSNR"].iloc[0]
    assert recomputed == pytest.approx(psnr.loc[(6, 5.0), "DASR"], abs=tolerances.PSNR_DB)


def test_heatmap_grid_values_and_recompute(private_results: Path) -> None:
    """Heat-map (Set5 x4, 7 widths x 6 noise levels, the setting-2 model and bicubic): layout, where DASR is ahead, and one
    cell (σ = 2.6, noise 10) recomputed from the committed weights."""
    from dynsr.papers.dasr.common import Params, dasr_setting, iso_kernel, score, trained_model
    from dynsr.profiles import get_profile

    table = read_table_file(TABLES / "heatmap.csv")
    assert set(REQUIRED_COLUMNS) <= set(table.columns) and len(table) == 2 * 7 * 6 and table["paper"].isna().all()
    assert set(table["profile"]) == {"cpu"} and set(table["n_images"]) == {5}
    grid = table.pivot_table(index=["kernel_width", "noise"], columns="method", values="ours")
    difference = grid["DASR (setting 2)"] - grid["Bicubic"]
    assert int((difference > 0).sum()) == 37 and difference.mean() == pytest.approx(0.483, abs=0.002)
    assert difference[(0.2, 0)] < -0.6 and difference[(2.6, 25)] > 1.0  # behind on sharp clean inputs, ahead on blurred noisy ones
    model = trained_model("dasr_aniso", Params(profile="cpu"), scale=4).model
    setting = dasr_setting("Set5", 4, iso_kernel(2.6), 10.0, label="σ=2.6 noise 10", table="heat-map")
    recomputed = score(model, [setting], get_profile("cpu"))["PSNR"].iloc[0]
    assert recomputed == pytest.approx(grid.loc[(2.6, 10), "DASR (setting 2)"], abs=tolerances.PSNR_DB)


def test_visual_crops_and_real_image_record() -> None:
    """Figs. 5 / 7 (crops and whole images, scored) and Fig. 8's record (a real image, no ground truth)."""
    import json

    table = read_table_file(TABLES / "figs5_7_crops.csv")
    assert set(REQUIRED_COLUMNS) <= set(table.columns) and set(table["profile"]) == {"cpu"} and len(table) == 20
    assert table.groupby("figure")["method"].unique().map(list).to_dict() == {
        "Fig. 5": ["Bicubic", "Model 1 (no L_degrad)", "DASR"], "Fig. 7": ["Bicubic", "DASR (setting 2)"]}
    trained = table[table["method"] != "Bicubic"]
    assert set(trained["steps"]) == {1500, 3500} and table[table["method"] == "Bicubic"]["steps"].eq(0).all()
    fig7 = table[table["figure"] == "Fig. 7"].pivot_table(index=["image", "metric"], columns="method", values="ours")
    assert (fig7["DASR (setting 2)"] > fig7["Bicubic"]).all()
    record = json.loads((TABLES / "fig8_real.json").read_text(encoding="utf-8"))
    assert record["image"] == "real/SRMD/chip.png" and record["lr_size"] == [55, 109] and record["models"]["dasr"]["steps"] == 3500


def test_table2_layout_gaps_claims_and_recompute(private_results: Path) -> None:
    """Table 2 (isotropic, x2 / x3 / x4, four sets): layout, the DASR gaps per scale, the bicubic pipeline check at σ = 0,
    the bicubic-trained control's verdicts (x4, paired by seed), and two cells recomputed from the committed weights:
    DASR x4 on Set5 at σ = 1.2 and the seed-1 control on Set5 at σ = 0."""
    from dynsr.papers.dasr.settings import dasr_table2
    from dynsr.papers.dasr.common import Params, score, trained_model
    from dynsr.profiles import get_profile

    table = read_table_file(TABLES / "table2.csv")
    assert set(REQUIRED_COLUMNS) <= set(table.columns) and set(table["profile"]) == {"cpu"} and len(table) == 232
    assert table.groupby("method").size().to_dict() == {"DASR": 48, "Bicubic": 48, "Bicubic-trained control (DASR network)": 8, "RCAN": 48,
                                                        "SRMDNF + Predictor": 48, "MZSR + Predictor": 16, "IKC": 16}
    quoted = table[table["source"] == Source.QUOTED]
    assert len(quoted) == 128 and quoted["ours"].isna().all()
    dasr = table[table["method"] == "DASR"]
    assert (dasr["source"] == Source.TRAINED).all() and set(dasr["steps"]) == {3500} and set(dasr["seeds"]) == {(0,)}
    assert dasr.groupby("scale")["parameters"].first().to_dict() == {2: 5689987, 3: 5874627, 4: 5837699}
    assert dasr.groupby("dataset")["n_images"].first().to_dict() == {"BSD100": 20, "Set14": 14, "Set5": 5, "Urban100": 20}
    np.testing.assert_allclose(dasr["gap"], dasr["ours"] - dasr["paper"], atol=1e-8)
    np.testing.assert_allclose(dasr.groupby("scale")["gap"].mean().to_numpy(), [-3.498, -2.432, -2.621], atol=0.002)
    assert (dasr["gap"] < -0.1).all()  # below the paper in every cell (-5.93 ... -0.14 dB)
    bicubic = table[table["method"] == "Bicubic"].assign(sigma=lambda rows: rows["degradation"].str.removeprefix("σ=").astype(float))
    assert (bicubic.loc[bicubic["sigma"] == 0, "gap"].abs() < 0.1).all()  # the unblurred cells match the paper (≤ 0.09 dB) ...
    assert (bicubic.loc[bicubic["sigma"] > 0, "gap"] > 0.03).all()  # ... the blurred ones do not: the paper is lower (README, bicubic rows)
    whole = dasr[dasr["dataset"].isin(["Set5", "Set14"]) & (dasr["degradation"] == "σ=0")].set_index(["dataset", "scale"])["ours"]
    reference = bicubic[bicubic["sigma"] == 0].set_index(["dataset", "scale"])["ours"]
    assert (whole < reference[whole.index]).all()  # at σ = 0 (outside its training range) our DASR is below bicubic on Set5 / Set14

    claims = read_table_file(TABLES / "table2_claims.csv")
    assert len(claims) == 48 and (claims["verdict"] == Verdict.NOT_CHECKABLE).sum() == 24
    control = claims[claims["seeds"].map(lambda seeds: seeds == (0, 1))]
    assert len(control) == 12 and set(control["scale"]) == {4} and (control["verdict"] == Verdict.HOLDS).all()
    assert (control["ours_min_difference"] > 0.4).all() and (control["seed_spread"] < 0.2).all()
    best = control[control["comparison"].str.startswith("a bicubic-trained network is best")].set_index("dataset")["ours"]
    np.testing.assert_allclose(best[["Set5", "Set14", "BSD100", "Urban100"]], [1.300, 0.770, 0.752, 0.548], atol=0.002)

    profile, params = get_profile("cpu"), Params(profile="cpu")
    (setting,) = [s for s in dasr_table2(("Set5",)) if s.degradation.scale == 4 and s.label == "σ=1.2"]
    model = trained_model("dasr", params, scale=4).model
    committed = dasr.set_index(["dataset", "scale", "degradation"])["ours"]
    assert score(model, [setting], profile)["PSNR"].iloc[0] == pytest.approx(committed[("Set5", 4, "σ=1.2")], abs=tolerances.PSNR_DB)
    (unblurred,) = [s for s in dasr_table2(("Set5",)) if s.degradation.scale == 4 and s.label == "σ=0"]
    control_seed1 = trained_model("dasr_bicubic", params, scale=4, seed=1).model
    per_seed = table[table["method"].str.startswith("Bicubic-trained")].set_index(["dataset", "degradation"])["ours_per_seed"]
    assert score(control_seed1, [unblurred], profile)["PSNR"].iloc[0] == pytest.approx(float(per_seed[("Set5", "σ=0")].split("/")[1]),
                                                                                             abs=tolerances.PSNR_DB + tolerances.printed(4))


def test_table1_layout_verdicts_and_recompute(private_results: Path) -> None:
    """Table 1 (Models 1-5 and SRMDNF*, Set14 x4, two seeds each): layout, gaps, every verdict recomputed from the per-seed
    values of the table, the verdict pattern, and one cell (Model 3, seed 1, σ = 2.6) recomputed from the committed weights."""
    from dynsr.claims import BELOW_BICUBIC, paired_claim
    from dynsr.papers.dasr.table1 import SRMDNF_NOT_RUN
    from dynsr.papers.dasr.settings import dasr_table1
    from dynsr.papers.dasr.common import Params, score, trained_model
    from dynsr.profiles import get_profile

    table = read_table_file(TABLES / "table1.csv")
    assert set(REQUIRED_COLUMNS) <= set(table.columns) and set(table["profile"]) == {"cpu"} and len(table) == 8 * 5
    trained = table[table["source"] == Source.TRAINED]
    assert set(trained["method"]) == {"SRMDNF*", "Model 1", "Model 2", "Model 3", "Model 4", "Model 5"} and set(trained["seeds"]) == {(0, 1)}
    assert trained.groupby("method")["parameters"].first().to_dict() == {"Model 1": 5837699, "Model 2": 5860532, "Model 3": 5786499,
                                                                         "Model 4": 5837699, "Model 5": 5066819, "SRMDNF*": 1546288}
    assert trained.groupby("method")["steps"].first().to_dict() == {"Model 1": 1500, "Model 2": 3500, "Model 3": 3500, "Model 4": 3500,
                                                                    "Model 5": 1500, "SRMDNF*": 5486}  # SRMDNF*: Model 5's compute (2,986), extended below bicubic
    assert set(trained["n_images"]) == {14} and table[table["source"] != Source.TRAINED]["ours"].isna().all()
    per_seed = trained.set_index(["method", "degradation"])["ours_per_seed"].str.split("/").map(lambda values: [float(v) for v in values])
    np.testing.assert_allclose(trained["ours"], per_seed.map(np.mean).to_numpy(), atol=1e-4)  # per-seed values printed to 4 decimals
    np.testing.assert_allclose(trained["gap"], trained["ours"] - trained["paper"], atol=1e-8)
    gaps = trained.groupby("method")["gap"].mean()
    np.testing.assert_allclose(gaps[["Model 1", "Model 2", "Model 3", "Model 4", "Model 5", "SRMDNF*"]], [-2.33, -2.22, -2.48, -2.62, -2.20, -5.42], atol=0.005)

    claims = read_table_file(TABLES / "table1_claims.csv")
    assert len(claims) == 5 * 7 and (claims["reason"] == SRMDNF_NOT_RUN).sum() == 10 and (claims["verdict"] == Verdict.NOT_CHECKABLE).sum() == 10
    for row in claims[claims["seeds"].map(lambda seeds: seeds == (0, 1))].itertuples():  # every paired verdict again, from the table's per-seed values
        better, worse = row.comparison.split(": ")[-1].split(" > ")
        again = paired_claim(row.claim, dict(enumerate(per_seed[(better, row.degradation)])), dict(enumerate(per_seed[(worse, row.degradation)])),
                             paper_difference=row.paper_difference, bicubic=row.bicubic, parameters=(row.better_parameters, row.worse_parameters))
        assert (again.verdict, again.reason) == (row.verdict, row.reason)
        assert again.ours_mean_difference == pytest.approx(row.ours_mean_difference, abs=2e-4)
    verdicts = claims.pivot(index="comparison", columns="degradation", values="verdict").rename(index=lambda claim: claim.split(": ")[-1])
    reasons = claims.pivot(index="comparison", columns="degradation", values="reason").rename(index=lambda claim: claim.split(": ")[-1])
    # at σ = 0.2 every model is below bicubic (26.09 dB): no verdict there is informative
    assert (verdicts["σ=0.2"].drop(["SRMDNF* > SRMDNF + KernelGAN", "SRMDNF* > SRMDNF + Predictor"]) == Verdict.NOT_INFORMATIVE).all()
    assert (reasons["σ=0.2"].drop(["SRMDNF* > SRMDNF + KernelGAN", "SRMDNF* > SRMDNF + Predictor"]) == BELOW_BICUBIC).all()
    assert (verdicts.loc["Model 5 > Model 4"].drop("σ=0.2") == Verdict.HOLDS).all()  # the oracle wins although the smaller network (5.07 M vs 5.84 M)
    assert (verdicts.loc["Model 5 > SRMDNF*"] == Verdict.NOT_INFORMATIVE).all()  # SRMDNF* (5,486 steps, Model 5's compute and more) is below bicubic at every σ
    assert (verdicts.loc["Model 4 > Model 1", ["σ=2.6", "σ=3.4"]] == Verdict.DOES_NOT_HOLD).all()  # representation learning
    assert not (verdicts.loc["Model 4 > Model 3"] == Verdict.HOLDS).any()  # modulation: inconclusive at every σ (borderline: docs/decisions/dasr.md, D27)
    assert (verdicts.loc["Model 4 > Model 2"] == Verdict.HOLDS).sum() == 1  # DA conv vs concatenation: σ = 2.6 only, by 0.045 dB (paper 0.62)

    for recipe, method, seed, sigma in (("dasr_no_modulation", "Model 3", 1, "σ=2.6"), ("srmdnf_dasr", "SRMDNF*", 0, "σ=3.4")):
        trained_here = trained_model(recipe, Params(profile="cpu"), scale=4, seed=seed)
        (setting,) = [s for s in dasr_table1() if s.label == sigma]
        recomputed = score(trained_here.model, [setting], get_profile("cpu"))["PSNR"].iloc[0]
        assert recomputed == pytest.approx(per_seed[(method, sigma)][seed], abs=tolerances.PSNR_DB + tolerances.printed(4))  # 4 decimals in ours_per_seed
    provenance = trained_model("srmdnf_dasr", Params(profile="cpu"), scale=4, seed=1).provenance  # the compute-matched budget (U23)
    assert (provenance["matched_steps"], provenance["steps"], provenance["above_bicubic"]) == (2986, 5486, False)


def test_figs3_6_probes_layout_reading_and_recompute(private_results: Path) -> None:
    """Figs. 3 and 6 (B100 x4, 20 images per class): layout, the finding that every representation is organised by image
    content (kNN below chance, nearest neighbour = same image), the Fig. 3 verdicts, and Model 1 seed 0's probes recomputed."""
    from dynsr.papers.dasr.common import Params, dasr_setting, iso_kernel, probe_accuracy, profile_images, representations, trained_model
    from dynsr.profiles import get_profile

    probes = read_table_file(TABLES / "figs3_6_probes.csv")
    assert set(REQUIRED_COLUMNS) <= set(probes.columns) and set(probes["profile"]) == {"cpu"} and len(probes) == 3 * (2 * 2 + 2)
    assert set(probes["n_images"]) == {20} and probes.groupby("figure")["n_samples"].first().to_dict() == {"Fig. 3": 100, "Fig. 6(a)": 80, "Fig. 6(b)": 80}
    knn, same_image = probes[probes["probe"] == "knn"], probes[probes["probe"] == "same-image"]
    assert (knn["ours"] < knn["chance"]).all() and (same_image["ours"] >= 0.64).all() and (same_image["chance"] < 0.05).all()
    claims = read_table_file(TABLES / "figs3_6_claims.csv").set_index("claim")
    fig3 = claims[claims.index.str.startswith("Fig. 3")]
    assert (fig3["verdict"] == Verdict.DOES_NOT_HOLD).all() and (fig3["ours_max_difference"] < 0).all()

    seed0 = probes[(probes["method"] == "Model 1") & (probes["seed"] == 0)].set_index("probe")["ours"]
    images = profile_images("BSD100", get_profile("cpu"))
    settings = [dasr_setting("BSD100", 4, iso_kernel(w), 0.0, label=f"σ={w:g}", table="Fig. 3") for w in (0.2, 1.0, 1.8, 2.6, 3.4)]
    features, index = representations(trained_model("dasr_model1", Params(profile="cpu"), scale=4).model, images, settings)
    probe = probe_accuracy(features, index["setting_index"], index["image_index"])
    # float32 features differ in the last bits on another machine: a near-tie neighbour or a boundary sample may flip
    one = tolerances.one_sample(len(index))
    assert (probe.knn_accuracy, probe.linear_accuracy, probe.same_image_rate) == pytest.approx((seed0["knn"], seed0["linear"], seed0["same-image"]), abs=one)
