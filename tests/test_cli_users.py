"""The ``dynsr`` command line against the inputs of real users (the issue "dynsr sr and the CLI hold up against real users").

Every case is ``python -m dynsr ...`` in a subprocess: its exit code (0 done, 2 usage error, 1 failure
during the work, 130 interrupted), its message (never a traceback), the files it leaves behind and the
bytes of its inputs (never changed). Refusals of ``sr`` happen before torch is imported, so most cases
take about a second; ``--model bicubic`` wherever the model is not the point.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from dynsr.data.root import DataNotFoundError, verify_dataset
from dynsr.models import MODELS
from dynsr.paths import data_root, repo_root

CHIP = data_root() / "real" / "SRMD" / "chip.png"  # 109 x 55 RGB
COMMITTED = repo_root() / "results" / "checkpoints"

NOTEBOOK_FOLDERS = sorted({path.parent.name for path in (repo_root() / "notebooks").glob("*/[0-9][0-9]_*.ipynb")})


@pytest.fixture(scope="module")
def dirs(tmp_path_factory) -> dict[str, Path]:
    """A cache (checksum stamps) and a results folder private to this module."""
    return {"cache": tmp_path_factory.mktemp("cache"), "results": tmp_path_factory.mktemp("results")}


def environment(dirs: dict[str, Path], **extra: str) -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONWARNINGS": "default",
            "DYNSR_CACHE_DIR": str(dirs["cache"]), "DYNSR_RESULTS_DIR": str(dirs["results"]), **extra}


def dynsr(*arguments: object, dirs: dict[str, Path], cwd: Path | None = None, timeout: float = 300, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dynsr", *map(str, arguments)], env=environment(dirs, **extra), cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def files(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) -> sha256 of its bytes; links -> where they point."""
    found = {}
    for path in sorted(folder.rglob("*")):
        relative = str(path.relative_to(folder))
        if path.is_symlink():
            found[relative] = f"-> {os.readlink(path)}"
        elif path.is_file():
            found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def assert_refused(done: subprocess.CompletedProcess, code: int, message: str) -> None:
    """Exit ``code``, ``message`` (a regex) on stderr, no traceback, nothing on stdout."""
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.returncode == code, (done.returncode, done.stderr[-3000:])
    assert re.search(message, done.stderr), done.stderr
    assert done.stdout == ""


def png(path: Path, height: int = 12, width: int = 16, seed: int = 0) -> Path:
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)).save(path)
    return path


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def raw_png(path: Path, width: int, height: int, *, bit_depth: int = 8, rows: int | None = None) -> Path:
    """An RGB PNG written chunk by chunk: black rows, ``rows`` of them (default: all; fewer = a header that lies)."""
    compressor = zlib.compressobj(1)
    row = b"\0" * (1 + 3 * width * bit_depth // 8)
    data = b"".join(compressor.compress(row) for _ in range(height if rows is None else rows)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, bit_depth, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b""))
    return path


def flip_64_bytes(source: Path, destination: Path) -> Path:
    data = bytearray(source.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(byte ^ 0xFF for byte in data[middle : middle + 64])
    destination.write_bytes(bytes(data))
    return destination


# ------------------------------------------------------------------------------ 1. inputs are never destroyed


@pytest.mark.parametrize(
    "output",
    ["chip.png", "../work/chip.png", "./sub/../chip.png", "link.png", ".", "hard.png"],
    ids=["same-name", "via-parent", "via-dotdot", "via-symlink", "its-folder", "hard-link"],
)
def test_sr_refuses_to_write_over_its_input(dirs, tmp_path: Path, output: str) -> None:
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    shutil.copy(CHIP, work / "chip.png")
    (work / "link.png").symlink_to("chip.png")
    os.link(work / "chip.png", work / "hard.png")
    before = files(work)
    done = dynsr("sr", "chip.png", output, "--model", "bicubic", "--scale", "2", dirs=dirs, cwd=work)
    assert_refused(done, 2, r"^error: OUTPUT \S+ is the input chip\.png itself; dynsr never overwrites an input: name another output\n$")
    assert files(work) == before


def test_sr_overwrite_never_touches_the_input_behind_a_link(dirs, tmp_path: Path) -> None:
    shutil.copy(CHIP, tmp_path / "chip.png")
    (tmp_path / "link.png").symlink_to("chip.png")
    before = files(tmp_path)
    done = dynsr("sr", tmp_path / "chip.png", tmp_path / "link.png", "--model", "bicubic", "--scale", "2", "--overwrite", dirs=dirs)
    assert_refused(done, 2, r"link\.png is the input .*chip\.png itself")
    assert files(tmp_path) == before


@pytest.mark.parametrize("output", ["in", "in/.", "in/../in", "alias"], ids=["same", "dot", "dotdot", "symlink"])
def test_sr_refuses_the_input_folder_as_output_folder(dirs, tmp_path: Path, output: str) -> None:
    (tmp_path / "in").mkdir()
    png(tmp_path / "in" / "a.png")
    shutil.copy(CHIP, tmp_path / "in" / "chip.png")
    (tmp_path / "alias").symlink_to("in")
    before = files(tmp_path)
    done = dynsr("sr", "in", output, "--model", "bicubic", "--scale", "2", dirs=dirs, cwd=tmp_path)
    assert_refused(done, 2, r"^error: OUTPUT \S+ is the input folder in itself; dynsr never writes into its input folder: name another folder\n$")
    assert files(tmp_path) == before


def test_sr_refuses_inputs_whose_outputs_would_share_a_name(dirs, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    for suffix in (".jpg", ".bmp", ".png"):
        Image.fromarray(np.full((12, 16, 3), 100, np.uint8)).save(tmp_path / "in" / f"x{suffix}")
    png(tmp_path / "in" / "y.png")
    before = files(tmp_path)
    done = dynsr("sr", tmp_path / "in", tmp_path / "out", "--model", "bicubic", "--scale", "2", dirs=dirs)
    assert_refused(done, 2, r"^error: in .*in, x\.bmp, x\.jpg and x\.png would all be written to .*out/x\.png; outputs are named after "
                            r"the input without its extension: rename all but one, or move them to another folder\n$")
    assert files(tmp_path) == before and not (tmp_path / "out").exists()


def test_sr_keeps_existing_outputs_unless_overwrite(dirs, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    png(tmp_path / "in" / "a.png", seed=1)
    png(tmp_path / "in" / "b.bmp", seed=2)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.png").write_bytes(b"the user's own file")
    before = files(tmp_path)
    done = dynsr("sr", tmp_path / "in", tmp_path / "out", "--model", "bicubic", "--scale", "2", dirs=dirs)
    assert_refused(done, 2, r"^error: .*out/a\.png already exists; pass --overwrite to replace it, or name another output\n$")
    assert files(tmp_path) == before  # b.png is not written either: nothing is, unless everything may be
    done = dynsr("sr", tmp_path / "in", tmp_path / "out", "--model", "bicubic", "--scale", "2", "--overwrite", dirs=dirs)
    assert done.returncode == 0, done.stderr
    assert sorted(files(tmp_path / "out")) == ["a.png", "b.png"]
    with Image.open(tmp_path / "out" / "a.png") as image:
        assert image.size == (32, 24) and image.mode == "RGB"
    assert {name: digest for name, digest in files(tmp_path).items() if name.startswith("in/")} == {
        name: digest for name, digest in before.items() if name.startswith("in/")}


def test_sr_of_a_folder_into_an_existing_file_is_refused(dirs, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    png(tmp_path / "in" / "a.png")
    (tmp_path / "results").write_text("a file, not a folder\n")
    before = files(tmp_path)
    done = dynsr("sr", tmp_path / "in", tmp_path / "results", "--model", "bicubic", "--scale", "2", dirs=dirs)
    assert_refused(done, 2, r"^error: input .*in is a folder, so OUTPUT must be a folder; .*results is an existing file\n$")
    assert files(tmp_path) == before


def test_sr_into_a_folder_below_a_file_is_refused(dirs, tmp_path: Path) -> None:
    png(tmp_path / "a.png")
    (tmp_path / "notes").write_text("a file\n")
    before = files(tmp_path)
    done = dynsr("sr", tmp_path / "a.png", tmp_path / "notes" / "deeper" / "a_x2.png", "--model", "bicubic", "--scale", "2", dirs=dirs)
    assert_refused(done, 2, r"^error: the output folder .*notes/deeper cannot be created: .*notes is a file, not a folder\n$")
    assert files(tmp_path) == before


# ------------------------------------------------------------------------------------ 2. no garbage with exit 0


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--noise", "nan", r"argument --noise: must be a number from 0 to 255, got nan"),
        ("--noise", "1000", r"argument --noise: must be a number from 0 to 255, got 1000"),
        ("--noise", "-1", r"argument --noise: must be a number from 0 to 255, got -1"),
        ("--kernel-width", "inf", r"argument --kernel-width: must be a number from 0 to 10, got inf"),
        ("--kernel-width", "wide", r"argument --kernel-width: 'wide' is not a number"),
        ("--scale", "0", r"argument --scale: must be an integer >= 1, got 0"),
    ],
)
def test_sr_refuses_numbers_out_of_range(dirs, tmp_path: Path, option: str, value: str, message: str) -> None:
    shutil.copy(CHIP, tmp_path / "chip.png")
    before = files(tmp_path)
    arguments = {"--noise": "5", "--kernel-width": "1", "--scale": "2", option: value}
    done = dynsr("sr", tmp_path / "chip.png", tmp_path / "out.png", "--model", "srmd", *[x for pair in arguments.items() for x in pair], dirs=dirs)
    assert_refused(done, 2, r"(?s)^usage: dynsr sr .*\ndynsr sr: error: " + message + r"\n$")
    assert files(tmp_path) == before


@pytest.mark.parametrize("limit", ["-1", "0"])
def test_eval_refuses_a_limit_below_one(dirs, tmp_path: Path, limit: str) -> None:
    done = dynsr("eval", "--model", "bicubic", "--scale", "2", "--table", "udvd_table2", "--limit", limit, "--output", tmp_path / "s.csv", dirs=dirs)
    assert_refused(done, 2, rf"(?s)^usage: dynsr eval .*\ndynsr eval: error: argument --limit: must be an integer >= 1, got {limit}\n$")
    assert files(tmp_path) == {}


def test_sr_refuses_a_16_bit_rgb_png(dirs, tmp_path: Path) -> None:
    raw_png(tmp_path / "deep.png", 16, 12, bit_depth=16)
    with Image.open(tmp_path / "deep.png") as image:
        assert image.mode == "RGB"  # what Pillow makes of it: the high bytes only
    before = files(tmp_path)
    done = dynsr("sr", tmp_path / "deep.png", tmp_path / "out.png", "--model", "bicubic", "--scale", "2", dirs=dirs)
    assert_refused(done, 2, r"^error: .*deep\.png is a RGB;16 image \(16-bit or wider\); dynsr evaluates 8-bit images as the papers do\. "
                            r"Convert it to 8-bit RGB first")
    assert files(tmp_path) == before


def test_sr_refuses_weights_with_flipped_bytes(dirs, tmp_path: Path) -> None:
    flipped = flip_64_bytes(COMMITTED / "srmd_x2.pt", tmp_path / "flipped.pt")
    torch.load(flipped, weights_only=True)  # torch alone loads it without a word
    shutil.copy(CHIP, tmp_path / "chip.png")
    before = files(tmp_path)
    done = dynsr("sr", tmp_path / "chip.png", tmp_path / "out.png", "--model", "srmd", "--scale", "2", "--checkpoint", flipped,
                 "--kernel-width", "1", "--noise", "5", dirs=dirs)
    assert_refused(done, 2, r"^error: cannot read checkpoint .*flipped\.pt: it is truncated, corrupt or not a PyTorch file \(its entry "
                            r"'data/\d+' fails its CRC-32 check: its bytes changed after it was written\)\. These weights cannot be used: "
                            r"pass an intact copy with --checkpoint\.\n$")
    assert "Delete" not in done.stderr  # sr only reads weights
    assert files(tmp_path) == before


def test_sr_refuses_corrupted_default_weights_advising_a_restore(dirs, tmp_path: Path) -> None:
    results = tmp_path / "results"
    (results / "checkpoints").mkdir(parents=True)
    flip_64_bytes(COMMITTED / "srmd_x2.pt", results / "checkpoints" / "srmd_x2.pt")
    shutil.copy(CHIP, tmp_path / "chip.png")
    before = files(tmp_path)
    done = dynsr("sr", tmp_path / "chip.png", tmp_path / "out.png", "--model", "srmd", "--scale", "2", "--kernel-width", "1", "--noise", "5",
                 dirs=dirs, DYNSR_RESULTS_DIR=str(results))
    assert_refused(done, 2, r"srmd_x2\.pt: it is truncated, corrupt .*CRC-32.*These weights cannot be used: restore the committed weights "
                            r"\(git checkout -- results/checkpoints\) or pass --checkpoint\.\n$")
    assert files(tmp_path) == before


def test_every_committed_weights_file_passes_its_crc_check() -> None:
    from dynsr.checkpoints import read_torch_file

    paths = sorted(COMMITTED.glob("*.pt"))
    assert len(paths) >= 30
    for path in paths:
        assert isinstance(read_torch_file(path), dict), path


def _fake_data_root(root: Path) -> Path:
    folder = root / "benchmarks" / "Set5" / "HR"
    folder.mkdir(parents=True)
    (folder / "baby.png").write_bytes(b"the original bytes")
    digest = hashlib.sha256(b"the original bytes").hexdigest()
    (root / "SHA256SUMS").write_text(f"{digest}  ./benchmarks/Set5/HR/baby.png\n", encoding="utf-8")
    return folder / "baby.png"


def test_data_verify_rehashes_a_file_whose_size_and_mtime_were_kept(dirs, tmp_path: Path) -> None:
    image = _fake_data_root(tmp_path / "data")
    env = {"DYNSR_DATA_ROOT": str(tmp_path / "data"), "DYNSR_CACHE_DIR": str(tmp_path / "cache")}
    done = dynsr("data", "verify", "Set5", dirs=dirs, **env)
    assert (done.returncode, done.stdout, done.stderr) == (0, "ok       Set5\n", "")
    stamp = image.stat()
    image.write_bytes(b"the ORIGINAL bytes")  # same size
    os.utime(image, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # same mtime: the cache's stamp still matches
    done = dynsr("data", "verify", "Set5", dirs=dirs, **env)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert re.fullmatch(r"FAILED   Set5: data set Set5: .*baby\.png does not match its SHA256SUMS entry \(corrupt or modified\)\. .*"
                        r"python scripts/fetch_data\.py --only Set5`\.\n", done.stdout), done.stdout
    assert image.read_bytes() == b"the ORIGINAL bytes"  # reported, not touched
    with pytest.MonkeyPatch.context() as patch:  # and the implicit check no longer trusts the stale stamp either
        patch.setenv("DYNSR_DATA_ROOT", env["DYNSR_DATA_ROOT"])
        patch.setenv("DYNSR_CACHE_DIR", env["DYNSR_CACHE_DIR"])
        with pytest.raises(DataNotFoundError, match="does not match"):
            verify_dataset("Set5")


# ------------------------------------------------------------------------------- 3. messages, not tracebacks


@pytest.mark.parametrize(
    ("device", "message"),
    [
        ("bogus", r"^error: --device 'bogus' is not a device dynsr runs on; use auto, cpu, cuda or cuda:N\n$"),
        ("cuda:99", r"^error: --device cuda:99: torch sees (no|\d+) CUDA GPUs? on this machine; use --device cpu \(or auto\)\n$"),
        pytest.param("cuda", r"^error: --device cuda: torch sees no CUDA GPUs on this machine; use --device cpu \(or auto\)\n$",
                     marks=pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")),
    ],
)
def test_sr_refuses_a_device_it_cannot_use(dirs, tmp_path: Path, device: str, message: str) -> None:
    shutil.copy(CHIP, tmp_path / "chip.png")
    before = files(tmp_path)
    done = dynsr("sr", tmp_path / "chip.png", tmp_path / "out.png", "--model", "bicubic", "--scale", "2", "--device", device, dirs=dirs)
    assert_refused(done, 2, message)
    assert files(tmp_path) == before


def test_sr_refuses_a_png_whose_header_claims_100000_squared(dirs, tmp_path: Path) -> None:
    raw_png(tmp_path / "bomb.png", 100_000, 100_000, rows=1)
    before = files(tmp_path)
    done = dynsr("sr", tmp_path / "bomb.png", tmp_path / "out.png", "--model", "bicubic", "--scale", "2", dirs=dirs)
    assert_refused(done, 2, r"^error: .*bomb\.png claims more pixels than dynsr opens \(Image size \(10000000000 pixels\) exceeds limit .*\); "
                            r"a genuine image this large must be cut into parts first\n$")
    assert files(tmp_path) == before


def test_sr_refuses_a_real_13000_squared_image_whose_result_cannot_fit(dirs, tmp_path: Path) -> None:
    """A decodable 13000² PNG (169 megapixels, under Pillow's bomb limit); x16 gives 208000², 130 GB of 8-bit RGB: refused before decoding."""
    raw_png(tmp_path / "huge.png", 13_000, 13_000)
    before = files(tmp_path)
    done = dynsr("sr", tmp_path / "huge.png", tmp_path / "out.png", "--model", "bicubic", "--scale", "16", dirs=dirs)
    assert_refused(done, 2, r"^error: .*huge\.png is 13000x13000: its x16 result would be 208000x208000 pixels \(129\.8 GB as 8-bit RGB\) and "
                            r"needs about 306\.1 GB of memory, but [\d.]+ GB are available\. Cut the image into parts, or use a smaller --scale\.\n$")
    assert files(tmp_path) == before


def test_sr_refuses_the_oracle_model_that_needs_the_true_kernel(dirs, tmp_path: Path) -> None:
    shutil.copy(CHIP, tmp_path / "chip.png")
    before = files(tmp_path)
    done = dynsr("sr", tmp_path / "chip.png", tmp_path / "out.png", "--model", "dasr_oracle", "--scale", "4", "--checkpoint",
                 COMMITTED / "dasr_oracle_x4.pt", "--kernel-width", "1", "--noise", "0", dirs=dirs)
    assert_refused(done, 2, r"^error: dasr_oracle is given the true blur kernel of each test image \(conditioning 'true_kernel'\); it cannot "
                            r"super-resolve your own images")
    assert files(tmp_path) == before


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--set", "learning_rate=-1"], r"^error: learning_rate=-1\.0 must be > 0 \(the recipes use 1e-4\)\n$"),
        (["--seed", "-1"], r"(?s)^usage: dynsr train .*\ndynsr train: error: argument --seed: must be an integer >= 0 and <= 4294967295, got -1\n$"),
        (["--set", "steps"], r"^error: --set takes KEY=VALUE \(e\.g\. --set steps=200\); got 'steps'\n$"),
        (["--run-dir", "{tmp}/notes.txt"], r"^error: --run-dir .*notes\.txt is a file, not a folder; name a folder \(it is created if missing\)\n$"),
        (["--run-dir", "{tmp}/notes.txt/run"], r"^error: --run-dir .*notes\.txt/run cannot be created: .*notes\.txt is a file, not a folder\n$"),
    ],
    ids=["negative-learning-rate", "negative-seed", "set-without-value", "run-dir-is-a-file", "run-dir-below-a-file"],
)
def test_train_refuses_bad_settings(dirs, tmp_path: Path, arguments: list[str], message: str) -> None:
    (tmp_path / "notes.txt").write_text("my notes\n")
    before = files(tmp_path)
    arguments = [argument.format(tmp=tmp_path) for argument in arguments]
    if "--run-dir" not in arguments:
        arguments += ["--run-dir", str(tmp_path / "run")]
    done = dynsr("train", "--model", "srmd", "--scale", "2", "--profile", "smoke", "--quiet", *arguments, dirs=dirs)
    assert_refused(done, 2, message)
    assert files(tmp_path) == before


# ------------------------------------------------------------------------------- 7. the rest of the command line


def test_python_dash_m_dynsr_runs_the_cli(dirs, tmp_path: Path) -> None:
    done = dynsr("--help", dirs=dirs)
    assert done.returncode == 0 and done.stdout.startswith("usage: dynsr [-h] {reproduce,figures,sr,eval,train,data}"), done.stderr
    shutil.copy(CHIP, tmp_path / "chip.png")
    done = dynsr("sr", tmp_path / "chip.png", tmp_path / "out" / "chip_x2.png", "--model", "bicubic", "--scale", "2", dirs=dirs)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r".*chip\.png \(109x55\) -> .*chip_x2\.png \(218x110\) in [\d.]+ s\n", done.stdout), done.stdout
    assert sorted(files(tmp_path)) == ["chip.png", "out/chip_x2.png"]


def test_sr_help_lists_the_models_and_the_scales_that_have_weights(dirs) -> None:
    done = dynsr("sr", "--help", dirs=dirs, DYNSR_RESULTS_DIR=str(repo_root() / "results"))
    assert done.returncode == 0, done.stderr
    listing = done.stdout.split("models, and the scales of their committed weights")[1]
    rows = dict(re.findall(r"^  (\w+) +(.+)$", listing, flags=re.MULTILINE))
    assert sorted(rows) == sorted(MODELS)
    for name, text in rows.items():
        scales = sorted(int(path.stem.rpartition("_x")[2]) for path in COMMITTED.glob(f"{name}_x*.pt") if re.fullmatch(rf"{name}_x\d+", path.stem))
        expected = "any scale (no weights)" if name == "bicubic" else ", ".join(f"x{scale}" for scale in scales)
        assert text.startswith(expected), (name, text)
    assert rows["srmd"] == "x2, x3, x4; non-blind: give --kernel-width and --noise"
    assert "not for your own images" in rows["dasr_oracle"]
    assert "never overwrites an input" in done.stdout and "--overwrite" in done.stdout and "(x.jpg, x.png) are refused" in done.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["reproduce", "--profile", "smoke", "--only", "nonexistent"], r"^error: no notebook in .*notebooks matches --only 'nonexistent'\n$"),
        (["reproduce", "--profile", "smoke", "--paper", "srcnn"], r"^error: no notebook folder .*notebooks/srcnn; --paper is one of " + re.escape(", ".join(NOTEBOOK_FOLDERS)) + r"\n$"),
        (["data", "verify", "NoSuchSet", "Set5"], r"^error: unknown data set 'NoSuchSet'; known: Set5, Set14, "),
        (["eval", "--model", "bicubic", "--scale", "2", "--table", "udvd_table99"], r"^error: unknown test table 'udvd_table99'; known: "),
        (["sr", "in.png"], r"(?s)^usage: dynsr sr .*\ndynsr sr: error: the following arguments are required: output, --model, --scale\n$"),
        (["train", "--model", "srmd", "--scale", "2", "--set", "nonsense=1"], r"^error: unknown TrainConfig keys \['nonsense'\]"),
    ],
    ids=["reproduce-only", "reproduce-paper", "verify-unknown-set", "eval-unknown-table", "sr-missing-arguments", "train-unknown-key"],
)
def test_usage_errors_exit_2_everywhere(dirs, tmp_path: Path, arguments: list[str], message: str) -> None:
    done = dynsr(*arguments, dirs=dirs, cwd=tmp_path, DYNSR_RESULTS_DIR=str(tmp_path / "results"))
    assert_refused(done, 2, message)
    assert files(tmp_path) == {}


TINY_RUN = ["--model", "srmd", "--scale", "2", "--profile", "smoke", "--quiet", "--set", 'model_kwargs={"channels":8,"num_layers":3}', "--set", "steps=1"]


def test_train_says_it_resumes_and_advises_a_fresh_start_on_a_corrupt_checkpoint(dirs, tmp_path: Path, monkeypatch) -> None:
    from dynsr.training.recipes import recipe
    from dynsr.training.trainer import train

    run = tmp_path / "run"
    monkeypatch.setenv("DYNSR_CACHE_DIR", str(dirs["cache"]))
    train(recipe("srmd", "smoke", scale=2).replace(model_kwargs={"channels": 8, "num_layers": 3}, steps=1), run)  # what TINY_RUN trains
    done = dynsr("train", *TINY_RUN, "--run-dir", run, dirs=dirs)  # finished already: resumes at its last step
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"[dynsr train] resuming {run} from step 1/1\n"), done.stdout
    assert f"[dynsr train] {run}: step 1/1" in done.stdout
    flip_64_bytes(run / "checkpoint.pt", run / "checkpoint.pt")
    before = files(tmp_path)
    broken = dynsr("train", *TINY_RUN, "--run-dir", run, dirs=dirs)
    assert_refused(broken, 2, r"^error: cannot read checkpoint .*checkpoint\.pt: it is truncated, corrupt or not a PyTorch file \(.*\)\. "
                              r"Delete it to start this run over from step 0, or use another --run-dir\.\n$")
    assert files(tmp_path) == before


def test_sr_with_a_truncated_checkpoint_gives_advice_for_a_reader(dirs, tmp_path: Path) -> None:
    data = (COMMITTED / "srmd_x2.pt").read_bytes()
    (tmp_path / "half.pt").write_bytes(data[: len(data) // 2])
    shutil.copy(CHIP, tmp_path / "chip.png")
    before = files(tmp_path)
    done = dynsr("sr", tmp_path / "chip.png", tmp_path / "out.png", "--model", "srmd", "--scale", "2", "--checkpoint", tmp_path / "half.pt",
                 "--kernel-width", "1", "--noise", "5", dirs=dirs)
    assert_refused(done, 2, r"^error: cannot read checkpoint .*half\.pt: it is truncated, corrupt or not a PyTorch file.*\. "
                            r"These weights cannot be used: pass an intact copy with --checkpoint\.\n$")
    assert "Delete" not in done.stderr
    assert files(tmp_path) == before


def test_a_killed_reproduce_leaves_no_running_notebook(dirs, tmp_path: Path) -> None:
    """SIGTERM while a notebook runs: exit 130, its hidden running copy removed, the previous result kept; a copy left by
    kill -9 is removed when that notebook is run again, and another notebook's running copy (a concurrent reproduce) is left alone."""
    notebooks = tmp_path / "results" / "smoke" / "baselines" / "notebooks"
    notebooks.mkdir(parents=True)
    (notebooks / ".00_degradations_and_bicubic.running.ipynb").write_text("{}")
    (notebooks / ".99_another_running.running.ipynb").write_text("{}")
    (notebooks / "00_degradations_and_bicubic.ipynb").write_text("the previous result")
    process = subprocess.Popen([sys.executable, "-m", "dynsr", "reproduce", "--profile", "smoke", "--only", "00_"], cwd=tmp_path,
                               env=environment(dirs, DYNSR_RESULTS_DIR=str(tmp_path / "results")), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    running = notebooks / ".00_degradations_and_bicubic.running.ipynb"
    deadline = time.monotonic() + 120
    while (not running.exists() or running.read_text() == "{}") and process.poll() is None and time.monotonic() < deadline:  # papermill's copy
        time.sleep(0.1)
    assert running.exists() and running.read_text() != "{}", process.communicate(timeout=60)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130 and "Traceback" not in stderr, stderr[-3000:]
    assert "[dynsr reproduce] interrupted: finished outputs are kept, nothing is half-written" in stderr
    assert sorted(path.name for path in notebooks.iterdir()) == [".99_another_running.running.ipynb", "00_degradations_and_bicubic.ipynb"]
    assert (notebooks / "00_degradations_and_bicubic.ipynb").read_text() == "the previous result"


def test_papermill_list_parameter_given_as_text_is_named(tmp_path: Path) -> None:
    """``papermill -p widths "[-1.0]"`` passes the text "[-1.0]" (it used to fail deep inside with "Unknown format code 'g'").
    Element types and ranges given as lists (``-y``) are tested in test_notebook_params_and_results.py."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell('profile = "smoke"\nwidths = [0.2, 1.0]', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("from dynsr.papers.udvd.figures import HeatmapParams\nfrom dynsr.notebook import notebook_params\n"
                                  "params = notebook_params(globals(), HeatmapParams)"),
    ]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, tmp_path / "nb.ipynb")
    done = subprocess.run([sys.executable, "-m", "papermill", tmp_path / "nb.ipynb", tmp_path / "out.ipynb", "-p", "widths", "[-1.0]",
                           "--no-progress-bar"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "ParameterError: parameter widths='[-1.0]' must be a list or tuple, e.g. widths=[...] (papermill's -p passes text; " \
           "give a list as YAML: -y 'widths: [...]')" in done.stderr, done.stderr[-3000:]
    assert "Unknown format code" not in done.stderr
