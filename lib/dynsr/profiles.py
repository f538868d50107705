"""Run profiles (``smoke`` / ``cpu`` / ``paper``) and strict validation of notebook parameters.

* ``smoke``: seconds; tests and nbval. Numbers are meaningless beyond "the code runs".
* ``cpu``: the committed results, on 2 CPU cores. Training-free evaluations use every image.
* ``paper``: the published recipe, for GPUs.

Notebook parameters are validated by :mod:`dynsr.notebook`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

__all__ = ["Profile", "PROFILES", "get_profile", "ParameterError"]


@dataclass(frozen=True, kw_only=True)
class Profile:
    """What a profile changes in training-free evaluations (training fields live with each trainer).

    Attributes:
        name: ``smoke``, ``cpu`` or ``paper``.
        benchmark_image_limit: images used per benchmark set (None = all).
    """

    name: str
    benchmark_image_limit: int | None

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Profile:
        """Build from a dictionary, rejecting unknown keys."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ParameterError(f"unknown Profile keys {unknown}; known: {sorted(known)}")
        return cls(**values)


PROFILES: dict[str, Profile] = {
    "smoke": Profile(name="smoke", benchmark_image_limit=2),
    "cpu": Profile(name="cpu", benchmark_image_limit=None),
    "paper": Profile(name="paper", benchmark_image_limit=None),
}


class ParameterError(ValueError):
    """A notebook or CLI parameter that does not exist or has the wrong type."""


def get_profile(name: str) -> Profile:
    """The named profile; raises :class:`ParameterError` listing the valid names."""
    if name not in PROFILES:
        raise ParameterError(f"unknown profile {name!r}; choose one of {list(PROFILES)}")
    return PROFILES[name]
