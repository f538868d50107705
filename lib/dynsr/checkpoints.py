"""Checkpoint files: training state (resumable) and exported weights (for inference), both safe to load.

Two formats, both plain ``torch.save`` dictionaries of tensors and builtins, loaded with
``torch.load(..., weights_only=True)`` (no arbitrary code runs on load):

* **training checkpoint** (``format = "dynsr.train"``): model, optimiser, scheduler, step, the
  :class:`~dynsr.training.config.TrainConfig`, every RNG state and the log so far;
  written by :mod:`dynsr.training.trainer`, atomically (temporary file, then ``os.replace``).
* **weights** (``format = "dynsr.weights"``): the model name, its constructor keywords and its
  parameters, with the provenance of the run (profile, steps, seed). Committed ``cpu`` weights are
  stored in float16 (half the size; see :func:`export_weights`).

A file that is truncated, not a torch file, or a torch file of another program raises
:class:`CheckpointError` naming the file and what to do. Corruption is detected before loading:
``torch.save`` writes a zip archive with a CRC-32 of every entry (the pickled structure and each
tensor's bytes), and :func:`read_torch_file` checks them all (``torch.load`` does not). This covers
every dynsr file ever written (the committed weights included) and other projects' zip-format torch
files; entries written without a CRC (``torch.serialization.set_crc32_options(False)``) and
pre-1.6 non-zip files cannot be checked this way. A corrupt file raises
:class:`CorruptCheckpointError`, without advice: what to do depends on the command (``sr`` only
reads weights; ``train`` can start a run over).
"""

from __future__ import annotations

import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn

from dynsr.fileio import atomic_path

__all__ = ["CheckpointError", "CorruptCheckpointError", "ForeignCheckpointError", "read_torch_file", "TRAIN_FORMAT", "WEIGHTS_FORMAT", "save_checkpoint", "load_checkpoint", "export_weights", "load_weights", "stored_model"]

TRAIN_FORMAT = "dynsr.train"
WEIGHTS_FORMAT = "dynsr.weights"
FORMAT_VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint that cannot be read, or is not what the caller needs."""


def save_checkpoint(path: str | os.PathLike[str], payload: dict[str, Any]) -> Path:
    """``torch.save`` to a temporary file beside ``path``, then rename: a crash leaves the old file intact."""
    path = Path(path)
    with atomic_path(path) as temporary:
        torch.save(payload, temporary)
    return path


class CorruptCheckpointError(CheckpointError):
    """A file that is truncated, corrupt (a CRC-32 mismatch) or not a PyTorch file at all."""


def read_torch_file(path: str | os.PathLike[str]) -> Any:
    """``torch.load(path, weights_only=True)`` on CPU, after checking the archive's CRC-32s; every way it can fail
    becomes :class:`CheckpointError` (:class:`CorruptCheckpointError` for damaged or non-torch files).

    ``weights_only=True`` refuses files that would run code on load (pickled classes, functions).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    _check_crc(path)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        if "Unsupported global" in str(error):
            raise CheckpointError(
                f"{path} holds pickled Python objects other than tensors and plain values; it is not loaded "
                f"(weights_only=True refuses to run code from a file). Convert it to a state dict where you trust it."
            ) from None
        raise CorruptCheckpointError(_unreadable(path, "")) from None
    except Exception as error:  # noqa: BLE001 - torch.load raises many types (RuntimeError, EOFError, KeyError, ...) on bad bytes
        first_line = str(error).splitlines()[0] if str(error) else ""
        raise CorruptCheckpointError(_unreadable(path, f" ({type(error).__name__}: {first_line})")) from None


def _unreadable(path: Path, detail: str) -> str:
    return f"cannot read checkpoint {path}: it is truncated, corrupt or not a PyTorch file{detail}."


def _check_crc(path: Path) -> None:
    """Check the CRC-32 of every entry of a zip-format torch file (entries stored without one, CRC 0, are skipped).

    Files that are no zip archive at all (legacy torch files, other files) are left to ``torch.load``.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            for entry in archive.infolist():
                if entry.CRC and not _entry_intact(archive, entry):
                    raise CorruptCheckpointError(_unreadable(path, f" (its entry {entry.filename.partition('/')[2]!r} fails its CRC-32 check: its bytes changed after it was written)"))
    except CorruptCheckpointError:
        raise
    except zipfile.BadZipFile as error:
        if zipfile.is_zipfile(path):  # a zip archive, damaged
            raise CorruptCheckpointError(_unreadable(path, f" (BadZipFile: {error})")) from None
    except Exception as error:  # noqa: BLE001 - damaged archive directories raise UnicodeDecodeError, ValueError, EOFError, zlib.error, ...
        raise CorruptCheckpointError(_unreadable(path, f" ({type(error).__name__}: {error})")) from None


def _entry_intact(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bool:
    """Read the entry to its end; ``zipfile`` compares the CRC-32 there."""
    try:
        with archive.open(entry) as stream:
            while stream.read(1 << 20):
                pass
    except zipfile.BadZipFile as error:
        if "CRC" in str(error):
            return False
        raise
    return True


class ForeignCheckpointError(CheckpointError):
    """A readable torch file that is not a dynsr checkpoint (e.g. another project's state dict)."""


def load_checkpoint(path: str | os.PathLike[str], *, expected_format: str | None = None) -> dict[str, Any]:
    """Load a dynsr checkpoint with ``weights_only=True``; check its format tag.

    Raises:
        FileNotFoundError: no such file.
        CheckpointError: truncated/corrupt/unsafe, or of another dynsr format than ``expected_format``.
        ForeignCheckpointError: readable, but not a dynsr checkpoint (no dynsr format tag).
    """
    payload = read_torch_file(path)
    if not isinstance(payload, dict) or payload.get("format") not in (TRAIN_FORMAT, WEIGHTS_FORMAT):
        keys = sorted(map(str, payload))[:5] if isinstance(payload, dict) else type(payload).__name__
        raise ForeignCheckpointError(
            f"{path} is not a dynsr checkpoint (no dynsr 'format' tag; top-level keys {keys}). Official weights of other "
            f"projects load through the model's own loader (e.g. dynsr sr --model srmd --checkpoint KAIR_srmd_x4.pth)."
        )
    if payload.get("version", 0) > FORMAT_VERSION:
        raise CheckpointError(f"{path} was written by a newer dynsr (format version {payload['version']}); upgrade dynsr")
    if expected_format is not None and payload["format"] != expected_format:
        raise CheckpointError(f"{path} holds {payload['format']!r}, but {expected_format!r} is needed here")
    return payload


def export_weights(
    path: str | os.PathLike[str],
    *,
    model_name: str,
    model_kwargs: dict[str, Any],
    state_dict: dict[str, torch.Tensor],
    provenance: dict[str, Any],
    dtype: torch.dtype = torch.float16,
) -> Path:
    """Write inference weights. ``dtype=float16`` halves the file (a 1.5 M-parameter SRMD: 3 MB).

    Rounding to float16 changes PSNR by far less than 0.01 dB on these networks, but it is a change:
    every committed table is computed *from the exported file*, so retraining and loading agree.
    """
    payload = {
        "format": WEIGHTS_FORMAT,
        "version": FORMAT_VERSION,
        "model": model_name,
        "model_kwargs": dict(model_kwargs),
        "state_dict": {key: value.detach().to("cpu", dtype) if value.is_floating_point() else value.detach().cpu() for key, value in state_dict.items()},
        "provenance": provenance,
    }
    return save_checkpoint(path, payload)


def stored_model(payload: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, torch.Tensor]]:
    """``(model name, constructor keywords incl. scale, state dict)`` of a loaded training checkpoint or weights file."""
    if payload["format"] == TRAIN_FORMAT:
        config = payload["config"]
        return config["model"], {**config["model_kwargs"], "scale": config["scale"]}, payload["model"]
    return payload["model"], payload["model_kwargs"], payload["state_dict"]


def load_weights(path: str | os.PathLike[str]) -> tuple[nn.Module, dict[str, Any]]:
    """Build the model stored in a weights file or a training checkpoint; returns ``(model in eval mode, payload)``."""
    from dynsr.models import build_model  # the registry imports every model; only needed here

    payload = load_checkpoint(path)
    name, kwargs, state = stored_model(payload)
    model = build_model(name, **kwargs)
    try:
        model.load_state_dict({key: value.float() if value.is_floating_point() else value for key, value in state.items()})
    except RuntimeError as error:
        raise CheckpointError(f"{path}: its parameters do not fit model {name!r} {kwargs}: {str(error).splitlines()[0]}") from None
    return model.eval(), payload
