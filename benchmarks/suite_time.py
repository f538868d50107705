#!/usr/bin/env python3
"""How long the README's commands take on a fresh clone: ``make test`` (and optionally ``make reproduce``).

Clones the committed ``HEAD`` into a new folder beside this repository (fresh: no ``.cache``, no built files), runs each
target there with no ``DYNSR_*`` variable set, and records its wall time, the CPU time of the whole process tree, the
pytest summary line, the machine (CPU count and model) and the load average before and after (the machine is shared:
a loaded one is slower). Writes ``results/bench/suite_time.json`` in this repository. Not a test.

    python benchmarks/suite_time.py [--targets test] [--keep]

``make test`` re-points the editable install at the clone; this script points it back here afterwards.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _machine import cpu_name  # benchmarks/ is on sys.path when run as a script

from dynsr.fileio import write_json_atomic
from dynsr.paths import repo_root


def _run(target: str, clone: Path) -> dict[str, object]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DYNSR_")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before, started = os.getloadavg(), time.monotonic()
    completed = subprocess.run(["make", target], cwd=clone, env=environment, capture_output=True, text=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = [line for line in completed.stdout.splitlines() if re.search(r"\b(passed|failed|error)\b", line)]
    return {"target": f"make {target}", "exit_status": completed.returncode, "wall_seconds": round(wall, 1),
            "cpu_seconds": round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 1),
            "pytest_summary": summary[-1].strip("= ") if summary else None,
            "failures": [line for line in completed.stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))],
            "load_average_before": [round(v, 2) for v in load_before], "load_average_after": [round(v, 2) for v in os.getloadavg()]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", nargs="+", default=["test"], help="make targets to time, in order (default: test)")
    parser.add_argument("--keep", action="store_true", help="keep the clone")
    arguments = parser.parse_args()
    here = repo_root()
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, check=True, capture_output=True, text=True).stdout.strip()
    clone = here.parent / f"{here.name}-suite-time-{commit[:8]}"
    if clone.exists():
        shutil.rmtree(clone)
    subprocess.run(["git", "clone", "--quiet", str(here), str(clone)], check=True)
    try:
        runs = [_run(target, clone) for target in arguments.targets]
    finally:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "-e", str(here)], check=True)
        if not arguments.keep:
            shutil.rmtree(clone, ignore_errors=True)
    record = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), "commit": commit,
              "cpus": os.cpu_count(), "cpu_model": cpu_name(), "runs": runs}
    write_json_atomic(here / "results" / "bench" / "suite_time.json", record)
    for run in runs:
        print(f"{run['target']}: exit {run['exit_status']}, {run['wall_seconds']} s wall, {run['cpu_seconds']} s CPU, {run['pytest_summary']}")
    return 0 if all(run["exit_status"] == 0 for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
