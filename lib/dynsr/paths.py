"""Where dynsr reads data and writes results.

Every path goes through this module, never through the current working directory: papermill,
nbval and JupyterLab each start kernels in a different directory.

* ``DYNSR_DATA_ROOT``: the shared data (benchmarks, training images, kernels). Default: the
  ``shared/data`` folder beside the repository, i.e. ``<repo>/../shared/data``.
* ``DYNSR_RESULTS_DIR``: tables, figures, checkpoints. Default: ``<repo>/results``. The ``cpu``
  profile writes there; other profiles write to a sub-folder named after them.
* ``DYNSR_CACHE_DIR``: regenerable files (LR test images, checksum verification). Default:
  ``<repo>/.cache`` (git-ignored).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["repo_root", "data_root", "results_dir", "profile_results_dir", "cache_dir"]


def repo_root() -> Path:
    """The repository holding ``lib/dynsr`` (two levels above this package)."""
    return Path(__file__).resolve().parents[2]


def _from_env(variable: str, default: Path) -> Path:
    value = os.environ.get(variable, "").strip()
    return Path(value).expanduser().resolve() if value else default


def data_root() -> Path:
    """The data root: ``$DYNSR_DATA_ROOT`` or ``<repo>/../shared/data``."""
    return _from_env("DYNSR_DATA_ROOT", (repo_root().parent / "shared" / "data").resolve())


def results_dir() -> Path:
    """The results folder: ``$DYNSR_RESULTS_DIR`` or ``<repo>/results``."""
    return _from_env("DYNSR_RESULTS_DIR", repo_root() / "results")


def profile_results_dir(profile_name: str) -> Path:
    """Where a profile's results go: ``results/`` for ``cpu`` (the committed results), else
    ``results/<profile>/`` (``results/smoke/`` is git-ignored), so that a test run never
    overwrites committed numbers."""
    return results_dir() if profile_name == "cpu" else results_dir() / profile_name


def cache_dir() -> Path:
    """The cache folder for regenerable files: ``$DYNSR_CACHE_DIR`` or ``<repo>/.cache``."""
    return _from_env("DYNSR_CACHE_DIR", repo_root() / ".cache")
