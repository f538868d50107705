"""GLDFN's training recipes per profile (``smoke`` / ``cpu`` / ``paper``): the model of Setting 1 and the Table I ablation.

Every recipe (§IV-A, §IV-B; docs/decisions/gldfn.md, G16-G19) trains the full-size network on Setting 1's degradation:
isotropic 21×21 Gaussians of width U[0.2, 2.0] / [0.2, 3.0] / [0.2, 4.0] at ×2 / ×3 / ×4 ("following [11], [12]"),
blurred with reflection padding, MATLAB bicubic, a float LR (not rounded to 8 bits); the L1 loss alone (Eq. 7 read as
the mean absolute error); Adam (0.9, 0.999, ε 1e-8) at 4e-4, halved every 2·10⁵ iterations; random flips and 90°
rotations. One model per scale.

* ``gldfn``: the paper's model of Table II (Setting 1, noise-free), ×2/×3/×4, 5·10⁵ iterations;
* ``gldfn_noisy``: Setting 1 with AWGN of a level drawn from U[0, :data:`NOISY_TRAINING_NOISE`] (the training noise is
  unstated; G17), ×4: Table III's model, and Table I's Setting-1 column is read as its test (Urban100 ×4, noise 15; G18);
* ``gldfn_ablation_a`` … ``gldfn_ablation_d``: Table I's Exp. A-D (``gldfn_a``, ``gldfn_b``, ``gldfn_c``, ``gldfn``:
  size-matched, docs/decisions/gldfn.md, G10) on ``gldfn_noisy``'s data for the 2·10⁵ iterations of §IV-C, so at a
  constant rate (the first halving falls on the last step).

Validation: Set5 at the recipe's scale, the fourth of Gaussian 8's eight widths (:data:`VALIDATION_WIDTHS`), reflection
padding (DASR's harness, which also rounds the LR to 8 bits: a monitoring difference only; G16), noise-free or at the
noise of Table I's Setting-1 column (15).

``paper``: DF2K, 64 LR patches of 64², 5·10⁵ steps (ablation 2·10⁵). ``cpu``: T91 + 50 BSD200 images, 8 LR patches of
16², :data:`CPU_STEPS` steps (the main models' rate halved after 2/5 of them, the paper's 2·10⁵ of 5·10⁵; the ablation at
a constant rate), validated once at the end; every run of :data:`CPU_RUNS` fits about 30 minutes at 2 threads (the
arithmetic is docs/decisions/gldfn.md, G19). ``smoke``: 4 steps of 2 patches of 12², for tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dynsr.papers.gldfn.published import gaussian8_sigmas
from dynsr.training.config import TrainConfig

__all__ = ["RECIPES", "GLDFN_SCHEDULES", "WIDTH_RANGES", "VALIDATION_WIDTHS", "NOISY_TRAINING_NOISE", "ABLATION_VALIDATION_NOISE",
           "ABLATION_FRACTION", "CPU_STEPS", "CPU_RUNS", "ABLATION_RECIPES",
           "CPU_STEP_SECONDS", "CPU_VALIDATION_SECONDS", "DATA_ALLOWANCE", "TWO_THREAD_SPEEDUP", "CPU_RUN_LIMIT", "cpu_run_seconds", "cpu_plan_seconds"]

CPU_STEPS = 600
"""``cpu`` optimiser steps of every run (docs/decisions/gldfn.md, G19)."""

# What each profile changes (the architecture never). "halving": the rate halves every this many steps (2/5 of the main run, §IV-B).
GLDFN_SCHEDULES: dict[str, dict[str, Any]] = {
    "smoke": {"train_sets": ("T91", "BSD200"), "lr_patch": 12, "batch_size": 2, "steps": 4, "halving": 2, "log_every": 2, "checkpoint_every": 2,
              "validate_every": 0, "validation_images": 1, "validation_crop": 48},
    "cpu": {"train_sets": ("T91", "BSD200"), "lr_patch": 16, "batch_size": 8, "steps": CPU_STEPS, "halving": CPU_STEPS * 2 // 5, "log_every": 25,
            "checkpoint_every": 50, "validate_every": 0, "validation_images": 5},  # validated once, at the end
    "paper": {"train_sets": ("DF2K",), "lr_patch": 64, "batch_size": 64, "steps": 500_000, "halving": 200_000, "log_every": 100,
              "checkpoint_every": 5000, "validate_every": 10_000, "validation_images": 5, "num_workers": 8},
}
ABLATION_FRACTION = 2 / 5
"""``paper``: the ablation's 2·10⁵ iterations against the 5·10⁵ of every other model (§IV-C)."""
WIDTH_RANGES: dict[int, tuple[float, float]] = {2: (0.2, 2.0), 3: (0.2, 3.0), 4: (0.2, 4.0)}  # Setting 1, §IV-A
VALIDATION_WIDTHS: dict[int, float] = {scale: gaussian8_sigmas(scale)[3] for scale in WIDTH_RANGES}  # the fourth of Gaussian 8's widths (§IV-A)
NOISY_TRAINING_NOISE = 30.0
"""The largest training noise level (0-255) of ``gldfn_noisy`` and the ablation: Table III's largest test level (G17)."""
ABLATION_VALIDATION_NOISE = 15.0  # Table I's Setting-1 column read as Table III's noise 15 (G18)

ABLATION_RECIPES: dict[str, str] = {"A": "gldfn_ablation_a", "B": "gldfn_ablation_b", "C": "gldfn_ablation_c", "D": "gldfn_ablation_d"}
"""Table I's experiments → their recipes."""
_ABLATION_MODELS: dict[str, str] = {"A": "gldfn_a", "B": "gldfn_b", "C": "gldfn_c", "D": "gldfn"}


def _gldfn_recipe(model: str, profile: str, scale: int, seed: int, *, noisy: bool = False, ablation: bool = False) -> TrainConfig:
    """A GLDFN recipe (module docstring): ``noisy`` adds Setting 1's training noise, ``ablation`` the schedule of §IV-C."""
    if scale not in WIDTH_RANGES:
        raise KeyError(f"GLDFN trains Setting 1 at x2, x3 and x4 (its width ranges); got x{scale}")
    schedule = dict(GLDFN_SCHEDULES[profile])
    steps, halving = schedule.pop("steps"), schedule.pop("halving")
    if ablation:  # §IV-C: 2·10⁵ iterations, so the first halving (at 2·10⁵) is never reached; cpu/smoke keep their steps
        steps = round(steps * ABLATION_FRACTION) if profile == "paper" else steps
        halving = steps
    return TrainConfig(
        model=model,
        scale=scale,
        seed=seed,
        steps=steps,
        learning_rate=4e-4,
        adam_betas=(0.9, 0.999),
        lr_halving_steps=halving,
        loss="l1",
        kernel_size=21,
        pca_basis="ikc_dan",  # a 21x21 basis: the single-patch pipeline codes every kernel, which the blind GLDFN never reads
        width_range=WIDTH_RANGES[scale],
        noise_range=(0.0, NOISY_TRAINING_NOISE if noisy else 0.0),
        blur_padding="reflect",
        quantize_before_noise=False,
        quantize_after_noise=False,
        validation_harness="dasr",
        validation_set="Set5",
        validation_width=VALIDATION_WIDTHS[scale],
        validation_noise=ABLATION_VALIDATION_NOISE if noisy else 0.0,
        **schedule,
    )


def _gldfn(model: str = "gldfn", **options: Any) -> Callable[[str, int, int], TrainConfig]:
    return lambda profile, scale, seed: _gldfn_recipe(model, profile, scale, seed, **options)


RECIPES: dict[str, Callable[[str, int, int], TrainConfig]] = {
    "gldfn": _gldfn(),  # Table II (x2/x3/x4)
    "gldfn_noisy": _gldfn(noisy=True),  # Table III (x4)
    **{recipe: _gldfn(_ABLATION_MODELS[exp], noisy=True, ablation=True) for exp, recipe in ABLATION_RECIPES.items()},  # Table I (x4)
}

CPU_RUNS: tuple[tuple[str, int, tuple[int, ...]], ...] = (
    ("gldfn", 2, (0,)), ("gldfn", 3, (0,)), ("gldfn", 4, (0,)),
    ("gldfn_ablation_a", 4, (0, 1)), ("gldfn_ablation_b", 4, (0, 1)), ("gldfn_ablation_c", 4, (0, 1)), ("gldfn_ablation_d", 4, (0, 1)),
)
"""(recipe, scale, seeds) of every run Tables I and II need at ``cpu``: ``gldfn`` at ×2/×3/×4 (Table II), Exp. A-D at ×4
with two seeds each (Table I's Setting-1 column). ``gldfn_noisy`` (Table III) is not among them: Table III is not built yet."""

# The measurements behind the cpu plan (docs/decisions/gldfn.md, G19): seconds per step (forward, L1, backward, Adam; torch's
# deterministic mode) of each full-size model at the cpu patch and batch, at 1 thread under `nice` while another training run
# held both cores (pessimistic), and one validation pass over Set5 (forward only, 1 thread).
CPU_STEP_SECONDS: dict[tuple[str, int], float] = {
    ("gldfn", 2): 2.55, ("gldfn", 3): 3.90, ("gldfn", 4): 3.23,
    ("gldfn_ablation_a", 4): 3.04, ("gldfn_ablation_b", 4): 2.17, ("gldfn_ablation_c", 4): 3.78, ("gldfn_ablation_d", 4): 3.23,
}
CPU_VALIDATION_SECONDS: dict[int, float] = {2: 31.4, 3: 14.0, 4: 8.1}  # x3: x2's time scaled by its LR pixels (4/9)
DATA_ALLOWANCE = 1.1  # making 8 training pairs a step (blur, bicubic) on top of the model's step
TWO_THREAD_SPEEDUP = 1.6  # 2 threads against 1 (dynsr's DASR and UDVD measurements; not measured for GLDFN)
CPU_RUN_LIMIT = 1800.0  # seconds: a run must finish inside a session that keeps no files


def cpu_run_seconds(name: str, scale: int) -> float:
    """The estimated seconds of one ``cpu`` run at 2 threads: its steps, the data allowance, one validation pass."""
    steps = RECIPES[name]("cpu", scale, 0).steps
    return (steps * CPU_STEP_SECONDS[(name, scale)] * DATA_ALLOWANCE + CPU_VALIDATION_SECONDS[scale]) / TWO_THREAD_SPEEDUP


def cpu_plan_seconds() -> float:
    """The estimated seconds of every run of :data:`CPU_RUNS` at 2 threads."""
    return sum(cpu_run_seconds(name, scale) * len(seeds) for name, scale, seeds in CPU_RUNS)
