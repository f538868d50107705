"""The trainer: resumable to the bit, atomic checkpoints, NaN stop, logs, DDP via ``torchrun``.

``train(config, run_dir)`` trains ``config.model`` and keeps, in ``run_dir``:

* ``checkpoint.pt``: model, Adam, ``StepLR``, step, config, every RNG state (Python, numpy, torch,
  CUDA), the log and the partial loss average, written atomically every ``checkpoint_every`` steps
  and at the end (:mod:`dynsr.checkpoints`);
* ``log.csv`` / ``log.json``: step, mean loss since the previous row, learning rate, wall seconds and
  validation PSNR (Y channel, the config's validation set and degradation).

Calling ``train`` again on the same ``run_dir`` resumes from the checkpoint. Because every sample is
a function of ``(seed, index)`` (:mod:`dynsr.training.data`), the resumed run is the same computation:
on CPU, with the same thread count, an interrupted-and-resumed run ends with weights bit-identical to
an uninterrupted one (tested, including ``kill -9``). Resuming with a different configuration is an
error, except for ``steps`` (train longer), ``num_workers``, ``log_every`` and ``checkpoint_every``.

A fine-tune (``config.fine_tune_from``, DMSR-nf) starts from ``initial_weights``, another run's exported weights of
the same model, with a new Adam and schedule; a resumed fine-tune needs them no more (the checkpoint has the model).

What a step computes is the run's training objective (:mod:`dynsr.training.objectives`: the pixel loss, UDVD's
multistage loss, DASR's two contrastive stages), chosen by the configuration; the objective's own state (DASR's
key encoder and queue) is in the checkpoint (``objective``), its loss parts in the log (DASR: ``loss_sr`` and
``loss_degrad``), and validation is skipped during a first stage that leaves the SR network untrained, except at
a run's last step. One Adam covers every trainable parameter in every stage, on the objective's learning-rate
schedule (:func:`dynsr.training.objectives.learning_rate_at`; docs/decisions/dasr.md, D10-D15 for DASR's stages).

Distributed: under ``torchrun`` (``WORLD_SIZE`` > 1) each process takes ``batch_size / world_size`` of
every batch's samples, the model is wrapped in ``DistributedDataParallel`` (``nccl`` on GPUs, ``gloo``
on CPUs) and rank 0 alone writes files. Gradients are averaged, so the update equals the
single-process one up to floating-point summation order.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
import torch.distributed as dist
import torch.nn as nn
from torch.utils.data import DataLoader, default_collate
from tqdm.auto import tqdm

from dynsr.checkpoints import FORMAT_VERSION, TRAIN_FORMAT, CheckpointError, load_checkpoint, save_checkpoint, stored_model
from dynsr.compute import MacCount, count_macs
from dynsr.degradations.pipelines import Degradation, FileKernel, GaussianKernel
from dynsr.degradations.testsets import TestSetting
from dynsr.evaluate import evaluate
from dynsr.fileio import atomic_path, remove_stale_temporaries, write_json_atomic
from dynsr.inference import model_upscaler
from dynsr.models import build_model
from dynsr.training.config import TrainConfig
from dynsr.training.objectives import Objective, objective_for
from dynsr.training.data import TrainingPatches, batch_indices

__all__ = ["train", "step_macs", "bicubic_validation_psnr", "TrainResult", "TrainingDivergedError", "RESUMABLE_CHANGES", "validation_setting"]

CHECKPOINT_NAME = "checkpoint.pt"
RESUMABLE_CHANGES = frozenset({"steps", "num_workers", "log_every", "checkpoint_every"})
LOG_COLUMNS = ("step", "loss", "learning_rate", "seconds", "val_psnr")  # then the objective's loss parts


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite."""


@dataclass(frozen=True)
class TrainResult:
    """Where a run stands: its folder, step, whether it reached ``config.steps``, its log and wall time."""

    run_dir: Path
    checkpoint: Path
    step: int
    finished: bool
    log: pd.DataFrame
    seconds: float


def validation_setting(config: TrainConfig) -> TestSetting:
    """The validation degradation: the UDVD/SRMD test harness (replicate blur, bicubic, float noise), with
    ``validation_harness="dasr"`` DASR's (reflect padding, LR rounded to 8 bits; width 0 = no blur), or with ``"motion"``
    (ArcSR) the Levin kernel ``validation_levin_kernel`` (``blur_padding``, bicubic, float noise)."""
    if config.validation_harness == "motion":
        degradation = Degradation(scale=config.scale, kernel=FileKernel("levin", config.validation_levin_kernel), noise=config.validation_noise,
                                  padding=config.blur_padding)
        label = f"levin#{config.validation_levin_kernel} noise {config.validation_noise:g}"
        return TestSetting("train", "validation", config.validation_set, label, degradation)
    label = f"width {config.validation_width:g} noise {config.validation_noise:g}"
    if config.validation_harness == "dasr":
        kernel = GaussianKernel(config.validation_width, config.kernel_size) if config.validation_width > 0 else None
        degradation = Degradation(scale=config.scale, kernel=kernel, noise=config.validation_noise, padding="reflect", quantize=True)
        return TestSetting("train", "validation", config.validation_set, label, degradation)
    degradation = Degradation(scale=config.scale, kernel=GaussianKernel(config.validation_width, config.kernel_size), noise=config.validation_noise)
    return TestSetting("train", "validation", config.validation_set, label, degradation)


def _optimizer_and_scheduler(model: nn.Module, config: TrainConfig, objective: Objective):
    """Adam over every trainable parameter (one optimiser for every stage), on the schedule of the run's objective."""
    parameters = [parameter for parameter in model.parameters() if parameter.requires_grad]
    optimizer = torch.optim.Adam(parameters, lr=objective.base_learning_rate, betas=config.adam_betas)
    return optimizer, objective.scheduler(optimizer)


def _distributed() -> tuple[int, int, bool]:
    """(rank, world size, whether this call created the process group); initialises it under ``torchrun``."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    created = world_size > 1 and not dist.is_initialized()
    if created:
        dist.init_process_group(backend="nccl" if torch.cuda.is_available() else "gloo")
    return (dist.get_rank(), dist.get_world_size(), created) if world_size > 1 else (0, 1, False)


def _device(config: TrainConfig) -> torch.device:
    if config.device == "cpu" or (config.device == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise RuntimeError("device='cuda' but CUDA is not available; use device='auto' or 'cpu'")
    return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))


def _rng_state() -> dict[str, Any]:
    _, key, position, has_gauss, cached = np.random.get_state(legacy=True)
    state = {
        "python": random.getstate(),
        "numpy": {"key": torch.from_numpy(key.astype(np.int64)), "pos": int(position), "has_gauss": int(has_gauss), "cached_gaussian": float(cached)},
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    numpy_state = state["numpy"]
    np.random.set_state(("MT19937", numpy_state["key"].numpy().astype(np.uint32), numpy_state["pos"], numpy_state["has_gauss"], numpy_state["cached_gaussian"]))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _check_resumable(saved: dict[str, Any], config: TrainConfig, path: Path) -> None:
    try:
        saved_config = TrainConfig.from_dict(saved)
    except (ValueError, TypeError) as error:
        raise CheckpointError(f"{path}: its configuration is not readable by this dynsr ({error})") from None
    current = config.to_dict()
    changed = sorted(key for key, value in saved_config.to_dict().items() if current[key] != value and key not in RESUMABLE_CHANGES)
    if changed:
        details = ", ".join(f"{key}: {saved[key]!r} -> {current[key]!r}" for key in changed)
        raise CheckpointError(f"{path} belongs to a run with another configuration ({details}); use another run folder, or delete it to start over")


def _write_log(run_dir: Path, log: list[dict[str, Any]]) -> None:
    extra = list(dict.fromkeys(name for row in log for name in row if name not in LOG_COLUMNS))  # an objective's loss parts
    table = pd.DataFrame(log, columns=[*LOG_COLUMNS, *extra])
    with atomic_path(run_dir / "log.csv") as temporary:
        table.to_csv(temporary, index=False, float_format="%.8g")
    write_json_atomic(run_dir / "log.json", log)


def _validation_psnr(model: nn.Module, config: TrainConfig, device: torch.device, pca_basis: str | None) -> float:
    scores = evaluate(model_upscaler(model, pca_basis=pca_basis, device=str(device)), [validation_setting(config)], image_limit=config.validation_images,
                      crop=config.validation_crop, with_ssim=False)
    return float(scores["PSNR"].mean())


def _validate(model: nn.Module, config: TrainConfig, device: torch.device) -> float:
    model.eval()
    psnr = _validation_psnr(model, config, device, config.pca_basis)
    model.train()
    return psnr


def bicubic_validation_psnr(config: TrainConfig) -> float:
    """Bicubic interpolation's PSNR on the run's validation images and degradation (the floor a trained model must clear)."""
    return _validation_psnr(build_model("bicubic", scale=config.scale), config, torch.device("cpu"), None)


def _step_loss(objective: Objective, network: nn.Module, batch: dict[str, torch.Tensor], step: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The loss of one step (the objective's); one place for tests to wrap a step (slow it down, make it diverge)."""
    return objective.loss(network, batch, step)


def step_macs(config: TrainConfig, *, first_stage: bool = False) -> MacCount:
    """MACs of the forward pass of one training step of ``config`` (its first batch; `dynsr.compute`): the loss its
    objective computes, DASR's key encoder included. ``first_stage``: a step of the objective's first stage (DASR's stage 1)."""
    torch.manual_seed(config.seed)
    model = build_model(config.model, scale=config.scale, **config.model_kwargs)
    objective = objective_for(config, model)
    batch = next(_batches(TrainingPatches(config), config, 0, 1, 0, 1))
    step = 0 if first_stage else config.encoder_steps
    with torch.no_grad():
        return count_macs(objective.loss, objective.network(model), batch, step)


def _batches(dataset: TrainingPatches, config: TrainConfig, first_step: int, last_step: int, rank: int, world_size: int):
    plan = [batch_indices(step, config.batch_size, rank=rank, world_size=world_size) for step in range(first_step, last_step)]
    if config.num_workers == 0:
        return (default_collate([dataset[index] for index in indices]) for indices in plan)
    return iter(DataLoader(dataset, batch_sampler=plan, num_workers=config.num_workers))


def train(config: TrainConfig, run_dir: str | os.PathLike[str], *, progress: bool = False, stop_at_step: int | None = None,
          initial_weights: str | os.PathLike[str] | None = None) -> TrainResult:
    """Train (or resume) the run in ``run_dir`` up to ``config.steps`` (or ``stop_at_step``, for tests).

    ``initial_weights``: the weights file (or training checkpoint) a fine-tune (``config.fine_tune_from``) starts from;
    needed when it starts, ignored when it resumes, refused for a run that is not a fine-tune.

    Raises:
        TrainingDivergedError: the loss became NaN/inf (the last checkpoint is kept).
        CheckpointError: ``run_dir`` holds an unreadable checkpoint or one of another configuration.
    """
    run_dir = Path(run_dir)
    rank, world_size, created_group = _distributed()
    device = _device(config)
    deterministic_before = torch.are_deterministic_algorithms_enabled()
    if device.type == "cpu":
        torch.use_deterministic_algorithms(True)
    try:
        return _train(config, run_dir, rank, world_size, device, progress, stop_at_step, initial_weights)
    finally:
        torch.use_deterministic_algorithms(deterministic_before)
        if created_group:  # a process group left for interpreter exit can abort it ("terminate called without an active exception")
            dist.destroy_process_group()


def _load_initial_weights(model: nn.Module, config: TrainConfig, path: str | os.PathLike[str] | None) -> None:
    """Start a fine-tune from ``path``, which must hold the configuration's model (name, keywords, scale)."""
    if path is None:
        raise ValueError(f"this run fine-tunes recipe {config.fine_tune_from!r}: pass its weights as initial_weights "
                         "(dynsr.training.recipes.trained_weights and `dynsr train` do)")
    name, kwargs, state = stored_model(load_checkpoint(path))
    expected = {**config.model_kwargs, "scale": config.scale}
    if (name, kwargs) != (config.model, expected):
        raise CheckpointError(f"{path} holds {name} {kwargs}; this fine-tune trains {config.model} {expected}")
    model.load_state_dict({key: value.float() if value.is_floating_point() else value for key, value in state.items()})


def _train(config: TrainConfig, run_dir: Path, rank: int, world_size: int, device: torch.device, progress: bool, stop_at_step: int | None,
           initial_weights: str | os.PathLike[str] | None) -> TrainResult:
    checkpoint_path = run_dir / CHECKPOINT_NAME
    if rank == 0:
        for name in (CHECKPOINT_NAME, "log.csv", "log.json", "config.json"):
            remove_stale_temporaries(run_dir / name)  # left by a process killed while writing

    torch.manual_seed(config.seed)
    random.seed(config.seed)
    np.random.seed(config.seed)
    if initial_weights is not None and config.fine_tune_from is None:
        raise ValueError("initial_weights is for a fine-tune; this configuration has no fine_tune_from")
    model = build_model(config.model, scale=config.scale, **config.model_kwargs)
    if config.fine_tune_from is not None and not checkpoint_path.exists():
        _load_initial_weights(model, config, initial_weights)  # before the objective, which may copy parts (DASR's key encoder)
    model = model.to(device)
    objective = objective_for(config, model)
    optimizer, scheduler = _optimizer_and_scheduler(model, config, objective)
    step, log, loss_sum, loss_count, seconds = 0, [], 0.0, 0, 0.0
    part_sums = {name: [0.0, 0] for name in objective.log_parts}  # running (sum, count) per logged part of the loss
    saved_step: int | None = None  # the step of the checkpoint on disk
    if checkpoint_path.exists():
        saved = load_checkpoint(checkpoint_path, expected_format=TRAIN_FORMAT)
        _check_resumable(saved["config"], config, checkpoint_path)
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        objective.load_checkpoint_state(saved.get("objective"))
        _set_rng_state(saved["rng"])
        step, log, seconds = saved["step"], list(saved["log"]), saved["seconds"]
        loss_sum, loss_count = saved["running_loss"]
        if part_sums:
            part_sums = {name: list(value) for name, value in saved["running_parts"].items()}
        saved_step = step
    elif rank == 0:
        run_dir.mkdir(parents=True, exist_ok=True)
        write_json_atomic(run_dir / "config.json", config.to_dict())

    last_step = config.steps if stop_at_step is None else min(config.steps, stop_at_step)
    network = objective.network(model)
    if world_size > 1:
        network = nn.parallel.DistributedDataParallel(network, find_unused_parameters=objective.leaves_parameters_unused)
    network.train()
    dataset = TrainingPatches(config)

    def save() -> None:
        nonlocal saved_step
        saved_step = step
        if rank != 0:
            return
        payload = {
            "format": TRAIN_FORMAT, "version": FORMAT_VERSION, "config": config.to_dict(), "step": step,
            "model": model.state_dict(), "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
            "rng": _rng_state(), "log": log, "running_loss": (loss_sum, loss_count), "seconds": seconds, "threads": torch.get_num_threads(),
        }
        if part_sums:
            payload["running_parts"] = {name: tuple(value) for name, value in part_sums.items()}
        objective_state = objective.checkpoint_state()
        if objective_state is not None:
            payload["objective"] = objective_state  # e.g. DASR's key encoder, queue and pointer
        save_checkpoint(checkpoint_path, payload)
        _write_log(run_dir, log)

    bar = tqdm(total=config.steps, initial=step, disable=not progress or rank != 0, desc=f"{config.model} x{config.scale}", unit="step")
    started = time.monotonic() - seconds
    for batch in _batches(dataset, config, step, last_step, rank, world_size):
        batch = {key: value.to(device) for key, value in batch.items()}
        loss, parts = _step_loss(objective, network, batch, step)
        reported = loss.detach().clone()
        if world_size > 1:
            dist.all_reduce(reported)  # every rank sees the same value, so all stop together on NaN
            reported /= world_size
        value = float(reported)
        if not np.isfinite(value):
            kept = f"the checkpoint of step {saved_step} in {run_dir} is kept" if saved_step is not None else "no checkpoint was written yet"
            raise TrainingDivergedError(
                f"the loss became {value} at step {step + 1}; {kept}. Lower learning_rate (now {config.learning_rate:g}) or check the training data."
            )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        step += 1
        loss_sum, loss_count = loss_sum + value, loss_count + 1
        for name, part in parts.items():
            part_value = part.detach().clone()
            if world_size > 1:
                dist.all_reduce(part_value)
                part_value /= world_size
            part_sums[name] = [part_sums[name][0] + float(part_value), part_sums[name][1] + 1]
        seconds = time.monotonic() - started
        row: dict[str, Any] | None = None
        if config.log_every and step % config.log_every == 0 or step == config.steps:
            row = {"step": step, "loss": loss_sum / loss_count, "learning_rate": scheduler.get_last_lr()[0], "seconds": round(seconds, 1), "val_psnr": None}
            loss_sum, loss_count = 0.0, 0
            for name, (total, count) in part_sums.items():
                row[name] = total / count if count else None
                part_sums[name] = [0.0, 0]
            bar.set_postfix(loss=f"{row['loss']:.5f}")
        validate_now = config.validate_every and step % config.validate_every == 0 and not objective.in_first_stage(step - 1)
        if rank == 0 and (validate_now or step == config.steps):
            row = row or {"step": step, "loss": None, "learning_rate": scheduler.get_last_lr()[0], "seconds": round(seconds, 1), "val_psnr": None}
            row["val_psnr"] = _validate(model, config, device)
        if row is not None:
            log.append(row)
        bar.update(1)
        if config.checkpoint_every and step % config.checkpoint_every == 0 or step == last_step:
            save()
    bar.close()
    if step == last_step and not checkpoint_path.exists():
        save()  # a run resumed at its last step (nothing to do) still leaves a checkpoint
    if world_size > 1:
        dist.barrier()  # the other ranks return once rank 0's final checkpoint is on disk
    return TrainResult(run_dir, checkpoint_path, step, step >= config.steps, pd.DataFrame(log), seconds)
