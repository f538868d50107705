"""The ``dynsr`` command line (``sr``, ``eval``, ``train``, ``--help``), run as a subprocess, and the results index."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from dynsr.checkpoints import export_weights, load_checkpoint
from dynsr.models import MODELS, build_model
from dynsr.paths import data_root
from dynsr.training.recipes import RECIPES

REAL = data_root() / "real" / "SRMD"
CHIP = REAL / "chip.png"  # 109 x 55 RGB


@pytest.fixture(scope="module")
def dirs(tmp_path_factory) -> dict[str, Path]:
    return {"cache": tmp_path_factory.mktemp("cache"), "results": tmp_path_factory.mktemp("results")}


def dynsr(*arguments: str, dirs: dict[str, Path], timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "DYNSR_CACHE_DIR": str(dirs["cache"]), "DYNSR_RESULTS_DIR": str(dirs["results"])}
    return subprocess.run([sys.executable, "-m", "dynsr.cli", *map(str, arguments)], env=env, capture_output=True, text=True, timeout=timeout)


def size_of(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        assert image.mode == "RGB" and image.format == "PNG"
        return image.size


def everything_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


@pytest.fixture(scope="module")
def weights(tmp_path_factory) -> dict[int, Path]:
    """Exported (float16) weights of freshly initialised full-size SRMD x2 and x3."""
    folder = tmp_path_factory.mktemp("weights")
    paths = {}
    for scale in (2, 3):
        torch.manual_seed(scale)
        model = build_model("srmd", scale=scale)
        paths[scale] = export_weights(folder / f"srmd_x{scale}.pt", model_name="srmd", model_kwargs={"scale": scale},
                                      state_dict=model.state_dict(), provenance={"profile": "test"})
    return paths


def test_chip_is_in_the_data_root() -> None:
    assert CHIP.is_file() and Image.open(CHIP).size == (109, 55)


# ------------------------------------------------------------------------------------------------------- sr


def test_sr_bicubic_on_one_image(dirs, tmp_path: Path) -> None:
    output = tmp_path / "out" / "chip_x4.png"
    done = dynsr("sr", CHIP, output, "--model", "bicubic", "--scale", "4", dirs=dirs)
    assert done.returncode == 0, done.stderr
    assert size_of(output) == (436, 220)
    assert "(109x55) -> " in done.stdout and "(436x220)" in done.stdout
    assert everything_in(tmp_path / "out") == ["chip_x4.png"]


def test_sr_bicubic_on_a_folder(dirs, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(CHIP, inputs / "chip.png")
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (12, 16, 3), dtype=np.uint8)).save(inputs / "small.bmp")
    (inputs / "notes.txt").write_text("not an image")
    done = dynsr("sr", inputs, tmp_path / "out", "--model", "bicubic", "--scale", "4", dirs=dirs)
    assert done.returncode == 0, done.stderr
    assert everything_in(tmp_path / "out") == ["chip.png", "small.png"]
    assert size_of(tmp_path / "out" / "chip.png") == (436, 220)
    assert size_of(tmp_path / "out" / "small.png") == (64, 48)


def test_sr_srmd_with_exported_weights(dirs, weights, tmp_path: Path) -> None:
    output = tmp_path / "out" / "chip.png"
    done = dynsr("sr", CHIP, output, "--model", "srmd", "--scale", "2", "--checkpoint", weights[2],
                 "--kernel-width", "1.0", "--noise", "5", "--tile", "48", dirs=dirs)
    assert done.returncode == 0, done.stderr
    assert size_of(output) == (218, 110)


def test_sr_srmd_estimates_each_images_noise_with_noise_auto(dirs, weights, tmp_path: Path) -> None:
    output = tmp_path / "out" / "chip.png"
    done = dynsr("sr", CHIP, output, "--model", "srmd", "--scale", "2", "--checkpoint", weights[2], "--kernel-width", "1.0", "--noise", "auto",
                 dirs=dirs)
    assert done.returncode == 0, done.stderr
    from dynsr.data.images import load_rgb
    from dynsr.degradations.noise import estimate_noise_level

    assert f"chip.png: estimated noise level {estimate_noise_level(load_rgb(CHIP) / 255.0):.1f}" in done.stderr and size_of(output) == (218, 110)


def test_sr_srmd_without_kernel_width_is_refused(dirs, weights, tmp_path: Path) -> None:
    done = dynsr("sr", CHIP, tmp_path / "out" / "chip.png", "--model", "srmd", "--scale", "2", "--checkpoint", weights[2],
                 "--noise", "5", dirs=dirs)
    assert done.returncode == 2
    assert "srmd is non-blind: give the degradation of the input with --kernel-width" in done.stderr
    assert everything_in(tmp_path / "out") == []


def _png(path: Path, array: np.ndarray, mode: str | None = None) -> Path:
    Image.fromarray(array, mode).save(path) if mode else Image.fromarray(array).save(path)
    return path


@pytest.mark.parametrize(
    ("case", "message"),
    [
        pytest.param("missing-input", r"input .*nosuch\.png does not exist", id="missing-input"),
        pytest.param("unknown-model", r"unknown model 'edsr'; available: " + ", ".join(sorted(MODELS)), id="unknown-model"),
        pytest.param("unsupported-scale", r"no weights for srmd x5 at .*srmd_x5\.pt", id="unsupported-scale"),
        pytest.param("too-small", r"tiny\.png is 4x4; LR inputs need at least 8 pixels a side", id="too-small"),
        pytest.param("rgba", r"rgba\.png has an alpha channel \(mode RGBA\)", id="rgba"),
        pytest.param("16-bit", r"deep\.png is a I(;16)? image \(16-bit or wider\)", id="16-bit"),
        pytest.param("jpg-output", r"OUTPUT .*chip\.jpg must end in \.png", id="jpg-output"),
        pytest.param("corrupt-checkpoint", r"cannot read checkpoint .*half\.pt: it is truncated, corrupt or not a PyTorch file", id="corrupt-checkpoint"),
        pytest.param("other-scale", r"srmd_x3\.pt holds srmd x3, not srmd x2", id="other-scale"),
        pytest.param("missing-checkpoint", r"checkpoint .*absent\.pt does not exist", id="missing-checkpoint"),
        pytest.param("pickled-class", r"code\.pt holds pickled Python objects", id="pickled-class"),
        pytest.param("text-checkpoint", r"cannot read checkpoint .*notes\.pt", id="text-checkpoint"),
    ],
)
def test_sr_bad_input_fails_cleanly(dirs, weights, tmp_path: Path, case: str, message: str) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    source, output, model, scale, extra = CHIP, out / "result.png", "srmd", "2", ["--checkpoint", weights[2]]
    if case == "missing-input":
        source = inputs / "nosuch.png"
    elif case == "unknown-model":
        model, extra = "edsr", []
    elif case == "unsupported-scale":
        scale, extra = "5", []
    elif case == "too-small":
        source = _png(inputs / "tiny.png", np.zeros((4, 4, 3), np.uint8))
    elif case == "rgba":
        source = _png(inputs / "rgba.png", np.full((16, 16, 4), 200, np.uint8))
    elif case == "16-bit":
        source = _png(inputs / "deep.png", np.full((16, 16), 40000, np.uint16))
        assert Image.open(source).mode.startswith("I")
    elif case == "jpg-output":
        output = out / "chip.jpg"
    elif case == "corrupt-checkpoint":
        data = weights[2].read_bytes()
        (inputs / "half.pt").write_bytes(data[: len(data) // 2])
        extra = ["--checkpoint", inputs / "half.pt"]
    elif case == "other-scale":
        extra = ["--checkpoint", weights[3]]
    elif case == "missing-checkpoint":
        extra = ["--checkpoint", inputs / "absent.pt"]
    elif case == "pickled-class":
        torch.save({"format": "dynsr.weights", "payload": _CodeOnLoad(inputs / "ran.txt")}, inputs / "code.pt")
        extra = ["--checkpoint", inputs / "code.pt"]
    elif case == "text-checkpoint":
        (inputs / "notes.pt").write_text("hello world\n")
        extra = ["--checkpoint", inputs / "notes.pt"]
    done = dynsr("sr", source, output, "--model", model, "--scale", scale, *extra, "--kernel-width", "1", "--noise", "5", dirs=dirs)
    assert (done.returncode, "Traceback" in done.stderr) == (2, False), done.stderr[-3000:]
    assert done.stderr.startswith("error: ")
    assert re.search(message, done.stderr), done.stderr
    assert everything_in(out) == []  # no output, no temporary, nothing created
    assert not (inputs / "ran.txt").exists()


class _CodeOnLoad:
    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('ran')",))


# ----------------------------------------------------------------------------------------------------- eval


def test_eval_bicubic_on_udvd_table2(dirs, tmp_path: Path) -> None:
    output = tmp_path / "scores.csv"
    done = dynsr("eval", "--model", "bicubic", "--scale", "2", "--table", "udvd_table2", "--datasets", "Set5", "--limit", "1",
                 "--output", output, dirs=dirs)
    assert done.returncode == 0, done.stderr
    scores = pd.read_csv(output)
    assert len(scores) == 6
    assert set(scores["dataset"]) == {"Set5"} and set(scores["scale"]) == {2} and set(scores["image"]) == {"baby"}
    assert sorted(zip(scores["kernel_width"], scores["noise"])) == [(w, n) for w in (0.2, 1.3, 2.6) for n in (15.0, 50.0)]
    assert np.isfinite(scores["PSNR"]).all() and np.isfinite(scores["SSIM"]).all()
    assert (scores["PSNR"] > 15).all() and (scores["PSNR"] < 40).all()
    # more noise, lower PSNR, at every width
    for width, rows in scores.groupby("kernel_width"):
        assert rows.sort_values("noise")["PSNR"].is_monotonic_decreasing, width
    assert f"per-image scores: {output}" in done.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]


def test_eval_unknown_table(dirs, tmp_path: Path) -> None:
    done = dynsr("eval", "--model", "bicubic", "--scale", "2", "--table", "udvd_table99", "--output", tmp_path / "x.csv", dirs=dirs)
    assert done.returncode == 2
    assert "error: unknown test table 'udvd_table99'; known: " in done.stderr and "udvd_table2" in done.stderr
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------------- train


def test_train_smoke_with_overrides(dirs, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    done = dynsr("train", "--model", "srmd", "--scale", "2", "--profile", "smoke", "--set", "steps=2",
                 "--set", 'model_kwargs={"channels":8,"num_layers":3}', "--run-dir", run_dir, "--quiet", dirs=dirs)
    assert done.returncode == 0, done.stderr
    assert f"[dynsr train] {run_dir}: step 2/2" in done.stdout
    saved = load_checkpoint(run_dir / "checkpoint.pt", expected_format="dynsr.train")
    assert saved["step"] == 2
    assert saved["config"]["model_kwargs"] == {"channels": 8, "num_layers": 3} and saved["config"]["batch_size"] == 2
    assert sorted(p.name for p in run_dir.iterdir()) == ["checkpoint.pt", "config.json", "log.csv", "log.json"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--model", "srmd", "--set", "nonsense=1"], r"error: unknown TrainConfig keys \['nonsense'\]"),
        (["--model", "srmd", "--set", "steps=ten"], r"error: steps='ten' has type str; expected int"),
        (["--model", "nosuch"], re.escape(f"error: no training recipe 'nosuch'; recipes: {', '.join(sorted(RECIPES))}\n")),
        (["--model", "srmd", "--set", "steps"], r"error: --set takes KEY=VALUE"),
    ],
    ids=["unknown-key", "wrong-type", "unknown-model", "no-equals"],
)
def test_train_bad_arguments(dirs, tmp_path: Path, arguments: list[str], message: str) -> None:
    done = dynsr("train", "--scale", "2", "--profile", "smoke", "--run-dir", tmp_path / "run", "--quiet", *arguments, dirs=dirs)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert re.search(message, done.stderr), done.stderr
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("command", [[], ["reproduce"], ["sr"], ["eval"], ["train"], ["data"], ["data", "verify"]])
def test_help(dirs, command: list[str]) -> None:
    done = dynsr(*command, "--help", dirs=dirs)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: dynsr" + "".join(f" {word}" for word in command))


def test_sr_accepts_grayscale_with_a_note_and_rejects_a_zero_tile(dirs, tmp_path: Path) -> None:
    from PIL import Image

    source, output = tmp_path / "gray.png", tmp_path / "out" / "gray_x2.png"
    Image.fromarray(np.arange(256, dtype=np.uint8).reshape(16, 16), mode="L").save(source)
    done = dynsr("sr", str(source), str(output), "--model", "bicubic", "--scale", "2", dirs=dirs)
    assert done.returncode == 0, done.stderr
    assert "is grayscale; it is super-resolved as three equal RGB channels" in done.stderr
    with Image.open(output) as image:
        assert image.mode == "RGB" and image.size == (32, 32)
    bad = dynsr("sr", str(source), str(tmp_path / "never.png"), "--model", "bicubic", "--scale", "2", "--tile", "0", dirs=dirs)
    assert bad.returncode == 2 and "argument --tile: must be an integer >= 1, got 0" in bad.stderr and not (tmp_path / "never.png").exists()
