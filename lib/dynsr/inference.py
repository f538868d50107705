"""Running a model: what it is given (blind, or the degradation map of a non-blind model), tiled, on any device.

A model's ``conditioning`` (the model protocol, :mod:`dynsr.models.protocol`) says what it needs besides the LR image:

* ``"blind"``: ``model(lr)``;
* ``"degradation_vector"`` (SRMD, SRMDNF, UDVD): ``model(lr, d)`` with ``d`` = the blur kernel's PCA
  code (t = 15) and, if ``model.noise_channel``, the noise level / 255, per image (B, t[+1]) or per
  pixel (B, t[+1], h, w) (:func:`dynsr.models.degradation_map.degradation_map`).

A blind model whose output depends on a summary of the whole image (DASR's degradation representation,
a global average pool) returns from ``image_condition(lr)`` the keyword arguments of its forward:
:func:`super_resolve` computes it once on the whole image and passes it to every tile, so tiling stays exact.
Models given the true kernel (DASR's oracle Model 5, ``"true_kernel"``) take ``super_resolve(..., kernel=k)``;
:func:`model_upscaler` gives them the setting's kernel.

:func:`super_resolve` runs tile by tile (:mod:`dynsr.tiling`) with the model's ``receptive_radius`` as overlap (exact;
a model without one is refused) and a tile chosen per model (the overlap costs at most 25 % extra work; a pass holds at
most 2 GiB of tensors). Nothing the size of the image is made in float: tiles are converted from the 8-bit input,
degradation maps are cut per tile, and an 8-bit input gives an 8-bit output assembled tile by tile. Only a whole-image
condition (DASR's encoder) sees the whole image in float.

:func:`model_upscaler` turns a model into the ``upscale(lr, setting)`` callable of :mod:`dynsr.evaluate`,
reading the kernel and noise level of each test setting (non-blind models are given the true degradation,
as SRMD and UDVD are evaluated in their papers).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn as nn

from dynsr.checkpoints import CheckpointError, ForeignCheckpointError, load_weights, read_torch_file, stored_model
from dynsr.degradations.kernels import delta_kernel
from dynsr.degradations.pca import kernel_pca_code, load_pca_basis, pixel_kernel_codes
from dynsr.devices import evaluation_device, full_float32
from dynsr.degradations.spatial import SpatiallyVaryingDegradation, degradation_maps
from dynsr.degradations.testsets import TestSetting
from dynsr.metrics import to_uint8
from dynsr.models import MODELS, OFFICIAL_LOADERS, build_model
from dynsr.models.degradation_map import degradation_map
from dynsr.tiling import choose_tile, pass_memory, tiled_blocks

__all__ = ["load_model", "degradation_vector", "conditioning_of", "forward_model", "model_pca_basis", "setting_kernel_code", "setting_pixel_degradation", "receptive_radius", "super_resolve", "default_tile", "model_upscaler"]


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
    """``"blind"``, ``"degradation_vector"`` or ``"true_kernel"`` (`dynsr.models.protocol`); looks through DDP wrappers."""
    return getattr(model, "module", model).conditioning


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
    return degradation_map(kernel_code, noise if module.noise_channel else None, noise_scale=module.noise_scale)


def model_pca_basis(model: nn.Module) -> str:
    """The kernel PCA basis a ``"degradation_vector"`` model was trained with (its ``pca_basis``, `dynsr.models.protocol`)."""
    return getattr(model, "module", model).pca_basis


def setting_kernel_code(setting: TestSetting, basis: np.ndarray) -> np.ndarray:
    """The PCA code of a test setting's (spatially uniform) blur kernel; no blur = the delta kernel."""
    degradation = setting.degradation
    if not hasattr(degradation, "kernel"):
        raise ValueError(f"{setting.label}: spatially varying degradations (per-pixel maps, UDVD Table 3) and per-image kernels have no one code")
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
    return pixel_kernel_codes(widths, degradation.kernel_size, basis), noise  # (t, h, w), (h, w)


def receptive_radius(model: nn.Module) -> int:
    """LR pixels of context an output pixel depends on: the model's ``receptive_radius``, the tiles' overlap that makes tiling exact.

    Every registered model declares it (`dynsr.models.protocol`); a model built otherwise is checked here, since a guessed
    overlap would leave seams."""
    module = getattr(model, "module", model)
    if not isinstance(getattr(module, "receptive_radius", None), int):
        raise ValueError(
            f"{type(module).__name__} has no receptive_radius (the LR pixels of context an output pixel depends on), so tiled inference "
            f"cannot choose a seamless overlap: set it on the model, or pass overlap"
        )
    return module.receptive_radius


def super_resolve(
    model: nn.Module,
    lr: np.ndarray,
    *,
    kernel_code: np.ndarray | None = None,
    noise: float | np.ndarray | None = None,
    kernel: np.ndarray | None = None,
    tile: int | None = None,
    overlap: int | None = None,
    device: torch.device | str = "cpu",
    progress: bool = False,
    description: str | None = None,
) -> np.ndarray:
    """Super-resolve one image ``lr`` (h, w, 3), tile by tile: uint8 in, uint8 out (rounded and clipped, :func:`dynsr.metrics.to_uint8`
    of each tile); float in [0, 1] in, float64 out (not clipped). The output is (s·h, s·w, 3).

    Non-blind models take ``kernel_code`` (t,) and ``noise`` (a level on the 0-255 scale), or per-pixel
    ``kernel_code`` (t, h, w) and ``noise`` (h, w) for spatially varying degradations; DASR's oracle (``"true_kernel"``)
    takes the blur ``kernel`` (k, k).
    Tiled (:func:`dynsr.tiling.tiled_blocks`): memory is one ``(tile + 2·overlap)²`` pass plus the output (and, for DASR, its
    representation of the whole image); ``overlap`` defaults to the model's receptive radius, so tiling does not change the
    output; ``tile`` and ``overlap`` are rounded up to the model's ``tile_multiple``; ``tile`` defaults to :func:`dynsr.tiling.choose_tile` (the overlap costs at most 25 % extra work, a pass holds at most
    2 GiB of tensors). ``progress`` shows a bar over the tiles labelled ``description``.
    """
    overlap = _aligned(model, receptive_radius(model) if overlap is None else overlap)
    with torch.no_grad():
        forward, inputs = _tile_forward(model, lr, kernel_code=kernel_code, noise=noise, kernel=kernel, device=device)
        tile = _aligned(model, _default_tile(model, forward, inputs, overlap=overlap, device=device) if tile is None else tile)
        scale = getattr(model, "module", model).scale
        blocks = tiled_blocks(forward, *inputs, scale=scale, tile=tile, overlap=overlap, progress=progress, description=description)
        out = np.empty((scale * lr.shape[0], scale * lr.shape[1], 3), dtype=np.uint8 if lr.dtype == np.uint8 else np.float64)
        for window, block in blocks:
            pixels = block[0].permute(1, 2, 0).cpu().numpy()  # (s·th, s·tw, 3)
            out[window.output_slices(scale)] = to_uint8(pixels) if out.dtype == np.uint8 else pixels
    return out


def _aligned(model: nn.Module, pixels: int) -> int:
    """``pixels`` rounded up to the model's ``tile_multiple`` (`dynsr.models.protocol`), so that every tile starts on its grid."""
    multiple = getattr(getattr(model, "module", model), "tile_multiple", 1)
    return -(-pixels // multiple) * multiple


def default_tile(
    model: nn.Module, lr: np.ndarray, *, kernel_code: np.ndarray | None = None, noise: float | np.ndarray | None = None,
    kernel: np.ndarray | None = None, overlap: int | None = None, device: torch.device | str = "cpu",
) -> int:
    """The tile :func:`super_resolve` chooses by default for ``model`` (same arguments; :func:`dynsr.tiling.choose_tile`).
    It depends on the model and the kind of input, not on the image's size."""
    with torch.no_grad():
        forward, inputs = _tile_forward(model, lr, kernel_code=kernel_code, noise=noise, kernel=kernel, device=device)
        return _aligned(model, _default_tile(model, forward, inputs, overlap=_aligned(model, receptive_radius(model) if overlap is None else overlap),
                                             device=device))


_PASS_MEMORY: weakref.WeakKeyDictionary[nn.Module, dict[tuple, tuple[float, float]]] = weakref.WeakKeyDictionary()
"""Per model: :func:`dynsr.tiling.pass_memory` per kind of input (device, and each input's dtype and non-spatial shape)."""


def _default_tile(model: nn.Module, forward: Callable[..., torch.Tensor], inputs: tuple[Any, ...], *, overlap: int, device: torch.device | str) -> int:
    """:func:`dynsr.tiling.choose_tile`, its two probe passes run once per model and kind of input: a pass's memory does not
    depend on the image (the probes cost as much as scoring a 48² LR crop, so a table of small images would pay for them twice)."""
    key = (str(device), tuple((array.dtype, tuple(array.shape[:-2])) for array in inputs))
    measured = _PASS_MEMORY.setdefault(model, {})
    if key not in measured:
        measured[key] = pass_memory(forward, *inputs)
    return choose_tile(forward, *inputs, overlap=overlap, memory=measured[key])


def _lr_tensor(crop: np.ndarray, device: torch.device | str) -> torch.Tensor:
    """An LR crop (3, h, w), uint8 or float in [0, 1], as a float32 batch (1, 3, h, w) on ``device``."""
    pixels = np.ascontiguousarray(crop, dtype=np.float32)
    if crop.dtype == np.uint8:
        pixels /= 255  # equals float64 division rounded to float32 for all 256 levels
    return torch.from_numpy(pixels)[None].to(device)  # (1, 3, h, w)


def _tile_forward(
    model: nn.Module, lr: np.ndarray, *, kernel_code: np.ndarray | None, noise: float | np.ndarray | None, kernel: np.ndarray | None,
    device: torch.device | str,
) -> tuple[Callable[..., torch.Tensor], tuple[np.ndarray, ...]]:
    """The per-tile call of ``model`` and the arrays its tiles are cut from: the LR image (3, h, w) (a view of ``lr``) and, for
    non-blind models, the per-pixel codes (t, h, w) and noise levels (h, w) (views: a single code or level is broadcast, not copied)."""
    if lr.ndim != 3 or lr.shape[2] != 3 or not (lr.dtype == np.uint8 or np.issubdtype(lr.dtype, np.floating)):
        raise ValueError(f"the LR image must be (h, w, 3), uint8 or float in [0, 1]; got {lr.dtype} {lr.shape}")
    full_float32(device)  # a GPU computes in float32, as the CPU does (dynsr.devices)
    module = getattr(model, "module", model)
    image = lr.transpose(2, 0, 1)  # (3, h, w), a view
    conditioning = conditioning_of(model)
    if conditioning == "degradation_vector":
        codes, levels = _pixel_degradation(model, kernel_code, noise, *lr.shape[:2])

        def run(crop: np.ndarray, code: np.ndarray, level: np.ndarray) -> torch.Tensor:
            pixel_code, pixel_level = (torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))[None] for array in (code, level))
            return model(_lr_tensor(crop, device), degradation_vector(model, pixel_code, pixel_level).to(device))  # map (1, t[+1], th, tw)

        return run, (image, codes, levels)
    if conditioning == "true_kernel":
        if kernel is None:
            raise ValueError(f"{type(module).__name__} is given the true blur kernel: pass kernel")
        first_pixel = _lr_tensor(image[:, :1, :1], device)  # sets the dtype: the representation is the kernel's alone
        condition = {"representation": module.degradation_representation(first_pixel, torch.from_numpy(kernel.astype(np.float32))[None].to(device))}
        return (lambda crop: model(_lr_tensor(crop, device), **condition)), (image,)
    return _conditioned_forward(model, image, device), (image,)


def _conditioned_forward(model: nn.Module, image: np.ndarray, device: torch.device | str) -> Callable[[np.ndarray], torch.Tensor]:
    """The per-tile call of a blind model on crops of ``image`` (3, h, w): each crop gets the model's ``image_condition`` of the
    whole image (e.g. DASR's representation), computed once and only when a crop is smaller than the image; a crop of the image's
    size is run alone, since a model conditions on its whole input by itself (`dynsr.models.protocol`), so one tile costs one pass."""
    module = getattr(model, "module", model)
    whole = image.shape[-2:]
    condition: dict[str, Any] | None = None

    def run(crop: np.ndarray) -> torch.Tensor:
        nonlocal condition
        if crop.shape[-2:] == whole:
            return model(_lr_tensor(crop, device))
        if condition is None:
            condition = module.image_condition(_lr_tensor(image, device))
        return model(_lr_tensor(crop, device), **condition)

    return run


def _pixel_degradation(
    model: nn.Module, kernel_code: np.ndarray | None, noise: float | np.ndarray | None, height: int, width: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel codes (t, h, w) and noise levels (h, w) of a ``"degradation_vector"`` model: broadcast views of one code (t,)
    and one level, or the given per-pixel arrays (converted per tile, not here)."""
    if kernel_code is None or noise is None:
        raise ValueError(f"{type(getattr(model, 'module', model)).__name__} is non-blind: give it the kernel's PCA code and the noise level")
    code, level = np.asarray(kernel_code), np.asarray(noise)
    if code.ndim == 1:
        code = np.broadcast_to(code[:, None, None], (code.shape[0], height, width))  # (t, h, w)
    if code.shape[-2:] != (height, width) or level.shape not in ((), (height, width)):
        raise ValueError(f"per-pixel kernel codes and noise levels must match the LR size {height}x{width}")
    return code, np.broadcast_to(level, (height, width))  # (t, h, w), (h, w)


def model_upscaler(
    model: nn.Module, *, pca_basis: str | None = None, tile: int | None = None, overlap: int | None = None, device: str | None = None
) -> Callable[[np.ndarray, TestSetting], np.ndarray]:
    """An ``upscale(lr, setting)`` for :func:`dynsr.evaluate.evaluate`; non-blind models get the setting's true degradation
    (per pixel for spatially varying settings) as codes in ``pca_basis`` (default: the model's own, :func:`model_pca_basis`),
    DASR's oracle (Table 1 Model 5) the setting's blur kernel (no blur = a delta). ``tile`` None: :func:`default_tile`, chosen
    per image (it may be the whole image, :func:`dynsr.tiling.choose_tile`). ``device`` None: :func:`dynsr.devices.evaluation_device` (``dynsr reproduce --device``; else the CPU)."""
    device = device or evaluation_device()
    model = model.to(device).eval()
    basis = load_pca_basis(pca_basis or model_pca_basis(model)) if conditioning_of(model) == "degradation_vector" else None

    def upscale(lr: np.ndarray, setting: TestSetting) -> np.ndarray:
        degradation = _setting_degradation(model, setting, basis, *lr.shape[:2])
        return super_resolve(model, lr, tile=tile, overlap=overlap, device=device, **degradation)

    return upscale


def _setting_degradation(model: nn.Module, setting: TestSetting, basis: np.ndarray | None, height: int, width: int) -> dict[str, np.ndarray | float]:
    """The degradation arguments of :func:`super_resolve` for an LR image (height, width) of ``setting``, as ``model`` takes them."""
    conditioning = conditioning_of(model)
    if conditioning == "true_kernel":
        return {"kernel": _setting_kernel(model, setting)}
    if conditioning == "blind":
        return {}
    if isinstance(setting.degradation, SpatiallyVaryingDegradation):
        code, noise = setting_pixel_degradation(setting, basis, height, width)
        return {"kernel_code": code, "noise": noise}
    return {"kernel_code": setting_kernel_code(setting, basis), "noise": setting.degradation.noise}


def _setting_kernel(model: nn.Module, setting: TestSetting) -> np.ndarray:
    """The blur kernel of a spatially uniform setting, for a model given the true kernel (no blur: a delta of the model's kernel size)."""
    if not hasattr(setting.degradation, "kernel"):
        raise ValueError(f"{type(model).__name__} with the true kernel takes the setting's one kernel; {setting.label} has none")
    kernel = setting.degradation.kernel
    return delta_kernel(getattr(model, "module", model).kernel_encoder.kernel_size) if kernel is None else kernel.build()
