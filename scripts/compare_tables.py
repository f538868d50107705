"""Compare the committed results tables of a git revision with the working tree's, within the cross-machine tolerance.

    python scripts/compare_tables.py [--against REV]      (default: HEAD)

Prints one line per table (dynsr.table_diff.report) and exits 1 when a table differs: a number moved beyond
dynsr.tolerances, a row or column disappeared, or a table is new or gone. Use it after regenerating tables
(`dynsr reproduce`) to show that only what was meant to change did (a retrained model's rows).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from dynsr.paths import repo_root, results_dir
from dynsr.profiles import PROFILES
from dynsr.table_diff import compare_folders, report


def _committed_results(revision: str, destination: Path) -> Path:
    """Extract ``results/`` of ``revision`` under ``destination``; return the extracted results folder."""
    archive = subprocess.run(["git", "archive", "--format=tar", revision, "results"], cwd=repo_root(), check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(destination, filter="data")
    return destination / "results"


def _only_committed(folder: Path, into: Path) -> Path:
    """The tables of the committed profile (``cpu``): other profiles' folders (``results/<profile>/``) left out."""
    for path in folder.rglob("*.csv"):
        relative = path.relative_to(folder)
        if relative.parts[0] in PROFILES:
            continue
        target = into / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    return into


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="HEAD", help="git revision whose committed tables are the old version (default: HEAD)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        old = _only_committed(_committed_results(arguments.against, root / "archive"), root / "old")
        new = _only_committed(results_dir(), root / "new")
        differences = compare_folders(old, new)
    print(report(differences))
    return 0 if all(d.equal for d in differences) else 1


if __name__ == "__main__":
    sys.exit(main())
