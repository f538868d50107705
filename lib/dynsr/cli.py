"""The ``dynsr`` command line.

Commands:

* ``dynsr reproduce [--profile P] [--paper P] [--only NAME] [--recompute] [--retrain] [--train-missing]``: run the notebooks
  (``notebooks/<paper>/``) with papermill into ``results/<paper>/notebooks/`` (``results/<profile>/<paper>/notebooks/``
  for profiles other than ``cpu``), then
  write ``results/README.md``, the index of every table and figure (:mod:`dynsr.results_index`).
  Models are loaded from the committed weights unless ``--retrain``; their stored per-image scores are
  reused (one re-scored per evaluation) unless ``--recompute`` (:mod:`dynsr.score_store`). A notebook that needs ``cpu``
  weights that are not committed is skipped and named, unless ``--train-missing`` (:class:`dynsr.training.recipes.MissingWeightsError`).
* ``dynsr figures [--profile P]``: redraw every figure drawn from a written table alone (no model runs).
* ``dynsr sr INPUT OUTPUT --model M --scale S``: super-resolve your own images (tiled; CPU or GPU).
* ``dynsr eval --model M --scale S --table T``: score a model on a paper's test table.
* ``dynsr train --model M --scale S [--profile P]``: train with a recipe; resumes an interrupted run.
* ``dynsr data verify [NAME ...]``: check data sets against the data root's ``SHA256SUMS``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dynsr.data.root import DATASETS, DataNotFoundError, verify_dataset
from dynsr.paths import profile_results_dir, repo_root
from dynsr.profiles import PROFILES
from dynsr.results_index import write_readme_results, write_results_index

__all__ = ["main", "build_parser"]

USAGE_ERROR = 2  # a mistake in the command or its inputs, found before any work: nothing was written
FAILURE = 1  # the work started and failed (diverged training, a failed notebook, out of memory, a full disk)
INTERRUPTED = 130  # Ctrl-C or SIGTERM


def _error(error: BaseException | str, code: int, advice: str = "") -> int:
    """Print ``error: <message><advice>`` to stderr (a KeyError's message without its quotes); return ``code``."""
    message = error.args[0] if isinstance(error, KeyError) and error.args else error
    print(f"error: {message}{advice}", file=sys.stderr)
    return code


def _number(low: float, high: float) -> Callable[[str], float]:
    """An argparse type: a finite number in [low, high] (NaN and infinities are refused)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be a number from {low:g} to {high:g}, got {text}")
        return value

    return parse


AUTO_NOISE = "auto"


def _noise_level(text: str) -> float | str:
    """``--noise``: a level from 0 to 255, or ``auto`` (each image's own estimate)."""
    return AUTO_NOISE if text.strip().lower() == AUTO_NOISE else _number(0, 255)(text)


def _integer(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer >= low (and <= high)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < low or high is not None and value > high:
            raise argparse.ArgumentTypeError(f"must be an integer >= {low}{'' if high is None else f' and <= {high}'}, got {text}")
        return value

    return parse


def _check_folder(folder: Path, what: str) -> None:
    """Raise ValueError unless ``folder`` is a folder or can be created (no file in its place or above it)."""
    for path in (folder, *folder.parents):
        if path.exists():
            if path.is_dir():
                return
            if path == folder:
                raise ValueError(f"{what} {folder} is a file, not a folder; name a folder (it is created if missing)")
            raise ValueError(f"{what} {folder} cannot be created: {path} is a file, not a folder")


def _notebooks(only: str | None, paper: str | None = None) -> list[Path]:
    """The notebooks to run, in their numbered order: ``notebooks/<folder>/NN_*.ipynb`` (a folder per paper, and
    ``baselines``), those of ``paper``'s folder and whose name contains ``only`` if given."""
    folder = repo_root() / "notebooks"
    notebooks = sorted(folder.glob("*/[0-9][0-9]_*.ipynb"), key=lambda path: path.name)
    if paper:
        folders = sorted({path.parent.name for path in notebooks})
        notebooks = [path for path in notebooks if path.parent.name == paper]
        if not notebooks:
            raise ValueError(f"no notebook folder {folder / paper}; --paper is one of {', '.join(folders)}")
    if only:
        notebooks = [path for path in notebooks if only.lower() in path.stem.lower()]
        if not notebooks:
            raise ValueError(f"no notebook in {folder} matches --only {only!r}")
    return notebooks


RUNNING_SUFFIX = ".running.ipynb"  # papermill writes ``.<notebook>.running.ipynb`` while it runs; it replaces the result when complete


def _reproduce(arguments: argparse.Namespace) -> int:
    try:
        notebooks = _notebooks(arguments.only, arguments.paper)
        device = _device(arguments.device)
    except ValueError as error:
        return _error(error, USAGE_ERROR)
    from dynsr.devices import DEVICE_VARIABLE
    import papermill  # imported here: it is slow to import and only this command needs it

    from dynsr.score_store import check_log_path
    from dynsr.training.recipes import TRAIN_MISSING_VARIABLE, MissingWeightsError
    results = profile_results_dir(arguments.profile)
    policy = "recompute" if arguments.recompute or arguments.retrain else "reuse"
    os.environ["DYNSR_SCORES"] = policy  # read by the notebooks' kernels (dynsr.score_store)
    os.environ[TRAIN_MISSING_VARIABLE] = "1" if arguments.train_missing or arguments.retrain else "0"  # and whether missing cpu weights are trained
    os.environ[DEVICE_VARIABLE] = device  # and their evaluation device (dynsr.devices)
    check_log_path().unlink(missing_ok=True)
    for notebook in notebooks:  # only the copies of this run's notebooks: another reproduce may be running the others
        (results / notebook.parent.name / "notebooks" / f".{notebook.stem}{RUNNING_SUFFIX}").unlink(missing_ok=True)  # left by SIGKILL (SIGINT/SIGTERM clean up below)
    begun, waiting = time.monotonic(), []
    for notebook in notebooks:
        started = time.monotonic()
        print(f"[dynsr reproduce] {notebook.parent.name}/{notebook.name} (profile {arguments.profile}) ...", flush=True)
        output_folder = results / notebook.parent.name / "notebooks"  # results/<paper>/notebooks
        output_folder.mkdir(parents=True, exist_ok=True)
        running = output_folder / f".{notebook.stem}{RUNNING_SUFFIX}"  # papermill saves it after every cell
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
            if error.ename == MissingWeightsError.__name__:  # not committed yet: the notebook's previous result (if any) stays
                print(f"[dynsr reproduce] {notebook.name} skipped: {error.evalue}", flush=True)
                waiting.append(notebook)
                continue
            failed = output_folder / f"{notebook.stem}.failed.ipynb"
            os.replace(running, failed)
            print(f"[dynsr reproduce] {notebook.name} FAILED: {error.ename}: {error.evalue}\n  executed copy with the traceback: {failed}", file=sys.stderr)
            return FAILURE
        else:
            os.replace(running, output_folder / notebook.name)  # the complete notebook replaces the previous one at once
        finally:
            running.unlink(missing_ok=True)  # interrupted (KeyboardInterrupt, SIGTERM): the previous result stays
        print(f"[dynsr reproduce] {notebook.name} done in {time.monotonic() - started:.0f} s", flush=True)
    _print_score_checks(policy)
    index = write_results_index(arguments.profile)
    if arguments.profile == "cpu" and results == repo_root() / "results":  # the committed results: the README's section follows them
        write_readme_results(repo_root() / "README.md")
    print(f"[dynsr reproduce] index of every table and figure: {index} ({time.monotonic() - begun:.0f} s in all)")
    if waiting:
        print(f"[dynsr reproduce] {len(waiting)} notebook(s) skipped, waiting for weights that are not committed (--train-missing trains them, "
              f"hours on 2 cores): {', '.join(f'{path.parent.name}/{path.name}' for path in waiting)}")
    return 0


def _print_score_checks(policy: str) -> None:
    """After ``reuse``: each stored score that was scored again from the weights (every one agreed, or the run failed)."""
    if policy != "reuse":
        print("[dynsr reproduce] every score was computed from the weights (--recompute / --retrain)")
        return
    from dynsr.score_store import check_log_path

    path = check_log_path()
    checks = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.is_file() else []
    print(f"[dynsr reproduce] stored scores reused; {len(checks)} of them scored again from the weights, all within tolerance:")
    for check in checks:
        moved = ", ".join(f"{metric} {value:.4f} -> {check['now'][metric]:.4f}" for metric, value in check["stored"].items() if metric in check["now"])
        print(f"  {check['image']} | {check['key']} | model {check['model']}: {moved}")


def _parse_overrides(pairs: list[str]) -> dict[str, object]:
    overrides = {}
    for pair in pairs:
        key, separator, text = pair.partition("=")
        if not separator:
            raise ValueError(f"--set takes KEY=VALUE (e.g. --set steps=200); got {pair!r}")
        try:
            overrides[key] = json.loads(text)
        except json.JSONDecodeError:
            overrides[key] = text
    return overrides


def _resume_step(folder: Path) -> int | None:
    """The step of the run's checkpoint in ``folder`` (None: no checkpoint, the run starts at step 0)."""
    from dynsr.checkpoints import TRAIN_FORMAT, load_checkpoint
    from dynsr.training.trainer import CHECKPOINT_NAME

    path = folder / CHECKPOINT_NAME
    return load_checkpoint(path, expected_format=TRAIN_FORMAT)["step"] if path.is_file() else None


def _train(arguments: argparse.Namespace) -> int:
    from dynsr.checkpoints import CheckpointError, CorruptCheckpointError
    from dynsr.training.recipes import initial_weights, recipe, run_dir, trained_weights
    from dynsr.training.trainer import TrainingDivergedError, train

    try:
        config = recipe(arguments.model, arguments.profile, scale=arguments.scale, seed=arguments.seed)
        overrides = _parse_overrides(arguments.set)
        config = config.replace(**overrides)
        folder = Path(arguments.run_dir) if arguments.run_dir else run_dir(arguments.model, config, arguments.profile)
        _check_folder(folder, "--run-dir")
        step = _resume_step(folder)
    except (KeyError, ValueError) as error:
        advice = " Delete it to start this run over from step 0, or use another --run-dir." if isinstance(error, CorruptCheckpointError) else ""
        return _error(error, USAGE_ERROR, advice)
    if step is not None and os.environ.get("RANK", "0") == "0":  # under torchrun, rank 0 speaks
        print(f"[dynsr train] resuming {folder} from step {step}/{config.steps}", flush=True)
    started = time.monotonic()
    try:
        if not overrides and arguments.run_dir is None:
            path = trained_weights(arguments.model, arguments.profile, scale=arguments.scale, seed=arguments.seed, retrain=True, progress=not arguments.quiet)
            print(f"[dynsr train] weights: {path} ({time.monotonic() - started:.0f} s this session)")
            return 0
        origin = initial_weights(config, arguments.profile, progress=not arguments.quiet) if step is None else None  # a fine-tune's start
        result = train(config, folder, progress=not arguments.quiet, initial_weights=origin)
    except CheckpointError as error:  # the run's checkpoint is of another configuration: found before the first step
        return _error(error, USAGE_ERROR)
    except (TrainingDivergedError, DataNotFoundError, OSError) as error:
        return _error(error, FAILURE)
    print(f"[dynsr train] {folder}: step {result.step}/{config.steps} ({time.monotonic() - started:.0f} s this session)")
    return 0


_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
MIN_LR_SIDE = 8


def _sr_jobs(source: Path, destination: Path, *, overwrite: bool) -> list[tuple[Path, Path]]:
    """(input, output) pairs; a folder maps to a folder of PNGs named after the inputs' stems (``sr --help``).

    Refused: an output that is an input (also through links or ``..``), an output folder that is the input
    folder, inputs whose outputs would share a name, existing outputs without ``overwrite``.
    """
    if not source.exists():
        raise FileNotFoundError(f"input {source} does not exist")
    jobs = _folder_jobs(source, destination) if source.is_dir() else [(source, _image_output(source, destination))]
    for image, target in jobs:
        if _same_file(image, target):
            raise ValueError(f"OUTPUT {target} is the input {image} itself; dynsr never overwrites an input: name another output")
        _check_folder(target.parent, "the output folder")
        if target.is_dir():
            raise ValueError(f"OUTPUT {target} is a folder; name a .png file or another folder")
    existing = [str(target) for _, target in jobs if target.exists()]
    if existing and not overwrite:
        shown = ", ".join(existing[:3]) + (f" and {len(existing) - 3} more" if len(existing) > 3 else "")
        raise FileExistsError(f"{shown} already exist{'s' if len(existing) == 1 else ''}; pass --overwrite to replace {'it' if len(existing) == 1 else 'them'}, or name another output")
    return jobs


def _same_file(first: Path, second: Path) -> bool:
    """Whether two paths name one file: equal once resolved (links, ``..``) or, both existing, the same inode (hard links)."""
    return first.resolve() == second.resolve() or first.exists() and second.exists() and first.samefile(second)


def _image_output(source: Path, destination: Path) -> Path:
    """The output of one input image: ``destination`` itself (a .png), or ``<destination>/<stem>.png`` for a folder."""
    if destination.is_dir() or not destination.suffix:
        return destination / f"{source.stem}.png"
    if destination.suffix.lower() != ".png":
        raise ValueError(f"OUTPUT {destination} must end in .png (lossless), or be a folder")
    return destination


def _folder_jobs(source: Path, destination: Path) -> list[tuple[Path, Path]]:
    """Every image of the folder ``source`` -> ``destination/<stem>.png``."""
    inputs = sorted(p for p in source.iterdir() if p.is_file() and p.suffix.lower() in _IMAGE_SUFFIXES)
    if not inputs:
        raise FileNotFoundError(f"input folder {source} holds no image ({', '.join(_IMAGE_SUFFIXES)})")
    if _same_file(source, destination):
        raise ValueError(f"OUTPUT {destination} is the input folder {source} itself; dynsr never writes into its input folder: name another folder")
    if destination.exists() and not destination.is_dir():
        raise ValueError(f"input {source} is a folder, so OUTPUT must be a folder; {destination} is an existing file")
    if destination.suffix and not destination.is_dir():
        raise ValueError(f"input {source} is a folder, so OUTPUT must be a folder, not {destination}")
    by_stem: dict[str, list[str]] = {}
    for path in inputs:
        by_stem.setdefault(path.stem.casefold(), []).append(path.name)
    shared = [names for names in by_stem.values() if len(names) > 1]
    if shared:
        clashes = "; ".join(f"{', '.join(names[:-1])} and {names[-1]} would {'both' if len(names) == 2 else 'all'} be written to "
                            f"{destination / (Path(names[0]).stem + '.png')}" for names in shared)
        raise ValueError(f"in {source}, {clashes}; outputs are named after the input without its extension: rename all but one, or move them to another folder")
    return [(path, destination / f"{path.stem}.png") for path in inputs]


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


def _refused(error: Exception) -> int:
    """Report an error found before any work (``sr``, ``eval``): a usage error; missing data and memory are failures."""
    if isinstance(error, MemoryError):
        return _error("out of memory while reading the inputs and the model", FAILURE)
    return _error(error, FAILURE if isinstance(error, DataNotFoundError) else USAGE_ERROR)


def _load_model(arguments: argparse.Namespace) -> Any:
    """``--model`` at ``--scale`` with ``--checkpoint`` or the committed weights (for ``sr`` and ``eval``, which only read them)."""
    from dynsr.checkpoints import CorruptCheckpointError
    from dynsr.inference import load_model

    try:
        return load_model(arguments.model, arguments.scale, _checkpoint(arguments.model, arguments.scale, arguments.checkpoint))
    except CorruptCheckpointError as error:
        where = "pass an intact copy with --checkpoint" if arguments.checkpoint else "restore the committed weights (git checkout -- results/checkpoints) or pass --checkpoint"
        raise CorruptCheckpointError(f"{error} These weights cannot be used: {where}.") from None


def _device(name: str) -> str:
    """``--device`` (:func:`dynsr.devices.resolve_device`); a GPU this machine lacks is a usage error (ValueError)."""
    from dynsr.devices import resolve_device

    return resolve_device(name)


# Memory ``sr`` holds at once for one image, in bytes per pixel (tiles add a bounded amount): the LR input (8-bit, Pillow's
# decoded copy, and a float32 copy for a model conditioned on the whole image, DASR's encoder: 3 + 4 + 12) and the output
# (8-bit RGB, and Pillow's 4-byte RGBX copy while it encodes the PNG: 3 + 4).
_LR_BYTES_PER_PIXEL = 19
_SR_BYTES_PER_PIXEL = 7


def _available_memory() -> int | None:
    """Bytes of memory available now (Linux ``MemAvailable``); None where the system does not say."""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def _check_memory(source: Path, height: int, width: int, scale: int) -> None:
    """Refuse an input whose super-resolution would not fit in the memory available now, naming the sizes."""
    need = height * width * (_LR_BYTES_PER_PIXEL + scale**2 * _SR_BYTES_PER_PIXEL)
    available = _available_memory()
    if available is not None and need > available:
        raise ValueError(
            f"{source} is {width}x{height}: its x{scale} result would be {scale * width}x{scale * height} pixels "
            f"({3 * scale**2 * height * width / 1e9:.1f} GB as 8-bit RGB) and needs about {need / 1e9:.1f} GB of memory, "
            f"but {available / 1e9:.1f} GB are available. Cut the image into parts, or use a smaller --scale."
        )


def _load_input(source: Path) -> tuple[Any, bool]:
    """The LR image as RGB uint8 (H, W, 3), and whether the file was grayscale."""
    from dynsr.data.images import GrayscaleImageWarning, load_rgb

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GrayscaleImageWarning)
        image = load_rgb(source, allow_grayscale=True)
    return image, any(issubclass(warning.category, GrayscaleImageWarning) for warning in caught)


def _check_input(source: Path, scale: int) -> None:
    """Refuse an input that is too small, too large for the memory or unreadable (decoded in full), before anything is written."""
    from dynsr.data.images import ImageFormatError, image_size

    height, width = image_size(source)
    if min(height, width) < MIN_LR_SIDE:
        raise ImageFormatError(f"{source} is {height}x{width}; LR inputs need at least {MIN_LR_SIDE} pixels a side")
    _check_memory(source, height, width, scale)
    if _load_input(source)[1]:
        print(f"note: {source} is grayscale; it is super-resolved as three equal RGB channels", file=sys.stderr)


def _degradation(model: Any, arguments: argparse.Namespace) -> tuple[Any, float | str | None]:
    """The kernel's PCA code and the noise level a non-blind model is given (None, None for blind models)."""
    import numpy as np

    from dynsr.degradations.kernels import delta_kernel, isotropic_gaussian_kernel
    from dynsr.degradations.pca import kernel_pca_code, load_pca_basis
    from dynsr.inference import conditioning_of, model_pca_basis

    conditioning = conditioning_of(model)
    if conditioning == "blind":
        return None, None
    if conditioning != "degradation_vector":
        raise ValueError(f"{arguments.model} is given the true blur kernel of each test image (conditioning {conditioning!r}); "
                         f"it cannot super-resolve your own images: use a blind model (e.g. dasr) or a non-blind one (srmd, udvd)")
    if arguments.kernel_width is None or arguments.noise is None:
        raise ValueError(
            f"{arguments.model} is non-blind: give the degradation of the input with --kernel-width (Gaussian std in HR pixels, "
            f"0 = no blur) and --noise (0-255, or auto); e.g. SRMD's suggestion for the real image chip x4 is --kernel-width 1.7 --noise 5"
        )
    basis = load_pca_basis(model_pca_basis(model))
    side = int(round(np.sqrt(basis.shape[1])))
    kernel = delta_kernel(side) if arguments.kernel_width == 0 else isotropic_gaussian_kernel(side, arguments.kernel_width)
    return kernel_pca_code(kernel, basis), arguments.noise


def _out_of_memory(error: BaseException) -> bool:
    """numpy's MemoryError, torch's CPU allocator failure or CUDA out-of-memory."""
    return isinstance(error, MemoryError) or isinstance(error, RuntimeError) and ("out of memory" in str(error) or "can't allocate memory" in str(error))


def _sr_model(arguments: argparse.Namespace) -> tuple[Any, str, Any, float | str | None]:
    """The model on its device, and the kernel code and noise level it is given (imports torch: seconds)."""
    device = _device(arguments.device)
    model = _load_model(arguments).to(device)
    return model, device, *_degradation(model, arguments)


def _sr(arguments: argparse.Namespace) -> int:
    from dynsr.data.images import save_rgb

    try:
        jobs = _sr_jobs(Path(arguments.input), Path(arguments.output), overwrite=arguments.overwrite)
        for source, _ in jobs:  # check every input before writing anything (and before importing torch)
            _check_input(source, arguments.scale)
        model, device, code, noise = _sr_model(arguments)
    except (ValueError, KeyError, OSError, MemoryError) as error:
        return _refused(error)
    from dynsr.inference import super_resolve  # here: torch is imported by now
    for done, (source, target) in enumerate(jobs):
        started = time.monotonic()
        try:
            image = _load_input(source)[0]
            level = _estimated_noise(source, image) if noise == AUTO_NOISE else noise
            sr = super_resolve(model, image, kernel_code=code, noise=level, tile=arguments.tile, device=device,
                               progress=not arguments.quiet and sys.stderr.isatty(), description=source.name)  # uint8 (s·H, s·W, 3)
            save_rgb(target, sr)
        except (MemoryError, RuntimeError, OSError) as error:
            if isinstance(error, RuntimeError) and not _out_of_memory(error):
                raise
            problem = "out of memory (use a smaller --tile, or cut the image into parts)" if _out_of_memory(error) else str(error)
            return _error(f"{source} -> {target} failed: {problem}; {done} of {len(jobs)} outputs were written, none half-written", FAILURE)
        print(f"{source} ({image.shape[1]}x{image.shape[0]}) -> {target} ({sr.shape[1]}x{sr.shape[0]}) in {time.monotonic() - started:.1f} s")
    return 0


def _estimated_noise(source: Path, image: Any) -> float:
    """``--noise auto``: the image's noise level by Immerkær's estimator (`dynsr.degradations.noise`), said on stderr."""
    from dynsr.degradations.noise import estimate_noise_level

    level = min(estimate_noise_level(image / 255.0), 255.0)
    print(f"{source.name}: estimated noise level {level:.1f} (texture reads as some noise: if the result looks smoothed, give a lower "
          f"--noise)", file=sys.stderr)
    return level


def _figures(arguments: argparse.Namespace) -> int:
    from dynsr.experiments.common import redraw_table_figures

    started = time.monotonic()
    drawn = redraw_table_figures(arguments.profile)
    for path in drawn:
        print(path)
    print(f"[dynsr figures] {len(drawn)} figures redrawn from the written tables of profile {arguments.profile} "
          f"in {time.monotonic() - started:.0f} s (no model run)")
    return 0


def _eval(arguments: argparse.Namespace) -> int:
    import pandas as pd

    from dynsr.evaluate import evaluate, mean_scores
    from dynsr.fileio import atomic_path
    from dynsr.inference import model_upscaler
    from dynsr.papers import test_tables

    tables = test_tables()
    try:
        if arguments.table not in tables:
            raise KeyError(f"unknown test table {arguments.table!r}; known: {', '.join(tables)}")
        settings = [s for s in tables[arguments.table]() if s.degradation.scale == arguments.scale and (not arguments.datasets or s.dataset in arguments.datasets)]
        if not settings:
            raise ValueError(f"{arguments.table} has no setting at x{arguments.scale} on {arguments.datasets or 'any set'}")
        if arguments.output:
            _check_folder(Path(arguments.output).parent, "the folder of --output")
            if Path(arguments.output).is_dir():
                raise ValueError(f"--output {arguments.output} is a folder; name a .csv file")
        model = _load_model(arguments)
    except (ValueError, KeyError, OSError) as error:
        return _refused(error)
    try:
        per_image = evaluate(model_upscaler(model), settings, image_limit=arguments.limit)
        means = mean_scores(per_image)
        if arguments.output:
            with atomic_path(Path(arguments.output)) as temporary:
                per_image.to_csv(temporary, index=False, float_format="%.6f")
    except (DataNotFoundError, OSError, MemoryError) as error:
        return _error("out of memory" if isinstance(error, MemoryError) else error, FAILURE)
    with pd.option_context("display.max_rows", 200, "display.width", 160, "display.float_format", "{:.4f}".format):
        print(means.to_string(index=False))
    if arguments.output:
        print(f"per-image scores: {arguments.output}")
    return 0


def _verify(arguments: argparse.Namespace) -> int:
    names = arguments.names or list(DATASETS)
    unknown = [name for name in names if name not in DATASETS]
    if unknown:
        return _error(f"unknown data set{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; known: {', '.join(DATASETS)}", USAGE_ERROR)
    failed = 0
    for name in names:
        try:
            verify_dataset(name, trust_cache=False)  # hash every file: a change that kept size and mtime is caught too
            print(f"ok       {name}")
        except DataNotFoundError as error:
            failed += 1
            print(f"FAILED   {name}: {error}")
    return FAILURE if failed else 0


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose help may end with text computed only when the help is shown (``epilog_from``)."""

    def __init__(self, *args: Any, epilog_from: Callable[[], str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.epilog_from = epilog_from

    def format_help(self) -> str:
        if self.epilog_from is not None:
            self.epilog = self.epilog_from()
        return super().format_help()


def _models_and_weights() -> str:
    """The end of ``sr --help``: every model of the registry, with the scales of its committed weights."""
    from dynsr.inference import conditioning_of
    from dynsr.models import MODELS, build_model
    from dynsr.training.recipes import weights_path

    folder = weights_path("model", 1, "cpu").parent
    lines = [f"models, and the scales of their committed weights ({folder}/<model>_x<scale>.pt):"]
    for name in sorted(MODELS):
        found = (re.fullmatch(rf"{re.escape(name)}_x(\d+)", path.stem) for path in folder.glob(f"{name}_x*.pt"))
        scales = ", ".join(f"x{scale}" for scale in sorted(int(match[1]) for match in found if match)) or "no committed weights"
        model = build_model(name, scale=4)
        conditioning = conditioning_of(model)
        if not any(True for _ in model.parameters()):
            text = "any scale (no weights)"
        elif conditioning == "degradation_vector":
            text = f"{scales}; non-blind: give --kernel-width and --noise"
        elif conditioning == "blind":
            text = scales
        else:
            text = f"{scales}; not for your own images (it is given the true kernel of each test image)"
        lines.append(f"  {name:<20} {text}")
    lines.append("other scales or your own weights: --checkpoint FILE")
    return "\n".join(lines)


_SR_DESCRIPTION = """Super-resolve an LR image, or every image of a folder, with a model (tiled: memory is bounded).

Outputs are PNGs. A folder input gives a folder of PNGs named after the inputs without their
extension (photo.jpg -> OUTPUT/photo.png); inputs whose names differ only in the extension
(x.jpg, x.png) are refused, naming them. dynsr never overwrites an input: an OUTPUT that is an input,
or the input folder itself (also through links or ..), is refused. Existing outputs are kept:
the command is refused unless --overwrite is given. Nothing is written unless every input was read
and checked first; each output appears complete or not at all."""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dynsr", description="Dynamic-convolution super-resolution, reproduced (UDVD, DMSR, GLDFN, DASR, ArcSR).")
    commands = parser.add_subparsers(dest="command", required=True)

    reproduce = commands.add_parser("reproduce", help="run the notebooks with papermill and write every table and figure")
    reproduce.add_argument("--profile", choices=list(PROFILES), default="cpu", help="run profile (default: cpu, the committed results)")
    reproduce.add_argument("--paper", help="run only this paper's notebooks (a folder of notebooks/: baselines, udvd, dasr, ...)")
    reproduce.add_argument("--only", help="run only notebooks whose file name contains this text (e.g. 00, table2)")
    reproduce.add_argument("--progress", action="store_true", help="show progress bars inside the notebooks")
    reproduce.add_argument("--retrain", action="store_true", help="train every model again instead of using the committed weights (hours on 2 cores; resumable)")
    reproduce.add_argument("--train-missing", action="store_true",
                           help="train the cpu weights that are not committed (hours on 2 cores; resumable); without it, a notebook that needs them is "
                                "skipped and named")
    reproduce.add_argument("--recompute", action="store_true",
                           help="score every cell from the weights instead of reusing the stored per-image scores (hours on 2 cores)")
    reproduce.add_argument("--device", default="cpu",
                           help="where the notebooks run the models they score: cpu (default), cuda[:N] or auto (float32, TF32 off: dynsr.devices)")
    reproduce.set_defaults(handler=_reproduce)

    figures = commands.add_parser("figures", help="redraw every figure drawn from a written table (gap plots, heat-maps), in seconds")
    figures.add_argument("--profile", choices=list(PROFILES), default="cpu", help="whose results (default: cpu, the committed ones)")
    figures.set_defaults(handler=_figures)

    sr = commands.add_parser("sr", help="super-resolve your own LR image or folder (no HR needed)", description=_SR_DESCRIPTION,
                             epilog_from=_models_and_weights, formatter_class=argparse.RawDescriptionHelpFormatter)
    sr.add_argument("input", help="an LR image (PNG/JPEG/BMP, RGB or gray, 8-bit) or a folder of them")
    sr.add_argument("output", help="output PNG, or a folder (created) for a folder input")
    sr.add_argument("--model", required=True, help="model name (listed below)")
    sr.add_argument("--scale", type=_integer(1), required=True, help="super-resolution factor (listed below)")
    sr.add_argument("--checkpoint", help="weights (default: the committed cpu weights results/checkpoints/<model>_x<scale>.pt)")
    sr.add_argument("--kernel-width", type=_number(0, 10), help="non-blind models: Gaussian blur width of the input (HR pixels, 0-10; 0 = none; trained on 0.2-3)")
    sr.add_argument("--noise", type=_noise_level, help="non-blind models: noise level of the input (0-255), or auto: each image's own "
                                                       "estimate (Immerkaer's estimator; it reads texture as some noise)")
    sr.add_argument("--tile", type=_integer(1), help="LR tile side; memory is bounded by the tile (default: per model, the smallest tile whose "
                    "overlap adds at most 25%% work, capped so that a pass holds at most 2 GiB of tensors; the whole image when smaller)")
    sr.add_argument("--quiet", action="store_true", help="no progress bar (it is also off when stderr is not a terminal)")
    sr.add_argument("--device", default="auto", help="auto (GPU if present), cpu or cuda[:N]")
    sr.add_argument("--overwrite", action="store_true", help="replace existing outputs (never an input)")
    sr.set_defaults(handler=_sr)

    evaluation = commands.add_parser("eval", help="score a model on a paper's test table; prints and writes the scores")
    evaluation.add_argument("--model", required=True, help="model name (e.g. srmd)")
    evaluation.add_argument("--scale", type=_integer(1), required=True, help="super-resolution factor")
    evaluation.add_argument("--table", required=True, help="test table, e.g. udvd_table2 (every paper's: dynsr.papers.test_tables)")
    evaluation.add_argument("--datasets", nargs="*", help="only these data sets (default: the table's)")
    evaluation.add_argument("--checkpoint", help="weights (default: the committed cpu weights)")
    evaluation.add_argument("--limit", type=_integer(1), help="first N images per set (N >= 1; default: all)")
    evaluation.add_argument("--output", help="CSV of per-image scores")
    evaluation.set_defaults(handler=_eval)

    training = commands.add_parser("train", help="train a model with a profile's recipe (resumes an interrupted run)")
    training.add_argument("--model", required=True, help="model name (e.g. srmd, srmdnf)")
    training.add_argument("--scale", type=_integer(1), required=True, help="super-resolution factor")
    training.add_argument("--profile", choices=list(PROFILES), default="cpu", help="recipe profile (default: cpu)")
    training.add_argument("--seed", type=_integer(0, 2**32 - 1), default=0, help="seed of the initialisation and of every training sample (0 to 2**32 - 1)")
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


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt, like Ctrl-C, so clean-up code runs (temporary files, papermill's kernel)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command. Exit codes: 0 done, 2 usage error (nothing written), 1 failure during the work, 130 interrupted."""
    arguments = build_parser().parse_args(argv)
    try:
        with _sigterm_as_interrupt():
            return arguments.handler(arguments)
    except KeyboardInterrupt:
        resume = " (run the same command to resume from the last checkpoint)" if arguments.command == "train" else ""
        print(f"\n[dynsr {arguments.command}] interrupted: finished outputs are kept, nothing is half-written{resume}", file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
