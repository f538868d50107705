"""Claim verdicts over seeds: does a paper's "A beats B" hold for models trained at our scale?

A claim compares two trained configurations on the same test cell. With ``n`` seeds trained for
each, the paired difference (A − B with the same seed) is computed per seed, and the *seed spread* is
the larger range (max − min over seeds) of the two configurations' own scores. The verdict is

* :attr:`~Verdict.HOLDS`: every seed's difference has the paper's sign and the mean difference exceeds the seed spread;
* :attr:`~Verdict.DOES_NOT_HOLD`: every seed's difference has the opposite sign, beyond the seed spread;
* :attr:`~Verdict.WITHIN_SPREAD`: the signs agree but the mean difference is no larger than the spread between seeds of
  one configuration (with two seeds, agreeing signs alone happen by chance a quarter of the time);
* :attr:`~Verdict.SEEDS_DISAGREE`: the signs differ between seeds, or a difference is zero;
* :attr:`~Verdict.NOT_CHECKABLE`, reason :data:`ONE_SEED`: fewer than two seeds, so no spread is known;
* :attr:`~Verdict.NOT_INFORMATIVE`, reason :data:`BELOW_BICUBIC`: the worse configuration scores below bicubic
  interpolation on the cell (mean over seeds), so it has not learnt super-resolution yet and beating it says
  nothing about the claim (checked first when the bicubic score of the cell is given);
* :attr:`~Verdict.CONFOUNDED_BY_SIZE`: the seeds resolve the difference (it would hold or not hold), but the network
  that wins has more than 5 % more parameters than the other (of the larger count), so the difference mixes the claim
  with capacity (when both counts are given; a smaller network that wins keeps its verdict). ``seed_verdict`` keeps
  what the seeds alone say.

The paper's own difference and our mean / min / max difference are reported beside the verdict, so
a reader can see when a claim "holds" by a margin far from the paper's (e.g. early training favouring
an architecture's inductive bias rather than its capacity). A claim the paper makes only qualitatively
(a figure, no number: e.g. DASR Fig. 3, "Model 4's representations cluster by σ, Model 1's do not")
takes ``paper_difference=None``; its verdict is computed the same way, the paper's difference is NaN.
Where the paper's difference is no larger than our seed spread, :func:`with_resolution` adds to the verdict's
reason that these seeds cannot resolve a difference of that size (the verdict itself is unchanged).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from dynsr.results import Verdict, claim_row

__all__ = ["ONE_SEED", "BELOW_BICUBIC", "SIZE_TOLERANCE", "PairedClaim", "below_bicubic", "size_difference", "paired_claim", "with_resolution"]

ONE_SEED = "one seed"
"""The reason of a :attr:`~Verdict.NOT_CHECKABLE` verdict with fewer than two seeds."""
BELOW_BICUBIC = "the comparator is below bicubic"
"""The reason of a :attr:`~Verdict.NOT_INFORMATIVE` verdict."""

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


@dataclass(frozen=True)
class PairedClaim:
    """The verdict on one claim over seeds, with the numbers behind it (:func:`paired_claim`)."""

    claim: str
    paper_difference: float  # NaN for a qualitative claim
    ours_mean_difference: float
    ours_min_difference: float
    ours_max_difference: float
    seed_spread: float
    seeds: tuple[int, ...]  # the seeds both configurations have
    verdict: Verdict
    reason: str
    seed_verdict: Verdict  # what the seeds alone say (the verdict before the size confound)
    size_difference: float  # NaN without parameter counts

    def row(self, *, method: str, dataset: str, scale: int, degradation: str, metric: str, profile: str, steps: int, noise_seed: int | None,
            n_images: int, **extra: Any) -> dict[str, Any]:
        """The claim row (:func:`dynsr.results.claim_row`): paper = the paper's difference, ours = our mean difference, with
        the per-seed numbers, the seed verdict and the size difference beside them."""
        return claim_row(claim=self.claim, verdict=self.verdict, reason=self.reason, method=method, dataset=dataset, scale=scale,
                         degradation=degradation, metric=metric, paper=self.paper_difference, ours=self.ours_mean_difference, profile=profile,
                         steps=steps, seeds=self.seeds, noise_seed=noise_seed, n_images=n_images, paper_difference=self.paper_difference,
                         ours_mean_difference=self.ours_mean_difference, ours_min_difference=self.ours_min_difference,
                         ours_max_difference=self.ours_max_difference, seed_spread=self.seed_spread, seed_verdict=self.seed_verdict,
                         size_difference=self.size_difference, **extra)


def paired_claim(claim: str, better: Mapping[int, float], worse: Mapping[int, float], *, paper_difference: float | None,
                 bicubic: float | None = None, parameters: tuple[int, int] | None = None) -> PairedClaim:
    """The verdict on "``better`` > ``worse``" (the paper's difference ``paper_difference`` > 0, or None for a qualitative claim), paired by seed.

    ``bicubic``: bicubic interpolation's score on the same cell, where the claim compares image quality; a
    ``worse`` configuration below it makes the verdict :attr:`~Verdict.NOT_INFORMATIVE`. ``parameters``: the two networks'
    parameter counts ``(better, worse)``; a resolved verdict won by the network more than :data:`SIZE_TOLERANCE`
    larger becomes :attr:`~Verdict.CONFOUNDED_BY_SIZE`.
    """
    if paper_difference is not None and paper_difference <= 0:
        raise ValueError(f"{claim}: the paper's difference must be positive (give the better configuration first); got {paper_difference}")
    nan = float("nan")
    seeds = sorted(set(better) & set(worse))
    differences = np.array([better[seed] - worse[seed] for seed in seeds], dtype=np.float64)
    spread = max((np.ptp([scores[seed] for seed in seeds]) for scores in (better, worse)), default=float("nan")) if seeds else float("nan")
    reason = ""
    if len(seeds) and below_bicubic({seed: worse[seed] for seed in seeds}, bicubic):
        verdict, reason = Verdict.NOT_INFORMATIVE, BELOW_BICUBIC
    elif len(seeds) < 2:
        verdict, reason = Verdict.NOT_CHECKABLE, ONE_SEED
    elif not ((differences > 0).all() or (differences < 0).all()):
        verdict = Verdict.SEEDS_DISAGREE
    elif abs(differences.mean()) <= spread:
        verdict = Verdict.WITHIN_SPREAD
    else:
        verdict = Verdict.HOLDS if differences.mean() > 0 else Verdict.DOES_NOT_HOLD
    relative_size = size_difference(*parameters) if parameters is not None else nan
    seed_verdict = verdict
    # Only the winner being the larger network confounds: a smaller network that wins does so despite its size.
    if (verdict == Verdict.HOLDS and relative_size > SIZE_TOLERANCE) or (verdict == Verdict.DOES_NOT_HOLD and relative_size < -SIZE_TOLERANCE):
        verdict = Verdict.CONFOUNDED_BY_SIZE
    return PairedClaim(
        claim=claim, paper_difference=nan if paper_difference is None else paper_difference,
        ours_mean_difference=float(differences.mean()) if len(seeds) else nan,
        ours_min_difference=float(differences.min()) if len(seeds) else nan,
        ours_max_difference=float(differences.max()) if len(seeds) else nan,
        seed_spread=float(spread), seeds=tuple(int(seed) for seed in seeds), verdict=verdict, reason=reason, seed_verdict=seed_verdict,
        size_difference=relative_size,
    )


def with_resolution(claim: PairedClaim) -> PairedClaim:
    """``claim`` with its reason saying so where the paper's difference is no larger than our seed spread: a difference of that
    size is below what these seeds can resolve, whatever the verdict (unchanged where the spread or the paper's difference is
    unknown, or with fewer than two seeds)."""
    if len(claim.seeds) < 2 or np.isnan(claim.paper_difference) or np.isnan(claim.seed_spread) or claim.paper_difference > claim.seed_spread:
        return claim
    note = (f"the paper's difference ({claim.paper_difference:+.2f}) is within our seed spread ({claim.seed_spread:.2f}): "
            f"below what {len(claim.seeds)} seeds resolve")
    return replace(claim, reason="; ".join(part for part in (claim.reason, note) if part))
