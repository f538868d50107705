"""scripts/fetch_data.py: its download plan covers the shared data (no network is used)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "fetch_data.py"


@pytest.fixture(scope="module")
def fetch_data():
    spec = importlib.util.spec_from_file_location("fetch_data", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["fetch_data"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_shipped_checksums_equal_the_data_roots(fetch_data) -> None:
    from dynsr.paths import data_root

    assert fetch_data.read_checksums() == {
        line.split(maxsplit=1)[1].strip().removeprefix("./"): line.split()[0]
        for line in (data_root() / "SHA256SUMS").read_text().splitlines()
        if line.strip()
    }


def test_plan_covers_every_benchmark_and_training_file(fetch_data) -> None:
    planned = {relative for relative, _, _ in fetch_data.plan([])}
    for relative in fetch_data.read_checksums():
        if relative.startswith(("benchmarks/Set5/", "benchmarks/Set14/", "benchmarks/Urban100/", "benchmarks/BSD100/HR/", "train/", "kernels/")):
            assert relative in planned, relative


def test_converted_sets_point_at_the_original_format(fetch_data) -> None:
    urls = {relative: url for relative, url, _ in fetch_data.plan(["BSD100", "T91"])}
    assert urls["benchmarks/BSD100/HR/3096.png"].endswith("/BSR/BSDS500/data/images/val/3096.jpg")
    assert urls["train/T91/HR/t1.png"].endswith("/data/yang91/t1.bmp")
    assert all("raw.githubusercontent.com" in url and len(url.split("/")[5]) == 40 for url in urls.values())


def test_the_advice_for_every_data_set_names_a_set_the_script_fetches(fetch_data) -> None:
    """A missing set's message says `fetch_data.py --only NAME`; NAME must be one the script accepts (a sub-folder such as
    GoPro is fetched with its MotionBlur set)."""
    from dynsr.data.root import DATASETS, _fetch_advice

    for name in DATASETS:
        fetched = _fetch_advice(name).split("--only ")[1].rstrip("`.")
        assert fetched in fetch_data.known_names(), (name, fetched)
    assert "--only MotionBlur`" in _fetch_advice("GoPro")
