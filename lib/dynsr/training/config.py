"""The configuration of one training run (model, data, degradation recipe, optimiser, schedule).

A :class:`TrainConfig` is stored in every checkpoint; resuming with a different configuration is an
error. Each paper's recipe builds one per profile (``smoke`` / ``cpu`` / ``paper``); see
:mod:`dynsr.training.recipes`.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from dynsr.config import ConfigError, config_from_dict, config_to_dict
from dynsr.training.degradation_losses import DMSRLossOptions

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
        batch_size: patches per optimiser step (over all processes in distributed training); with
            ``paired_patches`` (DASR), images per step, each giving two patches.
        steps: optimiser steps in total.
        learning_rate, adam_betas: Adam.
        lr_halving_steps: the learning rate halves every this many steps (``StepLR``, gamma 0.5); not used with ``lr_milestones``.
        lr_milestones: the steps at which the learning rate halves (``MultiStepLR``, gamma 0.5; strictly increasing);
            empty = every ``lr_halving_steps``. ArcSR §4.2 halves at 2·10⁴, 4·10⁴, 8·10⁴ and 2·10⁵ (docs/decisions/arcsr.md, A16).
        loss: ``l2`` (mean squared error) or ``l1``.
        loss_pixel_range: the pixel range the image loss is measured in: the loss is that of SR and
            HR scaled from [0, 1] to [0, ``loss_pixel_range``] (×r for ``l1``, ×r² for ``l2``). 1 for
            UDVD/SRMD. 255 for DASR: the paper writes L = L_SR + L_degrad (§4.1) without units; the
            official code computes L1 on 0-255 images (``rgb_range=255``) and adds L_degrad with weight 1.
            Adam makes the scale of a single loss irrelevant (up to ε), not the balance of two: on
            [0, 1] images L_degrad would pull the encoder 255× harder against L_SR than in that code.
        multistage_loss: sum the loss over every stage the model returns with ``return_stages=True``
            (UDVD Eq. 4, :func:`dynsr.training.losses.multistage_loss`); ``False`` = final output only
            (UDVD Table 1 "w/o multistage loss", and every single-output model).
        lower_stages: how the multistage loss treats a stage smaller than HR: ``skip`` it
            (docs/decisions/udvd.md, U4) or compare it with the ``bicubic``-downsampled HR patch.
        kernel_size: side of the Gaussian blur kernel (``kernel_type="motion"``: the support of the motion kernels).
        width_range: training kernel widths (Gaussian standard deviation), sampled uniformly.
        noise_range: training AWGN levels on the 0-255 scale, sampled uniformly.
        blur_padding: border handling of the blur.
        spatial_variation: ``uniform`` (one kernel width and one noise level per patch, as SRMD trains;
            docs/decisions/udvd.md, U13) or ``ramp`` (the width and the noise level each rise or fall
            linearly across the patch's columns between two independent draws from ``width_range`` and
            ``noise_range``: the form of UDVD Table 3's test images; every sample then carries per-pixel
            ``kernel_code`` (t, p, p) and ``noise`` (p, p) maps). Not with ``paired_patches``.
        quantize_before_noise: round the bicubic LR to 8 bits before adding noise, as SRMD's training
            code does (``im2single(im2uint8(LR))`` in ``degradation_model.m``).
        augment: random horizontal/vertical flips and 90° rotation of the HR patch.
        augment_mode: with ``augment``, ``dihedral`` (the 8 flips/rotations, every other paper) or ``rotations`` (rotations by
            0, 90, 180 or 270 degrees, no reflection: ArcSR §4.2 names rotations only; docs/decisions/arcsr.md, A15). Both
            modes draw the same three bits, so the rest of a sample's draws do not depend on the mode.
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

    DASR (Wang et al. 2021; every default below keeps the UDVD/SRMD behaviour, so their stored
    configurations load unchanged):

        paired_patches: each sample is one training image giving *two* patches (the query and the
            positive key of the contrastive loss) cropped from the same augmented image and degraded
            with one shared kernel and noise level (DASR §3.2.1, the official code's order);
            ``batch_size`` then counts images (DASR: 32 images = 64 patches). See
            :mod:`dynsr.training.data`.
        kernel_type: ``isotropic`` (width ~ U(``width_range``); DASR setting 1), ``anisotropic``
            (λ1, λ2 ~ U(``lambda_range``), θ ~ U(0, π); DASR setting 2; paired patches only),
            ``none`` (no blur: bicubic downsampling only, DASR Table 2's "σ = 0"; the bicubic-trained
            control that stands in for RCAN in Table 2's claim; paired patches only) or ``motion``
            (ArcSR: a camera-shake kernel per patch, see below; single patches and blind models only).
        lambda_range: the anisotropic λ range (DASR: U(0.2, 4)).
        anisotropic_convention: ``std`` (DASR's code: λ are standard deviations along the principal
            axes, Σ = U diag(λ1², λ2²) Uᵀ) or ``variance`` (the paper's word "eigenvalues" taken
            literally); see :mod:`dynsr.degradations.kernels`.
        quantize_after_noise: round and clip the noisy LR to 8 bits (DASR's code; UDVD/SRMD: no).
        degradation_loss_weight: weight of L_degrad (DASR Eq. 3; 1 in the paper; 0 = no contrastive
            loss, DASR Table 1 Model 1, and every non-DASR model). Needs ``paired_patches`` and a
            model with a projection head (``model_kwargs={"projection_head": True}``).
        contrastive_form: ``moco`` (the official code: cross-entropy over [l_pos, l_neg]/τ with the
            positive at index 0, batch mean; the positive is in the denominator) or ``printed``
            (Eq. 2-3 as printed: the positive left out of the denominator, summed over the batch);
            :func:`dynsr.training.contrastive.contrastive_loss`.
        contrastive_temperature: τ (0.07, §4.1).
        contrastive_queue: N_queue, the FIFO queue of negative keys (8192 = 32 × 256, §4.1).
        key_momentum: m of the momentum key encoder (0.999, the official MoCo wrapper).
        encoder_steps: stage 1 (§4.1): the first ``encoder_steps`` of the ``steps`` optimiser steps
            train the degradation encoder (and its head) alone on L_degrad; the rest (stage 2)
            train everything on ``loss`` + ``degradation_loss_weight`` · L_degrad. 0 = no stage 1.
        encoder_learning_rate: stage 1's learning rate (1e-3).
        encoder_lr_drop_step: stage-1 step after which its rate is multiplied by 0.1 (1e-3 → 1e-4
            after 60 of 100 epochs); 0 = never. Stage 2 starts again from ``learning_rate`` and
            halves every ``lr_halving_steps`` counted from its own start.
        validation_harness: the validation degradation: ``srmd`` (replicate blur padding, float LR:
            the UDVD/SRMD test harness), ``dasr`` (reflect padding, LR rounded to 8 bits,
            ``validation_width`` 0 = no blur, as DASR Table 2's "kernel width 0") or ``motion`` (ArcSR: a Levin
            kernel, ``validation_levin_kernel``; docs/decisions/arcsr.md, A18).

    ArcSR (Liu & Hao; ``kernel_type="motion"``, :mod:`dynsr.training.data`; docs/decisions/arcsr.md, A14):

        motion_length_range: the path length, in HR pixels, of a random camera trajectory
            (:func:`dynsr.degradations.motion.random_motion_kernel` on a ``kernel_size``² support), drawn uniformly;
            a path longer than ``kernel_size`` − 1 is shrunk to fit.
        levin_probability: the probability that a patch is blurred with one of the 8 Levin et al. kernels (drawn
            uniformly; ``kernel_size`` must hold the largest, 27²) instead of a random trajectory.
        validation_levin_kernel: the Levin kernel (1-8) of ``validation_harness="motion"``: the validation images
            blurred with it (``blur_padding``), MATLAB bicubic, ``validation_noise``, float LR.

    DMSR (Yang et al.; the defaults again keep every other run as it was):

        degradation_targets: each training pair also carries its true degradation (what DMSR's L_DR compares the
            estimate with; docs/decisions/dmsr.md, M17): ``kernel`` (k, k) and ``noise_map`` (3, p, p), the noise
            the LR received in [0, 1] units (the LR minus the LR before the noise: the Gaussian draw itself, or what
            ``quantize_after_noise`` left of it). Single patches only (DASR's pairs carry their kernel already).
        dmsr_losses: train with DMSR's objective (Eq. 5-8), with these options
            (:class:`dynsr.training.degradation_losses.DMSRLossOptions`: weights, Table 2's terms, scaling, the
            simulated LR, the gradient path); None = another objective. Needs ``degradation_targets``, a model with a
            degradation extractor (``estimate_degradation``) whose kernel has ``kernel_size``, and
            ``loss_pixel_range`` 1 (the DR/DC terms are in [0, 1] units).
        fine_tune_from: the recipe whose exported weights (same profile, scale and seed) the model starts from, with a
            new Adam and schedule (DMSR-nf fine-tunes DMSR, §4.2; docs/decisions/dmsr.md, M22); None = from scratch.
            :func:`dynsr.training.recipes.trained_weights` finds them (training that recipe first where they are
            missing) and passes them to :func:`dynsr.training.trainer.train` (``initial_weights``).
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
    lr_milestones: tuple[int, ...] = ()
    loss: Literal["l2", "l1"] = "l2"
    loss_pixel_range: float = 1.0
    multistage_loss: bool = False
    lower_stages: Literal["skip", "bicubic"] = "skip"
    kernel_size: int = 15
    width_range: tuple[float, float] = (0.2, 3.0)
    noise_range: tuple[float, float] = (0.0, 75.0)
    blur_padding: Literal["replicate", "reflect", "wrap", "zero"] = "replicate"
    spatial_variation: Literal["uniform", "ramp"] = "uniform"
    quantize_before_noise: bool = True
    augment: bool = True
    augment_mode: Literal["dihedral", "rotations"] = "dihedral"
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
    # DASR (defaults = the UDVD/SRMD behaviour; see the docstring)
    paired_patches: bool = False
    kernel_type: Literal["isotropic", "anisotropic", "none", "motion"] = "isotropic"
    lambda_range: tuple[float, float] = (0.2, 4.0)
    anisotropic_convention: Literal["std", "variance"] = "std"
    quantize_after_noise: bool = False
    degradation_loss_weight: float = 0.0
    contrastive_form: Literal["moco", "printed"] = "moco"
    contrastive_temperature: float = 0.07
    contrastive_queue: int = 8192
    key_momentum: float = 0.999
    encoder_steps: int = 0
    encoder_learning_rate: float = 1e-3
    encoder_lr_drop_step: int = 0
    validation_harness: Literal["srmd", "dasr", "motion"] = "srmd"
    # ArcSR (defaults = every other paper's behaviour; see the docstring)
    motion_length_range: tuple[float, float] = (4.0, 26.0)
    levin_probability: float = 0.25
    validation_levin_kernel: int = 1
    # DMSR (defaults = every other paper's behaviour; see the docstring)
    degradation_targets: bool = False
    dmsr_losses: DMSRLossOptions | None = None
    fine_tune_from: str | None = None

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
        self._check_numbers()
        choices = {"loss": ("l2", "l1"), "lower_stages": ("skip", "bicubic"), "blur_padding": ("replicate", "reflect", "wrap", "zero"),
                   "device": ("auto", "cpu", "cuda"), "kernel_type": ("isotropic", "anisotropic", "none", "motion"),
                   "anisotropic_convention": ("std", "variance"), "contrastive_form": ("moco", "printed"), "validation_harness": ("srmd", "dasr", "motion"),
                   "spatial_variation": ("uniform", "ramp"), "augment_mode": ("dihedral", "rotations")}
        wrong = {name: getattr(self, name) for name, allowed in choices.items() if getattr(self, name) not in allowed}
        if wrong:
            raise ConfigError(f"unknown values {wrong}; allowed: { {name: choices[name] for name in wrong} }")
        if not self.loss_pixel_range > 0:
            raise ConfigError(f"loss_pixel_range={self.loss_pixel_range} must be > 0 (1 = images in [0, 1]; DASR's code: 255)")
        if not self.train_sets:
            raise ConfigError("train_sets is empty; use e.g. ('T91', 'BSD200')")
        self._check_dasr()
        self._check_model()
        self._check_dmsr()
        self._check_arcsr()

    def _check_numbers(self) -> None:
        """Every float is finite; learning rate, Adam betas, seed and noise levels are in their ranges."""
        non_finite = [name for name, value in self.to_dict().items() if any(isinstance(item, float) and not math.isfinite(item)
                                                                            for item in (value if isinstance(value, list) else [value]))]
        if non_finite:
            raise ConfigError(f"{', '.join(f'{name}={getattr(self, name)}' for name in non_finite)}: every number must be finite")
        if not self.learning_rate > 0:
            raise ConfigError(f"learning_rate={self.learning_rate} must be > 0 (the recipes use 1e-4)")
        if not all(0 <= beta < 1 for beta in self.adam_betas):
            raise ConfigError(f"adam_betas={self.adam_betas} must both be in [0, 1) (Adam's default: (0.9, 0.999))")
        if not 0 <= self.seed < 2**32:
            raise ConfigError(f"seed={self.seed} must be in [0, 2**32 - 1]")
        if self.noise_range[1] > 255 or not 0 <= self.validation_noise <= 255 or self.validation_width < 0:
            raise ConfigError(f"noise levels are on the 0-255 scale and widths >= 0; got noise_range={self.noise_range}, "
                              f"validation_noise={self.validation_noise}, validation_width={self.validation_width}")

    def _check_dasr(self) -> None:
        """The DASR fields (paired patches, anisotropic kernels, L_degrad, stage 1) are consistent."""
        low, high = self.lambda_range
        if not 0 < low <= high:
            raise ConfigError(f"lambda_range={self.lambda_range} must be (low, high) with 0 < low <= high")
        if self.spatial_variation != "uniform" and self.paired_patches:
            raise ConfigError(f"spatial_variation={self.spatial_variation!r} is for single patches with a degradation map (UDVD, SRMD); "
                              "DASR's paired patches share one kernel: use spatial_variation='uniform'")
        if self.kernel_type not in ("isotropic", "motion") and not self.paired_patches:
            raise ConfigError(f"kernel_type={self.kernel_type!r} is a DASR training setting; it needs paired_patches=True")
        if self.degradation_loss_weight < 0:
            raise ConfigError(f"degradation_loss_weight={self.degradation_loss_weight} must be >= 0")
        if min(self.encoder_steps, self.encoder_lr_drop_step) < 0 or self.encoder_lr_drop_step > self.encoder_steps:
            raise ConfigError(f"need 0 <= encoder_lr_drop_step ({self.encoder_lr_drop_step}) <= encoder_steps ({self.encoder_steps})")
        if self.encoder_steps > self.steps:
            raise ConfigError(f"encoder_steps={self.encoder_steps} exceeds steps={self.steps} (stage 1 is part of the steps)")
        if not (self.contrastive_temperature > 0 and 0.0 <= self.key_momentum <= 1.0 and self.encoder_learning_rate > 0):
            raise ConfigError(f"need contrastive_temperature > 0, 0 <= key_momentum <= 1 and encoder_learning_rate > 0; got "
                              f"{self.contrastive_temperature}, {self.key_momentum}, {self.encoder_learning_rate}")
        if self.degradation_loss_weight > 0 or self.encoder_steps > 0:
            if not self.paired_patches:
                raise ConfigError("the contrastive loss L_degrad (degradation_loss_weight > 0 or encoder_steps > 0) needs paired_patches=True")
            if self.degradation_loss_weight == 0:
                raise ConfigError(f"stage 1 (encoder_steps={self.encoder_steps}) trains on L_degrad alone: set degradation_loss_weight > 0")
            if not self.model_kwargs.get("projection_head", False):
                raise ConfigError("the contrastive loss needs the encoder's projection head: model_kwargs={'projection_head': True, ...}")
            if self.contrastive_queue < self.batch_size:
                raise ConfigError(f"contrastive_queue={self.contrastive_queue} must hold at least one batch ({self.batch_size} keys)")

    def _check_dmsr(self) -> None:
        """The DMSR fields (true degradations in the batch, the objective's options, a fine-tune's origin) are consistent."""
        if self.degradation_targets and self.paired_patches:
            raise ConfigError("degradation_targets is for single patches; DASR's paired patches carry their kernel already")
        if self.degradation_targets and self.spatial_variation != "uniform":
            raise ConfigError("degradation_targets carries one kernel per patch (DMSR's L_DR); use spatial_variation='uniform'")
        if self.fine_tune_from is not None and not self.fine_tune_from:
            raise ConfigError("fine_tune_from names a recipe, or is None (train from scratch)")
        if self.dmsr_losses is None:
            return
        if not isinstance(self.dmsr_losses, DMSRLossOptions):
            raise ConfigError(f"dmsr_losses must be DMSRLossOptions or None, got {type(self.dmsr_losses).__name__} (from_dict converts a dict)")
        if not self.degradation_targets:
            raise ConfigError("dmsr_losses compares the estimate with the true kernel and noise: set degradation_targets=True")
        if self.loss_pixel_range != 1:
            raise ConfigError(f"dmsr_losses measures every term on [0, 1] images; loss_pixel_range={self.loss_pixel_range} would reweigh L_RE alone")
        from dynsr.models import MODELS  # the registry imports every model; only needed here

        model_class = getattr(MODELS[self.model], "func", MODELS[self.model])
        kernel_size = getattr(model_class, "estimated_kernel_size", None)
        if not hasattr(model_class, "estimate_degradation") or kernel_size is None:
            raise ConfigError(f"dmsr_losses needs a model with a degradation extractor (estimate_degradation); {self.model} has none")
        if kernel_size != self.kernel_size:
            raise ConfigError(f"{self.model} estimates {kernel_size}x{kernel_size} kernels; kernel_size is {self.kernel_size}")

    def _check_arcsr(self) -> None:
        """The learning-rate milestones increase; the motion-blur fields (ArcSR) are in range and used where they apply."""
        if any(not isinstance(step, int) or step < 1 for step in self.lr_milestones) or list(self.lr_milestones) != sorted(set(self.lr_milestones)):
            raise ConfigError(f"lr_milestones={self.lr_milestones} must be strictly increasing steps >= 1 (empty: halve every lr_halving_steps)")
        low, high = self.motion_length_range
        if not 0 <= low <= high:
            raise ConfigError(f"motion_length_range={self.motion_length_range} must be (low, high) with 0 <= low <= high (HR pixels)")
        if not 0 <= self.levin_probability <= 1 or not 1 <= self.validation_levin_kernel <= 8:
            raise ConfigError(f"need 0 <= levin_probability <= 1 and validation_levin_kernel in 1..8 (the Levin et al. kernels); "
                              f"got {self.levin_probability}, {self.validation_levin_kernel}")
        if self.kernel_type != "motion":
            return
        if self.paired_patches or self.spatial_variation != "uniform":
            raise ConfigError("kernel_type='motion' (ArcSR) is for single patches with one kernel each: "
                              "paired_patches=False, spatial_variation='uniform'")
        from dynsr.models import MODELS  # the registry imports every model; only needed here

        model_class = getattr(MODELS[self.model], "func", MODELS[self.model])
        if getattr(model_class, "conditioning", "blind") != "blind":
            raise ConfigError(f"kernel_type='motion' gives no PCA code (the Gaussian basis does not describe motion kernels); "
                              f"{self.model} is not blind")

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
        if self.paired_patches and getattr(model_class, "conditioning", "blind") == "degradation_vector":
            raise ConfigError(f"paired_patches (DASR training) needs a blind or true-kernel model; {self.model} takes a degradation vector")
        if getattr(model_class, "conditioning", "blind") == "degradation_vector":
            self._check_pca_basis(inspect.signature(MODELS[self.model]).parameters)
        if self.multistage_loss and "return_stages" not in inspect.signature(model_class.forward).parameters:
            raise ConfigError(f"multistage_loss needs a model whose forward returns its stages; {self.model} has one output (set multistage_loss=False)")

    def _check_pca_basis(self, arguments: Mapping[str, inspect.Parameter]) -> None:
        """A model fed PCA codes: the basis exists, fits ``kernel_size`` and the model's ``pca_dim``, and is the one the model
        records (``pca_basis`` argument; a model without one is evaluated with ``kair_srmd``, :func:`dynsr.inference.model_pca_basis`)."""
        from dynsr.degradations.pca import PCA_BASES

        if self.pca_basis not in PCA_BASES:
            raise ConfigError(f"unknown pca_basis {self.pca_basis!r}; known: {', '.join(PCA_BASES)}")
        entry = PCA_BASES[self.pca_basis]
        if self.kernel_size != entry.kernel_size:
            raise ConfigError(f"pca_basis {self.pca_basis!r} codes {entry.kernel_size}x{entry.kernel_size} kernels; kernel_size is {self.kernel_size}")
        if "pca_dim" in arguments and self.model_kwargs.get("pca_dim", arguments["pca_dim"].default) != entry.dim:
            raise ConfigError(f"pca_basis {self.pca_basis!r} gives {entry.dim}-d codes: set model_kwargs['pca_dim'] = {entry.dim}")
        recorded = self.model_kwargs.get("pca_basis", arguments["pca_basis"].default) if "pca_basis" in arguments else "kair_srmd"
        if recorded != self.pca_basis:
            fix = "set model_kwargs['pca_basis'] to the same basis" if "pca_basis" in arguments else f"{self.model} records no basis: use 'kair_srmd'"
            raise ConfigError(f"the model's codes come from pca_basis={recorded!r} but the data's from {self.pca_basis!r}: {fix}")

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
