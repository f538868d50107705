"""DMSR's training recipes per profile (``smoke`` / ``cpu`` / ``paper``): the model, DMSR-nf and the ablations of Tables 2-4.

Every recipe (§4.1; docs/decisions/dmsr.md, M17-M23) trains the full-size network on UDVD's and SRMD's degradation ([31, 35]):
isotropic Gaussian 15×15 kernels of width U[0.2, 3.0], MATLAB bicubic, the LR rounded to 8 bits, AWGN of level U[0, 75]
(replicate blur padding), each pair carrying its true kernel and noise (``degradation_targets``) for L_DR; the objective
is DMSR's (``dmsr_losses``: L1 L_RE + 10·L_DR + L_DC, Eq. 5-8); Adam (0.9, 0.999, ε 1e-8) at 1e-4 halved every
2·10⁵ of 5·10⁵ iterations, random flips and 90° rotations. The same ranges at every scale, one model per scale.

* ``dmsr``: the paper's model (Table 1 at ×2/×3/×4; the last row of Table 2, ×4; of Table 3, ×2; the first of
  Table 4, ×3);
* ``dmsr_nf``: DMSR-nf (Table 1's noise-free row, §4.2), a fine-tune of ``dmsr``'s weights with the noise level fixed
  at 0 for another 1/5 of the main run (10⁵ after 5·10⁵ iterations) at a constant 1e-4 (M22);
* Table 2 (×4), the extractor's losses: ``dmsr_no_de_losses`` (L_RE alone), ``dmsr_dr`` (+ L_DR), ``dmsr_dr_dc_lr``
  (+ DC (LR)); all three terms = ``dmsr``;
* Table 3 (×2), the meta-restoration modules: ``dmsr_sigma_no_mbm`` (MNM-σ, no MBM), ``dmsr_sigma`` (MNM-σ + MBM),
  ``dmsr_no_mbm`` (MNM-map, no MBM); MNM-map + MBM = ``dmsr``;
* Table 4 (×3), the number of MBMs: ``dmsr_mbm2``, ``dmsr_mbm3``; one MBM = ``dmsr``.

Validation (SRMD's harness on Set5, as Table 1): the degradation of the ablation table at the recipe's scale (×2: σ_k
2.6, σ_n 15, Table 3; ×3: 1.3, 50, Table 4; ×4: 1.3, 50, Table 2), so that each table's rows are validated alike;
DMSR-nf on Table 1's noise-free column (0.2, 0).

``paper``: DF2K, 32 LR patches of 48², 5·10⁵ steps. ``cpu``: T91 + 50 BSD200 images, 8 LR patches of 16², 600 steps
(the rate halving after 240 and 480, the paper's 2/5), validated once at the end; DMSR-nf 120 steps. The arithmetic
that fits :data:`CPU_RUNS` into about 5 h of 2 cores is docs/decisions/dmsr.md, M23. ``smoke``: 4 steps of 2 patches of
12², for tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dynsr.training.config import TrainConfig
from dynsr.training.degradation_losses import DMSRLossOptions

__all__ = ["RECIPES", "DMSR_SCHEDULES", "DMSR_VALIDATION", "FINE_TUNE_FRACTION", "CPU_RUNS"]

# What each profile changes (the architecture never). "halving": the rate halves every this many steps (2/5 of the steps, §4.1).
DMSR_SCHEDULES: dict[str, dict[str, Any]] = {
    "smoke": {"train_sets": ("T91", "BSD200"), "lr_patch": 12, "batch_size": 2, "steps": 4, "halving": 2, "log_every": 2, "checkpoint_every": 2,
              "validate_every": 0, "validation_images": 1, "validation_crop": 48},
    "cpu": {"train_sets": ("T91", "BSD200"), "lr_patch": 16, "batch_size": 8, "steps": 600, "halving": 240, "log_every": 25, "checkpoint_every": 50,
            "validate_every": 0, "validation_images": 5},  # validated once, at the end (a Set5 pass of the full model costs 20-70 s)
    "paper": {"train_sets": ("DF2K",), "lr_patch": 48, "batch_size": 32, "steps": 500_000, "halving": 200_000, "log_every": 100,
              "checkpoint_every": 5000, "validate_every": 10_000, "validation_images": 5, "num_workers": 8},
}
DMSR_VALIDATION: dict[int, tuple[float, float]] = {2: (2.6, 15.0), 3: (1.3, 50.0), 4: (1.3, 50.0)}  # (σ_k, σ_n): Tables 3, 4, 2
NOISE_FREE_VALIDATION = (0.2, 0.0)  # Table 1's noise-free column
FINE_TUNE_FRACTION = 5  # DMSR-nf: 10⁵ iterations after the 5·10⁵ of DMSR (§4.2), 1/5 of the main run


def _dmsr_recipe(profile: str, scale: int, seed: int, *, losses: DMSRLossOptions | None = None, model_kwargs: dict[str, Any] | None = None,
                 noise_free: bool = False) -> TrainConfig:
    """A DMSR recipe (module docstring); ``noise_free``: DMSR-nf, the fine-tune of ``dmsr`` without noise."""
    if scale not in DMSR_VALIDATION:
        raise KeyError(f"DMSR trains at x2, x3 and x4; got x{scale}")
    schedule = dict(DMSR_SCHEDULES[profile])
    steps, halving = schedule.pop("steps"), schedule.pop("halving")
    if noise_free:  # a constant rate: the halving interval is the main run's length, longer than the fine-tune
        steps, halving = -(-steps // FINE_TUNE_FRACTION), steps  # ⌈steps / 5⌉ (smoke: 1)
    width, noise = NOISE_FREE_VALIDATION if noise_free else DMSR_VALIDATION[scale]
    return TrainConfig(
        model="dmsr",
        model_kwargs=model_kwargs or {},
        scale=scale,
        seed=seed,
        steps=steps,
        learning_rate=1e-4,
        adam_betas=(0.9, 0.999),
        lr_halving_steps=halving,
        loss="l1",
        kernel_size=15,
        width_range=(0.2, 3.0),
        noise_range=(0.0, 0.0) if noise_free else (0.0, 75.0),
        blur_padding="replicate",
        quantize_before_noise=True,
        degradation_targets=True,
        dmsr_losses=losses or DMSRLossOptions(),
        fine_tune_from="dmsr" if noise_free else None,
        validation_set="Set5",
        validation_width=width,
        validation_noise=noise,
        **schedule,
    )


def _dmsr(**options: Any) -> Callable[[str, int, int], TrainConfig]:
    return lambda profile, scale, seed: _dmsr_recipe(profile, scale, seed, **options)


RECIPES: dict[str, Callable[[str, int, int], TrainConfig]] = {
    "dmsr": _dmsr(),
    "dmsr_nf": _dmsr(noise_free=True),
    "dmsr_no_de_losses": _dmsr(losses=DMSRLossOptions(degradation_reconstruction=False, consistency_lr=False, consistency_kn=False)),  # Table 2 row 1
    "dmsr_dr": _dmsr(losses=DMSRLossOptions(consistency_lr=False, consistency_kn=False)),  # Table 2 row 2
    "dmsr_dr_dc_lr": _dmsr(losses=DMSRLossOptions(consistency_kn=False)),  # Table 2 row 3
    "dmsr_sigma_no_mbm": _dmsr(model_kwargs={"noise_estimate": "sigma", "mbm_count": 0}),  # Table 3 row 1
    "dmsr_sigma": _dmsr(model_kwargs={"noise_estimate": "sigma"}),  # Table 3 row 2
    "dmsr_no_mbm": _dmsr(model_kwargs={"mbm_count": 0}),  # Table 3 row 3
    "dmsr_mbm2": _dmsr(model_kwargs={"mbm_count": 2}),  # Table 4 row 2
    "dmsr_mbm3": _dmsr(model_kwargs={"mbm_count": 3}),  # Table 4 row 3
}

CPU_RUNS: tuple[tuple[str, int, tuple[int, ...]], ...] = (
    ("dmsr", 2, (0, 1)), ("dmsr", 3, (0, 1)), ("dmsr", 4, (0, 1)),
    ("dmsr_nf", 2, (0, 1)), ("dmsr_nf", 3, (0, 1)), ("dmsr_nf", 4, (0, 1)),
    ("dmsr_no_de_losses", 4, (0, 1)), ("dmsr_dr", 4, (0, 1)), ("dmsr_dr_dc_lr", 4, (0, 1)),
    ("dmsr_sigma_no_mbm", 2, (0, 1)), ("dmsr_sigma", 2, (0, 1)), ("dmsr_no_mbm", 2, (0, 1)),
    ("dmsr_mbm2", 3, (0, 1)), ("dmsr_mbm3", 3, (0, 1)),
)
"""(recipe, scale, seeds) of every run the paper's tables need at ``cpu``, in training order (DMSR before DMSR-nf, which
fine-tunes the weights of its seed): Table 1 (``dmsr`` and ``dmsr_nf`` at ×2/×3/×4, two seeds each: DMSR-nf is also the
noise-free-trained control of Table 1's noise-collapse claim, paired by seed, docs/decisions/dmsr.md, M24), Tables 2-4 with two
seeds per row."""
