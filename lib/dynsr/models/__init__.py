"""Models: ``nn.Module`` only (losses and training live in the engine). A plain name -> constructor registry."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import torch.nn as nn

from dynsr.models.bicubic import Bicubic
from dynsr.models.dasr import CONCAT_MATCHED_CHANNELS, DASR
from dynsr.models.srmd import SRMD
from dynsr.models.udvd import UDVD

__all__ = ["MODELS", "build_model", "Bicubic", "DASR", "SRMD", "UDVD"]

MODELS: dict[str, Callable[..., nn.Module]] = {
    "bicubic": Bicubic,
    "dasr": DASR,  # DASR Table 1 Model 4 (and Model 1, which differs only in training)
    "dasr_no_modulation": partial(DASR, modulation_branch=False),  # Model 3
    "dasr_concat": partial(DASR, fusion="concat", channels=CONCAT_MATCHED_CHANNELS),  # Model 2, size-matched
    "dasr_oracle": partial(DASR, degradation_input="true_kernel"),  # Model 5 (non-blind: the true kernel)
    "srmd": partial(SRMD, noise_channel=True),
    "srmdnf": partial(SRMD, noise_channel=False),
    "udvd": UDVD,
}


def build_model(name: str, **kwargs) -> nn.Module:
    """Construct a registered model by name with keyword arguments (e.g. ``scale=4``)."""
    if name not in MODELS:
        raise KeyError(f"unknown model {name!r}; available: {', '.join(sorted(MODELS))}")
    return MODELS[name](**kwargs)
