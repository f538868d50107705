"""Typed result rows: the one schema of every results table, built only through the constructors here.

Every row of every table :func:`dynsr.results.write_table` writes has :data:`REQUIRED_COLUMNS`:

* ``method``, ``dataset``, ``scale``, ``degradation``, ``metric``: which cell (for a claim row, ``method`` names what its
  ``ours`` measures, e.g. ``Model 4 − Model 1``);
* ``paper``, ``ours``, ``gap = ours − paper``: the published number (NaN where the paper has none), ours (NaN where
  nothing was run here) and their difference;
* ``profile``, ``steps``, ``seeds``, ``noise_seed``: how ours was made: the profile, the optimiser steps (0: nothing
  trained), the training seeds (a tuple of ints, ``()`` where nothing was trained; written ``0,1``), and the seed of
  the test-LR noise (``Degradation.noise_seed``: each test image's noise is drawn from ``(noise_seed, image name)``;
  None where no test image was degraded here);
* ``source``: a :class:`Source`, where the number comes from;
* ``n_images``: the test images behind ours (0 where nothing was run).

A claim row (:func:`claim_row`) adds :data:`CLAIM_COLUMNS`: the ``claim``, its ``verdict`` (a :class:`Verdict`) and a
free-text ``reason`` ("" where the verdict says it all): code tests a verdict by equality with the enumeration, the
reason is for the reader. Columns of one table only (``recipe``, ``parameters``, ``note``, …) are passed to a
constructor by name and follow the schema's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

import pandas as pd

__all__ = ["Source", "Verdict", "REQUIRED_COLUMNS", "CLAIM_COLUMNS", "as_seeds", "format_seeds", "parse_seeds", "verdict_text",
           "trained_row", "computed_row", "quoted_row", "claim_row"]


class Source(StrEnum):
    """Where a row's number comes from."""

    TRAINED = "trained here"  # a network trained here at the row's profile (a claim row: a difference of such networks)
    COMPUTED = "computed (no training)"  # computed here without training (bicubic interpolation)
    QUOTED = "quoted from the paper"  # the paper's number only; nothing run here


class Verdict(StrEnum):
    """A claim's verdict at our scale (:mod:`dynsr.claims`); the row's ``reason`` says why where it is not plain."""

    HOLDS = "holds"
    DOES_NOT_HOLD = "does not hold at our scale"
    WITHIN_SPREAD = "inconclusive: within the seed spread"
    SEEDS_DISAGREE = "inconclusive: seeds disagree"
    NOT_CHECKABLE = "not checkable"  # one seed, or a compared method quoted and not run: the reason says which
    NOT_INFORMATIVE = "not informative"
    CONFOUNDED_BY_SIZE = "confounded by size"
    DESCRIPTIVE = "descriptive"  # a number reported, not a claim judged


REQUIRED_COLUMNS = ("method", "dataset", "scale", "degradation", "metric", "paper", "ours", "gap", "profile", "steps", "seeds", "noise_seed",
                    "source", "n_images")
CLAIM_COLUMNS = ("claim", "verdict", "reason")


def as_seeds(seeds: Sequence[int]) -> tuple[int, ...]:
    """Seeds as the schema holds them: a tuple of non-negative integers (ValueError for anything else, a string included)."""
    if isinstance(seeds, str) or any(isinstance(seed, bool) or int(seed) != seed or seed < 0 for seed in seeds):
        raise ValueError(f"seeds must be a sequence of non-negative integers, got {seeds!r}")
    return tuple(int(seed) for seed in seeds)


def format_seeds(seeds: Sequence[int]) -> str:
    """Seeds as a table cell: ``0,1`` (``""`` for none)."""
    return ",".join(str(seed) for seed in as_seeds(seeds))


def parse_seeds(text: str) -> tuple[int, ...]:
    """A table cell written by :func:`format_seeds` as seeds."""
    return as_seeds([int(part) for part in text.split(",")] if text.strip() else [])


def verdict_text(verdict: Verdict, reason: str) -> str:
    """A verdict for a reader: ``not checkable: one seed``, or the verdict alone where it has no reason."""
    return f"{verdict}: {reason}" if reason else str(verdict)


def _number(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _noise_seed(value: int | None) -> int | None:
    """A noise seed, None where missing (None, NaN or ``pd.NA`` from a table)."""
    return None if value is None or pd.isna(value) else int(value)


def _row(*, source: Source, method: str, dataset: str, scale: int, degradation: str, metric: str, paper: float | None, ours: float | None,
         profile: str, steps: int, seeds: Sequence[int], noise_seed: int | None, n_images: int, extra: dict[str, Any]) -> dict[str, Any]:
    paper, ours = _number(paper), _number(ours)
    return {"method": method, "dataset": dataset, "scale": int(scale), "degradation": degradation, "metric": metric, "paper": paper, "ours": ours,
            "gap": ours - paper, "profile": profile, "steps": int(steps), "seeds": as_seeds(seeds),
            "noise_seed": _noise_seed(noise_seed), "source": source, "n_images": int(n_images), **extra}


def trained_row(*, method: str, dataset: str, scale: int, degradation: str, metric: str, paper: float | None, ours: float, profile: str,
                steps: int, seeds: Sequence[int], noise_seed: int | None, n_images: int, **extra: Any) -> dict[str, Any]:
    """A number of a network trained here (``steps`` > 0, at least one seed; ours a mean over ``seeds`` where there are several)."""
    if steps <= 0 or not seeds:
        raise ValueError(f"{method}: a trained row needs steps > 0 and its seeds; got steps={steps}, seeds={seeds!r}")
    return _row(source=Source.TRAINED, method=method, dataset=dataset, scale=scale, degradation=degradation, metric=metric, paper=paper, ours=ours,
                profile=profile, steps=steps, seeds=seeds, noise_seed=noise_seed, n_images=n_images, extra=extra)


def computed_row(*, method: str, dataset: str, scale: int, degradation: str, metric: str, paper: float | None, ours: float, profile: str,
                 noise_seed: int | None, n_images: int, **extra: Any) -> dict[str, Any]:
    """A number computed here without training (bicubic interpolation): no steps, no seeds."""
    return _row(source=Source.COMPUTED, method=method, dataset=dataset, scale=scale, degradation=degradation, metric=metric, paper=paper, ours=ours,
                profile=profile, steps=0, seeds=(), noise_seed=noise_seed, n_images=n_images, extra=extra)


def quoted_row(*, method: str, dataset: str, scale: int, degradation: str, metric: str, paper: float, profile: str, **extra: Any) -> dict[str, Any]:
    """The paper's number of something not run here: ours NaN, no steps, seeds, noise or images."""
    return _row(source=Source.QUOTED, method=method, dataset=dataset, scale=scale, degradation=degradation, metric=metric, paper=paper,
                ours=None, profile=profile, steps=0, seeds=(), noise_seed=None, n_images=0, extra=extra)


def claim_row(*, claim: str, verdict: Verdict, reason: str = "", method: str, dataset: str, scale: int, degradation: str, metric: str,
              paper: float | None, ours: float | None, profile: str, steps: int = 0, seeds: Sequence[int] = (), noise_seed: int | None = None,
              n_images: int = 0, **extra: Any) -> dict[str, Any]:
    """A verdict on a paper's claim: ``paper`` and ``ours`` are the paper's and our number behind it (a difference, a count).

    Its source is :attr:`Source.TRAINED` where ours was measured here (with the steps, seeds, noise seed and images of
    the models compared), :attr:`Source.QUOTED` where only the paper's number is known (nothing run: no steps, seeds,
    noise seed or images).
    """
    measured = not math.isnan(_number(ours))
    if not measured and (steps or len(seeds) or _noise_seed(noise_seed) is not None or n_images):
        raise ValueError(f"{claim}: a claim without a number of ours ran nothing here; got steps={steps}, seeds={seeds!r}, "
                         f"noise_seed={noise_seed}, n_images={n_images}")
    row = _row(source=Source.TRAINED if measured else Source.QUOTED, method=method, dataset=dataset, scale=scale, degradation=degradation,
               metric=metric, paper=paper, ours=ours, profile=profile, steps=steps, seeds=seeds, noise_seed=noise_seed, n_images=n_images, extra={})
    return {**row, "claim": claim, "verdict": Verdict(verdict), "reason": reason, **extra}
