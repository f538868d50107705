"""Claim verdicts over seeds: does a paper's "A beats B" hold for models trained at our scale?

A claim compares two trained configurations on the same test cell. With ``n`` seeds trained for
each, the paired difference (A − B with the same seed) is computed per seed, and the *seed spread* is
the larger range (max − min over seeds) of the two configurations' own scores. The verdict is

* ``holds``: every seed's difference has the paper's sign and the mean difference exceeds the seed spread;
* ``does not hold at our scale``: every seed's difference has the opposite sign, beyond the seed spread;
* ``inconclusive at our scale (within the seed spread)``: the signs agree but the mean difference is no
  larger than the spread between seeds of one configuration (with two seeds, agreeing signs alone
  happen by chance a quarter of the time);
* ``inconclusive at our scale (seeds disagree)``: the signs differ between seeds, or a difference is zero;
* ``not checkable at our scale (one seed)``: fewer than two seeds, so no spread is known;
* ``not informative: the comparator is below bicubic``: the worse configuration scores below bicubic
  interpolation on the cell (mean over seeds), so it has not learnt super-resolution yet and beating it says
  nothing about the claim (checked first when the bicubic score of the cell is given);
* ``confounded by size``: the seeds resolve the difference (it would be ``holds`` or ``does not hold``),
  but the network that wins has more than 5 % more parameters than the other (of the larger count), so the
  difference mixes the claim with capacity (when both counts are given; a smaller network that wins keeps its
  verdict). ``seed_verdict`` keeps what the seeds alone say.

The paper's own difference and our mean / min / max difference are reported beside the verdict, so
a reader can see when a claim "holds" by a margin far from the paper's (e.g. early training favouring
an architecture's inductive bias rather than its capacity). A claim the paper makes only qualitatively
(a figure, no number: e.g. DASR Fig. 3, "Model 4's representations cluster by σ, Model 1's do not")
takes ``paper_difference=None``; its verdict is computed the same way, the paper's difference is NaN.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = ["HOLDS", "DOES_NOT_HOLD", "INCONCLUSIVE", "WITHIN_SPREAD", "ONE_SEED", "BELOW_BICUBIC", "CONFOUNDED_BY_SIZE", "SIZE_TOLERANCE",
           "below_bicubic", "size_difference", "paired_claim"]

HOLDS = "holds"
DOES_NOT_HOLD = "does not hold at our scale"
INCONCLUSIVE = "inconclusive at our scale (seeds disagree)"
WITHIN_SPREAD = "inconclusive at our scale (within the seed spread)"
ONE_SEED = "not checkable at our scale (one seed)"
BELOW_BICUBIC = "not informative: the comparator is below bicubic"
CONFOUNDED_BY_SIZE = "confounded by size"

SIZE_TOLERANCE = 0.05
"""Two networks whose parameter counts differ by more than this fraction of the larger are "of different size"."""


def size_difference(better_parameters: int, worse_parameters: int) -> float:
    """``(better − worse) / max(better, worse)``: the signed relative difference of two parameter counts."""
    return (better_parameters - worse_parameters) / max(better_parameters, worse_parameters)


def below_bicubic(scores: Mapping[int, float] | float, bicubic: float | None) -> bool:
    """Whether a configuration's score (one value, or per seed: their mean) is below bicubic's on the same cell."""
    if bicubic is None or np.isnan(bicubic):
        return False
    mean = float(np.mean(list(scores.values()))) if isinstance(scores, Mapping) else float(scores)
    return mean < bicubic


def paired_claim(claim: str, better: Mapping[int, float], worse: Mapping[int, float], *, paper_difference: float | None,
                 bicubic: float | None = None, parameters: tuple[int, int] | None = None) -> dict:
    """The verdict on "``better`` > ``worse``" (the paper's difference ``paper_difference`` > 0, or None for a qualitative claim), paired by seed.

    ``bicubic``: bicubic interpolation's score on the same cell, where the claim compares image quality; a
    ``worse`` configuration below it makes the verdict :data:`BELOW_BICUBIC`. ``parameters``: the two networks'
    parameter counts ``(better, worse)``; a resolved verdict won by the network more than :data:`SIZE_TOLERANCE`
    larger becomes :data:`CONFOUNDED_BY_SIZE`.
    """
    if paper_difference is not None and paper_difference <= 0:
        raise ValueError(f"{claim}: the paper's difference must be positive (give the better configuration first); got {paper_difference}")
    nan = float("nan")
    seeds = sorted(set(better) & set(worse))
    differences = np.array([better[seed] - worse[seed] for seed in seeds], dtype=np.float64)
    spread = max((np.ptp([scores[seed] for seed in seeds]) for scores in (better, worse)), default=float("nan")) if seeds else float("nan")
    if len(seeds) and below_bicubic({seed: worse[seed] for seed in seeds}, bicubic):
        verdict = BELOW_BICUBIC
    elif len(seeds) < 2:
        verdict = ONE_SEED
    elif not ((differences > 0).all() or (differences < 0).all()):
        verdict = INCONCLUSIVE
    elif abs(differences.mean()) <= spread:
        verdict = WITHIN_SPREAD
    else:
        verdict = HOLDS if differences.mean() > 0 else DOES_NOT_HOLD
    relative_size = size_difference(*parameters) if parameters is not None else nan
    seed_verdict = verdict
    # Only the winner being the larger network confounds: a smaller network that wins does so despite its size.
    if (verdict == HOLDS and relative_size > SIZE_TOLERANCE) or (verdict == DOES_NOT_HOLD and relative_size < -SIZE_TOLERANCE):
        verdict = CONFOUNDED_BY_SIZE
    return {
        "claim": claim, "paper_difference": nan if paper_difference is None else paper_difference,
        "ours_mean_difference": float(differences.mean()) if len(seeds) else nan,
        "ours_min_difference": float(differences.min()) if len(seeds) else nan,
        "ours_max_difference": float(differences.max()) if len(seeds) else nan,
        "seed_spread": float(spread), "seeds": ",".join(str(seed) for seed in seeds), "verdict": verdict, "seed_verdict": seed_verdict,
        "size_difference": relative_size,
    }
