"""GLDFN's recipes (every profile, the cpu plan) and the layout of Tables I and II (docs/decisions/gldfn.md, G16-G19)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dynsr.models import build_model
from dynsr.papers import PAPERS
from dynsr.papers.gldfn import published, table1, table2
from dynsr.papers.gldfn.recipes import (
    ABLATION_RECIPES, CPU_RUN_LIMIT, CPU_RUNS, CPU_STEPS, RECIPES, VALIDATION_WIDTHS, cpu_plan_seconds, cpu_run_seconds,
)
from dynsr.results import Source, Verdict
from dynsr.training.recipes import recipe

DECISIONS = Path(__file__).resolve().parents[1] / "docs" / "decisions" / "gldfn.md"
SIZES = {"gldfn_a": 15_728_240, "gldfn_b": 15_779_208, "gldfn_c": 15_771_499, "gldfn": 15_738_098}  # x4, G10


def test_recipes_are_registered_and_follow_section_iv() -> None:
    assert set(PAPERS["gldfn"].recipes) == {"gldfn", "gldfn_noisy", *ABLATION_RECIPES.values()} and PAPERS["gldfn"].main_recipe == "gldfn"
    paper = recipe("gldfn", "paper", scale=4)
    assert (paper.train_sets, paper.lr_patch, paper.batch_size, paper.steps, paper.lr_halving_steps) == (("DF2K",), 64, 64, 500_000, 200_000)
    assert (paper.learning_rate, paper.adam_betas, paper.loss, paper.kernel_size, paper.blur_padding, paper.augment) == (
        4e-4, (0.9, 0.999), "l1", 21, "reflect", True)
    assert [recipe("gldfn", "paper", scale=s).width_range for s in (2, 3, 4)] == [(0.2, 2.0), (0.2, 3.0), (0.2, 4.0)]
    assert paper.noise_range == (0.0, 0.0) and recipe("gldfn_noisy", "paper", scale=4).noise_range == (0.0, 30.0)
    assert VALIDATION_WIDTHS == {s: published.gaussian8_sigmas(s)[3] for s in (2, 3, 4)}
    with pytest.raises(KeyError, match="x2, x3 and x4"):
        recipe("gldfn", "cpu", scale=8)


@pytest.mark.parametrize("profile", ["smoke", "cpu", "paper"])
def test_ablation_recipes_train_the_matched_models_at_a_constant_rate(profile: str) -> None:
    """§IV-C: 2·10⁵ iterations (2/5 of the main run at `paper`), the halving never reached; the models of G10, full size."""
    configs = {exp: recipe(name, profile, scale=4) for exp, name in ABLATION_RECIPES.items()}
    main = recipe("gldfn_noisy", profile, scale=4)
    assert [c.model for c in configs.values()] == ["gldfn_a", "gldfn_b", "gldfn_c", "gldfn"]
    assert all(c.model_kwargs == {} and c.lr_halving_steps >= c.steps and c.noise_range == main.noise_range for c in configs.values())
    assert {c.steps for c in configs.values()} == {200_000 if profile == "paper" else main.steps}
    # the profiles change data and schedule only: everything else is the paper profile's
    schedule = {"train_sets", "lr_patch", "batch_size", "steps", "lr_halving_steps", "log_every", "checkpoint_every", "validate_every",
                "validation_images", "validation_crop", "num_workers"}
    for name in RECIPES:
        ours, published_recipe = recipe(name, profile, scale=4).to_dict(), recipe(name, "paper", scale=4).to_dict()
        assert {k: v for k, v in ours.items() if k not in schedule} == {k: v for k, v in published_recipe.items() if k not in schedule}, name


@pytest.mark.parametrize(("name", "model"), [("gldfn", "gldfn"), ("gldfn_noisy", "gldfn"), *((ABLATION_RECIPES[e], m) for e, m in
                                                                                               zip("ABCD", ("gldfn_a", "gldfn_b", "gldfn_c", "gldfn")))])
def test_each_recipe_builds_the_full_size_model(name: str, model: str) -> None:
    """At every profile the recipe's network is the registry's default (G10's size at x4): profiles never shrink it."""
    for profile in ("smoke", "cpu", "paper"):
        config = recipe(name, profile, scale=4)
        assert config.model == model and config.model_kwargs == {}
    built = build_model(config.model, scale=4, **config.model_kwargs)
    assert sum(p.numel() for p in built.parameters()) == built.paper_parameter_count() == SIZES[model]


def test_cpu_plan_fits_its_sessions_and_matches_the_decision() -> None:
    """11 runs of 600 steps (Table II: gldfn x2/x3/x4; Table I: A-D x4 with two seeds), each under 30 minutes at 2 threads; the
    total docs/decisions/gldfn.md, G19 states is the one the timings give."""
    runs = [(name, scale, seed) for name, scale, seeds in CPU_RUNS for seed in seeds]
    assert len(runs) == len(set(runs)) == 11 and {name for name, _, _ in runs} == set(RECIPES) - {"gldfn_noisy"}
    assert sum(recipe(name, "cpu", scale=scale, seed=seed).steps for name, scale, seed in runs) == 11 * CPU_STEPS
    assert max(cpu_run_seconds(name, scale) for name, scale, _ in runs) < CPU_RUN_LIMIT
    section = DECISIONS.read_text(encoding="utf-8").split('<a id="G19"></a>')[1]
    assert f"{cpu_plan_seconds():,.0f} s" in section and f"{cpu_plan_seconds() / 3600:.2f} h" in section


def _per_seed(psnr: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Per-seed rows as table1's runs give them: two seeds per experiment, SSIM = PSNR / 40."""
    return pd.DataFrame([{"method": label, "recipe": table1.TABLE1_RECIPES[label], "seed": seed, "PSNR": value, "SSIM": value / 40,
                          "n_images": 2, "noise_seed": 0, "steps": 4, "parameters": SIZES[recipe(table1.TABLE1_RECIPES[label], "smoke", scale=4).model],
                          "train_seconds": 1.0, "threads": 1} for label, values in psnr.items() for seed, value in enumerate(values)])


def test_table1_layout_and_verdicts() -> None:
    per_seed = _per_seed({"Exp. A": (22.0, 22.1), "Exp. B": (22.5, 22.6), "Exp. C": (21.0, 22.9), "Exp. D": (21.5, 21.6)})
    table = table1._table(per_seed, "smoke")
    assert list(table["method"].unique()) == list(table1.TABLE1_RECIPES) and len(table) == 4 * (3 * 2 + 1)
    trained, quoted = table[table["source"] == Source.TRAINED], table[table["source"] == Source.QUOTED]
    assert set(trained["setting"]) == {"Setting 1"} and set(quoted["setting"]) == {"Setting 2", "Setting 3"} and quoted["ours"].isna().all()
    np.testing.assert_allclose(table["gap"], table["ours"] - table["paper"])
    a = trained[(trained["method"] == "Exp. A") & (trained["metric"] == "PSNR")].iloc[0]
    assert a["paper"] == 23.05 and a["ours"] == pytest.approx(22.05) and a["seeds"] == (0, 1) and a["seed_spread"] == pytest.approx(0.1)
    sizes = table[table["metric"] == "Params (M)"].set_index("method")
    assert sizes.loc["Exp. D", "paper"] == 14.696 and sizes.loc["Exp. D", "parameters"] == SIZES["gldfn"]
    claims = table1._claims(per_seed, "smoke", {"PSNR": 22.3, "SSIM": 0.5})
    assert len(claims) == 3 * 2 * 6 and (claims.loc[claims["setting"] != "Setting 1", "verdict"] == Verdict.NOT_CHECKABLE).all()
    assert claims.loc[claims["setting"] != "Setting 1", "ours"].isna().all() and (claims["paper_difference"] > 0).all()
    verdicts = {metric: rows.set_index("method")["verdict"].to_dict()
                for metric, rows in claims[claims["setting"] == "Setting 1"].groupby("metric")}
    # PSNR: A (mean 22.05) and C (21.95) are below bicubic's 22.3, so every claim against them is not informative
    assert verdicts["PSNR"] == {"Exp. B − Exp. A": Verdict.NOT_INFORMATIVE, "Exp. C − Exp. A": Verdict.NOT_INFORMATIVE,
                                "Exp. D − Exp. A": Verdict.NOT_INFORMATIVE, "Exp. D − Exp. B": Verdict.DOES_NOT_HOLD,
                                "Exp. D − Exp. C": Verdict.NOT_INFORMATIVE, "Exp. C − Exp. B": Verdict.SEEDS_DISAGREE}
    # SSIM (= PSNR / 40, all above bicubic's 0.5): B − A is +0.0125 with both seeds against a spread of 0.0025
    assert verdicts["SSIM"]["Exp. B − Exp. A"] == Verdict.HOLDS and verdicts["SSIM"]["Exp. C − Exp. A"] == Verdict.SEEDS_DISAGREE
    d_a = claims[(claims["method"] == "Exp. D − Exp. A") & (claims["metric"] == "PSNR") & (claims["setting"] == "Setting 1")].iloc[0]
    assert d_a["paper_difference"] == pytest.approx(0.15) and (d_a["better_parameters"], d_a["worse_parameters"]) == (SIZES["gldfn"], SIZES["gldfn_a"])
    assert d_a["bicubic"] == 22.3 and d_a["ours"] == pytest.approx(-0.5)


def test_table1_setting1_cell_is_urban100_x4_at_noise_15() -> None:
    settings = table1.setting1_settings()
    assert [s.degradation.kernel.sigma for s in settings] == list(published.gaussian8_sigmas(4))
    assert {(s.dataset, s.degradation.scale, s.degradation.noise) for s in settings} == {("Urban100", 4, 15.0)}


def test_table2_cells_average_the_eight_kernels_and_the_records_are_complete() -> None:
    means = pd.DataFrame({"dataset": ["Set5"] * 8 + ["Set14"] * 8, "scale": 4, "setting": [f"k{i}" for i in range(16)],
                          "PSNR": np.arange(16.0), "SSIM": np.arange(16.0) / 100, "n_images": 2, "noise_seed": 0, "gray_scoring": ""})
    cells = table2.gaussian8_cells(means)
    assert cells[["dataset", "PSNR", "setting"]].values.tolist() == [["Set5", 3.5, table2.CELL], ["Set14", 11.5, table2.CELL]]
    values = published.table2()
    assert len(values) == (9 + 9 + 10) * 5 * 2 and {v.setting for v in values} == {table2.CELL}
    gldfn = {(v.scale, v.dataset, v.metric): v.value for v in published.table2("GLDFN")}
    assert gldfn[(2, "Set5", "PSNR")] == 37.47 and gldfn[(4, "Manga109", "SSIM")] == 0.9052 and len(gldfn) == 30
    assert [v.value for v in published.table1() if v.method == "Exp. D"] == [23.20, 0.6521, 32.76, 0.9062, 22.86, 0.6280]
