"""Shared by the training tests: private cache/results folders, global torch state restored, bit-for-bit payload equality."""

from __future__ import annotations

from typing import Any

import pytest
import torch


@pytest.fixture(scope="module", autouse=True)
def dynsr_dirs(tmp_path_factory):
    """One cache (LR validation images, checksum stamps) for the module; results in a private folder."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DYNSR_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        patch.setenv("DYNSR_RESULTS_DIR", str(tmp_path_factory.mktemp("results")))
        yield


@pytest.fixture(autouse=True)
def restore_global_torch_state():
    """train() switches on deterministic algorithms and reseeds the global RNGs; keep that out of other tests."""
    deterministic = torch.are_deterministic_algorithms_enabled()
    rng = torch.get_rng_state()
    yield
    torch.use_deterministic_algorithms(deterministic)
    torch.set_rng_state(rng)


def assert_identical(a: Any, b: Any, where: str = "checkpoint", *, skip: tuple[str, ...] = ("seconds",)) -> None:
    """Recursive bit-for-bit equality of checkpoint payloads (tensors with torch.equal); keys in ``skip`` ignored."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor), f"{where}: tensor vs {type(b).__name__}"
        assert a.dtype == b.dtype and a.shape == b.shape, f"{where}: {a.dtype}{tuple(a.shape)} vs {b.dtype}{tuple(b.shape)}"
        assert torch.equal(a, b), f"{where}: tensors differ (max |diff| {(a.double() - b.double()).abs().max().item():.3g})"
    elif isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), f"{where}: keys {sorted(map(str, a))} vs {sorted(map(str, b))}"
        for key in a:
            if key not in skip:
                assert_identical(a[key], b[key], f"{where}[{key!r}]", skip=skip)
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), f"{where}: {a!r} vs {b!r}"
        for index, (x, y) in enumerate(zip(a, b)):
            assert_identical(x, y, f"{where}[{index}]", skip=skip)
    else:
        assert a == b or (a != a and b != b), f"{where}: {a!r} != {b!r}"
