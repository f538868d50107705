"""DASR's figures, regenerated with the models trained here, each with numbers a picture cannot give.

* Figs. 3 and 6 (:func:`run_representations`): t-SNE of the 256-d degradation representations of
  B100 LR images (our reading of Fig. 6's unstated images, docs/decisions/dasr.md, D26), plus the kNN (leave-one-out) and
  linear-probe accuracy of the degradation class with the chance level (:func:`dynsr.papers.dasr.common.probe_accuracy`),
  and how often a representation's nearest neighbour is the same B100 image under another degradation (probe
  ``same-image``, its chance beside it): the diagnosis when the kNN accuracy falls below chance.
  Fig. 3: ×4 isotropic widths (Table 1's 0.2 / 1.0 / 1.8 / 2.6 / 3.4: the paper's legend is not
  available), Model 1 (``dasr_model1``, no L_degrad) vs Model 4 (``dasr``), every seed; the claim "Model
  4's representations cluster by σ, Model 1's do not" is a paired-by-seed verdict on the probe accuracies
  (qualitative in the paper: no published difference). Fig. 6: the setting-2 model (``dasr_aniso``),
  (a) four noise-free kernels (a near-delta, a large isotropic, a small anisotropic, a medium one, as the
  paper's thumbnails; parameters are our reading), (b) one kernel (the paper's is random and unstated)
  at noise 0 / 5 / 10 / 15.
* Fig. 4 (:func:`run_content_invariance`): content invariance. A Set14 image I₁ degraded with kernel k is
  super-resolved by ``dasr`` ×4 with the representation of each of 10 images I₁…I₁₀ degraded with the same
  k (``model(lr, representation=…)``); PSNR per source image, for a few σ. For scale, the same I₁ with the
  representation of I₁ under the *other* σ values (a wrong degradation) is scored too.
* Heat-map (:func:`run_heatmap`, not in the paper): PSNR of the setting-2 model (``dasr_aniso``, ×4)
  and of bicubic interpolation over isotropic width × noise level, and their difference, with the
  21×21 kernels drawn under the columns. The setting-2 model is the one trained on both axes (isotropic
  kernels are its λ1 = λ2 case, noise U[0, 25]); the ×4 ``dasr`` model never saw noise.
* Figs. 5 / 7 / 8 (:func:`run_visual`): crops of LR / bicubic / our models / HR with each crop's PSNR:
  Fig. 5 Urban100 ×4 at a large isotropic σ (bicubic, Model 1, DASR; the paper's two images are not
  identified), Fig. 7 a Set14 image (noise 0) and a B100 image (noise 5) with Table 3 kernels (bicubic,
  the setting-2 DASR), Fig. 8 a real image (SRMD's *chip*, ×4: the paper's image and scale are unstated)
  by DASR trained on isotropic kernels ("following [42]") and by the setting-2 model.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from dynsr.claims import ONE_SEED, paired_claim
from dynsr.data.benchmarks import NamedImage
from dynsr.data.images import GrayscaleImageWarning, load_rgb, modcrop
from dynsr.data.root import dataset_dir
from dynsr.degradations.testsets import TestSetting, cached_lr
from dynsr.evaluate import center_crop
from dynsr.experiments.common import TableFigure, gap_figure, heatmap_table_figure, write_heatmap
from dynsr.experiments.scoring import TrainedModel, model_row
from dynsr.papers.dasr.common import (
    Params, aniso_kernel, dasr_setting, iso_kernel, probe_accuracy, profile_images, representations, table3_kernel, trained_model, tsne_embedding,
)
from dynsr.fileio import write_json_atomic
from dynsr.inference import model_upscaler, receptive_radius
from dynsr.metrics import psnr, to_uint8
from dynsr.models import build_model
from dynsr.paths import profile_results_dir
from dynsr.plots import image_grid, save_figure
from dynsr.profiles import get_profile
from dynsr.results import Source, Verdict, claim_row, trained_row, write_table
from dynsr.tiling import tiled_upscale

__all__ = ["TABLE_FIGURES", "RepresentationParams", "ContentParams", "HeatmapParams", "VisualParams", "SAME_SIGMA", "OTHER_SIGMA",
           "run_representations", "run_content_invariance", "run_heatmap", "run_visual"]

# Fig. 4's rows: whose representation I_1 is super-resolved with (the ``representation`` column)
SAME_SIGMA = "same σ, image I_i"
OTHER_SIGMA = "I_1 under another σ (wrong degradation)"


def _figures_dir(profile: str) -> Path:
    return profile_results_dir(profile) / "dasr" / "figures"


def _kernel_label(kernel) -> str:
    return "no blur" if kernel is None else kernel.label


# --- Figs. 3 and 6: representations ----------------------------------------------------------------------

@dataclass(frozen=True)
class RepresentationParams(Params):
    """:class:`~dynsr.experiments.scoring.Params` plus what Figs. 3 and 6 encode.

    Attributes:
        images: B100 images per class (0 = the profile's network limit: ``cpu`` 20, ``smoke`` 2 crops).
        seeds: seeds of Model 1 and Model 4 (Fig. 3); the setting-2 model has seed 0 only.
        fig3_widths: the isotropic widths (classes) of Fig. 3.
        fig6_kernels: Fig. 6(a)'s four kernels (λ1, λ2, θ°), noise-free.
        fig6_noise_kernel: Fig. 6(b)'s kernel (λ1, λ2, θ°); fig6_noises: its noise levels.
        neighbours: k of the kNN probe (capped, see :func:`~dynsr.papers.dasr.common.probe_accuracy`).
    """

    images: int = 0
    seeds: tuple[int, ...] = (0, 1)
    fig3_widths: tuple[float, ...] = (0.2, 1.0, 1.8, 2.6, 3.4)
    fig6_kernels: tuple[tuple[float, float, float], ...] = ((0.2, 0.2, 0.0), (4.0, 4.0, 0.0), (1.2, 0.4, 45.0), (2.0, 1.2, 135.0))
    fig6_noise_kernel: tuple[float, float, float] = (2.0, 1.0, 30.0)
    fig6_noises: tuple[float, ...] = (0.0, 5.0, 10.0, 15.0)
    neighbours: int = 5


@dataclass(frozen=True)
class RepresentationOutputs:
    probes: pd.DataFrame
    claims: pd.DataFrame
    figures: list[Path]


def _probe_rows(features: np.ndarray, index: pd.DataFrame, settings: Sequence[TestSetting], *, figure: str, target: str, method: str,
                trained: TrainedModel, profile: str, neighbours: int, degradation: str) -> list[dict]:
    probe = probe_accuracy(features, index["setting_index"], index["image_index"], neighbours=neighbours)
    common = {"method": method, "dataset": "BSD100", "scale": 4, "degradation": degradation, "paper": None, "profile": profile, "steps": trained.steps,
              "seeds": (trained.seed,), "noise_seed": settings[0].degradation.noise_seed, "n_images": int(index["image_index"].nunique()),
              "figure": figure, "target": target, "recipe": trained.recipe, "seed": trained.seed, "n_samples": probe.n_samples,
              "n_classes": probe.n_classes}
    return [trained_row(**common, metric=f"kNN accuracy (leave-one-out, k={probe.neighbours})", ours=probe.knn_accuracy, probe="knn",
                        chance=probe.chance),
            trained_row(**common, metric=f"linear-probe accuracy ({probe.folds}-fold by image)", ours=probe.linear_accuracy, probe="linear",
                        chance=probe.chance),
            trained_row(**common, metric="nearest neighbour is the same image (content, not degradation)", ours=probe.same_image_rate,
                        probe="same-image", chance=probe.same_image_chance)]


def _tsne_panel(axis: plt.Axes, embedding: np.ndarray, classes: np.ndarray, names: Sequence[str], title: str) -> None:
    colors = plt.get_cmap("viridis")(np.linspace(0, 0.95, len(names)))
    for number, name in enumerate(names):
        chosen = classes == number
        axis.scatter(embedding[chosen, 0], embedding[chosen, 1], s=12, color=colors[number], label=name)
    axis.set_xticks([])
    axis.set_yticks([])
    axis.set_title(title, fontsize=8)
    axis.legend(fontsize=6, markerscale=0.8)


def _accuracy_text(rows: list[dict]) -> str:
    by_probe = {row["probe"]: row for row in rows}
    return (f"kNN {by_probe['knn']['ours']:.2f}, linear {by_probe['linear']['ours']:.2f} (chance {by_probe['knn']['chance']:.2f})\n"
            f"nearest neighbour = same image: {by_probe['same-image']['ours']:.2f} (chance {by_probe['same-image']['chance']:.2f})")


def run_representations(params: RepresentationParams) -> RepresentationOutputs:
    """Figs. 3 and 6: representations, probe accuracies, t-SNE figures and the Fig. 3 verdicts."""
    profile = get_profile(params.profile)
    images = profile_images("BSD100", profile, limit=params.images or None)
    if len(images) < 2:
        raise ValueError("the probes need at least 2 images per class")
    rows, figures = [], []
    fig3_settings = [dasr_setting("BSD100", 4, iso_kernel(w), 0.0, label=f"σ={w:g}", table="Fig. 3") for w in params.fig3_widths]
    fig3_names = [s.label for s in fig3_settings]
    fig3_degradation = "isotropic " + ", ".join(fig3_names) + ", noise 0"
    embeddings = {}
    for method, recipe in (("Model 1", "dasr_model1"), ("Model 4", "dasr")):
        for seed in params.seeds:
            trained = trained_model(recipe, params, scale=4, seed=seed)
            features, index = representations(trained.model, images, fig3_settings)
            probe = _probe_rows(features, index, fig3_settings, figure="Fig. 3", target="kernel width σ", method=method, trained=trained,
                                profile=profile.name, neighbours=params.neighbours, degradation=fig3_degradation)
            rows += probe
            if seed == params.seeds[0]:
                embeddings[method] = (tsne_embedding(features), index["setting_index"].to_numpy(), _accuracy_text(probe))
    figure, axes = plt.subplots(1, 2, figsize=(10, 4.4))
    for axis, (method, (embedding, classes, text)) in zip(axes, embeddings.items()):
        _tsne_panel(axis, embedding, classes, fig3_names, f"({'a' if method == 'Model 1' else 'b'}) {method}, seed {params.seeds[0]}: {text}")
    figure.suptitle(f"DASR Fig. 3: t-SNE of degradation representations, B100 x4, {len(images)} images per σ ({profile.name} profile)", fontsize=10, y=1.03)
    figures.append(save_figure(figure, _figures_dir(profile.name) / "fig3_tsne.png"))

    aniso = trained_model("dasr_aniso", params, scale=4)
    fig6a = [dasr_setting("BSD100", 4, aniso_kernel(*k), 0.0, label=f"λ=({k[0]:g},{k[1]:g}) θ={k[2]:g}°", table="Fig. 6a") for k in params.fig6_kernels]
    fig6b = [dasr_setting("BSD100", 4, aniso_kernel(*params.fig6_noise_kernel), n, label=f"noise {n:g}", table="Fig. 6b") for n in params.fig6_noises]
    figure, axes = plt.subplots(1, 2, figsize=(10, 4.4))
    for axis, part, settings, target in ((axes[0], "a", fig6a, "blur kernel (noise-free)"), (axes[1], "b", fig6b, "noise level (one kernel)")):
        features, index = representations(aniso.model, images, settings)
        names = [s.label for s in settings]
        degradation = ("kernels " + "; ".join(names) + ", noise 0") if part == "a" else (
            f"kernel λ=({params.fig6_noise_kernel[0]:g},{params.fig6_noise_kernel[1]:g}) θ={params.fig6_noise_kernel[2]:g}°, " + ", ".join(names))
        probe = _probe_rows(features, index, settings, figure=f"Fig. 6({part})", target=target, method="DASR (setting 2)", trained=aniso,
                            profile=profile.name, neighbours=params.neighbours, degradation=degradation)
        rows += probe
        _tsne_panel(axis, tsne_embedding(features), index["setting_index"].to_numpy(), names, f"({part}) {target}: {_accuracy_text(probe)}")
        if part == "a":
            for number, setting in enumerate(settings):
                inset = axis.inset_axes([0.02 + 0.12 * number, 0.02, 0.1, 0.1])
                kernel = setting.degradation.kernel.build()
                inset.imshow(kernel / kernel.max(), cmap="gray", interpolation="nearest")
                inset.set_xticks([])
                inset.set_yticks([])
                inset.set_title(str(number + 1), fontsize=5, pad=1)
    figure.suptitle(f"DASR Fig. 6: t-SNE of the setting-2 model's representations, B100 x4, {len(images)} images per class ({profile.name} profile)", fontsize=10, y=1.03)
    figures.append(save_figure(figure, _figures_dir(profile.name) / "fig6_tsne.png"))

    probes = pd.DataFrame(rows)
    write_table(probes, "dasr/tables/figs3_6_probes", profile=profile.name,
                metadata={"note": "accuracy of the degradation class from the 256-d representation (before the projection head); chance = majority-class "
                                  "rate; kNN leave-one-out on standardised features, linear probe = logistic regression with folds by image; "
                                  "no published numbers (the paper shows t-SNE pictures only)"})
    claims = _representation_claims(probes, profile.name)
    write_table(claims, "dasr/tables/figs3_6_claims", profile=profile.name,
                metadata={"note": "Fig. 3: paired by seed (dynsr.claims), qualitative in the paper (paper = NaN); Fig. 6: one seed, accuracy vs chance"})
    return RepresentationOutputs(probes, claims, figures)


def _representation_claims(probes: pd.DataFrame, profile: str) -> pd.DataFrame:
    rows = []
    accuracies = probes[probes["probe"].isin(["knn", "linear"])]  # the same-image rate is a diagnosis, not a claim
    fig3 = accuracies[accuracies["figure"] == "Fig. 3"]
    for probe, cells in fig3.groupby("probe", sort=False):
        scores = {method: dict(zip(runs["seed"], runs["ours"])) for method, runs in cells.groupby("method")}
        verdict = paired_claim(f"Fig. 3: Model 4's representation separates σ better than Model 1's ({probe} accuracy)", scores["Model 4"], scores["Model 1"],
                               paper_difference=None)
        rows.append(verdict.row(method="Model 4 − Model 1", dataset="BSD100", scale=4, degradation=cells["degradation"].iloc[0],
                                metric=f"{probe} accuracy difference", profile=profile, steps=int(cells["steps"].max()),
                                noise_seed=cells["noise_seed"].iloc[0], n_images=int(cells["n_images"].iloc[0]), chance=float(cells["chance"].iloc[0])))
    for _, row in accuracies[accuracies["figure"] != "Fig. 3"].iterrows():
        claim = {"Fig. 6(a)": "Fig. 6(a): blur kernels are 'roughly' distinguished", "Fig. 6(b)": "Fig. 6(b): noise levels cluster 'easily'"}[row["figure"]]
        above = row["ours"] > row["chance"]
        rows.append(claim_row(claim=f"{claim} ({row['probe']} accuracy above chance)", verdict=Verdict.NOT_CHECKABLE,
                              reason=f"{ONE_SEED}; accuracy {'above' if above else 'not above'} chance", method=row["method"], dataset="BSD100", scale=4,
                              degradation=row["degradation"], metric=f"{row['probe']} accuracy − chance", paper=None, ours=row["ours"] - row["chance"],
                              profile=profile, steps=row["steps"], seeds=row["seeds"], noise_seed=row["noise_seed"], n_images=row["n_images"],
                              paper_difference=np.nan, ours_mean_difference=row["ours"] - row["chance"], ours_min_difference=np.nan,
                              ours_max_difference=np.nan, seed_spread=np.nan, chance=row["chance"]))
    return pd.DataFrame(rows)


# --- Fig. 4: content invariance --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ContentParams(Params):
    """:class:`~dynsr.experiments.scoring.Params` plus Fig. 4's reading: the target image I₁, the number of
    source images (I₁ and the next Set14 images in name order) and the isotropic widths (×4)."""

    target: str = "zebra"
    sources: int = 10
    widths: tuple[float, ...] = (1.2, 2.4, 3.6)


def _load_named(dataset: str, name: str, crop: int | None) -> NamedImage:
    """One image of a benchmark folder by file stem (without loading the whole set), centre-cropped where ``crop``."""
    folder = dataset_dir(dataset)
    matches = [p for p in folder.iterdir() if p.stem == name]
    if not matches:
        raise KeyError(f"{dataset} has no image {name!r}")
    with warnings.catch_warnings(record=True) as caught:  # Set14 bridge: replicated to RGB, as load_benchmark does
        warnings.simplefilter("always", GrayscaleImageWarning)
        pixels = load_rgb(matches[0], allow_grayscale=True)
    image = NamedImage(name, pixels, was_grayscale=any(issubclass(w.category, GrayscaleImageWarning) for w in caught))
    return center_crop(image, crop) if crop else image


def _tensor(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1), dtype=np.float32))[None]  # (1, 3, h, w)


def _sr_with(model: torch.nn.Module, lr: np.ndarray, representation: torch.Tensor) -> np.ndarray:
    """SR of ``lr`` (h, w, 3) with a given representation (1, 256); tiled, exact."""
    with torch.no_grad():
        out = tiled_upscale(lambda crop: model(crop, representation=representation), _tensor(lr), scale=model.scale, tile=256,
                            overlap=receptive_radius(model))
    return out[0].permute(1, 2, 0).double().numpy()  # (s·h, s·w, 3)


def run_content_invariance(params: ContentParams) -> tuple[pd.DataFrame, list[Path]]:
    """DASR Fig. 4: PSNR of I₁ super-resolved with the representation of each I_i (same kernel), per σ."""
    profile = get_profile(params.profile)
    if params.sources < 2:
        raise ValueError("Fig. 4 needs at least 2 source images")
    names = sorted(p.stem for p in dataset_dir("Set14").iterdir() if p.suffix == ".png")
    if params.target not in names:
        raise KeyError(f"Set14 has no image {params.target!r}; images: {', '.join(names)}")
    ordered = [params.target] + [n for n in names if n != params.target][: params.sources - 1]
    if len(ordered) < params.sources:
        raise ValueError(f"Set14 has {len(names)} images; sources={params.sources} is too many")
    images = [_load_named("Set14", name, profile.benchmark_crop) for name in ordered]
    trained = trained_model("dasr", params, scale=4)
    model = trained.model
    settings = {w: dasr_setting("Set14", 4, iso_kernel(w), 0.0, label=f"σ={w:g}", table="Fig. 4") for w in params.widths}
    hr = modcrop(images[0].pixels, 4)
    reps = {}
    with torch.no_grad():
        for width, setting in settings.items():
            for number, image in enumerate(images, start=1):
                reps[(width, number)] = model.degradation_representation(_tensor(cached_lr("Set14", image, setting.degradation)))
    rows = []
    for width, setting in settings.items():
        lr = cached_lr("Set14", images[0], setting.degradation).astype(np.float64)
        common = {"method": "DASR", "dataset": "Set14", "scale": 4, "degradation": setting.label, "metric": "PSNR", "paper": None, "profile": profile.name,
                  "steps": trained.steps, "seeds": (trained.seed,), "noise_seed": setting.degradation.noise_seed, "n_images": 1, "recipe": "dasr",
                  "target": images[0].name}
        for number, image in enumerate(images, start=1):
            value = psnr(to_uint8(_sr_with(model, lr, reps[(width, number)])), hr, crop=4)
            rows.append(trained_row(**common, ours=value, representation=SAME_SIGMA, source_index=number, source_image=image.name, source_sigma=width))
        for other in params.widths:
            if other != width:
                value = psnr(to_uint8(_sr_with(model, lr, reps[(other, 1)])), hr, crop=4)
                rows.append(trained_row(**common, ours=value, representation=OTHER_SIGMA, source_index=1, source_image=images[0].name, source_sigma=other))
    table = pd.DataFrame(rows)
    write_table(table, "dasr/tables/fig4_content_invariance", profile=profile.name,
                metadata={"note": f"I_1 = Set14 {images[0].name} degraded with σ (x4, noise-free), super-resolved with the representation of I_i "
                                  "(the same σ) or of I_1 under another σ; the paper's Fig. 4 has no numbers (paper = NaN)"})
    figure, axis = plt.subplots(figsize=(8, 3.8))
    same = table[table["representation"] == SAME_SIGMA]
    for color, (width, rows_) in zip(plt.rcParams["axes.prop_cycle"].by_key()["color"], same.groupby("source_sigma")):
        axis.plot(rows_["source_index"], rows_["ours"], marker="o", color=color, label=f"σ={width:g} (representation of I_i, same σ)")
        wrong = table[(table["degradation"] == f"σ={width:g}") & (table["representation"] == OTHER_SIGMA)]
        for value in wrong["ours"]:
            axis.axhline(value, color=color, linestyle=":", linewidth=0.8)
    short = [image.name.split("@")[0] for image in images]  # without the smoke profile's crop suffix
    axis.set_xticks(range(1, len(images) + 1), [f"{i}\n{name[:10]}" for i, name in enumerate(short, start=1)], fontsize=7)
    axis.set_xlabel("source image i of the representation")
    axis.set_ylabel(f"PSNR of I_1 = {short[0]} (dB)")
    axis.legend(fontsize=7)
    axis.set_title(f"DASR Fig. 4: content invariance, Set14 x4 (dotted: I_1's representation under another σ; {profile.name} profile)", fontsize=9)
    return table, [save_figure(figure, _figures_dir(profile.name) / "fig4_content_invariance.png")]


# --- heat-map ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HeatmapParams(Params):
    """:class:`~dynsr.experiments.scoring.Params` plus the grid (×4, the setting-2 model's scale): one set, isotropic widths × noise levels."""

    dataset: str = "Set5"
    widths: tuple[float, ...] = (0.2, 0.8, 1.4, 2.0, 2.6, 3.2, 3.8)
    noises: tuple[float, ...] = (0.0, 5.0, 10.0, 15.0, 20.0, 25.0)


def run_heatmap(params: HeatmapParams) -> tuple[pd.DataFrame, list[Path]]:
    """PSNR of the setting-2 DASR and of bicubic over the (width, noise) grid; writes ``dasr/tables/heatmap.csv`` and the figure drawn from it."""
    settings = [dasr_setting(params.dataset, 4, iso_kernel(w), n, label=f"σ={w:g} noise {n:g}", table="heat-map") for w in params.widths for n in params.noises]
    trained = trained_model("dasr_aniso", params, scale=4)
    return write_heatmap([("DASR (setting 2)", trained.model, trained), ("Bicubic", build_model("bicubic", scale=4), None)], settings,
                         get_profile(params.profile), figure=HEATMAP,
                         note="no published values (the paper has no heat-map); the setting-2 model (trained on anisotropic kernels, "
                              "noise U[0, 25]) on isotropic 21x21 kernels, DASR harness")


# --- Figs. 5 / 7 / 8: visual comparisons ------------------------------------------------------------------------

@dataclass(frozen=True)
class VisualParams(Params):
    """:class:`~dynsr.experiments.scoring.Params` plus the images and degradations of Figs. 5, 7 and 8 (our readings).

    Attributes:
        fig5_images: Urban100 images (the paper's are not identified); fig5_width: the large isotropic σ (×4).
        fig7_set14, fig7_b100: the Set14 (noise 0) and B100 (noise 5) images; fig7_kernels: their Table 3 kernels (K1-K9).
        real_image: a file of SRMD's real images (``RealSRMD``), super-resolved ×4.
    """

    fig5_images: tuple[str, ...] = ("img_011", "img_092")
    fig5_width: float = 3.6
    fig7_set14: str = "barbara"
    fig7_b100: str = "148026"
    fig7_kernels: tuple[int, int] = (6, 4)
    real_image: str = "chip.png"


def _crop_box(shape: tuple[int, ...], scale: int) -> tuple[int, int, int]:
    side = max(min(shape[:2]) // 2 // scale * scale, scale)
    top = (shape[0] - side) // 2 // scale * scale
    left = (shape[1] - side) // 2 // scale * scale
    return top, left, side


def _comparison(image: NamedImage, dataset: str, setting: TestSetting, models: dict[str, tuple[torch.nn.Module, TrainedModel | None]], figure_name: str,
                title: str, profile: str) -> tuple[list[dict], Path]:
    """LR (nearest) / each model (with where it came from: None for bicubic) / HR, cropped at the centre, with each crop's and each whole image's PSNR."""
    scale = setting.degradation.scale
    hr = modcrop(image.pixels, scale)
    lr = cached_lr(dataset, image, setting.degradation).astype(np.float64)
    top, left, side = _crop_box(hr.shape, scale)
    panels = [np.repeat(np.repeat(lr[top // scale : (top + side) // scale, left // scale : (left + side) // scale], scale, 0), scale, 1)]
    labels = ["LR (nearest)"]
    rows = []
    for label, (model, trained) in models.items():
        sr = to_uint8(model_upscaler(model)(lr, setting))
        crop_value = psnr(sr[top : top + side, left : left + side], hr[top : top + side, left : left + side], crop=0)
        whole_value = psnr(sr, hr, crop=scale)
        panels.append(sr[top : top + side, left : left + side])
        labels.append(f"{label}: {crop_value:.2f} dB")
        for metric, value in (("PSNR (crop, Y, no border)", crop_value), ("PSNR (whole image, Y, crop = scale)", whole_value)):
            rows.append(model_row(trained, method=label, dataset=dataset, scale=scale, degradation=setting.label, metric=metric, paper=None, ours=value,
                                  profile=profile, noise_seed=setting.degradation.noise_seed, n_images=1, figure=figure_name, image=image.name))
    panels.append(hr[top : top + side, left : left + side])
    labels.append("HR")
    figure = image_grid(panels, labels, title=title, columns=len(panels))
    stem = f"{figure_name.lower().replace('. ', '').replace(' ', '_')}_{dataset.lower()}_{image.name.split('@')[0]}"
    return rows, save_figure(figure, _figures_dir(profile) / f"{stem}.png")


def run_visual(params: VisualParams) -> tuple[pd.DataFrame, list[Path]]:
    """Figs. 5, 7 (crops with PSNR; ``dasr/tables/figs5_7_crops.csv``) and 8 (a real image; ``dasr/tables/fig8_real.json``)."""
    profile = get_profile(params.profile)
    crop = profile.benchmark_crop
    dasr, model1, aniso = (trained_model(recipe, params, scale=4) for recipe in ("dasr", "dasr_model1", "dasr_aniso"))
    bicubic = (build_model("bicubic", scale=4), None)
    rows, figures = [], []
    for name in params.fig5_images:
        setting = dasr_setting("Urban100", 4, iso_kernel(params.fig5_width), 0.0, label=f"σ={params.fig5_width:g}", table="Fig. 5")
        models = {"Bicubic": bicubic, "Model 1 (no L_degrad)": (model1.model, model1), "DASR": (dasr.model, dasr)}
        new_rows, path = _comparison(_load_named("Urban100", name, crop), "Urban100", setting, models, "Fig. 5",
                                     f"DASR Fig. 5: Urban100 {name} x4, isotropic σ={params.fig5_width:g} ({profile.name} profile; RCAN, SRMDNF, IKC not run)",
                                     profile.name)
        rows += new_rows
        figures.append(path)
    for dataset, name, number, noise in (("Set14", params.fig7_set14, params.fig7_kernels[0], 0.0), ("BSD100", params.fig7_b100, params.fig7_kernels[1], 5.0)):
        kernel = table3_kernel(number)
        setting = dasr_setting(dataset, 4, kernel, noise, label=f"K{number} noise {noise:g}", table="Fig. 7")
        models = {"Bicubic": bicubic, "DASR (setting 2)": (aniso.model, aniso)}
        new_rows, path = _comparison(_load_named(dataset, name, crop), dataset, setting, models, "Fig. 7",
                                     f"DASR Fig. 7: {dataset} {name} x4, K{number} ({_kernel_label(kernel)}), noise {noise:g} ({profile.name} profile; "
                                     "DnCNN + RCAN / SRMDNF / IKC not run)", profile.name)
        rows += new_rows
        figures.append(path)
    table = pd.DataFrame(rows)
    write_table(table, "dasr/tables/figs5_7_crops", profile=profile.name,
                metadata={"note": "the paper's figures show no numbers; each crop's and whole image's PSNR, for reading them; images are our choice"})

    lr = load_rgb(dataset_dir("RealSRMD") / params.real_image).astype(np.float64) / 255.0
    if crop:
        side = crop // 4
        top, left = max((lr.shape[0] - side) // 2, 0), max((lr.shape[1] - side) // 2, 0)
        lr = lr[top : top + side, left : left + side]
    unknown = dasr_setting("real", 4, None, 0.0, label="unknown degradation (blind models ignore it)", table="Fig. 8")
    outputs = {"LR (nearest)": np.repeat(np.repeat(lr, 4, 0), 4, 1)}
    for label, model in (("Bicubic", bicubic[0]), ("DASR (isotropic, setting 1)", dasr.model), ("DASR (setting 2)", aniso.model)):
        outputs[label] = np.clip(model_upscaler(model)(lr, unknown), 0, 1)
    figures.append(save_figure(image_grid(list(outputs.values()), list(outputs), columns=4,
                                          title=f"DASR Fig. 8: real image {params.real_image} x4, blind ({profile.name} profile)"),
                               _figures_dir(profile.name) / "fig8_real.png"))
    record = {"profile": profile.name, "image": f"real/SRMD/{params.real_image}", "scale": 4, "lr_size": list(lr.shape[:2]),
              "models": {"dasr": {"steps": dasr.steps, "seed": dasr.seed}, "dasr_aniso": {"steps": aniso.steps, "seed": aniso.seed}},
              "note": "no ground truth; the paper's image and scale are not stated"}
    write_json_atomic(profile_results_dir(profile.name) / "dasr" / "tables" / "fig8_real.json", record)
    return table, figures


HEATMAP = heatmap_table_figure("dasr/tables/heatmap", "dasr/figures/heatmap_dasr_bicubic.png",
                               xlabel="isotropic kernel width σ (thumbnails: the 21x21 kernel)", kernel=lambda width: iso_kernel(width).build())
TABLE_FIGURES: tuple[TableFigure, ...] = (
    gap_figure("dasr/tables/table2", "dasr/figures/table2_gap.png", "DASR Table 2", rows="method in ['DASR', 'Bicubic']", group="method"),
    gap_figure("dasr/tables/table3", "dasr/figures/table3_gap.png", "DASR Table 3", rows=f"source == '{Source.TRAINED}'", group="noise"),
    HEATMAP,
)
"""DASR's figures drawn from its written tables alone (`dynsr.experiments.common.redraw_table_figures`)."""
