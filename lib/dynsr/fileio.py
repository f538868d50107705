"""Atomic file writes: a result or checkpoint is either complete on disk or absent.

Everything dynsr writes goes to a temporary file in the destination folder and is then renamed
with :func:`os.replace`, which is atomic on POSIX and Windows. A crash, a kill or an exception
while writing leaves the previous file (or nothing) in place, never a half-written one.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["remove_stale_temporaries", "atomic_path", "atomic_open", "write_text_atomic", "write_json_atomic"]


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(destination: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``destination``; rename it over ``destination`` on success.

    The caller writes the temporary path with any library (``torch.save``, ``PIL.Image.save``,
    ``DataFrame.to_csv``). On an exception the temporary file is removed and nothing is renamed.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    # The temporary name keeps the destination's suffix: some writers (papermill, PIL) check it.
    handle, temporary = tempfile.mkstemp(prefix=f".{destination.stem}.", suffix=f".tmp{destination.suffix}", dir=destination.parent)
    os.close(handle)
    temporary_path = Path(temporary)
    try:
        yield temporary_path
        os.chmod(temporary_path, 0o666 & ~_current_umask())  # mkstemp creates 0600; give the usual mode
        os.replace(temporary_path, destination)
    finally:
        temporary_path.unlink(missing_ok=True)


def remove_stale_temporaries(destination: str | os.PathLike[str]) -> list[Path]:
    """Delete temporary files that :func:`atomic_path` left for ``destination`` when a process was killed mid-write.

    Only call this where no other process may be writing ``destination`` now (e.g. when a training
    run resumes in its own folder). Returns the removed paths.
    """
    destination = Path(destination)
    if not destination.parent.is_dir():
        return []
    stale = sorted(destination.parent.glob(f".{destination.stem}.*.tmp{destination.suffix}"))
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


@contextlib.contextmanager
def atomic_open(destination: str | os.PathLike[str], mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """``open()`` for writing, atomically (see :func:`atomic_path`)."""
    if not mode.startswith("w"):
        raise ValueError(f"atomic_open only writes; mode must start with 'w', got {mode!r}")
    with atomic_path(destination) as temporary, open(temporary, mode, **kwargs) as stream:
        yield stream
        stream.flush()
        os.fsync(stream.fileno())


def write_text_atomic(destination: str | os.PathLike[str], text: str) -> None:
    """Write UTF-8 text atomically."""
    with atomic_open(destination, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)


def write_json_atomic(destination: str | os.PathLike[str], payload: Any) -> None:
    """Write JSON (indented, keys in insertion order, NaN written as null) atomically."""
    write_text_atomic(destination, json.dumps(_nan_to_none(payload), indent=2, allow_nan=False) + "\n")


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {key: _nan_to_none(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_nan_to_none(item) for item in value]
    return value
