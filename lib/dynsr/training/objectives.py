"""Training objectives: what one optimiser step computes, per paper, behind one small interface.

The trainer (`dynsr.training.trainer`) owns checkpoints, RNG, the optimiser, DDP, logs and validation; an
:class:`Objective` owns the rest: the module DDP wraps, the loss of a batch and its logged parts, the
step's stage, and any state of its own that a checkpoint must carry (DASR's key encoder and queue). The
run's configuration chooses it (:func:`objective_for`):

* :class:`PixelObjective`: L1/L2 of the final output (SRMD, SRMDNF, UDVD "w/o multistage loss", every
  single-output model); with ``multistage_loss`` the sum over the stages the model returns (UDVD Eq. 4,
  `dynsr.training.losses.multistage_loss`).
* :class:`ContrastiveTwoStageObjective` (DASR, ``paired_patches``): stage 1 trains the degradation encoder
  alone on L_degrad (MoCo, `dynsr.training.contrastive`), stage 2 everything on the SR loss of the query
  patch + weight · L_degrad; with weight 0 (Models 1 and 5, the bicubic control) stage 2 only, the oracle
  fed the true kernel.
* :class:`DMSRObjective` (DMSR, ``dmsr_losses``): λ_RE·L_RE + λ_DR·L_DR + λ_DC·L_DC (Eq. 5-8) on pairs that carry their
  true kernel and noise (`dynsr.training.degradation_losses`; docs/decisions/dmsr.md, M17-M21).

A new paper adds an objective here instead of branches in the trainer.
"""

from __future__ import annotations

from typing import Any, Protocol

import torch
import torch.nn as nn

from dynsr.config import ConfigError
from dynsr.inference import conditioning_of, forward_model
from dynsr.training.config import TrainConfig
from dynsr.training.contrastive import MomentumContrast
from dynsr.training.degradation_losses import DMSRForward, squared_error, unit_noise
from dynsr.training.losses import multistage_loss, pixel_loss

__all__ = ["Objective", "PixelObjective", "ContrastiveTwoStageObjective", "DMSRObjective", "objective_for", "learning_rate_at", "in_first_stage"]

Batch = dict[str, torch.Tensor]


class Objective(Protocol):
    """One training objective (module docstring)."""

    log_parts: tuple[str, ...]
    """Names of the loss parts it logs beside the total (running means per log row)."""
    leaves_parameters_unused: bool
    """Whether some step leaves part of the model without a gradient (DDP must then look for unused parameters)."""
    base_learning_rate: float
    """The optimiser's learning rate, which :meth:`scheduler` scales."""

    def scheduler(self, optimizer: torch.optim.Optimizer) -> torch.optim.lr_scheduler.LRScheduler:
        """The learning-rate schedule of :func:`learning_rate_at` on ``optimizer`` (in the checkpoint: its state)."""
        ...

    def network(self, model: nn.Module) -> nn.Module:
        """The module whose forward computes everything differentiable of a step (what DDP wraps)."""
        ...

    def loss(self, network: nn.Module, batch: Batch, step: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """(total loss, its logged parts) of optimiser step ``step`` (0-based) on ``batch``."""
        ...

    def in_first_stage(self, step: int) -> bool:
        """Whether step ``step`` belongs to a stage that leaves the SR network untrained (no validation then)."""
        ...

    def checkpoint_state(self) -> dict[str, Any] | None:
        """State of its own a checkpoint must carry to resume exactly (None: nothing)."""
        ...

    def load_checkpoint_state(self, state: dict[str, Any] | None) -> None:
        """Restore :meth:`checkpoint_state`."""
        ...


ENCODER_LR_DROP = 0.1  # DASR stage 1: 1e-3 -> 1e-4 after encoder_lr_drop_step


def in_first_stage(config: TrainConfig, step: int) -> bool:
    """Whether optimiser step ``step`` (0-based: the update after ``step`` completed ones) belongs to DASR's stage 1."""
    return step < config.encoder_steps


def _halvings(config: TrainConfig, step: int) -> int:
    """How many times the rate has halved by step ``step`` of the halving schedule: the ``lr_milestones`` at or before it
    (``MultiStepLR``), or else ``step // lr_halving_steps`` (``StepLR``)."""
    if config.lr_milestones:
        return sum(milestone <= step for milestone in config.lr_milestones)
    return step // config.lr_halving_steps


def learning_rate_at(config: TrainConfig, step: int) -> float:
    """The learning rate of optimiser step ``step`` (0-based). Without a first stage this is ``learning_rate · 0.5^h``, with h
    the halvings so far: ``step // lr_halving_steps`` (``StepLR``) or the ``lr_milestones`` ≤ ``step`` (``MultiStepLR``; ArcSR
    §4.2); with DASR's stage 1, ``encoder_learning_rate`` (×0.1 from ``encoder_lr_drop_step`` on), then stage 2 restarts the
    halving schedule at its first step."""
    if in_first_stage(config, step):
        dropped = config.encoder_lr_drop_step > 0 and step >= config.encoder_lr_drop_step
        return config.encoder_learning_rate * (ENCODER_LR_DROP if dropped else 1.0)
    return config.learning_rate * 0.5 ** _halvings(config, step - config.encoder_steps)


def _step_schedule(config: TrainConfig, optimizer: torch.optim.Optimizer) -> torch.optim.lr_scheduler.LRScheduler:
    """``StepLR`` (halving every ``lr_halving_steps``) or ``MultiStepLR`` (halving at ``lr_milestones``) on a base rate of
    ``learning_rate``, or, with a first stage, a ``LambdaLR`` of :func:`learning_rate_at` on a base rate of 1."""
    if config.encoder_steps > 0:
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: learning_rate_at(config, step))
    if config.lr_milestones:
        return torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=list(config.lr_milestones), gamma=0.5)
    return torch.optim.lr_scheduler.StepLR(optimizer, step_size=config.lr_halving_steps, gamma=0.5)


def _pixel_range_factor(config: TrainConfig) -> float:
    """The image loss measured on [0, r] images instead of [0, 1]: ×r for L1, ×r² for L2 (``loss_pixel_range``)."""
    return config.loss_pixel_range if config.loss == "l1" else config.loss_pixel_range ** 2


class _OneStageStateless:
    """An objective with a single stage and no state of its own beyond the model and optimiser."""

    def in_first_stage(self, step: int) -> bool:
        return False

    def checkpoint_state(self) -> dict[str, Any] | None:
        return None

    def load_checkpoint_state(self, state: dict[str, Any] | None) -> None:
        return None


class PixelObjective(_OneStageStateless):
    """L1/L2 of the SR output, or UDVD's multistage sum (``multistage_loss``)."""

    log_parts: tuple[str, ...] = ()
    leaves_parameters_unused = False

    def __init__(self, config: TrainConfig) -> None:
        self.config = config
        self.base_learning_rate = config.learning_rate

    def network(self, model: nn.Module) -> nn.Module:
        return model

    def scheduler(self, optimizer: torch.optim.Optimizer) -> torch.optim.lr_scheduler.LRScheduler:
        return _step_schedule(self.config, optimizer)

    def loss(self, network: nn.Module, batch: Batch, step: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        config = self.config
        if config.multistage_loss:
            stages = forward_model(network, batch["lr"], kernel_code=batch.get("kernel_code"), noise=batch["noise"], return_stages=True)
            return _pixel_range_factor(config) * multistage_loss(stages, batch["hr"], name=config.loss, lower_stages=config.lower_stages), {}
        sr = forward_model(network, batch["lr"], kernel_code=batch.get("kernel_code"), noise=batch["noise"])  # motion samples carry no code
        return _pixel_range_factor(config) * pixel_loss(config.loss, sr, batch["hr"]), {}


class _ContrastiveForward(nn.Module):
    """The differentiable part of a DASR step in one ``forward`` (so that DistributedDataParallel sees it): the query
    patch's embedding when ``embed``, and its SR when ``super_resolve``."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, lr: torch.Tensor, kernel: torch.Tensor | None, embed: bool, super_resolve: bool):
        embedding = sr = None
        if embed:
            representation, embedding = self.model.encode(lr)  # one encoder pass serves both losses (official code)
            if super_resolve:
                sr = self.model(lr, representation=representation)
        elif super_resolve:
            sr = self.model(lr, kernel) if conditioning_of(self.model) == "true_kernel" else self.model(lr)
        return embedding, sr


class ContrastiveTwoStageObjective:
    """DASR's two stages (§4.1; docs/decisions/dasr.md, D10-D15): L_degrad alone for ``encoder_steps``, then the SR loss
    of the query patch + ``degradation_loss_weight`` · L_degrad. The key encoder and queue are its checkpoint state."""

    log_parts: tuple[str, ...] = ("loss_sr", "loss_degrad")
    leaves_parameters_unused = True  # stage 1 trains the encoder alone

    def __init__(self, config: TrainConfig, model: nn.Module) -> None:
        self.config = config
        self.contrast = self._contrast(model, config)
        self.base_learning_rate = config.learning_rate if config.encoder_steps == 0 else 1.0  # LambdaLR gives the rate itself

    def scheduler(self, optimizer: torch.optim.Optimizer) -> torch.optim.lr_scheduler.LRScheduler:
        return _step_schedule(self.config, optimizer)

    @staticmethod
    def _contrast(model: nn.Module, config: TrainConfig) -> MomentumContrast | None:
        """The momentum key encoder and queue (None without L_degrad); the queue is seeded by ``config.seed``."""
        if config.degradation_loss_weight == 0:
            return None
        encoder = getattr(model, "encoder", None)
        if encoder is None or getattr(encoder, "head", None) is None:
            raise ConfigError(f"{config.model} has no degradation encoder with a projection head; the contrastive loss needs one")
        return MomentumContrast(encoder, queue_size=config.contrastive_queue, momentum=config.key_momentum, temperature=config.contrastive_temperature,
                                form=config.contrastive_form, seed=config.seed, input_scale=getattr(model, "pixel_range", 1.0))

    def network(self, model: nn.Module) -> nn.Module:
        return _ContrastiveForward(model)

    def in_first_stage(self, step: int) -> bool:
        return in_first_stage(self.config, step)

    def loss(self, network: nn.Module, batch: Batch, step: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        embedding, sr = network(batch["lr"], batch["kernel"], self.contrast is not None, not self.in_first_stage(step))
        parts: dict[str, torch.Tensor] = {}
        if sr is not None:
            parts["loss_sr"] = _pixel_range_factor(self.config) * pixel_loss(self.config.loss, sr, batch["hr"])
        if self.contrast is not None:
            parts["loss_degrad"] = self.contrast(embedding, batch["lr_key"])
        total = parts.get("loss_sr")
        if "loss_degrad" in parts:
            weighted = self.config.degradation_loss_weight * parts["loss_degrad"]
            total = weighted if total is None else total + weighted
        return total, parts

    def checkpoint_state(self) -> dict[str, Any] | None:
        return None if self.contrast is None else self.contrast.checkpoint_state()  # key encoder, queue, pointer

    def load_checkpoint_state(self, state: dict[str, Any] | None) -> None:
        if self.contrast is not None:
            self.contrast.load_state_dict(state)


class DMSRObjective(_OneStageStateless):
    """DMSR's joint objective (§3.3, Eq. 5-8; docs/decisions/dmsr.md, M15, M17-M21): the SR loss, the extractor's estimate
    against the true degradation (L_DR) and the consistency of a re-estimate on the HR degraded with it (L_DC), weighted
    and switched by ``config.dmsr_losses`` (:class:`dynsr.training.degradation_losses.DMSRLossOptions`). No state of its
    own: a checkpoint needs nothing beyond the model and Adam. Logged unweighted: ``loss_re``, ``loss_dr_noise``,
    ``loss_dr_kernel`` (always, also when L_DR is not trained on), and the enabled DC terms ``loss_dc_lr``,
    ``loss_dc_noise``, ``loss_dc_kernel``."""

    def __init__(self, config: TrainConfig, model: nn.Module) -> None:
        options = config.dmsr_losses
        if options is None or not hasattr(model, "estimate_degradation"):
            raise ConfigError(f"DMSRObjective needs dmsr_losses and a model with a degradation extractor; got {config.model}")
        self.config, self.options = config, options
        self.base_learning_rate = config.learning_rate
        self.noise_map = model.noise_estimate == "map"
        self.log_parts = ("loss_re", "loss_dr_noise", "loss_dr_kernel", *(("loss_dc_lr",) if options.consistency_lr else ()),
                          *(("loss_dc_noise", "loss_dc_kernel") if options.consistency_kn else ()))
        self.leaves_parameters_unused = not options.sr_gradient_to_extractor  # the extractor may then learn from nothing

    def scheduler(self, optimizer: torch.optim.Optimizer) -> torch.optim.lr_scheduler.LRScheduler:
        return _step_schedule(self.config, optimizer)

    def network(self, model: nn.Module) -> nn.Module:
        config = self.config
        return DMSRForward(model, options=self.options, scale=config.scale, padding=config.blur_padding,
                           quantize_before_noise=config.quantize_before_noise, quantize_after_noise=config.quantize_after_noise)

    def loss(self, network: nn.Module, batch: Batch, step: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        options, norm = self.options, self.options.norm
        level = batch["noise"] / 255.0  # (B,), the training level in [0, 1] units (docs/decisions/dmsr.md, M14)
        out = network(batch["lr"], batch["hr"], None if self.noise_map else unit_noise(batch["noise_map"], level))
        noise_target = batch["noise_map"] if self.noise_map else level[:, None]  # MNM-σ: the level (B,) -> (B, 1) (M21)
        parts = {"loss_re": _pixel_range_factor(self.config) * pixel_loss(self.config.loss, out.sr, batch["hr"]),
                 "loss_dr_noise": squared_error(out.noise, noise_target, norm=norm), "loss_dr_kernel": squared_error(out.kernel, batch["kernel"], norm=norm)}
        total = options.weight_re * parts["loss_re"]
        if options.degradation_reconstruction:
            total = total + options.weight_dr * (parts["loss_dr_noise"] + parts["loss_dr_kernel"])
        else:
            parts["loss_dr_noise"], parts["loss_dr_kernel"] = parts["loss_dr_noise"].detach(), parts["loss_dr_kernel"].detach()  # logged only
        consistency = []
        if options.consistency_lr:
            parts["loss_dc_lr"] = squared_error(out.simulated_lr, batch["lr"], norm=norm)
            consistency.append(parts["loss_dc_lr"])
        if options.consistency_kn:
            parts["loss_dc_noise"] = squared_error(out.simulated_noise, out.noise, norm=norm)
            parts["loss_dc_kernel"] = squared_error(out.simulated_kernel, out.kernel, norm=norm)
            consistency += [parts["loss_dc_noise"], parts["loss_dc_kernel"]]
        if consistency:
            total = total + options.weight_dc * sum(consistency)
        return total, parts


def objective_for(config: TrainConfig, model: nn.Module) -> Objective:
    """The objective the configuration describes (module docstring)."""
    if config.dmsr_losses is not None:
        return DMSRObjective(config, model)
    if config.paired_patches:
        return ContrastiveTwoStageObjective(config, model)
    return PixelObjective(config)
