"""Shared test configuration, and the test tiers.

Tiers (markers given here by file, so a new test joins its file's tier): ``artifact`` — recomputes committed results
from the committed weights (``test_committed_*``); ``slow`` — subprocesses, the end-to-end smoke reproduce, DDP and
kill -9 resume. ``make test`` runs every tier (what CI runs); ``make test-fast`` the rest, for development.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from dynsr.paths import repo_root


SLOW_FILES = frozenset({"test_distributed.py", "test_cli_users.py", "test_cli_engine.py"})
SMOKE_PREFIX = "test_reproduce_smoke_"  # one end-to-end smoke reproduce per notebook folder (tests/smoke_reproduce.py): slow
SLOW_NAMES = ("kill", "killed")


# The smoke reproduce files, collected first: each takes minutes, so pytest-xdist's workers (``make test``: ``--dist loadfile
# --no-loadscope-reorder``; xdist's default reorder would put these one-test files last) start on them at once, and the other
# files fill the gaps. Each worker is handed the next file while it still holds one, so the order alternates between the
# workers: the longest (DMSR, ~380 s at 1 thread beside other work on 2 cores, 2026-12-04) is paired with the third, and so on.
SMOKE_ORDER = ("dmsr", "gldfn", "dasr", "udvd", "baselines", "arcsr")


def _order(item: pytest.Item) -> int:
    name = item.path.stem
    folder = name.removeprefix(SMOKE_PREFIX)
    return SMOKE_ORDER.index(folder) if name.startswith(SMOKE_PREFIX) and folder in SMOKE_ORDER else len(SMOKE_ORDER)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tiers, and put the smoke reproduce files first, longest first (``SMOKE_ORDER``)."""
    items.sort(key=_order)  # stable: every other test keeps its order
    for item in items:
        file = item.path.name
        if file.startswith("test_committed_"):
            item.add_marker(pytest.mark.artifact)
        if file in SLOW_FILES or file.startswith(SMOKE_PREFIX) or any(word in item.name for word in SLOW_NAMES):
            item.add_marker(pytest.mark.slow)


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
