"""The training engine: TrainConfig, training pairs, the resumable trainer (in-process and across kill -9),
checkpoint safety, divergence, weights export and the recipes.

Every run here is tiny (SRMD with 16 channels and 4 layers, 12² LR patches, batch 4), so a run of a few
steps takes well under a second besides the validation at its end.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

import dynsr.training.trainer as trainer
from dynsr.checkpoints import (
    FORMAT_VERSION,
    TRAIN_FORMAT,
    WEIGHTS_FORMAT,
    CheckpointError,
    CorruptCheckpointError,
    export_weights,
    load_checkpoint,
    load_weights,
    save_checkpoint,
)
from dynsr.config import ConfigError
from dynsr.data.root import DataNotFoundError
from dynsr.degradations.bicubic import matlab_bicubic_resize
from dynsr.degradations.blur import blur
from dynsr.degradations.kernels import isotropic_gaussian_kernel
from dynsr.degradations.pca import kernel_pca_code, load_pca_basis
from dynsr.degradations.spatial import LinearRamp, SpatiallyVaryingDegradation, degrade_spatially_varying
from dynsr.models import MODELS, build_model
from dynsr.paths import data_root
from dynsr.profiles import ParameterError
from dynsr.training.config import TrainConfig
from dynsr.training.data import TrainingPatches, batch_indices
from dynsr.papers.udvd.recipes import UDVD_SCHEDULES
from dynsr.training.recipes import MATCHED_STEPS, RECIPES, recipe, trained_weights, weights_path
from dynsr.training.trainer import RESUMABLE_CHANGES, TrainingDivergedError, train
from training_helpers import assert_identical, dynsr_dirs, restore_global_torch_state

AUTOUSE_FIXTURES = (dynsr_dirs, restore_global_torch_state)  # imported so that pytest applies them to this module

TINY: dict[str, Any] = dict(
    model="srmd", scale=2, steps=6, lr_patch=12, batch_size=4, checkpoint_every=2, log_every=2, validation_images=1,
    model_kwargs={"channels": 16, "num_layers": 4}, device="cpu",
)
LOG_COLUMNS = ["step", "loss", "learning_rate", "seconds", "val_psnr"]


def tiny(**changes: Any) -> TrainConfig:
    return TrainConfig(**{**TINY, **changes})


def log_rows(run_dir: Path) -> list[dict[str, str]]:
    """log.csv as text, without the wall-clock ``seconds`` column (the one column that cannot repeat)."""
    with open(run_dir / "log.csv", newline="") as stream:
        reader = csv.DictReader(stream)
        assert reader.fieldnames == LOG_COLUMNS
        return [{key: value for key, value in row.items() if key != "seconds"} for row in reader]


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and ".tmp" in p.name)


# ----------------------------------------------------------------------------------------------- TrainConfig


def test_unknown_key_is_a_config_error_naming_it() -> None:
    with pytest.raises(ConfigError, match=r"unknown TrainConfig keys \['learnig_rate'\]"):
        TrainConfig.from_dict({**TINY, "learnig_rate": 1e-3})
    with pytest.raises(ConfigError, match="nonsense"):
        tiny().replace(nonsense=1)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("steps", "10", r"steps='10' has type str; expected int"),
        ("steps", True, r"steps=True has type bool; expected int"),
        ("scale", 2.0, r"scale=2.0 has type float; expected int"),
        ("learning_rate", "1e-4", r"learning_rate='1e-4' has type str; expected float"),
        ("loss", "l3", r"loss='l3'; choose one of \['l2', 'l1'\]"),
        ("device", "tpu", r"device='tpu'; choose one of"),
    ],
)
def test_wrongly_typed_value_is_a_config_error(key: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        TrainConfig.from_dict({**TINY, key: value})


@pytest.mark.parametrize(("key", "value"), [("train_sets", "T91"), ("width_range", 1.0), ("noise_range", ["a", "b"])])
def test_wrongly_typed_tuple_field_is_a_config_error(key: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=key):
        TrainConfig.from_dict({**TINY, key: value})


def test_round_trip_keeps_tuples_and_survives_json() -> None:
    config = tiny(train_sets=("T91",), width_range=(0.5, 2.0), noise_range=(1, 5), adam_betas=(0.8, 0.99))
    as_dict = config.to_dict()
    assert as_dict["train_sets"] == ["T91"] and as_dict["width_range"] == [0.5, 2.0] and as_dict["adam_betas"] == [0.8, 0.99]
    back = TrainConfig.from_dict(json.loads(json.dumps(as_dict)))
    assert back == config
    assert back.train_sets == ("T91",) and back.width_range == (0.5, 2.0) and back.adam_betas == (0.8, 0.99)
    assert isinstance(back.noise_range, tuple) and back.noise_range == (1, 5)
    assert back.model_kwargs == {"channels": 16, "num_layers": 4}
    # JSON gives ints for whole floats: coerced back to float
    assert TrainConfig.from_dict({**as_dict, "learning_rate": 1}).learning_rate == 1.0
    assert isinstance(TrainConfig.from_dict({**as_dict, "learning_rate": 1}).learning_rate, float)
    replaced = config.replace(steps=9, width_range=[1, 2])
    assert replaced.steps == 9 and replaced.width_range == (1, 2) and replaced.lr_patch == 12 and config.steps == 6


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"steps": 0}, r"must be >= 1: \{'steps': 0\}"),
        ({"batch_size": -1}, r"must be >= 1: \{'batch_size': -1\}"),
        ({"width_range": (0.0, 3.0)}, r"width_range starts at 0.0; a Gaussian kernel needs a width > 0"),
        ({"width_range": (2.0, 1.0)}, r"width_range=\(2.0, 1.0\) must be \(low, high\)"),
        ({"noise_range": (-1.0, 5.0)}, r"noise_range=\(-1.0, 5.0\) must be"),
        ({"checkpoint_every": -1}, r"must be >= 0"),
        ({"train_sets": ()}, r"train_sets is empty"),
        ({"learning_rate": -1.0}, r"learning_rate=-1.0 must be > 0"),
        ({"learning_rate": float("inf")}, r"learning_rate=inf: every number must be finite"),
        ({"validation_noise": float("nan")}, r"validation_noise=nan: every number must be finite"),
        ({"adam_betas": (0.9, 1.0)}, r"adam_betas=\(0.9, 1.0\) must both be in \[0, 1\)"),
        ({"seed": -1}, r"seed=-1 must be in \[0, 2\*\*32 - 1\]"),
        ({"noise_range": (0.0, 1000.0)}, r"noise levels are on the 0-255 scale"),
    ],
)
def test_invalid_ranges_are_rejected(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        tiny(**changes)
    with pytest.raises(ConfigError, match=message):
        TrainConfig.from_dict({**TINY, **changes})


# ---------------------------------------------------------------------------------------------------- data


@pytest.fixture(scope="module")
def patches() -> TrainingPatches:
    return TrainingPatches(tiny())


def test_sample_is_a_pure_function_of_seed_and_index(patches: TrainingPatches) -> None:
    first = patches[5]
    torch.manual_seed(123)
    np.random.seed(123)  # the global RNGs play no part
    again = TrainingPatches(tiny(steps=100, batch_size=8))[5]  # nor do the run length and batch size
    assert set(first) == {"lr", "hr", "kernel_code", "noise", "width"}
    for key in first:
        assert torch.equal(first[key], again[key]), key
    other_seed = TrainingPatches(tiny(seed=1))[5]
    assert not torch.equal(first["hr"], other_seed["hr"])
    assert not torch.equal(first["lr"], other_seed["lr"])
    assert not torch.equal(first["hr"], patches[6]["hr"])
    assert len(patches) == 6 * 4


def test_sample_shapes_and_dtypes(patches: TrainingPatches) -> None:
    sample = patches[0]
    assert sample["lr"].shape == (3, 12, 12)
    assert sample["hr"].shape == (3, 24, 24)
    assert sample["kernel_code"].shape == (15,)
    assert sample["noise"].shape == () and sample["width"].shape == ()
    assert all(value.dtype == torch.float32 for value in sample.values())
    assert 0.0 <= float(sample["hr"].min()) and float(sample["hr"].max()) <= 1.0
    x3 = TrainingPatches(tiny(scale=3, lr_patch=10))[0]
    assert x3["lr"].shape == (3, 10, 10) and x3["hr"].shape == (3, 30, 30)


def test_ramp_sample_is_the_spatially_varying_degradation_of_its_patch_with_per_pixel_maps() -> None:
    """``spatial_variation="ramp"``: the LR equals dynsr.degradations.spatial's degradation of the same augmented HR patch with
    the two widths and two levels the sample drew (same generator, same order), and the maps are that ramp's."""
    config = tiny(scale=3, lr_patch=10, spatial_variation="ramp", quantize_before_noise=False, width_range=(0.5, 2.5), noise_range=(5.0, 50.0))
    dataset = TrainingPatches(config)
    sample = dataset[3]
    rng = np.random.default_rng([config.seed, 3])  # replayed: image, crop, flips, then the ramps' ends
    image = dataset._image(int(rng.integers(dataset.num_images)))
    rng.integers(image.shape[0] - 29), rng.integers(image.shape[1] - 29), rng.integers(2, size=3)
    widths, levels = rng.uniform(*config.width_range, size=2), rng.uniform(*config.noise_range, size=2)
    degradation = SpatiallyVaryingDegradation(scale=3, width=LinearRamp(*widths), noise=LinearRamp(*levels), kernel_size=15, padding="replicate")
    hr = sample["hr"].numpy().astype(np.float64).transpose(1, 2, 0)  # (30, 30, 3): the augmented patch (a uint8 image / 255, float32)
    lr, width_map, noise_map = degrade_spatially_varying(hr, degradation, rng=rng)
    np.testing.assert_allclose(sample["lr"].numpy().transpose(1, 2, 0), lr, atol=2e-6)  # float32 storage
    np.testing.assert_allclose(sample["width"].numpy(), width_map, rtol=1e-6)
    np.testing.assert_allclose(sample["noise"].numpy(), noise_map, rtol=1e-6)
    assert sample["kernel_code"].shape == (15, 10, 10) and sample["noise"].shape == (10, 10)
    column = 7
    expected = kernel_pca_code(isotropic_gaussian_kernel(15, float(width_map[0, column])), load_pca_basis("kair_srmd"))
    np.testing.assert_allclose(sample["kernel_code"][:, 4, column].numpy(), expected, atol=1e-5)
    steps = np.diff(width_map[0])
    assert np.ptp(width_map[:, 0]) == 0 and ((steps > 0).all() or (steps < 0).all())  # linear across the columns, constant down them


def test_ramp_training_steps_a_non_blind_model_on_per_pixel_maps(tmp_path: Path) -> None:
    result = train(tiny(steps=2, spatial_variation="ramp", checkpoint_every=0, log_every=1), tmp_path / "run")
    assert result.step == 2 and np.isfinite(result.log["loss"]).all()


def test_ramp_is_refused_with_paired_patches() -> None:
    with pytest.raises(ConfigError, match="spatial_variation='ramp' is for single patches"):
        tiny(model="dasr", spatial_variation="ramp", paired_patches=True, model_kwargs={})
    with pytest.raises(ConfigError, match="degradation_targets carries one kernel per patch"):
        tiny(spatial_variation="ramp", degradation_targets=True)


def test_noise_and_width_are_drawn_from_their_ranges() -> None:
    dataset = TrainingPatches(tiny(width_range=(1.0, 1.5), noise_range=(10.0, 20.0)))
    basis = load_pca_basis("kair_srmd")
    widths, noises = [], []
    for index in range(40):
        sample = dataset[index]
        width, noise = float(sample["width"]), float(sample["noise"])
        widths.append(width)
        noises.append(noise)
        expected_code = kernel_pca_code(isotropic_gaussian_kernel(15, width), basis)
        np.testing.assert_allclose(sample["kernel_code"].numpy(), expected_code, atol=1e-5)
    assert 1.0 <= min(widths) and max(widths) <= 1.5 and max(widths) - min(widths) > 0.25
    assert 10.0 <= min(noises) and max(noises) <= 20.0 and max(noises) - min(noises) > 5.0


def test_noise_free_quantised_lr_is_8_bit_and_unquantised_lr_is_the_degraded_hr() -> None:
    quantised = TrainingPatches(tiny(noise_range=(0.0, 0.0), quantize_before_noise=True))
    raw = TrainingPatches(tiny(noise_range=(0.0, 0.0), quantize_before_noise=False))
    for index in range(4):
        q, r = quantised[index], raw[index]
        levels = q["lr"].double() * 255
        assert torch.allclose(levels, levels.round(), atol=1e-4, rtol=0)
        assert float(q["noise"]) == 0.0
        # without quantisation, LR = bicubic(blur(HR)) exactly as the module docstring states
        hr = np.ascontiguousarray(np.round(r["hr"].double().numpy().transpose(1, 2, 0) * 255) / 255)
        expected = matlab_bicubic_resize(blur(hr, isotropic_gaussian_kernel(15, float(r["width"])), padding="replicate"), 0.5)
        np.testing.assert_allclose(r["lr"].numpy().transpose(1, 2, 0), expected, atol=1e-5)
        raw_levels = r["lr"].double() * 255
        assert not torch.allclose(raw_levels, raw_levels.round(), atol=1e-4, rtol=0)
        assert torch.equal(q["hr"], r["hr"])


def test_batch_indices_partition_a_batch_over_ranks() -> None:
    assert batch_indices(0, 4) == [0, 1, 2, 3]
    assert batch_indices(2, 4) == [8, 9, 10, 11]
    assert batch_indices(2, 4, rank=1, world_size=2) == [9, 11]
    for step in range(3):
        single = batch_indices(step, 8)
        for world_size in (1, 2, 4, 8):
            shares = [batch_indices(step, 8, rank=rank, world_size=world_size) for rank in range(world_size)]
            assert all(len(share) == 8 // world_size for share in shares)
            assert sorted(i for share in shares for i in share) == single
    with pytest.raises(ValueError, match="batch_size 6 is not divisible by the 4 processes"):
        batch_indices(0, 6, rank=0, world_size=4)


# ------------------------------------------------------------------------------------------ resume in process


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> tuple[Path, Any]:
    run_dir = tmp_path_factory.mktemp("uninterrupted")
    result = train(tiny(), run_dir)
    return run_dir, result


def test_uninterrupted_run_writes_checkpoint_and_logs(uninterrupted) -> None:
    run_dir, result = uninterrupted
    assert result.step == 6 and result.finished and result.checkpoint == run_dir / "checkpoint.pt"
    assert sorted(p.name for p in run_dir.iterdir()) == ["checkpoint.pt", "config.json", "log.csv", "log.json"]
    saved = load_checkpoint(run_dir / "checkpoint.pt", expected_format=TRAIN_FORMAT)
    assert saved["step"] == 6 and saved["version"] == FORMAT_VERSION and saved["config"] == tiny().to_dict()
    assert json.loads((run_dir / "config.json").read_text()) == tiny().to_dict()
    rows = log_rows(run_dir)
    assert [row["step"] for row in rows] == ["2", "4", "6"]
    assert [row["val_psnr"] for row in rows[:2]] == ["", ""] and np.isfinite(float(rows[2]["val_psnr"]))
    assert all(float(row["learning_rate"]) == 1e-4 for row in rows)
    logged = json.loads((run_dir / "log.json").read_text())
    assert [entry["step"] for entry in logged] == [2, 4, 6] and logged[0]["val_psnr"] is None
    assert list(result.log["step"]) == [2, 4, 6]


@pytest.mark.parametrize("stops", [(3,), (4,), (1,), (1, 3, 5)], ids=["step3", "boundary4", "step1", "three-stops"])
def test_resumed_run_is_bit_identical(uninterrupted, tmp_path: Path, stops: tuple[int, ...]) -> None:
    reference_dir, _ = uninterrupted
    config = tiny()
    for stop in stops:
        result = train(config, tmp_path, stop_at_step=stop)
        assert result.step == stop and not result.finished
        assert load_checkpoint(tmp_path / "checkpoint.pt")["step"] == stop
    result = train(config, tmp_path)
    assert result.step == 6 and result.finished
    expected = load_checkpoint(reference_dir / "checkpoint.pt")
    got = load_checkpoint(tmp_path / "checkpoint.pt")
    # model, Adam, StepLR, RNG states, step, log (every field but the wall-clock seconds), running loss
    assert_identical(expected, got)
    assert len(got["optimizer"]["state"]) == len(got["model"]) and all("exp_avg_sq" in s for s in got["optimizer"]["state"].values())
    assert log_rows(tmp_path) == log_rows(reference_dir)
    assert json.loads((tmp_path / "config.json").read_text()) == config.to_dict()
    assert temporaries(tmp_path) == []


def test_train_on_a_finished_run_changes_nothing(tmp_path: Path) -> None:
    train(tiny(steps=2), tmp_path)
    before = (tmp_path / "checkpoint.pt").read_bytes()
    result = train(tiny(steps=2), tmp_path)
    assert result.step == 2 and result.finished
    assert (tmp_path / "checkpoint.pt").read_bytes() == before


# --------------------------------------------------------------------------------------------------- kill -9

DRIVER = r'''
"""Train a dynsr config in a fresh process: driver.py RUN_DIR CONFIG_JSON [MODE]."""
import json, os, signal, sys, time

import torch

torch.set_num_threads(1)
import dynsr.training.trainer as trainer
from dynsr.training.config import TrainConfig

run_dir, config = sys.argv[1], TrainConfig.from_dict(json.loads(sys.argv[2]))
mode = sys.argv[3] if len(sys.argv) > 3 else "run"
if mode == "slow":  # stretch every step (the computation is untouched) so that the test can kill it mid-run
    loss = trainer._step_loss
    def slow_loss(*args):
        time.sleep(0.05)
        return loss(*args)
    trainer._step_loss = slow_loss
elif mode.startswith("die-in-save:"):  # SIGKILL itself halfway through writing the checkpoint of step N
    target, real_save = int(mode.split(":")[1]), torch.save
    def dying_save(payload, f, *args, **kwargs):
        if isinstance(payload, dict) and payload.get("step") == target:
            real_save(payload, f, *args, **kwargs)
            data = open(f, "rb").read()
            open(f, "wb").write(data[: len(data) // 2])
            os.kill(os.getpid(), signal.SIGKILL)
        return real_save(payload, f, *args, **kwargs)
    torch.save = dying_save
result = trainer.train(config, run_dir)
print("DONE", result.step, flush=True)
'''

KILL_CONFIG = dict(steps=30, checkpoint_every=3, log_every=3)


@pytest.fixture(scope="module")
def driver(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("driver") / "driver.py"
    path.write_text(DRIVER)
    return path


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _run_driver(driver: Path, run_dir: Path, config: TrainConfig, mode: str = "run") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(driver), str(run_dir), json.dumps(config.to_dict()), mode],
                          env=_env(), capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def kill_reference(driver: Path, tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("kill_reference")
    done = _run_driver(driver, run_dir, tiny(**KILL_CONFIG))
    assert done.returncode == 0 and "DONE 30" in done.stdout, done.stderr
    return run_dir


def _wait_for_checkpoint(path: Path, step: int, process: subprocess.Popen, stderr: Path, timeout: float = 90.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"training ended (rc {process.returncode}) before its checkpoint reached step {step}: {stderr.read_text()[-2000:]}")
        if path.exists():
            saved = load_checkpoint(path)["step"]  # atomic writes: never a partial file to read here
            if saved >= step:
                return saved
        time.sleep(0.005)
    pytest.fail(f"no checkpoint of step >= {step} within {timeout} s")


@pytest.mark.parametrize("kill_after", [3, 15, 24])
def test_kill_9_then_resume_is_bit_identical(driver: Path, kill_reference: Path, tmp_path: Path, kill_after: int) -> None:
    config = tiny(**KILL_CONFIG)
    run_dir, stderr = tmp_path / "run", tmp_path / "stderr.txt"
    with open(stderr, "w") as errors:
        process = subprocess.Popen([sys.executable, str(driver), str(run_dir), json.dumps(config.to_dict()), "slow"],
                                   env=_env(), stdout=subprocess.DEVNULL, stderr=errors)
        try:
            _wait_for_checkpoint(run_dir / "checkpoint.pt", kill_after, process, stderr)
            os.kill(process.pid, signal.SIGKILL)
            assert process.wait(timeout=30) == -signal.SIGKILL
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    killed_at = load_checkpoint(run_dir / "checkpoint.pt")["step"]
    assert kill_after <= killed_at < 30 and killed_at % 3 == 0, killed_at
    left_by_kill = temporaries(run_dir)

    done = _run_driver(driver, run_dir, config)
    assert done.returncode == 0 and "DONE 30" in done.stdout, done.stderr
    assert_identical(load_checkpoint(kill_reference / "checkpoint.pt"), load_checkpoint(run_dir / "checkpoint.pt"))
    assert log_rows(run_dir) == log_rows(kill_reference)
    # The resumed process leaves no temporary of its own. A kill that lands inside a write leaves that
    # write's temporary behind; test_resume_removes_temporaries_left_by_a_kill checks those are cleaned up.
    assert set(temporaries(run_dir)) <= set(left_by_kill)


@pytest.fixture(scope="module")
def killed_while_saving(driver: Path, kill_reference: Path, tmp_path_factory) -> dict[str, Any]:
    """A run that SIGKILLs itself halfway through writing the checkpoint of step 6, then is resumed."""
    run_dir = tmp_path_factory.mktemp("killed_while_saving")
    config = tiny(**KILL_CONFIG)
    died = _run_driver(driver, run_dir, config, "die-in-save:6")
    outcome = {"returncode": died.returncode, "step_after_kill": load_checkpoint(run_dir / "checkpoint.pt")["step"],
               "temporaries_after_kill": temporaries(run_dir)}
    resumed = _run_driver(driver, run_dir, config)
    assert resumed.returncode == 0 and "DONE 30" in resumed.stdout, resumed.stderr
    outcome.update(run_dir=run_dir, temporaries_after_resume=temporaries(run_dir))
    return outcome


def test_kill_during_checkpoint_write_keeps_the_previous_checkpoint(killed_while_saving, kill_reference: Path) -> None:
    assert killed_while_saving["returncode"] == -signal.SIGKILL
    assert killed_while_saving["step_after_kill"] == 3  # the half-written step-6 file never replaced it
    assert len(killed_while_saving["temporaries_after_kill"]) == 1
    assert killed_while_saving["temporaries_after_kill"][0].startswith(".checkpoint.")
    run_dir = killed_while_saving["run_dir"]
    assert_identical(load_checkpoint(kill_reference / "checkpoint.pt"), load_checkpoint(run_dir / "checkpoint.pt"))
    assert log_rows(run_dir) == log_rows(kill_reference)


def test_resume_removes_temporaries_left_by_a_kill(killed_while_saving) -> None:
    assert killed_while_saving["temporaries_after_resume"] == []


# ------------------------------------------------------------------------------------------ broken checkpoints


def _truncate(source: Path, destination: Path) -> None:
    data = source.read_bytes()
    destination.write_bytes(data[: len(data) // 2])


def test_truncated_checkpoint_is_refused(uninterrupted, tmp_path: Path) -> None:
    reference_dir, _ = uninterrupted
    broken = tmp_path / "checkpoint.pt"
    _truncate(reference_dir / "checkpoint.pt", broken)
    with pytest.raises(CheckpointError, match=r"cannot read checkpoint .*checkpoint\.pt: it is truncated"):
        load_checkpoint(broken)
    with pytest.raises(CheckpointError, match="truncated"):
        train(tiny(), tmp_path)
    assert broken.stat().st_size == (reference_dir / "checkpoint.pt").stat().st_size // 2  # left for the user to look at


def test_flipped_bytes_in_a_checkpoint_fail_its_crc(uninterrupted, tmp_path: Path) -> None:
    """torch.load does not check the zip's CRC-32s (a tensor's bytes flipped load silently); read_torch_file does."""
    reference_dir, _ = uninterrupted
    data = bytearray((reference_dir / "checkpoint.pt").read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(byte ^ 0xFF for byte in data[middle : middle + 64])
    (tmp_path / "checkpoint.pt").write_bytes(bytes(data))
    torch.load(tmp_path / "checkpoint.pt", weights_only=True)  # what the loader would otherwise have accepted
    with pytest.raises(CorruptCheckpointError, match=r"checkpoint\.pt: it is truncated, corrupt or not a PyTorch file \(its entry 'data/\d+' fails its CRC-32 check"):
        load_checkpoint(tmp_path / "checkpoint.pt")


def test_foreign_checkpoint_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "foreign.pt"
    torch.save({"state_dict": {"conv.weight": torch.zeros(2, 2)}}, path)
    with pytest.raises(CheckpointError, match=r"is not a dynsr checkpoint \(no dynsr 'format' tag; top-level keys \['state_dict'\]\)"):
        load_checkpoint(path)
    torch.save(torch.zeros(3), path)
    with pytest.raises(CheckpointError, match="is not a dynsr checkpoint"):
        load_checkpoint(path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")


def test_checkpoint_of_another_format_or_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "weights.pt"
    save_checkpoint(path, {"format": WEIGHTS_FORMAT, "version": FORMAT_VERSION})
    with pytest.raises(CheckpointError, match="holds 'dynsr.weights', but 'dynsr.train' is needed"):
        load_checkpoint(path, expected_format=TRAIN_FORMAT)
    save_checkpoint(path, {"format": TRAIN_FORMAT, "version": FORMAT_VERSION + 1})
    with pytest.raises(CheckpointError, match="written by a newer dynsr"):
        load_checkpoint(path)


class CodeOnLoad:
    """Unpickling this runs code (creates ``marker``): what weights_only=True must refuse."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('the class ran')",))


def test_pickle_with_code_is_refused_without_running_it(tmp_path: Path) -> None:
    path, marker = tmp_path / "evil.pt", tmp_path / "marker.txt"
    torch.save({"format": TRAIN_FORMAT, "payload": CodeOnLoad(marker)}, path)
    with pytest.raises(CheckpointError, match=r"evil\.pt holds pickled Python objects other than tensors and plain values; it is not loaded"):
        load_checkpoint(path)
    assert not marker.exists()
    (tmp_path / "run").mkdir()
    os.replace(path, tmp_path / "run" / "checkpoint.pt")
    with pytest.raises(CheckpointError, match=r"checkpoint\.pt holds pickled Python objects"):
        train(tiny(), tmp_path / "run")
    assert not marker.exists()
    torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=False)  # control: an unsafe load does run it
    assert marker.read_text() == "the class ran"


@pytest.mark.parametrize(
    "text",
    [
        "not a checkpoint\n",
        "",
        "hello world\n",
        "this is not a checkpoint",
    ],
    ids=["not-a-checkpoint", "empty", "hello-world", "this-is-not"],
)
def test_text_file_is_a_checkpoint_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "notes.pt"
    path.write_text(text)
    with pytest.raises(CheckpointError, match=r"notes\.pt"):
        load_checkpoint(path)


# ------------------------------------------------------------------------------------ config changes on resume


def test_resume_with_another_learning_rate_is_refused(tmp_path: Path) -> None:
    train(tiny(), tmp_path, stop_at_step=2)
    before = (tmp_path / "checkpoint.pt").read_bytes()
    with pytest.raises(CheckpointError, match=r"another configuration \(learning_rate: 0\.0001 -> 0\.0002\)"):
        train(tiny(learning_rate=2e-4), tmp_path)
    with pytest.raises(CheckpointError, match=r"model_kwargs: .*num_layers.*, seed: 0 -> 1"):
        train(tiny(seed=1, model_kwargs={"channels": 16, "num_layers": 3}), tmp_path)
    assert (tmp_path / "checkpoint.pt").read_bytes() == before
    assert RESUMABLE_CHANGES == {"steps", "num_workers", "log_every", "checkpoint_every"}


def test_resume_with_more_steps_trains_longer(uninterrupted, tmp_path: Path) -> None:
    """4 steps, then the same run extended to 6: the weights are those of a 6-step run (validation changes nothing)."""
    reference_dir, _ = uninterrupted
    first = train(tiny(steps=4, checkpoint_every=3), tmp_path)
    assert first.step == 4 and first.finished
    longer = train(tiny(steps=6, checkpoint_every=1, log_every=1), tmp_path)
    assert longer.step == 6 and longer.finished
    got, expected = load_checkpoint(tmp_path / "checkpoint.pt"), load_checkpoint(reference_dir / "checkpoint.pt")
    assert got["step"] == 6 and got["config"]["steps"] == 6
    assert_identical(expected["model"], got["model"], "model")
    assert_identical(expected["optimizer"], got["optimizer"], "optimizer")
    assert [row["step"] for row in log_rows(tmp_path)] == ["2", "4", "5", "6"]


# ----------------------------------------------------------------------------------------------------- NaN


def _nan_at(monkeypatch, call: int, value: float = float("nan")) -> None:
    calls = []
    real_loss = trainer._step_loss

    def loss(objective, network, batch, step):
        calls.append(1)
        if len(calls) == call:
            return sum((p * 0).sum() for p in network.parameters()) + value, {}  # in the graph, like a real diverged loss
        return real_loss(objective, network, batch, step)

    monkeypatch.setattr(trainer, "_step_loss", loss)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_nan_loss_stops_training_and_keeps_the_checkpoint(monkeypatch, tmp_path: Path, value: float) -> None:
    _nan_at(monkeypatch, 3, value)
    with pytest.raises(TrainingDivergedError, match=rf"the loss became {value} at step 3; the checkpoint of step 2 in .* is kept"):
        train(tiny(), tmp_path)
    saved = load_checkpoint(tmp_path / "checkpoint.pt", expected_format=TRAIN_FORMAT)
    assert saved["step"] == 2
    assert all(torch.isfinite(tensor).all() for tensor in saved["model"].values())
    model, _ = load_weights(tmp_path / "checkpoint.pt")
    assert not model.training
    assert [row["step"] for row in log_rows(tmp_path)] == ["2"]
    monkeypatch.undo()
    assert train(tiny(), tmp_path).step == 6  # after the fix, the run resumes from step 2


def test_nan_before_the_first_checkpoint_does_not_claim_a_checkpoint(monkeypatch, tmp_path: Path) -> None:
    _nan_at(monkeypatch, 1)
    with pytest.raises(TrainingDivergedError) as error:
        train(tiny(), tmp_path)
    assert not (tmp_path / "checkpoint.pt").exists()
    assert "checkpoint of step 0" not in str(error.value)


# ------------------------------------------------------------------------------------------- weights export


def test_export_weights_is_float16_and_loads_as_float32_in_eval_mode(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = build_model("srmd", scale=2, channels=16, num_layers=4)
    path = export_weights(tmp_path / "w.pt", model_name="srmd", model_kwargs={"scale": 2, "channels": 16, "num_layers": 4},
                          state_dict=model.state_dict(), provenance={"profile": "test", "steps": 0})
    payload = load_checkpoint(path, expected_format=WEIGHTS_FORMAT)
    assert payload["model"] == "srmd" and payload["provenance"] == {"profile": "test", "steps": 0}
    assert set(payload["state_dict"]) == set(model.state_dict())
    assert {tensor.dtype for tensor in payload["state_dict"].values()} == {torch.float16}
    loaded, _ = load_weights(path)
    assert not loaded.training and loaded.scale == 2
    rounded_somewhere = False
    for (name, original), (loaded_name, value) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert name == loaded_name and value.dtype == torch.float32
        assert torch.equal(value, original.half().float()), name
        rounded_somewhere |= not torch.equal(value, original)
    assert rounded_somewhere
    export_weights(tmp_path / "bad.pt", model_name="srmd", model_kwargs={"scale": 2, "channels": 8, "num_layers": 4},
                   state_dict=model.state_dict(), provenance={})
    with pytest.raises(CheckpointError, match=r"bad\.pt: its parameters do not fit model 'srmd'"):
        load_weights(tmp_path / "bad.pt")


def test_full_srmd_weights_are_under_5_mb(tmp_path: Path) -> None:
    model = build_model("srmd", scale=2)
    half = export_weights(tmp_path / "srmd_x2.pt", model_name="srmd", model_kwargs={"scale": 2}, state_dict=model.state_dict(), provenance={})
    full = export_weights(tmp_path / "srmd_x2_fp32.pt", model_name="srmd", model_kwargs={"scale": 2}, state_dict=model.state_dict(),
                          provenance={}, dtype=torch.float32)
    parameters = sum(p.numel() for p in model.parameters())
    assert half.stat().st_size < 5_000_000 < full.stat().st_size
    assert 2 * parameters <= half.stat().st_size < 2 * parameters + 100_000


def test_load_weights_reads_a_training_checkpoint(uninterrupted) -> None:
    reference_dir, _ = uninterrupted
    model, payload = load_weights(reference_dir / "checkpoint.pt")
    assert payload["format"] == TRAIN_FORMAT and not model.training and model.scale == 2
    assert_identical(payload["model"], model.state_dict(), "model")


# ---------------------------------------------------------------------------------------------------- recipes


@pytest.mark.parametrize("profile", sorted(UDVD_SCHEDULES))
@pytest.mark.parametrize("model", ["srmd", "srmdnf"])
def test_every_profile_has_a_recipe(model: str, profile: str) -> None:
    for scale in (2, 3, 4):
        config = recipe(model, profile, scale=scale, seed=3)
        assert isinstance(config, TrainConfig)
        assert (config.model, config.scale, config.seed, config.model_kwargs) == (model, scale, 3, {})  # full architecture
        for key, value in UDVD_SCHEDULES[profile].items():
            matched = key == "steps" and profile == "cpu"  # the compute-matched steps (tests/test_comparator_budget.py)
            assert getattr(config, key) == (MATCHED_STEPS[(model, scale)] if matched else value), key
        assert (config.learning_rate, config.lr_halving_steps, config.loss, config.kernel_size) == (1e-4, 200_000, "l2", 15)
        assert config.width_range == (0.2, 3.0) and config.blur_padding == "replicate" and config.quantize_before_noise
        assert config.noise_range == ((0.0, 0.0) if model == "srmdnf" else (0.0, 75.0))
        assert config.validation_noise == (0.0 if model == "srmdnf" else 15.0)
        assert TrainConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


def test_paper_profile_is_udvd_section_4_1() -> None:
    config = recipe("srmd", "paper", scale=4)
    assert config.train_sets == ("DF2K",)
    assert (config.lr_patch, config.batch_size, config.steps) == (48, 32, 1_000_000)
    assert config.adam_betas == (0.9, 0.999)


def test_unknown_recipe_or_profile() -> None:
    listed = ", ".join(sorted(RECIPES))  # every paper's recipes, in name order
    assert listed.startswith("arcsr, arcsr_baseline,") and "udvd, udvd_baseline" in listed
    with pytest.raises(KeyError, match=re.escape(f"no training recipe 'edsr'; recipes: {listed}")):
        recipe("edsr", "cpu", scale=2)
    with pytest.raises(ParameterError, match="unknown profile 'fast'"):
        recipe("srmd", "fast", scale=2)


def _mirror_data_root(tmp_path: Path) -> Path:
    """A data root with every entry of the real one (symlinked) and no DF2K."""
    root = tmp_path / "data"
    root.mkdir()
    for entry in data_root().iterdir():
        if entry.name != "DF2K":
            (root / entry.name).symlink_to(entry)
    return root


def test_df2k_missing_names_fetch_data(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DYNSR_DATA_ROOT", str(_mirror_data_root(tmp_path)))
    config = recipe("srmd", "paper", scale=2)
    with pytest.raises(DataNotFoundError, match=r"no DF2K training images under .*DF2K.*python scripts/fetch_data\.py --only DF2K"):
        TrainingPatches(config)
    (tmp_path / "data" / "DF2K").mkdir()
    with pytest.raises(DataNotFoundError, match="no DF2K training images"):  # an empty folder is no better
        TrainingPatches(config)
    with pytest.raises(ValueError, match="train on DF2K alone"):
        TrainingPatches(config.replace(train_sets=["DF2K", "T91"]))


def test_df2k_images_are_read_from_the_data_root(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DYNSR_DATA_ROOT", str(_mirror_data_root(tmp_path)))
    folder = tmp_path / "data" / "DF2K" / "DIV2K_train_HR"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (120, 130, 3), dtype=np.uint8)).save(folder / "0001.png")
    dataset = TrainingPatches(recipe("srmd", "paper", scale=2))
    assert dataset.num_images == 1
    sample = dataset[7]
    assert sample["lr"].shape == (3, 48, 48) and sample["hr"].shape == (3, 96, 96)


def test_df2k_keeps_only_the_hr_images_of_the_archives(tmp_path: Path, monkeypatch) -> None:
    """DIV2K_train_HR.zip and Flickr2K.tar unpacked as they come: the LR copies (``*_LR_bicubic/X2``,
    ``*_LR_unknown/X4``, ``0001x2.png``) are large enough to be cropped, so they must be left out by name."""
    monkeypatch.setenv("DYNSR_DATA_ROOT", str(_mirror_data_root(tmp_path)))
    root = tmp_path / "data" / "DF2K"
    hr = ["DIV2K_train_HR/0001.png", "Flickr2K/Flickr2K_HR/000001.png"]
    lr = ["DIV2K_train_LR_bicubic/X2/0001x2.png", "DIV2K_train_LR_unknown/X3/0001x3.png", "Flickr2K/Flickr2K_LR_bicubic/X4/000001x4.png",
          "Flickr2K/Flickr2K_LR_unknown/X2/000001x2.png", "DIV2K_train_HR/0001x2.png"]
    pixels = np.random.default_rng(0).integers(0, 256, (120, 130, 3), dtype=np.uint8)
    for relative in hr + lr:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels).save(root / relative)
    (root / "Flickr2K" / "Flickr2K_HR" / "readme.txt").write_text("not an image")
    dataset = TrainingPatches(recipe("srmd", "paper", scale=2))
    assert sorted(path.relative_to(root).as_posix() for path in dataset._paths) == sorted(hr)


def test_empty_data_root_names_fetch_data(tmp_path: Path, monkeypatch) -> None:
    """The PCA basis is loaded before the training images, so an empty root fails on it first."""
    monkeypatch.setenv("DYNSR_DATA_ROOT", str(tmp_path))
    with pytest.raises(DataNotFoundError, match=r"fetch_data\.py"):
        TrainingPatches(recipe("srmd", "paper", scale=2))
    with pytest.raises(DataNotFoundError, match=r"fetch_data\.py"):
        TrainingPatches(tiny())


def test_trained_weights_reuses_existing_weights(monkeypatch) -> None:
    destination = weights_path("srmd", 3, "smoke")
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(b"existing")
    monkeypatch.setattr(trainer, "train", lambda *args, **kwargs: pytest.fail("must not train"))
    assert trained_weights("srmd", "smoke", scale=3) == destination
    assert destination.read_bytes() == b"existing"


def test_trained_weights_trains_and_exports_the_smoke_recipe() -> None:
    path = trained_weights("srmd", "smoke", scale=2, retrain=True)
    assert path == weights_path("srmd", 2, "smoke") and path.parent.name == "checkpoints" and path.parent.parent.name == "smoke"
    payload = load_checkpoint(path, expected_format=WEIGHTS_FORMAT)
    provenance = payload["provenance"]
    assert provenance["profile"] == "smoke" and provenance["steps"] == 4 and provenance["seed"] == 0
    assert provenance["config"] == recipe("srmd", "smoke", scale=2).to_dict()
    assert [row["step"] for row in provenance["log"]] == [2, 4]
    assert payload["model_kwargs"] == {"scale": 2}
    assert {tensor.dtype for tensor in payload["state_dict"].values()} == {torch.float16}
    model, _ = load_weights(path)
    assert model.scale == 2 and not model.training


def test_model_and_model_kwargs_are_checked_against_the_registry() -> None:
    with pytest.raises(ConfigError, match=r"model_kwargs \['chanels'\] are not arguments of srmd; it takes \['channels', 'noise_channel', 'num_layers', 'pca_basis', 'pca_dim'\]"):
        tiny(model_kwargs={"chanels": 8})
    with pytest.raises(ConfigError, match="unknown model 'nosuch'; available: " + ", ".join(sorted(MODELS))):
        tiny(model="nosuch")
    assert tiny(model_kwargs={"channels": 8, "num_layers": 3}).model_kwargs == {"channels": 8, "num_layers": 3}
