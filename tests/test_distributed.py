"""Distributed training: ``torchrun`` with 2 CPU processes (gloo) equals a single-process run."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.distributed

from dynsr.checkpoints import TRAIN_FORMAT, load_checkpoint
from dynsr.training.config import TrainConfig
from dynsr.training.trainer import train
from training_helpers import restore_global_torch_state

AUTOUSE_FIXTURES = (restore_global_torch_state,)  # imported so that pytest applies them to this module

pytestmark = pytest.mark.skipif(not torch.distributed.is_available() or not torch.distributed.is_gloo_available(),
                                reason="torch.distributed with the gloo backend is not available")

SMOKE = dict(model="srmd", scale=2, steps=4, lr_patch=12, batch_size=4, checkpoint_every=2, log_every=2, validation_images=1,
             model_kwargs={"channels": 16, "num_layers": 4}, device="cpu")

SCRIPT = r'''
import json, sys

import torch

torch.set_num_threads(1)
from dynsr.training.config import TrainConfig
from dynsr.training.trainer import train

result = train(TrainConfig.from_dict(json.loads(sys.argv[2])), sys.argv[1])
assert not torch.distributed.is_initialized()  # train() destroys the process group it created
sys.stdout.write(f"RANK-DONE {result.step}\n")  # one write per rank (atomic on a pipe): print() writes its pieces separately and two ranks interleave
sys.stdout.flush()
'''


@pytest.fixture(scope="module")
def dirs(tmp_path_factory) -> dict[str, Path]:
    folders = {"cache": tmp_path_factory.mktemp("cache"), "results": tmp_path_factory.mktemp("results")}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DYNSR_CACHE_DIR", str(folders["cache"]))
        patch.setenv("DYNSR_RESULTS_DIR", str(folders["results"]))
        yield folders


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def torchrun(tmp_path: Path, dirs: dict[str, Path], run_dir: Path, config: dict) -> subprocess.CompletedProcess:
    script = tmp_path / "ddp_train.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "DYNSR_CACHE_DIR": str(dirs["cache"]), "DYNSR_RESULTS_DIR": str(dirs["results"])}
    for variable in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(variable, None)
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
               "--master_port", str(free_port()), str(script), str(run_dir), json.dumps(config)]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)


def test_two_process_ddp_equals_one_process(dirs, tmp_path: Path) -> None:
    run_dir = tmp_path / "ddp"
    done = torchrun(tmp_path, dirs, run_dir, SMOKE)
    assert done.returncode == 0, done.stderr[-4000:]
    assert done.stdout.count("RANK-DONE 4") == 2, done.stdout
    # rank 0 alone writes: one checkpoint, one log, nothing else anywhere under tmp_path
    assert sorted(p.name for p in run_dir.iterdir()) == ["checkpoint.pt", "config.json", "log.csv", "log.json"]
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.pt")) == ["ddp/checkpoint.pt"]
    distributed = load_checkpoint(run_dir / "checkpoint.pt", expected_format=TRAIN_FORMAT)
    assert distributed["step"] == 4 and distributed["config"] == TrainConfig(**SMOKE).to_dict()

    single = train(TrainConfig(**SMOKE), tmp_path / "single")
    assert single.step == 4
    reference = load_checkpoint(tmp_path / "single" / "checkpoint.pt")
    assert list(distributed["model"]) == list(reference["model"])
    for name, value in reference["model"].items():
        torch.testing.assert_close(distributed["model"][name], value, rtol=0, atol=1e-6, msg=name)
    for index, state in reference["optimizer"]["state"].items():
        for key in ("exp_avg", "exp_avg_sq"):
            torch.testing.assert_close(distributed["optimizer"]["state"][index][key], state[key], rtol=1e-4, atol=1e-9)
        assert torch.equal(distributed["optimizer"]["state"][index]["step"], state["step"])
    # the logged loss is the mean over both ranks' halves of the batch: the single-process batch loss
    for ddp_row, row in zip(distributed["log"], reference["log"], strict=True):
        assert ddp_row["step"] == row["step"]
        assert ddp_row["loss"] == pytest.approx(row["loss"], rel=1e-5)
    assert distributed["log"][-1]["val_psnr"] == pytest.approx(reference["log"][-1]["val_psnr"], abs=1e-3)


def test_batch_not_divisible_by_world_size_fails(dirs, tmp_path: Path) -> None:
    run_dir = tmp_path / "ddp"
    done = torchrun(tmp_path, dirs, run_dir, {**SMOKE, "batch_size": 3})
    assert done.returncode != 0
    assert "batch_size 3 is not divisible by the 2 processes" in done.stderr
    assert "RANK-DONE" not in done.stdout
    assert not (run_dir / "checkpoint.pt").exists()
