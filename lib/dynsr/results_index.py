"""``results/README.md``: the index of every table and figure, regenerated from the results files.

Never edited by hand: ``dynsr reproduce`` rewrites it after the notebooks ran. One section per paper (the first
folder under the profile's results: baselines, then the papers in their order, then any other), each with

* one line per table written by :func:`dynsr.results.write_table`: rows, the steps, training seeds and test-noise
  seeds of the rows computed here (steps per method where they differ), per metric the cells with a published number
  and the mean and largest |gap| (ours − paper), and how many of its claim verdicts hold;
* the claim verdicts of claims tables, one Markdown table per file, grouped by claim (claim | setting | verdict, with
  its reason);
* every figure as a thumbnail with a caption derived from its name (:data:`FIGURE_CAPTIONS`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from dynsr.fileio import write_text_atomic
from dynsr.paths import profile_results_dir
from dynsr.results import REQUIRED_COLUMNS, Verdict, read_table_file, verdict_text

__all__ = ["FIGURE_CAPTIONS", "results_tables", "figure_caption", "results_index", "write_results_index", "README_BEGIN", "README_END",
           "readme_results", "write_readme_results"]

_SKIP = ("notebooks", "bench", "checkpoints", "smoke", "paper")
_BASELINES = {"baselines": "Bicubic baselines (every paper)"}


def _sections() -> dict[str, str]:
    """Results folder → section title: the baselines, then every paper of the registry in its order."""
    from dynsr.papers import PAPERS  # the registry (imported here: this module is imported by the CLI at start)

    return {**_BASELINES, **{name: paper.title for name, paper in PAPERS.items()}}
_FOLDED = 10  # verdict tables longer than this are folded into a <details> block
_THUMBNAILS = 3  # per row

FIGURE_CAPTIONS: tuple[tuple[str, str], ...] = (
    (r"baselines/bicubic_gap", "bicubic interpolation: ours − paper per cell, by data set × scale (grey: tolerance)"),
    (r"udvd/srmd_table2_gap", "SRMD: ours − UDVD Table 2 per cell, by data set × scale"),
    (r"\w+/table(?P<n>\d+)_gap", "Table {n}: ours − paper per cell, by data set × scale"),
    (r"\w+/heatmap_\w+", "PSNR over kernel width × noise level: two models on one colour scale, and their difference"),
    (r"baselines/kernels_(?P<name>\w+)", "blur kernels: {name}"),
    (r"baselines/degradation_examples", "example degradations (LR enlarged by pixel repetition)"),
    (r"\w+/(?:\w+_)?training_curves", "training loss and validation PSNR per run"),
    (r"\w+/table(?P<n>\d+)_(?P<what>configurations|models)", "Table {n}: PSNR of the {what}, paper and ours (one dot per seed)"),
    (r"\w+/table(?P<n>\d+)_psnr_vs_sigma", "Table {n}: PSNR against kernel width σ"),
    (r"\w+/table(?P<n>\d+)_kernels", "Table {n}: the kernels (reconstructed from a third party, unverified)"),
    (r"dasr/fig(?P<n>\d+)_tsne", "Fig. {n}: t-SNE of the degradation representations"),
    (r"dasr/fig(?P<n>\d+)_content_invariance", "Fig. {n}: PSNR with the representations of other images (content invariance)"),
    (r"dasr/fig(?P<n>\d+)_real", "Fig. {n}: a real image super-resolved blind (no ground truth)"),
    (r"dmsr/fig8_kernel_estimates", "Fig. 8: the true blur kernel and the degradation extractor's estimates, per loss setting of Table 2"),
    (r"dmsr/figC9_parameter_window", "Fig. C.9: one image under a grid of kernel width × noise level, each LR's estimated noise level"),
    (r"udvd/fig(?P<n>\d+)_kernels", "Fig. {n}: per-pixel kernels for a uniform and a spatially varying degradation, and their difference"),
    (r"udvd/fig(?P<n>\d+)_(?P<image>\w+)_grid", "Fig. {n}: {image}, UDVD over a grid of kernel width × noise level"),
    (r"udvd/fig6_(?P<image>\w+)", "Fig. 6: real image {image} super-resolved by each method (no ground truth)"),
    (r"\w+/fig(?P<n>\d+)_(?P<image>\w+)", "Fig. {n}: {image}, crops of each method with the crop's PSNR"),
)
"""(pattern, caption) pairs, first match wins: a pattern is matched against ``<paper>/<figure stem>``; its named groups
fill the caption (underscores shown as spaces)."""


def _relevant(path: Path, root: Path) -> bool:
    return not any(part in _SKIP for part in path.relative_to(root).parts[:-1])


def results_tables(root: Path) -> list[tuple[Path, pd.DataFrame]]:
    """Every results table under ``root`` (a CSV whose JSON, written by ``write_table``, lists the schema's columns), sorted by path."""
    tables = []
    for path in sorted(root.rglob("*.json")):
        if not _relevant(path, root) or not path.with_suffix(".csv").is_file():
            continue
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(payload, dict) and set(REQUIRED_COLUMNS) <= set(payload.get("columns", ())):
            tables.append((path, read_table_file(path.with_suffix(".csv"))))
    return tables


# --- one line per table -------------------------------------------------------------------------------------

def _text(value: object) -> str:
    """A cell as text: empty for a missing value, integral floats without ``.0``."""
    if value is None or pd.isna(value):
        return ""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _run_here(table: pd.DataFrame) -> pd.DataFrame:
    """The rows with a number of ours (quoted rows and unrun comparisons have none)."""
    return table[table["ours"].notna()]


def _steps(table: pd.DataFrame) -> str:
    """The distinct steps of the rows run here, largest first, each with its methods where there are several."""
    run = _run_here(table).dropna(subset=["steps"])
    values = sorted({int(v) for v in run["steps"]}, reverse=True)
    if len(values) < 2 or "method" not in run:
        return ", ".join(map(str, values)) or "—"
    methods = {v: ", ".join(pd.unique(run.loc[run["steps"].astype(int) == v, "method"].astype(str))) for v in values}
    return ", ".join(f"{v} ({methods[v]})" for v in values)


def _seeds(table: pd.DataFrame) -> str:
    """The distinct training seeds (bare: ``0, 1``) and test-noise seeds (``noise seed 0``) of a table's rows."""
    seeds = sorted({seed for row in table["seeds"] for seed in row})
    noise = sorted({int(seed) for seed in table["noise_seed"].dropna()})
    parts = [", ".join(map(str, seeds)), f"noise seed {', '.join(map(str, noise))}" if noise else ""]
    return "; ".join(part for part in parts if part) or "—"


def _gap_summary(table: pd.DataFrame) -> str:
    """Per metric: cells with a published value, mean gap, largest |gap| (headline rows only where a table marks them)."""
    if "headline" in table.columns:
        table = table[table["headline"].astype(bool)]
    parts = []
    for metric, rows in table.dropna(subset=["paper", "ours"]).groupby("metric", sort=False):
        gaps = rows["gap"].astype(float)
        precision = 4 if metric == "SSIM" else 2
        parts.append(f"{metric}: {len(rows)} cells, mean {gaps.mean():+.{precision}f}, max \\|gap\\| {gaps.abs().max():.{precision}f}")
    return "; ".join(parts) or "no published counterpart"


def _verdicts(table: pd.DataFrame) -> pd.Series:
    return table["verdict"].dropna() if "verdict" in table else pd.Series(dtype=str)


def _holds(verdicts: pd.Series) -> str:
    return f"{int((verdicts == Verdict.HOLDS).sum())} of {len(verdicts)} hold" if len(verdicts) else "—"


def _link(path: Path, root: Path) -> str:
    """A Markdown link to a table's CSV, relative to ``root`` (the folder of the file the link is written into)."""
    relative = path.with_suffix(".csv").relative_to(root).as_posix()
    return f"[{relative}]({relative})"


def _table_lines(tables: list[tuple[Path, pd.DataFrame]], root: Path) -> list[str]:
    lines = ["| table | rows | steps | seeds | paper vs ours | verdicts |", "|---|---|---|---|---|---|"]
    for path, table in tables:
        lines.append(f"| {_link(path, root)} | {len(table)} | {_steps(table)} | {_seeds(_run_here(table))} | "
                     f"{_gap_summary(table)} | {_holds(_verdicts(table))} |")
    return lines


# --- claim verdicts -----------------------------------------------------------------------------------------

def _cell(text: object) -> str:
    return str(text).replace("|", "\\|")


def _setting(row: pd.Series) -> str:
    """Data set, scale and degradation of a row (the scale left out where the degradation starts with it)."""
    degradation, scale = _text(row.get("degradation")), _text(row.get("scale"))
    scale = f"x{scale}" if scale and not degradation.startswith(f"x{scale} ") else ""
    return " ".join(part for part in (_text(row.get("dataset")), scale, degradation) if part)


def _claim_and_setting(row: pd.Series) -> tuple[str, str]:
    """A verdict row's claim and setting: a claim ending in ``[setting]`` is split there, else the row's data set × scale × degradation."""
    claim = _text(row.get("claim"))
    split = re.fullmatch(r"(?P<claim>.*?)\s*\[(?P<setting>[^\[\]]+)\]", claim)
    return (split["claim"], split["setting"]) if split else (claim, _setting(row))


def _verdict_lines(path: Path, table: pd.DataFrame, root: Path) -> list[str]:
    """The verdicts of one table grouped by claim (the claim named on its first row), behind a line counting each verdict."""
    rows = table[table["verdict"].notna()]
    claims = pd.DataFrame([(*_claim_and_setting(row), verdict_text(row["verdict"], row["reason"]), row["verdict"] == Verdict.HOLDS)
                           for _, row in rows.iterrows()], columns=["claim", "setting", "verdict", "holds"])
    claims = claims.assign(order=pd.factorize(claims["claim"])[0]).sort_values("order", kind="stable")
    counts = " · ".join(f"{count} × {verdict}" for verdict, count in claims["verdict"].value_counts(sort=False).items())
    body = ["| claim | setting | verdict |", "|---|---|---|"]
    previous = None
    for claim, setting, verdict, holds in claims[["claim", "setting", "verdict", "holds"]].itertuples(index=False):
        body.append(f"| {_cell(claim) if claim != previous else ''} | {_cell(setting)} | {'**' + _cell(verdict) + '**' if holds else _cell(verdict)} |")
        previous = claim
    heading = f"{_link(path, root)}: {len(claims)} verdicts ({counts})"
    if len(claims) <= _FOLDED:
        return [heading, "", *body, ""]
    return [heading, "", "<details><summary>every verdict</summary>", "", *body, "", "</details>", ""]


# --- figures ------------------------------------------------------------------------------------------------

def figure_caption(relative: Path) -> str | None:
    """The caption of a figure (path relative to the results folder) from :data:`FIGURE_CAPTIONS`, or None where no pattern matches."""
    key = f"{relative.parts[0]}/{relative.stem}"
    for pattern, caption in FIGURE_CAPTIONS:
        match = re.fullmatch(pattern, key)
        if match:
            return caption.format(**{name: value.replace("_", " ") for name, value in match.groupdict().items() if value})
    return None


def _gallery(figures: list[Path], root: Path) -> list[str]:
    """Captioned thumbnails, :data:`_THUMBNAILS` per row, each linking to the full-size figure."""
    cells = []
    for path in figures:
        relative = path.relative_to(root)
        caption = figure_caption(relative) or relative.stem.replace("_", " ")
        cells.append(f'<td width="33%" valign="top"><a href="{relative.as_posix()}"><img src="{relative.as_posix()}" width="100%" '
                     f'alt="{caption}"></a><br><code>{relative.name}</code>: {caption}</td>')
    rows = [cells[start:start + _THUMBNAILS] for start in range(0, len(cells), _THUMBNAILS)]
    return ["<table>", *(f"<tr>{''.join(row)}</tr>" for row in rows), "</table>"]


# --- the index ----------------------------------------------------------------------------------------------

def _paper(path: Path, root: Path) -> str:
    return path.relative_to(root).parts[0]


def _paper_section(paper: str, tables: list[tuple[Path, pd.DataFrame]], figures: list[Path], root: Path) -> list[str]:
    lines = [f"## {_sections().get(paper, paper)}", ""]
    if (root / paper / "README.md").is_file():
        lines += [f"Summary: [{paper}/README.md]({paper}/README.md)", ""]
    if tables:
        lines += ["### Tables", "", *_table_lines(tables, root), ""]
    judged = [(path, table) for path, table in tables if len(_verdicts(table))]
    if judged:
        lines += ["### Claim verdicts", ""] + [line for path, table in judged for line in _verdict_lines(path, table, root)]
    if figures:
        lines += ["### Figures", "", *_gallery(figures, root), ""]
    return lines


def _overview(papers: list[str], tables: list[tuple[Path, pd.DataFrame]], figures: list[Path], root: Path) -> list[str]:
    lines = ["| paper | tables | figures | claim verdicts |", "|---|---|---|---|"]
    for paper in papers:
        own = [table for path, table in tables if _paper(path, root) == paper]
        verdicts = pd.concat([_verdicts(table) for table in own] or [pd.Series(dtype=str)])
        lines.append(f"| {_sections().get(paper, paper)} | {len(own)} | {sum(_paper(p, root) == paper for p in figures)} | {_holds(verdicts)} |")
    return lines


def _contents(root: Path) -> tuple[list[str], list[tuple[Path, pd.DataFrame]], list[Path]]:
    """The papers (registry order) with results under ``root``, their tables and their figures."""
    tables = results_tables(root)
    figures = sorted(p for p in root.rglob("*.png") if _relevant(p, root))
    present = {_paper(path, root) for path, _ in tables} | {_paper(path, root) for path in figures}
    sections = _sections()
    return [paper for paper in sections if paper in present] + sorted(present - set(sections)), tables, figures


def results_index(profile: str) -> str:
    """The Markdown of ``results/README.md`` for a profile's results folder."""
    root = profile_results_dir(profile)
    papers, tables, figures = _contents(root)
    lines = [
        "# Results index",
        "",
        f"Generated by `dynsr reproduce --profile {profile}` from the files below; do not edit by hand.",
        f"gap = ours − paper. Every number here was made with the `{profile}` profile, at the steps and seeds of its table's row:",
        "a `cpu` number is the paper's architecture trained at reduced scale on 2 CPU cores, never the paper's result.",
        "Steps and seeds are those of the rows computed here (quoted rows have none); `noise seed` = the seed of the test-LR noise.",
        "",
        *_overview(papers, tables, figures, root),
        "",
    ]
    for paper in papers:
        lines += _paper_section(paper, [(p, t) for p, t in tables if _paper(p, root) == paper], [p for p in figures if _paper(p, root) == paper], root)
    return "\n".join(lines).rstrip("\n") + "\n"


def write_results_index(profile: str) -> Path:
    """Write ``<profile results>/README.md`` atomically and return its path."""
    path = profile_results_dir(profile) / "README.md"
    write_text_atomic(path, results_index(profile))
    return path


# --- the results section of the repository's README -----------------------------------------------------------

README_BEGIN = "<!-- results: generated by dynsr.results_index.readme_results from the committed tables; do not edit by hand -->"
README_END = "<!-- results: end -->"


def readme_results() -> str:
    """The results section of the repository's ``README.md``, between :data:`README_BEGIN` and :data:`README_END`: per paper,
    its committed (``cpu``) tables with their steps, seeds, paper-vs-ours gaps and verdict counts, and its generated summary."""
    root = profile_results_dir("cpu")
    papers, tables, figures = _contents(root)
    lines = [README_BEGIN, "",
             "Every number below comes from the committed tables under `results/` (the `cpu` profile: the papers' architectures trained at",
             "reduced scale on 2 CPU cores, never the papers' results); gap = ours − paper. Each paper's generated summary has the",
             "verdicts with their seed spread and what each comparator's training budget was; `results/README.md` indexes every table and figure.",
             "", *_overview(papers, tables, figures, root), ""]
    for paper in papers:
        own = [(path, table) for path, table in tables if _paper(path, root) == paper]
        lines += [f"### {_sections().get(paper, paper)}", ""]
        if (root / paper / "README.md").is_file():
            lines += [f"Summary: [results/{paper}/README.md](results/{paper}/README.md)", ""]
        if own:
            lines += [*_table_lines(own, root.parent), ""]  # links from the README beside results/
    return "\n".join([*lines, README_END]) + "\n"


def write_readme_results(readme: Path) -> None:
    """Replace the generated results section of ``readme`` (between the markers) with :func:`readme_results`."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(README_BEGIN), text.index(README_END) + len(README_END) + 1
    write_text_atomic(readme, text[:start] + readme_results() + text[end:])

