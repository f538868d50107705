"""Training losses: a pixel loss, and UDVD's multistage loss (§3.4, Eq. 4).

Eq. 4 sums one loss per dynamic block, ``Loss = Σ_m F(I^m, I_HR)``, unweighted, with F the L2 loss of
§4.1 (read as the mean squared error, docs/decisions/udvd.md, U4). It is undefined for a stage that is not at HR
resolution (I^1 of UDVD_DU is LR-sized; I^1 of the ×4 UUDD reading is 2×LR). ``lower_stages`` names
the reading:

* ``"skip"`` (default, docs/decisions/udvd.md, U4): only the stages already at HR size enter the sum. For UDD at
  ×2/×3 every stage is HR-sized, so the choice does not arise for the paper's default models.
* ``"bicubic"``: a smaller stage is compared with the HR patch downsampled to its size by MATLAB bicubic.
"""

from __future__ import annotations

from typing import Literal

import torch

from dynsr.degradations.bicubic import matlab_bicubic_resize

__all__ = ["pixel_loss", "multistage_loss", "LowerStages"]

LowerStages = Literal["skip", "bicubic"]


def pixel_loss(name: Literal["l2", "l1"], sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
    """Mean squared (``l2``) or mean absolute (``l1``) error."""
    if name not in ("l2", "l1"):
        raise ValueError(f"unknown loss {name!r}; use 'l2' or 'l1'")
    if sr.shape != hr.shape:
        raise ValueError(f"output {tuple(sr.shape)} and target {tuple(hr.shape)} differ in shape")
    return torch.mean((sr - hr) ** 2) if name == "l2" else torch.mean(torch.abs(sr - hr))


def multistage_loss(stages: list[torch.Tensor], hr: torch.Tensor, *, name: Literal["l2", "l1"], lower_stages: LowerStages = "skip") -> torch.Tensor:
    """Eq. 4: the sum of ``pixel_loss`` over the stages I^1..I^M (see the module docstring for smaller stages)."""
    if lower_stages not in ("skip", "bicubic"):
        raise ValueError(f"unknown lower_stages {lower_stages!r}; use 'skip' or 'bicubic'")
    if not stages:
        raise ValueError("multistage_loss needs at least one stage")
    if stages[-1].shape != hr.shape:
        raise ValueError(f"the last stage {tuple(stages[-1].shape)} must be HR-sized like the target {tuple(hr.shape)}")
    total = hr.new_zeros(())
    for stage in stages:
        if stage.shape == hr.shape:
            total = total + pixel_loss(name, stage, hr)
        elif lower_stages == "bicubic":
            factor = stage.shape[-1] / hr.shape[-1]
            total = total + pixel_loss(name, stage, matlab_bicubic_resize(hr, factor).to(hr.dtype))
    return total
