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
from dynsr.results import Source, Verdict, claim_row, computed_row, quoted_row, read_table, trained_row, write_table


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


_CELL = {"dataset": "Set5", "scale": 2, "degradation": "σ=0", "metric": "PSNR", "profile": "smoke"}


def _table(**overrides) -> pd.DataFrame:
    row = computed_row(method="Bicubic", **_CELL, paper=33.66, ours=33.661, noise_seed=0, n_images=5, protocol="y_only")
    row.update(overrides)
    return pd.DataFrame([row])


def test_write_table_round_trips_and_goes_to_the_profile_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path))
    rows = [trained_row(method="UDVD", **_CELL, paper=33.0, ours=32.5, steps=4, seeds=[0, 1], noise_seed=0, n_images=2, recipe="udvd"),
            *_table().to_dict(orient="records"),
            quoted_row(method="RCAN", **_CELL, paper=34.0, note="quoted")]
    path = write_table(pd.DataFrame(rows), "baselines/x", profile="smoke", metadata={"a": float("nan")})
    assert path == tmp_path / "smoke" / "baselines" / "x.csv"
    assert path.read_text().splitlines()[1].startswith('UDVD,Set5,2,σ=0,PSNR,33,32.5,-0.5,smoke,4,"0,1",0,trained here,2,udvd')
    back = read_table("baselines/x", profile="smoke")
    assert back.loc[1, "ours"] == pytest.approx(33.661, abs=1e-9) and back["seeds"].tolist() == [(0, 1), (), ()]
    assert back["source"].tolist() == [Source.TRAINED, Source.COMPUTED, Source.QUOTED] and isinstance(back.loc[0, "source"], Source)
    assert back["noise_seed"].tolist()[:2] == [0, 0] and pd.isna(back.loc[2, "noise_seed"]) and back["steps"].tolist() == [4, 0, 0]
    payload = json.loads(path.with_suffix(".json").read_text())
    assert payload["metadata"] == {"a": None} and payload["rows"][0]["dataset"] == "Set5" and payload["columns"][:3] == ["method", "dataset", "scale"]
    assert [row["seeds"] for row in payload["rows"]] == [[0, 1], [], []] and [row["noise_seed"] for row in payload["rows"]] == [0, 0, None]
    assert write_table(_table(), "baselines/x", profile="cpu") == tmp_path / "baselines" / "x.csv"


def test_claim_rows_keep_their_verdict_and_reason_and_a_claim_run_nowhere_is_quoted(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path))
    claims = pd.DataFrame([
        claim_row(claim="A > B", verdict=Verdict.NOT_CHECKABLE, reason="one seed", method="A − B", **_CELL, paper=0.2, ours=0.1, steps=4, seeds=[0],
                  noise_seed=0, n_images=2, seed_verdict=Verdict.NOT_CHECKABLE),
        claim_row(claim="A > C", verdict=Verdict.NOT_CHECKABLE, reason="C quoted, not run", method="A − C", **_CELL, paper=0.3, ours=None),
    ])
    write_table(claims, "dasr/tables/claims", profile="smoke")
    back = read_table("dasr/tables/claims", profile="smoke")
    assert list(back.columns[-4:]) == ["claim", "verdict", "reason", "seed_verdict"] and back["reason"].tolist() == ["one seed", "C quoted, not run"]
    assert back.loc[0, "verdict"] == Verdict.NOT_CHECKABLE and isinstance(back.loc[0, "verdict"], Verdict) and pd.isna(back.loc[1, "seed_verdict"])
    assert back["source"].tolist() == [Source.TRAINED, Source.QUOTED] and back.loc[1, "seeds"] == () and back.loc[1, "n_images"] == 0
    with pytest.raises(ValueError, match="ran nothing here"):
        claim_row(claim="A > C", verdict=Verdict.NOT_CHECKABLE, method="A − C", **_CELL, paper=0.3, ours=None, steps=4)


def test_write_table_rejects_what_breaks_the_schema(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path))
    with pytest.raises(ValueError, match="lacks columns"):
        write_table(_table().drop(columns=["seeds"]), "t", profile="smoke")
    with pytest.raises(ValueError, match="gap != ours - paper"):
        write_table(_table(gap=0.5), "t", profile="smoke")
    with pytest.raises(ValueError, match="is not a valid Source"):
        write_table(_table(source="DASR Table 2"), "t", profile="smoke")
    with pytest.raises(ValueError, match="seeds must be a sequence of non-negative integers"):
        write_table(_table(seeds="noise_seed=0"), "t", profile="smoke")
    with pytest.raises(ValueError, match="is not a valid Verdict"):
        write_table(_table(claim="a", verdict="inconclusive at our scale (seeds disagree)", reason=""), "t", profile="smoke")
    with pytest.raises(ValueError, match="a claims table needs all of"):
        write_table(_table(claim="a", verdict=Verdict.HOLDS), "t", profile="smoke")
    with pytest.raises(ValueError, match="a trained row needs steps > 0"):
        trained_row(method="UDVD", **_CELL, paper=33.0, ours=32.5, steps=0, seeds=[], noise_seed=0, n_images=2)
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


def test_reproduce_skips_a_notebook_whose_cpu_weights_are_not_committed(tmp_path, monkeypatch, capsys) -> None:
    import nbformat

    import dynsr.cli

    notebooks = tmp_path / "repo" / "notebooks" / "mine"
    notebooks.mkdir(parents=True)
    for name, body in (("01_waits", "from dynsr.training.recipes import trained_weights\ntrained_weights('gldfn', profile, scale=4, seed=7)"),
                       ("02_runs", "print('ran')")):
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell('profile = "smoke"', metadata={"tags": ["parameters"]}), nbformat.v4.new_code_cell(body)]
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(notebook, notebooks / f"{name}.ipynb")
    monkeypatch.setattr(dynsr.cli, "repo_root", lambda: tmp_path / "repo")
    monkeypatch.setenv("DYNSR_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("DYNSR_CACHE_DIR", str(tmp_path / "cache"))
    assert cli_main(["reproduce", "--profile", "cpu"]) == 0  # no training: the first is skipped, the second runs
    output = tmp_path / "results" / "mine" / "notebooks"
    assert sorted(path.name for path in output.iterdir()) == ["02_runs.ipynb"]
    printed = capsys.readouterr().out
    assert "01_waits.ipynb skipped: no committed cpu weights for gldfn x4 seed 7" in printed and "--train-missing" in printed
    assert "1 notebook(s) skipped, waiting for weights that are not committed" in printed and "mine/01_waits.ipynb" in printed
    assert not (tmp_path / "cache" / "runs").exists()  # nothing was trained
