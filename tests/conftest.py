"""Shared test configuration."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread() -> Iterator[None]:
    """Run torch on one thread in the tests: they use tiny tensors, where intra-op threads only add
    overhead, and on a busy 2-core machine every small op waits ~20 ms for a second spinning thread
    (measured: several test files 5x slower). No result depends on the thread count."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
