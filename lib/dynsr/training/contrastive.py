"""DASR's contrastive degradation loss L_degrad (§3.2.1, Eq. 2-3; §4.1): MoCo with a momentum key encoder and a queue.

Each training image gives two patches with the same degradation (:mod:`dynsr.training.data`). The query
patch goes through the degradation encoder E and its projection head (with gradient) to give the
embedding ``q``; the positive patch goes through the **momentum key encoder** (a copy of E and its head
that receives no gradient; after each optimiser step its parameters follow ``θ_k ← m θ_k + (1 − m) θ_q``,
m = 0.999, updated before the keys of a step are computed, as in MoCo) to give ``k``. Both are
L2-normalised. The negatives are the keys of earlier steps, kept in a first-in-first-out **queue** of
N_queue = 8192 (= 32 × 256) unit vectors, initialised with random unit vectors (seeded) and refreshed by
each step's keys after its loss is computed. With ``l_pos = q·k`` and ``l_neg = q·queue`` (B × N_queue):

* ``form="moco"`` (default; the official code, ``nn.CrossEntropyLoss`` over the logits
  ``[l_pos, l_neg] / τ`` with label 0): ``mean_i [ −l_pos,i/τ + log(exp(l_pos,i/τ) + Σ_j exp(l_neg,ij/τ)) ]``;
  the positive is in the denominator and the batch is averaged.
* ``form="printed"`` (Eq. 3 as printed): ``Σ_i [ −l_pos,i/τ + log Σ_j exp(l_neg,ij/τ) ]``; the positive is
  *not* in the denominator and the batch is summed (the loss can be negative, and it is B times larger
  next to L_SR).

τ = 0.07. The key encoder's BatchNorm layers use batch statistics (it runs in training mode, as the
official wrapper's) and keep their own running statistics (MoCo's momentum update covers parameters
only). Under ``torchrun`` the keys of every process are gathered before they are enqueued, so all
processes hold the same queue (the official code runs one process).
"""

from __future__ import annotations

import copy
from typing import Any, Literal

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F  # noqa: N812

__all__ = ["ContrastiveForm", "contrastive_logits", "contrastive_loss", "momentum_update", "MomentumContrast"]

ContrastiveForm = Literal["moco", "printed"]


def contrastive_logits(query: torch.Tensor, key: torch.Tensor, queue: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(l_pos (B,), l_neg (B, N))`` = (q·k per row, q·queueᵀ) for L2-normalised ``query``/``key`` (B, d) and ``queue`` (N, d)."""
    if query.shape != key.shape or query.dim() != 2 or queue.dim() != 2 or queue.shape[1] != query.shape[1]:
        raise ValueError(f"need query and key (B, d) and queue (N, d); got {tuple(query.shape)}, {tuple(key.shape)}, {tuple(queue.shape)}")
    return (query * key).sum(dim=1), query @ queue.t()


def contrastive_loss(
    query: torch.Tensor, key: torch.Tensor, queue: torch.Tensor, *, temperature: float = 0.07, form: ContrastiveForm = "moco"
) -> torch.Tensor:
    """L_degrad of a batch (see the module docstring for the two forms); inputs are L2-normalised, ``key``/``queue`` carry no gradient."""
    positive, negative = contrastive_logits(query, key, queue)
    if form == "moco":
        logits = torch.cat([positive[:, None], negative], dim=1) / temperature  # (B, 1 + N), positive first
        labels = torch.zeros(query.shape[0], dtype=torch.long, device=query.device)
        return F.cross_entropy(logits, labels)  # batch mean
    if form == "printed":
        return (torch.logsumexp(negative / temperature, dim=1) - positive / temperature).sum()  # Eq. 3: Σ over the batch
    raise ValueError(f"unknown contrastive form {form!r}; use 'moco' (official code) or 'printed' (Eq. 2-3)")


@torch.no_grad()
def momentum_update(key_module: nn.Module, query_module: nn.Module, momentum: float) -> None:
    """``θ_k ← m·θ_k + (1 − m)·θ_q`` for every parameter pair (buffers untouched, as in MoCo)."""
    key_parameters, query_parameters = list(key_module.parameters()), list(query_module.parameters())
    if len(key_parameters) != len(query_parameters):
        raise ValueError("the key and query modules must have the same parameters")
    for key_parameter, query_parameter in zip(key_parameters, query_parameters, strict=True):
        key_parameter.mul_(momentum).add_(query_parameter.detach(), alpha=1.0 - momentum)


class MomentumContrast(nn.Module):
    """The momentum key encoder and the key queue of L_degrad, bound to a query encoder.

    Args:
        encoder: the query encoder: ``encoder(image)`` → representation, ``encoder.project(representation)``
            → embedding (:class:`dynsr.models.dasr.DegradationEncoder` with its projection head). It is
            copied (the key encoder) and read at every momentum update; it is not a submodule.
        queue_size: N_queue.
        momentum: m.
        temperature: τ.
        form: ``moco`` or ``printed`` (:func:`contrastive_loss`).
        seed: seeds the random unit vectors the queue starts with (its own generator: the global RNGs are untouched).
        input_scale: the key patch is multiplied by this before the encoder (DASR's ``pixel_range``; the query
            side does the same inside ``DASR.encode``).

    :meth:`state_dict` holds the key encoder's parameters and buffers, the queue and its pointer: everything
    a checkpoint needs for an exact resume.
    """

    def __init__(
        self,
        encoder: nn.Module,
        *,
        queue_size: int = 8192,
        momentum: float = 0.999,
        temperature: float = 0.07,
        form: ContrastiveForm = "moco",
        seed: int = 0,
        input_scale: float = 1.0,
    ) -> None:
        super().__init__()
        if queue_size < 1 or not 0.0 <= momentum <= 1.0 or not temperature > 0 or form not in ("moco", "printed"):
            raise ValueError(f"need queue_size >= 1, 0 <= momentum <= 1, temperature > 0, form moco|printed; got {queue_size}, {momentum}, {temperature}, {form!r}")
        self._query_encoder = [encoder]  # a list: not registered as a submodule (not saved, not moved)
        self.key_encoder = copy.deepcopy(encoder)
        for parameter in self.key_encoder.parameters():
            parameter.requires_grad_(False)
        self.momentum, self.temperature, self.form, self.input_scale = float(momentum), float(temperature), form, float(input_scale)
        dimension = self._embed_dimension(encoder)
        generator = torch.Generator().manual_seed(seed)
        queue = F.normalize(torch.randn(queue_size, dimension, generator=generator), dim=1)  # (N, d) random unit vectors
        device = next(encoder.parameters()).device
        self.register_buffer("queue", queue.to(device))
        self.register_buffer("queue_pointer", torch.zeros((), dtype=torch.long, device=device))

    @staticmethod
    def _embed_dimension(encoder: nn.Module) -> int:
        head = getattr(encoder, "head", None)
        if head is None:
            raise ValueError("the contrastive loss needs an encoder with a projection head (DASR projection_head=True)")
        return [m for m in head.modules() if isinstance(m, nn.Linear)][-1].out_features

    @property
    def query_encoder(self) -> nn.Module:
        return self._query_encoder[0]

    @torch.no_grad()
    def keys(self, image: torch.Tensor) -> torch.Tensor:
        """Momentum update, then the L2-normalised key embeddings (B, d) of the positive patches ``image`` (B, 3, h, w) in [0, 1]."""
        momentum_update(self.key_encoder, self.query_encoder, self.momentum)
        self.key_encoder.train(self.query_encoder.training)
        return F.normalize(self.key_encoder.project(self.key_encoder(image * self.input_scale)), dim=1)

    @torch.no_grad()
    def enqueue(self, keys: torch.Tensor) -> None:
        """Write ``keys`` (B, d) over the oldest entries (first in, first out; wraps around)."""
        if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
            gathered = [torch.empty_like(keys) for _ in range(dist.get_world_size())]
            dist.all_gather(gathered, keys.contiguous())
            keys = torch.cat(gathered)  # every process enqueues the whole batch, rank order
        size = self.queue.shape[0]
        if keys.shape[0] > size:
            raise ValueError(f"{keys.shape[0]} keys do not fit a queue of {size}")
        index = (self.queue_pointer + torch.arange(keys.shape[0], device=keys.device)) % size
        self.queue[index] = keys.to(self.queue.dtype)
        self.queue_pointer.copy_((self.queue_pointer + keys.shape[0]) % size)

    def forward(self, query_embedding: torch.Tensor, key_image: torch.Tensor) -> torch.Tensor:
        """L_degrad for the query embeddings (B, d) (not normalised; from the query encoder's head, with gradient) and
        the positive patches ``key_image`` (B, 3, h, w); then enqueues this step's keys."""
        keys = self.keys(key_image)
        loss = contrastive_loss(F.normalize(query_embedding, dim=1), keys, self.queue.clone(), temperature=self.temperature, form=self.form)
        self.enqueue(keys)
        return loss

    def checkpoint_state(self) -> dict[str, Any]:
        """Key encoder state, queue and pointer (CPU tensors) for a training checkpoint."""
        return {key: value.detach().cpu().clone() for key, value in self.state_dict().items()}
