"""The ``dynsr`` command line.

Commands:

* ``dynsr reproduce [--profile P] [--only NAME]``: run the notebooks with papermill into
  ``results/notebooks/`` (``results/<profile>/notebooks/`` for profiles other than ``cpu``).
* ``dynsr data verify [NAME ...]``: check data sets against the data root's ``SHA256SUMS``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from dynsr.data.root import DATASETS, DataNotFoundError, verify_dataset
from dynsr.paths import profile_results_dir, repo_root
from dynsr.profiles import PROFILES

__all__ = ["main", "build_parser"]


def _notebooks(only: str | None) -> list[Path]:
    folder = repo_root() / "notebooks"
    notebooks = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if only:
        notebooks = [path for path in notebooks if only.lower() in path.stem.lower()]
        if not notebooks:
            raise SystemExit(f"error: no notebook in {folder} matches --only {only!r}")
    return notebooks


def _reproduce(arguments: argparse.Namespace) -> int:
    import papermill  # imported here: it is slow to import and only this command needs it

    output_folder = profile_results_dir(arguments.profile) / "notebooks"
    for notebook in _notebooks(arguments.only):
        started = time.monotonic()
        print(f"[dynsr reproduce] {notebook.name} (profile {arguments.profile}) ...", flush=True)
        output_folder.mkdir(parents=True, exist_ok=True)
        running = output_folder / f".{notebook.stem}.running.ipynb"  # papermill saves it after every cell
        try:
            papermill.execute_notebook(
                str(notebook),
                str(running),
                parameters={"profile": arguments.profile, "progress": arguments.progress},
                kernel_name="python3",
                cwd=str(notebook.parent),
                progress_bar=False,
            )
        except papermill.PapermillExecutionError as error:
            failed = output_folder / f"{notebook.stem}.failed.ipynb"
            os.replace(running, failed)
            print(f"[dynsr reproduce] {notebook.name} FAILED: {error.ename}: {error.evalue}\n  executed copy with the traceback: {failed}", file=sys.stderr)
            return 1
        os.replace(running, output_folder / notebook.name)  # the complete notebook replaces the previous one at once
        print(f"[dynsr reproduce] {notebook.name} done in {time.monotonic() - started:.0f} s", flush=True)
    return 0


def _verify(arguments: argparse.Namespace) -> int:
    names = arguments.names or list(DATASETS)
    failed = 0
    for name in names:
        try:
            verify_dataset(name)
            print(f"ok       {name}")
        except (DataNotFoundError, KeyError) as error:
            failed += 1
            print(f"FAILED   {name}: {error}")
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dynsr", description="Dynamic-convolution super-resolution, reproduced (UDVD, DMSR, GLDFN, DASR, ArcSR).")
    commands = parser.add_subparsers(dest="command", required=True)

    reproduce = commands.add_parser("reproduce", help="run the notebooks with papermill and write every table and figure")
    reproduce.add_argument("--profile", choices=list(PROFILES), default="cpu", help="run profile (default: cpu, the committed results)")
    reproduce.add_argument("--only", help="run only notebooks whose file name contains this text (e.g. 00, udvd)")
    reproduce.add_argument("--progress", action="store_true", help="show progress bars inside the notebooks")
    reproduce.set_defaults(handler=_reproduce)

    data = commands.add_parser("data", help="data root utilities")
    data_commands = data.add_subparsers(dest="data_command", required=True)
    verify = data_commands.add_parser("verify", help="check data sets against SHA256SUMS")
    verify.add_argument("names", nargs="*", help=f"data sets (default: all of {', '.join(DATASETS)})")
    verify.set_defaults(handler=_verify)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    return arguments.handler(arguments)


if __name__ == "__main__":
    sys.exit(main())
