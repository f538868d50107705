"""Benchmark `dynsr.ops` at the five papers' training sizes: ours vs the naive ``F.unfold`` references.

Usage::

    python benchmarks/ops.py [--quick] [--threads N] [--skip-load]

For every case (operator at a paper's size, float32, batch 16) and implementation, a fresh subprocess
builds the inputs, measures the peak resident memory of one forward+backward pass (VmHWM after
resetting it through /proc/self/clear_refs, minus VmRSS before the pass; torch's CPU allocations are
invisible to tracemalloc), runs one untimed pass, then times `repeats` more passes and reports the
median. Implementations:

- ``ours``: the `dynsr.ops` operator;
- ``naive``: its `dynsr.ops.reference` counterpart (skipped where it would need more than
  ``NAIVE_LIMIT_BYTES``; the estimate is recorded);
- ``floor``: for operators that cost a convolution, the static ``F.conv2d`` of the same shape, as a
  practical lower bound.

Load matrix: for one case per operator (`LOAD_CASES`), ours and naive are timed again at torch
threads 1 and 2, each with the machine as it is ("none") and with one extra process spinning a core
("one core busy", as another job on a shared machine): OpenMP parallel regions then wait for the
thread that shares the busy core, which is the hazard the tap loops avoid (`dynsr.ops._common`). Ours
and naive alternate within each condition (`LOAD_ROUNDS` rounds, the median over all timed passes),
so their ratio compares like with like even when other processes come and go.

The memory-bandwidth bound of a case is the time to move its minimum traffic (forward: read inputs,
write output; backward: read grad_out and inputs, write input grads) at the copy bandwidth measured in
the same run. Its compute bound is its FLOPs (backward = 2× forward) at the in-cache ``addcmul_`` rate
(elementwise work) and the GEMM rate (convolution-like work), also measured in the same run; the
roofline bound is the larger of the two. Results go to results/bench/ops.json (written atomically) and
a markdown table on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
import torch.nn.functional as F

from _memory import read_status_kib, reset_peak_rss  # benchmarks/ is on sys.path when run as a script

from dynsr import ops
from dynsr.fileio import write_json_atomic
from dynsr.ops import reference

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "results" / "bench" / "ops.json"
BATCH = 16
NAIVE_LIMIT_BYTES = 6 * 10**9
MIB = 2**20
LOAD_CASES = ("per_pixel_c64", "udvd_U_x2", "gldfn_local_ddf", "dasr_da_depthwise", "gldfn_global_experts", "arcsr_dmconv")
"""One case per operator (per-pixel, per-pixel ×2 upsampling, decoupled, depthwise, expert mixture, deformable)."""
LOAD_THREADS = (1, 2)
LOAD_ROUNDS = 2

Run = Callable[[], torch.Tensor]


def leaf(*shape: int, positive: bool = False) -> torch.Tensor:
    """A float32 input that requires grad (uniform in [0, 1) if `positive`, else standard normal)."""
    values = torch.rand(shape) if positive else torch.randn(shape)
    return values.requires_grad_()


@dataclasses.dataclass(frozen=True)
class Case:
    """One operator at one paper size; `build(impl)` returns (forward closure, differentiable inputs)."""

    name: str
    paper: str
    shape: str
    build: Callable[[str], tuple[Run, list[torch.Tensor]]]
    elementwise_flops: int = 0
    """Forward FLOPs of elementwise work (multiply-adds on feature maps); backward counts 2× forward."""
    matmul_flops: int = 0
    """Forward FLOPs done by GEMM/convolution kernels; backward counts 2× forward."""
    impls: tuple[str, ...] = ("ours", "naive")
    naive_bytes: int = 0


def per_pixel_case(name: str, paper: str, channels: int, size: int, kernel: int, scale: int = 1) -> Case:
    """UDVD D/U blocks, DMSR MBM: per-pixel kernels shared across channels."""
    taps = kernel * kernel * scale * scale

    def build(impl: str) -> tuple[Run, list[torch.Tensor]]:
        x, kernels = leaf(BATCH, channels, size, size), leaf(BATCH, taps, size, size)
        if scale == 1:
            fn = ops.per_pixel_conv2d if impl == "ours" else reference.per_pixel_conv2d_unfold
            return (lambda: fn(x, kernels)), [x, kernels]
        fn = ops.per_pixel_conv2d_upsample if impl == "ours" else reference.per_pixel_conv2d_upsample_unfold
        return (lambda: fn(x, kernels, scale=scale)), [x, kernels]

    shape = f"x {BATCH}×{channels}×{size}², kernels {BATCH}×{taps}×{size}², k{kernel}" + (f", ×{scale}" if scale > 1 else "")
    flops = 2 * BATCH * channels * taps * size * size
    naive_bytes = 2 * BATCH * channels * kernel * kernel * size * size * 4  # unfold columns + autograd's product
    return Case(name, paper, shape, build, elementwise_flops=flops, naive_bytes=naive_bytes)


def depthwise_case() -> Case:
    channels, size, kernel = 64, 48, 3

    def build(impl: str) -> tuple[Run, list[torch.Tensor]]:
        x = leaf(BATCH, channels, size, size)
        if impl == "floor":
            weight = leaf(channels, 1, kernel, kernel)
            return (lambda: F.conv2d(x, weight, padding=1, groups=channels)), [x, weight]
        weight = leaf(BATCH, channels, kernel, kernel)
        fn = ops.per_sample_depthwise_conv2d if impl == "ours" else reference.per_sample_depthwise_conv2d_unfold
        return (lambda: fn(x, weight)), [x, weight]

    shape = f"x {BATCH}×{channels}×{size}², weight {BATCH}×{channels}×3×3"
    flops = 2 * BATCH * channels * size * size * kernel * kernel
    return Case("dasr_da_depthwise", "DASR §3.2.2", shape, build, elementwise_flops=flops, impls=("ours", "naive", "floor"))


def modulation_case() -> Case:
    channels, size = 64, 48

    def build(impl: str) -> tuple[Run, list[torch.Tensor]]:
        x, scale = leaf(BATCH, channels, size, size), leaf(BATCH, channels, positive=True)
        return (lambda: ops.channel_modulation(x, scale)), [x, scale]

    shape = f"x {BATCH}×{channels}×{size}², scale {BATCH}×{channels}"
    return Case("dasr_da_modulation", "DASR §3.2.2", shape, build, elementwise_flops=BATCH * channels * size * size, impls=("ours",))


def expert_mixture_case() -> Case:
    channels, size, kernel, experts = 64, 48, 3, 4

    def build(impl: str) -> tuple[Run, list[torch.Tensor]]:
        x = leaf(BATCH, channels, size, size)
        if impl == "floor":
            weight, bias = leaf(channels, channels, kernel, kernel), leaf(channels)
            return (lambda: F.conv2d(x, weight, bias, padding=1)), [x, weight, bias]
        attention = leaf(BATCH, experts, positive=True)
        weight, bias = leaf(experts, channels, channels, kernel, kernel), leaf(experts, channels)
        fn = ops.expert_mixture_conv2d if impl == "ours" else reference.expert_mixture_conv2d_unfold
        return (lambda: fn(x, attention, weight, bias)), [x, attention, weight, bias]

    shape = f"x {BATCH}×{channels}×{size}², K={experts} experts {channels}→{channels} 3×3"
    flops = 2 * BATCH * channels * channels * kernel * kernel * size * size
    return Case("gldfn_global_experts", "GLDFN Eq. 4", shape, build, matmul_flops=flops, impls=("ours", "naive", "floor"))


def decoupled_case() -> Case:
    channels, size, kernel = 64, 48, 3

    def build(impl: str) -> tuple[Run, list[torch.Tensor]]:
        x = leaf(BATCH, channels, size, size)
        spatial, channel = leaf(BATCH, kernel * kernel, size, size), leaf(BATCH, channels, kernel * kernel)
        fn = ops.decoupled_dynamic_filter if impl == "ours" else reference.decoupled_dynamic_filter_unfold
        return (lambda: fn(x, spatial, channel)), [x, spatial, channel]

    shape = f"x {BATCH}×{channels}×{size}², spatial {BATCH}×9×{size}², channel {BATCH}×{channels}×9"
    return Case("gldfn_local_ddf", "GLDFN Eq. 5", shape, build, elementwise_flops=3 * BATCH * channels * size * size * 9)


def deform_case(name: str, paper: str, with_offsets: bool) -> Case:
    channels, size, kernel = 64, 48, 3
    taps = kernel * kernel

    def build(impl: str) -> tuple[Run, list[torch.Tensor]]:
        x, weight, bias = leaf(BATCH, channels, size, size), leaf(channels, channels, kernel, kernel), leaf(channels)
        if impl == "floor":
            return (lambda: F.conv2d(x, weight, bias, padding=1)), [x, weight, bias]
        mask = leaf(BATCH, taps, size, size, positive=True)
        offset = (2 * torch.randn(BATCH, 2 * taps, size, size)).requires_grad_() if with_offsets else None
        fn = ops.modulated_deform_conv2d if impl == "ours" else reference.modulated_deform_conv2d_gather
        inputs = [t for t in (x, offset, mask, weight, bias) if t is not None]
        return (lambda: fn(x, offset, weight, bias, mask=mask, padding=1)), inputs

    what = "offsets + mask" if with_offsets else "zero offsets, mask = kernel"
    shape = f"x {BATCH}×{channels}×{size}², {channels}→{channels} 3×3, {what}"
    columns = BATCH * channels * taps * size * size
    sampling = 9 * columns if with_offsets else columns  # 4 bilinear multiply-adds + the mask, or the mask only
    return Case(
        name, paper, shape, build, elementwise_flops=sampling, matmul_flops=2 * columns * channels,
        impls=("ours", "naive", "floor"),
    )


CASES = [
    per_pixel_case("udvd_D_96", "UDVD Eq. 2", channels=3, size=96, kernel=5),
    per_pixel_case("udvd_D_144", "UDVD Eq. 2", channels=3, size=144, kernel=5),
    per_pixel_case("udvd_U_x2", "UDVD Eq. 3", channels=3, size=48, kernel=5, scale=2),
    per_pixel_case("udvd_U_x3", "UDVD Eq. 3", channels=3, size=48, kernel=5, scale=3),
    per_pixel_case("per_pixel_c64", "UDVD Eq. 2 (C=64)", channels=64, size=48, kernel=5),
    per_pixel_case("dmsr_mbm_k15", "DMSR Eq. 4", channels=64, size=96, kernel=15),
    depthwise_case(),
    modulation_case(),
    expert_mixture_case(),
    decoupled_case(),
    deform_case("arcsr_dmconv", "ArcSR §3.2.2", with_offsets=True),
    deform_case("arcsr_kgconv", "ArcSR §3.2.3", with_offsets=False),
]


def run_child(case_name: str, impl: str, repeats: int) -> dict[str, object]:
    """Measure one (case, implementation) in this process: peak memory of one pass, then timed passes."""
    case = next(c for c in CASES if c.name == case_name)
    torch.manual_seed(0)
    forward, inputs = case.build(impl)
    with torch.no_grad():
        grad_out = torch.randn_like(forward())
    # forward reads the inputs and writes the output; backward reads grad_out and the inputs, writes input grads
    min_bytes = 3 * sum(t.nbytes for t in inputs) + 2 * grad_out.nbytes

    def step() -> None:
        for tensor in inputs:
            tensor.grad = None
        forward().backward(grad_out)

    exact_reset = reset_peak_rss()
    baseline_kib = read_status_kib("VmRSS")
    step()
    peak_kib = read_status_kib("VmHWM") if exact_reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    step()  # one more untimed pass: the allocator's first-touch page faults settle (matters for cheap ops)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "times_s": times,
        "peak_rss_mib": (peak_kib - baseline_kib) / 1024,
        "peak_method": "VmHWM after clear_refs" if exact_reset else "ru_maxrss (includes input setup)",
        "min_bytes": min_bytes,
    }


def measure_in_subprocess(case: Case, impl: str, repeats: int, threads: int) -> dict[str, object]:
    command = [sys.executable, __file__, "--child", case.name, impl, "--repeats", str(repeats)]
    command += ["--threads", str(threads)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def spinning_core(spin: bool) -> Iterator[None]:
    """If `spin`, keep one extra process busy on a core (a Python busy loop) while the block runs."""
    if not spin:
        yield
        return
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    time.sleep(0.5)  # past interpreter start-up, into the loop
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


def load_row(case: Case, threads: int, spin: bool, repeats: int) -> dict[str, object]:
    """Ours and naive at `threads`, with or without a spinning core, alternating for `LOAD_ROUNDS` rounds."""
    load_before = os.getloadavg()[0]
    times: dict[str, list[float]] = {"ours": [], "naive": []}
    with spinning_core(spin):
        for _ in range(LOAD_ROUNDS):
            for impl, impl_times in times.items():
                result = measure_in_subprocess(case, impl, repeats, threads)
                impl_times.extend(result.get("times_s", []))
    row: dict[str, object] = {
        "case": case.name, "paper": case.paper, "threads": threads, "busy_core": spin, "load_average_before": load_before,
        "times_s": times,
    }
    if all(times.values()):
        medians = {impl: statistics.median(values) for impl, values in times.items()}
        row |= {"ours_median_s": medians["ours"], "naive_median_s": medians["naive"], "ours_vs_naive": medians["ours"] / medians["naive"]}
    return row


def measure_load_matrix(repeats: int) -> list[dict[str, object]]:
    by_name = {case.name: case for case in CASES}
    rows = []
    for name in LOAD_CASES:
        for threads in LOAD_THREADS:
            for spin in (False, True):
                rows.append(load_row(by_name[name], threads, spin, repeats))
        print(f"measured {name} under load", file=sys.stderr)
    return rows


def format_load_table(rows: list[dict[str, object]]) -> str:
    header = "| case | paper | threads | other load | ours ms | naive ms | ours/naive |"
    lines = [header, "|---|---|---|---|---|---|---|"]
    for row in rows:
        load = "one core busy" if row["busy_core"] else "none"
        if "ours_vs_naive" not in row:
            lines.append(f"| {row['case']} | {row['paper']} | {row['threads']} | {load} | error | error | — |")
            continue
        lines.append(
            f"| {row['case']} | {row['paper']} | {row['threads']} | {load} | {row['ours_median_s'] * 1e3:.1f} "
            f"| {row['naive_median_s'] * 1e3:.1f} | {row['ours_vs_naive']:.2f} |"
        )
    return "\n".join(lines)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def copy_bandwidth_gbps(megabytes: int = 256, repeats: int = 5) -> float:
    """Best-of-`repeats` bandwidth of a large float32 tensor copy, counting bytes read plus written."""
    source = torch.randn(megabytes * MIB // 4)
    target = torch.empty_like(source)
    target.copy_(source)
    best = min(timed(lambda: target.copy_(source)) for _ in range(repeats))
    return 2 * source.nbytes / best / 1e9


def elementwise_gflops(elements: int = 150_000, repeats: int = 200) -> float:
    """FLOP rate of an in-cache ``addcmul_`` (600 KB operands), median of `repeats`.

    This is the ceiling for the elementwise multiply-add loops of the tap-loop operators, and a probe for
    CPU oversubscription: each such op is an OpenMP parallel region, which costs tens of µs on a quiet
    machine and milliseconds when another multi-threaded process shares the cores.
    """
    out, left, right = torch.zeros(elements), torch.randn(elements), torch.randn(elements)
    return 2 * elements / statistics.median(timed(lambda: out.addcmul_(left, right)) for _ in range(repeats)) / 1e9


def matmul_gflops(size: int = 1024, repeats: int = 5) -> float:
    """Best-of-`repeats` FLOP rate of a float32 size³ GEMM: the ceiling for convolution-like work."""
    left, right = torch.randn(size, size), torch.randn(size, size)
    left @ right
    return 2 * size**3 / min(timed(lambda: left @ right) for _ in range(repeats)) / 1e9


@dataclasses.dataclass(frozen=True)
class MachineRates:
    """Ceilings measured in the same run: copy bandwidth, in-cache elementwise and GEMM FLOP rates."""

    copy_gbps: float
    elementwise_gflops: float
    matmul_gflops: float

    @classmethod
    def measure(cls) -> MachineRates:
        return cls(copy_bandwidth_gbps(), elementwise_gflops(), matmul_gflops())


def choose_threads(requested: int | None) -> tuple[int, str]:
    """Torch threads for the run: as requested, else the default unless the cores are oversubscribed.

    With another multi-threaded process on the same cores, every OpenMP parallel region waits for a
    descheduled thread and small ops slow down by 100× or more; single-threaded runs then give the only
    meaningful timings, so the run falls back to one thread and records why.
    """
    if requested is not None:
        return requested, "requested with --threads"
    default = torch.get_num_threads()
    multi = elementwise_gflops()
    torch.set_num_threads(1)
    single = elementwise_gflops()
    torch.set_num_threads(default)
    if default > 1 and multi < single:
        return 1, (
            f"cores oversubscribed by another process: in-cache addcmul ran at {multi:.2f} GFLOP/s with "
            f"{default} threads vs {single:.1f} GFLOP/s with 1"
        )
    return default, "torch default"


def machine_info() -> dict[str, object]:
    model = platform.processor()
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu_model": model,
        "logical_cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch_version": torch.__version__,
        "python": platform.python_version(),
        "load_average_at_start": os.getloadavg(),
    }


def summarise(case: Case, results: dict[str, dict[str, object]], rates: MachineRates) -> dict[str, object]:
    """Add ratios to one case: ours vs naive, and ours vs the bandwidth and compute (roofline) bounds."""
    ours = results["ours"]
    summary: dict[str, object] = {"case": case.name, "paper": case.paper, "shape": case.shape, "results": results}
    if "median_s" not in ours:
        return summary
    bandwidth_bound = ours["min_bytes"] / (rates.copy_gbps * 1e9)
    compute_bound = 3 * (case.elementwise_flops / rates.elementwise_gflops + case.matmul_flops / rates.matmul_gflops) / 1e9
    summary |= {
        "bandwidth_bound_s": bandwidth_bound,
        "compute_bound_s": compute_bound,
        "limited_by": "memory bandwidth" if bandwidth_bound >= compute_bound else "compute",
        "times_bandwidth_bound": ours["median_s"] / bandwidth_bound,
        "times_roofline_bound": ours["median_s"] / max(bandwidth_bound, compute_bound),
        "achieved_gbps": ours["min_bytes"] / ours["median_s"] / 1e9,
        "achieved_gflops": 3 * (case.elementwise_flops + case.matmul_flops) / ours["median_s"] / 1e9,
    }
    naive = results.get("naive", {})
    if "median_s" in naive:
        summary |= {
            "time_vs_naive": ours["median_s"] / naive["median_s"],
            "memory_vs_naive": ours["peak_rss_mib"] / max(naive["peak_rss_mib"], 1e-9),
        }
    return summary


def format_table(rows: list[dict[str, object]], quiet_gflops: float) -> str:
    """Markdown table; ⚠ marks cases whose pre-case probe ran below half of `quiet_gflops` (contended)."""
    header = (
        "| case | paper | ours ms | naive ms | ours/naive time | ours MiB | naive MiB | ours/naive mem "
        "| floor ms | GB/s | × BW bound | GFLOP/s | × roofline |"
    )
    lines = [header, "|" + "---|" * header.count(" | ") + "---|"]

    def cell(row: dict[str, object], impl: str, key: str, scale: float = 1.0, digits: int = 0) -> str:
        result = row["results"].get(impl)
        if result is None:
            return "—"
        if "skipped" in result:
            return "skipped"
        return f"{result[key] * scale:.{digits}f}" if key in result else "error"

    def ratio(row: dict[str, object], key: str, digits: int = 2) -> str:
        return f"{row[key]:.{digits}f}" if key in row else "—"

    for row in rows:
        contended = " ⚠" if row["probe_elementwise_gflops"] < quiet_gflops / 2 else ""
        lines.append(
            f"| {row['case']}{contended} | {row['paper']} | {cell(row, 'ours', 'median_s', 1e3, 1)} | {cell(row, 'naive', 'median_s', 1e3, 1)} "
            f"| {ratio(row, 'time_vs_naive')} | {cell(row, 'ours', 'peak_rss_mib')} | {cell(row, 'naive', 'peak_rss_mib')} "
            f"| {ratio(row, 'memory_vs_naive')} | {cell(row, 'floor', 'median_s', 1e3, 1)} | {ratio(row, 'achieved_gbps', 1)} "
            f"| {ratio(row, 'times_bandwidth_bound', 1)} | {ratio(row, 'achieved_gflops', 1)} "
            f"| {ratio(row, 'times_roofline_bound', 1)} |"
        )
    return "\n".join(lines)


def check_targets(rows: list[dict[str, object]], load_rows: list[dict[str, object]]) -> dict[str, object]:
    by_name = {row["case"]: row for row in rows}
    per_pixel, dmsr = by_name["per_pixel_c64"], by_name["dmsr_mbm_k15"]
    dmsr_peak = dmsr["results"]["ours"].get("peak_rss_mib", float("inf"))
    return {
        "per_pixel_c64_time_at_most_0.2x_naive": per_pixel.get("time_vs_naive", float("inf")) <= 0.2,
        "per_pixel_c64_memory_at_most_0.25x_naive": per_pixel.get("memory_vs_naive", float("inf")) <= 0.25,
        "dmsr_k15_fwd_bwd_batch16_within_4GB": dmsr_peak <= 4 * 1024,
        "within_2x_bandwidth_bound": {row["case"]: row.get("times_bandwidth_bound", float("inf")) <= 2 for row in rows},
        "within_2x_roofline_bound": {row["case"]: row.get("times_roofline_bound", float("inf")) <= 2 for row in rows},
        "never_slower_than_naive_under_load": {
            f"{row['case']} threads {row['threads']}{' busy core' if row['busy_core'] else ''}": row.get("ours_vs_naive", float("inf")) <= 1
            for row in load_rows
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 timed repeats instead of 5")
    parser.add_argument("--child", nargs=2, metavar=("CASE", "IMPL"), help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=5, help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's, or 1 if oversubscribed)")
    parser.add_argument("--skip-load", action="store_true", help="skip the load matrix (threads 1/2 × busy core)")
    args = parser.parse_args()
    if args.child:
        torch.set_num_threads(args.threads)
        print(json.dumps(run_child(*args.child, args.repeats)))
        return
    threads, threads_reason = choose_threads(args.threads)
    torch.set_num_threads(threads)
    repeats = 3 if args.quick else 5
    started = time.perf_counter()
    machine = machine_info() | {"threads_reason": threads_reason}
    rates_before = MachineRates.measure()
    rows = []
    for case in CASES:
        probe = elementwise_gflops(repeats=50)  # flags cases measured while another process took the cores
        results: dict[str, dict[str, object]] = {}
        for impl in case.impls:
            if impl == "naive" and case.naive_bytes > NAIVE_LIMIT_BYTES:
                results[impl] = {"skipped": f"unfold would need ≈ {case.naive_bytes / 1e9:.1f} GB (> {NAIVE_LIMIT_BYTES / 1e9:.0f} GB)"}
                continue
            results[impl] = measure_in_subprocess(case, impl, repeats, threads)
        rows.append(summarise(case, results, rates_before) | {"probe_elementwise_gflops": probe})
        print(f"measured {case.name}", file=sys.stderr)
    load_rows = [] if args.skip_load else measure_load_matrix(repeats)
    rates_after = MachineRates.measure()
    payload = {
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "repeats": repeats,
        "dtype": "float32",
        "machine": machine | {"load_average_at_end": os.getloadavg()},
        "rates_before": dataclasses.asdict(rates_before),
        "rates_after": dataclasses.asdict(rates_after),
        "cases": rows,
        "load_matrix": load_rows,
        "targets": check_targets(rows, load_rows),
        "wall_time_s": time.perf_counter() - started,
    }
    write_json_atomic(OUTPUT, payload)
    machine = payload["machine"]  # now with the end-of-run load average
    print(
        f"{machine['cpu_model']}, {machine['torch_threads']} torch thread(s) ({threads_reason}), torch {machine['torch_version']}; "
        f"load average {machine['load_average_at_start'][0]:.1f} → {machine['load_average_at_end'][0]:.1f}\n"
        f"ceilings before → after: copy {rates_before.copy_gbps:.1f} → {rates_after.copy_gbps:.1f} GB/s, "
        f"in-cache addcmul {rates_before.elementwise_gflops:.1f} → {rates_after.elementwise_gflops:.1f} GFLOP/s "
        f"(collapses when another process oversubscribes the cores), "
        f"GEMM {rates_before.matmul_gflops:.0f} → {rates_after.matmul_gflops:.0f} GFLOP/s\n"
    )
    print(format_table(rows, rates_before.elementwise_gflops))
    print("\n⚠ = the in-cache addcmul probe before this case ran below half its start-of-run rate (cores contended)")
    if load_rows:
        print(f"\nUnder load (median of {LOAD_ROUNDS}×{repeats} passes each, ours and naive alternating):\n")
        print(format_load_table(load_rows))
    print(f"\nwrote {OUTPUT.relative_to(REPO)} in {payload['wall_time_s']:.0f} s")


if __name__ == "__main__":
    main()
