"""Rewrite the committed results tables in the typed-row schema (dynsr.result_rows), without changing a number.

    python scripts/migrate_result_tables.py

Every table of the committed profile (``results/<folder>/tables/<name>.json`` with its CSV: the baselines and each
paper; other profiles' folders are left alone) is read from its JSON (full precision), upgraded and written back
through ``dynsr.results.write_table`` (CSV and JSON, metadata kept). A table already in the schema (it has a
``noise_seed`` column) is left as it is, so running the script twice changes nothing.

The upgrade of a table written before the schema:

* ``seeds``: ``seed=0`` / ``0,1`` / ``0`` / ``""`` become (0,) / (0, 1) / (0,) / (); ``noise_seed=0`` (rows computed
  without training) becomes () with ``noise_seed`` 0;
* ``noise_seed``: 0 on every row with a number of ours (every committed test image was degraded with
  ``Degradation.noise_seed`` 0, its default, as the bicubic rows' ``noise_seed=0`` recorded), missing where ours is NaN;
* ``source``: kept where it names a source; the bicubic tables' table name moves to ``published_in``, DASR Fig. 4's
  image description to ``representation``; where a table had no source: quoted where ours is NaN, computed where
  ``steps`` is 0, trained otherwise;
* ``method`` and ``n_images`` where a table lacked them, from the code that writes it and the tables it is read from
  (:data:`_CLAIM_METHODS`, :func:`_claim_images`);
* ``verdict`` sentences become a :class:`~dynsr.results.Verdict` and a ``reason`` (:data:`LEGACY_VERDICTS`),
  ``seed_verdict`` a Verdict; a claim row without a number of ours ran nothing here: no steps, seeds or images.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from dynsr.checkpoints import load_checkpoint
from dynsr.papers.dasr import table1 as dasr_table1
from dynsr.papers.dasr.tables import CLAIM_METHODS as DASR_TABLE2_METHODS
from dynsr.papers.udvd import table1 as udvd_table1
from dynsr.papers.udvd.published import TABLE1 as UDVD_TABLE1
from dynsr.paths import results_dir
from dynsr.results import Source, Verdict, parse_seeds, write_table

LEGACY_VERDICTS: dict[str, tuple[Verdict, str]] = {
    "holds": (Verdict.HOLDS, ""),
    "does not hold at our scale": (Verdict.DOES_NOT_HOLD, ""),
    "inconclusive at our scale (within the seed spread)": (Verdict.WITHIN_SPREAD, ""),
    "inconclusive at our scale (seeds disagree)": (Verdict.SEEDS_DISAGREE, ""),
    "not checkable at our scale (one seed)": (Verdict.NOT_CHECKABLE, "one seed"),
    "not checkable at our scale (one seed); accuracy above chance": (Verdict.NOT_CHECKABLE, "one seed; accuracy above chance"),
    "not checkable at our scale (one seed); accuracy not above chance": (Verdict.NOT_CHECKABLE, "one seed; accuracy not above chance"),
    "not informative: the comparator is below bicubic": (Verdict.NOT_INFORMATIVE, "the comparator is below bicubic"),
    "confounded by size": (Verdict.CONFOUNDED_BY_SIZE, ""),
    "descriptive (one seed; the paper's comparison, RCAN, is not run here)": (Verdict.DESCRIPTIVE, "one seed; the paper's comparison, RCAN, is not run here"),
    "descriptive (one seed, no published counterpart)": (Verdict.DESCRIPTIVE, "one seed, no published counterpart"),
    "not checkable here: DnCNN + IKC quoted, not run": (Verdict.NOT_CHECKABLE, "DnCNN + IKC quoted, not run"),
    "not checkable here: the bicubic-trained control is trained at x4 only (RCAN quoted, not run)":
        (Verdict.NOT_CHECKABLE, "the bicubic-trained control is trained at x4 only (RCAN quoted, not run)"),
    "not checkable here: SRMDNF + KernelGAN / + Predictor quoted, not run (neither kernel estimator is built here)":
        (Verdict.NOT_CHECKABLE, "SRMDNF + KernelGAN / + Predictor quoted, not run (neither kernel estimator is built here)"),
}
"""Every verdict sentence of the tables written before the schema, as (verdict, reason)."""

LEGACY_NOISE_SEED = 0
"""The noise seed of every committed test image (``Degradation.noise_seed``'s default; the only one the tables record)."""

_SOURCE_MOVED = {"baselines/tables/bicubic": "published_in", "baselines/tables/bicubic_standard": "published_in",
                 "dasr/tables/fig4_content_invariance": "representation"}
"""Tables whose ``source`` column meant something else: the column it moves to."""


def _difference(claim: str) -> str:
    """``A > B`` (after a ``...: `` preamble) as the method of its row, ``A − B``."""
    better, worse = claim.split(": ")[-1].split(" > ")
    return f"{better} − {worse}"


_UDVD_TABLE1 = {claim: f"{UDVD_TABLE1[better][0]} − {UDVD_TABLE1[worse][0]}" for claim, better, worse in udvd_table1.CLAIMS}
_DASR_TABLE1 = {claim: f"{better} − {worse}" for claim, better, worse, *_ in (*dasr_table1.CLAIMS, *dasr_table1.SRMDNF_CLAIMS)}
_CLAIM_METHODS: dict[str, Callable[[pd.Series], str]] = {
    "udvd/tables/table1_claims": lambda row: _UDVD_TABLE1[row["claim"]],
    "dasr/tables/table1_claims": lambda row: _DASR_TABLE1[row["comparison"]],
    "dasr/tables/table2_claims": lambda row: DASR_TABLE2_METHODS[row["comparison"]],
    "dasr/tables/table3_claims": lambda row: "DASR",
    "dasr/tables/figs3_6_claims": lambda row: "Model 4 − Model 1" if row["claim"].startswith("Fig. 3") else "DASR (setting 2)",
    **{f"udvd/tables/{name}": lambda row: _difference(row["claim"])
       for name in ("table2_udvd_vs_srmd", "table3_udvd_vs_srmd", "table4_udvd_vs_srmdnf", "table5_udvd_vs_srmd")},
}
"""Claims tables: the method of a row (what its ``ours`` measures), as the code that writes the table names it."""


def _claim_images(name: str, row: pd.Series, tables: dict[str, pd.DataFrame]) -> int:
    """The test images behind a claim row's ``ours``: those of the better model's rows in the table the claim is read from."""
    if name == "udvd/tables/table1_claims":
        return int(tables["udvd/tables/table1"]["n_images"].iloc[0])
    if name == "dasr/tables/table1_claims":
        table1 = tables["dasr/tables/table1"]
        return int(table1[(table1["method"] == row["method"].split(" − ")[0]) & (table1["degradation"] == row["degradation"])]["n_images"].item())
    if name == "dasr/tables/table3_claims":
        return int(tables["dasr/tables/table3"].query("method == 'DASR'")["n_images"].iloc[0])
    if name == "dasr/tables/figs3_6_claims":
        probes = tables["dasr/tables/figs3_6_probes"]
        return int(probes[probes["degradation"] == row["degradation"]]["n_images"].iloc[0])
    parent = tables[name.split("_")[0]]  # udvd/tables/table2_udvd_vs_srmd: the pairs of udvd/tables/table2
    cell = parent[(parent["method"] == row["method"].split(" − ")[0]) & (parent["dataset"] == row["dataset"]) & (parent["scale"] == row["scale"])
                  & (parent["degradation"] == row["degradation"]) & (parent["metric"] == "PSNR")]
    return int(cell["n_images"].item())


def _validation_images(row: pd.Series) -> int:
    """The validation images of SRMD's training run at the row's scale (from its exported weights' provenance)."""
    return int(load_checkpoint(results_dir() / "checkpoints" / f"srmd_x{int(row['scale'])}.pt")["provenance"]["config"]["validation_images"])


def _legacy_seeds(value: Any) -> tuple[tuple[int, ...], int | None]:
    """A legacy ``seeds`` cell as (training seeds, the noise seed it named or None)."""
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip()
    if text.startswith("noise_seed="):
        return (), int(text.removeprefix("noise_seed="))
    return parse_seeds(text.removeprefix("seed=")), None


def table_from_payload(payload: dict[str, Any]) -> pd.DataFrame:
    """A JSON payload's rows as a frame, numeric columns with NaN where the JSON has null."""
    table = pd.DataFrame(payload["rows"], columns=payload["columns"])
    for column in table.columns:
        values = table[column].dropna()
        if len(values) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            table[column] = pd.to_numeric(table[column])
    return table


def upgrade(name: str, table: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """A table written before the schema, in the schema (module docstring); ``tables``: every legacy table by name (for claims)."""
    table = table.copy()
    measured = table["ours"].notna()
    seeds = table["seeds"].map(_legacy_seeds)
    named = {noise for _, noise in seeds if noise is not None}
    if named - {LEGACY_NOISE_SEED}:
        raise ValueError(f"{name}: noise seeds {sorted(named)} recorded; the migration assumes {LEGACY_NOISE_SEED}")
    table["seeds"] = seeds.map(lambda pair: pair[0])
    if name in _SOURCE_MOVED:
        table = table.rename(columns={"source": _SOURCE_MOVED[name]})
    if "source" not in table.columns:
        table["source"] = np.where(~measured, Source.QUOTED, np.where(table["steps"] == 0, Source.COMPUTED, Source.TRAINED))
    if name in _CLAIM_METHODS:
        table["method"] = [_CLAIM_METHODS[name](row) for _, row in table.iterrows()]
    elif "method" not in table.columns:  # the bicubic tables, SRMD's training
        table["method"] = "SRMD" if name == "udvd/tables/srmd_training" else "Bicubic"
    if "verdict" in table.columns:
        verdicts = table["verdict"].map(LEGACY_VERDICTS.__getitem__)
        table["verdict"], table["reason"] = verdicts.map(lambda pair: pair[0]), verdicts.map(lambda pair: pair[1])
        if "seed_verdict" in table.columns:
            table["seed_verdict"] = table["seed_verdict"].map(lambda value: LEGACY_VERDICTS[value][0] if isinstance(value, str) and value else None)
        table["steps"] = table["steps"].where(measured, 0)  # a claim without a number of ours ran nothing here
        table["seeds"] = [seeds if known else () for seeds, known in zip(table["seeds"], measured)]
    if "n_images" not in table.columns:
        if name in _CLAIM_METHODS:
            table["n_images"] = [_claim_images(name, row, tables) for _, row in table.iterrows()]
        elif name == "udvd/tables/srmd_training":
            table["n_images"] = [_validation_images(row) for _, row in table.iterrows()]
        else:  # the figures' crops and kernel maps: one image per row
            table["n_images"] = 1
    table["n_images"] = table["n_images"].where(measured, 0)
    table["noise_seed"] = pd.array([LEGACY_NOISE_SEED if known else None for known in measured], dtype="Int64")
    quoted = table[table["source"] == Source.QUOTED]
    if (quoted["steps"] != 0).any() or quoted["seeds"].map(len).any() or quoted["ours"].notna().any():
        raise ValueError(f"{name}: a quoted row with a number, steps or seeds of ours")
    return table


def main() -> int:
    root = results_dir()
    paths = sorted(path for path in root.glob("*/tables/*.json") if path.with_suffix(".csv").is_file())
    payloads = {path.relative_to(root).with_suffix("").as_posix(): json.loads(path.read_text(encoding="utf-8")) for path in paths}
    payloads = {name: payload for name, payload in payloads.items() if isinstance(payload, dict) and {"columns", "rows"} <= set(payload)}
    legacy = {name: table_from_payload(payload) for name, payload in payloads.items() if "noise_seed" not in payload["columns"]}
    for name, payload in payloads.items():
        if name not in legacy:  # written by the current code: left as it is
            print(f"{name}: already in the schema ({len(payload['rows'])} rows)")
            continue
        table = upgrade(name, legacy[name], legacy)
        write_table(table, name, profile="cpu", metadata=payload["metadata"])
        print(f"{name}: upgraded ({len(table)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
