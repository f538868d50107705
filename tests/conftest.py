"""Shared test configuration."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from dynsr.paths import repo_root


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread() -> Iterator[None]:
    """Run torch on one thread in the tests: they use tiny tensors, where intra-op threads only add
    overhead, and on a busy 2-core machine every small op waits ~20 ms for a second spinning thread
    (measured: several test files 5x slower). No result depends on the thread count."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture()
def private_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A results folder holding copies of the committed weights (``results/checkpoints``), so that a test recomputing a
    committed table cell from its weights never writes into ``results/``."""
    folder = tmp_path / "results"
    shutil.copytree(repo_root() / "results" / "checkpoints", folder / "checkpoints")
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(folder))
    return folder
