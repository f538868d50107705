"""Models: ``nn.Module`` only (losses and training live in the engine). A plain name -> constructor registry."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import torch.nn as nn

from dynsr.models.bicubic import Bicubic
from dynsr.models.srmd import SRMD
from dynsr.models.udvd import UDVD

__all__ = ["MODELS", "build_model", "Bicubic", "SRMD", "UDVD"]

MODELS: dict[str, Callable[..., nn.Module]] = {
    "bicubic": Bicubic,
    "srmd": partial(SRMD, noise_channel=True),
    "srmdnf": partial(SRMD, noise_channel=False),
    "udvd": UDVD,
}


def build_model(name: str, **kwargs) -> nn.Module:
    """Construct a registered model by name with keyword arguments (e.g. ``scale=4``)."""
    if name not in MODELS:
        raise KeyError(f"unknown model {name!r}; available: {', '.join(sorted(MODELS))}")
    return MODELS[name](**kwargs)
