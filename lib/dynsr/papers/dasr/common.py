"""What every DASR notebook shares: DASR's test harness, parameter counts, degradation representations and probes.

The DASR notebooks (12-19) follow the UDVD ones: models are loaded (or trained, with ``retrain``) by
recipe name (:mod:`dynsr.training.recipes`: ``dasr`` per scale, ``dasr_model1``, ``dasr_concat``,
``dasr_no_modulation``, ``dasr_oracle``, ``dasr_aniso``) through
:func:`dynsr.experiments.scoring.trained_model`, scored with :func:`~dynsr.experiments.scoring.score`
on the profile's images, and written as paper | ours | gap rows. Everything model-agnostic is reused from
:mod:`dynsr.experiments.scoring`; this module adds what is DASR's own:

* :func:`dasr_setting`: one degradation of DASR's test harness (21×21 Gaussian, reflect padding, MATLAB
  bicubic, noise, LR rounded to 8 bits; the same record as :func:`dynsr.papers.dasr.settings.dasr_table1`).
* :func:`representations`: the 256-d degradation representation (before the projection head, what the SR
  network consumes) of LR test images, for Figs. 3 and 6.
* :func:`probe_accuracy`: numbers a t-SNE picture cannot give: k-nearest-neighbour accuracy (leave-one-out)
  and linear-probe accuracy (logistic regression, cross-validated with folds *by image*, so the probe is
  scored on images it was not fitted on) of a degradation class from the representation, with the chance
  level (the majority-class rate: 1/K for K balanced classes); and how often a sample's nearest neighbour is
  the *same source image* under another degradation, with its chance rate: a kNN accuracy below chance with
  a high same-image rate means the representation encodes content, not degradation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
import torch.nn as nn

from dynsr.data.benchmarks import NamedImage
from dynsr.degradations.pipelines import AnisotropicGaussianKernel, Degradation, GaussianKernel
from dynsr.degradations.testsets import TestSetting, cached_lr
from dynsr.papers.dasr.settings import DASR_TABLE3_KERNELS
from dynsr.experiments.scoring import Params, TrainedModel, bicubic_scores, compare_rows, profile_images, quoted_rows, score, trained_model

__all__ = [
    "Params", "TrainedModel", "trained_model", "score", "bicubic_scores", "compare_rows", "quoted_rows",
    "KERNEL_SIZE", "NOT_RUN", "KERNEL_PROVENANCE", "dasr_setting", "iso_kernel", "aniso_kernel", "table3_kernel",
    "profile_images", "representations", "probe_accuracy", "same_group_neighbour_rate", "tsne_embedding", "Probe",
]

KERNEL_SIZE = 21  # DASR's kernels are 21x21 (docs/decisions/dasr.md, D5)
NOT_RUN = "not run here"
KERNEL_PROVENANCE = ("K1-K9 (λ1, λ2, θ°; λ = standard deviations, DASR code convention): RECONSTRUCTED, UNVERIFIED. The paper shows the "
                     "kernels only as images; the list is a third party's (the DSAT authors, I2-Multimedia-Lab/DSAT issue #2), whose shapes "
                     "and order match the paper's thumbnails (docs/decisions/dasr.md, D21). DASR's own answer (DASR issue #25) is an image not readable here, "
                     "and its anisotropic checkpoint was re-uploaded after a θ-sampling fix, so the paper's Table 3 numbers may differ.")


def dasr_setting(dataset: str, scale: int, kernel: GaussianKernel | AnisotropicGaussianKernel | None, noise: float, *, label: str,
                 table: str) -> TestSetting:
    """One setting of DASR's test harness: blur (reflect), MATLAB bicubic, AWGN, LR rounded and clipped to 8 bits."""
    return TestSetting("DASR", table, dataset, label, Degradation(scale=scale, kernel=kernel, noise=noise, padding="reflect", quantize=True))


def iso_kernel(sigma: float) -> GaussianKernel | None:
    """DASR's isotropic 21×21 Gaussian; width 0 = no blur (the code skips blurring, Table 2's "kernel width 0")."""
    return GaussianKernel(sigma, KERNEL_SIZE) if sigma else None


def aniso_kernel(lambda1: float, lambda2: float, theta_degrees: float) -> AnisotropicGaussianKernel:
    """DASR's anisotropic 21×21 Gaussian, λ as standard deviations along the principal axes (the official code)."""
    return AnisotropicGaussianKernel(lambda1, lambda2, theta_degrees, KERNEL_SIZE, "std")


def table3_kernel(number: int) -> AnisotropicGaussianKernel:
    """Kernel K<number> (1-9) of Table 3, as reconstructed (:data:`KERNEL_PROVENANCE`)."""
    if not 1 <= number <= len(DASR_TABLE3_KERNELS):
        raise ValueError(f"Table 3 has kernels K1-K{len(DASR_TABLE3_KERNELS)}; got K{number}")
    return aniso_kernel(*DASR_TABLE3_KERNELS[number - 1])


def _tensor(lr: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(lr.transpose(2, 0, 1), dtype=np.float32))[None]  # (1, 3, h, w)


def representations(model: nn.Module, images: Sequence[NamedImage], settings: Sequence[TestSetting]) -> tuple[np.ndarray, pd.DataFrame]:
    """The degradation representation of every (setting, image) LR test image.

    Returns ``(features (n, 256), index)``: ``index`` has one row per feature row with ``setting`` (the
    label), ``setting_index`` (position in ``settings``: the class) and ``image`` / ``image_index``.
    """
    rows, features = [], []
    with torch.no_grad():
        for setting_index, setting in enumerate(settings):
            for image_index, image in enumerate(images):
                lr = cached_lr(setting.dataset, image, setting.degradation)
                features.append(model.degradation_representation(_tensor(lr))[0].numpy())  # (256,)
                rows.append({"setting": setting.label, "setting_index": setting_index, "image": image.name, "image_index": image_index})
    return np.stack(features).astype(np.float64), pd.DataFrame(rows)


@dataclass(frozen=True)
class Probe:
    """Probe accuracies of one representation: kNN (leave-one-out), linear (cross-validated), and chance; with source
    images (``groups``), the same-image nearest-neighbour rate and its chance (NaN without them)."""

    knn_accuracy: float
    linear_accuracy: float
    chance: float
    n_samples: int
    n_classes: int
    neighbours: int
    folds: int
    same_image_rate: float = float("nan")
    same_image_chance: float = float("nan")


def same_group_neighbour_rate(features: np.ndarray, groups: Sequence) -> tuple[float, float]:
    """The fraction of samples whose nearest other sample (Euclidean, standardised features) has the same group (source
    image), and the rate a representation blind to the image would give: the mean over samples of
    (samples of its group − 1) / (samples − 1)."""
    features, groups = np.asarray(features, dtype=np.float64), np.asarray(groups)
    scale = features.std(axis=0)
    standardised = (features - features.mean(axis=0)) / np.where(scale > 0, scale, 1.0)
    squared = (standardised ** 2).sum(axis=1)
    distances = squared[:, None] + squared[None, :] - 2 * standardised @ standardised.T  # (n, n)
    np.fill_diagonal(distances, np.inf)
    nearest = distances.argmin(axis=1)
    _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    return float((groups[nearest] == groups).mean()), float(((counts[inverse] - 1) / (len(groups) - 1)).mean())


def probe_accuracy(features: np.ndarray, labels: Sequence, groups: Sequence | None = None, *, neighbours: int = 5, folds: int = 5,
                   seed: int = 0) -> Probe:
    """How well a class (σ, kernel, noise level) can be read from the representation.

    * kNN: ``KNeighborsClassifier`` on standardised features, leave-one-out. ``k`` is ``neighbours`` but at
      most the number of *other* samples of the smallest class, so that a perfectly clustered class can win
      the vote (the ``smoke`` profile has 2 images per class: k = 1).
    * linear probe: ``LogisticRegression`` on standardised features, ``folds``-fold cross-validation; with
      ``groups`` (the source image of each sample) the folds are by image (``GroupKFold``), so no image is
      in both the fitting and the scoring part; else stratified folds, shuffled with ``seed``.
    * chance: the majority-class rate.
    Features are standardised inside each fold (the scaler is part of the fitted pipeline).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, LeaveOneOut, StratifiedKFold, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    features = np.asarray(features, dtype=np.float64)
    labels = np.asarray(labels)
    if features.ndim != 2 or len(features) != len(labels):
        raise ValueError(f"need features (n, d) and n labels; got {features.shape} and {len(labels)}")
    classes, counts = np.unique(labels, return_counts=True)
    if len(classes) < 2 or counts.min() < 2:
        raise ValueError(f"need at least 2 classes with at least 2 samples each; got counts {dict(zip(classes.tolist(), counts.tolist()))}")
    k = max(1, min(neighbours, int(counts.min()) - 1))
    knn = cross_val_score(make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=k)), features, labels, cv=LeaveOneOut()).mean()
    if groups is not None:
        groups = np.asarray(groups)
        n_folds = min(folds, len(np.unique(groups)))
        if n_folds < 2:
            raise ValueError("the linear probe needs samples from at least 2 images (groups) to score on unseen images")
        splits = list(GroupKFold(n_splits=n_folds).split(features, labels, groups))
    else:
        n_folds = min(folds, int(counts.min()))
        splits = list(StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed).split(features, labels))
    linear = cross_val_score(make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)), features, labels, cv=splits).mean()
    same_image = same_group_neighbour_rate(features, groups) if groups is not None else (float("nan"), float("nan"))
    return Probe(float(knn), float(linear), float(counts.max() / counts.sum()), len(labels), len(classes), k, n_folds, *same_image)


def tsne_embedding(features: np.ndarray, *, seed: int = 0) -> np.ndarray:
    """A 2-d t-SNE of standardised features (perplexity 30, or (n − 1) / 3 for few samples), PCA initialisation, seeded."""
    from sklearn.manifold import TSNE
    from sklearn.preprocessing import StandardScaler

    features = StandardScaler().fit_transform(np.asarray(features, dtype=np.float64))
    perplexity = float(max(1.0, min(30.0, (len(features) - 1) / 3)))
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(features)
