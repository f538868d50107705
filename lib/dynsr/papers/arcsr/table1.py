"""ArcSR Table 1 (§4.3): the ablation of DMconv and KGconv at ×4, noise 0, on REDS and GoPro.

Every variant is the full-size network (switches of :mod:`dynsr.models.arcsr`) trained with the same recipe
(:mod:`.recipes`) at the run's profile, once per seed; ours = the mean over seeds, each seed's score beside it. The
paper's numbers are on the full REDS and GoPro test sets; ours on the shared pairs (8 GoPro, 3 REDS; every row names
both, :func:`.common.data_columns`), our models trained on synthetic motion blur (docs/decisions/arcsr.md, A14). The
claims of §4.3 become paired-by-seed verdicts (:mod:`dynsr.claims`) with both networks' parameter counts (KGconv adds
"no additional parameters" over the concatenation it replaces: the verdict shows the counts) and bicubic on the same
pairs (a comparator below it makes the verdict "not informative").
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from dynsr.claims import paired_claim
from dynsr.experiments.common import SeededOutputs, SeededParams, check_seeds, per_seed_runs, seed_columns, training_columns, write_seeded_outputs
from dynsr.experiments.scoring import TrainedModel, score, trained_model
from dynsr.papers.arcsr.common import bicubic_psnr, data_columns
from dynsr.papers.arcsr.published import SCALE, TABLE1, TABLE1_SETTING, table1
from dynsr.papers.arcsr.settings import ARCSR_DATASETS, arcsr_table1
from dynsr.profiles import Profile
from dynsr.results import trained_row

__all__ = ["Table1Params", "CLAIMS", "run"]

Table1Params = SeededParams  # the notebook's parameters: every variant is trained once per seed

# (claim, better recipe, worse recipe): §4.3's text (the single-module gains) and Table 1 (full above every other row).
CLAIMS: tuple[tuple[str, str, str], ...] = (
    ("KGconv helps: w/o DMconv > Baseline", "arcsr_no_dmconv", "arcsr_baseline"),
    ("DMconv helps: w/o KGconv > Baseline", "arcsr_no_kgconv", "arcsr_baseline"),
    ("full > w/o DMconv", "arcsr", "arcsr_no_dmconv"),
    ("full > w/o KGconv", "arcsr", "arcsr_no_kgconv"),
    ("full > Baseline", "arcsr", "arcsr_baseline"),
)


def _published(recipe: str, dataset: str, metric: str) -> float:
    """Table 1's cell of ``recipe`` (its row's record)."""
    label = TABLE1[recipe][0]
    return next(value.value for value in table1() if (value.method, value.dataset, value.metric) == (label, dataset, metric))


def _rows(label: str, recipe: str, trained: TrainedModel, profile: Profile) -> list[dict]:
    """One variant's per-seed rows: its mean PSNR and SSIM on each data set."""
    means = score(trained.model, arcsr_table1(), profile, with_ssim=True)
    return [{"recipe": recipe, "method": label, "dataset": cell.dataset, "seed": trained.seed, "PSNR": cell.PSNR, "SSIM": cell.SSIM,
             "n_images": int(cell.n_images), "noise_seed": int(cell.noise_seed), **training_columns(trained)} for cell in means.itertuples()]


def _table(per_seed: pd.DataFrame, profile: str) -> pd.DataFrame:
    rows = []
    notes = {(value.method, value.dataset, value.metric): value.note for value in table1()}
    for recipe, (label, *_) in TABLE1.items():
        for dataset in ARCSR_DATASETS:
            runs = per_seed[(per_seed["recipe"] == recipe) & (per_seed["dataset"] == dataset)]
            for metric in ("PSNR", "SSIM"):
                values = runs[metric].to_numpy()
                n_images = int(runs["n_images"].iloc[0])
                rows.append(trained_row(method=label, dataset=dataset, scale=SCALE, degradation=TABLE1_SETTING, metric=metric,
                                        paper=_published(recipe, dataset, metric), ours=float(values.mean()), profile=profile,
                                        steps=int(runs["steps"].iloc[0]), seeds=runs["seed"].tolist(), noise_seed=int(runs["noise_seed"].iloc[0]),
                                        n_images=n_images, recipe=recipe, **seed_columns(values), parameters=int(runs["parameters"].iloc[0]),
                                        note=notes[(label, dataset, metric)], **data_columns(dataset, n_images, profile)))
    return pd.DataFrame(rows)


def _claims(per_seed: pd.DataFrame, profile: str, bicubic: dict[tuple[str, str], float]) -> pd.DataFrame:
    """Paired verdicts per data set, each with both networks' parameter counts and bicubic's PSNR on the same pairs."""
    rows = []
    steps = int(per_seed["steps"].max())
    for dataset in ARCSR_DATASETS:
        runs = per_seed[per_seed["dataset"] == dataset]
        psnr = {recipe: dict(zip(group["seed"], group["PSNR"])) for recipe, group in runs.groupby("recipe")}
        first = runs.groupby("recipe").first()  # parameters, images and noise seed of each variant
        for claim, better, worse in CLAIMS:
            sizes = (int(first.loc[better, "parameters"]), int(first.loc[worse, "parameters"]))
            reference = bicubic[(dataset, TABLE1_SETTING)]
            verdict = paired_claim(claim, psnr[better], psnr[worse], bicubic=reference, parameters=sizes,
                                   paper_difference=round(_published(better, dataset, "PSNR") - _published(worse, dataset, "PSNR"), 4))
            n_images = int(first.loc[better, "n_images"])
            rows.append(verdict.row(method=f"{TABLE1[better][0]} − {TABLE1[worse][0]}", dataset=dataset, scale=SCALE, degradation=TABLE1_SETTING,
                                    metric="PSNR", profile=profile, steps=steps, noise_seed=int(first.loc[better, "noise_seed"]), n_images=n_images,
                                    better_parameters=sizes[0], worse_parameters=sizes[1], bicubic=reference, **data_columns(dataset, n_images, profile)))
    return pd.DataFrame(rows)


def _figure(table: pd.DataFrame, per_seed: pd.DataFrame, profile: str, bicubic: dict[tuple[str, str], float]) -> plt.Figure:
    """PSNR per variant, one panel per data set: the paper's (squares), our mean (bars), each seed (dots), bicubic on our pairs (line)."""
    figure, axes = plt.subplots(1, len(ARCSR_DATASETS), figsize=(9, 3.4), squeeze=False)
    for axis, dataset in zip(axes[0], ARCSR_DATASETS):
        psnr = table[(table["metric"] == "PSNR") & (table["dataset"] == dataset)].reset_index(drop=True)
        positions = np.arange(len(psnr))
        axis.scatter(positions, psnr["paper"], marker="s", color="0.2", label="paper (full test set)")
        axis.bar(positions, psnr["ours"], color="tab:blue", alpha=0.5, label=f"ours (mean over seeds, {profile})")
        axis.axhline(bicubic[(dataset, TABLE1_SETTING)], color="tab:orange", linestyle="--", label="bicubic (our pairs)")
        for position, recipe in zip(positions, psnr["recipe"]):
            seeds = per_seed[(per_seed["recipe"] == recipe) & (per_seed["dataset"] == dataset)]
            axis.scatter(np.full(len(seeds), position), seeds["PSNR"], color="tab:blue", s=14, zorder=3)
        axis.set_xticks(positions, psnr["method"], rotation=20, fontsize=7, ha="right")
        values = [*psnr["ours"], *psnr["paper"], bicubic[(dataset, TABLE1_SETTING)]]
        axis.set_ylim(min(values) - 1.0, max(values) + 0.5)
        axis.set_ylabel(f"PSNR (dB), {dataset} x4, noise 0")
        axis.legend(fontsize=6)
    figure.suptitle("ArcSR Table 1: ablation of DMconv and KGconv (dots: one seed each)", fontsize=10)
    return figure


def run(params: Table1Params) -> SeededOutputs:
    """Train or load every variant for every seed, score them, write the table, the claim verdicts and figures."""
    check_seeds(params)
    per_seed, logs = per_seed_runs({label: recipe for recipe, (label, *_) in TABLE1.items()}, params, scale=SCALE, load=trained_model, rows=_rows)
    table = _table(per_seed, params.profile)
    bicubic = bicubic_psnr(arcsr_table1(), params.profile)
    claims = _claims(per_seed, params.profile, bicubic)
    metadata = {"source": "ArcSR Table 1 (x4, noise 0; the paper: full REDS/GoPro test sets, ours: the shared pairs)",
                "metric": "PSNR/SSIM, Y, crop = scale",
                "note": "ours = mean over seeds of full-size models trained at this profile on synthetic motion blur; ours_per_seed lists each seed"}
    return write_seeded_outputs(
        "arcsr", "table1", profile=params.profile, table=table, claims=claims, per_seed=per_seed, logs=logs, metadata=metadata,
        claims_note="paired by seed: difference = better − worse with the same seed (dynsr.claims), per data set",
        figure=_figure(table, per_seed, params.profile, bicubic), figure_name="table1_ablation.png",
        curves_title=f"ArcSR Table 1 variants, training ({params.profile} profile)", loss_label="L1 loss")
