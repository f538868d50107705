#!/usr/bin/env python3
"""Tiled inference (``dynsr.inference.super_resolve`` on 8-bit images): peak memory, the default tile's cost, the tiles chosen.

Full-size models with random weights (memory and time do not depend on the weights), 8-bit RGB input and output, as
``dynsr sr`` runs them. Each measurement runs in a fresh subprocess (``--child``), so peaks do not mix.

* ``srmd_memory``: SRMD ×4 (kernel code and noise given) at the default tile on ``--sizes`` LR squares: peak resident memory
  of the ``super_resolve`` call (VmHWM after resetting it, minus the RSS before the call, where the model and the input
  already are); minus the 8-bit output it is the working set, which should be flat in the input size.
* ``srmd_tiles``: SRMD ×4 on a ``--sweep-size``² input, untiled and at several tiles: time, peak, and the largest
  difference (8-bit levels) from the untiled output (tiling is exact: 0, or 1 where float summation order moves a
  value across a rounding boundary).
* ``dasr_time``: DASR ×4 on a ``--dasr-size``² input, untiled (one tile) and at the default tile (which includes its two
  memory probes), interleaved after a warm-up, the fastest of ``--repeats`` each, wall-clock and CPU time (steadier on a
  shared machine); the ratio should be at most 1.3.
* ``default_tiles``: the tile chosen for every registered model at ×2, ×3, ×4 with its receptive radius and the overlap
  rule's tile, ⌈2r / (√1.25 − 1)⌉ (smaller: capped by the 2 GiB pass budget).

Writes ``results/bench/tiling.json``. Not a test: timings depend on the machine and its load (recorded).

    python benchmarks/tiling.py [--sizes 750 1500 3000] [--threads 2] [--repeats 2]
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from _memory import read_status_kib, reset_peak_rss  # benchmarks/ is on sys.path when run as a script

from dynsr.fileio import write_json_atomic
from dynsr.inference import conditioning_of, default_tile, receptive_radius, super_resolve
from dynsr.models import MODELS, build_model
from dynsr.paths import repo_root
from dynsr.tiling import OVERLAP_COST, PASS_MEMORY_BUDGET

SCALE = 4
SWEEP_TILES = (0, None, 128, 64)  # 0 = untiled (one tile larger than the image), None = the default


def _lr(size: int) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (size, size, 3), dtype=np.uint8)  # (size, size, 3)


def _degradation(model: torch.nn.Module) -> dict[str, object]:
    """A degradation the model takes: a kernel code and noise level (non-blind), a kernel (DASR's oracle), or none."""
    if conditioning_of(model) == "degradation_vector":
        return {"kernel_code": np.random.default_rng(1).random(model.map_channels - int(model.noise_channel)) * 0.1, "noise": 10.0}
    if conditioning_of(model) == "true_kernel":
        return {"kernel": np.full((model.kernel_encoder.kernel_size,) * 2, 1.0 / model.kernel_encoder.kernel_size**2)}
    return {}


def _model(name: str, scale: int = SCALE) -> torch.nn.Module:
    torch.manual_seed(0)
    return build_model(name, scale=scale).eval()


def _measured_call(model: torch.nn.Module, lr: np.ndarray, tile: int | None) -> tuple[np.ndarray, dict[str, float | None]]:
    """``super_resolve`` with peak memory (MiB above the RSS before the call; None where VmHWM cannot be reset) and seconds."""
    exact = reset_peak_rss()
    baseline = read_status_kib("VmRSS")
    started = time.perf_counter()
    sr = super_resolve(model, lr, tile=tile, **_degradation(model))
    seconds = time.perf_counter() - started
    peak = (read_status_kib("VmHWM") - baseline) / 1024 if exact else None
    return sr, {"seconds": seconds, "peak_mib": peak, "baseline_rss_mib": baseline / 1024}


def child_memory(size: int) -> dict[str, object]:
    model = _model("srmd")
    lr = _lr(size)
    tile = default_tile(model, lr, **_degradation(model))
    sr, measured = _measured_call(model, lr, None)
    output = sr.nbytes / 2**20
    working = None if measured["peak_mib"] is None else measured["peak_mib"] - output
    return {"lr_size": size, "tile": tile, **measured, "output_mib": output, "working_set_mib": working}


def child_sweep(size: int, tile: int | None, output: Path) -> dict[str, object]:
    model = _model("srmd")
    lr = _lr(size)
    used = size if tile == 0 else tile  # 0: one tile as large as the image; None: the default
    sr, measured = _measured_call(model, lr, used)
    np.save(output, sr)
    chosen = default_tile(model, lr, **_degradation(model)) if used is None else used
    return {"tile": "untiled" if tile == 0 else ("default" if tile is None else tile), "tile_used": chosen, **measured, "output_mib": sr.nbytes / 2**20}


def _timed(model: torch.nn.Module, lr: np.ndarray, tile: int | None) -> tuple[float, float]:
    """Wall-clock and CPU (this process, all threads) seconds of one ``super_resolve``."""
    wall, cpu = time.perf_counter(), time.process_time()
    super_resolve(model, lr, tile=tile)
    return time.perf_counter() - wall, time.process_time() - cpu


def child_dasr(size: int, repeats: int) -> dict[str, object]:
    model = _model("dasr")
    lr = _lr(size)
    super_resolve(model, lr[:32, :32])  # warm-up, the default path's memory probe included (its first run costs seconds)
    best = {"untiled": (math.inf, math.inf), "default": (math.inf, math.inf)}
    for _ in range(repeats):
        for label, tile in (("untiled", size), ("default", None)):
            best[label] = tuple(map(min, best[label], _timed(model, lr, tile)))
    tile = default_tile(model, lr)
    (untiled_wall, untiled_cpu), (default_wall, default_cpu) = best["untiled"], best["default"]
    return {"lr_size": size, "default_tile": tile, "tiles_at_default": math.ceil(size / tile) ** 2, "untiled_s": untiled_wall,
            "default_s": default_wall, "ratio": default_wall / untiled_wall, "untiled_cpu_s": untiled_cpu, "default_cpu_s": default_cpu,
            "cpu_ratio": default_cpu / untiled_cpu}


def child_default_tiles() -> list[dict[str, object]]:
    rows = []
    for name in MODELS:
        for scale in (2, 3, 4):
            model = _model(name, scale)
            row: dict[str, object] = {"model": name, "scale": scale}
            try:
                radius = receptive_radius(model)
            except ValueError as refused:
                rows.append({**row, "refused": str(refused)})
                continue
            rule = math.ceil(2 * radius / (math.sqrt(OVERLAP_COST) - 1))
            tile = default_tile(model, _lr(8), **_degradation(model))
            rows.append({**row, "receptive_radius": radius, "overlap_rule_tile": rule, "default_tile": tile, "capped_by_memory": tile < rule,
                         "overlap_work": ((tile + 2 * radius) / tile) ** 2})
            print(rows[-1], file=sys.stderr, flush=True)
    return rows


def _run_child(arguments: argparse.Namespace, *options: str) -> object:
    command = [sys.executable, __file__, "--threads", str(arguments.threads), *options]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(json.dumps(result), flush=True)
    return result


def _child(arguments: argparse.Namespace) -> object:
    kind, value = arguments.child
    if kind == "memory":
        return child_memory(int(value))
    if kind == "sweep":
        return child_sweep(arguments.sweep_size, None if value == "default" else int(value), Path(arguments.output))
    if kind == "dasr":
        return child_dasr(arguments.dasr_size, arguments.repeats)
    return child_default_tiles()


def _sweep(arguments: argparse.Namespace) -> list[dict[str, object]]:
    folder = repo_root() / ".cache" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for tile in SWEEP_TILES:
        label = "default" if tile is None else str(tile)
        rows.append(_run_child(arguments, "--child", "sweep", label, "--output", str(folder / f"tiling_{label}.npy"), "--sweep-size", str(arguments.sweep_size)))
    untiled = np.load(folder / "tiling_0.npy").astype(np.int16)
    for row, tile in zip(rows, SWEEP_TILES):
        label = "default" if tile is None else str(tile)
        row["max_abs_diff_to_untiled_levels"] = int(np.abs(np.load(folder / f"tiling_{label}.npy").astype(np.int16) - untiled).max())
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[750, 1500, 3000], help="LR sides of the SRMD memory runs")
    parser.add_argument("--sweep-size", type=int, default=384, help="LR side of the SRMD tile sweep")
    parser.add_argument("--dasr-size", type=int, default=240, help="LR side of the DASR timing")
    parser.add_argument("--repeats", type=int, default=2, help="timed DASR runs per configuration (the fastest is kept)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    torch.set_num_threads(arguments.threads)
    if arguments.child is not None:
        print(json.dumps(_child(arguments)))
        return 0
    load_before = os.getloadavg()[0]
    payload = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "torch": torch.__version__, "threads": arguments.threads, "load_average_1min_before": load_before,
        "pass_memory_budget_gib": PASS_MEMORY_BUDGET / 2**30, "overlap_cost": OVERLAP_COST,
        "srmd_memory": {"model": "srmd x4 (full size, random weights), default tile, uint8 in and out",
                        "rows": [_run_child(arguments, "--child", "memory", str(size)) for size in arguments.sizes]},
        "srmd_tiles": {"model": "srmd x4 (full size, random weights), uint8 in and out", "lr_size": arguments.sweep_size, "rows": _sweep(arguments)},
        "dasr_time": {"model": "dasr x4 (Model 4, full size, random weights), uint8 in and out", "repeats": arguments.repeats,
                      **_run_child(arguments, "--child", "dasr", "-", "--dasr-size", str(arguments.dasr_size), "--repeats", str(arguments.repeats))},
        "default_tiles": _run_child(arguments, "--child", "tiles", "-"),
        "load_average_1min_after": os.getloadavg()[0],
    }
    write_json_atomic(repo_root() / "results" / "bench" / "tiling.json", payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
