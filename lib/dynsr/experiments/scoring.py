"""What every paper's notebooks share: parameters, trained models, scoring, paper | ours | gap rows.

A notebook loads (or trains, with ``retrain``) models by recipe name (:mod:`dynsr.training.recipes`, every paper's
recipes), scores them on its paper's test settings (``dynsr.papers.<paper>.settings``) on the profile's images
(``cpu``: the first 20 images of each set, see :class:`dynsr.profiles.Profile`) through the network's stored
per-image scores (:mod:`dynsr.score_store`), and builds rows with the published number, ours, the gap, the profile,
steps and seeds (:mod:`dynsr.result_rows`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import torch.nn as nn

from dynsr.checkpoints import load_weights
from dynsr.degradations.testsets import TestSetting
from dynsr.data.benchmarks import NamedImage, load_benchmark
from dynsr.evaluate import center_crop, evaluate, mean_scores
from dynsr.inference import model_upscaler
from dynsr.models import build_model
from dynsr.papers.records import PaperValue
from dynsr.profiles import Profile
from dynsr.results import computed_row, quoted_row, trained_row
from dynsr.score_store import ScoreStore, model_fingerprint
from dynsr.training.recipes import trained_weights

__all__ = ["Params", "TrainedModel", "trained_model", "profile_images", "score", "bicubic_scores", "model_row", "compare_rows", "quoted_rows"]


@dataclass(frozen=True)
class Params:
    """Parameters of a paper's notebooks.

    Attributes:
        profile: ``smoke`` (4 training steps per model, the central 96² of 2 images per set), ``cpu``
            (the committed results) or ``paper``.
        progress: show progress bars (off for nbval, which compares stderr).
        retrain: train again (resuming interrupted runs) instead of using the profile's exported weights.
    """

    profile: str = "smoke"
    progress: bool = False
    retrain: bool = False


@dataclass(frozen=True)
class TrainedModel:
    """A model loaded from exported weights, with where it came from."""

    recipe: str
    scale: int
    seed: int
    model: nn.Module
    provenance: dict[str, Any]

    @property
    def steps(self) -> int:
        return int(self.provenance["steps"])


def trained_model(recipe: str, params: Params, *, scale: int, seed: int = 0) -> TrainedModel:
    """The recipe's model at ``scale`` and ``seed`` for the profile (trained first if it has no weights, or with ``retrain``)."""
    path = trained_weights(recipe, params.profile, scale=scale, seed=seed, retrain=params.retrain, progress=params.progress)
    model, payload = load_weights(path)
    return TrainedModel(recipe, scale, seed, model, payload["provenance"])


def profile_images(dataset: str, profile: Profile, *, limit: int | None = None) -> list[NamedImage]:
    """The images a profile scores networks on (``limit`` overrides the count), centre-cropped where the profile crops."""
    images = load_benchmark(dataset, limit=limit if limit else profile.network_limit)
    return [center_crop(image, profile.benchmark_crop) for image in images] if profile.benchmark_crop else images


def score(model: nn.Module, settings: Iterable[TestSetting], profile: Profile, *, with_ssim: bool = False, network: bool = True) -> pd.DataFrame:
    """Mean scores per setting (:func:`dynsr.evaluate.mean_scores`) on the profile's images (the network limit for trained models),
    through the network's stored per-image scores (`dynsr.score_store`)."""
    limit = profile.network_limit if network else profile.benchmark_image_limit
    store = ScoreStore(profile=profile.name, model=model_fingerprint(model))
    return mean_scores(evaluate(model_upscaler(model), list(settings), image_limit=limit, crop=profile.benchmark_crop, with_ssim=with_ssim, store=store))


def bicubic_scores(settings: Iterable[TestSetting], profile: Profile, *, scale: int, with_ssim: bool = False, all_images: bool = False) -> pd.DataFrame:
    """Bicubic interpolation on the networks' images (the reference a trained row is read against), or on every image of the profile."""
    return score(build_model("bicubic", scale=scale), settings, profile, with_ssim=with_ssim, network=not all_images)


def model_row(trained: TrainedModel | None, **columns: Any) -> dict[str, Any]:
    """A row of the ``trained`` model's number (:func:`~dynsr.results.trained_row`, its steps and seed), or of one computed
    without training (``trained=None``: bicubic; :func:`~dynsr.results.computed_row`)."""
    return computed_row(**columns) if trained is None else trained_row(**columns, steps=trained.steps, seeds=(trained.seed,))


def compare_rows(means: pd.DataFrame, method: str, paper: Iterable[PaperValue], *, profile: str, trained: TrainedModel | None,
                 metrics: tuple[str, ...] = ("PSNR",), **extra: Any) -> list[dict[str, Any]]:
    """paper | ours | gap rows of one method's mean scores (paper = NaN where the paper has no cell): rows of the ``trained``
    model, or computed without training (``trained=None``: bicubic); ``extra`` columns are added to every row."""
    published = {(value.dataset, value.scale, value.setting, value.metric): value for value in paper}
    rows = []
    for _, cell in means.iterrows():
        for metric in metrics:
            record = published.get((cell["dataset"], int(cell["scale"]), cell["setting"], metric))
            columns = dict(method=method, dataset=cell["dataset"], scale=int(cell["scale"]), degradation=cell["setting"], metric=metric,
                           paper=record.value if record else None, ours=cell[metric], profile=profile, noise_seed=int(cell["noise_seed"]),
                           n_images=int(cell["n_images"]), gray_scoring=cell["gray_scoring"], note=record.note if record else "", **extra)
            rows.append(model_row(trained, **columns))
    return rows


def quoted_rows(paper: Iterable[PaperValue], *, profile: str) -> list[dict[str, Any]]:
    """Rows of a method the paper quotes or ran and we do not (RDN, RCAN, IRCNN, …): paper value, ours = NaN."""
    return [quoted_row(method=value.method, dataset=value.dataset, scale=value.scale, degradation=value.setting, metric=value.metric,
                       paper=value.value, profile=profile, note=value.note) for value in paper]
