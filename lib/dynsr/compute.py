"""Counting multiply-accumulates (MACs), dynamic convolutions included.

``torch.utils.flop_counter.FlopCounterMode`` counts the aten operators it knows (convolutions, matrix
products) in the dispatching thread. The dynamic convolutions of `dynsr.ops` that are custom autograd
functions (`per_pixel_conv2d`, `decoupled_dynamic_filter`, `modulated_deform_conv2d`) run their work on
worker threads, out of its sight, so each of them reports its own MACs here (:func:`record_macs`) from
its forward, and runs its work inside :func:`own_count`, which takes out whatever of it the mode did see (the
same work run inline, on one thread or a small input). :func:`count_macs` adds the two.

A MAC is one multiply and one add (FLOPs = 2 MACs), the unit of the papers' "MACs" / "Mult-Adds"
columns. Elementwise operations (activations, additions, normalisation) are not counted, as in those
columns and in ``FlopCounterMode``. What each custom operator counts:

* per-pixel convolution: B·C·H·W·k² (·r² with upsampling) — one MAC per tap and output;
* decoupled dynamic filter: 2·B·C·H·W·k² — the spatial × channel filter product, then the tap;
* modulated deformable convolution: B·Ho·Wo·Cout·(Cin/groups)·kh·kw for the contraction, plus
  B·Cin·Ho·Wo·kh·kw·(4 + 1) for the bilinear sampling (four weighted corners) and the modulation.

Backward passes are not counted: a training step is taken as three forward passes (forward, and the
two products of the backward pass per layer), the same factor for every model, so that compute
budgets compare forward MACs (`dynsr.training.budget`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from torch.utils.flop_counter import FlopCounterMode

__all__ = ["MacCount", "count_macs", "record_macs", "own_count", "counting_macs"]

_ACTIVE: ContextVar[tuple[Counter[str], FlopCounterMode] | None] = ContextVar("dynsr_mac_counter", default=None)
_INSIDE = "__aten inside dynamic operators__"


def record_macs(operator: str, macs: int) -> None:
    """Called by a `dynsr.ops` custom operator in its forward: add ``macs`` to the active count, if any."""
    active = _ACTIVE.get()
    if active is not None:
        active[0][operator] += int(macs)


@contextmanager
def own_count() -> Iterator[None]:
    """Wrap a custom operator's work: what ``FlopCounterMode`` sees of it (its aten operators, when they run on the calling
    thread: one torch thread, or a small input) is taken out of the aten count, since the operator reports its own MACs."""
    active = _ACTIVE.get()
    if active is None:
        yield
        return
    counter, mode = active
    before = mode.get_total_flops()
    try:
        yield
    finally:
        counter[_INSIDE] += (mode.get_total_flops() - before) // 2


@dataclass(frozen=True, kw_only=True)
class MacCount:
    """MACs of one call: ``total`` = ``aten`` (seen by ``FlopCounterMode``) + the dynamic operators' own reports.

    Attributes:
        aten: MACs of the aten operators (convolutions, matrix products) in the calling thread.
        dynamic: MACs reported by each `dynsr.ops` custom operator, by operator name.
    """

    aten: int
    dynamic: dict[str, int]

    @property
    def total(self) -> int:
        return self.aten + sum(self.dynamic.values())


@contextmanager
def counting_macs() -> Iterator[Callable[[], MacCount]]:
    """``with counting_macs() as result: …``; ``result()`` is the :class:`MacCount` of the block (after it ends)."""
    counter: Counter[str] = Counter()
    mode = FlopCounterMode(display=False)
    token = _ACTIVE.set((counter, mode))
    outcome: list[MacCount] = []
    try:
        with mode:
            yield lambda: outcome[0]
    finally:
        _ACTIVE.reset(token)
        inside = counter.pop(_INSIDE, 0)
        outcome.append(MacCount(aten=mode.get_total_flops() // 2 - inside, dynamic=dict(counter)))


def count_macs(function: Callable[..., Any], *args: Any, **kwargs: Any) -> MacCount:
    """The MACs of ``function(*args, **kwargs)`` (e.g. a model's forward under ``torch.no_grad()``)."""
    with counting_macs() as result:
        function(*args, **kwargs)
    return result()
