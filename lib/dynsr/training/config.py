"""The configuration of one training run (model, data, degradation recipe, optimiser, schedule).

A :class:`TrainConfig` is stored in every checkpoint; resuming with a different configuration is an
error. Each paper's recipe builds one per profile (``smoke`` / ``cpu`` / ``paper``); see
:mod:`dynsr.training.recipes`.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Literal

from dynsr.config import ConfigError, config_from_dict, config_to_dict

__all__ = ["TrainConfig"]


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    """One training run.

    Attributes:
        model: a :data:`dynsr.models.MODELS` name.
        model_kwargs: constructor keywords besides ``scale`` (e.g. a reduced width).
        scale: the super-resolution factor.
        train_sets: training image sets: ``T91``, ``BSD200`` (in the shared data) or ``DF2K`` (DIV2K +
            Flickr2K, unpacked under the data root by ``scripts/fetch_data.py --only DF2K``).
        lr_patch: LR patch side; the HR patch is ``scale * lr_patch``.
        batch_size: patches per optimiser step (over all processes in distributed training).
        steps: optimiser steps in total.
        learning_rate, adam_betas: Adam.
        lr_halving_steps: the learning rate halves every this many steps (``StepLR``, gamma 0.5).
        loss: ``l2`` (mean squared error) or ``l1``.
        multistage_loss: sum the loss over every stage the model returns with ``return_stages=True``
            (UDVD Eq. 4, :func:`dynsr.training.losses.multistage_loss`); ``False`` = final output only
            (UDVD Table 1 "w/o multistage loss", and every single-output model).
        lower_stages: how the multistage loss treats a stage smaller than HR: ``skip`` it (guide
            register #4) or compare it with the ``bicubic``-downsampled HR patch.
        kernel_size: side of the Gaussian blur kernel.
        width_range: training kernel widths (Gaussian standard deviation), sampled uniformly.
        noise_range: training AWGN levels on the 0-255 scale, sampled uniformly.
        blur_padding: border handling of the blur.
        quantize_before_noise: round the bicubic LR to 8 bits before adding noise, as SRMD's training
            code does (``im2single(im2uint8(LR))`` in ``degradation_model.m``).
        augment: random horizontal/vertical flips and 90° rotation of the HR patch.
        pca_basis: the kernel PCA basis of the degradation map (:func:`dynsr.degradations.pca.load_pca_basis`).
        seed: seeds the model initialisation and every training sample (sample ``i`` is drawn from
            a generator seeded with ``(seed, i)``, so batches do not depend on workers or interruptions).
        log_every, checkpoint_every, validate_every: intervals in steps (0 = never; validation and a
            checkpoint always happen at the end).
        validation_set, validation_images, validation_width, validation_noise: the validation
            images (first ``validation_images`` of the set) and their degradation.
        validation_crop: validate on the central ``validation_crop``² of each image (None = whole;
            the ``smoke`` profile's fast check).
        num_workers: data-loading worker processes (0 = in the training process).
        device: ``auto`` (CUDA when available), ``cpu`` or ``cuda``.
    """

    model: str
    model_kwargs: dict[str, Any] = field(default_factory=dict)
    scale: int
    train_sets: tuple[str, ...] = ("T91", "BSD200")
    lr_patch: int = 48
    batch_size: int = 32
    steps: int
    learning_rate: float = 1e-4
    adam_betas: tuple[float, float] = (0.9, 0.999)
    lr_halving_steps: int = 200_000
    loss: Literal["l2", "l1"] = "l2"
    multistage_loss: bool = False
    lower_stages: Literal["skip", "bicubic"] = "skip"
    kernel_size: int = 15
    width_range: tuple[float, float] = (0.2, 3.0)
    noise_range: tuple[float, float] = (0.0, 75.0)
    blur_padding: Literal["replicate", "reflect", "wrap", "zero"] = "replicate"
    quantize_before_noise: bool = True
    augment: bool = True
    pca_basis: str = "kair_srmd"
    seed: int = 0
    log_every: int = 10
    checkpoint_every: int = 100
    validate_every: int = 0
    validation_set: str = "Set5"
    validation_images: int = 5
    validation_width: float = 1.3
    validation_noise: float = 15.0
    validation_crop: int | None = None
    num_workers: int = 0
    device: Literal["auto", "cpu", "cuda"] = "auto"

    def __post_init__(self) -> None:
        positive = {"scale": self.scale, "lr_patch": self.lr_patch, "batch_size": self.batch_size, "steps": self.steps,
                    "lr_halving_steps": self.lr_halving_steps, "kernel_size": self.kernel_size, "validation_images": self.validation_images}
        bad = {name: value for name, value in positive.items() if value < 1}
        if bad:
            raise ConfigError(f"these settings must be >= 1: {bad}")
        if min(self.log_every, self.checkpoint_every, self.validate_every, self.num_workers) < 0:
            raise ConfigError("log_every, checkpoint_every, validate_every and num_workers must be >= 0")
        for name in ("width_range", "noise_range"):
            low, high = getattr(self, name)
            if not 0 <= low <= high:
                raise ConfigError(f"{name}={getattr(self, name)} must be (low, high) with 0 <= low <= high")
        if self.width_range[0] <= 0:
            raise ConfigError(f"width_range starts at {self.width_range[0]}; a Gaussian kernel needs a width > 0")
        choices = {"loss": ("l2", "l1"), "lower_stages": ("skip", "bicubic"), "blur_padding": ("replicate", "reflect", "wrap", "zero"),
                   "device": ("auto", "cpu", "cuda")}
        wrong = {name: getattr(self, name) for name, allowed in choices.items() if getattr(self, name) not in allowed}
        if wrong:
            raise ConfigError(f"unknown values {wrong}; allowed: { {name: choices[name] for name in wrong} }")
        if not self.train_sets:
            raise ConfigError("train_sets is empty; use e.g. ('T91', 'BSD200')")
        self._check_model()

    def _check_model(self) -> None:
        """The model exists and takes every key of ``model_kwargs`` (its constructor is keyword-only)."""
        from dynsr.models import MODELS  # the registry imports every model; only needed here

        if self.model not in MODELS:
            raise ConfigError(f"unknown model {self.model!r}; available: {', '.join(sorted(MODELS))}")
        accepted = set(inspect.signature(MODELS[self.model]).parameters) - {"scale"}
        unknown = sorted(set(self.model_kwargs) - accepted)
        if unknown:
            raise ConfigError(f"model_kwargs {unknown} are not arguments of {self.model}; it takes {sorted(accepted)} (scale is set by 'scale')")
        model_class = getattr(MODELS[self.model], "func", MODELS[self.model])  # registry entries may be functools.partial
        if self.multistage_loss and "return_stages" not in inspect.signature(model_class.forward).parameters:
            raise ConfigError(f"multistage_loss needs a model whose forward returns its stages; {self.model} has one output (set multistage_loss=False)")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """Build from a dictionary (e.g. a checkpoint's), rejecting unknown keys."""
        return config_from_dict(cls, values)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible dictionary; ``TrainConfig.from_dict(c.to_dict()) == c``."""
        return config_to_dict(self)

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with ``changes`` applied (unknown keys rejected)."""
        return TrainConfig.from_dict({**self.to_dict(), **changes})
