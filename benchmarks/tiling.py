#!/usr/bin/env python3
"""Tiled inference: peak memory and time of full-size SRMD x4 on a large LR image, untiled and tiled.

Each configuration runs in a fresh subprocess (``--child``) so that peak memory (VmHWM after
resetting it) is that of one ``dynsr.inference.super_resolve`` call. The tiled outputs are compared
with the untiled one (max abs difference; the overlap covers SRMD's 12-pixel receptive radius, so
they must agree to float32 rounding). Writes ``results/bench/tiling.json``.

    python benchmarks/tiling.py [--size 384] [--threads 2]
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from _memory import read_status_kib, reset_peak_rss  # benchmarks/ is on sys.path when run as a script

from dynsr.fileio import write_json_atomic
from dynsr.inference import super_resolve
from dynsr.models import build_model
from dynsr.paths import repo_root

TILES = (0, 256, 128, 64)  # 0 = untiled (one tile larger than the image)
OVERLAP = 16


def run_child(size: int, tile: int, output: Path) -> dict[str, object]:
    torch.manual_seed(0)
    model = build_model("srmd", scale=4).eval()
    lr = np.random.default_rng(0).random((size, size, 3))
    code = np.random.default_rng(1).random(15) * 0.1
    exact = reset_peak_rss()
    baseline = read_status_kib("VmRSS")
    started = time.perf_counter()
    sr = super_resolve(model, lr, kernel_code=code, noise=10.0, tile=tile or size, overlap=OVERLAP)
    seconds = time.perf_counter() - started
    peak = read_status_kib("VmHWM") if exact else None
    np.save(output, sr.astype(np.float32))
    return {"tile": tile or "untiled", "seconds": seconds, "peak_mib": None if peak is None else (peak - baseline) / 1024,
            "output_mib": sr.astype(np.float32).nbytes / 2**20}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=384, help="LR image side")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    torch.set_num_threads(arguments.threads)
    if arguments.child is not None:
        print(json.dumps(run_child(arguments.size, arguments.child, Path(arguments.output))))
        return 0
    folder = repo_root() / ".cache" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for tile in TILES:
        output = folder / f"tiling_{tile}.npy"
        command = [sys.executable, __file__, "--child", str(tile), "--output", str(output), "--size", str(arguments.size), "--threads", str(arguments.threads)]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    untiled = np.load(folder / "tiling_0.npy")
    for row, tile in zip(rows, TILES):
        row["max_abs_diff_to_untiled"] = float(np.abs(np.load(folder / f"tiling_{tile}.npy") - untiled).max())
    payload = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), "model": "srmd x4 (full size, random weights)",
               "lr_size": arguments.size, "overlap": OVERLAP, "threads": arguments.threads, "rows": rows}
    write_json_atomic(repo_root() / "results" / "bench" / "tiling.json", payload)
    for row in rows:
        print(f"tile {row['tile']!s:>8}: {row['seconds']:.1f} s, peak {row['peak_mib']:.0f} MiB, max |diff| {row['max_abs_diff_to_untiled']:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
