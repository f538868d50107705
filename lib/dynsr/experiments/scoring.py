"""What every paper's notebooks share: parameters, trained models, scoring, paper | ours | gap rows.

A notebook loads (or trains, with ``retrain``) models by recipe name (:mod:`dynsr.training.recipes`, every paper's
recipes), scores them on its paper's test settings (``dynsr.papers.<paper>.settings``) on the profile's images
(``cpu``: the first 20 images of each set, see :class:`dynsr.profiles.Profile`) through the network's stored
per-image scores (:mod:`dynsr.score_store`), and writes rows with the published number, ours, the gap, the profile,
steps and seeds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import torch.nn as nn

from dynsr.checkpoints import load_weights
from dynsr.degradations.testsets import TestSetting
from dynsr.evaluate import evaluate, mean_scores
from dynsr.inference import model_upscaler
from dynsr.models import build_model
from dynsr.papers.records import PaperValue
from dynsr.profiles import Profile
from dynsr.score_store import ScoreStore, model_fingerprint
from dynsr.training.recipes import trained_weights

__all__ = ["Params", "TrainedModel", "trained_model", "score", "bicubic_scores", "compare_rows", "quoted_rows"]

TRAINED_HERE = "trained here"
QUOTED = "quoted from the paper"


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


def score(model: nn.Module, settings: Iterable[TestSetting], profile: Profile, *, with_ssim: bool = False, network: bool = True) -> pd.DataFrame:
    """Mean scores per setting (:func:`dynsr.evaluate.mean_scores`) on the profile's images (the network limit for trained models),
    through the network's stored per-image scores (`dynsr.score_store`)."""
    limit = profile.network_limit if network else profile.benchmark_image_limit
    store = ScoreStore(profile=profile.name, model=model_fingerprint(model))
    return mean_scores(evaluate(model_upscaler(model), list(settings), image_limit=limit, crop=profile.benchmark_crop, with_ssim=with_ssim, store=store))


def bicubic_scores(settings: Iterable[TestSetting], profile: Profile, *, scale: int, with_ssim: bool = False, all_images: bool = False) -> pd.DataFrame:
    """Bicubic interpolation on the networks' images (the reference a trained row is read against), or on every image of the profile."""
    return score(build_model("bicubic", scale=scale), settings, profile, with_ssim=with_ssim, network=not all_images)


def compare_rows(means: pd.DataFrame, method: str, paper: Iterable[PaperValue], *, profile: str, steps: int, seeds: str,
                 metrics: tuple[str, ...] = ("PSNR",)) -> list[dict[str, Any]]:
    """paper | ours | gap rows of one method's mean scores (paper = NaN where the paper has no cell)."""
    published = {(value.dataset, value.scale, value.setting, value.metric): value for value in paper}
    rows = []
    for _, cell in means.iterrows():
        for metric in metrics:
            record = published.get((cell["dataset"], int(cell["scale"]), cell["setting"], metric))
            value = record.value if record else float("nan")
            rows.append({
                "method": method, "dataset": cell["dataset"], "scale": int(cell["scale"]), "degradation": cell["setting"], "metric": metric,
                "paper": value, "ours": cell[metric], "gap": cell[metric] - value, "profile": profile, "steps": steps, "seeds": seeds,
                "n_images": int(cell["n_images"]), "gray_scoring": cell["gray_scoring"], "source": TRAINED_HERE if steps else "computed (no training)",
                "note": record.note if record else "",
            })
    return rows


def quoted_rows(paper: Iterable[PaperValue], *, profile: str) -> list[dict[str, Any]]:
    """Rows of a method the paper quotes or ran and we do not (RDN, RCAN, IRCNN, …): paper value, ours = NaN."""
    nan = float("nan")
    return [{"method": value.method, "dataset": value.dataset, "scale": value.scale, "degradation": value.setting, "metric": value.metric,
             "paper": value.value, "ours": nan, "gap": nan, "profile": profile, "steps": 0, "seeds": "", "n_images": 0,
             "source": QUOTED, "note": value.note} for value in paper]
