"""dynsr.devices: the device names dynsr accepts, the notebooks' evaluation device, float32 on GPUs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dynsr.cli import main
from dynsr.devices import DEVICE_VARIABLE, evaluation_device, full_float32, resolve_device
from dynsr.inference import model_upscaler
from dynsr.models import build_model
from dynsr.degradations.testsets import setting_grid

GPUS = torch.cuda.device_count() if torch.cuda.is_available() else 0


def test_resolve_device_accepts_cpu_auto_and_the_gpus_this_machine_has() -> None:
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if GPUS else "cpu")
    if GPUS:
        assert resolve_device(f"cuda:{GPUS - 1}") == f"cuda:{GPUS - 1}"
    with pytest.raises(ValueError, match=f"torch sees {GPUS or 'no'} CUDA GPU"):
        resolve_device(f"cuda:{GPUS}")
    with pytest.raises(ValueError, match="'tpu' is not a device dynsr runs on"):
        resolve_device("tpu")


def test_evaluation_device_follows_the_variable_and_names_it_when_wrong(monkeypatch) -> None:
    monkeypatch.delenv(DEVICE_VARIABLE, raising=False)
    assert evaluation_device() == "cpu"
    monkeypatch.setenv(DEVICE_VARIABLE, "auto")
    assert evaluation_device() == ("cuda" if GPUS else "cpu")
    monkeypatch.setenv(DEVICE_VARIABLE, "gpu0")
    with pytest.raises(ValueError, match=f"{DEVICE_VARIABLE} 'gpu0'"):
        evaluation_device()


def test_model_upscaler_runs_on_the_evaluation_device(monkeypatch) -> None:
    monkeypatch.setenv(DEVICE_VARIABLE, "cpu")
    model = build_model("bicubic", scale=2)
    setting = setting_grid("test", "t", (1.3,), (0.0,), (2,), ("Set5",))[0]
    out = model_upscaler(model)(np.zeros((8, 8, 3), dtype=np.uint8), setting)
    assert out.shape == (16, 16, 3)
    monkeypatch.setenv(DEVICE_VARIABLE, "tpu")
    with pytest.raises(ValueError, match=DEVICE_VARIABLE):
        model_upscaler(model)


def test_full_float32_leaves_a_cpu_alone_and_switches_tf32_off_on_a_gpu() -> None:
    before = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    try:
        torch.backends.cudnn.allow_tf32 = True
        full_float32("cpu")
        assert torch.backends.cudnn.allow_tf32
        full_float32(torch.device("cuda", 0))  # only flags: needs no GPU
        assert not torch.backends.cudnn.allow_tf32 and not torch.backends.cuda.matmul.allow_tf32
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = before


def test_reproduce_refuses_a_device_this_machine_lacks_before_running_anything(capsys) -> None:
    assert main(["reproduce", "--profile", "smoke", "--only", "00", "--device", f"cuda:{GPUS}"]) == 2
    assert f"cuda:{GPUS}: torch sees" in capsys.readouterr().err
