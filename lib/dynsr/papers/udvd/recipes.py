"""UDVD's training recipes per profile (``smoke`` / ``cpu`` / ``paper``), and those of the SRMD and SRMDNF it compares with.

UDVD's recipe (§4.1; docs/decisions/udvd.md, U11, U12, U17), shared by the SRMD / SRMDNF it compares against: L2 loss (multistage
for UDVD, Eq. 4), Adam 1e-4 halved every 2·10⁵ steps, 48² LR patches, batch 32, isotropic Gaussian
15x15 widths U[0.2, 3], AWGN U[0, 75] (noise-free models: none), replicate blur padding, LR quantised
before the noise (SRMD's ``degradation_model.m``). UDVD does not state the number of steps; ``paper``
uses 10⁶ (five halvings; docs/decisions/udvd.md, U11).

``cpu`` (the committed results): T91 + 50 BSD200 images instead of DF2K, 16² LR patches, batch 16,
1,000 steps; the learning rate and its schedule are the paper's (so it never halves). One UDD ×3 step
takes ≈ 0.95 s on 2 cores (Baseline 0.52 s, UDD ×2 0.71 s, UUDD ×4 1.5 s), so the 17 UDVD runs
(Table 1: six configurations × 2 seeds; ×2 and ×4; three noise-free models) and 6 SRMD / SRMDNF runs
take ≈ 5 h (``scripts/train_udvd_cpu.sh``). ``smoke``:
4 steps of batch 2, 12² patches, for tests.

UDVD Table 1 variants (all ×3, §4.2): ``udvd_baseline`` (no dynamic block), ``udvd_u``,
``udvd_du``, ``udvd_ud``, ``udvd`` (UDD, the paper's model, also Table 2's), ``udvd_single_loss``
(UDD "w/o multistage loss"). ``udvdnf``: the noise-free model of Table 4 (σ ≡ 0 in training; the
noise entry dropped from the input, 18 channels, as SRMDNF: docs/decisions/udvd.md, U14).

At ``cpu`` the comparators SRMD and SRMDNF get UDVD's training compute (:data:`MATCHED_STEPS`; docs/decisions/udvd.md, U23).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dynsr.training.config import TrainConfig

__all__ = ["RECIPES", "UDVD_SCHEDULES", "COMPUTE_MATCHED", "MATCHED_STEPS"]

# What each profile changes (the architecture never).
UDVD_SCHEDULES: dict[str, dict[str, Any]] = {
    "smoke": {"train_sets": ("T91", "BSD200"), "lr_patch": 12, "batch_size": 2, "steps": 4, "log_every": 2, "checkpoint_every": 2,
              "validate_every": 0, "validation_images": 1, "validation_crop": 48},
    "cpu": {"train_sets": ("T91", "BSD200"), "lr_patch": 16, "batch_size": 16, "steps": 1000, "log_every": 25, "checkpoint_every": 50,
            "validate_every": 250, "validation_images": 5},
    "paper": {"train_sets": ("DF2K",), "lr_patch": 48, "batch_size": 32, "steps": 1_000_000, "log_every": 100, "checkpoint_every": 5000,
              "validate_every": 10_000, "validation_images": 5, "num_workers": 8},
}


def _udvd_recipe(model: str, profile: str, scale: int, seed: int, *, noise_free: bool = False, multistage: bool = False,
                 model_kwargs: dict[str, Any] | None = None) -> TrainConfig:
    return TrainConfig(
        model=model,
        model_kwargs=model_kwargs or {},
        scale=scale,
        seed=seed,
        multistage_loss=multistage,
        learning_rate=1e-4,
        lr_halving_steps=200_000,
        loss="l2",
        kernel_size=15,
        width_range=(0.2, 3.0),
        noise_range=(0.0, 0.0) if noise_free else (0.0, 75.0),
        validation_noise=0.0 if noise_free else 15.0,
        **UDVD_SCHEDULES[profile],
    )


def _udvd(blocks: str | None, *, multistage: bool = True, noise_free: bool = False) -> Callable[[str, int, int], TrainConfig]:
    """A UDVD recipe; ``blocks=None`` = the paper's configuration for the scale (UDD; UUDD at ×4)."""

    def build(profile: str, scale: int, seed: int) -> TrainConfig:
        kwargs: dict[str, Any] = {} if blocks is None else {"blocks": blocks}
        if noise_free:
            kwargs["noise_channel"] = False
        return _udvd_recipe("udvd", profile, scale, seed, noise_free=noise_free, multistage=multistage and blocks != "", model_kwargs=kwargs)

    return build


RECIPES: dict[str, Callable[[str, int, int], TrainConfig]] = {
    "srmd": lambda profile, scale, seed: _udvd_recipe("srmd", profile, scale, seed),
    "srmdnf": lambda profile, scale, seed: _udvd_recipe("srmdnf", profile, scale, seed, noise_free=True),
    "udvd": _udvd(None),
    "udvd_baseline": _udvd(""),
    "udvd_u": _udvd("U"),
    "udvd_du": _udvd("DU"),
    "udvd_ud": _udvd("UD"),
    "udvd_single_loss": _udvd(None, multistage=False),
    "udvdnf": _udvd(None, noise_free=True),
}

COMPUTE_MATCHED: dict[str, str] = {"srmd": "udvd", "srmdnf": "udvdnf"}
"""A comparator recipe → the recipe of the method it is compared with, whose training compute it gets at ``cpu``."""

MATCHED_STEPS: dict[tuple[str, int], int] = {
    ("srmd", 2): 3806, ("srmd", 3): 4803, ("srmd", 4): 6714,
    ("srmdnf", 2): 3808, ("srmdnf", 3): 4806, ("srmdnf", 4): 6718,
}
"""``cpu`` steps of each comparator: ⌈steps(method) · MACs(method step) / MACs(comparator step)⌉ (forward MACs of one
training step, `dynsr.training.trainer.step_macs`; docs/decisions/udvd.md, U23). Recomputed by ``tests/test_comparator_budget.py``."""
