"""DMSR Fig. C.9, the degradation parameter window (`dynsr.papers.dmsr.window`), and the noise estimate it prints
(`dynsr.degradations.noise.estimate_noise_level`)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from dynsr.degradations.noise import estimate_noise_level
from dynsr.papers.dmsr import window
from dynsr.results import Source, read_table


def test_the_noise_estimate_of_one_impulse_is_immerkaers_formula() -> None:
    plane = np.zeros((3, 3))
    plane[1, 1] = 1 / 255  # one level: the mask's centre 4 gives |4| / 255 on the one valid pixel
    assert estimate_noise_level(plane) == pytest.approx(math.sqrt(math.pi / 2) * 4 / 6, rel=1e-12)


def test_the_noise_estimate_reads_white_noise_and_ignores_linear_structure() -> None:
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 1, 200)[None, :, None] * np.linspace(0.5, 1, 150)[:, None, None] * np.ones((1, 1, 3))  # bilinear: no response
    assert estimate_noise_level(ramp) == pytest.approx(0, abs=1e-9)
    for sigma in (5.0, 15.0, 50.0):
        assert estimate_noise_level(ramp + sigma / 255 * rng.standard_normal(ramp.shape)) == pytest.approx(sigma, rel=0.02)
    with pytest.raises(ValueError, match="at least 3x3"):
        estimate_noise_level(np.zeros((2, 5)))


def test_the_window_holds_both_cells_the_paper_names() -> None:
    settings = window.window_settings("Set5", 4)
    cells = {(s.degradation.kernel.sigma, float(s.degradation.noise)) for s in settings}
    assert len(settings) == len(cells) == 24 == len(window.WINDOW_WIDTHS) * len(window.WINDOW_NOISES)  # 6 noise levels x 4 widths
    assert set(window.KNOWN_CELLS) <= cells and {s.degradation.scale for s in settings} == {4}


def test_run_writes_the_cells_and_the_flowers_row_and_the_figure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("DYNSR_CACHE_DIR", str(tmp_path / "cache"))
    outputs = window.run(window.Params(profile="smoke"))
    table = read_table(window.TABLE_STEM, profile="smoke")
    cells, real = table[table["method"] == "LR image"], table[table["method"] == "real LR image"]
    assert len(cells) == 24 and (cells["source"] == Source.COMPUTED).all() and cells["paper"].isna().all()
    assert sorted(cells.loc[cells["chosen_for"].notna(), "chosen_for"]) == sorted(window.KNOWN_CELLS.values())
    assert cells.groupby("noise")["ours"].mean().is_monotonic_increasing  # the estimate orders the rows as the noise does
    assert list(real["paper"]) == [60.0] and abs(float(real["gap"].iloc[0])) < 3  # Flowers: the paper's σ_n 60, chosen by eye
    assert outputs.figure.endswith(window.FIGURE) and "real images: Flowers" in window.summary(outputs.table)
    with pytest.raises(ValueError, match="has no image"):
        window.run(window.Params(profile="smoke", image="nosuch"))
