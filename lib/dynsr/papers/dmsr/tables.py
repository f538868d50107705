"""DMSR Tables 2-4 (§4.3-4.4): the ablations, each on one Set5 cell, every row trained here for every seed.

* Table 2 (×4, σ_k 1.3, σ_n 50): the degradation extractor's losses, none / DR / DR + DC (LR) / all three (= DMSR);
* Table 3 (×2, σ_k 2.6, σ_n 15): MNM-σ or MNM-map, with or without MBM (MNM-map + MBM = DMSR);
* Table 4 (×3, σ_k 1.3, σ_n 50): one (= DMSR), two or three MBMs.

Each row is its recipe (:data:`dynsr.papers.dmsr.published.ABLATIONS`), trained once per seed; ours = the mean over
seeds, PSNR and SSIM, each seed beside it; a Bicubic row is scored on the same images. The claims of §4.3-4.4 become
paired-by-seed verdicts (:func:`dynsr.claims.paired_claim`) on PSNR, each with bicubic's PSNR on the cell (a comparator
below it makes the verdict "not informative") and both networks' parameter counts (a resolved difference won by a
network more than 5 % larger is "confounded by size"). The paper's differences are 0.01-0.11 dB; where one is no larger
than our seed spread the verdict's reason says that these seeds cannot resolve it (:func:`dynsr.claims.with_resolution`).
Table 4's claim is the absence of a gain ("adding more MBMs can not bring obvious performance increase"): its rows
state the paper's small differences as claims, and a verdict that the seeds cannot resolve them agrees with the paper
(column ``paper_claim``).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from dynsr.claims import paired_claim, with_resolution
from dynsr.degradations.testsets import TestSetting
from dynsr.experiments.common import SeededOutputs, SeededParams, check_seeds, per_seed_runs, seed_columns, training_columns, write_seeded_outputs
from dynsr.experiments.scoring import TrainedModel, bicubic_scores, compare_rows, score, trained_model
from dynsr.papers.dmsr.figures import ABLATION_GAPS
from dynsr.papers.dmsr.published import ABLATIONS, Ablation
from dynsr.papers.dmsr.settings import dmsr_table2, dmsr_table3, dmsr_table4
from dynsr.profiles import Profile, get_profile
from dynsr.results import trained_row

__all__ = ["AblationParams", "SETTINGS", "CLAIMS", "GAIN", "NO_GAIN", "run", "build_table", "build_claims"]

AblationParams = SeededParams  # the notebook's parameters: every row is trained once per seed
SETTINGS: dict[str, Callable[[], list[TestSetting]]] = {"table2": dmsr_table2, "table3": dmsr_table3, "table4": dmsr_table4}
GAIN, NO_GAIN = "a gain", "no obvious gain"  # what the paper claims of a difference (column paper_claim)

# table → (claim, better row, worse row, what the paper claims of the difference)
CLAIMS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "table2": (
        ("the DR loss helps: DR > no DE loss", "DR", "no DE loss", GAIN),
        ("the DC loss on the LR image helps: DR + DC (LR) > DR", "DR + DC (LR)", "DR", GAIN),
        ("the DC loss on kernel and noise helps: all three > DR + DC (LR)", "DR + DC (LR) + DC (KN)", "DR + DC (LR)", GAIN),
        ("the extractor's losses help: all three > no DE loss", "DR + DC (LR) + DC (KN)", "no DE loss", GAIN),
    ),
    "table3": (
        ("the noise map beats the level σ (no MBM): MNM-map > MNM-σ", "MNM-map", "MNM-σ", GAIN),
        ("the noise map beats the level σ (with MBM): MNM-map + MBM > MNM-σ + MBM", "MNM-map + MBM", "MNM-σ + MBM", GAIN),
        ("MBM helps (with MNM-σ): MNM-σ + MBM > MNM-σ", "MNM-σ + MBM", "MNM-σ", GAIN),
        ("MBM helps (with MNM-map): MNM-map + MBM > MNM-map", "MNM-map + MBM", "MNM-map", GAIN),
    ),
    "table4": (
        ("more MBMs bring no obvious gain: 2 MBMs vs 1 MBM", "2 MBMs", "1 MBM", NO_GAIN),
        ("more MBMs bring no obvious gain: 1 MBM vs 3 MBMs", "1 MBM", "3 MBMs", NO_GAIN),
    ),
}


def _rows(settings: list[TestSetting]) -> Callable[[str, str, TrainedModel, Profile], list[dict]]:
    def rows(label: str, recipe: str, trained: TrainedModel, profile: Profile) -> list[dict]:
        """One row's per-seed scores: PSNR and SSIM on the table's cell."""
        cell = score(trained.model, settings, profile, with_ssim=True).iloc[0]
        return [{"method": label, "recipe": recipe, "seed": trained.seed, "dataset": cell["dataset"], "scale": int(cell["scale"]),
                 "degradation": cell["setting"], "PSNR": cell["PSNR"], "SSIM": cell["SSIM"], "n_images": int(cell["n_images"]),
                 "noise_seed": int(cell["noise_seed"]), **training_columns(trained)}]

    return rows


def build_table(ablation: Ablation, per_seed: pd.DataFrame, bicubic: pd.DataFrame, profile: str) -> pd.DataFrame:
    rows = []
    for row in ablation.rows:
        runs = per_seed[per_seed["method"] == row.label].sort_values("seed")
        first = runs.iloc[0]
        for metric, published in (("PSNR", row.psnr), ("SSIM", row.ssim)):
            scores = runs[metric].to_numpy()
            rows.append(trained_row(method=row.label, dataset=first["dataset"], scale=int(first["scale"]), degradation=first["degradation"],
                                    metric=metric, paper=published, ours=float(scores.mean()), profile=profile, steps=int(runs["steps"].max()),
                                    seeds=runs["seed"].tolist(), noise_seed=int(first["noise_seed"]), n_images=int(first["n_images"]),
                                    recipe=row.recipe, **seed_columns(scores), parameters=int(first["parameters"])))
    rows += compare_rows(bicubic, "Bicubic", [], profile=profile, trained=None, metrics=("PSNR", "SSIM"), recipe="bicubic", parameters=0)
    return pd.DataFrame(rows)


def build_claims(ablation: Ablation, per_seed: pd.DataFrame, bicubic: float, profile: str) -> pd.DataFrame:
    psnr = {label: dict(zip(runs["seed"], runs["PSNR"])) for label, runs in per_seed.groupby("method")}
    first = per_seed.groupby("method").first()  # parameters, images, noise seed and cell of each row
    steps = per_seed.groupby("method")["steps"].max()
    rows = []
    for claim, better, worse, paper_claim in CLAIMS[ablation.name]:
        sizes = (int(first.loc[better, "parameters"]), int(first.loc[worse, "parameters"]))
        difference = round(ablation.row(better).psnr - ablation.row(worse).psnr, 4)
        verdict = with_resolution(paired_claim(claim, psnr[better], psnr[worse], paper_difference=difference, bicubic=bicubic, parameters=sizes))
        cell = first.loc[better]
        rows.append(verdict.row(method=f"{better} − {worse}", dataset=cell["dataset"], scale=int(cell["scale"]), degradation=cell["degradation"],
                                metric="PSNR", profile=profile, steps=int(max(steps[better], steps[worse])), noise_seed=int(cell["noise_seed"]),
                                n_images=int(cell["n_images"]), paper_claim=paper_claim, better_parameters=sizes[0], worse_parameters=sizes[1],
                                bicubic=bicubic))
    return pd.DataFrame(rows)


def run(params: AblationParams, name: str) -> SeededOutputs:
    """Train or load every row of ablation ``name`` (``table2`` / ``table3`` / ``table4``) for every seed, score them, write the table,
    the claim verdicts and figures."""
    check_seeds(params)
    ablation, settings = ABLATIONS[name], SETTINGS[name]()
    scale = settings[0].degradation.scale
    per_seed, logs = per_seed_runs({row.label: row.recipe for row in ablation.rows}, params, scale=scale, load=trained_model, rows=_rows(settings))
    bicubic = bicubic_scores(settings, get_profile(params.profile), scale=scale, with_ssim=True)
    table = build_table(ablation, per_seed, bicubic, params.profile)
    claims = build_claims(ablation, per_seed, float(bicubic["PSNR"].iloc[0]), params.profile)
    metadata = {"source": f"DMSR {ablation.title} ({settings[0].dataset} {settings[0].label})", "metric": "PSNR / SSIM on Y, crop = scale",
                "note": "ours = mean over seeds of full-size models trained at this profile (ours_per_seed lists each seed); the set is Set5 "
                        "(unnamed in the paper: the full model's row equals Table 1's DMSR Set5 cell); Bicubic on the same images"}
    return write_seeded_outputs(
        "dmsr", name, profile=params.profile, table=table, claims=claims, per_seed=per_seed, logs=logs, metadata=metadata,
        claims_note="paired by seed: difference = better − worse with the same seed (dynsr.claims); PSNR",
        figure=ABLATION_GAPS[name].draw(table, params.profile), figure_name=f"{name}_gap.png",
        curves_title=f"DMSR {ablation.title}, training ({params.profile} profile)",
        loss_label="loss optimised (L_RE + the row's extractor losses)")
