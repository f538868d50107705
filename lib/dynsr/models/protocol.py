"""The model protocol: what every registered super-resolver declares, checked when it is built.

Inference, tiling, evaluation and the results tables read these attributes directly; none has a default a
model could silently fall back on (a missing ``receptive_radius`` would tile with a guessed overlap and
leave seams; a missing PCA basis would feed codes of another basis).

Every model is a :class:`SuperResolver` (an ``nn.Module``) whose instances have:

* ``scale`` (int ≥ 1): the magnification;
* ``conditioning``: what it needs besides the LR image: ``"blind"`` (``model(lr)``),
  ``"degradation_vector"`` (``model(lr, d)``, the blur kernel's PCA code and noise level: SRMD, UDVD) or
  ``"true_kernel"`` (``model(lr, kernel)``: DASR's oracle Model 5) — see `dynsr.inference`;
* ``receptive_radius`` (int ≥ 0): the LR pixels of context an output pixel depends on (tiled inference's
  overlap; exact tiling);
* ``tile_multiple`` (int ≥ 1, default 1): tiles and their overlap must be multiples of it for tiling to be exact (a
  network that downsamples internally, ArcSR's U-net: 2); the receptive radius is one;
* ``image_condition(lr)``: keyword arguments of ``forward`` computed once on the whole image (DASR's
  degradation representation; ``{}`` for models without one);
* ``paper_parameter_count()``: the parameter count as the model's paper counts it (DASR leaves its
  training-only projection head out); the tables' ``parameters`` column.

``"degradation_vector"`` models also declare ``noise_channel`` (bool: the map carries the noise level),
``noise_scale`` (the level is divided by it: 255 for SRMD and UDVD) and ``pca_basis`` (the name of the basis
their codes come from, `dynsr.degradations.pca.load_pca_basis`).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import torch
import torch.nn as nn

__all__ = ["CONDITIONINGS", "Conditioning", "ModelProtocolError", "SuperResolver", "check_model"]

Conditioning = Literal["blind", "degradation_vector", "true_kernel"]
CONDITIONINGS: tuple[Conditioning, ...] = ("blind", "degradation_vector", "true_kernel")


class ModelProtocolError(TypeError):
    """A registered model does not declare what the protocol asks (the message names the attribute)."""


class SuperResolver(nn.Module):
    """Base class of every dynsr model (module docstring); subclasses set ``scale`` and ``receptive_radius`` in ``__init__``."""

    conditioning: ClassVar[Conditioning] = "blind"
    tile_multiple: int = 1
    scale: int
    receptive_radius: int

    def image_condition(self, lr: torch.Tensor) -> dict[str, Any]:
        """Keyword arguments of ``forward`` computed once on the whole LR image (none by default), for its tiles: ``forward(lr,
        **image_condition(lr))`` must equal ``forward(lr)``, so that an image of one tile is run without them (`dynsr.inference`)."""
        return {}

    def paper_parameter_count(self) -> int:
        """Parameters as the model's paper counts them (by default: every parameter)."""
        return sum(parameter.numel() for parameter in self.parameters())


def _require(model: nn.Module, name: str, attribute: str, kind: type | tuple[type, ...], condition: bool = True, meaning: str = "") -> Any:
    value = getattr(model, attribute, None)
    if isinstance(value, bool) and kind is not bool:  # True is an int: not a scale or a radius
        value = None
    if not isinstance(value, kind) or not condition:
        raise ModelProtocolError(f"model {name!r} ({type(model).__name__}) must set {attribute}{meaning}; it has {value!r}")
    return value


def check_model(model: nn.Module, name: str) -> nn.Module:
    """``model`` if it satisfies the protocol, else a :class:`ModelProtocolError` naming what is missing."""
    if not isinstance(model, SuperResolver):
        raise ModelProtocolError(f"model {name!r} ({type(model).__name__}) must be a dynsr.models.protocol.SuperResolver")
    scale = _require(model, name, "scale", int)
    _require(model, name, "scale", int, scale >= 1, " (an int >= 1)")
    radius = _require(model, name, "receptive_radius", int, meaning=" (an int >= 0: the LR pixels of context of an output pixel)")
    _require(model, name, "receptive_radius", int, radius >= 0, " (an int >= 0)")
    multiple = _require(model, name, "tile_multiple", int, meaning=" (an int >= 1)")
    _require(model, name, "tile_multiple", int, multiple >= 1 and radius % multiple == 0, " (an int >= 1 dividing receptive_radius)")
    if model.conditioning not in CONDITIONINGS:
        raise ModelProtocolError(f"model {name!r} has conditioning {model.conditioning!r}; expected one of {', '.join(CONDITIONINGS)}")
    if model.conditioning == "degradation_vector":
        _require(model, name, "noise_channel", bool)
        noise_scale = _require(model, name, "noise_scale", (int, float), meaning=" (the noise level is divided by it)")
        _require(model, name, "noise_scale", (int, float), noise_scale > 0, " (> 0)")
        _require(model, name, "pca_basis", str, meaning=" (the name of its kernel PCA basis)")
    return model
