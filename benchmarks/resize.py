#!/usr/bin/env python3
"""Time ``matlab_bicubic_resize`` and count what MATLAB's summation order changes; writes ``results/bench/resize.json``.

Time: a random 644x1024 RGB float64 image (the size of most Urban100 images), x1/2 and x1/4; the
median wall-clock time of ``--repeats`` runs, and the least CPU time of this process in one of
them (the benchmark machine is shared: wall-clock times include waiting for a core, and the least
CPU time is the run least slowed by other processes' use of the caches; the compared functions take
turns run by run). Compared with:

* ``matrix_product_resize``: the previous implementation, a product with the dense weight matrix
  (:func:`resize_weights`) over bands of output rows, which sums in BLAS's order.
* ``row_loop_resize``: the field's usual numpy port of MATLAB ``imresize`` (KAIR ``imresize_np``,
  BasicSR ``matlab_functions.imresize``) loops in Python over output rows and channels, each a small
  dot product; written here in that style, sharing our weight matrix.

Order: for ``--images`` random uint8 images of the same size, taken to [0, 1] as ``im2double`` does
and resized at x1/2, x1/3 and x1/4, the number of values whose 8-bit quantisation (``im2uint8``)
differs between the matrix product and ``matlab_bicubic_resize`` (MATLAB's order wherever it decides
the quantisation). And on small two-level uint8 images, which make many exact ties, each compared
with ``matlab_loop_resize``, a pure-Python transliteration of MATLAB's ``imresizemex`` loop: the
quantised values that differ (0 expected for ``matlab_bicubic_resize``, some for the matrix
product), and the values that differ in any bit.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import time

import numpy as np
import torch

from dynsr.degradations.banded import Band, apply_along_axis, split_into_bands
from dynsr.degradations.bicubic import matlab_bicubic_resize, resize_contributions, resize_weights
from dynsr.degradations.noise import matlab_uint8
from dynsr.fileio import write_json_atomic
from dynsr.paths import results_dir

TIMED_SCALES = (1 / 2, 1 / 4)
ORDER_SCALES = (1 / 2, 1 / 3, 1 / 4)
IMAGE_SHAPE = (644, 1024, 3)
# Small images for the pure-Python loop (it takes ~0.1 s per image): odd and even sizes, one with a
# single channel, and a 3-pixel axis whose taps mirror more than once.
LOOP_SHAPES = ((24, 20, 3), (13, 17, 3), (9, 14, 1), (3, 8, 3))
LOOP_SCALES = (1 / 2, 1 / 3, 1 / 4, 2, 3)
LOOP_IMAGES = 20  # per shape


@functools.lru_cache(maxsize=8)
def _bands(length: int, scale: float) -> tuple[Band, ...]:
    return split_into_bands(resize_weights(length, scale))


def matrix_product_resize(image: np.ndarray, scale: float) -> np.ndarray:
    """The previous implementation: rows, then columns, each a banded product with ``resize_weights``."""
    x = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float64))
    for axis in (0, 1):
        x = apply_along_axis(x, axis, _bands(x.shape[axis], scale))
    return np.ascontiguousarray(x.numpy())


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


def matlab_loop_resize(image: np.ndarray, scale: float) -> np.ndarray:
    """MATLAB's ``imresizemex`` loop in pure Python floats: per output value, ``acc = acc + w * x`` over its taps."""
    out = image
    for axis in (0, 1):
        weights, indices = resize_contributions(out.shape[axis], scale)
        moved = np.moveaxis(out, axis, 0)  # (in, rest...)
        flat = moved.reshape(moved.shape[0], -1).tolist()  # Python floats: no fused multiply-add
        resized = []
        for tap_weights, tap_indices in zip(weights.tolist(), indices.tolist()):
            row = []
            for j in range(len(flat[0])):
                acc = 0.0
                for weight, index in zip(tap_weights, tap_indices):
                    acc = acc + weight * flat[index][j]
                row.append(acc)
            resized.append(row)
        out = np.moveaxis(np.array(resized).reshape((len(resized),) + moved.shape[1:]), 0, axis)
    return out


def _times_ms(functions: dict, repeats: int) -> dict[str, tuple[float, float]]:
    """Median wall-clock and least CPU milliseconds of each function over ``repeats`` rounds.

    The functions take turns within each round, so that a change in the machine's load during the
    benchmark affects them alike.
    """
    wall = {name: [] for name in functions}
    cpu = {name: [] for name in functions}
    for function in functions.values():
        function()  # warm-up (weight caches)
    for _ in range(repeats):
        for name, function in functions.items():
            wall_start, cpu_start = time.perf_counter(), time.process_time()
            function()
            cpu[name].append(time.process_time() - cpu_start)
            wall[name].append(time.perf_counter() - wall_start)
    return {name: (statistics.median(wall[name]) * 1e3, min(cpu[name]) * 1e3) for name in functions}


def timing_cases(repeats: int) -> list[dict]:
    image = np.random.default_rng(0).random(IMAGE_SHAPE)
    cases = []
    for scale in TIMED_SCALES:
        times = _times_ms(
            {"ours": lambda: matlab_bicubic_resize(image, scale), "matrix_product": lambda: matrix_product_resize(image, scale)}, repeats
        )
        loop_ms, _ = _times_ms({"row_loop": lambda: row_loop_resize(image, scale)}, max(3, repeats // 3))["row_loop"]
        cases.append({
            "scale": scale,
            "ours_ms": times["ours"][0],
            "ours_min_cpu_ms": times["ours"][1],
            "matrix_product_ms": times["matrix_product"][0],
            "matrix_product_min_cpu_ms": times["matrix_product"][1],
            "row_loop_ms": loop_ms,
        })
    return cases


def _quantised_differences(a: np.ndarray, b: np.ndarray) -> int:
    """How many values of two [0, 1] images differ after ``im2uint8``."""
    return int(np.count_nonzero(matlab_uint8(255 * a) != matlab_uint8(255 * b)))


def order_cases(images: int) -> list[dict]:
    """Quantised values that the matrix product's order changes, on random uint8 images."""
    rng = np.random.default_rng(1)
    cases = {scale: {"scale": scale, "images": images, "values": 0, "quantised_values_differing": 0} for scale in ORDER_SCALES}
    for _ in range(images):
        image = rng.integers(0, 256, IMAGE_SHAPE, dtype=np.uint8) / 255.0  # im2double
        for scale, case in cases.items():
            ours = matlab_bicubic_resize(image, scale)
            case["values"] += ours.size
            case["quantised_values_differing"] += _quantised_differences(ours, matrix_product_resize(image, scale))
    return list(cases.values())


def loop_cases() -> list[dict]:
    """Small two-level images, each resize compared with the pure-Python MATLAB loop."""
    rng = np.random.default_rng(2)
    cases = []
    for shape in LOOP_SHAPES:
        for scale in LOOP_SCALES:
            case = {"shape": list(shape), "scale": scale, "images": LOOP_IMAGES, "values": 0, "quantised_values_differing": 0,
                    "bits_differing": 0, "matrix_product_quantised_values_differing": 0}
            for _ in range(LOOP_IMAGES):
                image = rng.choice(rng.integers(0, 256, 2), size=shape).astype(np.uint8) / 255.0
                ours, loop = matlab_bicubic_resize(image, scale), matlab_loop_resize(image, scale)
                case["values"] += loop.size
                case["quantised_values_differing"] += _quantised_differences(ours, loop)
                case["bits_differing"] += int(np.count_nonzero(ours != loop))
                case["matrix_product_quantised_values_differing"] += _quantised_differences(matrix_product_resize(image, scale), loop)
            cases.append(case)
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--images", type=int, default=32)
    arguments = parser.parse_args()
    payload = {
        "benchmark": "matlab_bicubic_resize, 644x1024x3 float64",
        "machine": {
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "load_average_1min": os.getloadavg()[0],  # other processes competing for the cores
        },
        "target_ms_x0.5": 10.0,
        "cases": timing_cases(arguments.repeats),
        "order": order_cases(arguments.images),
        "matlab_loop": loop_cases(),
    }
    write_json_atomic(results_dir() / "bench" / "resize.json", payload)
    print("| scale | ours (ms) | ours, least CPU (ms) | matrix product (ms) | matrix product, least CPU (ms) | row loop (ms) |")
    print("|---|---|---|---|---|---|")
    for case in payload["cases"]:
        print(
            f"| x{case['scale']:.3g} | {case['ours_ms']:.1f} | {case['ours_min_cpu_ms']:.1f} | {case['matrix_product_ms']:.1f} "
            f"| {case['matrix_product_min_cpu_ms']:.1f} | {case['row_loop_ms']:.1f} |"
        )
    for case in payload["order"]:
        differing, values = case["quantised_values_differing"], case["values"]
        print(f"x{case['scale']:.3g}: {differing} of {values} quantised values differ (matrix product vs MATLAB order)")
    keys = ("values", "quantised_values_differing", "matrix_product_quantised_values_differing", "bits_differing")
    loop = {key: sum(case[key] for case in payload["matlab_loop"]) for key in keys}
    print(
        f"pure-Python MATLAB loop, {loop['values']} values of two-level images: quantised values differing "
        f"{loop['quantised_values_differing']} (matrix product: {loop['matrix_product_quantised_values_differing']}), "
        f"values differing in any bit {loop['bits_differing']}"
    )
    print(json.dumps(payload["machine"]))


if __name__ == "__main__":
    main()
