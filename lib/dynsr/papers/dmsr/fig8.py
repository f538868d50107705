"""DMSR Fig. 8 (§4.3): the blur kernels the degradation extractor estimates, with and without the DC loss, and their errors.

The paper shows, at ×4 with σ_k 1.3 and σ_n 50 (Table 2's cell), the ground-truth kernel beside the DE's estimates
without and with the degradation-consistency loss, and prints no number. Here every row of Table 2 (the extractor's
losses: none / DR / DR + DC(LR) / all three, the same weights as the table, each seed) estimates the kernel and the noise
of every Set5 LR image of that cell; the rows give, per seed and as the mean over seeds, the kernel's mean squared error
against the true 15×15 kernel and the noise estimate's RMSE against the true level (0-255; the mean of the per-pixel map
N_est), our addition. The figure shows the true kernel and each row's estimate on the first image (seed 0).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from dynsr.degradations.testsets import cached_lr
from dynsr.experiments.common import SeededParams, check_seeds, per_seed_runs, seed_columns, training_columns
from dynsr.experiments.scoring import TrainedModel, profile_images, trained_model
from dynsr.papers.dmsr.published import ABLATIONS
from dynsr.papers.dmsr.settings import dmsr_table2
from dynsr.paths import profile_results_dir
from dynsr.plots import save_figure
from dynsr.profiles import Profile, get_profile
from dynsr.results import trained_row, write_table

__all__ = ["Fig8Params", "TABLE_STEM", "FIGURE", "METRICS", "estimate_errors", "build_table", "summary", "run"]

Fig8Params = SeededParams  # the notebook's parameters: Table 2's rows, each seed
TABLE_STEM = "dmsr/tables/fig8_kernel_estimates"
FIGURE = "fig8_kernel_estimates.png"
KERNEL_MSE, NOISE_RMSE = "kernel MSE (x1e-4)", "noise RMSE (0-255)"  # a kernel's 225 taps sum to 1: MSEs are ~1e-4
METRICS = (KERNEL_MSE, NOISE_RMSE)


def _recipes() -> dict[str, str]:
    """Table 2's rows: label → recipe, in the paper's order (without any DE loss … DMSR)."""
    return {row.label: row.recipe for row in ABLATIONS["table2"].rows}


def estimate_errors(model: torch.nn.Module, lrs: list[np.ndarray], kernel: np.ndarray, noise: float) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """Per LR image (h, w, 3, float in [0, 1]): the DE's kernel MSE against ``kernel`` (15, 15) and the RMSE (0-255) of its noise
    estimate, the per-pixel map N_est, against ``noise`` (0-255); and each estimated kernel."""
    rows, kernels = [], []
    with torch.no_grad():
        for lr in lrs:
            estimate = model.estimate_degradation(torch.from_numpy(np.ascontiguousarray(lr.transpose(2, 0, 1), dtype=np.float32))[None])
            estimated = estimate.kernel[0].double().numpy()  # (15, 15)
            level = 255.0 * estimate.noise[0].double().numpy()  # (3, h, w) or (1,): the map or the level, 0-255
            rows.append({KERNEL_MSE: 1e4 * float(np.mean((estimated - kernel) ** 2)), NOISE_RMSE: float(np.sqrt(np.mean((level - noise) ** 2))),
                         "estimated_noise": float(level.mean())})
            kernels.append(estimated)
    return pd.DataFrame(rows), kernels


def _rows_and_kernels(profile: Profile) -> tuple[Callable[..., list[dict]], dict[str, np.ndarray]]:
    """``rows(label, recipe, trained, profile)`` for :func:`dynsr.experiments.common.per_seed_runs`, and the first image's estimated
    kernel of each (label, seed) it has seen."""
    setting = dmsr_table2()[0]
    images = profile_images(setting.dataset, profile)
    lrs = [cached_lr(setting.dataset, image, setting.degradation) for image in images]
    kernel, noise = setting.degradation.kernel.build(), float(setting.degradation.noise)
    shown: dict[str, np.ndarray] = {}

    def rows(label: str, recipe: str, trained: TrainedModel, profile: Profile) -> list[dict]:
        errors, kernels = estimate_errors(trained.model, lrs, kernel, noise)
        shown[f"{label} s{trained.seed}"] = kernels[0]
        return [{"method": label, "recipe": recipe, "seed": trained.seed, "dataset": setting.dataset, "scale": setting.degradation.scale,
                 "degradation": setting.label, "metric": metric, "value": float(errors[metric].mean()),
                 "estimated_noise": float(errors["estimated_noise"].mean()), "n_images": len(lrs),
                 "noise_seed": setting.degradation.noise_seed, **training_columns(trained)} for metric in METRICS]

    return rows, shown


def build_table(per_seed: pd.DataFrame, profile: str) -> pd.DataFrame:
    """Mean-over-seeds rows per (Table 2 row, metric); no published value (the paper prints none)."""
    rows = []
    for (method, metric), cell in per_seed.groupby(["method", "metric"], sort=False):
        cell = cell.sort_values("seed")
        values, first = cell["value"].to_numpy(), cell.iloc[0]
        rows.append(trained_row(method=method, dataset=first["dataset"], scale=int(first["scale"]), degradation=first["degradation"], metric=metric,
                                paper=None, ours=float(values.mean()), profile=profile, steps=int(cell["steps"].max()), seeds=cell["seed"].tolist(),
                                noise_seed=int(first["noise_seed"]), n_images=int(first["n_images"]), recipe=first["recipe"],
                                estimated_noise=float(cell["estimated_noise"].mean()), parameters=int(first["parameters"]), **seed_columns(values)))
    return pd.DataFrame(rows)


def _figure(truth: np.ndarray, shown: Mapping[str, np.ndarray], table: pd.DataFrame, *, title: str) -> plt.Figure:
    """The true kernel, then each row's estimate on the first image (one seed), on one colour scale, its mean MSE above it."""
    mse = table[table["metric"] == KERNEL_MSE].set_index("method")["ours"]
    panels = {"true kernel (σ_k 1.3)": truth, **{label: kernel for label, kernel in shown.items()}}
    top = max(float(panel.max()) for panel in panels.values())
    figure, axes = plt.subplots(1, len(panels), figsize=(2.3 * len(panels), 2.9), squeeze=False, layout="constrained")
    for axis, (label, panel) in zip(axes[0], panels.items(), strict=True):
        axis.imshow(panel, cmap="viridis", vmin=0, vmax=top, interpolation="nearest")
        axis.set_xticks([]), axis.set_yticks([])
        method = label.rsplit(" s", 1)[0]
        axis.set_title(f"{label}\nMSE {mse[method]:.3f}e-4 (mean over seeds)" if method in mse else label, fontsize=7)
    figure.suptitle(title, fontsize=9)
    return figure


def summary(table: pd.DataFrame) -> str:
    """Which Table 2 row's DE estimates the kernel best, and whether the DC loss lowers the kernel error (DR + DC against DR alone)."""
    mse = table[table["metric"] == KERNEL_MSE].set_index("method")["ours"]
    labels = list(_recipes())
    with_dc, without_dc = labels[-1], labels[1]  # DMSR (all three losses) and DR alone: the paper's with / without DC
    return (f"rows: {', '.join(mse.index)}; seeds {table['seeds'].iloc[0]}\n"
            f"lowest kernel error: {mse.idxmin()}\n"
            f"the DC loss lowers the kernel error ({with_dc} against {without_dc}): {bool(mse[with_dc] < mse[without_dc])}")


def run(params: Fig8Params) -> tuple[pd.DataFrame, list[str]]:
    """Load (or train) Table 2's rows for every seed, estimate, write the table and the figure."""
    check_seeds(params)
    profile = get_profile(params.profile)
    rows, shown = _rows_and_kernels(profile)
    per_seed, _ = per_seed_runs(_recipes(), params, scale=dmsr_table2()[0].degradation.scale, load=trained_model, rows=rows)
    table = build_table(per_seed, profile.name)
    write_table(table, TABLE_STEM, profile=profile.name,
                metadata={"source": "DMSR Fig. 8 (§4.3; the paper prints no number)",
                          "note": "ours = mean over seeds (ours_per_seed: each) of the mean over Set5's LR images of the DE's kernel MSE against "
                                  "the true 15x15 kernel, and of the RMSE (0-255) of its per-pixel noise map against the true level; the "
                                  "weights are Table 2's rows"})
    seed = min(params.seeds)
    first = {label: kernel for label, kernel in shown.items() if label.endswith(f" s{seed}")}
    title = f"DMSR Fig. 8: the DE's kernel estimates, Set5 x4, σ_k 1.3, σ_n 50 ({profile.name} profile, seed {seed}, first image)"
    path = save_figure(_figure(dmsr_table2()[0].degradation.kernel.build(), first, table, title=title),
                       profile_results_dir(profile.name) / "dmsr" / "figures" / FIGURE)
    return table, [str(path)]
