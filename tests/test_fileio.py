"""Tests of dynsr.fileio: atomic writes."""

from __future__ import annotations

import json
import math
import os
import stat

import numpy as np
import pytest

from dynsr.fileio import atomic_open, atomic_path, write_json_atomic, write_text_atomic


def test_atomic_path_replaces_on_success(tmp_path) -> None:
    destination = tmp_path / "nested" / "result.txt"
    with atomic_path(destination) as temporary:
        assert temporary.parent == destination.parent and temporary != destination
        assert not destination.exists()  # nothing visible until the body finishes
        temporary.write_text("new", encoding="utf-8")
    assert destination.read_text(encoding="utf-8") == "new"
    assert [p.name for p in destination.parent.iterdir()] == ["result.txt"]


def test_atomic_path_keeps_the_old_file_when_the_body_raises(tmp_path) -> None:
    destination = tmp_path / "result.txt"
    destination.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError, match="interrupted"):
        with atomic_path(destination) as temporary:
            temporary.write_text("half-written", encoding="utf-8")
            raise RuntimeError("interrupted")
    assert destination.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["result.txt"]


def test_atomic_path_creates_nothing_when_the_body_raises_before_writing(tmp_path) -> None:
    with pytest.raises(KeyError):
        with atomic_path(tmp_path / "absent.bin"):
            raise KeyError("boom")
    assert list(tmp_path.iterdir()) == []


def test_atomic_open_keeps_the_old_file_when_the_body_raises(tmp_path) -> None:
    destination = tmp_path / "log.txt"
    destination.write_text("old", encoding="utf-8")
    with pytest.raises(ValueError, match="stop"):
        with atomic_open(destination, "w", encoding="utf-8") as stream:
            stream.write("partial")
            raise ValueError("stop")
    assert destination.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["log.txt"]
    with atomic_open(destination, "wb") as stream:
        stream.write(b"\x00\x01")
    assert destination.read_bytes() == b"\x00\x01"


@pytest.mark.parametrize("mode", ["r", "a", "r+"])
def test_atomic_open_refuses_non_write_modes(tmp_path, mode: str) -> None:
    with pytest.raises(ValueError, match="only writes"):
        with atomic_open(tmp_path / "x.txt", mode):
            pass
    assert list(tmp_path.iterdir()) == []


def test_write_text_atomic_writes_utf8_with_unix_newlines(tmp_path) -> None:
    destination = tmp_path / "t.txt"
    write_text_atomic(destination, "σ = 1.3\nλ\n")
    assert destination.read_bytes() == "σ = 1.3\nλ\n".encode("utf-8")


def test_write_json_atomic_writes_nan_as_null(tmp_path) -> None:
    destination = tmp_path / "r.json"
    payload = {"psnr": float("nan"), "rows": [1.5, float("nan"), {"ssim": np.float64("nan")}], "pair": (math.nan, 2)}
    write_json_atomic(destination, payload)
    text = destination.read_text(encoding="utf-8")
    assert "NaN" not in text
    # strict parsing: NaN/Infinity literals would be rejected here
    loaded = json.loads(text, parse_constant=lambda name: pytest.fail(f"non-standard JSON constant {name}"))
    assert loaded == {"psnr": None, "rows": [1.5, None, {"ssim": None}], "pair": [None, 2]}
    assert text.endswith("}\n")
    assert list(payload) == list(loaded)  # insertion order kept


def test_write_json_atomic_refuses_infinity_and_keeps_the_old_file(tmp_path) -> None:
    destination = tmp_path / "r.json"
    write_json_atomic(destination, {"ok": 1})
    with pytest.raises(ValueError):
        write_json_atomic(destination, {"psnr": float("inf")})
    assert json.loads(destination.read_text(encoding="utf-8")) == {"ok": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_atomic_writes_get_the_same_permissions_as_open(tmp_path) -> None:
    plain = tmp_path / "plain.txt"
    with open(plain, "w", encoding="utf-8") as stream:
        stream.write("x")
    atomic = tmp_path / "atomic.txt"
    write_text_atomic(atomic, "x")
    # mkstemp alone would give 0600 (owner-only); results and caches are shared, so follow the umask.
    assert stat.S_IMODE(atomic.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)
    write_text_atomic(atomic, "overwritten")
    assert stat.S_IMODE(atomic.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)
