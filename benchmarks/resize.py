#!/usr/bin/env python3
"""Benchmark ``matlab_bicubic_resize`` against a row-loop port; writes ``results/bench/resize.json``.

The field's usual numpy port of MATLAB ``imresize`` (KAIR ``imresize_np``, BasicSR
``matlab_functions.imresize``) loops in Python over output rows and channels, each a small dot
product. ``row_loop_resize`` below does the same computation in that style (written here, sharing our
weight matrix), so the two timings compare the application strategy, not the weight computation.
Image: a random 644x1024 RGB float64 image (the size of most Urban100 images); median of 15 runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import numpy as np
import torch

from dynsr.degradations.bicubic import matlab_bicubic_resize, resize_weights
from dynsr.fileio import write_json_atomic
from dynsr.paths import results_dir


def row_loop_resize(image: np.ndarray, scale: float) -> np.ndarray:
    """Resize with a Python loop over output rows, then columns (the common port's structure)."""
    height, width, channels = image.shape
    rows_matrix, cols_matrix = resize_weights(height, scale), resize_weights(width, scale)
    rows_out = np.empty((rows_matrix.shape[0], width, channels))
    for i, weights in enumerate(rows_matrix):
        taps = np.flatnonzero(weights)
        for c in range(channels):
            rows_out[i, :, c] = weights[taps] @ image[taps, :, c]
    out = np.empty((rows_matrix.shape[0], cols_matrix.shape[0], channels))
    for j, weights in enumerate(cols_matrix):
        taps = np.flatnonzero(weights)
        for c in range(channels):
            out[:, j, c] = rows_out[:, taps, c] @ weights[taps]
    return out


def median_seconds(function, repeats: int) -> float:
    function()  # warm-up (weight caches)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    arguments = parser.parse_args()
    image = np.random.default_rng(0).random((644, 1024, 3))
    cases = []
    for scale in (0.5, 0.25):
        ours = median_seconds(lambda: matlab_bicubic_resize(image, scale), arguments.repeats)
        loop = median_seconds(lambda: row_loop_resize(image, scale), max(3, arguments.repeats // 3))
        difference = float(np.abs(matlab_bicubic_resize(image, scale) - row_loop_resize(image, scale)).max())
        cases.append({"scale": scale, "ours_ms": ours * 1e3, "row_loop_ms": loop * 1e3, "speedup": loop / ours, "max_abs_difference": difference})
    payload = {
        "benchmark": "matlab_bicubic_resize, 644x1024x3 float64",
        "machine": {"processor": platform.processor() or platform.machine(), "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads()},
        "target_ms_x0.5": 10.0,
        "cases": cases,
    }
    write_json_atomic(results_dir() / "bench" / "resize.json", payload)
    print("| scale | ours (ms) | row loop (ms) | speed-up | max abs diff |")
    print("|---|---|---|---|---|")
    for case in cases:
        print(f"| x{case['scale']} | {case['ours_ms']:.1f} | {case['row_loop_ms']:.1f} | {case['speedup']:.1f}x | {case['max_abs_difference']:.1e} |")
    print(json.dumps(payload["machine"]))


if __name__ == "__main__":
    main()
