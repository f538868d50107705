"""DMSR's degradation losses (§3.3, Eq. 5-8, Fig. 3): the terms, the simulated LR image and the step's forward.

L_overall = λ_RE·L_RE + λ_DR·L_DR + λ_DC·L_DC (Eq. 5; λ = 1, 10, 1 in §4.1), with

* L_RE = (1/CHW)·‖I_HR − I_SR‖₁ (Eq. 6): the run's pixel loss (``TrainConfig.loss``, L1 in DMSR's recipes);
* L_DR = ‖N_GT − N_est‖² + ‖K_GT − K_est‖² (Eq. 7): the extractor's estimate against the training pair's true
  noise and kernel (``TrainConfig.degradation_targets``);
* L_DC = ‖I_sim − I_LR‖² + ‖N_sim − N_est‖² + ‖K_sim − K_est‖² (Eq. 8): I_sim is the HR patch degraded with the
  estimate (:func:`simulate_lr`), (K_sim, N_sim) the extractor's estimate on I_sim. The first term is Table 2's
  "DC (LR)", the other two "DC (KN)".

What the paper leaves open is a field of :class:`DMSRLossOptions` (docs/decisions/dmsr.md, M17-M22): how the
squared norms are scaled (``norm``, M18), how I_sim is built (``simulation``, M19), the gradient path of the
second extractor pass (``second_pass``, M20) and of L_RE into the extractor (``sr_gradient_to_extractor``, M15),
what the noise terms compare for MNM-σ (M21). :class:`DMSRForward` computes every differentiable part of a step in
one ``forward`` (what DistributedDataParallel wraps); ``dynsr.training.objectives.DMSRObjective`` adds the terms up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

import torch
import torch.nn as nn
from torch.func import functional_call

from dynsr.config import ConfigError, check_field_types
from dynsr.degradations.blur import PaddingMode
from dynsr.degradations.differentiable import bicubic_resize, blur_per_sample
from dynsr.degradations.noise import quantize

__all__ = ["DMSRLossOptions", "DMSRStep", "DMSRForward", "squared_error", "simulate_lr", "unit_noise"]

Norm = Literal["mean", "sum"]
Simulation = Literal["float", "pipeline"]
SecondPass = Literal["trained", "frozen", "target"]


@dataclass(frozen=True, kw_only=True)
class DMSRLossOptions:
    """The options of DMSR's objective (``TrainConfig.dmsr_losses``, a nested dictionary in its JSON form: unknown keys and
    wrong types are refused there as here); every default is the paper's model.

    Attributes:
        weight_re, weight_dr, weight_dc: λ_RE, λ_DR, λ_DC of Eq. 5 (1, 10, 1; §4.1).
        degradation_reconstruction: train on L_DR (Table 2's "DR loss"). Off, its two terms are still logged
            (the estimation error of a run that does not learn from it).
        consistency_lr: the first term of L_DC (Table 2's "DC loss (LR)").
        consistency_kn: the last two terms of L_DC (Table 2's "DC loss (KN)").
        norm: ``"mean"``: each ‖·‖² of Eq. 7-8 is the mean over its elements (batch included), as Eq. 6 divides
            by CHW; ``"sum"``: the sum over one sample's elements, averaged over the batch (docs/decisions/dmsr.md, M18).
        simulation: how I_sim is built (M19): ``"float"``: blur (the data's border) → MATLAB bicubic ↓ → + the
            estimated noise, in float; ``"pipeline"``: also the data's 8-bit rounding (``quantize_before_noise``,
            ``quantize_after_noise``), passed straight through in the backward pass.
        second_pass: the extractor's pass on I_sim (M20): ``"trained"``: an ordinary pass (its weights and, through
            I_sim, the first pass learn from it); ``"frozen"``: the same weights, detached: the gradient reaches the
            first pass through I_sim but the second pass does not train the weights; ``"target"``: (K_sim, N_sim)
            are constants, only K_est and N_est are pulled towards them.
        sr_gradient_to_extractor: L_RE reaches the extractor through K_est and N_est (M15); False feeds the SR
            network a detached estimate, so that the extractor learns from L_DR and L_DC alone.
    """

    weight_re: float = 1.0
    weight_dr: float = 10.0
    weight_dc: float = 1.0
    degradation_reconstruction: bool = True
    consistency_lr: bool = True
    consistency_kn: bool = True
    norm: Norm = "mean"
    simulation: Simulation = "float"
    second_pass: SecondPass = "trained"
    sr_gradient_to_extractor: bool = True

    def __post_init__(self) -> None:
        check_field_types(self)
        weights = {"weight_re": self.weight_re, "weight_dr": self.weight_dr, "weight_dc": self.weight_dc}
        bad = {name: value for name, value in weights.items() if not 0 <= value < float("inf")}
        if bad:
            raise ConfigError(f"the loss weights must be finite and >= 0; got {bad}")

    @property
    def consistency(self) -> bool:
        """Whether a step builds I_sim (either part of L_DC)."""
        return self.consistency_lr or self.consistency_kn


def squared_error(estimate: torch.Tensor, target: torch.Tensor, *, norm: Norm) -> torch.Tensor:
    """One ‖target − estimate‖² of Eq. 7-8: the mean over every element (``"mean"``), or the sum over each sample's
    elements averaged over the batch (``"sum"``); docs/decisions/dmsr.md, M18."""
    if estimate.shape != target.shape:
        raise ValueError(f"estimate {tuple(estimate.shape)} and target {tuple(target.shape)} differ in shape")
    error = (estimate - target) ** 2
    if norm == "mean":
        return error.mean()
    if norm == "sum":
        return error.sum() / error.shape[0]
    raise ValueError(f"unknown norm {norm!r}; choose 'mean' or 'sum'")


def _straight_through(rounded: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """``rounded`` forward, the identity's gradient backward (rounding has a zero derivative almost everywhere)."""
    return value + (rounded - value).detach()


def simulate_lr(hr: torch.Tensor, kernel: torch.Tensor, noise: torch.Tensor, *, scale: int, padding: PaddingMode,
                quantize_before_noise: bool = False, quantize_after_noise: bool = False) -> torch.Tensor:
    """I_sim of Eq. 8 (docs/decisions/dmsr.md, M19): ``hr`` (B, 3, s·p, s·p) blurred with ``kernel`` (B, k, k) under
    ``padding``, MATLAB-bicubic downsampled by ``scale``, plus ``noise`` (B, 3, p, p), optionally rounded to 8 bits
    before and after the noise (straight-through). Differentiable in ``kernel`` and ``noise``."""
    lr = bicubic_resize(blur_per_sample(hr, kernel, padding=padding), 1.0 / scale)  # (B, 3, p, p)
    if quantize_before_noise:
        lr = _straight_through(quantize(lr), lr)
    lr = lr + noise
    return _straight_through(quantize(lr), lr) if quantize_after_noise else lr


def unit_noise(noise_map: torch.Tensor, level: torch.Tensor) -> torch.Tensor:
    """The input's own noise divided by its level: ``noise_map`` (B, 3, p, p) / ``level`` (B,) in [0, 1] units, 0 where the
    level is 0 (MNM-σ's I_sim adds its estimated level times this; docs/decisions/dmsr.md, M21)."""
    safe = torch.where(level > 0, level, torch.ones_like(level))
    return torch.where(level[:, None, None, None] > 0, noise_map / safe[:, None, None, None], torch.zeros_like(noise_map))  # (B,) -> (B, 1, 1, 1)


class DMSRStep(NamedTuple):
    """What :class:`DMSRForward` computes: the SR image, the estimate (K_est (B, 15, 15), N_est (B, 3, p, p) or the
    level (B, 1)), and with the DC loss I_sim and the second pass's (K_sim, N_sim) (None where not computed)."""

    sr: torch.Tensor
    kernel: torch.Tensor
    noise: torch.Tensor
    simulated_lr: torch.Tensor | None
    simulated_kernel: torch.Tensor | None
    simulated_noise: torch.Tensor | None


class DMSRForward(nn.Module):
    """Every differentiable part of a DMSR training step in one ``forward`` (so that DistributedDataParallel sees it):
    one extractor pass on the LR, the SR network fed that estimate, and for L_DC I_sim and the second extractor pass.

    Args:
        model: a :class:`dynsr.models.dmsr.DMSR` (anything with ``extractor``, ``estimate_degradation``,
            ``noise_estimate`` and ``forward(lr, kernel=, noise=)``).
        options: the objective's switches.
        scale, padding, quantize_before_noise, quantize_after_noise: the training data's degradation (I_sim follows it).
    """

    def __init__(self, model: nn.Module, *, options: DMSRLossOptions, scale: int, padding: PaddingMode,
                 quantize_before_noise: bool, quantize_after_noise: bool) -> None:
        super().__init__()
        self.model, self.options, self.scale, self.padding = model, options, scale, padding
        pipeline = options.simulation == "pipeline"
        self.quantize_before_noise, self.quantize_after_noise = pipeline and quantize_before_noise, pipeline and quantize_after_noise

    def _second_pass(self, simulated_lr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(K_sim, N_sim): the extractor on I_sim, trained, with detached weights, or without a gradient (M20)."""
        extractor = self.model.extractor
        if self.options.second_pass == "trained":
            estimate = extractor(simulated_lr)
        elif self.options.second_pass == "frozen":
            detached = {name: tensor.detach() for name, tensor in extractor.named_parameters()}
            estimate = functional_call(extractor, detached, (simulated_lr,))
        else:
            with torch.no_grad():
                estimate = extractor(simulated_lr)
        return estimate.kernel, estimate.noise

    def forward(self, lr: torch.Tensor, hr: torch.Tensor, noise_unit: torch.Tensor | None) -> DMSRStep:
        """``lr`` (B, 3, p, p), ``hr`` (B, 3, s·p, s·p); ``noise_unit`` (B, 3, p, p) the input's noise over its level
        (:func:`unit_noise`), which MNM-σ's I_sim needs (None for the noise map)."""
        estimate = self.model.estimate_degradation(lr)
        kernel, noise = estimate.kernel, estimate.noise
        given = (kernel, noise) if self.options.sr_gradient_to_extractor else (kernel.detach(), noise.detach())
        sr = self.model(lr, kernel=given[0], noise=given[1])
        if not self.options.consistency:
            return DMSRStep(sr, kernel, noise, None, None, None)
        added = noise if self.model.noise_estimate == "map" else noise[:, :, None, None] * noise_unit  # level (B, 1) -> (B, 1, 1, 1)
        simulated_lr = simulate_lr(hr, kernel, added, scale=self.scale, padding=self.padding,
                                   quantize_before_noise=self.quantize_before_noise, quantize_after_noise=self.quantize_after_noise)
        if not self.options.consistency_kn:
            return DMSRStep(sr, kernel, noise, simulated_lr, None, None)
        return DMSRStep(sr, kernel, noise, simulated_lr, *self._second_pass(simulated_lr))
