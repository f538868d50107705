"""What the experiments of every paper share beyond scoring (paper-free: no paper is imported here).

:mod:`dynsr.experiments.scoring` holds the parameters, model loading, scoring and paper | ours | gap
rows that every notebook uses; this module adds the pieces that the two papers' experiment modules
otherwise each wrote out:

* what a table's run returns: :class:`TableOutputs` (each paper adds the one other table it returns);
* seeded runs (UDVD's and DASR's Table 1): :class:`SeededParams` (``seeds``), :class:`SeededOutputs`,
  :func:`per_seed_runs` (every recipe × seed, with the training logs), :func:`write_seeded_outputs`, :func:`training_columns` and
  :func:`seed_columns` (the per-seed columns of a mean-over-seeds row);
* heat-maps (UDVD's and DASR's): :func:`heatmap_rows`, :func:`heatmap_grids` (the grids of a written
  heat-map table) and :func:`heatmap_figure`;
* figures drawn from a written table alone (every paper's gap plots, its heat-maps): :func:`table_figures`, :func:`gap_figure`,
  :func:`heatmap_table_figure`,
  :func:`draw_table_figure`, :func:`redraw_table_figures` (after a change to the plotting code, without re-running a model);
* generated summaries (each paper's ``summary``): :class:`SummaryParams`, :func:`summary_header`, :func:`read_table`,
  :func:`distinct_values`, :func:`gap_lines`, :func:`gap_section`, :func:`training_time`, :func:`write_summary`.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import colors
from matplotlib.image import AxesImage

from dynsr.checkpoints import load_checkpoint
from dynsr.degradations.testsets import TestSetting
from dynsr.experiments.scoring import Params, TrainedModel, model_row, score
from dynsr.fileio import write_text_atomic
from dynsr.paths import profile_results_dir
from dynsr.plots import gap_plot, save_figure, training_curves
from dynsr.profiles import Profile, get_profile
from dynsr.results import Source, format_seeds, read_table_file, write_table
from dynsr.results import read_table as read_written_table
from dynsr.training.config import TrainConfig

__all__ = ["write_heatmap", 
    "TableOutputs", "SeededParams", "SeededOutputs", "write_seeded_outputs", "check_seeds", "per_seed_runs", "training_columns", "seed_columns",
    "heatmap_rows", "heatmap_grids", "heatmap_figure",
    "reduced_scale_note", "TableFigure", "SHARED_TABLE_FIGURES", "gap_figure", "heatmap_table_figure", "table_figures", "draw_table_figure", "redraw_table_figures",
    "SummaryParams", "summary_header", "read_table", "distinct_values", "gap_lines", "gap_section", "comparator_budget_lines", "training_time", "write_summary",
]


@dataclass(frozen=True, kw_only=True)
class TableOutputs:
    """What a table's run returns: the written table, the figures drawn from it, and the summary the notebook prints."""

    table: pd.DataFrame
    figures: list[Path]
    summary: dict[str, str]


# --- seeded runs --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SeededParams(Params):
    """:class:`~dynsr.experiments.scoring.Params` plus ``seeds``: every model is trained once per seed."""

    seeds: tuple[int, ...] = (0, 1)


@dataclass(frozen=True)
class SeededOutputs:
    """A seeded table: the mean-over-seeds table, the paired-by-seed claim verdicts, one row per seed, the figures."""

    table: pd.DataFrame
    claims: pd.DataFrame
    per_seed: pd.DataFrame
    figures: list[Path]


def write_seeded_outputs(paper: str, name: str, *, profile: str, table: pd.DataFrame, claims: pd.DataFrame, per_seed: pd.DataFrame,
                         logs: dict[str, pd.DataFrame], metadata: dict[str, str], claims_note: str, figure: plt.Figure, figure_name: str,
                         curves_title: str, loss_label: str) -> SeededOutputs:
    """Write a seeded table (``<paper>/tables/<name>``) and its claim verdicts (``<name>_claims``), save its figure and the
    training curves of every run (``<name>_training_curves.png``) under ``<paper>/figures/``."""
    write_table(table, f"{paper}/tables/{name}", profile=profile, metadata=metadata)
    write_table(claims, f"{paper}/tables/{name}_claims", profile=profile, metadata={"note": claims_note})
    figures_dir = profile_results_dir(profile) / paper / "figures"
    figures = [save_figure(figure, figures_dir / figure_name),
               save_figure(training_curves(logs, title=curves_title, loss_label=loss_label), figures_dir / f"{name}_training_curves.png")]
    return SeededOutputs(table, claims, per_seed, figures)


def check_seeds(params: SeededParams) -> None:
    if not params.seeds:
        raise ValueError("seeds is empty; give at least one seed (two or more for claim verdicts)")


def per_seed_runs(recipes: Mapping[str, str], params: SeededParams, *, scale: int, load: Callable[..., TrainedModel],
                  rows: Callable[[str, str, TrainedModel, Profile], list[dict[str, Any]]]) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Every ``{label: recipe}`` for every seed, loaded (or trained) by ``load`` (the calling module's ``trained_model``).

    ``rows(label, recipe, trained, profile)`` gives one run's rows; returns them as a frame and the training logs keyed
    ``"<label> s<seed>"`` (for :func:`dynsr.plots.training_curves`).
    """
    profile = get_profile(params.profile)
    table, logs = [], {}
    for label, recipe in recipes.items():
        for seed in params.seeds:
            trained = load(recipe, params, scale=scale, seed=seed)
            table += rows(label, recipe, trained, profile)
            logs[f"{label} s{seed}"] = pd.DataFrame(trained.provenance["log"])
    return pd.DataFrame(table), logs


def training_columns(trained: TrainedModel) -> dict[str, Any]:
    """The training columns of a per-seed row: steps, parameters (as the paper counts them), train seconds, threads."""
    return {"steps": trained.steps, "parameters": trained.model.paper_parameter_count(), "train_seconds": trained.provenance["train_seconds"],
            "threads": trained.provenance["threads"]}


def seed_columns(values: np.ndarray) -> dict[str, Any]:
    """The per-seed columns of a mean-over-seeds row (its seeds in order): ``ours_per_seed`` (4 decimals) and ``seed_spread`` (max − min)."""
    return {"ours_per_seed": "/".join(f"{v:.4f}" for v in values), "seed_spread": float(values.max() - values.min())}


# --- heat-maps ----------------------------------------------------------------------------------------------

def heatmap_rows(method: str, means: pd.DataFrame, *, profile: str, trained: TrainedModel | None) -> list[dict[str, Any]]:
    """One row per (width, noise) cell of a heat-map of the ``trained`` model, or of one computed without training
    (``trained=None``: bicubic); no published values (paper and gap are NaN)."""
    return [model_row(trained, method=method, dataset=cell.dataset, scale=cell.scale, degradation=cell.setting, metric="PSNR", paper=None,
                      ours=cell.PSNR, profile=profile, noise_seed=cell.noise_seed, n_images=cell.n_images, kernel_width=cell.kernel_width,
                      noise=cell.noise) for cell in means.itertuples()]


def heatmap_grids(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The PSNR grids (index: kernel width, columns: noise level) of a heat-map table (:func:`heatmap_rows`), one per
    method in order of appearance, plus ``difference <first> − <second>`` where there are two methods."""
    grids = {method: rows.pivot(index="kernel_width", columns="noise", values="ours")
             for method, rows in table.groupby("method", sort=False)}
    if len(grids) == 2:
        (first, a), (second, b) = grids.items()
        grids[f"difference {first} − {second}"] = a - b
    return grids


def _heatmap_panel(axis: plt.Axes, grid: pd.DataFrame, norm: colors.Normalize, *, difference: bool, xlabel: str,
                   kernel: Callable[[float], np.ndarray]) -> AxesImage:
    """One grid drawn on ``norm`` (noise up, kernel width across), its value in each cell, ``kernel(width)`` under each column."""
    values = grid.T.to_numpy()  # (noise, width)
    colormap = plt.get_cmap("RdBu" if difference else "viridis")
    image = axis.imshow(values, origin="lower", aspect="auto", cmap=colormap, norm=norm)
    for (row, column), value in np.ndenumerate(values):
        shade = colormap(norm(value))
        dark = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2] < 0.5
        axis.text(column, row, f"{value:+.2f}" if difference else f"{value:.1f}", ha="center", va="center", fontsize=6,
                  color="white" if dark else "black")
    axis.set_xticks(range(len(grid.index)), [f"{w:g}" for w in grid.index], fontsize=7)
    axis.set_yticks(range(len(grid.columns)), [f"{n:g}" for n in grid.columns], fontsize=7)
    axis.set_xlabel(xlabel, labelpad=34)
    axis.set_ylabel("noise level")
    for column, width in enumerate(grid.index):
        inset = axis.inset_axes([(column + 0.1) / len(grid.index), -0.2, 0.8 / len(grid.index), 0.12])
        inset.imshow(kernel(width), cmap="gray", interpolation="nearest")
        inset.axis("off")
    return image


def heatmap_figure(grids: dict[str, pd.DataFrame], title: str, *, xlabel: str, kernel: Callable[[float], np.ndarray]) -> plt.Figure:
    """PSNR grids (index: kernel width, columns: noise level) side by side, ``kernel(width)`` drawn under each column.

    The PSNR grids share one colour scale (one colour = one PSNR in every panel) and one colour bar; a grid labelled
    ``difference …`` is drawn on a diverging scale centred on 0, with its own colour bar.
    """
    figure, axes = plt.subplots(1, len(grids), figsize=(5.4 * len(grids), 4.6), squeeze=False, gridspec_kw={"wspace": 0.4})
    psnr = [grid.to_numpy().ravel() for label, grid in grids.items() if not label.startswith("difference")]
    shared = colors.Normalize(np.nanmin(np.concatenate(psnr)), np.nanmax(np.concatenate(psnr))) if psnr else None
    psnr_axes, image = [], None
    for axis, (label, grid) in zip(axes[0], grids.items()):
        axis.set_title(label, fontsize=9)
        if label.startswith("difference"):
            limit = np.nanmax(np.abs(grid.to_numpy()))
            drawn = _heatmap_panel(axis, grid, colors.Normalize(-limit, limit), difference=True, xlabel=xlabel, kernel=kernel)
            figure.colorbar(drawn, ax=axis, fraction=0.046, label=f"{label.removeprefix('difference ')} (dB)")
        else:
            image = _heatmap_panel(axis, grid, shared, difference=False, xlabel=xlabel, kernel=kernel)
            psnr_axes.append(axis)
    if psnr_axes:
        figure.colorbar(image, ax=psnr_axes, fraction=0.046 / len(psnr_axes), pad=0.02, label="PSNR (dB)")
    figure.suptitle(title, fontsize=10)
    return figure


# --- figures drawn from written tables ---------------------------------------------------------------------

@dataclass(frozen=True)
class TableFigure:
    """A figure drawn from one written table alone (no model): ``draw(table, profile)`` is saved as ``<profile results>/<figure>``."""

    table: str
    figure: str
    draw: Callable[[pd.DataFrame, str], plt.Figure]


def gap_figure(table: str, figure: str, name: str, *, rows: str, group: str) -> TableFigure:
    """The gap plot of the ``rows`` (a :meth:`pandas.DataFrame.query`) of ``table``, markers coloured by ``group``."""
    def draw(written: pd.DataFrame, profile: str) -> plt.Figure:
        return gap_plot(written.query(rows), title=f"{name}: ours − paper per cell (PSNR, dB; {profile} profile)", group=group)

    return TableFigure(table, figure, draw)


def heatmap_table_figure(table: str, figure: str, *, xlabel: str, kernel: Callable[[float], np.ndarray]) -> TableFigure:
    """The heat-map of a table written from :func:`heatmap_rows` (two methods and their difference)."""
    def draw(written: pd.DataFrame, profile: str) -> plt.Figure:
        first = written.iloc[0]
        title = (f"PSNR (dB) on {first['dataset']} x{first['scale']} per kernel width and noise level: "
                 f"{' vs '.join(pd.unique(written['method']))} ({profile} profile, one seed)")
        return heatmap_figure(heatmap_grids(written), title, xlabel=xlabel, kernel=kernel)

    return TableFigure(table, figure, draw)


def write_heatmap(methods: Iterable[tuple[str, Any, TrainedModel | None]], settings: list[TestSetting], profile: Profile, *, figure: TableFigure,
                  note: str) -> tuple[pd.DataFrame, list[Path]]:
    """Score each ``(label, model, trained)`` (``trained`` None: computed without training, e.g. bicubic) on the width × noise grid
    ``settings``, write the rows (:func:`heatmap_rows`) to ``figure.table`` and draw ``figure`` from the written table."""
    rows = [row for label, model, trained in methods for row in heatmap_rows(label, score(model, settings, profile), profile=profile.name, trained=trained)]
    table = pd.DataFrame(rows)
    write_table(table, figure.table, profile=profile.name, metadata={"note": note})
    return table, [draw_table_figure(figure, table, profile.name)]


SHARED_TABLE_FIGURES: tuple[TableFigure, ...] = (
    gap_figure("baselines/tables/bicubic", "baselines/figures/bicubic_gap.png", "Bicubic baselines (headline protocol per cell)",
               rows="headline and metric == 'PSNR'", group="published_in"),
)
"""The figures of the cross-paper tables (notebook 00); each paper lists its own in ``TABLE_FIGURES`` of its figures module."""


def table_figures() -> tuple[TableFigure, ...]:
    """Every figure drawn from a written table alone: the shared ones and each paper's (``PaperSpec.table_figures``)."""
    from dynsr.papers import PAPERS  # the registry; imported here, as figures are redrawn rarely

    papers = tuple(figure for paper in PAPERS.values() if paper.table_figures
                   for figure in importlib.import_module(paper.table_figures).TABLE_FIGURES)
    return SHARED_TABLE_FIGURES + papers


def draw_table_figure(spec: TableFigure, table: pd.DataFrame, profile: str) -> Path:
    """Draw ``spec`` from ``table`` and save it under the profile's results folder; return its path."""
    return save_figure(spec.draw(table, profile), profile_results_dir(profile) / spec.figure)


def redraw_table_figures(profile: str) -> list[Path]:
    """Redraw every :func:`table_figures` figure whose table the profile has written, from that table alone."""
    return [draw_table_figure(spec, read_written_table(spec.table, profile=profile), profile) for spec in table_figures()
            if (profile_results_dir(profile) / f"{spec.table}.csv").is_file()]


# --- the reduced-scale note of every notebook that trains -------------------------------------------------------

def _schedule(config: TrainConfig) -> str:
    sets = " + ".join({"BSD200": "50 BSD200 images", "T91": "T91", "DF2K": "DF2K"}.get(name, name) for name in config.train_sets)
    batch = f"{config.batch_size} images ({2 * config.batch_size} patches) per step" if config.paired_patches else f"batch {config.batch_size}"
    steps = (f"{config.encoder_steps:,} encoder steps then {config.steps - config.encoder_steps:,} steps of the whole network"
             if config.encoder_steps else f"{config.steps:,} steps")
    return f"{sets}, {config.lr_patch}² LR patches, {batch}, {steps}"


def reduced_scale_note(paper: str, profile: str, *, scale: int = 4) -> str:
    """Markdown: what the paper's own model had at ``profile`` against the published recipe (the ``paper`` profile), from the recipes."""
    from dynsr.papers import PAPERS  # the registry
    from dynsr.training.recipes import recipe

    spec = PAPERS[paper]
    ours, published = recipe(spec.main_recipe, profile, scale=scale), recipe(spec.main_recipe, "paper", scale=scale)
    settings = get_profile(profile)
    limit, crop = settings.network_limit, settings.benchmark_crop
    images = "every test image" if limit is None else f"the first {limit} images of each test set (`n_images`; Set5 has 5, Set14 14)"
    images += f", their central {crop}² pixels" if crop else ""
    return (f"**Reduced scale.** Every trained number here comes from the full-size network trained at the `{profile}` profile: "
            f"{_schedule(ours)}; the `paper` profile (the published recipe, unstated parts read as docs/decisions/{paper}.md says): "
            f"{_schedule(published)}. Read each gap as the cost of that, not as a property "
            f"of the method. Networks are scored on {images}. Comparators train for the compute of the method they are compared "
            "with (docs/decisions/udvd.md, U23); each table's `steps` column says what each row had. By default the profile's "
            "weights in `results/checkpoints/` are loaded (trained first where missing); `retrain=True` trains again (resumable).")


# --- generated summaries ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SummaryParams:
    """Parameters of a summary notebook (``11_udvd_summary``, ``19_dasr_summary``): the profile whose results are summarised."""

    profile: str = "smoke"


def summary_header(paper: str, title: str, *, notebook: str, profile: str) -> tuple[Path, list[str]]:
    """The tables folder of ``paper`` at ``profile`` and the opening lines of its generated summary (``title`` names the paper)."""
    folder = profile_results_dir(profile) / paper / "tables"
    return folder, [
        f"# {title} at our scale: summary",
        "",
        f"Generated by `notebooks/{paper}/{notebook}` from `{folder.name}/` (profile `{profile}`); do not edit by hand.",
        "Every trained number below is a full-size network trained at this profile (see each table's `steps` and `seeds`), not the paper's result.",
        "",
    ]


def read_table(folder: Path, name: str) -> pd.DataFrame | None:
    """``<folder>/<name>.csv`` (:func:`dynsr.results.read_table_file`), or None where it has not been generated yet."""
    path = folder / f"{name}.csv"
    return read_table_file(path) if path.is_file() else None


def distinct_values(values: pd.Series) -> str:
    """The distinct values of a column, as sorted text, comma-separated."""
    return ", ".join(str(v) for v in sorted(values.dropna().astype(str).unique()))


def gap_lines(table: pd.DataFrame, by: str | list[str], *, digits: int, unit: str = "") -> list[str]:
    """One line per group of trained cells: mean / min / max gap (``digits`` decimals, ``unit`` after the mean), steps, seeds, images."""
    trained = table[(table["source"] == Source.TRAINED) & table["gap"].notna()]
    lines = []
    for key, rows in trained.groupby(by, sort=False):
        name = " ".join(str(part) for part in key) if isinstance(key, tuple) else key
        gap = rows["gap"]
        lines.append(f"  - {name}: mean gap {gap.mean():+.{digits}f}{unit} (min {gap.min():+.{digits}f}, max {gap.max():+.{digits}f}) over "
                     f"{len(rows)} cells; steps {distinct_values(rows['steps'])}; seeds {distinct_values(rows['seeds'].map(format_seeds))}; "
                     f"images per set {distinct_values(rows['n_images'])}")
    return lines


def gap_section(folder: Path, tables: Mapping[str, str], *, extra: Callable[[pd.DataFrame], list[str]] | None = None) -> list[str]:
    """A summary's "Mean gap (ours − paper) per table" section: each of ``tables`` ({name: title}) written in ``folder`` or
    "not generated yet", with its :func:`gap_lines` per method and metric, and ``extra(table)``'s lines after them."""
    lines = ["## Mean gap (ours − paper) per table", ""]
    for name, title in tables.items():
        table = read_table(folder, name)
        lines.append(f"- {title}: " + ("not generated yet" if table is None else f"`tables/{name}.csv`"))
        if table is not None:
            lines += gap_lines(table, ["method", "metric"], digits=3) + (extra(table) if extra else [])
    return lines


def comparator_budget_lines(profile: str, recipe: str, *, scale: int, seeds: tuple[int, ...], method: str) -> list[str]:
    """One line per seed of a compute-matched comparator's exported weights (docs/decisions/udvd.md, U23): the steps that
    matched its method's training compute, the steps it trained (more where it was still below bicubic), its last
    validation PSNR and bicubic's; nothing for weights without that record (other profiles, older weights)."""
    from dynsr.training.recipes import weights_path  # noqa: PLC0415  (the recipes registry imports every paper)

    lines = []
    for seed in seeds:
        path = weights_path(recipe, scale, profile, seed)
        provenance = load_checkpoint(path).get("provenance", {}) if path.is_file() else {}
        if "matched_steps" not in provenance:
            continue
        validation = float(pd.DataFrame(provenance["log"])["val_psnr"].dropna().iloc[-1])
        extended = provenance["steps"] - provenance["matched_steps"]
        lines.append(f"- {method} (`{recipe}` x{scale}, seed {seed}): {provenance['matched_steps']:,} steps match its method's training compute; "
                     f"trained {provenance['steps']:,}" + (f" ({extended:,} more while below bicubic)" if extended else "") +
                     f"; last validation {validation:.2f} dB against bicubic's {provenance['bicubic_validation_psnr']:.2f} dB: "
                     f"{'above' if provenance['above_bicubic'] else 'still below'} bicubic")
    return lines


def training_time(profile: str, recipes: Iterable[str]) -> tuple[float, list[str]]:
    """Total training seconds of the profile's exported weights of ``recipes`` (files ``<recipe>_x<scale>[_seed<n>].pt``), and a
    line per file."""
    folder = profile_results_dir(profile) / "checkpoints"
    names = re.compile(rf"(?:{'|'.join(map(re.escape, recipes))})_x\d+(?:_seed\d+)?")
    total, lines = 0.0, []
    for path in sorted(folder.glob("*.pt")) if folder.is_dir() else []:
        if not names.fullmatch(path.stem):
            continue
        provenance = load_checkpoint(path).get("provenance", {})
        seconds = float(provenance.get("train_seconds", 0.0))
        total += seconds
        lines.append(f"{path.stem} {seconds / 60:.1f} min ({provenance.get('steps')} steps, {provenance.get('threads')} threads)")
    return total, lines


def write_summary(profile: str, paper: str, text: str) -> tuple[Path, str]:
    """Write ``results/[<profile>/]<paper>/README.md`` and return its path and text."""
    path = profile_results_dir(get_profile(profile).name) / paper / "README.md"
    write_text_atomic(path, text)
    return path, text
