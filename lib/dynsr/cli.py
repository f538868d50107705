"""The ``dynsr`` command line.

Commands:

* ``dynsr reproduce [--profile P] [--only NAME] [--retrain]``: run the notebooks with papermill into
  ``results/notebooks/`` (``results/<profile>/notebooks/`` for profiles other than ``cpu``), then
  write ``results/README.md``, the index of every table and figure (:mod:`dynsr.results_index`).
  Models are loaded from the committed weights unless ``--retrain``.
* ``dynsr sr INPUT OUTPUT --model M --scale S``: super-resolve your own images (tiled; CPU or GPU).
* ``dynsr eval --model M --scale S --table T``: score a model on a paper's test table.
* ``dynsr train --model M --scale S [--profile P]``: train with a recipe; resumes an interrupted run.
* ``dynsr data verify [NAME ...]``: check data sets against the data root's ``SHA256SUMS``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

from dynsr.data.root import DATASETS, DataNotFoundError, verify_dataset
from dynsr.paths import profile_results_dir, repo_root
from dynsr.profiles import PROFILES
from dynsr.results_index import write_results_index

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
    begun = time.monotonic()
    for notebook in _notebooks(arguments.only):
        started = time.monotonic()
        print(f"[dynsr reproduce] {notebook.name} (profile {arguments.profile}) ...", flush=True)
        output_folder.mkdir(parents=True, exist_ok=True)
        running = output_folder / f".{notebook.stem}.running.ipynb"  # papermill saves it after every cell
        try:
            declared = papermill.inspect_notebook(str(notebook))
            offered = {"profile": arguments.profile, "progress": arguments.progress, "retrain": arguments.retrain}
            papermill.execute_notebook(
                str(notebook),
                str(running),
                parameters={name: value for name, value in offered.items() if name in declared},
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
    index = write_results_index(arguments.profile)
    print(f"[dynsr reproduce] index of every table and figure: {index} ({time.monotonic() - begun:.0f} s in all)")
    return 0


def _parse_overrides(pairs: list[str]) -> dict[str, object]:
    overrides = {}
    for pair in pairs:
        key, separator, text = pair.partition("=")
        if not separator:
            raise SystemExit(f"error: --set takes KEY=VALUE (e.g. --set steps=200); got {pair!r}")
        try:
            overrides[key] = json.loads(text)
        except json.JSONDecodeError:
            overrides[key] = text
    return overrides


def _train(arguments: argparse.Namespace) -> int:
    from dynsr.checkpoints import CheckpointError
    from dynsr.config import ConfigError
    from dynsr.training.recipes import recipe, run_dir, trained_weights
    from dynsr.training.trainer import TrainingDivergedError, train

    try:
        config = recipe(arguments.model, arguments.profile, scale=arguments.scale, seed=arguments.seed)
        overrides = _parse_overrides(arguments.set)
        started = time.monotonic()
        if not overrides and arguments.run_dir is None:
            path = trained_weights(arguments.model, arguments.profile, scale=arguments.scale, seed=arguments.seed, retrain=True, progress=not arguments.quiet)
            print(f"[dynsr train] weights: {path} ({time.monotonic() - started:.0f} s this session)")
            return 0
        config = config.replace(**overrides)
        folder = Path(arguments.run_dir) if arguments.run_dir else run_dir(arguments.model, config, arguments.profile)
        result = train(config, folder, progress=not arguments.quiet)
        print(f"[dynsr train] {folder}: step {result.step}/{config.steps} ({time.monotonic() - started:.0f} s this session)")
        return 0
    except (KeyError, ConfigError, CheckpointError, TrainingDivergedError, DataNotFoundError) as error:
        print(f"error: {error.args[0] if isinstance(error, KeyError) else error}", file=sys.stderr)
        return 2


_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
MIN_LR_SIDE = 8


def _sr_jobs(source: Path, destination: Path) -> list[tuple[Path, Path]]:
    """(input, output) pairs; a folder maps to a folder of PNGs with the same stems."""
    if not source.exists():
        raise FileNotFoundError(f"input {source} does not exist")
    if source.is_dir():
        inputs = sorted(p for p in source.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES)
        if not inputs:
            raise FileNotFoundError(f"input folder {source} holds no image ({', '.join(_IMAGE_SUFFIXES)})")
        if destination.suffix:
            raise ValueError(f"input {source} is a folder, so OUTPUT must be a folder, not {destination}")
        return [(path, destination / f"{path.stem}.png") for path in inputs]
    if destination.is_dir() or not destination.suffix:
        return [(source, destination / f"{source.stem}.png")]
    if destination.suffix.lower() != ".png":
        raise ValueError(f"OUTPUT {destination} must end in .png (lossless), or be a folder")
    return [(source, destination)]


def _checkpoint(model: str, scale: int, given: str | None) -> Path | None:
    """The weights to use: ``given``, else the committed cpu weights; None for parameter-free models (bicubic)."""
    from dynsr.models import MODELS, build_model
    from dynsr.training.recipes import weights_path

    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; available: {', '.join(sorted(MODELS))}")
    if given:
        if not Path(given).is_file():
            raise FileNotFoundError(f"checkpoint {given} does not exist")
        return Path(given)
    if scale < 1:
        raise ValueError(f"--scale must be a positive integer, got {scale}")
    if not any(True for _ in build_model(model, scale=scale).parameters()):
        return None
    path = weights_path(model, scale, "cpu")
    if not path.exists():
        trained = sorted(p.name for p in path.parent.glob(f"{model}_x*.pt"))
        raise FileNotFoundError(
            f"no weights for {model} x{scale} at {path} (committed: {', '.join(trained) or 'none'}); pass --checkpoint, "
            f"use a supported --scale, or train them: dynsr train --model {model} --scale {scale}"
        )
    return path


def _sr(arguments: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from dynsr.checkpoints import CheckpointError
    from dynsr.data.images import GrayscaleImageWarning, ImageFormatError, load_rgb, save_rgb
    from dynsr.degradations.kernels import delta_kernel, isotropic_gaussian_kernel
    from dynsr.degradations.pca import kernel_pca_code, load_pca_basis
    from dynsr.inference import conditioning_of, load_model, model_pca_basis, super_resolve
    from dynsr.metrics import to_uint8

    try:
        jobs = _sr_jobs(Path(arguments.input), Path(arguments.output))
        checkpoint = _checkpoint(arguments.model, arguments.scale, arguments.checkpoint)
        if arguments.tile < 1:
            raise ValueError(f"--tile must be >= 1, got {arguments.tile}")
        images = []
        for source, _ in jobs:  # read and check every input before writing anything
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", GrayscaleImageWarning)
                image = load_rgb(source, allow_grayscale=True)
            if caught:
                print(f"note: {source} is grayscale; it is super-resolved as three equal RGB channels", file=sys.stderr)
            if min(image.shape[:2]) < MIN_LR_SIDE:
                raise ImageFormatError(f"{source} is {image.shape[0]}x{image.shape[1]}; LR inputs need at least {MIN_LR_SIDE} pixels a side")
            images.append(image)
        device = "cuda" if arguments.device == "auto" and torch.cuda.is_available() else ("cpu" if arguments.device == "auto" else arguments.device)
        model = load_model(arguments.model, arguments.scale, checkpoint).to(device)
        code = noise = None
        if conditioning_of(model) != "blind":
            if arguments.kernel_width is None or arguments.noise is None:
                raise ValueError(
                    f"{arguments.model} is non-blind: give the degradation of the input with --kernel-width (Gaussian std in HR pixels, "
                    f"0 = no blur) and --noise (0-255); e.g. SRMD's suggestion for the real image chip x4 is --kernel-width 1.7 --noise 5"
                )
            if arguments.kernel_width < 0 or arguments.noise < 0:
                raise ValueError("--kernel-width and --noise must be >= 0")
            basis = load_pca_basis(model_pca_basis(model))
            side = int(round(np.sqrt(basis.shape[1])))
            kernel = delta_kernel(side) if arguments.kernel_width == 0 else isotropic_gaussian_kernel(side, arguments.kernel_width)
            code, noise = kernel_pca_code(kernel, basis), arguments.noise
    except (ValueError, KeyError, FileNotFoundError, CheckpointError, DataNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for image, (source, target) in zip(images, jobs):
        started = time.monotonic()
        sr = super_resolve(model, image.astype(np.float64) / 255.0, kernel_code=code, noise=noise, tile=arguments.tile, device=device)
        target.parent.mkdir(parents=True, exist_ok=True)
        save_rgb(target, to_uint8(sr))
        print(f"{source} ({image.shape[1]}x{image.shape[0]}) -> {target} ({sr.shape[1]}x{sr.shape[0]}) in {time.monotonic() - started:.1f} s")
    return 0


def _eval(arguments: argparse.Namespace) -> int:
    import pandas as pd

    from dynsr.checkpoints import CheckpointError
    from dynsr.degradations.testsets import TEST_TABLES
    from dynsr.evaluate import evaluate, mean_scores
    from dynsr.fileio import atomic_path
    from dynsr.inference import load_model, model_upscaler

    try:
        if arguments.table not in TEST_TABLES:
            raise KeyError(f"unknown test table {arguments.table!r}; known: {', '.join(TEST_TABLES)}")
        settings = [s for s in TEST_TABLES[arguments.table]() if s.degradation.scale == arguments.scale and (not arguments.datasets or s.dataset in arguments.datasets)]
        if not settings:
            raise ValueError(f"{arguments.table} has no setting at x{arguments.scale} on {arguments.datasets or 'any set'}")
        model = load_model(arguments.model, arguments.scale, _checkpoint(arguments.model, arguments.scale, arguments.checkpoint))
        per_image = evaluate(model_upscaler(model), settings, image_limit=arguments.limit)
    except (ValueError, KeyError, FileNotFoundError, CheckpointError, DataNotFoundError) as error:
        print(f"error: {error.args[0] if isinstance(error, KeyError) else error}", file=sys.stderr)
        return 2
    means = mean_scores(per_image)
    with pd.option_context("display.max_rows", 200, "display.width", 160, "display.float_format", "{:.4f}".format):
        print(means.to_string(index=False))
    if arguments.output:
        with atomic_path(Path(arguments.output)) as temporary:
            per_image.to_csv(temporary, index=False, float_format="%.6f")
        print(f"per-image scores: {arguments.output}")
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
    reproduce.add_argument("--retrain", action="store_true", help="train every model again instead of using the committed weights (hours on 2 cores; resumable)")
    reproduce.set_defaults(handler=_reproduce)

    sr = commands.add_parser("sr", help="super-resolve your own LR image or folder (no HR needed)")
    sr.add_argument("input", help="an LR image (PNG/JPEG/BMP, RGB or gray, 8-bit) or a folder of them")
    sr.add_argument("output", help="output PNG, or a folder (created) for a folder input")
    sr.add_argument("--model", required=True, help="model name (e.g. srmd)")
    sr.add_argument("--scale", type=int, required=True, help="super-resolution factor")
    sr.add_argument("--checkpoint", help="weights (default: the committed cpu weights results/checkpoints/<model>_x<scale>.pt)")
    sr.add_argument("--kernel-width", type=float, help="non-blind models: Gaussian blur width of the input (HR pixels; 0 = none)")
    sr.add_argument("--noise", type=float, help="non-blind models: noise level of the input (0-255)")
    sr.add_argument("--tile", type=int, default=128, help="LR tile side; memory is bounded by the tile (default 128)")
    sr.add_argument("--device", default="auto", help="auto (GPU if present), cpu or cuda[:N]")
    sr.set_defaults(handler=_sr)

    evaluation = commands.add_parser("eval", help="score a model on a paper's test table; prints and writes the scores")
    evaluation.add_argument("--model", required=True, help="model name (e.g. srmd)")
    evaluation.add_argument("--scale", type=int, required=True, help="super-resolution factor")
    evaluation.add_argument("--table", required=True, help="test table, e.g. udvd_table2 (see dynsr.degradations.testsets.TEST_TABLES)")
    evaluation.add_argument("--datasets", nargs="*", help="only these data sets (default: the table's)")
    evaluation.add_argument("--checkpoint", help="weights (default: the committed cpu weights)")
    evaluation.add_argument("--limit", type=int, help="first N images per set")
    evaluation.add_argument("--output", help="CSV of per-image scores")
    evaluation.set_defaults(handler=_eval)

    training = commands.add_parser("train", help="train a model with a profile's recipe (resumes an interrupted run)")
    training.add_argument("--model", required=True, help="model name (e.g. srmd, srmdnf)")
    training.add_argument("--scale", type=int, required=True, help="super-resolution factor")
    training.add_argument("--profile", choices=list(PROFILES), default="cpu", help="recipe profile (default: cpu)")
    training.add_argument("--seed", type=int, default=0, help="seed of the initialisation and of every training sample")
    training.add_argument("--run-dir", help="run folder (default: .cache/runs/<profile>/<model>_x<scale>_seed<seed>)")
    training.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a TrainConfig field (JSON value), e.g. --set steps=200")
    training.add_argument("--quiet", action="store_true", help="no progress bar")
    training.set_defaults(handler=_train)

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
