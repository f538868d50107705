"""The bicubic baseline rows of every paper: a training-free check of degradation + metric.

The bicubic baseline super-resolves an LR test image with MATLAB bicubic ``imresize(LR, s)``. Its
published numbers pin down the whole test pipeline (modcrop, kernel, padding, downsampler, noise,
quantisation, colour conversion, crop), so they are computed before any model is trained.

Two protocols are computed, and every row says which:

* ``"y_only"``: the classic SRCNN/VDSR protocol behind the published bicubic numbers: take the Y
  channel of the HR image (MATLAB ``rgb2ycbcr`` on uint8, i.e. rounded; a grayscale file is its own
  Y), degrade and upsample that single channel in double precision (the LR is *not* quantised or
  clipped, whatever the degradation says, as in MATLAB's ``imresize`` on ``im2double`` input),
  round, and score it against the HR Y. This reproduces the classic numbers to 0.01 dB (Set5 x2
  33.661); quantising the LR would give 33.652.
* ``"rgb"``: the protocol of a model: degrade the RGB image, upsample, quantise, then score on Y.
  On noise-free settings it differs from ``y_only`` by -0.003 to +0.020 dB (mean +0.005; cpu run).

Noise in the ``y_only`` protocol is added to the Y channel instead of to R, G and B, so only the
``rgb`` protocol is meaningful for noisy settings (UDVD Table 5 DN). The ``headline`` column marks
the protocol each cell is judged by: ``y_only`` for noise-free cells, ``rgb`` for noisy ones.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from dynsr.data.benchmarks import NamedImage, load_benchmark
from dynsr.data.images import modcrop
from dynsr.degradations.bicubic import matlab_bicubic_resize
from dynsr.degradations.pipelines import Degradation, degrade, image_noise_rng
from dynsr.degradations.testsets import TestSetting, dasr_table2, gldfn_table2, udvd_table5
from dynsr.fileio import write_text_atomic
from dynsr.metrics import psnr, rgb_to_y, ssim, to_uint8
from dynsr.papers import dasr as dasr_paper
from dynsr.papers import gldfn as gldfn_paper
from dynsr.papers import udvd as udvd_paper
from dynsr.papers.records import PaperValue
from dynsr.paths import profile_results_dir
from dynsr.plots import gap_plot, save_figure
from dynsr.profiles import Profile
from dynsr.results import write_table

__all__ = ["Protocol", "PROTOCOLS", "TOLERANCES", "bicubic_sr", "evaluate_bicubic", "BicubicTableSpec", "bicubic_table", "summarize", "bicubic_report", "run_bicubic_baselines"]

Protocol = Literal["y_only", "rgb"]
PROTOCOLS: tuple[Protocol, ...] = ("y_only", "rgb")

# Acceptance: |ours - paper| for a noise-free, unblurred cell, and for a blurred one (issue 3).
TOLERANCES = {"unblurred": 0.01, "blurred": 0.05, "noisy": 0.05, "SSIM": 0.002}


def bicubic_sr(image: NamedImage, degradation: Degradation, protocol: Protocol) -> tuple[np.ndarray, np.ndarray]:
    """``(sr, reference)`` as uint8 arrays: the bicubic upscaling of the degraded image and what it is scored against.

    Both are ``(H, W)`` (a luma or grayscale plane) or ``(H, W, 3)``; :mod:`dynsr.metrics` takes
    a 2-D array as its own Y.
    """
    hr = modcrop(image.pixels, degradation.scale)
    if protocol == "y_only":
        degradation = dataclasses.replace(degradation, quantize=False, clip=False)
        reference = hr[..., 0] if image.was_grayscale else rgb_to_y(hr, round_y=True).astype(np.uint8)
    elif protocol == "rgb":
        reference = hr[..., 0] if image.was_grayscale else hr
    else:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
    lr = degrade(reference, degradation, rng=image_noise_rng(degradation, image.name))
    return to_uint8(matlab_bicubic_resize(lr, degradation.scale)), reference


def evaluate_bicubic(
    images: Iterable[NamedImage], degradation: Degradation, protocol: Protocol, *, with_ssim: bool
) -> dict[str, list[float]]:
    """Per-image PSNR (and SSIM) of the bicubic baseline; crop = scale."""
    scores: dict[str, list[float]] = {"PSNR": []}
    if with_ssim:
        scores["SSIM"] = []
    for image in images:
        sr, reference = bicubic_sr(image, degradation, protocol)
        scores["PSNR"].append(psnr(sr, reference, crop=degradation.scale))
        if with_ssim:
            scores["SSIM"].append(ssim(sr, reference, crop=degradation.scale))
    return scores


@dataclass(frozen=True)
class BicubicTableSpec:
    """What to compute: ``image_limit`` images per set (None = all) and the protocols."""

    image_limit: int | None = None
    protocols: tuple[Protocol, ...] = PROTOCOLS


def _tolerance(setting: TestSetting, metric: str) -> float:
    if metric == "SSIM":
        return TOLERANCES["SSIM"]
    if setting.degradation.noise > 0:
        return TOLERANCES["noisy"]
    return TOLERANCES["blurred"] if setting.degradation.kernel is not None else TOLERANCES["unblurred"]


def _cells(settings: list[TestSetting], paper_values: list[PaperValue], cell_of: Callable[[TestSetting], tuple]) -> list[tuple[PaperValue, list[TestSetting]]]:
    """Pair each published value with the test settings whose scores it averages."""
    grouped: dict[tuple, list[TestSetting]] = {}
    for setting in settings:
        grouped.setdefault(cell_of(setting), []).append(setting)
    return [(value, grouped[(value.dataset, value.scale, value.setting)]) for value in paper_values if (value.dataset, value.scale, value.setting) in grouped]


def _published_cells() -> list[tuple[PaperValue, list[TestSetting]]]:
    dasr_cells = _cells(dasr_table2(), dasr_paper.table2_bicubic(), lambda s: (s.dataset, s.degradation.scale, s.label))
    udvd_cells = _cells(udvd_table5(), udvd_paper.table5_bicubic(), lambda s: (s.dataset, s.degradation.scale, s.label))
    gldfn_cells = _cells(gldfn_table2(), gldfn_paper.table2_bicubic(), lambda s: (s.dataset, s.degradation.scale, "Gaussian8"))
    return dasr_cells + udvd_cells + gldfn_cells


def _unavailable_rows() -> list[dict]:
    """Published bicubic cells this data cannot check (Manga109, DIV2KRK images are not here)."""
    rows = []
    for value in gldfn_paper.table2_bicubic() + gldfn_paper.table6_bicubic():
        if value.dataset in ("Manga109", "DIV2KRK"):
            rows.append({"source": f"{value.paper} {value.table}", "dataset": value.dataset, "scale": value.scale,
                         "degradation": value.setting, "metric": value.metric, "protocol": "", "headline": False, "paper": value.value,
                         "ours": np.nan, "gap": np.nan, "n_images": 0, "within_tolerance": None, "tolerance": np.nan,
                         "note": f"not checkable here: no {value.dataset} images in the shared data"})
    return rows


class _Scorer:
    """Per-image scores of the bicubic baseline, computed once per (data set, degradation, protocol)."""

    def __init__(self, image_limit: int | None) -> None:
        self.image_limit = image_limit
        self.images: dict[str, list[NamedImage]] = {}
        self.memo: dict[tuple, dict[str, list[float]]] = {}
        self.ssim_wanted: set[tuple[str, Degradation]] = set()

    def mean(self, setting: TestSetting, protocol: Protocol, metric: str) -> tuple[float, int]:
        if setting.dataset not in self.images:
            self.images[setting.dataset] = load_benchmark(setting.dataset, limit=self.image_limit)
        key = (setting.dataset, setting.degradation, protocol)
        if key not in self.memo or metric not in self.memo[key]:
            # SSIM is computed with PSNR whenever any cell of this setting needs it.
            with_ssim = metric == "SSIM" or (setting.dataset, setting.degradation) in self.ssim_wanted
            self.memo[key] = evaluate_bicubic(self.images[setting.dataset], setting.degradation, protocol, with_ssim=with_ssim)
        return float(np.mean(self.memo[key][metric])), len(self.images[setting.dataset])


def _row(source: str, value: PaperValue | None, setting: TestSetting, metric: str, protocol: Protocol, ours: float, n_images: int) -> dict:
    paper = value.value if value is not None else np.nan
    gap = ours - paper
    tolerance = _tolerance(setting, metric) if value is not None else np.nan
    headline = protocol == ("rgb" if setting.degradation.noise > 0 else "y_only")
    return {"source": source, "dataset": setting.dataset, "scale": setting.degradation.scale,
            "degradation": value.setting if value is not None else setting.label, "metric": metric, "protocol": protocol, "headline": headline,
            "paper": paper, "ours": ours, "gap": gap, "n_images": n_images, "tolerance": tolerance,
            "within_tolerance": None if value is None else bool(abs(gap) <= tolerance + 1e-9), "note": value.note if value is not None else ""}


def bicubic_table(spec: BicubicTableSpec, *, progress: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(published, standard)`` bicubic tables, ours beside the paper.

    ``published``: every bicubic cell the papers print (DASR Table 2, UDVD Table 5, GLDFN Tables II
    and VI; a GLDFN Gaussian-8 cell is the mean over its 8 kernels), per protocol. ``standard``:
    noise-free, unblurred bicubic x2/x3/x4 on Set5/Set14/BSD100/Urban100, PSNR and SSIM, with the
    paper's value where one of the five papers prints it (PSNR: DASR Table 2).
    Columns: source, dataset, scale, degradation, metric, protocol, paper, ours, gap, n_images,
    tolerance, within_tolerance, note.
    """
    scorer = _Scorer(spec.image_limit)
    cells = _published_cells()
    unblurred_dasr = [setting for setting in dasr_table2() if setting.degradation.kernel is None]
    scorer.ssim_wanted = {(s.dataset, s.degradation) for value, settings in cells if value.metric == "SSIM" for s in settings}
    scorer.ssim_wanted |= {(s.dataset, s.degradation) for s in unblurred_dasr}
    iterator = cells
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(cells, desc="bicubic cells")
    published = []
    for value, settings in iterator:
        for protocol in spec.protocols:
            scores = [scorer.mean(setting, protocol, value.metric) for setting in settings]
            ours = float(np.mean([score for score, _ in scores]))
            published.append(_row(f"{value.paper} {value.table}", value, settings[0], value.metric, protocol, ours, scores[0][1]))
    standard = []
    dasr_psnr = {(v.dataset, v.scale, v.setting): v for v in dasr_paper.table2_bicubic()}
    for setting in unblurred_dasr:
        for metric in ("PSNR", "SSIM"):
            value = dasr_psnr[(setting.dataset, setting.degradation.scale, setting.label)] if metric == "PSNR" else None
            for protocol in spec.protocols:
                ours, n_images = scorer.mean(setting, protocol, metric)
                standard.append(_row("DASR Table 2" if value else "", value, setting, metric, protocol, ours, n_images))
    return pd.DataFrame(published + _unavailable_rows()), pd.DataFrame(standard)


def summarize(published: pd.DataFrame) -> dict[str, str]:
    """``{source: "k/n cells within tolerance, mean |gap|"}`` over the headline protocol of each cell."""
    summary = {}
    checkable = published[published["headline"].astype(bool) & published["within_tolerance"].notna()]
    for source, rows in checkable.groupby("source", sort=False):
        hits = int(rows["within_tolerance"].astype(bool).sum())
        summary[source] = f"{hits}/{len(rows)} within tolerance, mean |gap| {rows['gap'].abs().mean():.3f}"
    return summary


def _label_run(table: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """Add the columns every results table carries: profile, steps (no training: 0), seeds (noise seed)."""
    return table.assign(profile=profile.name, steps=0, seeds="noise_seed=0")


def run_bicubic_baselines(profile: Profile, *, progress: bool = False) -> dict[str, pd.DataFrame]:
    """Compute both bicubic tables for a profile and write them, with a gap figure, under ``results/baselines``.

    Files (under :func:`dynsr.paths.profile_results_dir`): ``baselines/tables/bicubic.{csv,json}``
    (published cells), ``baselines/tables/bicubic_standard.{csv,json}``, ``baselines/README.md`` (a
    generated report), ``figures/bicubic_gap.png``. Returns ``{"published": ..., "standard": ...}``.
    """
    published, standard = bicubic_table(BicubicTableSpec(image_limit=profile.benchmark_image_limit), progress=progress)
    published, standard = _label_run(published, profile), _label_run(standard, profile)
    metadata = {"profile": profile.name, "image_limit": profile.benchmark_image_limit, "protocols": list(PROTOCOLS),
                "tolerances": TOLERANCES, "metric": "Y (BT.601), crop = scale, mean over images",
                "note": "ours = MATLAB-bicubic upscaling of each paper's test LR; see dynsr.experiments.bicubic"}
    write_table(published, "baselines/tables/bicubic", profile=profile.name, metadata=metadata)
    write_table(standard, "baselines/tables/bicubic_standard", profile=profile.name, metadata=metadata)
    shown = published[published["headline"].astype(bool) & published["metric"].eq("PSNR")]
    figure = gap_plot(shown, title=f"Bicubic baselines, PSNR ours − paper in dB (headline protocol per cell, profile {profile.name})")
    save_figure(figure, profile_results_dir(profile.name) / "baselines" / "figures" / "bicubic_gap.png")
    write_text_atomic(profile_results_dir(profile.name) / "baselines" / "README.md", bicubic_report(published, standard, profile))
    return {"published": published, "standard": standard}


def _markdown(table: pd.DataFrame, columns: list[str]) -> str:
    def cell(value) -> str:
        if isinstance(value, float):
            return "" if np.isnan(value) else f"{value:.4f}" if abs(value) < 2 else f"{value:.2f}"
        return str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row[c]) for c in columns) + " |" for _, row in table[columns].iterrows()]
    return "\n".join(lines)


def bicubic_report(published: pd.DataFrame, standard: pd.DataFrame, profile: Profile) -> str:
    """Markdown report of both tables (generated; written to ``baselines/README.md``)."""
    columns = ["source", "dataset", "scale", "degradation", "metric", "paper", "ours", "gap", "within_tolerance"]
    keys = ["source", "dataset", "scale", "degradation", "metric"]
    headline = published[published["headline"].astype(bool) | published["protocol"].eq("")]
    other = published[~published["headline"].astype(bool) & published["protocol"].ne("")].set_index(keys)["ours"]
    shown = headline.assign(ours_other_protocol=[other.get(tuple(r), np.nan) for r in headline[keys].itertuples(index=False)])
    lines = [
        f"# Bicubic baselines (generated by `dynsr.experiments.bicubic`, profile `{profile.name}`; do not edit)",
        "",
        "ours = the headline protocol (`y_only`, the classic bicubic protocol, for noise-free cells; `rgb`, the pipeline a",
        "model sees, for noisy cells); ours_other_protocol = the other one.",
        "Tolerances: unblurred noise-free PSNR ±0.01 dB, blurred or noisy PSNR ±0.05 dB, SSIM ±0.002.",
        "",
        "## Summary",
        "",
        *[f"- {source}: {line}" for source, line in summarize(published).items()],
        "",
        "## Every published cell",
        "",
        _markdown(shown, columns + ["protocol", "ours_other_protocol", "note"]),
        "",
        "## Standard bicubic table (no blur, no noise)",
        "",
        _markdown(standard, ["dataset", "scale", "metric", "protocol", "paper", "ours", "gap"]),
        "",
    ]
    return "\n".join(lines)
