"""`dynsr reproduce --profile smoke` end to end: every notebook runs once, every table and the index are written, and
the executed notebooks pass nbval's output check (``tests/notebook_outputs.py``) and print nothing on stderr."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
from notebook_outputs import output_mismatches, stderr_outputs

from dynsr.papers.dmsr.recipes import CPU_RUNS as DMSR_CPU_RUNS
from dynsr.training.recipes import weights_path


def _executed(name: str) -> str:
    """Where reproduce writes notebook ``<paper>/<file>``: ``<paper>/notebooks/<file>``."""
    paper, file = name.split("/")
    return f"{paper}/notebooks/{file}"


def test_reproduce_smoke_writes_every_table_and_the_index(tmp_path: Path) -> None:
    results, cache = tmp_path / "results", tmp_path / "cache"
    env = {**os.environ, "DYNSR_RESULTS_DIR": str(results), "DYNSR_CACHE_DIR": str(cache), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "dynsr.cli", "reproduce", "--profile", "smoke"], env=env, capture_output=True, text=True, timeout=2400)
    assert done.returncode == 0, done.stderr[-3000:]
    smoke = results / "smoke"
    notebooks_dir = Path(__file__).resolve().parents[1] / "notebooks"
    expected = sorted(str(p.relative_to(notebooks_dir)) for p in notebooks_dir.glob("*/[0-9][0-9]_*.ipynb"))
    executed = sorted(f"{p.parent.parent.name}/{p.name}" for p in smoke.glob("*/notebooks/*.ipynb"))
    hidden = sorted(p.name for p in smoke.glob("*/notebooks/.*"))
    assert len(expected) == 25 and executed == expected and not hidden  # one folder per paper; no .running or .failed copies
    mismatches = [problem for name in expected for problem in output_mismatches(smoke / _executed(name), notebooks_dir / name)]
    assert not mismatches, "\n".join(mismatches)
    warnings = [line for name in expected for line in stderr_outputs(smoke / _executed(name))]
    assert not warnings, "\n".join(warnings)
    table = pd.read_csv(smoke / "udvd" / "tables" / "srmd_table2.csv")
    assert len(table) == 108 and set(table["profile"]) == {"smoke"}
    assert set(table.loc[table["method"] == "SRMD", "steps"]) == {4}
    checkpoints = sorted(p.name for p in (smoke / "checkpoints").iterdir())
    table1 = [f"udvd{suffix}_x3{seed}.pt" for suffix in ("", "_baseline", "_u", "_du", "_ud", "_single_loss") for seed in ("", "_seed1")]
    udvd = [f"{name}_x{scale}.pt" for name in ("udvd", "udvdnf", "srmd", "srmdnf") for scale in (2, 3, 4)]
    dasr_table1 = [f"{name}_x4{seed}.pt" for name in ("dasr", "dasr_model1", "dasr_concat", "dasr_no_modulation", "dasr_oracle", "srmdnf_dasr",
                                                      "dasr_bicubic") for seed in ("", "_seed1")]  # Table 1 (with SRMDNF*), Table 2's control
    dasr = ["dasr_x2.pt", "dasr_x3.pt", "dasr_aniso_x4.pt"]
    dmsr = [weights_path(recipe, scale, "smoke", seed).name for recipe, scale, seeds in DMSR_CPU_RUNS for seed in seeds]  # Tables 1-4
    assert checkpoints == sorted(set(table1 + udvd + dasr_table1 + dasr + dmsr))
    for stem in ("table1", "table1_claims", "table2", "table3", "table4", "table5", "heatmap", "fig4_kernel_difference", "figs1_5_crops"):
        table = pd.read_csv(smoke / "udvd" / "tables" / f"{stem}.csv")
        assert set(table["profile"]) == {"smoke"}, stem
    assert len(pd.read_csv(smoke / "udvd" / "tables" / "table2.csv").query("source == 'trained here'")) == 108
    summary = (smoke / "udvd" / "README.md").read_text(encoding="utf-8")
    assert "| UDVD_U > Baseline | +0.11 |" in summary and "not generated yet" not in summary
    for stem in ("table1", "table1_claims", "table2", "table2_claims", "table3", "table3_claims", "figs3_6_probes", "figs3_6_claims",
                 "fig4_content_invariance", "heatmap", "figs5_7_crops"):
        table = pd.read_csv(smoke / "dasr" / "tables" / f"{stem}.csv")
        assert set(table["profile"]) == {"smoke"}, stem
    dasr_table2 = pd.read_csv(smoke / "dasr" / "tables" / "table2.csv")
    trained = dasr_table2.query("source == 'trained here'")["method"].value_counts().to_dict()
    assert trained == {"DASR": 48, "Bicubic-trained control (DASR network)": 8} and dasr_table2.query("source == 'quoted from the paper'")["ours"].isna().all()
    assert set(dasr_table2.loc[dasr_table2["method"] == "DASR", "steps"]) == {4}
    dasr_summary = (smoke / "dasr" / "README.md").read_text(encoding="utf-8")
    assert "## Verdicts" in dasr_summary and "not generated yet" not in dasr_summary
    assert (smoke / "dasr" / "tables" / "table3_kernels.json").is_file() and (smoke / "dasr" / "tables" / "fig8_real.json").is_file()
    gldfn_table4 = pd.read_csv(smoke / "gldfn" / "tables" / "table4_complexity.csv")
    assert set(gldfn_table4["profile"]) == {"smoke"} and 473_438_697_600 in set(gldfn_table4["count"].dropna())  # the same counts at every profile
    dmsr_table_b5 = pd.read_csv(smoke / "dmsr" / "tables" / "tableB5_complexity.csv")
    assert set(dmsr_table_b5["profile"]) == {"smoke"} and 8_376_652 in set(dmsr_table_b5["count"].dropna())
    for stem in ("table1", "table1_claims", "table2", "table2_claims", "table3", "table3_claims", "table4", "table4_claims"):
        table = pd.read_csv(smoke / "dmsr" / "tables" / f"{stem}.csv")
        assert set(table["profile"]) == {"smoke"}, stem
    dmsr_summary = (smoke / "dmsr" / "README.md").read_text(encoding="utf-8")
    assert "## Claims" in dmsr_summary and "not generated yet" not in dmsr_summary
    index = (smoke / "README.md").read_text(encoding="utf-8")
    for stem in ("baselines/tables/bicubic", "baselines/tables/bicubic_standard", "udvd/tables/srmd_table2", "udvd/tables/srmd_training",
                 "dasr/tables/table1_claims", "dasr/tables/table2"):
        assert f"[{stem}.csv]({stem}.csv)" in index
    assert "index of every table and figure" in done.stdout
