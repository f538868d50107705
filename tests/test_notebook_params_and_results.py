"""Notebook parameter validation, profiles, results tables and the CLI's error paths."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from dynsr.cli import main as cli_main
from dynsr.notebook import assigned_names, notebook_params
from dynsr.config import ConfigError
from dynsr.profiles import PROFILES, ParameterError, Profile, get_profile
from dynsr.results import read_table, write_table


@dataclass(frozen=True)
class _Params:
    profile: str = "smoke"
    scale: int = 4
    weight: float = 1.0
    progress: bool = False


def _namespace(*cells: str) -> dict:
    namespace: dict = {"In": ["", *cells, "params = notebook_params(globals(), Params)"]}
    for cell in cells:
        exec(cell, namespace)  # noqa: S102 (test-only: plain literal assignments)
    return namespace


def test_papermill_injected_values_override_defaults() -> None:
    namespace = _namespace('profile = "smoke"\nscale = 4', 'profile = "cpu"\nweight = 2')
    assert notebook_params(namespace, _Params) == _Params(profile="cpu", scale=4, weight=2, progress=False)


def test_unknown_injected_parameter_is_an_error_naming_the_valid_ones() -> None:
    namespace = _namespace('profile = "smoke"', "scael = 3")
    with pytest.raises(ParameterError, match=r"unknown parameter\(s\) \['scael'\].*'scale'"):
        notebook_params(namespace, _Params)


@pytest.mark.parametrize("cell", ['scale = "4"', "scale = 4.5", "progress = 1", "weight = True"])
def test_wrong_types_are_errors(cell: str) -> None:
    with pytest.raises(ParameterError, match="has type"):
        notebook_params(_namespace(cell), _Params)


@dataclass(frozen=True)
class _ListParams:
    widths: tuple[float, ...] = (0.2, 1.0)
    noises: tuple[float, ...] = (0.0, 15.0)
    kernel: tuple[float, float, float] = (2.0, 1.0, 30.0)
    seeds: tuple[int, ...] = (0, 1)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ('widths = "[-1.0]"', r"parameter widths='\[-1.0\]' must be a list or tuple, e.g. widths=\[...\] \(papermill's -p passes text; "
                              r"give a list as YAML: -y 'widths: \[...\]'\)"),
        ('widths = [0.5, "1"]', r"parameter widths\[1\]='1' has type str; expected float"),
        ("seeds = [0, 1.5]", r"parameter seeds\[1\]=1.5 has type float; expected int"),
        ("seeds = [0, True]", r"parameter seeds\[1\]=True has type bool; expected int"),
        ("kernel = [2.0, 1.0]", r"parameter kernel=\[2.0, 1.0\] must have 3 items"),
        ("widths = [0.5, -1.0]", r"parameter widths\[1\]=-1.0 must be finite and >= 0"),
        ("widths = [float('nan')]", r"parameter widths\[0\]=nan must be finite and >= 0"),  # papermill's spelling of -y 'widths: [.nan]'
        ("noises = float('inf')", r"parameter noises=inf must be a list or tuple"),
        ("noises = [0, 300]", r"parameter noises\[1\]=300.0 must be from 0 to 255 \(noise levels are on the 0-255 scale\)"),
        ("seeds = [-1]", r"parameter seeds\[0\]=-1 must be finite and >= 0"),
    ],
)
def test_list_parameters_check_their_elements(cell: str, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        notebook_params(_namespace(cell), _ListParams)


@pytest.mark.parametrize("cell", ["weight = float('nan')", "weight = float('-inf')", "scale = -2"])
def test_scalar_parameters_out_of_range_are_errors(cell: str) -> None:
    with pytest.raises(ParameterError, match=r"parameter (weight|scale)=\S+ must be finite and >= 0"):
        notebook_params(_namespace(cell), _Params)


def test_list_parameters_become_tuples() -> None:
    params = notebook_params(_namespace("widths = [0.5, 2]\nseeds = [3]"), _ListParams)
    assert params == _ListParams(widths=(0.5, 2.0), seeds=(3,)) and isinstance(params.widths[1], float)


def test_unknown_profile_is_an_error() -> None:
    with pytest.raises(ParameterError, match="unknown profile 'gpu'"):
        notebook_params(_namespace('profile = "gpu"'), _Params)


def test_rerunning_the_parameters_cell_in_jupyterlab_is_accepted() -> None:
    """In JupyterLab the history also holds earlier runs of the notebook: only the parameter cells just before count."""
    history = ["", 'profile = "smoke"', "params = notebook_params(globals(), Params)", "outputs = run(params)", 'profile = "cpu"\nscale = 2']
    namespace = {"In": [*history, "params = notebook_params(globals(), Params)"], "profile": "cpu", "scale": 2}
    assert notebook_params(namespace, _Params) == _Params(profile="cpu", scale=2)


def test_assigned_names_ignores_imports_and_magics() -> None:
    assert assigned_names(["import os\nx = 1\ny: int = 2", "%matplotlib inline", "x = 3\nz, w = 1, 2"]) == ["x", "y"]


def test_profiles_reject_unknown_keys() -> None:
    assert get_profile("cpu").benchmark_image_limit is None
    assert PROFILES["smoke"].benchmark_image_limit == 2
    with pytest.raises(ConfigError, match="unknown Profile keys"):
        Profile.from_dict({"name": "x", "benchmark_image_limit": 1, "steps": 3})
    with pytest.raises(ConfigError, match="benchmark_image_limit"):
        Profile.from_dict({"name": "x", "benchmark_image_limit": "all"})


def _table(**overrides) -> pd.DataFrame:
    row = {"dataset": "Set5", "scale": 2, "degradation": "σ=0", "metric": "PSNR", "paper": 33.66, "ours": 33.661, "gap": 33.661 - 33.66,
           "profile": "smoke", "steps": 0, "seeds": "noise_seed=0"}
    row.update(overrides)
    return pd.DataFrame([row])


def test_write_table_round_trips_and_goes_to_the_profile_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path))
    path = write_table(_table(), "baselines/x", profile="smoke", metadata={"a": float("nan")})
    assert path == tmp_path / "smoke" / "baselines" / "x.csv"
    back = read_table("baselines/x", profile="smoke")
    assert back.loc[0, "ours"] == pytest.approx(33.661, abs=1e-9)
    payload = json.loads(path.with_suffix(".json").read_text())
    assert payload["metadata"] == {"a": None} and payload["rows"][0]["dataset"] == "Set5"
    assert write_table(_table(), "baselines/x", profile="cpu") == tmp_path / "baselines" / "x.csv"


def test_write_table_rejects_missing_columns_and_wrong_gaps(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path))
    with pytest.raises(ValueError, match="lacks columns"):
        write_table(_table().drop(columns=["seeds"]), "t", profile="smoke")
    with pytest.raises(ValueError, match="gap != ours - paper"):
        write_table(_table(gap=0.5), "t", profile="smoke")
    assert not list(tmp_path.rglob("*.csv"))
    write_table(_table(paper=np.nan, gap=np.nan), "t", profile="smoke")  # no paper value: gap NaN is fine


def test_cli_reproduce_rejects_unknown_profile_and_notebook(capsys) -> None:
    with pytest.raises(SystemExit) as error:
        cli_main(["reproduce", "--profile", "gpu"])
    assert error.value.code == 2 and "invalid choice" in capsys.readouterr().err
    assert cli_main(["reproduce", "--only", "nonexistent"]) == 2
    assert re.fullmatch(r"error: no notebook in .* matches --only 'nonexistent'\n", capsys.readouterr().err)


def test_cli_data_verify(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DYNSR_CACHE_DIR", str(tmp_path))
    assert cli_main(["data", "verify", "Set5"]) == 0
    assert capsys.readouterr().out == "ok       Set5\n"
    assert cli_main(["data", "verify", "NoSuchSet"]) == 2  # a usage error: nothing is checked
    assert capsys.readouterr().err.startswith("error: unknown data set 'NoSuchSet'; known: Set5, Set14, ")


def test_reproduce_keeps_a_failed_notebook_aside_and_exits_nonzero(tmp_path, monkeypatch, capsys) -> None:
    import nbformat

    import dynsr.cli

    notebooks = tmp_path / "repo" / "notebooks" / "mine"
    notebooks.mkdir(parents=True)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell('profile = "smoke"\nprogress = False', metadata={"tags": ["parameters"]}),
                      nbformat.v4.new_code_cell("raise RuntimeError('boom')")]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, notebooks / "99_fails.ipynb")
    monkeypatch.setattr(dynsr.cli, "repo_root", lambda: tmp_path / "repo")
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path / "results"))
    assert cli_main(["reproduce", "--profile", "smoke"]) == 1
    output = tmp_path / "results" / "smoke" / "mine" / "notebooks"
    assert (output / "99_fails.failed.ipynb").is_file() and not (output / "99_fails.ipynb").exists()
    assert "RuntimeError: boom" in capsys.readouterr().err


def test_a_notebook_kernel_using_progress_bars_prints_nothing_on_stderr(tmp_path) -> None:
    """In JupyterLab, ``tqdm.auto`` (imported by every training notebook through ``dynsr.training.trainer``) prints a red
    ``TqdmWarning: IProgress not found`` naming a site-packages path unless ipywidgets is installed (requirements.txt)."""
    import nbformat
    from nbclient import NotebookClient
    from notebook_outputs import stderr_outputs

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import dynsr.training.trainer\nfrom tqdm.auto import tqdm\nfor _ in tqdm(range(2), desc='probe'):\n    pass")])
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    nbformat.write(notebook, tmp_path / "probe.ipynb")
    assert stderr_outputs(tmp_path / "probe.ipynb") == []
    assert [output["output_type"] for output in notebook.cells[0].outputs] == ["display_data"]  # the widget, not text
