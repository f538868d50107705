"""Bicubic interpolation as a model: MATLAB ``imresize(lr, s, 'bicubic')`` (the papers' "Bicubic" rows).

No parameters, no checkpoint. It runs in float64 (:func:`dynsr.degradations.bicubic.matlab_bicubic_resize`)
and returns the input's dtype; it is not differentiable and is never trained.
"""

from __future__ import annotations

import torch

from dynsr.degradations.bicubic import matlab_bicubic_resize
from dynsr.models.protocol import SuperResolver

__all__ = ["Bicubic"]


class Bicubic(SuperResolver):
    """``Bicubic(scale=s)(lr)`` (B, C, h, w) -> (B, C, s·h, s·w)."""

    # Upscaling reads the 4 nearest LR samples per axis (Keys' cubic has support ±2), so 2 LR pixels of context make tiles exact.
    receptive_radius = 2

    def __init__(self, *, scale: int) -> None:
        super().__init__()
        if scale < 1:
            raise ValueError(f"scale must be >= 1, got {scale}")
        self.scale = scale

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        return matlab_bicubic_resize(lr, float(self.scale)).to(lr.dtype)
