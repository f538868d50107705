"""Peak resident memory of a code section, for the benchmark scripts (Linux ``/proc``)."""

from __future__ import annotations

__all__ = ["read_status_kib", "reset_peak_rss"]


def read_status_kib(field: str) -> int:
    """A 'kB' field of /proc/self/status, e.g. VmRSS or VmHWM."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0); False where that is not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False
