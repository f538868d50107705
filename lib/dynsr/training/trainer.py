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

from dynsr.checkpoints import FORMAT_VERSION, TRAIN_FORMAT, CheckpointError, load_checkpoint, save_checkpoint
from dynsr.degradations.pipelines import Degradation, GaussianKernel
from dynsr.degradations.testsets import TestSetting
from dynsr.evaluate import evaluate
from dynsr.fileio import atomic_path, remove_stale_temporaries, write_json_atomic
from dynsr.inference import forward_model, model_upscaler
from dynsr.models import build_model
from dynsr.training.config import TrainConfig
from dynsr.training.data import TrainingPatches, batch_indices
from dynsr.training.losses import multistage_loss, pixel_loss

__all__ = ["train", "TrainResult", "TrainingDivergedError", "RESUMABLE_CHANGES", "validation_setting"]

CHECKPOINT_NAME = "checkpoint.pt"
RESUMABLE_CHANGES = frozenset({"steps", "num_workers", "log_every", "checkpoint_every"})


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
    """The validation degradation: the UDVD/SRMD test harness (replicate blur, bicubic, float noise)."""
    degradation = Degradation(scale=config.scale, kernel=GaussianKernel(config.validation_width, config.kernel_size), noise=config.validation_noise)
    return TestSetting("train", "validation", config.validation_set, f"width {config.validation_width:g} noise {config.validation_noise:g}", degradation)


def _distributed() -> tuple[int, int]:
    """(rank, world size); initialises the process group under ``torchrun``."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if torch.cuda.is_available() else "gloo")
    return (dist.get_rank(), dist.get_world_size()) if world_size > 1 else (0, 1)


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
    table = pd.DataFrame(log, columns=["step", "loss", "learning_rate", "seconds", "val_psnr"])
    with atomic_path(run_dir / "log.csv") as temporary:
        table.to_csv(temporary, index=False, float_format="%.8g")
    write_json_atomic(run_dir / "log.json", log)


def _validate(model: nn.Module, config: TrainConfig, device: torch.device) -> float:
    model.eval()
    scores = evaluate(model_upscaler(model, pca_basis=config.pca_basis, device=str(device)), [validation_setting(config)],
                      image_limit=config.validation_images, crop=config.validation_crop, with_ssim=False)
    model.train()
    return float(scores["PSNR"].mean())


def _loss(network: nn.Module, batch: dict[str, torch.Tensor], config: TrainConfig) -> torch.Tensor:
    if config.multistage_loss:
        stages = forward_model(network, batch["lr"], kernel_code=batch["kernel_code"], noise=batch["noise"], return_stages=True)
        return multistage_loss(stages, batch["hr"], name=config.loss, lower_stages=config.lower_stages)
    sr = forward_model(network, batch["lr"], kernel_code=batch["kernel_code"], noise=batch["noise"])
    return pixel_loss(config.loss, sr, batch["hr"])


def _batches(dataset: TrainingPatches, config: TrainConfig, first_step: int, last_step: int, rank: int, world_size: int):
    plan = [batch_indices(step, config.batch_size, rank=rank, world_size=world_size) for step in range(first_step, last_step)]
    if config.num_workers == 0:
        return (default_collate([dataset[index] for index in indices]) for indices in plan)
    return iter(DataLoader(dataset, batch_sampler=plan, num_workers=config.num_workers))


def train(config: TrainConfig, run_dir: str | os.PathLike[str], *, progress: bool = False, stop_at_step: int | None = None) -> TrainResult:
    """Train (or resume) the run in ``run_dir`` up to ``config.steps`` (or ``stop_at_step``, for tests).

    Raises:
        TrainingDivergedError: the loss became NaN/inf (the last checkpoint is kept).
        CheckpointError: ``run_dir`` holds an unreadable checkpoint or one of another configuration.
    """
    run_dir = Path(run_dir)
    rank, world_size = _distributed()
    device = _device(config)
    deterministic_before = torch.are_deterministic_algorithms_enabled()
    if device.type == "cpu":
        torch.use_deterministic_algorithms(True)
    try:
        return _train(config, run_dir, rank, world_size, device, progress, stop_at_step)
    finally:
        torch.use_deterministic_algorithms(deterministic_before)


def _train(config: TrainConfig, run_dir: Path, rank: int, world_size: int, device: torch.device, progress: bool, stop_at_step: int | None) -> TrainResult:
    checkpoint_path = run_dir / CHECKPOINT_NAME
    if rank == 0:
        for name in (CHECKPOINT_NAME, "log.csv", "log.json", "config.json"):
            remove_stale_temporaries(run_dir / name)  # left by a process killed while writing

    torch.manual_seed(config.seed)
    random.seed(config.seed)
    np.random.seed(config.seed)
    model = build_model(config.model, scale=config.scale, **config.model_kwargs).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate, betas=config.adam_betas)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=config.lr_halving_steps, gamma=0.5)
    step, log, loss_sum, loss_count, seconds = 0, [], 0.0, 0, 0.0
    saved_step: int | None = None  # the step of the checkpoint on disk
    if checkpoint_path.exists():
        saved = load_checkpoint(checkpoint_path, expected_format=TRAIN_FORMAT)
        _check_resumable(saved["config"], config, checkpoint_path)
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        _set_rng_state(saved["rng"])
        step, log, seconds = saved["step"], list(saved["log"]), saved["seconds"]
        loss_sum, loss_count = saved["running_loss"]
        saved_step = step
    elif rank == 0:
        run_dir.mkdir(parents=True, exist_ok=True)
        write_json_atomic(run_dir / "config.json", config.to_dict())

    last_step = config.steps if stop_at_step is None else min(config.steps, stop_at_step)
    network = nn.parallel.DistributedDataParallel(model) if world_size > 1 else model
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
        save_checkpoint(checkpoint_path, payload)
        _write_log(run_dir, log)

    bar = tqdm(total=config.steps, initial=step, disable=not progress or rank != 0, desc=f"{config.model} x{config.scale}", unit="step")
    started = time.monotonic() - seconds
    for batch in _batches(dataset, config, step, last_step, rank, world_size):
        batch = {key: value.to(device) for key, value in batch.items()}
        loss = _loss(network, batch, config)
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
        seconds = time.monotonic() - started
        row: dict[str, Any] | None = None
        if config.log_every and step % config.log_every == 0 or step == config.steps:
            row = {"step": step, "loss": loss_sum / loss_count, "learning_rate": scheduler.get_last_lr()[0], "seconds": round(seconds, 1), "val_psnr": None}
            loss_sum, loss_count = 0.0, 0
            bar.set_postfix(loss=f"{row['loss']:.5f}")
        if rank == 0 and (config.validate_every and step % config.validate_every == 0 or step == config.steps):
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
