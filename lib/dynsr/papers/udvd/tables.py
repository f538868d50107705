"""UDVD Tables 2-5: UDVD and SRMD (both trained here, same recipe and profile) beside the published rows.

* Table 2 (§4.4): multiple degradations, widths 0.2 / 1.3 / 2.6 × noise 15 / 50, ×2 / ×3 / ×4.
* Table 3 (§4.4): spatially varying ramps; both models are given the true per-pixel degradation map.
* Table 4 (§4.4): noise-free models (``udvdnf``, ``srmdnf``), widths 0.2 / 1.3 / 2.6.
* Table 5 (§4.4): ×3 BI and DN with one model for both (the noisy ``udvd`` / ``srmd``), PSNR and SSIM,
  with our bicubic row checked against the paper's, including its BI SSIMs that are BD values.

Methods UDVD ran from other code or copied from publications (RDN, RCAN, IRCNN, ZSSR, SFTMD, SRCNN,
VDSR) are quoted (``source`` :attr:`~dynsr.results.Source.QUOTED`). Every comparison of UDVD with SRMD
here is confounded by size: UDVD has 3.5-4.1× SRMD's parameters (``parameters`` column).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from dynsr.claims import paired_claim
from dynsr.degradations.testsets import TestSetting
from dynsr.papers.udvd.settings import udvd_table2, udvd_table3, udvd_table4, udvd_table5
from dynsr.experiments.common import TableOutputs
from dynsr.experiments.scoring import Params, bicubic_scores, compare_rows, quoted_rows, score, trained_model
from dynsr.papers.records import PaperValue
from dynsr.papers.udvd.published import table2, table3, table4, table5
from dynsr.paths import profile_results_dir
from dynsr.plots import gap_plot, save_figure
from dynsr.profiles import get_profile
from dynsr.results import Source, claim_row, write_table

__all__ = ["Outputs", "run_table2", "run_table3", "run_table4", "run_table5", "pairwise", "write_pairs", "wide"]


@dataclass(frozen=True, kw_only=True)
class Outputs(TableOutputs):
    pairwise: pd.DataFrame


@dataclass(frozen=True)
class _Method:
    label: str  # the paper's row name
    recipe: str  # dynsr.training.recipes name
    paper: Callable[[], list[PaperValue]]


def _scales(settings: Iterable[TestSetting]) -> list[int]:
    return sorted({setting.degradation.scale for setting in settings})


def _compare(params: Params, name: str, settings: list[TestSetting], methods: list[_Method], quoted: list[PaperValue],
             *, with_ssim: bool = False, bicubic_paper: list[PaperValue] | None = None, bicubic_all_images: bool = False) -> pd.DataFrame:
    """Rows of every trained method and bicubic (on the networks' images, or every image with ``bicubic_all_images``) plus quoted rows."""
    profile = get_profile(params.profile)
    metrics = ("PSNR", "SSIM") if with_ssim else ("PSNR",)
    rows = []
    for scale in _scales(settings):
        at_scale = [setting for setting in settings if setting.degradation.scale == scale]
        for method in methods:
            trained = trained_model(method.recipe, params, scale=scale)
            means = score(trained.model, at_scale, profile, with_ssim=with_ssim)
            rows += compare_rows(means, method.label, method.paper(), profile=profile.name, trained=trained, metrics=metrics, recipe=method.recipe,
                                 parameters=trained.model.paper_parameter_count())
        bicubic = bicubic_scores(at_scale, profile, scale=scale, with_ssim=with_ssim, all_images=bicubic_all_images)
        rows += compare_rows(bicubic, "Bicubic", bicubic_paper or [], profile=profile.name, trained=None, metrics=metrics, recipe="bicubic",
                             parameters=0)
    table = pd.concat([pd.DataFrame(rows), pd.DataFrame(quoted_rows(quoted, profile=profile.name))], ignore_index=True)
    return table


def pairwise(table: pd.DataFrame, better: str, worse: str, *, metric: str = "PSNR") -> pd.DataFrame:
    """Claim rows (:func:`dynsr.results.claim_row`), one per cell run here: paper and ours = ``better − worse``, whether ours has
    the paper's sign, and the verdict (:func:`dynsr.claims.paired_claim` on one seed: not informative where ``worse`` is below
    the table's Bicubic row)."""
    keys = ["dataset", "scale", "degradation"]
    selected = table[table["metric"] == metric].set_index(["method"] + keys).sort_index()
    a, b = selected.loc[better], selected.loc[worse]
    bicubic = selected.loc["Bicubic", "ours"] if "Bicubic" in selected.index else pd.Series(dtype=float)
    steps = int(table[table["method"] == better]["steps"].max())
    rows = []
    for cell in (a["ours"] - b["ours"]).dropna().index:
        first, second, floor = a.loc[cell], b.loc[cell], bicubic.get(cell, float("nan"))
        seed = first["seeds"][0]
        verdict = paired_claim(f"{better} > {worse}", {seed: first["ours"]}, {seed: second["ours"]}, paper_difference=None, bicubic=floor)
        paper_difference, ours_difference = first["paper"] - second["paper"], first["ours"] - second["ours"]
        rows.append(claim_row(claim=verdict.claim, verdict=verdict.verdict, reason=verdict.reason, method=f"{better} − {worse}", dataset=cell[0],
                              scale=cell[1], degradation=cell[2], metric=metric, paper=paper_difference, ours=ours_difference,
                              profile=first["profile"], steps=steps, seeds=verdict.seeds, noise_seed=first["noise_seed"], n_images=first["n_images"],
                              paper_difference=paper_difference, ours_difference=ours_difference,
                              same_sign_as_paper=bool((ours_difference > 0) == (paper_difference > 0)), bicubic=floor,
                              comparator_below_bicubic=bool(second["ours"] < floor)))
    return pd.DataFrame(rows)


def wide(table: pd.DataFrame, *, metric: str = "PSNR", value: str = "ours") -> pd.DataFrame:
    """The paper's layout: rows (setting, method), columns (dataset, scale)."""
    shown = table[table["metric"] == metric]
    setting = shown["degradation"].str.replace(r"^x\d+ ", "", regex=True)
    return shown.assign(setting=setting).pivot_table(index=["setting", "method"], columns=["dataset", "scale"], values=value, sort=False)


def _summary(table: pd.DataFrame, pairs: pd.DataFrame, better: str, worse: str) -> dict[str, str]:
    trained = table[(table["source"] == Source.TRAINED) & table["gap"].notna() & (table["metric"] == "PSNR")]
    means = trained.groupby("method", sort=False)["gap"].mean()
    sizes = table[table["recipe"].isin(trained["recipe"].unique())].groupby(["method", "scale"], sort=False)["parameters"].max()
    paper_holds = int((pairs["paper_difference"] > 0).sum())
    ours_holds = int((pairs["ours_difference"] > 0).sum())
    below = int(pairs["comparator_below_bicubic"].sum())
    return {
        "mean gap (ours - paper, PSNR)": ", ".join(f"{method} {gap:+.2f} dB" for method, gap in means.items()),
        f"{better} > {worse}": f"paper: {paper_holds} of {len(pairs)} cells; ours: {ours_holds} of {len(pairs)} cells (one seed each); "
                               f"not informative in {below} of {len(pairs)} cells ({worse} below bicubic)",
        "parameters": ", ".join(f"{method} x{scale} {int(count):,}" for (method, scale), count in sizes.items()),
    }


def write_pairs(table: pd.DataFrame, name: str, better: str, worse: str, *, profile: str) -> pd.DataFrame:
    """Write ``udvd/tables/<name>_<better>_vs_<worse>``: :func:`pairwise` of a written table (it needs no model)."""
    pairs = pairwise(table, better, worse)
    write_table(pairs, f"udvd/tables/{name}_{better.lower().strip('*')}_vs_{worse.lower().strip('*')}", profile=profile,
                metadata={"note": f"per cell, {better} − {worse} (paper and ours, one seed each); verdict 'not informative' where {worse} "
                                  "is below the table's Bicubic row"})
    return pairs


def _finish(params: Params, name: str, title: str, table: pd.DataFrame, better: str, worse: str, metadata: dict) -> Outputs:
    write_table(table, f"udvd/tables/{name}", profile=params.profile, metadata=metadata)
    pairs = write_pairs(table, name, better, worse, profile=params.profile)
    figure_path = profile_results_dir(params.profile) / "udvd" / "figures" / f"{name}_gap.png"
    figures = [save_figure(gap_plot(table[(table["source"] == Source.TRAINED) & (table["metric"] == "PSNR")], title=f"{title}: ours − paper (PSNR, dB; {params.profile})", group="method"), figure_path)]
    return Outputs(table=table, pairwise=pairs, figures=figures, summary=_summary(table, pairs, better, worse))


_METADATA = {"metric": "PSNR (SSIM in Table 5) on Y, crop = scale (SRMD harness, docs/decisions/udvd.md, U16)",
             "note": "trained here = full-size models trained at this profile, one seed; quoted = the paper's number for a method not run here; "
                     "UDVD has 3.5-4.1x SRMD's parameters (a confound for UDVD vs SRMD)"}


def run_table2(params: Params) -> Outputs:
    """UDVD Table 2: UDVD and SRMD trained here, bicubic for reference, RDN / RCAN / IRCNN quoted."""
    methods = [_Method("UDVD", "udvd", lambda: table2("UDVD")), _Method("SRMD", "srmd", lambda: table2("SRMD"))]
    quoted = [value for method in ("RDN", "RCAN", "IRCNN") for value in table2(method)]
    table = _compare(params, "table2", udvd_table2(), methods, quoted)
    return _finish(params, "table2", "UDVD Table 2", table, "UDVD", "SRMD", {"source": "UDVD Table 2", **_METADATA})


def run_table3(params: Params) -> Outputs:
    """UDVD Table 3: spatially varying ramps; UDVD and SRMD (trained here) get the true per-pixel degradation map."""
    methods = [_Method("UDVD", "udvd", lambda: table3("UDVD")), _Method("SRMD", "srmd", lambda: table3("SRMD"))]
    table = _compare(params, "table3", udvd_table3(), methods, [])
    metadata = {"source": "UDVD Table 3 (ramps built as docs/decisions/udvd.md, U18 reads it: linear in the column, per-column kernels and noise)", **_METADATA}
    return _finish(params, "table3", "UDVD Table 3", table, "UDVD", "SRMD", metadata)


def run_table4(params: Params) -> Outputs:
    """UDVD Table 4: noise-free UDVD and SRMDNF (trained here); ZSSR / IRCNN / SFTMD quoted."""
    methods = [_Method("UDVD", "udvdnf", lambda: table4("UDVD")), _Method("SRMDNF", "srmdnf", lambda: table4("SRMDNF"))]
    quoted = [value for method in ("ZSSR", "IRCNN", "SFTMD w/o SFT", "SFTMD") for value in table4(method)]
    table = _compare(params, "table4", udvd_table4(), methods, quoted)
    return _finish(params, "table4", "UDVD Table 4", table, "UDVD", "SRMDNF", {"source": "UDVD Table 4", **_METADATA})


def run_table5(params: Params) -> Outputs:
    """UDVD Table 5: ×3 BI and DN, one (noisy) model for both; bicubic row checked against the paper's; others quoted."""
    methods = [_Method("UDVD*", "udvd", lambda: table5("UDVD*")), _Method("SRMD*", "srmd", lambda: table5("SRMD*"))]
    quoted = [value for method in ("SRCNN", "VDSR", "RDN", "RCAN") for value in table5(method)]
    table = _compare(params, "table5", udvd_table5(), methods, quoted, with_ssim=True, bicubic_paper=table5("Bicubic"), bicubic_all_images=True)
    outputs = _finish(params, "table5", "UDVD Table 5", table, "UDVD*", "SRMD*", {"source": "UDVD Table 5", **_METADATA,
                      "paper_error": "the BI SSIMs of Bicubic / SRCNN / VDSR / RDN are RDN's BD-column SSIMs (note column)"})
    bicubic = table[(table["method"] == "Bicubic") & table["paper"].notna()]
    ssim_bi = bicubic[(bicubic["metric"] == "SSIM") & (bicubic["degradation"] == "BI")]
    psnr = bicubic[bicubic["metric"] == "PSNR"]
    outputs.summary["bicubic PSNR vs paper"] = ", ".join(f"{r.dataset} {r.degradation} {r.gap:+.3f}" for r in psnr.itertuples())
    outputs.summary["bicubic BI SSIM vs paper (paper prints BD values)"] = ", ".join(f"{r.dataset} {r.ours:.4f} vs {r.paper:.4f}" for r in ssim_bi.itertuples())
    return outputs

