"""ArcSR's training recipes per profile (``smoke`` / ``cpu`` / ``paper``): the model, the three Table 1 variants and Table 2's DASR.

Every recipe (§3.2.4, §4.2; docs/decisions/arcsr.md, A14-A18) trains the full-size network at ×4 on L1 (Eq. 2) with Adam
(β1 0.9, β2 0.999) at 1e-4, halved at 1/20, 1/10, 1/5 and 1/2 of the run (the paper: 2·10⁴, 4·10⁴, 8·10⁴ and 2·10⁵ of
4·10⁵ steps), the HR patches rotated by 0/90/180/270 degrees (no flips). The paper's data, the REDS and GoPro frames with
their real motion blur (§4.1), are not available: the patches are blurred with synthetic camera-shake kernels instead
(``kernel_type="motion"``: a random trajectory of path length U[4, 26] HR pixels on a 27² support, or with probability
1/4 one of the 8 Levin et al. kernels), then MATLAB bicubic ×¼, then AWGN of level U[0.2, 20] (0-255 scale) on the float
LR, neither rounded nor clipped (as the ArcSR test settings, :mod:`.settings`).

* ``arcsr``: ArcSR (full), Table 1's last row and Table 2;
* ``arcsr_no_dmconv``, ``arcsr_no_kgconv``, ``arcsr_baseline``: Table 1's other rows (docs/decisions/arcsr.md, A10);
* ``dasr_arcsr``: Table 2's DASR row, the DASR network (full size) trained with this recipe ("the same training
  strategy as our method", §4.4), at ``cpu`` for ArcSR's training compute (:data:`MATCHED_STEPS`; A23).

Validation: Set5 ×4 blurred with Levin kernel 1, noise-free (Table 1's noise level), float LR: a training-progress signal
on a kernel of the training distribution; the test is the real motion-blur pairs (:mod:`.settings`; A18).

``paper``: DF2K (the REDS/GoPro frames being unavailable), 64² LR (256² HR) patches, 16 per step (the batch is unstated),
4·10⁵ steps. ``cpu``: T91 + 50 BSD200 images, 8 LR patches of 24² (96² HR), 1,500 steps (halving after 75, 150, 300,
750), validated once at the end; :data:`CPU_RUNS` (Table 1, two seeds) fits about 4 h of 2 cores as two single-thread
processes, one seed each (the measured arithmetic: docs/decisions/arcsr.md, A17). ``smoke``: 2 steps of 2 patches of 12², for tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dynsr.training.config import TrainConfig

__all__ = ["RECIPES", "TABLE1_RECIPES", "RECIPE_MODELS", "ARCSR_SCHEDULES", "MILESTONE_FRACTIONS", "CPU_RUNS", "COMPARATOR_CPU_RUNS",
           "COMPUTE_MATCHED", "MATCHED_STEPS", "milestones"]

MILESTONE_FRACTIONS: tuple[float, ...] = (0.05, 0.1, 0.2, 0.5)
"""The halving steps as fractions of the run (§4.2: 2·10⁴, 4·10⁴, 8·10⁴, 2·10⁵ of 4·10⁵)."""

# What each profile changes (the architecture never).
ARCSR_SCHEDULES: dict[str, dict[str, Any]] = {
    "smoke": {"train_sets": ("T91", "BSD200"), "lr_patch": 12, "batch_size": 2, "steps": 2, "log_every": 1, "checkpoint_every": 1,
              "validate_every": 0, "validation_images": 1, "validation_crop": 48},
    "cpu": {"train_sets": ("T91", "BSD200"), "lr_patch": 24, "batch_size": 8, "steps": 1500, "log_every": 25, "checkpoint_every": 50,
            "validate_every": 0, "validation_images": 5},  # validated once, at the end
    "paper": {"train_sets": ("DF2K",), "lr_patch": 64, "batch_size": 16, "steps": 400_000, "log_every": 100, "checkpoint_every": 5000,
              "validate_every": 10_000, "validation_images": 5, "num_workers": 8},
}


def milestones(steps: int) -> tuple[int, ...]:
    """The four halving steps of a run of ``steps`` (:data:`MILESTONE_FRACTIONS`; each at least 1 and distinct)."""
    points: list[int] = []
    for fraction in MILESTONE_FRACTIONS:
        points.append(max(round(fraction * steps), points[-1] + 1 if points else 1))
    return tuple(points)


def _arcsr_recipe(model: str, profile: str, scale: int, seed: int) -> TrainConfig:
    """An ArcSR recipe (module docstring) of registry model ``model``."""
    if scale != 4:
        raise KeyError(f"ArcSR trains at x4 only (§4.3-4.4); got x{scale}")
    schedule = dict(ARCSR_SCHEDULES[profile])
    return TrainConfig(
        model=model,
        scale=scale,
        seed=seed,
        learning_rate=1e-4,
        adam_betas=(0.9, 0.999),
        lr_milestones=milestones(schedule["steps"]),
        loss="l1",
        kernel_type="motion",
        kernel_size=27,
        motion_length_range=(4.0, 26.0),
        levin_probability=0.25,
        noise_range=(0.2, 20.0),
        blur_padding="replicate",
        quantize_before_noise=False,
        quantize_after_noise=False,
        augment=True,
        augment_mode="rotations",
        validation_harness="motion",
        validation_set="Set5",
        validation_levin_kernel=1,
        validation_noise=0.0,
        **schedule,
    )


def _arcsr(model: str) -> Callable[[str, int, int], TrainConfig]:
    return lambda profile, scale, seed: _arcsr_recipe(model, profile, scale, seed)


TABLE1_RECIPES: tuple[str, ...] = ("arcsr", "arcsr_no_dmconv", "arcsr_no_kgconv", "arcsr_baseline")
"""Table 1's models, full model first (each recipe's registry model is its name)."""

RECIPE_MODELS: dict[str, str] = {**{name: name for name in TABLE1_RECIPES}, "dasr_arcsr": "dasr"}
"""Each recipe's registry model."""

RECIPES: dict[str, Callable[[str, int, int], TrainConfig]] = {name: _arcsr(model) for name, model in RECIPE_MODELS.items()}

CPU_RUNS: tuple[tuple[str, int, tuple[int, ...]], ...] = tuple((name, 4, (0, 1)) for name in TABLE1_RECIPES)
"""(recipe, scale, seeds) of Table 1 at ``cpu``: the four models, two seeds each."""

COMPARATOR_CPU_RUNS: tuple[tuple[str, int, tuple[int, ...]], ...] = (("dasr_arcsr", 4, (0,)),)
"""(recipe, scale, seeds) of Table 2's comparator at ``cpu``: one seed, as ArcSR's row (seed 0); not in :data:`CPU_RUNS`'s 4 h."""

COMPUTE_MATCHED: dict[str, str] = {"dasr_arcsr": "arcsr"}
"""A comparator recipe → the recipe whose training compute it gets at ``cpu``."""

MATCHED_STEPS: dict[tuple[str, int], int] = {("dasr_arcsr", 4): 1781}
"""``cpu`` steps of each comparator: ⌈steps(method) · MACs(method step) / MACs(comparator step)⌉ (forward MACs of one
training step, `dynsr.training.trainer.step_macs`; docs/decisions/arcsr.md, A23). Recomputed by ``tests/test_comparator_budget.py``."""
