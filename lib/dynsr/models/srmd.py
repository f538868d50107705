"""SRMD and SRMDNF (Zhang, Zuo & Zhang, CVPR 2018): the non-blind baseline UDVD compares against.

SRMD (§3, Fig. 2 of the SRMD paper) super-resolves an LR image given its degradation: the blur
kernel's PCA code (t = 15 dimensions, :mod:`dynsr.degradations.pca`) and the noise level, stretched
into a degradation map of ``t + 1`` channels the size of the LR image and concatenated to it.
SRMDNF is the noise-free variant (``t`` channels, no noise channel).

Architecture (12 convolution layers, 128 channels, about 1.5 M parameters):
3x3 conv (3 + t [+ 1] -> 128) + ReLU, 10 x [3x3 conv (128 -> 128) + ReLU], 3x3 conv (128 -> 3 s²),
pixel shuffle. The MatConvNet original trains with batch normalisation and merges it into the
convolutions for testing; this module is the merged (test-time) form, which is also the layout of
KAIR's PyTorch SRMD (``models/network_srmd.py``, ``act_mode='R'``): the layers live in one
``nn.Sequential`` with convolutions at even indices 0, 2, ..., 22, so KAIR's state dict loads after
renaming ``model.`` to ``body.`` (:func:`load_kair_srmd_state_dict`).

Noise channel: σ / 255 for σ on the 0-255 scale (KAIR's convention).

``pca_basis`` names the kernel PCA basis the codes come from (:func:`dynsr.degradations.pca.load_pca_basis`):
it is part of what the weights were trained with, so it travels with them and the inference helpers
(:func:`dynsr.inference.model_pca_basis`) read it from the model. ``"kair_srmd"`` (15-d codes of 15×15
kernels) for SRMD and UDVD's comparisons; ``"ikc_dan"`` (10-d codes of 21×21 kernels) for DASR Table 1's
SRMDNF, IKC's setting.
"""

from __future__ import annotations

from typing import ClassVar

import torch
import torch.nn as nn

from dynsr.models.degradation_map import degradation_map, stretch_degradation_map
from dynsr.models.protocol import Conditioning, SuperResolver

__all__ = ["SRMD", "degradation_map", "load_kair_srmd_state_dict"]


class SRMD(SuperResolver):
    """SRMD (``noise_channel=True``) or SRMDNF (``noise_channel=False``).

    Args:
        scale: upscaling factor (2, 3 or 4).
        noise_channel: append the noise level to the degradation map (SRMD) or not (SRMDNF).
        pca_dim: kernel PCA dimensions t (15 in SRMD and UDVD; 10 in IKC's setting).
        pca_basis: the name of the basis of the codes (module docstring).
        channels: feature channels (128).
        num_layers: convolution layers in total (12).
    """

    conditioning: ClassVar[Conditioning] = "degradation_vector"  # see dynsr.models.protocol
    noise_scale: ClassVar[float] = 255.0  # the noise entry is σ / 255 (SRMD's convention)

    def __init__(self, *, scale: int, noise_channel: bool = True, pca_dim: int = 15, pca_basis: str = "kair_srmd", channels: int = 128,
                 num_layers: int = 12) -> None:
        super().__init__()
        if scale < 1 or num_layers < 2:
            raise ValueError(f"need scale >= 1 and num_layers >= 2; got scale={scale}, num_layers={num_layers}")
        self.scale = scale
        self.noise_channel = noise_channel
        self.pca_basis = pca_basis
        self.receptive_radius = num_layers  # LR pixels of context: one per 3x3 conv (exact tiling, dynsr.inference)
        self.map_channels = pca_dim + int(noise_channel)
        layers: list[nn.Module] = [nn.Conv2d(3 + self.map_channels, channels, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(num_layers - 2):
            layers += [nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU(inplace=True)]
        layers += [nn.Conv2d(channels, 3 * scale * scale, 3, padding=1), nn.PixelShuffle(scale)]
        self.body = nn.Sequential(*layers)

    def forward(self, lr: torch.Tensor, degradation: torch.Tensor) -> torch.Tensor:
        """``lr`` (B, 3, h, w) in [0, 1]; ``degradation`` (B, t[+1]) per image or (B, t[+1], h, w) per pixel."""
        return self.body(torch.cat([lr, stretch_degradation_map(lr, degradation, self.map_channels)], dim=1))  # (B, 3, s·h, s·w)


def load_kair_srmd_state_dict(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Map a KAIR ``network_srmd.SRMD`` state dict (keys ``model.<i>.weight``) onto :class:`SRMD`'s keys."""
    renamed = {}
    for key, value in state_dict.items():
        if not key.startswith("model."):
            raise KeyError(f"{key!r} is not a KAIR SRMD key (expected 'model.<index>.weight|bias'); is this an SRMD checkpoint?")
        renamed["body." + key[len("model.") :]] = value
    return renamed
