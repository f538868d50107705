"""The bicubic baseline rows of every paper: a training-free check of degradation + metric.

The bicubic baseline super-resolves an LR test image with MATLAB bicubic ``imresize(LR, s)``. Its
published numbers pin down the whole test pipeline (modcrop, kernel, padding, downsampler, noise,
quantisation, colour conversion, crop), so they are computed before any model is trained.

Four named protocols are computed, and every row says which (:data:`PROTOCOLS`):

* ``"y_only"``: the classic SRCNN/VDSR protocol behind the published unblurred numbers: take the Y
  channel of the HR image (MATLAB ``rgb2ycbcr`` on uint8, i.e. rounded; a grayscale file is its own
  Y), degrade and upsample that single channel in double precision (the LR is *not* quantised or
  clipped, whatever the degradation says, as in MATLAB's ``imresize`` on ``im2double`` input),
  round, and score it against the HR Y, crop = scale. This reproduces the classic numbers to 0.01 dB
  (Set5 x2 33.661); quantising the LR would give 33.652.
* ``"rgb"``: the protocol of a model: degrade the RGB image as the setting says, upsample, quantise,
  then score on Y, crop = scale. On noise-free settings it differs from ``y_only`` by -0.003 to
  +0.020 dB (mean +0.005; cpu run). The only meaningful one for noisy settings (UDVD Table 5 DN).
* ``"matlab_uint8"``: MATLAB functions applied to the 8-bit image itself, with MATLAB's defaults:
  ``imfilter(HR, k)`` (zero padding, correlation, result rounded to uint8), ``imresize(·, 1/s)`` and
  ``imresize(·, s)`` on uint8 (rounded to uint8 after each axis, :func:`matlab_bicubic_resize_uint8`),
  PSNR on the rounded Y over the whole image (no border shave); a grayscale image (Set14 ``bridge``)
  is replicated to RGB. Noise-free settings only. This is what produced DASR Table 2's blurred bicubic
  cells (every one of the 36 within 0.01 dB); zero padding alone (0.31-1.09 dB off with the shave) or
  no shave alone (0.04-1.20 dB off with reflect padding) does not, nor does float arithmetic (σ = 1.8
  at ×2: 0.013-0.015 dB off). DASR's own test code (reflect padding, shave = scale) cannot produce its
  paper's bicubic rows; dynsr's models are scored as that code scores them, so no model number changes.
* ``"ikc_gaussian8"``: IKC's Gaussian8 test sets, behind GLDFN Table II's Bicubic rows (GLDFN §IV-A
  Setting 1, §IV-D, Table II; numbers inherited from IKC/DAN; docs/decisions/gldfn.md, G1): the LR
  made as IKC's ``generate_mod_blur_LR_bic.py`` does (float32 21x21 Gaussian after reflection padding
  of 10, ``mul(255).byte()`` truncation to 8 bits, PIL bicubic downsampling per channel;
  :func:`dynsr.degradations.ikc.ikc_gaussian8_lr`), upscaled with MATLAB ``imresize`` in float64 and
  rounded, and scored on the full-range luma ``round(0.299 R + 0.587 G + 0.114 B)`` over the whole
  image (no shave), SSIM with the 11x11 window zero-padded at the borders (:mod:`dynsr.metrics`,
  ``luma="full_range"``, ``padding="zero"``). Isotropic Gaussian, noise-free settings only, and
  computed only for the cells it produced (GLDFN Table II, whose settings carry IKC's x2 widths
  0.9-1.6: :func:`dynsr.papers.gldfn.settings.gldfn_table2_bicubic`). It reproduces the 11 cells
  checked within -0.004...+0.009 dB; the classic protocol is 1.3-1.6 dB above them (1.32 dB of it
  the full-range luma, 20 log10(255 / 219)).

Each published cell is judged under the protocol that produced it (:func:`published_protocol`, the
``headline`` column): ``matlab_uint8`` for DASR Table 2's blurred cells, ``ikc_gaussian8`` for GLDFN
Table II's, ``rgb`` for noisy cells, ``y_only`` otherwise (the unblurred cells follow the classic
protocol: they were quoted from the literature). Noise in the ``y_only`` protocol is added to the Y
channel instead of to R, G and B. Only the bicubic rows change protocol: the models (IKC, DAN, DCLS,
GLDFN rows of the same Table II) are scored on BT.601 Y with a border of ``scale``, as their code does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from dynsr.data.benchmarks import NamedImage, load_benchmark
from dynsr.data.images import modcrop
from dynsr.degradations.bicubic import matlab_bicubic_resize, resize_contributions
from dynsr.degradations.blur import blur
from dynsr.degradations.ikc import IKC_KERNEL_SIZE, ikc_gaussian8_lr
from dynsr.degradations.noise import matlab_uint8
from dynsr.degradations.pipelines import Degradation, GaussianKernel, degrade, image_noise_rng
from dynsr.degradations.testsets import TestSetting
from dynsr.fileio import write_text_atomic
from dynsr.metrics import psnr, rgb_to_y, ssim, to_uint8
from dynsr.papers import PAPERS
from dynsr.papers.records import PaperValue
from dynsr.papers.spec import BicubicCell
from dynsr.paths import profile_results_dir
from dynsr.plots import gap_plot, save_figure
from dynsr.profiles import Profile
from dynsr.results import computed_row, quoted_row, write_table

__all__ = ["Protocol", "PROTOCOLS", "TOLERANCES", "published_protocol", "bicubic_sr", "evaluate_bicubic", "BicubicTableSpec", "bicubic_table",
           "summarize", "bicubic_report", "run_bicubic_baselines"]

Protocol = Literal["y_only", "rgb", "matlab_uint8", "ikc_gaussian8"]
PROTOCOLS: tuple[Protocol, ...] = ("y_only", "rgb", "matlab_uint8", "ikc_gaussian8")

# Acceptance: |ours - paper| for a noise-free cell (the papers print two decimals, so 0.005 is their rounding; the
# rest is left for float differences), and for a noisy one (the noise realisation differs from MATLAB's randn stream).
TOLERANCES = {"noise-free": 0.01, "noisy": 0.05, "SSIM": 0.002}

# Protocols that reproduce one source's own test data: computed for the cells of the sources that declare them only.
_SOURCE_ONLY: tuple[Protocol, ...] = ("ikc_gaussian8",)


def _blurred_protocols() -> dict[str, Protocol]:
    """Source (``"DASR Table 2"``) → the protocol of its blurred cells, as each paper declares (``PaperSpec.bicubic_protocols``)."""
    return {source: protocol for paper in PAPERS.values() for source, protocol in paper.bicubic_protocols.items()}


def published_protocol(source: str, degradation: Degradation) -> Protocol:
    """The protocol that produced a published bicubic cell of ``source`` (e.g. ``"DASR Table 2"``).

    ``rgb`` for a noisy cell; ``matlab_uint8`` for DASR Table 2's blurred cells; ``ikc_gaussian8`` for
    GLDFN Table II's (Gaussian-8) cells (docs/decisions/gldfn.md, G1; GLDFN Table II); ``y_only``
    otherwise. Bicubic cells only: the models are always scored with the classic metric.
    """
    if degradation.noise > 0:
        return "rgb"
    return _blurred_protocols().get(source, "y_only") if degradation.kernel is not None else "y_only"


def _applies(protocol: Protocol, degradation: Degradation, source: str = "") -> bool:
    """Whether ``protocol`` is computed for a cell of ``source`` (``""``: the standard table) with ``degradation``.

    ``matlab_uint8`` is defined for noise-free settings only (it never adds noise); ``ikc_gaussian8``
    for noise-free 21x21 isotropic Gaussian blur, and only for the cells it produced (GLDFN Table II;
    docs/decisions/gldfn.md, G1).
    """
    if protocol in _SOURCE_ONLY and _blurred_protocols().get(source) != protocol:
        return False
    if protocol == "ikc_gaussian8":
        return _is_ikc_gaussian8(degradation)
    return protocol != "matlab_uint8" or degradation.noise == 0


def _is_ikc_gaussian8(degradation: Degradation) -> bool:
    """A noise-free, bicubic-order degradation with a 21x21 isotropic Gaussian: what IKC's Gaussian8 script makes
    (GLDFN §IV-A Setting 1; docs/decisions/gldfn.md, G1)."""
    kernel = degradation.kernel
    return (degradation.noise == 0 and degradation.order == "blur_bicubic_noise" and isinstance(kernel, GaussianKernel)
            and kernel.size == IKC_KERNEL_SIZE)


def matlab_bicubic_resize_uint8(image: np.ndarray, scale: float) -> np.ndarray:
    """MATLAB ``imresize(I, scale)`` of a uint8 image ``(H, W[, C])``: each axis (rows first) summed over its taps in MATLAB's
    order (a multiply and an add per tap, float64), then rounded to uint8 (:func:`~dynsr.degradations.noise.matlab_uint8`)."""
    out = image
    for axis in (0, 1):
        weights, indices = resize_contributions(out.shape[axis], scale)  # (out, taps) each
        moved = np.moveaxis(out, axis, 0).astype(np.float64)  # (in, ...)
        total = np.zeros((weights.shape[0],) + moved.shape[1:])  # (out, ...)
        for tap in range(weights.shape[1]):
            total = total + weights[:, tap].reshape((-1,) + (1,) * (moved.ndim - 1)) * moved[indices[:, tap]]
        out = np.moveaxis(matlab_uint8(total), 0, axis)
    return out


def _matlab_uint8_sr(hr: np.ndarray, degradation: Degradation) -> np.ndarray:
    """``imresize(imresize(imfilter(HR, k), 1/s), s)`` with every step on uint8, as MATLAB does for a uint8 image."""
    if degradation.order != "blur_bicubic_noise":
        raise ValueError(f"the matlab_uint8 protocol is bicubic downsampling; got order {degradation.order!r}")
    blurred = hr if degradation.kernel is None else matlab_uint8(blur(hr.astype(np.float64), degradation.kernel.build(), padding="zero"))
    lr = matlab_bicubic_resize_uint8(blurred, 1.0 / degradation.scale)
    return matlab_bicubic_resize_uint8(lr, degradation.scale)


def _ikc_gaussian8_sr(hr: np.ndarray, degradation: Degradation) -> np.ndarray:
    """The ``ikc_gaussian8`` protocol's SR image (uint8 RGB) of a modcropped HR image.

    LR: :func:`dynsr.degradations.ikc.ikc_gaussian8_lr` (IKC's script: float32 blur with reflection
    padding 10, truncation to 8 bits, PIL bicubic per channel); SR: MATLAB ``imresize(LR, s)`` of the
    uint8 LR in float64 (:func:`~dynsr.degradations.bicubic.matlab_bicubic_resize`), rounded to uint8.
    docs/decisions/gldfn.md, G1; GLDFN §IV-A (Setting 1) and Table II.
    """
    if not _is_ikc_gaussian8(degradation):
        raise ValueError(f"the ikc_gaussian8 protocol needs a noise-free 21x21 isotropic Gaussian blur; got {degradation.label}")
    lr = ikc_gaussian8_lr(hr, degradation.kernel.sigma, degradation.scale)
    return to_uint8(matlab_bicubic_resize(lr / 255.0, degradation.scale))


def bicubic_sr(image: NamedImage, degradation: Degradation, protocol: Protocol) -> tuple[np.ndarray, np.ndarray]:
    """``(sr, reference)`` as uint8 arrays: the bicubic upscaling of the degraded image and what it is scored against.

    Both are ``(H, W)`` (a luma or grayscale plane) or ``(H, W, 3)``; :mod:`dynsr.metrics` takes
    a 2-D array as its own Y. Under ``matlab_uint8`` and ``ikc_gaussian8`` both are RGB (a grayscale
    image replicated), the modcropped HR being the reference.
    """
    hr = modcrop(image.pixels, degradation.scale)
    if protocol == "matlab_uint8":
        return _matlab_uint8_sr(hr, degradation), hr
    if protocol == "ikc_gaussian8":
        return _ikc_gaussian8_sr(hr, degradation), hr
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
    """Per-image PSNR (and SSIM) of the bicubic baseline under ``protocol``.

    ``y_only`` / ``rgb``: BT.601 Y, crop = scale; ``matlab_uint8``: the rounded BT.601 Y, no shave;
    ``ikc_gaussian8``: the full-range luma, no shave, SSIM zero-padded over the whole map
    (docs/decisions/gldfn.md, G1; GLDFN Table II, §IV-D).
    """
    scores: dict[str, list[float]] = {"PSNR": []}
    if with_ssim:
        scores["SSIM"] = []
    whole_image = protocol in ("matlab_uint8", "ikc_gaussian8")  # MATLAB psnr/ssim on a rounded luma, no shave
    crop = 0 if whole_image else degradation.scale
    luma = "full_range" if protocol == "ikc_gaussian8" else "bt601"
    padding = "zero" if protocol == "ikc_gaussian8" else "valid"
    for image in images:
        sr, reference = bicubic_sr(image, degradation, protocol)
        scores["PSNR"].append(psnr(sr, reference, crop=crop, round_y=whole_image, luma=luma))
        if with_ssim:
            scores["SSIM"].append(ssim(sr, reference, crop=crop, round_y=whole_image, luma=luma, padding=padding))
    return scores


@dataclass(frozen=True)
class BicubicTableSpec:
    """What to compute: ``image_limit`` images per set (None = all) and the protocols."""

    image_limit: int | None = None
    protocols: tuple[Protocol, ...] = PROTOCOLS


def _tolerance(setting: TestSetting, metric: str) -> float:
    if metric == "SSIM":
        return TOLERANCES["SSIM"]
    return TOLERANCES["noisy"] if setting.degradation.noise > 0 else TOLERANCES["noise-free"]


def _published_cells() -> list[BicubicCell]:
    """Every paper's published bicubic cells with their settings (``PaperSpec.bicubic_cells``)."""
    return [cell for paper in PAPERS.values() if paper.bicubic_cells for cell in paper.bicubic_cells()]


def _standard_cells() -> list[BicubicCell]:
    """The unblurred, noise-free published cells of the standard table (``PaperSpec.standard_bicubic``: DASR Table 2's σ = 0)."""
    return [cell for paper in PAPERS.values() if paper.standard_bicubic for cell in paper.standard_bicubic()]


def _unavailable_rows(profile: str) -> list[dict]:
    """Published bicubic cells this data cannot check (Manga109, DIV2KRK images are not here)."""
    return [quoted_row(method="Bicubic", dataset=value.dataset, scale=value.scale, degradation=value.setting, metric=value.metric, paper=value.value,
                       profile=profile, published_in=f"{value.paper} {value.table}", protocol="", headline=False, tolerance=np.nan,
                       within_tolerance=None, note=f"not checkable here: no {value.dataset} images in the shared data")
            for paper in PAPERS.values() if paper.unchecked_bicubic for value in paper.unchecked_bicubic()]


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


def _row(published_in: str, value: PaperValue | None, setting: TestSetting, metric: str, protocol: Protocol, ours: float, n_images: int,
         profile: str) -> dict:
    """A bicubic row: ``published_in`` names the paper's table that prints ``value`` ("" where none does)."""
    published = value is not None
    tolerance = _tolerance(setting, metric) if published else np.nan
    return computed_row(method="Bicubic", dataset=setting.dataset, scale=setting.degradation.scale, degradation=value.setting if published else setting.label,
                        metric=metric, paper=value.value if published else None, ours=ours, profile=profile,
                        noise_seed=setting.degradation.noise_seed, n_images=n_images, published_in=published_in, protocol=protocol,
                        headline=protocol == published_protocol(published_in, setting.degradation), tolerance=tolerance,
                        within_tolerance=bool(abs(ours - value.value) <= tolerance + 1e-9) if published else None,
                        note=value.note if published else "")


def bicubic_table(spec: BicubicTableSpec, *, profile: str, progress: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(published, standard)`` bicubic tables, ours beside the paper.

    ``published``: every bicubic cell the papers print (DASR Table 2, UDVD Table 5, GLDFN Tables II
    and VI; a GLDFN Gaussian-8 cell is the mean over images x its 8 kernels, IKC's widths), per protocol
    that applies (``ikc_gaussian8`` to GLDFN Table II only). ``standard``:
    noise-free, unblurred bicubic x2/x3/x4 on Set5/Set14/BSD100/Urban100, PSNR and SSIM, with the
    paper's value where one of the five papers prints it (PSNR: DASR Table 2).
    Columns: the schema's (:mod:`dynsr.result_rows`; computed rows, a cell not checkable here quoted), then published_in
    (the paper's table), protocol, headline, tolerance, within_tolerance, note.
    """
    scorer = _Scorer(spec.image_limit)
    cells = _published_cells()
    standard_cells = _standard_cells()
    scorer.ssim_wanted = {(s.dataset, s.degradation) for value, settings in cells if value.metric == "SSIM" for s in settings}
    scorer.ssim_wanted |= {(settings[0].dataset, settings[0].degradation) for _, settings in standard_cells}
    iterator = cells
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(cells, desc="bicubic cells")
    published = []
    for value, settings in iterator:
        published_in = f"{value.paper} {value.table}"
        for protocol in (p for p in spec.protocols if _applies(p, settings[0].degradation, published_in)):
            scores = [scorer.mean(setting, protocol, value.metric) for setting in settings]
            ours = float(np.mean([score for score, _ in scores]))
            published.append(_row(published_in, value, settings[0], value.metric, protocol, ours, scores[0][1], profile))
    standard = []
    for published_value, (setting, *_) in standard_cells:
        for metric in ("PSNR", "SSIM"):
            value = published_value if published_value.metric == metric else None
            for protocol in (p for p in spec.protocols if _applies(p, setting.degradation)):
                ours, n_images = scorer.mean(setting, protocol, metric)
                standard.append(_row(f"{value.paper} {value.table}" if value else "", value, setting, metric, protocol, ours, n_images, profile))
    return pd.DataFrame(published + _unavailable_rows(profile)), pd.DataFrame(standard)


def summarize(published: pd.DataFrame) -> dict[str, str]:
    """``{published_in: "k/n cells within tolerance, mean |gap|"}`` over the headline protocol of each cell."""
    summary = {}
    checkable = published[published["headline"].astype(bool) & published["within_tolerance"].notna()]
    for table, rows in checkable.groupby("published_in", sort=False):
        hits = int(rows["within_tolerance"].astype(bool).sum())
        summary[table] = f"{hits}/{len(rows)} within tolerance, mean |gap| {rows['gap'].abs().mean():.3f}"
    return summary


def run_bicubic_baselines(profile: Profile, *, progress: bool = False) -> dict[str, pd.DataFrame]:
    """Compute both bicubic tables for a profile and write them, with a gap figure, under ``results/baselines``.

    Files (under :func:`dynsr.paths.profile_results_dir`): ``baselines/tables/bicubic.{csv,json}``
    (published cells), ``baselines/tables/bicubic_standard.{csv,json}``, ``baselines/README.md`` (a
    generated report), ``figures/bicubic_gap.png``. Returns ``{"published": ..., "standard": ...}``.
    """
    published, standard = bicubic_table(BicubicTableSpec(image_limit=profile.benchmark_image_limit), profile=profile.name, progress=progress)
    metadata = {"profile": profile.name, "image_limit": profile.benchmark_image_limit, "protocols": list(PROTOCOLS),
                "tolerances": TOLERANCES,
                "metric": "per protocol: y_only/rgb BT.601 Y, crop = scale; matlab_uint8 rounded BT.601 Y, no crop; ikc_gaussian8 full-range luma, "
                          "no crop, zero-padded SSIM (docs/decisions/gldfn.md, G1); mean over images (and a Gaussian-8 cell's 8 kernels)",
                "note": "ours = MATLAB-bicubic upscaling of each paper's test LR; see dynsr.experiments.bicubic"}
    write_table(published, "baselines/tables/bicubic", profile=profile.name, metadata=metadata)
    write_table(standard, "baselines/tables/bicubic_standard", profile=profile.name, metadata=metadata)
    shown = published[published["headline"].astype(bool) & published["metric"].eq("PSNR")]
    figure = gap_plot(shown, title=f"Bicubic baselines, PSNR ours − paper in dB (headline protocol per cell, profile {profile.name})",
                      group="published_in")
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
    columns = ["published_in", "dataset", "scale", "degradation", "metric", "paper", "ours", "gap", "within_tolerance"]
    shown = published[published["headline"].astype(bool) | published["protocol"].eq("")]
    lines = [
        f"# Bicubic baselines (generated by `dynsr.experiments.bicubic`, profile `{profile.name}`; do not edit)",
        "",
        "ours = the cell's published protocol (`protocol`): `matlab_uint8` (MATLAB `imfilter` + `imresize` on the uint8 image,",
        "zero padding, PSNR on the whole image) for DASR Table 2's blurred cells, `ikc_gaussian8` (IKC's Gaussian8 LR: float32",
        "blur, truncation to 8 bits, PIL bicubic; full-range luma, no shave, zero-padded SSIM; docs/decisions/gldfn.md, G1) for",
        "GLDFN Table II's cells, `rgb` (the pipeline a model sees) for noisy cells, `y_only` (the classic bicubic protocol)",
        "otherwise; the other protocols' values are in `tables/bicubic.csv`. The models are scored with the classic metric.",
        f"Tolerances: noise-free PSNR ±{TOLERANCES['noise-free']} dB, noisy PSNR ±{TOLERANCES['noisy']} dB, SSIM ±{TOLERANCES['SSIM']}.",
        "",
        "## Summary",
        "",
        *[f"- {table}: {line}" for table, line in summarize(published).items()],
        "",
        "## Every published cell",
        "",
        _markdown(shown, columns + ["protocol", "note"]),
        "",
        "## Standard bicubic table (no blur, no noise)",
        "",
        _markdown(standard, ["dataset", "scale", "metric", "protocol", "paper", "ours", "gap"]),
        "",
    ]
    return "\n".join(lines)
