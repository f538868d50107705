"""scripts/migrate_result_tables.py: a table written before the row schema is upgraded without a number changing, and the
committed tables are its fixed point (read and written back, byte for byte the same)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dynsr.paths import repo_root
from dynsr.results import Source, Verdict

SCRIPT = repo_root() / "scripts" / "migrate_result_tables.py"
RESULTS = repo_root() / "results"


@pytest.fixture(scope="module")
def migrate():
    spec = importlib.util.spec_from_file_location("migrate_result_tables", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_a_legacy_bicubic_table_moves_its_table_name_and_noise_seed(migrate) -> None:
    legacy = pd.DataFrame({
        "source": ["DASR Table 2", "GLDFN Table II"], "dataset": ["Set5", "Manga109"], "scale": [2, 2], "degradation": ["σ=0", "Gaussian8"],
        "metric": ["PSNR", "PSNR"], "protocol": ["y_only", ""], "headline": [True, False], "paper": [33.66, 25.60], "ours": [33.661, np.nan],
        "gap": [0.001, np.nan], "n_images": [5, 0], "tolerance": [0.01, np.nan], "within_tolerance": [True, None], "note": ["", "no images"],
        "profile": "cpu", "steps": 0, "seeds": "noise_seed=0",
    })
    table = migrate.upgrade("baselines/tables/bicubic", legacy, {})
    assert table["published_in"].tolist() == ["DASR Table 2", "GLDFN Table II"] and table["method"].eq("Bicubic").all()
    assert table["source"].tolist() == [Source.COMPUTED, Source.QUOTED] and table["seeds"].tolist() == [(), ()]
    assert table["noise_seed"].tolist()[0] == 0 and pd.isna(table["noise_seed"].iloc[1]) and table["ours"].iloc[0] == 33.661


def test_legacy_verdict_sentences_become_a_verdict_and_a_reason(migrate) -> None:
    parent = pd.DataFrame({"method": ["UDVD", "SRMD"], "dataset": "Set5", "scale": 2, "degradation": "x2 width 0.2 noise 15", "metric": "PSNR",
                           "n_images": 5})
    legacy = pd.DataFrame({
        "dataset": ["Set5"], "scale": [2], "degradation": ["x2 width 0.2 noise 15"], "paper_difference": [0.15], "ours_difference": [2.9],
        "claim": ["UDVD > SRMD"], "verdict": ["not informative: the comparator is below bicubic"], "metric": ["PSNR"], "paper": [0.15], "ours": [2.9],
        "gap": [2.75], "profile": ["cpu"], "steps": [1000], "seeds": ["seed=0"],
    })
    table = migrate.upgrade("udvd/tables/table2_udvd_vs_srmd", legacy, {"udvd/tables/table2": parent})
    row = table.iloc[0]
    assert (row["verdict"], row["reason"]) == (Verdict.NOT_INFORMATIVE, "the comparator is below bicubic")
    assert (row["method"], row["seeds"], row["noise_seed"], row["n_images"], row["source"]) == ("UDVD − SRMD", (0,), 0, 5, Source.TRAINED)
    assert set(migrate.LEGACY_VERDICTS.values()) >= {(Verdict.HOLDS, ""), (Verdict.NOT_CHECKABLE, "one seed")}


def test_the_committed_tables_are_the_migrations_fixed_point(migrate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every committed table is in the schema, and the script run over a copy of them changes no byte."""
    paths = sorted(path for path in RESULTS.glob("*/tables/*.json") if path.with_suffix(".csv").is_file())
    assert len(paths) >= 28
    for path in paths:
        assert "noise_seed" in json.loads(path.read_text(encoding="utf-8"))["columns"], path.name  # migrated
        for suffix in (".csv", ".json"):
            copy = tmp_path / path.relative_to(RESULTS).with_suffix(suffix)
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(path.with_suffix(suffix).read_bytes())
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path))
    assert migrate.main() == 0
    for path in paths:
        for suffix in (".csv", ".json"):
            assert (tmp_path / path.relative_to(RESULTS).with_suffix(suffix)).read_bytes() == path.with_suffix(suffix).read_bytes(), path.name
