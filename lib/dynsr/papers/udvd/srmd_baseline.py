"""Notebook 01: SRMD (trained here) and bicubic on UDVD Table 2's grid, beside the SRMD row UDVD prints.

UDVD Table 2 (6 degradations: kernel width 0.2 / 1.3 / 2.6 x noise 15 / 50; x2 / x3 / x4; Set5, Set14,
BSD100) with the SRMD test harness (:func:`dynsr.papers.udvd.settings.udvd_table2`). SRMD's printed
numbers come from the official SRMD weights (UDVD ran SRMD's code); ours are full-size SRMD networks
trained with the recipe of :mod:`dynsr.training.recipes` at the run's profile, one seed, so the gap
measures reduced-scale training, not the method. Bicubic has no row in UDVD Table 2; it is shown for
reference (paper = NaN). Both are scored on the profile's network images (``cpu``: every image of Set5
and Set14, the first 20 of BSD100; ``n_images`` in every row).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dynsr.experiments import scoring
from dynsr.experiments.common import TableOutputs
from dynsr.experiments.scoring import bicubic_scores, compare_rows, score, trained_model
from dynsr.papers.udvd.published import table2
from dynsr.papers.udvd.settings import udvd_table2
from dynsr.paths import profile_results_dir
from dynsr.plots import gap_plot, save_figure, training_curves
from dynsr.profiles import get_profile
from dynsr.results import trained_row, write_table
from dynsr.training.config import TrainConfig
from dynsr.training.trainer import validation_setting

__all__ = ["Params", "Outputs", "run", "SCALES", "side_by_side", "gap_by_dataset"]

SCALES = (2, 3, 4)


@dataclass(frozen=True)
class Params(scoring.Params):
    """Parameters of ``notebooks/01_srmd_baseline.ipynb``.

    Attributes:
        profile: ``smoke`` (4 training steps, the central 96² of 2 images per set), ``cpu`` (the committed results) or ``paper``.
        progress: show progress bars (off for nbval, which compares stderr).
        retrain: train again instead of using the profile's exported weights.
    """


@dataclass(frozen=True, kw_only=True)
class Outputs(TableOutputs):
    training: pd.DataFrame


def side_by_side(table: pd.DataFrame) -> pd.DataFrame:
    """SRMD rows (paper | ours | gap) with the bicubic score of the same cell beside them."""
    keys = ["dataset", "scale", "degradation"]
    srmd = table[table["method"] == "SRMD"]
    bicubic = table[table["method"] == "Bicubic"].set_index(keys)["ours"].rename("bicubic")
    return srmd.join(bicubic, on=keys)[keys + ["paper", "ours", "gap", "bicubic", "n_images"]].reset_index(drop=True)


def gap_by_dataset(table: pd.DataFrame) -> pd.DataFrame:
    """Mean, smallest and largest SRMD gap (ours − paper) per data set."""
    return table[table["method"] == "SRMD"].groupby("dataset", sort=False)["gap"].agg(["mean", "min", "max"])


def run(params: Params) -> Outputs:
    """Train or load SRMD x2/x3/x4, score it and bicubic on UDVD Table 2, write tables and figures."""
    profile = get_profile(params.profile)
    paper = {(v.dataset, v.scale, v.setting): v.value for v in table2("SRMD")}
    rows, training, logs = [], [], {}
    for scale in SCALES:
        trained = trained_model("srmd", params, scale=scale)
        provenance = trained.provenance
        settings = [setting for setting in udvd_table2() if setting.degradation.scale == scale]
        srmd = score(trained.model, settings, profile)  # cpu: every image of Set5 / Set14, the first 20 of BSD100 (as the UDVD notebooks)
        bicubic = bicubic_scores(settings, profile, scale=scale)
        rows += compare_rows(srmd, "SRMD", table2("SRMD"), profile=profile.name, trained=trained)
        rows += compare_rows(bicubic, "Bicubic", [], profile=profile.name, trained=None)
        log = pd.DataFrame(provenance["log"])
        logs[f"x{scale}"] = log
        config = provenance["config"]
        validation = validation_setting(TrainConfig.from_dict(config))
        published = paper.get((validation.dataset, scale, f"x{scale} {validation.label}"))
        training.append(trained_row(
            method="SRMD", dataset=validation.dataset, scale=scale, degradation=f"x{scale} {validation.label}",
            metric="PSNR (validation at the end of training)", paper=published, ours=float(log["val_psnr"].dropna().iloc[-1]), profile=profile.name,
            steps=trained.steps, seeds=(trained.seed,), noise_seed=validation.degradation.noise_seed, n_images=config["validation_images"],
            model="srmd", parameters=sum(p.numel() for p in trained.model.parameters()), train_seconds=provenance["train_seconds"],
            threads=provenance["threads"], train_sets="+".join(config["train_sets"]), lr_patch=config["lr_patch"], batch_size=config["batch_size"],
        ))
    table = pd.DataFrame(rows)
    training_table = pd.DataFrame(training)
    metadata = {"source": "UDVD Table 2 (SRMD row: official SRMD weights run by the UDVD authors)", "metric": "PSNR, Y, crop = scale",
                "note": "ours = full-size SRMD trained at this profile (see srmd_training.csv); bicubic has no published row"}
    write_table(table, "udvd/tables/srmd_table2", profile=profile.name, metadata=metadata)
    figures_dir = profile_results_dir(profile.name) / "udvd" / "figures"
    figures = [
        save_figure(training_curves(logs, title=f"SRMD training ({profile.name} profile)"), figures_dir / "srmd_training_curves.png"),
        save_figure(gap_plot(table[table["method"] == "SRMD"], title="SRMD, ours − UDVD Table 2 (PSNR, dB)", group="dataset"), figures_dir / "srmd_table2_gap.png"),
    ]
    write_table(training_table, "udvd/tables/srmd_training", profile=profile.name,
                metadata={"note": "validation PSNR of the float32 weights at the last step (full validation set); paper = UDVD Table 2's SRMD cell of that setting"})
    srmd_rows = table[table["method"] == "SRMD"]
    summary = {
        "parameters": " / ".join(f"x{row.scale} {row.parameters:,}" for row in training_table.itertuples()),
        "cells": f"{len(srmd_rows)} SRMD cells with a published value, {int((table['method'] == 'Bicubic').sum())} bicubic reference cells",
    }
    return Outputs(table=table, training=training_table, figures=figures, summary=summary)
