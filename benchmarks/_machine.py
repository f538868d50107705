"""The machine a benchmark ran on and the timing loop the benchmark scripts share."""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable

import torch

__all__ = ["cpu_name", "device_name", "fastest_seconds"]


def cpu_name() -> str:
    """The CPU's model name (Linux ``/proc/cpuinfo``), else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as stream:
            for line in stream:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def device_name(device: str) -> str:
    """The GPU's name for a CUDA device, the CPU's otherwise."""
    return torch.cuda.get_device_name(torch.device(device)) if device.startswith("cuda") else cpu_name()


def fastest_seconds(run: Callable[[], object], *, device: str, repeats: int) -> tuple[float, float]:
    """``run()`` once to warm up (allocator, cuDNN autotuning), then ``repeats`` timed calls (synchronised on CUDA);
    returns (the fastest, the median) in seconds."""
    synchronize = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    run()
    synchronize()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        synchronize()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)
