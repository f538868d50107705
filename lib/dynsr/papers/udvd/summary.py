"""``results/udvd/README.md``: a summary generated from the UDVD tables (notebook 11), never written by hand.

It states, from the files written by notebooks 02-10: the mean gap per table and method, the Table 1
claim verdicts with their seed spread, how many cells keep the paper's UDVD > SRMD ordering, the bicubic
pipeline check and the paper's BD-SSIM error (Table 5), the Fig. 4 kernel difference, the parameter
confound (UDVD vs SRMD) and the training time of the profile's weights. A table that has not been
generated yet is listed as such.
"""

from __future__ import annotations

from pathlib import Path

from dynsr.experiments.common import SummaryParams, gap_section, read_table, summary_header, training_time, write_summary
from dynsr.papers.udvd.recipes import RECIPES
from dynsr.profiles import get_profile
from dynsr.results import Source, format_seeds, verdict_text

__all__ = ["SummaryParams", "run", "summary_text"]

TABLES = {
    "table1": "Table 1 (configurations, Set5 ×3, width 1.3, noise 15)",
    "table2": "Table 2 (multiple degradations)",
    "table3": "Table 3 (spatially varying)",
    "table4": "Table 4 (noise-free models)",
    "table5": "Table 5 (BI and DN, ×3)",
}
PAIRS = {"table2": "table2_udvd_vs_srmd", "table3": "table3_udvd_vs_srmd", "table4": "table4_udvd_vs_srmdnf", "table5": "table5_udvd_vs_srmd"}


def summary_text(profile_name: str) -> str:
    """The Markdown of ``results/[<profile>/]udvd/README.md``."""
    profile = get_profile(profile_name)
    folder, lines = summary_header("udvd", "UDVD", notebook="11_udvd_summary.ipynb", profile=profile.name)
    lines += gap_section(folder, TABLES)
    lines += ["", "## Claims", ""]
    claims = read_table(folder, "table1_claims")
    if claims is None:
        lines.append("- Table 1 claims: not generated yet")
    else:
        lines.append("Table 1, paired by seed (difference in PSNR dB; *holds* needs every seed to agree with the paper's sign and the mean "
                     "difference to exceed the seed spread, the larger of the two configurations' max − min over seeds; with two seeds this "
                     "is a weak test):")
        lines.append("")
        lines.append("| claim | paper | ours mean | ours min | ours max | seed spread | seeds | parameters (better / worse) | verdict |")
        lines.append("|---|---|---|---|---|---|---|---|---|")
        for row in claims.itertuples():
            sizes = (f"{int(row.better_parameters):,} / {int(row.worse_parameters):,} ({row.size_difference:+.0%})"
                     if "better_parameters" in claims else "not recorded")
            lines.append(f"| {row.claim} | {row.paper_difference:+.2f} | {row.ours_mean_difference:+.3f} | {row.ours_min_difference:+.3f} | "
                         f"{row.ours_max_difference:+.3f} | {row.seed_spread:.3f} | {format_seeds(row.seeds)} | {sizes} | **{verdict_text(row.verdict, row.reason)}** |")
        lines.append("")
        lines.append("A verdict the seeds resolve is *confounded by size* when the winner has more than 5 % more parameters: the default "
                     "sub-pixel feature alignment gives UD and UDD a 3×3 conv 128 → 1,152 the paper does not describe (1.33 M parameters at ×3), "
                     "and DU trains on one loss term against UD's two.")
        lines.append("")
        lines.append("The paper's fine ordering U < DU < UD rests on 0.02-0.03 dB; a verdict on it at this scale says little either way.")
    for name, pair_name in PAIRS.items():
        pairs = read_table(folder, pair_name)
        if pairs is None:
            continue
        kept = int(pairs["same_sign_as_paper"].sum())
        below = (f"; **not informative in {int(pairs['comparator_below_bicubic'].sum())} of {len(pairs)} cells**, where the comparator is "
                 "below bicubic" if "comparator_below_bicubic" in pairs else "")
        lines.append(f"- {TABLES[name]}: {pairs['claim'].iloc[0]} in the paper in {int((pairs['paper_difference'] > 0).sum())} of {len(pairs)} cells; "
                     f"ours in {int((pairs['ours_difference'] > 0).sum())} (same sign as the paper in {kept}){below}; mean difference paper "
                     f"{pairs['paper_difference'].mean():+.2f} dB, ours {pairs['ours_difference'].mean():+.2f} dB (one seed per model: not a seed verdict).")
    table5 = read_table(folder, "table5")
    if table5 is not None:
        bicubic = table5[(table5["method"] == "Bicubic") & table5["paper"].notna()]
        psnr_rows = bicubic[bicubic["metric"] == "PSNR"]
        bi_ssim = bicubic[(bicubic["metric"] == "SSIM") & (bicubic["degradation"] == "BI")]
        lines += ["", "## Checks that need no training (Table 5 bicubic row)", "",
                  "- PSNR, ours − paper: " + ", ".join(f"{r.dataset} {r.degradation} {r.gap:+.3f}" for r in psnr_rows.itertuples()),
                  "- BI SSIM, ours vs paper: " + ", ".join(f"{r.dataset} {r.ours:.4f} vs {r.paper:.4f}" for r in bi_ssim.itertuples())
                  + ". Paper error (reported, not corrected): the BI SSIMs of its Bicubic / SRCNN / VDSR / RDN rows are RDN's BD-column SSIMs.",
                  "- Scored with the SRMD harness the networks see (RGB in, Y scored; Set14's gray *bridge* as RGB, which adds about 0.09 dB to "
                  "Set14); notebook 00 checks the classic Y-only protocol. The bicubic row uses every image (BSD100: 100), the networks the profile's."]
    kernels = read_table(folder, "fig4_kernel_difference")
    if kernels is not None:
        values = kernels["ours"].to_numpy()
        trend = "grows" if values[0] < values[1] < values[2] else "does not grow monotonically"
        lines += ["", "## Fig. 4", "", "- Mean L1 difference of the block-2 kernels (uniform vs ramps) by third of the width: "
                  + " / ".join(f"{v:.4f}" for v in values) + f": it {trend} from left (light) to right (heavy degradation)."]
    lines += ["", "## Confound: model size", ""]
    sizes = []
    for name in ("table2", "table4", "table5"):
        table = read_table(folder, name)
        if table is not None and "parameters" in table:
            trained = table[table["source"] == Source.TRAINED]
            sizes += [f"{method} ×{scale} {int(count):,} (`{recipe}`)"
                      for (method, recipe, scale), count in trained.groupby(["method", "recipe", "scale"], sort=False)["parameters"].max().items()]
    sizes = list(dict.fromkeys(sizes))
    lines.append("- " + ("; ".join(sizes) if sizes else "parameter counts appear once Tables 2, 4 or 5 are generated") +
                 ". UDVD has 3.5-4.1× SRMD's parameters (default sub-pixel feature alignment), so UDVD vs SRMD differences mix method and size.")
    total, runs = training_time(profile.name, RECIPES)
    lines += ["", "## Training time of this profile's weights", "",
              f"- {total / 3600:.2f} h of wall time in total (on 1-2 threads, partly shared with evaluations)" + (": " + "; ".join(runs) if runs else "")]
    lines += ["", "## Not checkable here", "",
              "- RDN, RCAN, IRCNN, ZSSR, SFTMD, SRCNN, VDSR: quoted from the paper (no weights; ZSSR trains per image).",
              "- Absolute agreement with Tables 1-5: needs the paper-scale training (`paper` profile, GPU-days)."]
    return "\n".join(lines) + "\n"


def run(params: SummaryParams) -> tuple[Path, str]:
    """Write ``results/[<profile>/]udvd/README.md`` and return its path and text."""
    return write_summary(params.profile, "udvd", summary_text(params.profile))
