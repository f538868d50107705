"""ArcSR's published numbers, its test settings on the real GoPro/REDS pairs, and Tables 1-2 at the smoke profile."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from dynsr.data.root import dataset_dir
from dynsr.data.benchmarks import load_benchmark
from dynsr.degradations.testsets import cached_lr
from dynsr.evaluate import center_crop
from dynsr.experiments.scoring import TrainedModel
from dynsr.models.protocol import SuperResolver
from dynsr.papers import PAPERS
from dynsr.papers.arcsr import published, table1, table2
from dynsr.papers.arcsr.settings import arcsr_table1, arcsr_table2
from dynsr.results import REQUIRED_COLUMNS, Source, Verdict

# --- published numbers ------------------------------------------------------------------------------------


def test_published_tables_read_back_cell_by_cell() -> None:
    t1 = {(v.method, v.dataset, v.metric): v for v in published.table1()}
    t2 = {(v.method, v.dataset, v.setting, v.metric): v for v in published.table2()}
    assert len(t1) == 16 and len(t2) == 48 and {v.scale for v in [*t1.values(), *t2.values()]} == {4}
    assert t1[("Baseline", "REDS", "PSNR")].value == 23.63 and t1[("ArcSR (w/o KGconv)", "GoPro", "SSIM")].value == 0.71
    assert t2[("ReDegNet", "GoPro", "x4 noise 0", "PSNR")].value == 17.80 and t2[("UDKE", "REDS", "x4 noise 10", "PSNR")].value == 23.47
    assert t2[("CMOS*", "GoPro", "x4 noise 10", "SSIM")].value == 0.70 and {v.setting for v in t1.values()} == {"x4 noise 0"}


def test_paper_inconsistencies_are_kept_as_printed_with_a_note() -> None:
    t1 = {(v.method, v.dataset, v.metric): v for v in published.table1()}
    t2 = {(v.method, v.dataset, v.setting, v.metric): v for v in published.table2()}
    full_t1, arcsr_t2 = t1[("ArcSR (full)", "GoPro", "SSIM")], t2[("ArcSR", "GoPro", "x4 noise 0", "SSIM")]
    assert (full_t1.value, arcsr_t2.value) == (0.72, 0.73) and full_t1.note == arcsr_t2.note == published.GOPRO_SSIM_NOTE
    assert t1[("ArcSR (full)", "GoPro", "PSNR")].value == t2[("ArcSR", "GoPro", "x4 noise 0", "PSNR")].value == 24.33
    noted = [v for v in [*t1.values(), *t2.values()] if v.note]
    assert len(noted) == 2
    text = {v.dataset: v for v in published.text_gains() if v.method == "ArcSR − best competitor"}
    assert (text["GoPro"].value, text["REDS"].value) == (0.09, 0.44) and text["GoPro"].note == published.SWAPPED_GAIN_NOTE
    assert table2.table_margins() == {"REDS": 0.09, "GoPro": 0.44}  # the table says the opposite of the text
    assert table2.table_margins(10.0) == {"REDS": 0.01, "GoPro": 0.0}


def test_text_gains_of_section_4_3_follow_from_table_1() -> None:
    psnr = {(label, dataset): values[0 if dataset == "REDS" else 2] for label, *values in published.TABLE1.values() for dataset in ("REDS", "GoPro")}
    for gain in (v for v in published.text_gains() if v.method.startswith(("KGconv", "DMconv"))):
        better = "ArcSR (w/o DMconv)" if gain.method.startswith("KGconv") else "ArcSR (w/o KGconv)"
        assert round(psnr[(better, gain.dataset)] - psnr[("Baseline", gain.dataset)], 2) == gain.value


# --- test settings: LR = MATLAB bicubic x1/4 of the blurred frame --------------------------------------------


def _cubic(x: np.ndarray) -> np.ndarray:
    x = np.abs(x)
    return np.where(x <= 1, 1.5 * x**3 - 2.5 * x**2 + 1, np.where(x <= 2, -0.5 * x**3 + 2.5 * x**2 - 4 * x + 2, 0.0))


def _matlab_quarter(image: np.ndarray, axis: int) -> np.ndarray:
    """MATLAB ``imresize(image, 1/4)`` along one axis, written out from its definition (antialiased cubic, symmetric borders)."""
    length = image.shape[axis]
    out = np.arange(1, length // 4 + 1, dtype=np.float64)
    centre = out * 4 + 0.5 * (1 - 4)  # MATLAB's u = x / scale + (1 − 1 / scale) / 2, 1-based
    taps = np.floor(centre - 8)[:, None] + np.arange(18)[None, :]  # kernel width 4 / scale = 16, P = 16 + 2
    weights = _cubic((centre[:, None] - taps) / 4) / 4
    weights /= weights.sum(axis=1, keepdims=True)
    mirror = np.concatenate([np.arange(length), np.arange(length)[::-1]])
    indices = mirror[(taps.astype(int) - 1) % (2 * length)]
    moved = np.moveaxis(image, axis, 0)  # (length, ...)
    result = np.einsum("ot,ot...->o...", weights, moved[indices])
    return np.moveaxis(result, 0, axis)


def _independent_lr(blurred: np.ndarray) -> np.ndarray:
    return _matlab_quarter(_matlab_quarter(blurred.astype(np.float64) / 255.0, 0), 1)


@pytest.fixture()
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DYNSR_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def test_lr_is_matlab_bicubic_of_the_blurred_frame_scored_against_the_sharp_one(private_cache: Path) -> None:
    sharp = load_benchmark("REDS")[0]
    blurred = np.asarray(Image.open(dataset_dir("REDSBlur") / f"{sharp.name}.png").convert("RGB"))
    assert sharp.pixels.shape == blurred.shape == (720, 1280, 3) and not np.array_equal(sharp.pixels, blurred)
    noise_free = next(s for s in arcsr_table1() if s.dataset == "REDS").degradation
    lr = cached_lr("REDS", sharp, noise_free)
    assert lr.shape == (180, 320, 3)
    np.testing.assert_allclose(lr, _independent_lr(blurred), atol=2e-6)
    crop = center_crop(sharp, 96)  # the smoke profile's crop: the same central region of the blurred frame
    np.testing.assert_allclose(cached_lr("REDS", crop, noise_free), _independent_lr(blurred[312:408, 592:688]), atol=2e-6)
    noisy = next(s for s in arcsr_table2() if s.dataset == "REDS" and s.degradation.noise == 10).degradation
    residual = (cached_lr("REDS", sharp, noisy) - lr) * 255  # AWGN of level 10 on the float LR, not clipped
    assert residual.std() == pytest.approx(10, rel=0.02) and abs(residual.mean()) < 0.1 and (cached_lr("REDS", sharp, noisy) < 0).any()


def test_settings_are_registered_and_cover_both_sets_and_noise_levels() -> None:
    assert {(s.dataset, s.label) for s in arcsr_table2()} == {(d, f"x4 noise {n}") for d in ("REDS", "GoPro") for n in (0, 10)}
    assert [s.dataset for s in arcsr_table1()] == ["REDS", "GoPro"] and {s.degradation.noise for s in arcsr_table1()} == {0.0}
    assert set(PAPERS["arcsr"].test_tables) == {"arcsr_table1", "arcsr_table2"}
    assert {s.degradation.source for s in arcsr_table2()} == {"REDSBlur", "GoProBlur"}
    assert len(load_benchmark("GoPro")) == 8 and len(load_benchmark("REDS")) == 3


# --- Tables 1 and 2 at smoke, with stand-in networks -------------------------------------------------------

_SIZES = {"arcsr": 3_839_628, "arcsr_no_kgconv": 4_799_628, "arcsr_no_dmconv": 4_678_108, "arcsr_baseline": 5_638_108, "dasr_arcsr": 5_837_699}


class _StandIn(SuperResolver):
    """Torch bicubic ×4 plus a constant: a fast, distinct network per (recipe, seed) with the recipe's parameter count."""

    def __init__(self, shift: float, parameters: int) -> None:
        super().__init__()
        self.scale, self.parameters, self.receptive_radius = 4, parameters, 2  # bicubic: two LR pixels each side
        self.register_buffer("shift", torch.tensor(shift))

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        return F.interpolate(lr, scale_factor=4, mode="bicubic", align_corners=False) + self.shift  # (B, 3, 4h, 4w)

    def paper_parameter_count(self) -> int:
        return self.parameters


def _stand_in(recipe: str, params: Any, *, scale: int, seed: int = 0) -> TrainedModel:
    shift = 0.002 * list(_SIZES).index(recipe) + 0.001 * seed
    log = [{"step": 2, "loss": 0.5, "learning_rate": 1e-4, "seconds": 0.1, "val_psnr": 12.0}]
    return TrainedModel(recipe, scale, seed, _StandIn(shift, _SIZES[recipe]), {"steps": 2, "train_seconds": 0.1, "threads": 1, "log": log})


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("arcsr")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DYNSR_RESULTS_DIR", str(root / "results"))
        patch.setenv("DYNSR_CACHE_DIR", str(root / "cache"))
        for module in (table1, table2):
            patch.setattr(module, "trained_model", _stand_in)
        yield {"table1": table1.run(table1.Table1Params()), "table2": table2.run(table2.Table2Params()), "root": root / "results" / "smoke" / "arcsr"}


def _check_results_table(table: pd.DataFrame) -> None:
    assert list(table.columns[:len(REQUIRED_COLUMNS)]) == list(REQUIRED_COLUMNS) and set(table["profile"]) == {"smoke"}
    both = table.dropna(subset=["paper", "ours"])
    np.testing.assert_allclose(both["gap"], both["ours"] - both["paper"], atol=1e-12)
    assert table.loc[table["paper"].isna() | table["ours"].isna(), "gap"].isna().all()
    assert table["paper_data"].str.startswith("the paper: the full").all() and table["our_data"].str.len().gt(0).all()


def test_table1_layout_seeds_and_labels(smoke: dict[str, Any]) -> None:
    table = smoke["table1"].table
    _check_results_table(table)
    assert len(table) == 16 and list(table["method"].unique()) == [label for label, *_ in published.TABLE1.values()]
    assert (table["source"] == Source.TRAINED).all() and set(table["seeds"]) == {(0, 1)} and set(table["steps"]) == {2}
    full = table[(table["method"] == "ArcSR (full)") & (table["dataset"] == "GoPro")].set_index("metric")
    assert full.loc["PSNR", "paper"] == 24.33 and full.loc["SSIM", "note"] == published.GOPRO_SSIM_NOTE
    assert full.loc["PSNR", "our_data"].startswith("ours: 2 GoPro pairs") and "96² crops" in full.loc["PSNR", "our_data"]
    seeds = [float(value) for value in full.loc["PSNR", "ours_per_seed"].split("/")]
    assert full.loc["PSNR", "ours"] == pytest.approx(np.mean(seeds), abs=1e-4) and full.loc["PSNR", "parameters"] == _SIZES["arcsr"]
    assert {path.name for path in smoke["table1"].figures} == {"table1_ablation.png", "table1_training_curves.png"}
    assert (smoke["root"] / "tables" / "table1_claims.csv").is_file()


def test_table1_claims_carry_paper_differences_sizes_and_bicubic(smoke: dict[str, Any]) -> None:
    claims = smoke["table1"].claims
    _check_results_table(claims)
    assert len(claims) == 10 and set(claims["verdict"]) <= set(Verdict)
    rows = claims.set_index(["claim", "dataset"])
    assert rows.loc[("full > Baseline", "REDS"), "paper"] == pytest.approx(0.41)
    assert rows.loc[("KGconv helps: w/o DMconv > Baseline", "GoPro"), "paper"] == pytest.approx(0.11)
    assert rows.loc[("DMconv helps: w/o KGconv > Baseline", "GoPro"), ["better_parameters", "worse_parameters"]].tolist() == [4_799_628, 5_638_108]
    assert claims["bicubic"].between(15, 40).all() and claims.groupby("dataset")["bicubic"].nunique().eq(1).all()


def test_table1_verdicts_enumerate_every_outcome() -> None:
    """Designed per-seed scores: each claim's verdict follows from the numbers, the sizes and bicubic."""
    psnr = {"arcsr_baseline": (25.0, 25.1), "arcsr_no_dmconv": (25.5, 25.6), "arcsr_no_kgconv": (24.6, 24.7), "arcsr": (25.55, 25.58)}
    per_seed = pd.DataFrame([{"recipe": recipe, "dataset": dataset, "seed": seed, "PSNR": value, "n_images": 3, "noise_seed": 0, "steps": 2,
                              "parameters": _SIZES[recipe]}
                             for recipe, values in psnr.items() for dataset in ("REDS", "GoPro") for seed, value in enumerate(values)])
    claims = table1._claims(per_seed, "smoke", {("REDS", "x4 noise 0"): 24.0, ("GoPro", "x4 noise 0"): 30.0}).set_index(["dataset", "claim"])
    expected = {"KGconv helps: w/o DMconv > Baseline": Verdict.HOLDS,  # the smaller network wins: no size confound
                "DMconv helps: w/o KGconv > Baseline": Verdict.CONFOUNDED_BY_SIZE,  # does not hold, won by the 17 % larger Baseline
                "full > w/o DMconv": Verdict.SEEDS_DISAGREE, "full > w/o KGconv": Verdict.HOLDS, "full > Baseline": Verdict.HOLDS}
    assert {claim: claims.loc[("REDS", claim), "verdict"] for claim in expected} == expected
    assert claims.loc[("REDS", "DMconv helps: w/o KGconv > Baseline"), "seed_verdict"] == Verdict.DOES_NOT_HOLD
    assert set(claims.loc["GoPro", "verdict"]) == {Verdict.NOT_INFORMATIVE}  # every comparator below bicubic's 30 dB


def test_table2_layout_quotes_and_bicubic(smoke: dict[str, Any]) -> None:
    table = smoke["table2"].table
    _check_results_table(table)
    assert table.groupby("method").size().to_dict() == {m: 8 for m in ("ArcSR", "DASR", "Bicubic", *table2.QUOTED)}
    assert set(table2.COMPETITORS) == {"DASR", "MANet", "UDKE", "ReDegNet", "CMOS*"}
    dasr = table[table["method"] == "DASR"].set_index(["dataset", "degradation", "metric"])
    assert (dasr["source"] == Source.TRAINED).all() and (dasr["recipe"] == "dasr_arcsr").all() and dasr.loc[("GoPro", "x4 noise 10", "PSNR"), "paper"] == 22.70
    quoted = table[table["source"] == Source.QUOTED]
    assert set(quoted["method"]) == set(table2.QUOTED) and quoted["ours"].isna().all() and (quoted["steps"] == 0).all()
    assert (quoted["our_data"] == "none: quoted from the paper").all()
    assert quoted.set_index(["method", "dataset", "degradation", "metric"]).loc[("MANet", "GoPro", "x4 noise 10", "SSIM"), "paper"] == 0.72
    arcsr = table[table["method"] == "ArcSR"].set_index(["dataset", "degradation", "metric"])
    assert (arcsr["source"] == Source.TRAINED).all() and set(arcsr["seeds"]) == {(0,)} and arcsr.loc[("GoPro", "x4 noise 0", "PSNR"), "paper"] == 24.33
    assert arcsr.loc[("GoPro", "x4 noise 0", "SSIM"), "note"] == published.GOPRO_SSIM_NOTE
    bicubic = table[table["method"] == "Bicubic"]
    assert (bicubic["source"] == Source.COMPUTED).all() and bicubic["paper"].isna().all() and bicubic["ours"].notna().all()
    noisy = bicubic.set_index(["dataset", "degradation", "metric"])["ours"]
    assert noisy[("REDS", "x4 noise 10", "PSNR")] < noisy[("REDS", "x4 noise 0", "PSNR")]
    assert smoke["table2"].summary["margins"] == "REDS: text +0.44 dB, Table 2 +0.09 dB; GoPro: text +0.09 dB, Table 2 +0.44 dB"
    assert [path.name for path in smoke["table2"].figures] == ["table2_gap.png"]


def test_table2_claims_arcsr_over_dasr_per_cell(smoke: dict[str, Any]) -> None:
    claims = smoke["table2"].claims
    _check_results_table(claims)
    assert len(claims) == 4 and set(claims["seeds"]) == {(0,)}
    rows = claims.set_index(["dataset", "degradation"])
    assert rows.loc[("GoPro", "x4 noise 0"), "paper"] == pytest.approx(24.33 - 23.27) and rows.loc[("REDS", "x4 noise 10"), "paper"] == pytest.approx(0.12)
    assert (claims["better_parameters"] == _SIZES["arcsr"]).all() and (claims["worse_parameters"] == _SIZES["dasr_arcsr"]).all()
    table = smoke["table2"].table.set_index(["method", "dataset", "degradation", "metric"])["ours"]
    for (dataset, degradation), row in rows.iterrows():
        assert row["ours"] == pytest.approx(table[("ArcSR", dataset, degradation, "PSNR")] - table[("DASR", dataset, degradation, "PSNR")])
        assert row["bicubic"] == table[("Bicubic", dataset, degradation, "PSNR")]
    # one seed each: not checkable, unless DASR is below bicubic (the stand-ins are torch bicubic, about MATLAB's)
    assert set(claims["verdict"]) <= {Verdict.NOT_CHECKABLE, Verdict.NOT_INFORMATIVE}
    below = claims["bicubic"] > claims.apply(lambda row: table[("DASR", row["dataset"], row["degradation"], "PSNR")], axis=1)
    assert (claims.loc[below, "verdict"] == Verdict.NOT_INFORMATIVE).all() and (claims.loc[~below, "verdict"] == Verdict.NOT_CHECKABLE).all()
