"""Run profiles (``smoke`` / ``cpu`` / ``paper``) and strict validation of notebook parameters.

* ``smoke``: seconds; tests and nbval. Numbers are meaningless beyond "the code runs".
* ``cpu``: the committed results, on 2 CPU cores. Training-free evaluations use every image.
* ``paper``: the published recipe, for GPUs.

Notebook parameters are validated by :mod:`dynsr.notebook`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dynsr.config import ConfigError, config_from_dict

__all__ = ["Profile", "PROFILES", "get_profile", "ParameterError"]


@dataclass(frozen=True, kw_only=True)
class Profile:
    """What a profile changes in training-free evaluations (training fields live with each trainer).

    Attributes:
        name: ``smoke``, ``cpu`` or ``paper``.
        benchmark_image_limit: images used per benchmark set (None = all).
        benchmark_crop: evaluate models on the central ``crop``² part of each HR image (None = whole
            images; ``smoke`` only, so that notebooks that run networks finish in seconds).
        network_image_limit: images per set when a *trained network* is scored on a paper's tables
            (None = all). ``cpu`` scores the first 20 of BSD100 / Urban100 (Set5, Set14 whole): a
            full-size UDVD takes 1-2 s per BSD100 image on 2 cores, and the UDVD tables alone hold
            ≈ 7,000 image evaluations. Every results row carries ``n_images``.
    """

    name: str
    benchmark_image_limit: int | None
    benchmark_crop: int | None = None
    network_image_limit: int | None = None

    @property
    def network_limit(self) -> int | None:
        """Images per set for trained networks: the tighter of the two limits."""
        limits = [limit for limit in (self.benchmark_image_limit, self.network_image_limit) if limit is not None]
        return min(limits) if limits else None

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Profile:
        """Build from a dictionary, rejecting unknown keys."""
        return config_from_dict(cls, values)


PROFILES: dict[str, Profile] = {
    "smoke": Profile(name="smoke", benchmark_image_limit=2, benchmark_crop=96),
    "cpu": Profile(name="cpu", benchmark_image_limit=None, network_image_limit=20),
    "paper": Profile(name="paper", benchmark_image_limit=None),
}


class ParameterError(ConfigError):
    """A notebook or CLI parameter that does not exist or has the wrong type."""


def get_profile(name: str) -> Profile:
    """The named profile; raises :class:`ParameterError` listing the valid names."""
    if name not in PROFILES:
        raise ParameterError(f"unknown profile {name!r}; choose one of {list(PROFILES)}")
    return PROFILES[name]
