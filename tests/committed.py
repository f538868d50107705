"""What the committed ``cpu`` weights say about themselves, for the committed-results tests: a table's ``steps`` column must be
the steps of the weights that produced it."""

from __future__ import annotations

from functools import cache

from dynsr.checkpoints import load_weights
from dynsr.training.recipes import weights_path

__all__ = ["weights_steps"]


@cache
def weights_steps(recipe: str, scale: int, seed: int = 0) -> int:
    """The training steps recorded in the committed ``cpu`` weights of ``recipe`` at ``scale`` and ``seed``."""
    return int(load_weights(weights_path(recipe, scale, "cpu", seed))[1]["provenance"]["steps"])
