#!/usr/bin/env python3
"""One forward pass of a registered model on one LR size: parameters, MACs and time, on the CPU and on a GPU when there is one.

The papers state their model's size and time on one input (DMSR Table B.5: ×2, LR 128×128, an RTX 2080; GLDFN Table IV:
×4, LR 180×270). This measures the same for any registered model at full size with random weights (neither the time nor
the MACs depend on the weights): eval mode, no gradients, one untiled forward pass of a random LR image (non-blind models
get a degradation vector of zeros); the fastest and the median of ``--repeats`` passes after a warm-up; MACs counted by
:mod:`dynsr.compute` (the dynamic convolutions included), parameters as the paper counts them
(``paper_parameter_count``). Each run replaces its own entry (model, scale, size, device, threads) in
``results/bench/forward_time.json``, with the machine, its load and the date. Not a test: timings depend on the machine
and its load.

    python benchmarks/forward_time.py --model dmsr --scale 2 --size 128 128 [--threads 2] [--repeats 5] [--device auto|cpu|cuda]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys

import torch

from _machine import device_name, fastest_seconds  # benchmarks/ is on sys.path when run as a script

from dynsr.compute import count_macs
from dynsr.degradations.pca import load_pca_basis
from dynsr.devices import full_float32, resolve_device
from dynsr.fileio import write_json_atomic
from dynsr.inference import conditioning_of, forward_model
from dynsr.models import MODELS, build_model
from dynsr.paths import results_dir


def _forward(model: torch.nn.Module, height: int, width: int, device: str):
    """A no-argument forward pass of ``model`` on a random (1, 3, height, width) LR batch on ``device``."""
    lr = torch.rand(1, 3, height, width, generator=torch.Generator().manual_seed(0)).to(device)  # (1, 3, h, w)
    conditioning = conditioning_of(model)
    if conditioning == "true_kernel":
        raise SystemExit(f"error: {type(model).__name__} takes the true blur kernel; time it through its blind counterpart")
    extra = {}
    if conditioning == "degradation_vector":
        extra = {"kernel_code": torch.zeros(1, load_pca_basis(model.pca_basis).shape[0], device=device), "noise": torch.zeros(1, device=device)}
    return lambda: forward_model(model, lr, **extra)


def _measure(name: str, scale: int, height: int, width: int, device: str, repeats: int) -> dict[str, object]:
    torch.manual_seed(0)
    model = build_model(name, scale=scale).eval()
    full_float32(device)
    with torch.no_grad():
        macs = count_macs(_forward(model, height, width, "cpu")).total
        model = model.to(device)
        fastest, median = fastest_seconds(_forward(model, height, width, device), device=device, repeats=repeats)
    return {"model": name, "scale": scale, "lr_size": [height, width], "device": device, "device_name": device_name(device),
            "threads": torch.get_num_threads() if device == "cpu" else None, "parameters": model.paper_parameter_count(),
            "macs": macs, "fastest_seconds": round(fastest, 4), "median_seconds": round(median, 4), "repeats": repeats,
            "torch": torch.__version__, "load_average_1min_before": round(os.getloadavg()[0], 2),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, choices=sorted(MODELS), help="registered model name")
    parser.add_argument("--scale", type=int, required=True, help="super-resolution factor")
    parser.add_argument("--size", type=int, nargs=2, required=True, metavar=("HEIGHT", "WIDTH"), help="LR size in pixels")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(), help="CPU threads (default: torch's)")
    parser.add_argument("--repeats", type=int, default=5, help="timed passes after one warm-up")
    parser.add_argument("--device", default="auto", help="auto (the CPU, and CUDA too when present), cpu, cuda or cuda:N")
    arguments = parser.parse_args()
    torch.set_num_threads(arguments.threads)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else []) if arguments.device == "auto" else [resolve_device(arguments.device)]
    path = results_dir() / "bench" / "forward_time.json"
    entries = json.loads(path.read_text(encoding="utf-8"))["entries"] if path.is_file() else []
    for device in devices:
        entry = _measure(arguments.model, arguments.scale, *arguments.size, device, arguments.repeats)
        key = ("model", "scale", "lr_size", "device", "threads")
        entries = [old for old in entries if any(old[k] != entry[k] for k in key)] + [entry]
        threads = f" ({entry['threads']} threads)" if entry["threads"] else ""
        print(f"{entry['model']} x{entry['scale']} LR {entry['lr_size'][0]}x{entry['lr_size'][1]} on {entry['device_name']}{threads}: "
              f"{entry['parameters']:,} parameters, "
              f"{entry['macs'] / 1e9:.2f} G MACs, fastest {entry['fastest_seconds']:.3f} s, median {entry['median_seconds']:.3f} s")
    write_json_atomic(path, {"note": "one untiled forward pass, random weights; benchmarks/forward_time.py", "entries": entries})
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
