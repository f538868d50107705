"""Each model's training recipe per profile (``smoke`` / ``cpu`` / ``paper``), and where its weights live.

A recipe is a named function ``(profile, scale, seed) → TrainConfig``; its name keys the run folder
and the exported weights (``srmd``, ``udvd``, ``udvd_baseline``, …), while ``TrainConfig.model`` is
the registry model it builds. The architecture is always full size; profiles change only the data,
patch, batch, step count and logging, so that a ``cpu`` number is the paper's network trained less,
never a smaller network.

UDVD's recipe (§4.1, guide A.3), shared by the SRMD / SRMDNF it compares against: L2 loss (multistage
for UDVD, Eq. 4), Adam 1e-4 halved every 2·10⁵ steps, 48² LR patches, batch 32, isotropic Gaussian
15x15 widths U[0.2, 3], AWGN U[0, 75] (noise-free models: none), replicate blur padding, LR quantised
before the noise (SRMD's ``degradation_model.m``). UDVD does not state the number of steps; ``paper``
uses 10⁶ (five halvings; guide A.3 "8e5 to 1e6 typical").

``cpu`` (the committed results): T91 + 50 BSD200 images instead of DF2K, 16² LR patches, batch 16,
1,000 steps; the learning rate and its schedule are the paper's (so it never halves). One UDD ×3 step
takes ≈ 0.95 s on 2 cores (Baseline 0.52 s, UDD ×2 0.71 s, UUDD ×4 1.5 s), so the 17 UDVD runs
(Table 1: six configurations × 2 seeds; ×2 and ×4; three noise-free models) and 6 SRMD / SRMDNF runs
take ≈ 5 h (``scripts/train_udvd_cpu.sh``). ``smoke``:
4 steps of batch 2, 12² patches, for tests.

UDVD Table 1 variants (all ×3, §4.2): ``udvd_baseline`` (no dynamic block), ``udvd_u``,
``udvd_du``, ``udvd_ud``, ``udvd`` (UDD, the paper's model, also Table 2's), ``udvd_single_loss``
(UDD "w/o multistage loss"). ``udvdnf``: the noise-free model of Table 4 (σ ≡ 0 in training; the
noise entry dropped from the input, 18 channels, as SRMDNF: register #14).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from dynsr.paths import cache_dir, profile_results_dir
from dynsr.profiles import get_profile
from dynsr.training.config import TrainConfig

__all__ = ["RECIPES", "recipe", "run_dir", "weights_path", "trained_weights", "PROFILE_SCHEDULES"]

# What each profile changes (the architecture never).
PROFILE_SCHEDULES: dict[str, dict[str, Any]] = {
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
        **PROFILE_SCHEDULES[profile],
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


def recipe(name: str, profile: str, *, scale: int, seed: int = 0) -> TrainConfig:
    """The training configuration of recipe ``name`` at ``scale`` for a profile."""
    get_profile(profile)
    if name not in RECIPES:
        raise KeyError(f"no training recipe {name!r}; recipes: {', '.join(sorted(RECIPES))}")
    return RECIPES[name](profile, scale, seed)


def run_dir(name: str, config: TrainConfig, profile: str) -> Path:
    """The resumable run folder (not committed): ``.cache/runs/<profile>/<recipe>_x<scale>_seed<seed>``."""
    return cache_dir() / "runs" / profile / f"{name}_x{config.scale}_seed{config.seed}"


def weights_path(name: str, scale: int, profile: str, seed: int = 0) -> Path:
    """Exported weights: ``results/checkpoints/<recipe>_x<scale>[_seed<n>].pt`` (``results/<profile>/…`` off ``cpu``)."""
    suffix = "" if seed == 0 else f"_seed{seed}"
    return profile_results_dir(profile) / "checkpoints" / f"{name}_x{scale}{suffix}.pt"


def trained_weights(name: str, profile: str, *, scale: int, seed: int = 0, retrain: bool = False, progress: bool = False) -> Path:
    """The exported weights of a recipe's run, training (or resuming) it first when needed.

    Without ``retrain``, existing exported weights are used as they are (the committed ``cpu`` weights).
    With ``retrain``, they are regenerated from the run folder: an interrupted run resumes, a finished
    one is re-exported (delete ``.cache/runs/<profile>/…`` to train from step 0).
    """
    import torch  # noqa: PLC0415  (keep this module light to import)

    from dynsr.checkpoints import export_weights, load_checkpoint
    from dynsr.training.trainer import train

    destination = weights_path(name, scale, profile, seed)
    if destination.exists() and not retrain:
        return destination
    config = recipe(name, profile, scale=scale, seed=seed)
    result = train(config, run_dir(name, config, profile), progress=progress)
    if torch.distributed.is_initialized() and torch.distributed.get_rank() != 0:
        return destination  # rank 0 exports
    state = load_checkpoint(result.checkpoint)
    provenance = {"recipe": name, "profile": profile, "steps": result.step, "seed": seed, "train_seconds": round(result.seconds, 1),
                  "torch": str(torch.__version__), "threads": state.get("threads", torch.get_num_threads()), "config": config.to_dict(),
                  "log": state["log"]}
    destination.parent.mkdir(parents=True, exist_ok=True)
    return export_weights(destination, model_name=config.model, model_kwargs={**config.model_kwargs, "scale": scale},
                          state_dict=state["model"], provenance=provenance)
