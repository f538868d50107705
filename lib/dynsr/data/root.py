"""The data root, its named sets, and checksum verification.

The data root (``DYNSR_DATA_ROOT``, default ``../shared/data``; see :mod:`dynsr.paths`) holds the
files listed in its ``MANIFEST.md`` and checked by its ``SHA256SUMS``. Each named set below is a
folder of that root. :func:`dataset_dir` returns a set's folder after verifying every file of the
set against ``SHA256SUMS``; the verification is cached (by path, size and modification time) under
the cache folder, so it costs a hash only when a file changed; ``dynsr data verify`` hashes every file.

A missing or corrupt set raises :class:`DataNotFoundError` naming the set and
``scripts/fetch_data.py``, which downloads the same files from their public sources.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from dynsr.fileio import write_json_atomic
from dynsr.paths import cache_dir, data_root

__all__ = ["DataSet", "DATASETS", "DataNotFoundError", "dataset_dir", "verify_dataset", "dataset_files"]


@dataclass(frozen=True)
class DataSet:
    """A named folder of the data root; ``part_of`` names the set it is downloaded with when it is a sub-folder of one."""

    name: str
    folder: str
    description: str
    part_of: str | None = None


DATASETS: dict[str, DataSet] = {
    entry.name: entry
    for entry in (
        DataSet("Set5", "benchmarks/Set5/HR", "Set5 HR (Bevilacqua et al. 2012), 5 RGB PNGs, not modcropped"),
        DataSet("Set14", "benchmarks/Set14/HR", "Set14 HR (Zeyde et al. 2010), 14 PNGs, bridge.png grayscale"),
        DataSet("BSD100", "benchmarks/BSD100/HR", "BSD100/B100 HR, the BSDS300 test split, 100 PNGs"),
        DataSet("Urban100", "benchmarks/Urban100/HR", "Urban100 HR (Huang et al. 2015), 100 PNGs"),
        DataSet("T91", "train/T91/HR", "T91 training images (Yang et al. 2010), 91 PNGs"),
        DataSet("BSD200", "train/BSD200/HR", "BSD200 training images, first 50 of 200 (BSDS300 train)"),
        DataSet("RealSRMD", "real/SRMD", "SRMD's real LR images (chip, Frog, Flowers, ...)"),
        DataSet("RealSRSet", "real/RealSRSet", "RealSRSet (USRNet/BSRGAN), 20 real LR images"),
        DataSet("KAIRKernels", "kernels/kair", "KAIR kernels: USRNet 12, Levin09, bicubic, SRMD PCA basis"),
        DataSet("SRMDKernels", "kernels/srmd", "SRMD's MatConvNet PCA basis PCA_P.mat"),
        DataSet("DIV2KRK", "kernels/DIV2KRK", "DIV2KRK ground-truth kernels, x2 (11x11) and x4 (31x31)"),
        DataSet("PCABases", "kernels/pca", "kernel PCA bases of DAN/IKC/MANet"),
        DataSet("MotionBlur", "motionblur", "11 real GoPro/REDS motion-blur/sharp pairs"),
        DataSet("GoPro", "motionblur/GoPro/sharp", "the sharp frames of the 8 GoPro pairs of MotionBlur", part_of="MotionBlur"),
        DataSet("GoProBlur", "motionblur/GoPro/blur", "the blurred frames of the 8 GoPro pairs of MotionBlur", part_of="MotionBlur"),
        DataSet("REDS", "motionblur/REDS/sharp", "the sharp frames of the 3 REDS pairs of MotionBlur", part_of="MotionBlur"),
        DataSet("REDSBlur", "motionblur/REDS/blur", "the blurred frames of the 3 REDS pairs of MotionBlur", part_of="MotionBlur"),
    )
}


class DataNotFoundError(FileNotFoundError):
    """A named data set is missing or does not match its checksums."""


def _fetch_advice(name: str | None) -> str:
    fetched = DATASETS[name].part_of or name if name in DATASETS else name
    command = "python scripts/fetch_data.py" + (f" --only {fetched}" if fetched else "")
    return f"Set DYNSR_DATA_ROOT to the folder that holds it (now {data_root()}), or download it with `{command}`."


def _read_checksums(root: Path) -> dict[str, str]:
    sums_file = root / "SHA256SUMS"
    if not sums_file.is_file():
        raise DataNotFoundError(f"the data root {root} has no SHA256SUMS file. {_fetch_advice(None)}")
    checksums = {}
    for line in sums_file.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, relative = line.split(maxsplit=1)
            checksums[relative.strip().removeprefix("./")] = digest
    return checksums


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def dataset_files(name: str) -> dict[str, str]:
    """``{relative path: sha256}`` of every file of a named set, from ``SHA256SUMS``."""
    entry = _entry(name)
    prefix = entry.folder.rstrip("/") + "/"
    return {path: digest for path, digest in _read_checksums(data_root()).items() if path.startswith(prefix)}


def _entry(name: str) -> DataSet:
    if name not in DATASETS:
        raise KeyError(f"unknown data set {name!r}; known: {', '.join(DATASETS)}")
    return DATASETS[name]


def verify_dataset(name: str, *, trust_cache: bool = True) -> None:
    """Check every file of a named set against ``SHA256SUMS``.

    With ``trust_cache`` (the implicit check before a set is used), a file whose size and modification
    time match the cache is not hashed again; ``trust_cache=False`` (``dynsr data verify``) hashes every
    file, so it also catches a change that kept the size and the modification time.
    """
    root = data_root()
    expected = dataset_files(name)
    if not expected:
        raise DataNotFoundError(f"SHA256SUMS in {root} lists no files for {name}. {_fetch_advice(name)}")
    cache_file = cache_dir() / "checksums.json"
    try:
        cache = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    before = dict(cache)
    try:
        for relative, digest in expected.items():
            _verify_file(name, root / relative, digest, cache, trust_cache)
    finally:  # a file found corrupt loses its cache entry, so the implicit check hashes it again too
        if cache != before:
            _write_cache(cache_file, cache)


def _verify_file(name: str, path: Path, digest: str, cache: dict[str, list], trust_cache: bool) -> None:
    """Hash ``path`` unless ``trust_cache`` and its cached (size, mtime, digest) match; record it in ``cache``."""
    try:
        status = path.stat()
    except FileNotFoundError:
        raise DataNotFoundError(f"data set {name}: {path} is missing. {_fetch_advice(name)}") from None
    key = str(path.resolve())
    stamp = [status.st_size, status.st_mtime_ns, digest]
    if trust_cache and cache.get(key) == stamp:
        return
    cache.pop(key, None)
    if _sha256(path) != digest:
        raise DataNotFoundError(f"data set {name}: {path} does not match its SHA256SUMS entry (corrupt or modified). {_fetch_advice(name)}")
    cache[key] = stamp


def _write_cache(cache_file: Path, cache: dict[str, list]) -> None:
    try:
        write_json_atomic(cache_file, cache)
    except OSError:
        pass  # a read-only cache only costs re-hashing next time


def dataset_dir(name: str, *, verify: bool = True) -> Path:
    """The folder of a named set, verified against ``SHA256SUMS`` unless ``verify=False``."""
    folder = data_root() / _entry(name).folder
    if not folder.is_dir():
        raise DataNotFoundError(f"data set {name} not found at {folder}. {_fetch_advice(name)}")
    if verify:
        verify_dataset(name)
    return folder
