"""Stored per-image scores, keyed by the weights that produced them, so that a table is rebuilt without re-running its models.

Each trained model scores the same (data set, degradation, image) cells every time the notebooks run; at
``cpu`` that is hours of 2-core inference for results that only change when the weights do. A
:class:`ScoreStore` keeps every per-image PSNR/SSIM under ``<profile results>/scores/<model>.csv``, where
``<model>`` is the :func:`model_fingerprint` of the network (its class, configuration and every weight),
so new weights never meet old scores. A cell's key names its degradation (``Degradation.key()``, the
LR cache's version), data set, how a gray image is scored and :data:`SCORING_VERSION`.

Policy (``DYNSR_SCORES``, set by ``dynsr reproduce``; default ``reuse``):

* ``reuse``: stored cells are read back; cells not stored are computed and added. When every cell of
  one evaluation came from the store, one of them, drawn with a seed derived from the cells' keys (the
  same draw on every machine), is scored again from the weights and must agree within
  :mod:`dynsr.tolerances` (:class:`StoredScoreMismatch` otherwise). Each such check is appended to
  :func:`check_log_path`, which ``dynsr reproduce`` prints.
* ``recompute``: every cell is scored from the weights and the store is rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import torch.nn as nn

from dynsr.fileio import atomic_path
from dynsr.paths import cache_dir, profile_results_dir
from dynsr.tolerances import PSNR_DB, SSIM

__all__ = ["SCORING_VERSION", "ScorePolicy", "ScoreStore", "StoredScoreMismatch", "check_log_path", "model_fingerprint", "score_policy"]

SCORING_VERSION = 1
"""Part of every cell key: raise it when the scoring pipeline (LR generation aside, which has its own
version in the key) changes, so stored scores of the old pipeline are no longer found."""

ScorePolicy = Literal["reuse", "recompute"]
POLICIES: tuple[ScorePolicy, ...] = ("reuse", "recompute")
METRICS = ("PSNR", "SSIM")


class StoredScoreMismatch(RuntimeError):
    """A stored score differs from the one the weights give now, beyond the cross-machine tolerance."""


def score_policy() -> ScorePolicy:
    """The policy of ``DYNSR_SCORES`` (``reuse`` when unset); anything else is an error naming the choices."""
    value = os.environ.get("DYNSR_SCORES", "reuse")
    if value not in POLICIES:
        raise ValueError(f"DYNSR_SCORES={value!r}; expected one of {', '.join(POLICIES)}")
    return value  # type: ignore[return-value]


def check_log_path() -> Path:
    """Where the re-scored samples of ``reuse`` are logged (one JSON object per line)."""
    return cache_dir() / "score_checks.jsonl"


def model_fingerprint(model: nn.Module) -> str:
    """SHA-256 (hex, first 16 digits) of a network: its class, its module tree, its plain settings and every
    parameter and buffer (float32 bytes), so that two networks that compute differently never share one."""
    digest = hashlib.sha256()
    settings = {name: value for name, value in sorted(vars(model).items())
                if not name.startswith("_") and isinstance(value, (str, int, float, bool, tuple))}
    digest.update(f"{type(model).__module__}.{type(model).__qualname__}\n{model!r}\n{settings!r}\n".encode())
    for name, tensor in model.state_dict().items():
        array = tensor.detach().cpu().contiguous()
        digest.update(f"{name}:{array.dtype}:{tuple(array.shape)}\n".encode())
        digest.update(array.numpy().tobytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True, kw_only=True)
class ScoreStore:
    """The stored per-image scores of one network under one profile."""

    profile: str
    model: str  # model_fingerprint

    @property
    def path(self) -> Path:
        return profile_results_dir(self.profile) / "scores" / f"{self.model}.csv"

    def read(self) -> dict[tuple[str, str], dict[str, float]]:
        """(cell key, image) → its stored metrics (only those stored: an SSIM may be missing)."""
        if not self.path.is_file():
            return {}
        table = pd.read_csv(self.path, dtype={"key": str, "image": str})
        return {(row.key, row.image): {metric: float(getattr(row, metric)) for metric in METRICS if not np.isnan(getattr(row, metric))}
                for row in table.itertuples(index=False)}

    def write(self, scores: Mapping[tuple[str, str], Mapping[str, float]]) -> None:
        """Merge ``scores`` into the stored ones (new values win) and rewrite the file atomically."""
        merged = self.read()
        for cell, metrics in scores.items():
            merged[cell] = {**merged.get(cell, {}), **metrics}
        rows = [{"key": key, "image": image, **{metric: metrics.get(metric, np.nan) for metric in METRICS}}
                for (key, image), metrics in sorted(merged.items())]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(self.path) as temporary:
            pd.DataFrame(rows, columns=["key", "image", *METRICS]).to_csv(temporary, index=False, float_format="%.10g")


def check_sample(cells: list[tuple[str, str]]) -> int:
    """The index of the cell ``reuse`` scores again: drawn with a seed derived from every cell's key."""
    seed = int(hashlib.sha256("\n".join(f"{key}|{image}" for key, image in cells).encode()).hexdigest()[:12], 16)
    return random.Random(seed).randrange(len(cells))


def compare_with_stored(cell: tuple[str, str], stored: Mapping[str, float], now: Mapping[str, float], *, model: str) -> None:
    """Log the re-scored sample and raise :class:`StoredScoreMismatch` if a metric moved beyond its tolerance."""
    tolerance = {"PSNR": PSNR_DB, "SSIM": SSIM}
    entry = {"model": model, "key": cell[0], "image": cell[1], "stored": dict(stored), "now": dict(now)}
    log = check_log_path()
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a", encoding="utf-8") as stream:
        stream.write(json.dumps(entry) + "\n")
    for metric, value in stored.items():
        if metric in now and abs(now[metric] - value) > tolerance[metric]:
            raise StoredScoreMismatch(
                f"{cell[1]} under {cell[0]} (model {model}): stored {metric} {value:.6f}, the weights give {now[metric]:.6f} now "
                f"(tolerance {tolerance[metric]:g}). The scoring code changed without a new SCORING_VERSION, or the store is stale: "
                "rerun with DYNSR_SCORES=recompute (dynsr reproduce --recompute)."
            )
