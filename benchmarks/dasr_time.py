#!/usr/bin/env python3
"""DASR ×4 forward time on Set14 (the paper's Table 2 "Time": 70 ms, averaged on Set14, hardware not stated).

The full-size DASR (Model 4, 5,837,699 parameters; random weights: the time does not depend on them) in
eval mode, without gradients, super-resolves each Set14 LR image (bicubic ×4 LR of the modcropped HR,
DASR harness, no blur) in one untiled forward pass: the encoder and the SR network, as the official test.
Per image: ``--repeats`` timed passes after one warm-up pass, the fastest kept; reported: the median over
images (and the mean, the paper's statistic), on this CPU with the thread count recorded, and on CUDA
when available (synchronised). Writes ``results/bench/dasr_time.json`` with the paper's 70 ms beside ours.
Not a test: timings depend on the machine and its load.

    python benchmarks/dasr_time.py [--threads 2] [--repeats 3] [--images 14] [--device auto|cpu|cuda]
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys

import numpy as np
import torch

from _machine import device_name, fastest_seconds  # benchmarks/ is on sys.path when run as a script

from dynsr.data.benchmarks import load_benchmark
from dynsr.degradations.testsets import cached_lr
from dynsr.papers.dasr.common import dasr_setting
from dynsr.fileio import write_json_atomic
from dynsr.models import build_model
from dynsr.papers.dasr.published import DASR_TIME_MS
from dynsr.paths import results_dir

SCALE = 4


def _time_device(device: str, lrs: list[tuple[str, np.ndarray]], repeats: int) -> dict[str, object]:
    torch.manual_seed(0)
    model = build_model("dasr", scale=SCALE).eval().to(device)
    per_image = []
    with torch.no_grad():
        for name, lr in lrs:
            x = torch.from_numpy(np.ascontiguousarray(lr.transpose(2, 0, 1), dtype=np.float32))[None].to(device)  # (1, 3, h, w)
            best, _ = fastest_seconds(lambda: model(x), device=device, repeats=repeats)
            per_image.append({"image": name, "lr_size": list(lr.shape[:2]), "ms": best * 1000})
            print(f"  {device} {name} {lr.shape[1]}x{lr.shape[0]}: {best * 1000:.0f} ms", flush=True)
    times = [row["ms"] for row in per_image]
    return {"device": device, "device_name": device_name(device),
            "threads": torch.get_num_threads(), "median_ms": statistics.median(times), "mean_ms": statistics.fmean(times),
            "images": per_image, "parameters": model.paper_parameter_count()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(), help="CPU threads (default: torch's)")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes per image (the fastest is kept)")
    parser.add_argument("--images", type=int, default=None, help="first N Set14 images (default: all 14)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="auto = CPU, and CUDA too when available")
    arguments = parser.parse_args()
    torch.set_num_threads(arguments.threads)
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None  # other work on the machine slows the CPU timings
    setting = dasr_setting("Set14", SCALE, None, 0.0, label="σ=0", table="timing")
    lrs = [(image.name, cached_lr("Set14", image, setting.degradation).astype(np.float64)) for image in load_benchmark("Set14", limit=arguments.images)]
    devices = ["cpu"] if arguments.device == "cpu" else ["cuda"] if arguments.device == "cuda" else ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    rows = [_time_device(device, lrs, arguments.repeats) for device in devices]
    payload = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), "model": "dasr x4 (Model 4, full size, random weights)",
               "scale": SCALE, "data": f"Set14 bicubic x{SCALE} LR, {len(lrs)} images, whole image per forward pass", "repeats": arguments.repeats,
               "statistic": "per image the fastest of the repeats; median (and mean) over images", "torch": torch.__version__,
               "paper_ms": DASR_TIME_MS[SCALE], "paper_note": "DASR Table 2 'Time', averaged on Set14; hardware not stated: not comparable",
               "load_average_1min_before": load_before, "rows": rows}
    path = results_dir() / "bench" / "dasr_time.json"
    write_json_atomic(path, payload)
    for row in rows:
        print(f"{row['device']} ({row['device_name']}, {row['threads']} threads): median {row['median_ms']:.0f} ms, mean {row['mean_ms']:.0f} ms per image; "
              f"paper {DASR_TIME_MS[SCALE]:g} ms (hardware not stated)")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
