"""Running a model: what it is given (blind, or the degradation map of a non-blind model), tiled, on any device.

A model's ``conditioning`` class attribute says what it needs besides the LR image:

* ``"blind"`` (default): ``model(lr)``;
* ``"degradation_vector"`` (SRMD, SRMDNF, UDVD): ``model(lr, d)`` with ``d`` = the blur kernel's PCA
  code (t = 15) and, if ``model.noise_channel``, the noise level / 255, per image (B, t[+1]) or per
  pixel (B, t[+1], h, w) (:func:`dynsr.models.degradation_map.degradation_map`).

A blind model whose output depends on a summary of the whole image (DASR's degradation representation,
a global average pool) defines ``image_condition(lr) -> dict`` of keyword arguments of its forward:
:func:`super_resolve` computes it once on the whole image and passes it to every tile, so tiling stays exact.
Models given the true kernel (DASR's oracle Model 5, ``"true_kernel"``) get the setting's kernel from :func:`model_upscaler`.

:func:`model_upscaler` turns a model into the ``upscale(lr, setting)`` callable of :mod:`dynsr.evaluate`,
reading the kernel and noise level of each test setting (non-blind models are given the true degradation,
as SRMD and UDVD are evaluated in their papers).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from dynsr.checkpoints import CheckpointError, ForeignCheckpointError, load_weights, read_torch_file, stored_model
from dynsr.degradations.kernels import delta_kernel, isotropic_gaussian_kernel
from dynsr.degradations.pca import kernel_pca_code, load_pca_basis
from dynsr.degradations.spatial import SpatiallyVaryingDegradation, degradation_maps
from dynsr.degradations.testsets import TestSetting
from dynsr.models import MODELS, build_model
from dynsr.models.dasr_official import dasr_state_dict_from_official
from dynsr.models.degradation_map import degradation_map
from dynsr.models.srmd import load_kair_srmd_state_dict
from dynsr.tiling import tiled_upscale

__all__ = ["OFFICIAL_LOADERS", "load_model", "degradation_vector", "conditioning_of", "forward_model", "model_pca_basis", "setting_kernel_code", "setting_pixel_degradation", "receptive_radius", "super_resolve", "model_upscaler"]


# Loaders of other projects' state dicts (plain ``{name: tensor}`` files), per model name.
OFFICIAL_LOADERS: dict[str, Callable[[dict[str, torch.Tensor]], dict[str, torch.Tensor]]] = {
    "dasr": dasr_state_dict_from_official,  # LongguangWang/DASR model_600.pt
    "srmd": load_kair_srmd_state_dict,
    "srmdnf": load_kair_srmd_state_dict,
}


def load_model(name: str, scale: int, checkpoint: str | Path | None) -> nn.Module:
    """``name`` at ``scale`` with the weights of ``checkpoint``, in eval mode.

    ``checkpoint`` is a dynsr weights file or training checkpoint (its model and scale must match), or
    a plain state dict in the official layout of a model that has a loader in :data:`OFFICIAL_LOADERS`
    (e.g. KAIR's ``srmd_x4.pth``). Parameter-free models (``bicubic``) take ``None``.
    """
    if name not in MODELS:
        raise KeyError(f"unknown model {name!r}; available: {', '.join(sorted(MODELS))}")
    if checkpoint is None:
        model = build_model(name, scale=scale)
        if any(True for _ in model.parameters()):
            raise ValueError(f"{name} has parameters: give it a checkpoint")
        return model.eval()
    try:
        model, payload = load_weights(checkpoint)
    except ForeignCheckpointError:
        if name not in OFFICIAL_LOADERS:
            raise
        state = read_torch_file(checkpoint)
        model = build_model(name, scale=scale)
        try:
            if not isinstance(state, dict):
                raise KeyError(f"it holds a {type(state).__name__}, not a state dict")
            model.load_state_dict(OFFICIAL_LOADERS[name](state))
        except (KeyError, RuntimeError) as mismatch:
            detail = mismatch.args[0] if isinstance(mismatch, KeyError) else " ".join(line.strip() for line in str(mismatch).splitlines()[:2])
            raise CheckpointError(f"{checkpoint} is neither a dynsr checkpoint nor an official {name} x{scale} state dict: {detail}") from None
        return model.eval()
    stored = stored_model(payload)[0]
    if stored != name or model.scale != scale:
        raise CheckpointError(f"{checkpoint} holds {stored} x{model.scale}, not {name} x{scale}; pass the matching --model/--scale or another checkpoint")
    return model


def conditioning_of(model: nn.Module) -> str:
    """``"blind"`` or ``"degradation_vector"`` (see the module docstring); looks through DDP wrappers."""
    return getattr(getattr(model, "module", model), "conditioning", "blind")


def forward_model(
    model: nn.Module, lr: torch.Tensor, *, kernel_code: torch.Tensor | None = None, noise: torch.Tensor | None = None, return_stages: bool = False
) -> torch.Tensor | list[torch.Tensor]:
    """One forward pass on a batch ``lr`` (B, 3, h, w); ``kernel_code`` (B, t) and ``noise`` (B,) for non-blind models.

    ``return_stages`` (models with intermediate outputs, e.g. UDVD) returns every stage, for a multistage loss.
    """
    extra = {"return_stages": True} if return_stages else {}
    if conditioning_of(model) == "blind":
        return model(lr, **extra)
    return model(lr, degradation_vector(model, kernel_code, noise), **extra)


def degradation_vector(model: nn.Module, kernel_code: torch.Tensor | None, noise: torch.Tensor | None) -> torch.Tensor:
    """The (B, t[+1]) input vector of a ``"degradation_vector"`` model: PCA codes (B, t) ⊕ noise (B,) / 255 if it has a noise channel."""
    module = getattr(model, "module", model)
    if conditioning_of(model) != "degradation_vector":
        raise ValueError(f"{type(module).__name__} has conditioning {conditioning_of(model)!r}; it takes no degradation vector")
    if kernel_code is None or noise is None:
        raise ValueError(f"{type(module).__name__} is non-blind: give it the kernel's PCA code and the noise level")
    return degradation_map(kernel_code, noise if module.noise_channel else None, noise_scale=getattr(module, "noise_scale", 255.0))


def model_pca_basis(model: nn.Module) -> str:
    """The kernel PCA basis a ``"degradation_vector"`` model was trained with (its ``pca_basis``; ``"kair_srmd"`` if it names none)."""
    return getattr(getattr(model, "module", model), "pca_basis", "kair_srmd")


def setting_kernel_code(setting: TestSetting, basis: np.ndarray) -> np.ndarray:
    """The PCA code of a test setting's (spatially uniform) blur kernel; no blur = the delta kernel."""
    degradation = setting.degradation
    if not hasattr(degradation, "kernel"):
        raise ValueError(f"{setting.label}: spatially varying degradations need a per-pixel map (UDVD Table 3), not one code")
    side = int(round(np.sqrt(basis.shape[1])))
    kernel = delta_kernel(side) if degradation.kernel is None else degradation.kernel.build()
    return kernel_pca_code(kernel, basis)


def setting_pixel_degradation(setting: TestSetting, basis: np.ndarray, lr_height: int, lr_width: int) -> tuple[np.ndarray, np.ndarray]:
    """The true per-pixel degradation of a spatially varying setting's LR image (h, w): PCA codes (t, h, w) and noise levels (h, w).

    UDVD Table 3 and SRMD's spatially variant mode: each LR pixel carries the code of its own
    Gaussian kernel (:func:`dynsr.degradations.spatial.degradation_maps`).
    """
    degradation = setting.degradation
    if not isinstance(degradation, SpatiallyVaryingDegradation):
        raise ValueError(f"{setting.label}: a spatially uniform setting has one code; use setting_kernel_code")
    widths, noise = degradation_maps(degradation, lr_height, lr_width)
    distinct, inverse = np.unique(widths, return_inverse=True)
    codes = np.stack([kernel_pca_code(isotropic_gaussian_kernel(degradation.kernel_size, w), basis) for w in distinct], axis=1)  # (t, n)
    return codes[:, inverse.reshape(-1)].reshape(-1, lr_height, lr_width), noise  # (t, h, w), (h, w)


def receptive_radius(model: nn.Module) -> int:
    """LR pixels of context a model's output pixel depends on (``model.receptive_radius``; 16 if it does not say)."""
    return int(getattr(getattr(model, "module", model), "receptive_radius", 16))


def super_resolve(
    model: nn.Module,
    lr: np.ndarray,
    *,
    kernel_code: np.ndarray | None = None,
    noise: float | np.ndarray | None = None,
    tile: int = 128,
    overlap: int | None = None,
    device: torch.device | str = "cpu",
) -> np.ndarray:
    """Super-resolve one float image ``lr`` (h, w, 3) in [0, 1]; returns float (s·h, s·w, 3), not clipped.

    Non-blind models take ``kernel_code`` (t,) and ``noise`` (a level on the 0-255 scale), or per-pixel
    ``kernel_code`` (t, h, w) and ``noise`` (h, w) for spatially varying degradations.
    Tiled (:func:`dynsr.tiling.tiled_upscale`): memory is bounded by ``(tile + 2·overlap)²`` LR pixels;
    ``overlap`` defaults to the model's receptive radius, so tiling does not change the output.
    """
    module = getattr(model, "module", model)
    scale = module.scale
    overlap = receptive_radius(model) if overlap is None else overlap
    x = torch.from_numpy(np.ascontiguousarray(lr.transpose(2, 0, 1), dtype=np.float32))[None].to(device)  # (1, 3, h, w)
    height, width = x.shape[-2:]
    with torch.no_grad():
        if conditioning_of(model) == "blind":
            whole_image = getattr(module, "image_condition", None)
            condition = {} if whole_image is None else whole_image(x)  # e.g. DASR's representation of the whole LR image
            out = tiled_upscale(lambda crop: model(crop, **condition), x, scale=scale, tile=tile, overlap=overlap)
        else:
            code = None if kernel_code is None else torch.from_numpy(np.array(kernel_code, dtype=np.float32))
            level = None if noise is None else torch.from_numpy(np.array(noise, dtype=np.float32))
            if code is not None and code.dim() == 1:
                code = code[:, None, None].expand(-1, height, width)  # (t, h, w)
            if level is not None and level.dim() == 0:
                level = level.expand(height, width)  # (h, w)
            if code is not None and code.shape[-2:] != (height, width) or level is not None and level.shape != (height, width):
                raise ValueError(f"per-pixel kernel codes and noise levels must match the LR size {height}x{width}")
            spatial = degradation_vector(model, None if code is None else code[None], None if level is None else level[None])  # (1, t[+1], h, w)
            out = tiled_upscale(model, x, spatial.to(device), scale=scale, tile=tile, overlap=overlap)
    return out[0].permute(1, 2, 0).double().cpu().numpy()  # (s·h, s·w, 3)


def model_upscaler(
    model: nn.Module, *, pca_basis: str | None = None, tile: int = 256, overlap: int | None = None, device: str = "cpu"
) -> Callable[[np.ndarray, TestSetting], np.ndarray]:
    """An ``upscale(lr, setting)`` for :func:`dynsr.evaluate.evaluate`; non-blind models get the setting's true degradation
    (per pixel for spatially varying settings) as codes in ``pca_basis`` (default: the model's own, :func:`model_pca_basis`)."""
    model = model.to(device).eval()
    if conditioning_of(model) == "true_kernel":
        return _true_kernel_upscaler(model, tile=tile, device=device)
    blind = conditioning_of(model) == "blind"
    basis = None if blind else load_pca_basis(pca_basis or model_pca_basis(model))

    def upscale(lr: np.ndarray, setting: TestSetting) -> np.ndarray:
        if blind:
            return super_resolve(model, lr, tile=tile, overlap=overlap, device=device)
        if isinstance(setting.degradation, SpatiallyVaryingDegradation):
            code, noise = setting_pixel_degradation(setting, basis, *lr.shape[:2])
        else:
            code, noise = setting_kernel_code(setting, basis), setting.degradation.noise
        return super_resolve(model, lr, kernel_code=code, noise=noise, tile=tile, overlap=overlap, device=device)

    return upscale


def _true_kernel_upscaler(model: nn.Module, *, tile: int, device: str) -> Callable[[np.ndarray, TestSetting], np.ndarray]:
    """``upscale(lr, setting)`` for a model given the true blur kernel (DASR Table 1 Model 5, ``conditioning="true_kernel"``):
    the setting's kernel (no blur = a delta) gives the representation once per image; the SR network runs tiled (exact)."""
    size = model.kernel_encoder.kernel_size

    def upscale(lr: np.ndarray, setting: TestSetting) -> np.ndarray:
        if isinstance(setting.degradation, SpatiallyVaryingDegradation):
            raise ValueError(f"{type(model).__name__} with the true kernel takes one kernel per image; {setting.label} varies over the image")
        kernel = setting.degradation.kernel.build() if setting.degradation.kernel is not None else delta_kernel(size)
        x = torch.from_numpy(np.ascontiguousarray(lr.transpose(2, 0, 1), dtype=np.float32))[None].to(device)  # (1, 3, h, w)
        with torch.no_grad():
            representation = model.degradation_representation(x, torch.from_numpy(kernel.astype(np.float32))[None].to(device))
            out = tiled_upscale(lambda crop: model(crop, representation=representation), x, scale=model.scale, tile=tile, overlap=receptive_radius(model))
        return out[0].permute(1, 2, 0).double().cpu().numpy()  # (s·h, s·w, 3)

    return upscale
