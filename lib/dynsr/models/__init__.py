"""Models: ``nn.Module`` only (losses and training live in the engine). A name -> constructor registry; every model satisfies
the protocol of :mod:`dynsr.models.protocol`, checked by :func:`build_model`; loaders of other projects' checkpoints are
registered beside their model (:data:`OFFICIAL_LOADERS`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import torch

from dynsr.models.arcsr import ArcSR
from dynsr.models.bicubic import Bicubic
from dynsr.models.dasr import CONCAT_MATCHED_CHANNELS, DASR
from dynsr.models.dasr_official import dasr_state_dict_from_official
from dynsr.models.dmsr import DMSR
from dynsr.models.gldfn import ABLATIONS as GLDFN_ABLATIONS, GLDFN
from dynsr.models.protocol import SuperResolver, check_model
from dynsr.models.srmd import SRMD, load_kair_srmd_state_dict
from dynsr.models.udvd import UDVD

__all__ = ["MODELS", "OFFICIAL_LOADERS", "build_model", "ArcSR", "Bicubic", "DASR", "DMSR", "GLDFN", "SRMD", "SuperResolver", "UDVD"]

MODELS: dict[str, Callable[..., SuperResolver]] = {
    "arcsr": ArcSR,  # ArcSR (full); Table 1 variants below (docs/decisions/arcsr.md, A10)
    "arcsr_baseline": partial(ArcSR, dmconv=False, kgconv=False),  # Baseline: 3x3 convs for DMconv, concatenation for KGconv
    "arcsr_no_dmconv": partial(ArcSR, dmconv=False),  # ArcSR (w/o DMconv)
    "arcsr_no_kgconv": partial(ArcSR, kgconv=False),  # ArcSR (w/o KGconv)
    "bicubic": Bicubic,
    "dasr": DASR,  # DASR Table 1 Model 4 (and Model 1, which differs only in training)
    "dasr_no_modulation": partial(DASR, modulation_branch=False),  # Model 3
    "dasr_concat": partial(DASR, fusion="concat", channels=CONCAT_MATCHED_CHANNELS),  # Model 2, size-matched
    "dasr_oracle": partial(DASR, degradation_input="true_kernel"),  # Model 5 (non-blind: the true kernel)
    "dmsr": DMSR,  # DMSR (and DMSR-nf, the same network fine-tuned noise-free); ablations are switches (docs/decisions/dmsr.md)
    "gldfn": GLDFN,  # GLDFN = Table I Exp. D; A/B/C: dynamic layers replaced by 3x3 convs, size-matched (docs/decisions/gldfn.md, G10)
    "gldfn_a": partial(GLDFN, **GLDFN_ABLATIONS["A"]),  # Exp. A: convs only
    "gldfn_b": partial(GLDFN, **GLDFN_ABLATIONS["B"]),  # Exp. B: global dynamic filters only
    "gldfn_c": partial(GLDFN, **GLDFN_ABLATIONS["C"]),  # Exp. C: local dynamic filters only
    "srmd": partial(SRMD, noise_channel=True),
    "srmdnf": partial(SRMD, noise_channel=False),
    "udvd": UDVD,
}

OFFICIAL_LOADERS: dict[str, Callable[[dict[str, torch.Tensor]], dict[str, torch.Tensor]]] = {
    "dasr": dasr_state_dict_from_official,  # LongguangWang/DASR model_600.pt
    "srmd": load_kair_srmd_state_dict,  # KAIR srmd_x*.pth
    "srmdnf": load_kair_srmd_state_dict,
}
"""Per model name: a function mapping another project's plain state dict to the model's (`dynsr.inference.load_model`)."""


def build_model(name: str, **kwargs) -> SuperResolver:
    """Construct a registered model by name with keyword arguments (e.g. ``scale=4``), checked against the protocol."""
    if name not in MODELS:
        raise KeyError(f"unknown model {name!r}; available: {', '.join(sorted(MODELS))}")
    return check_model(MODELS[name](**kwargs), name)
