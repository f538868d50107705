"""Each model's training recipe per profile (``smoke`` / ``cpu`` / ``paper``), and where its weights live.

A recipe is a named function ``(profile, scale, seed) → TrainConfig``; its name keys the run folder
and the exported weights (``srmd``, ``udvd``, ``udvd_baseline``, …), while ``TrainConfig.model`` is
the registry model it builds. The architecture is always full size; profiles change only the data,
patch, batch, step count and logging, so that a ``cpu`` number is the paper's network trained less,
never a smaller network.

Each paper declares its recipes in its folder (``dynsr.papers.<paper>.recipes``); :data:`RECIPES` gathers them
through the paper registry. A comparator (SRMD beside UDVD, SRMDNF* beside DASR's Model 5) trains at ``cpu`` for
the steps that give it the training compute of the method it is compared with (each paper's ``MATCHED_STEPS``;
docs/decisions/udvd.md, U23), and longer while it is still below bicubic on its validation setting. A fine-tune
(``TrainConfig.fine_tune_from``, DMSR-nf) starts from the exported weights of its parent recipe at the same profile, scale
and seed (:func:`initial_weights`).

Missing ``cpu`` weights are trained where they are asked for (hours), unless ``DYNSR_TRAIN_MISSING=0``: then
:class:`MissingWeightsError` names them and how to train them. ``dynsr reproduce`` sets it (``--train-missing`` to train),
so that it rebuilds what is committed in minutes and says which notebooks wait for weights.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dynsr.papers import PAPERS, all_recipes
from dynsr.paths import cache_dir, profile_results_dir
from dynsr.profiles import get_profile
from dynsr.training.config import TrainConfig

__all__ = ["RECIPES", "COMPUTE_MATCHED", "MATCHED_STEPS", "EXTENSION_LIMIT", "TRAIN_MISSING_VARIABLE", "MissingWeightsError", "recipe", "run_dir",
           "weights_path", "initial_weights", "trained_weights"]


TRAIN_MISSING_VARIABLE = "DYNSR_TRAIN_MISSING"
"""``0``: :func:`trained_weights` raises :class:`MissingWeightsError` for ``cpu`` weights that are not there instead of training them."""


class MissingWeightsError(FileNotFoundError):
    """``cpu`` weights that are not committed, asked for where training is not allowed (:data:`TRAIN_MISSING_VARIABLE`)."""


RECIPES: dict[str, Callable[[str, int, int], TrainConfig]] = all_recipes()
"""Every paper's training recipes by name (the registry, :func:`dynsr.papers.all_recipes`)."""

COMPUTE_MATCHED: dict[str, str] = {name: method for paper in PAPERS.values() for name, method in paper.compute_matched.items()}
"""A comparator recipe → the recipe of the method it is compared with, whose training compute it gets at ``cpu``."""

MATCHED_STEPS: dict[tuple[str, int], int] = {cell: steps for paper in PAPERS.values() for cell, steps in paper.matched_steps.items()}
"""``cpu`` steps of each comparator (each paper's ``MATCHED_STEPS``; docs/decisions/udvd.md, U23)."""


def _compute_matched(name: str, profile: str, scale: int, config: TrainConfig) -> TrainConfig:
    """At ``cpu``, a comparator's steps matched to the compute of the method it is compared with (its learning-rate
    halvings, periodic or at milestones, stretched with it)."""
    steps = MATCHED_STEPS.get((name, scale)) if profile == "cpu" else None
    if steps is None:
        return config
    halving = config.lr_halving_steps if config.lr_halving_steps >= config.steps else max(1, round(config.lr_halving_steps * steps / config.steps))
    milestones = tuple(max(1, round(milestone * steps / config.steps)) for milestone in config.lr_milestones)  # at the same fractions of the run
    return config.replace(steps=steps, lr_halving_steps=halving, lr_milestones=milestones)


EXTENSION_LIMIT = 2.0
"""A compute-matched comparator still below bicubic trains on, one validation interval at a time, up to this many times its
matched steps (`_extend_below_bicubic`)."""


def _extend_below_bicubic(name: str, config: TrainConfig, result: Any, profile: str, progress: bool) -> tuple[Any, TrainConfig, dict[str, Any]]:
    """Train a compute-matched comparator on while its last validation PSNR is below bicubic's on the same images and
    degradation (a comparator below bicubic makes every verdict against it uninformative), one ``validate_every`` block at a
    time, up to :data:`EXTENSION_LIMIT` × its matched steps. Returns the final result and configuration, and the budget
    record of the provenance: the matched steps, bicubic's validation PSNR and whether it was cleared."""
    from dynsr.training.trainer import bicubic_validation_psnr, train

    matched, floor = config.steps, bicubic_validation_psnr(config)
    block = config.validate_every or config.log_every
    if result.step > config.steps:  # an interrupted earlier extension: finish its block, so the last validation is of the final weights
        config = config.replace(steps=matched + -(-(result.step - matched) // block) * block)
        result = train(config, run_dir(name, config, profile), progress=progress)
    while float(result.log["val_psnr"].dropna().iloc[-1]) <= floor and config.steps + block <= EXTENSION_LIMIT * matched:
        config = config.replace(steps=config.steps + block)
        result = train(config, run_dir(name, config, profile), progress=progress)
    cleared = bool(float(result.log["val_psnr"].dropna().iloc[-1]) > floor)
    return result, config, {"matched_steps": matched, "bicubic_validation_psnr": round(floor, 4), "above_bicubic": cleared}


def recipe(name: str, profile: str, *, scale: int, seed: int = 0) -> TrainConfig:
    """The training configuration of recipe ``name`` at ``scale`` for a profile."""
    get_profile(profile)
    if name not in RECIPES:
        raise KeyError(f"no training recipe {name!r}; recipes: {', '.join(sorted(RECIPES))}")
    return _compute_matched(name, profile, scale, RECIPES[name](profile, scale, seed))


def run_dir(name: str, config: TrainConfig, profile: str) -> Path:
    """The resumable run folder (not committed): ``.cache/runs/<profile>/<recipe>_x<scale>_seed<seed>``."""
    return cache_dir() / "runs" / profile / f"{name}_x{config.scale}_seed{config.seed}"


def weights_path(name: str, scale: int, profile: str, seed: int = 0) -> Path:
    """Exported weights: ``results/checkpoints/<recipe>_x<scale>[_seed<n>].pt`` (``results/<profile>/…`` off ``cpu``)."""
    suffix = "" if seed == 0 else f"_seed{seed}"
    return profile_results_dir(profile) / "checkpoints" / f"{name}_x{scale}{suffix}.pt"


def initial_weights(config: TrainConfig, profile: str, *, progress: bool = False) -> Path | None:
    """What a fine-tune starts from: the exported weights of ``config.fine_tune_from`` at the same profile, scale and seed
    (trained first where missing; :func:`trained_weights`), or None for a run from scratch."""
    if config.fine_tune_from is None:
        return None
    return trained_weights(config.fine_tune_from, profile, scale=config.scale, seed=config.seed, progress=progress)


def trained_weights(name: str, profile: str, *, scale: int, seed: int = 0, retrain: bool = False, progress: bool = False) -> Path:
    """The exported weights of a recipe's run, training (or resuming) it first when needed.

    Without ``retrain``, existing exported weights are used as they are (the committed ``cpu`` weights).
    With ``retrain``, they are regenerated from the run folder: an interrupted run resumes, a finished
    one is re-exported (delete ``.cache/runs/<profile>/…`` to train from step 0).
    """
    import torch  # noqa: PLC0415  (keep this module light to import)

    from dynsr.checkpoints import export_weights, load_checkpoint
    from dynsr.training.trainer import CHECKPOINT_NAME, train

    destination = weights_path(name, scale, profile, seed)
    if destination.exists() and not retrain:
        return destination
    if profile == "cpu" and not retrain and os.environ.get(TRAIN_MISSING_VARIABLE) == "0":
        raise MissingWeightsError(f"no committed cpu weights for {name} x{scale} seed {seed} ({destination}): train them with "
                                  f"`dynsr train --model {name} --scale {scale} --seed {seed}`, or run reproduce with --train-missing")
    config = recipe(name, profile, scale=scale, seed=seed)
    folder = run_dir(name, config, profile)
    origin = None if (folder / CHECKPOINT_NAME).exists() else initial_weights(config, profile, progress=progress)  # a resumed fine-tune has its model
    result = train(config, folder, progress=progress, initial_weights=origin)
    budget: dict[str, Any] = {} if config.fine_tune_from is None else {"initial_weights": str(weights_path(config.fine_tune_from, scale, profile, seed))}
    if (name, scale) in MATCHED_STEPS and profile == "cpu":
        result, config, budget = _extend_below_bicubic(name, config, result, profile, progress)
    if torch.distributed.is_initialized() and torch.distributed.get_rank() != 0:
        return destination  # rank 0 exports
    state = load_checkpoint(result.checkpoint)
    provenance = {"recipe": name, "profile": profile, "steps": result.step, "seed": seed, "train_seconds": round(result.seconds, 1),
                  "torch": str(torch.__version__), "threads": state.get("threads", torch.get_num_threads()), "config": config.to_dict(),
                  "log": state["log"], **budget}
    destination.parent.mkdir(parents=True, exist_ok=True)
    return export_weights(destination, model_name=config.model, model_kwargs={**config.model_kwargs, "scale": scale},
                          state_dict=state["model"], provenance=provenance)
