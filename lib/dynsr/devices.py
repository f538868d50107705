"""Where dynsr runs a model: the device names it accepts, the evaluation device of a reproduce, float32 on GPUs.

``dynsr sr --device`` and ``dynsr reproduce --device`` take ``auto`` (CUDA when torch sees a GPU), ``cpu``, ``cuda`` or
``cuda:N`` (:func:`resolve_device`). A reproduce passes its device to the notebooks' kernels through
:data:`DEVICE_VARIABLE`; every model the notebooks score through :func:`dynsr.inference.model_upscaler` then runs there
(:func:`evaluation_device`). Training chooses its device in its configuration (``TrainConfig.device``).

On a GPU, convolutions and matrix products may use TF32 (10-bit mantissas) unless told otherwise: cuDNN's convolutions
do by default. A table scored that way would differ from the CPU's by far more than the cross-machine tolerance
(:mod:`dynsr.tolerances`), so :func:`full_float32` switches TF32 off before a model runs on a GPU.
"""

from __future__ import annotations

import os
import re

import torch

__all__ = ["DEVICE_VARIABLE", "resolve_device", "evaluation_device", "full_float32"]

DEVICE_VARIABLE = "DYNSR_DEVICE"
"""The evaluation device of the notebooks (set by ``dynsr reproduce --device``; unset: ``cpu``)."""


def resolve_device(name: str, *, option: str = "--device") -> str:
    """``auto`` → ``cuda`` when torch sees a GPU, else ``cpu``; ``cpu``, ``cuda``, ``cuda:N`` checked against this machine.

    Raises ValueError naming ``option`` for a name dynsr does not run on or a GPU this machine lacks.
    """
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if not re.fullmatch(r"cpu|cuda(:\d+)?", name):
        raise ValueError(f"{option} {name!r} is not a device dynsr runs on; use auto, cpu, cuda or cuda:N")
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if name.startswith("cuda") and int(name.partition(":")[2] or 0) >= count:
        raise ValueError(f"{option} {name}: torch sees {count or 'no'} CUDA GPU{'' if count == 1 else 's'} on this machine; use {option} cpu (or auto)")
    return name


def evaluation_device() -> str:
    """The device of :data:`DEVICE_VARIABLE` (resolved as :func:`resolve_device`), ``cpu`` where it is unset."""
    return resolve_device(os.environ.get(DEVICE_VARIABLE, "").strip() or "cpu", option=DEVICE_VARIABLE)


def full_float32(device: torch.device | str) -> None:
    """On a CUDA device, switch TF32 off for matrix products and cuDNN convolutions (module docstring); no-op on a CPU."""
    if torch.device(device).type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
