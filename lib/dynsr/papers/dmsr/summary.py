"""``results/dmsr/README.md``: a summary generated from the DMSR tables (notebook 04), never written by hand.

It states, from the files written by notebooks 01-03: the mean gap per table and method, every claim verdict with the
numbers behind it (the noise collapse of Table 1, the ablations of Tables 2-4), which claims are not checkable here and
why, the parameter counts, and the training time of the profile's weights. A table that has not been generated yet is
listed as such.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dynsr.experiments.common import SummaryParams, distinct_values, gap_section, read_table, summary_header, training_time, write_summary
from dynsr.papers.dmsr.recipes import RECIPES
from dynsr.profiles import get_profile
from dynsr.results import Source, format_seeds, verdict_text

__all__ = ["SummaryParams", "TABLES", "CLAIM_TABLES", "run", "summary_text"]

TABLES = {
    "tableB5_complexity": "Table B.5 (parameters, no training)",
    "table1": "Table 1 (multiple degradations, Set5 / Set14 / B100, ×2-×4)",
    "table2": "Table 2 (the extractor's losses, Set5 ×4)",
    "table3": "Table 3 (the meta-restoration modules, Set5 ×2)",
    "table4": "Table 4 (the number of MBMs, Set5 ×3)",
}
CLAIM_TABLES = {name: f"{name}_claims" for name in ("table1", "table2", "table3", "table4")}


def _number(value: float, *, sign: bool = True) -> str:
    return "" if pd.isna(value) else (f"{value:+.3f}" if sign else f"{value:.3f}")


def _claim_lines(claims: pd.DataFrame) -> list[str]:
    """The claims paired by seed as a Markdown table (claims nothing was run for are listed separately)."""
    lines = ["| claim | paper | ours mean | ours min | ours max | seed spread | seeds | parameters (better / worse) | verdict |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in claims.itertuples():
        sizes = f"{int(row.better_parameters):,} / {int(row.worse_parameters):,}"
        lines.append(f"| {row.claim} | {_number(row.paper_difference)} | {_number(row.ours_mean_difference)} | {_number(row.ours_min_difference)} | "
                     f"{_number(row.ours_max_difference)} | {_number(row.seed_spread, sign=False)} | {format_seeds(row.seeds)} | {sizes} | "
                     f"**{verdict_text(row.verdict, row.reason)}** |")
    return lines


def _verdict_counts(claims: pd.DataFrame) -> str:
    return ", ".join(f"{verdict}: {count}" for verdict, count in claims["verdict"].value_counts(sort=False).items())


def _computed_gaps(table: pd.DataFrame) -> list[str]:
    """The gap of each computed row with a published value (bicubic: a check of the pipeline)."""
    computed = table[(table["source"] == Source.COMPUTED) & table["gap"].notna()]
    return [f"  - {row.method} ({row.metric}): ours − paper {row.gap:+.4f}" for row in computed.itertuples()]


def summary_text(profile_name: str) -> str:
    """The Markdown of ``results/[<profile>/]dmsr/README.md``."""
    profile = get_profile(profile_name)
    folder, lines = summary_header("dmsr", "DMSR", notebook="04_dmsr_summary.ipynb", profile=profile.name)
    lines += gap_section(folder, TABLES, extra=_computed_gaps)
    lines += ["", "## Claims", "",
              "Paired by seed (`dynsr.claims`, PSNR dB): *holds* needs every seed to agree with the paper's sign and the mean difference to "
              "exceed the seed spread (the larger of the two sides' max − min over seeds); a comparator below bicubic makes a verdict *not "
              "informative*; a resolved difference won by a network more than 5 % larger is *confounded by size*. Where the paper's difference is "
              "no larger than our seed spread, the reason says these seeds cannot resolve it.", ""]
    unchecked = []
    for name, claims_name in CLAIM_TABLES.items():
        claims = read_table(folder, claims_name)
        if claims is None:
            lines += [f"- {TABLES[name]}: claims not generated yet", ""]
            continue
        measured = claims[claims["source"] == Source.TRAINED]
        unchecked += [f"- {row.claim}: **{verdict_text(row.verdict, row.reason)}**" for row in claims[claims["source"] != Source.TRAINED].itertuples()]
        lines += [f"### {TABLES[name]}", "", f"Verdicts: {_verdict_counts(measured)}.", "", *_claim_lines(measured), ""]
        if "paper_claim" in measured and (measured["paper_claim"] != "a gain").any():
            lines += ["The paper claims *no obvious gain* for the rows so marked (`paper_claim`): an inconclusive verdict agrees with it there, a "
                      "resolved one does not.", ""]
    table1 = read_table(folder, "table1")
    if table1 is not None:
        quoted = table1[table1["source"] == Source.QUOTED]
        unchecked.append(f"- Quoted from the paper, not run here: {distinct_values(quoted['method'])}.")
    lines += ["## Not checkable here", "", *(unchecked or ["- nothing recorded yet"]),
              "- Absolute agreement with Tables 1-4: needs the paper-scale training (`paper` profile, GPU-days).", ""]
    sizes = []
    for name in ("table1", "table2", "table3", "table4"):
        table = read_table(folder, name)
        if table is not None:
            trained = table[table["source"] == Source.TRAINED]
            sizes += [f"{method} ×{scale} {int(count):,} (`{recipe}`)"
                      for (method, recipe, scale), count in trained.groupby(["method", "recipe", "scale"], sort=False)["parameters"].max().items()]
    lines += ["## Parameters (as the paper counts them)", "", "- " + ("; ".join(dict.fromkeys(sizes)) if sizes else "appear once Tables 1-4 are generated"), ""]
    total, runs = training_time(profile.name, RECIPES)
    lines += ["## Training time of this profile's weights", "",
              f"- {total / 3600:.2f} h of wall time in total (on 1-2 threads, partly shared with evaluations)" + (": " + "; ".join(runs) if runs else "")]
    return "\n".join(lines) + "\n"


def run(params: SummaryParams) -> tuple[Path, str]:
    """Write ``results/[<profile>/]dmsr/README.md`` and return its path and text."""
    return write_summary(params.profile, "dmsr", summary_text(params.profile))
