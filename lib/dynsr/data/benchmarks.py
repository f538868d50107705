"""Benchmark HR images (Set5, Set14, BSD100, Urban100), the sharp frames of real blur/sharp pairs (GoPro, REDS) and other
image folders of the data root."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dynsr.data.images import GrayscaleImageWarning, load_rgb
from dynsr.data.root import dataset_dir

__all__ = ["BENCHMARKS", "NamedImage", "load_image_folder", "load_benchmark", "benchmark_names", "cropped_name", "uncropped_name", "PAIRED_SETS", "paired_frame"]

BENCHMARKS = ("Set5", "Set14", "BSD100", "Urban100")
PAIRED_SETS: dict[str, str] = {"GoPro": "GoProBlur", "REDS": "REDSBlur"}
"""Test sets of real pairs: the sharp frames (the HR images) → the set of their blurred frames, same names."""
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
_CROP_MARK = "@c"  # a central crop of an image is named <name>@c<side> (dynsr.evaluate.center_crop)


@dataclass(frozen=True)
class NamedImage:
    """An RGB uint8 image ``(H, W, 3)`` with its file stem; ``was_grayscale`` if channels were replicated."""

    name: str
    pixels: np.ndarray
    was_grayscale: bool = False


def _sort_key(path: Path) -> tuple[int, int | str]:
    # BSD100 files are numeric ids: sort them numerically (the SelfExSR img_001..img_100 order).
    return (0, int(path.stem)) if path.stem.isdigit() else (1, path.stem)


def _image_paths(folder: Path) -> list[Path]:
    """The image files of a folder in dynsr's fixed order."""
    return sorted((p for p in folder.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES), key=_sort_key)


def cropped_name(name: str, side: int) -> str:
    """The name of the central ``side`` x ``side`` crop of image ``name``."""
    return f"{name}{_CROP_MARK}{side}"


def uncropped_name(name: str) -> str:
    """The name of the image a crop was taken from (:func:`cropped_name`); a whole image's name unchanged."""
    return name.partition(_CROP_MARK)[0]


def load_image_folder(folder: Path, *, limit: int | None = None) -> list[NamedImage]:
    """The image files of a folder (the first ``limit`` in sorted order) as RGB uint8, grayscale replicated."""
    images = []
    for path in _image_paths(folder)[:limit]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", GrayscaleImageWarning)
            pixels = load_rgb(path, allow_grayscale=True)
        images.append(NamedImage(path.stem, pixels, was_grayscale=any(issubclass(w.category, GrayscaleImageWarning) for w in caught)))
    return images


def load_benchmark(name: str, *, limit: int | None = None) -> list[NamedImage]:
    """HR images of a benchmark set, in a fixed order (numeric ids for BSD100, else by name).

    Grayscale images (Set14 ``bridge``) are replicated to 3 channels, as the papers' evaluation
    code does; ``NamedImage.was_grayscale`` records it. ``limit`` keeps the first images only
    (for the ``smoke`` profile).
    """
    return load_image_folder(_benchmark_dir(name), limit=limit)


def benchmark_names(name: str) -> list[str]:
    """The image names (file stems) of a benchmark set in :func:`load_benchmark`'s order, without reading the images."""
    return [path.stem for path in _image_paths(_benchmark_dir(name))]


def _benchmark_dir(name: str) -> Path:
    if name not in BENCHMARKS and name not in PAIRED_SETS:
        raise KeyError(f"unknown benchmark {name!r}; known: {', '.join((*BENCHMARKS, *PAIRED_SETS))}")
    return dataset_dir(name)


def paired_frame(image: NamedImage, source: str) -> NamedImage:
    """The image of data set ``source`` with ``image``'s name (a crop's: the image it was cut from), cut to ``image``'s
    central region when ``image`` is a central crop (:func:`dynsr.evaluate.center_crop`'s offsets)."""
    name = uncropped_name(image.name)
    path = next((p for p in _image_paths(dataset_dir(source)) if p.stem == name), None)
    if path is None:
        raise KeyError(f"data set {source} has no image {name!r}")
    pixels = load_rgb(path)
    if pixels.shape[:2] != image.pixels.shape[:2]:
        height, width = image.pixels.shape[:2]
        top, left = (pixels.shape[0] - height) // 2, (pixels.shape[1] - width) // 2
        pixels = pixels[top : top + height, left : left + width]  # (height, width, 3), the same central region
    return NamedImage(image.name, np.ascontiguousarray(pixels), image.was_grayscale)
