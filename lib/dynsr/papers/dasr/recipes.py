"""DASR's training recipes per profile (``smoke`` / ``cpu`` / ``paper``), and that of SRMDNF* it compares with in Table 1.

**DASR** (§4.1; docs/decisions/dasr.md, D5-D14; :data:`DASR_SCHEDULES`): each sample is a training image giving two
patches with one 21×21 Gaussian kernel (reflect blur padding, MATLAB bicubic, LR rounded to 8 bits
after the noise), ``batch_size`` counting images; stage 1 trains the encoder alone on L_degrad (MoCo,
τ = 0.07, momentum 0.999, queue 8192 = 32 × 256, the official cross-entropy form) at 1e-3, ×0.1 after
60 % of it; stage 2 trains everything on L1(SR of the query patch) + L_degrad at 1e-4, halved every
25 % of it (125 of 500 epochs). Adam (0.9, 0.999). The L1 is measured on 0-255 pixel values
(``loss_pixel_range=255``, the official code's ``rgb_range``): the paper gives L = L_SR + L_degrad
without units, and the unit sets how strongly the SR loss, against L_degrad, trains the encoder in
stage 2 (255-fold in the official code). ``srmdnf_dasr`` keeps [0, 1] (a single loss: Adam ignores its scale). The recipes:

* ``dasr``: setting 1, isotropic σ ~ U[0.2, 2.0 / 3.0 / 4.0] for ×2 / ×3 / ×4 (the paper; the official
  ``main.sh`` trains ×2 with σ_max 4.0), noise-free: Tables 2 and Table 1 Model 4 (×4);
* ``dasr_model1``: Table 1 Model 1, the same network without L_degrad and without stage 1 (stage 2's
  length and schedule, no projection head);
* ``dasr_concat``: Model 2 (vanilla convs over features ⊕ stretched representation, width 55);
* ``dasr_no_modulation``: Model 3 (no modulation branch);
* ``dasr_oracle``: Model 5 (FC layers on the true kernel, which the trainer feeds; no encoder, so no
  L_degrad and no stage 1, "trained from scratch for 500 epochs");
* ``dasr_aniso``: setting 2 (Table 3), ×4: anisotropic λ1, λ2 ~ U(0.2, 4) used as standard deviations
  (the official code), θ ~ U(0, π), noise U[0, 25];
* ``dasr_bicubic``: the bicubic-trained control of Table 2's claim ("RCAN, trained on bicubic LR, is best
  at σ = 0 and collapses as σ grows"): RCAN (15.2M) is not built here, so the DASR network itself is
  trained as Model 1 is (no L_degrad, no stage 1) on bicubic-only LR (no blur, ``kernel_type="none"``),
  validated at σ = 0. The claim is about the training distribution, which this control isolates: same
  network, same steps, only the degradations differ;
* ``srmdnf_dasr``: Table 1's SRMDNF* (SRMDNF given the true kernel). We read DASR's SRMDNF rows as
  IKC's setting (they sit beside "+ Predictor", IKC's; DASR does not say), in which SRMDNF reads a 10-d
  PCA code of the 21×21 kernel (IKC's basis,
  ``pca_basis="ikc_dan"``, :mod:`dynsr.degradations.pca`). It is trained here on DASR's setting-1 data
  (21×21 isotropic σ ~ U[0.2, 4] at ×4, reflect padding, 8-bit LR, noise-free) with Model 5's schedule
  (stage 2 only: same steps, batch, learning rate, halving and L1 loss; one LR patch per image), so
  that "Model 5 > SRMDNF*" compares two networks given the true kernel under one training budget. The
  paper's SRMDNF was trained by IKC's authors with their own recipe, not stated in DASR.

Validation (DASR's harness): Set5 at the recipe's scale, the third σ of Table 2's grid (×2 1.2, ×3 1.6,
×4 2.4), noise-free; ``dasr_aniso``: σ = 2.4 (λ1 = λ2 = 2.4, inside its training range) with noise 5
(a Table 3 level).

DASR ``paper`` profile: DF2K, 48² LR patches, 32 images (64 patches) per step. An "epoch" is EDSR's
``test_every`` = 1000 batches rounded to whole passes over DF2K, ⌊1000 / ⌊3450/32⌋⌋ = 9 passes of
3450 images = 3450·9/32 ≈ 970 iterations (docs/decisions/dasr.md, D12, with the alternative reading of exactly 1000): stage 1
= 100 epochs = 97,000 steps (drop at 60 epochs = 58,200), stage 2 = 500 epochs = 485,000 steps
(halving every 125 epochs = 121,250); 582,000 steps in all (Models 1 and 5: 485,000).

DASR ``cpu`` profile: T91 + 50 BSD200 images, 16² LR patches, 8 images (16 patches; the SR loss sees
the 8 query patches) per step, queue 2048 = 256 × 8 (keys stay in the queue for 256 steps, as in the
paper's 8192 = 256 × 32), stage 1 = 2,000 steps (drop at 1,200), stage 2 = 1,500 steps (halving
every 375), validation every 500 steps (skipped in stage 1). Measured seconds per step of the
full-size networks at 1 thread (torch deterministic mode, the trainer's own step function, 3-6 steps
each; the 2 cores were busy with the background UDVD training, so these are pessimistic): stage 1
(encoder + key encoder) ≈ 0.08 s at every scale; stage 2: ``dasr`` ×4 0.95 s, ×3 0.80 s, ×2 0.67 s,
Model 1 0.90 s, Model 2 1.33 s, Model 3 0.87 s, Model 5 0.86 s; validation on Set5 ≈ 6 s (×4), 18 s
(×2); ``srmdnf_dasr`` ≈ 0.2 s. At 2 threads (≈ 1.6× the 1-thread speed) the 17 runs (``dasr`` ×2 and ×3
seed 0, ×4 seeds 0 and 1; ``dasr_aniso`` ×4; Models 1, 2, 3, 5, the bicubic-trained control
``dasr_bicubic`` and SRMDNF* ``srmdnf_dasr`` at ×4 with seeds 0 and 1) cost, per stage-2 step,
(0.67 + 0.80 + 2·0.95 + 0.95 + 2·0.90 + 2·1.33 + 2·0.87 + 2·0.86 + 2·0.90 + 2·0.2) / 1.6 = 14.44 / 1.6 ≈ 9.0 s
(the control costs what Model 1 does), and per stage-1 step 9 · 0.08 / 1.6 ≈ 0.45 s (the 9 runs with
an encoder stage). 1,500 · 9.0 + 2,000 · 0.45 ≈ 13,500 + 900 s, plus ≈ 260 s of validation (3 per
run, all in stage 2) ≈ 14,700 s ≈ 4.1 h: slightly over the ≈ 4 h budget (the estimate is pessimistic
per step, but model building and data loading are not in it). Measured: the 17 committed weight files
record 15,094 s ≈ 4.19 h of training (``train_seconds``; the ×2, ×3, setting-2 and Model 2 seed-0 runs shared
the cores with test runs). ``smoke``: 4 steps (2 in stage 1)
of 2 images, 12² patches, queue 8.

At ``cpu`` SRMDNF* gets Model 5's training compute (:data:`MATCHED_STEPS`; docs/decisions/udvd.md, U23).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dynsr.training.config import TrainConfig

__all__ = ["RECIPES", "DASR_SCHEDULES", "DASR_WIDTH_RANGES", "DASR_VALIDATION_WIDTHS", "COMPUTE_MATCHED", "MATCHED_STEPS"]

# DASR: what each profile changes. "stage2" = stage-2 steps, "encoder_steps" = stage-1 steps (steps = their sum;
# Models 1 and 5 train stage 2 only), "drop" = the stage-1 step of the 1e-3 -> 1e-4 drop (60 %), "halving" = 25 % of stage 2.
DASR_SCHEDULES: dict[str, dict[str, Any]] = {
    "smoke": {"train_sets": ("T91", "BSD200"), "lr_patch": 12, "batch_size": 2, "encoder_steps": 2, "stage2": 2, "drop": 1, "halving": 1,
              "contrastive_queue": 8, "log_every": 2, "checkpoint_every": 2, "validate_every": 0, "validation_images": 1, "validation_crop": 48},
    "cpu": {"train_sets": ("T91", "BSD200"), "lr_patch": 16, "batch_size": 8, "encoder_steps": 2000, "stage2": 1500, "drop": 1200, "halving": 375,
            "contrastive_queue": 2048, "log_every": 25, "checkpoint_every": 50, "validate_every": 500, "validation_images": 5},
    "paper": {"train_sets": ("DF2K",), "lr_patch": 48, "batch_size": 32, "encoder_steps": 97_000, "stage2": 485_000, "drop": 58_200,
              "halving": 121_250, "contrastive_queue": 8192, "log_every": 100, "checkpoint_every": 5000, "validate_every": 10_000,
              "validation_images": 5, "num_workers": 8},
}
DASR_WIDTH_RANGES: dict[int, tuple[float, float]] = {2: (0.2, 2.0), 3: (0.2, 3.0), 4: (0.2, 4.0)}  # setting 1, §4.1 (main.sh: x2 up to 4.0)
DASR_VALIDATION_WIDTHS: dict[int, float] = {2: 1.2, 3: 1.6, 4: 2.4}  # Table 2's third column per scale


def _dasr_recipe(model: str, profile: str, scale: int, seed: int, *, contrastive: bool = True, anisotropic: bool = False,
                 bicubic_only: bool = False, model_kwargs: dict[str, Any] | None = None) -> TrainConfig:
    """A DASR recipe (module docstring); ``contrastive=False``: no L_degrad and no stage 1 (Models 1 and 5);
    ``bicubic_only``: no blur in training or validation (the Table 2 control)."""
    if scale not in DASR_WIDTH_RANGES:
        raise KeyError(f"DASR trains at x2, x3 and x4 (its σ ranges); got x{scale}")
    schedule = dict(DASR_SCHEDULES[profile])
    stage2, encoder_steps, drop, halving = (schedule.pop(key) for key in ("stage2", "encoder_steps", "drop", "halving"))
    if not contrastive:
        encoder_steps = drop = 0
    return TrainConfig(
        model=model,
        model_kwargs={**(model_kwargs or {}), **({"projection_head": True} if contrastive else {})},
        scale=scale,
        seed=seed,
        steps=encoder_steps + stage2,
        paired_patches=True,
        learning_rate=1e-4,
        lr_halving_steps=halving,
        loss="l1",
        loss_pixel_range=255.0,
        kernel_size=21,
        kernel_type="anisotropic" if anisotropic else "none" if bicubic_only else "isotropic",
        width_range=DASR_WIDTH_RANGES[scale],
        lambda_range=(0.2, 4.0),
        anisotropic_convention="std",
        noise_range=(0.0, 25.0) if anisotropic else (0.0, 0.0),
        blur_padding="reflect",
        quantize_before_noise=False,
        quantize_after_noise=True,
        degradation_loss_weight=1.0 if contrastive else 0.0,
        contrastive_form="moco",
        contrastive_temperature=0.07,
        key_momentum=0.999,
        encoder_steps=encoder_steps,
        encoder_learning_rate=1e-3,
        encoder_lr_drop_step=drop,
        validation_harness="dasr",
        validation_set="Set5",
        validation_width=0.0 if bicubic_only else DASR_VALIDATION_WIDTHS[scale],
        validation_noise=5.0 if anisotropic else 0.0,
        **schedule,
    )


def _srmdnf_dasr_recipe(profile: str, scale: int, seed: int) -> TrainConfig:
    """SRMDNF on DASR's setting 1 (module docstring, ``srmdnf_dasr``): Model 5's schedule and data, IKC's 10-d codes."""
    if scale not in DASR_WIDTH_RANGES:
        raise KeyError(f"DASR trains at x2, x3 and x4 (its σ ranges); got x{scale}")
    schedule = dict(DASR_SCHEDULES[profile])
    stage2, halving = schedule.pop("stage2"), schedule.pop("halving")
    for unused in ("encoder_steps", "drop", "contrastive_queue"):
        schedule.pop(unused)
    return TrainConfig(
        model="srmdnf", model_kwargs={"pca_dim": 10, "pca_basis": "ikc_dan"}, pca_basis="ikc_dan", scale=scale, seed=seed, steps=stage2,
        learning_rate=1e-4, lr_halving_steps=halving, loss="l1", kernel_size=21, width_range=DASR_WIDTH_RANGES[scale], noise_range=(0.0, 0.0),
        blur_padding="reflect", quantize_before_noise=False, quantize_after_noise=True, validation_harness="dasr", validation_set="Set5",
        validation_width=DASR_VALIDATION_WIDTHS[scale], validation_noise=0.0, **schedule,
    )


def _dasr(model: str = "dasr", **options: Any) -> Callable[[str, int, int], TrainConfig]:
    return lambda profile, scale, seed: _dasr_recipe(model, profile, scale, seed, **options)


RECIPES: dict[str, Callable[[str, int, int], TrainConfig]] = {
    "dasr": _dasr(),  # setting 1; Table 2 (x2/x3/x4), Table 1 Model 4 (x4)
    "dasr_model1": _dasr(contrastive=False),  # Table 1 Model 1: no L_degrad, no stage 1
    "dasr_concat": _dasr("dasr_concat"),  # Model 2
    "dasr_no_modulation": _dasr("dasr_no_modulation"),  # Model 3
    "dasr_oracle": _dasr("dasr_oracle", contrastive=False),  # Model 5: the true kernel, no encoder
    "dasr_aniso": _dasr(anisotropic=True),  # setting 2 (Table 3, x4)
    "dasr_bicubic": _dasr(contrastive=False, bicubic_only=True),  # Table 2 claim: the bicubic-trained control (x4)
    "srmdnf_dasr": _srmdnf_dasr_recipe,  # Table 1 SRMDNF* (the true kernel's code; x4)
}

COMPUTE_MATCHED: dict[str, str] = {"srmdnf_dasr": "dasr_oracle"}
"""A comparator recipe → the recipe of the method it is compared with, whose training compute it gets at ``cpu``."""

MATCHED_STEPS: dict[tuple[str, int], int] = {("srmdnf_dasr", 4): 2986}
"""``cpu`` steps of SRMDNF*: Model 5's 1,500 steps × its forward MACs per step over SRMDNF*'s (docs/decisions/udvd.md, U23)."""
