"""Reading and writing images as RGB uint8 arrays, and ``modcrop``.

dynsr's image convention: a numpy ``uint8`` array ``(H, W, 3)`` in RGB order for files, and float64
in [0, 1] (MATLAB ``im2double``) inside the degradation pipelines. Anything that is not plainly an
8-bit RGB image is refused with an error that says what it is and what to do, rather than silently
reinterpreted: RGBA (the alpha would be dropped), 16-bit (the scale would change), palette images
(the palette would need resolving), corrupt or non-image files.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from dynsr.fileio import atomic_path

__all__ = [
    "ImageFormatError",
    "GrayscaleImageWarning",
    "load_rgb",
    "image_size",
    "save_rgb",
    "modcrop",
    "check_size_for_scale",
]


class ImageFormatError(ValueError):
    """An image file that dynsr cannot use as an 8-bit RGB image."""


class GrayscaleImageWarning(UserWarning):
    """A grayscale image was replicated into three identical RGB channels."""


def load_rgb(path: str | os.PathLike[str], *, allow_grayscale: bool = False) -> np.ndarray:
    """Load an image file as an RGB ``uint8`` array of shape ``(H, W, 3)``.

    Args:
        path: the image file (PNG, JPEG, BMP, ... anything Pillow decodes).
        allow_grayscale: replicate an 8-bit grayscale image into three channels, with a
            :class:`GrayscaleImageWarning` (Set14's ``bridge.png`` is grayscale and every paper
            evaluates it this way). Without it, a grayscale file is an error.

    Raises:
        FileNotFoundError: the file does not exist.
        ImageFormatError: not an image, corrupt, RGBA, 16-bit (also 16-bit RGB, which Pillow would
            silently cut to its high bytes), palette, CMYK or another mode, or a header claiming more
            pixels than Pillow's decompression-bomb limit.
    """
    path = Path(path)
    with _opened(path) as image:
        mode = _stored_mode(image)
        try:
            image.load()
        except (OSError, SyntaxError) as error:
            raise ImageFormatError(_unreadable(path, error)) from error
        if mode == "RGB":
            return np.asarray(image, dtype=np.uint8).copy()
        if mode == "L":
            if not allow_grayscale:
                raise ImageFormatError(
                    f"{path} is an 8-bit grayscale image; dynsr models take RGB. Convert it to RGB "
                    "(e.g. PIL: Image.open(p).convert('RGB')) or pass allow_grayscale=True to "
                    "replicate the channel."
                )
            warnings.warn(f"{path} is grayscale; replicating it into 3 RGB channels", GrayscaleImageWarning, stacklevel=2)
            gray = np.asarray(image, dtype=np.uint8)
            return np.repeat(gray[:, :, None], 3, axis=2)
    raise ImageFormatError(_mode_advice(path, mode))


def image_size(path: str | os.PathLike[str]) -> tuple[int, int]:
    """``(height, width)`` of an image file, read from its header without decoding the pixels.

    Raises the errors of :func:`load_rgb` for files it cannot open (not the ones found only by decoding).
    """
    with _opened(Path(path)) as image:
        return image.height, image.width


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[Image.Image]:
    """``Image.open`` (header only), every failure as :class:`ImageFormatError` naming the file."""
    if not path.is_file():
        raise FileNotFoundError(f"no image file at {path}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # sizes up to the hard limit are the caller's call
            image = Image.open(path)
    except Image.DecompressionBombError as error:
        raise ImageFormatError(f"{path} claims more pixels than dynsr opens ({error}); a genuine image this large must be cut into parts first") from None
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ImageFormatError(_unreadable(path, error)) from error
    with image:
        yield image


def _unreadable(path: Path, error: Exception) -> str:
    return f"{path} is not a readable image file ({error}); check that it is a PNG/JPEG/BMP and not truncated"


def _stored_mode(image: Image.Image) -> str:
    """The mode as stored in the file: Pillow opens 16-bit RGB PNG/TIFF as ``RGB`` (keeping the high bytes);
    their raw mode (e.g. ``RGB;16B``) tells. Returns ``RGB;16`` for them, else ``image.mode``."""
    raw_modes = [tile.args if isinstance(tile.args, str) else tile.args[0] if tile.args else "" for tile in image.tile]
    if image.mode == "RGB" and any(";16" in str(raw) for raw in raw_modes):
        return "RGB;16"
    return image.mode


def _mode_advice(path: Path, mode: str) -> str:
    if mode in ("RGBA", "LA", "PA"):
        return (
            f"{path} has an alpha channel (mode {mode}); dynsr will not guess how to composite it. "
            "Flatten it onto a background and save as RGB, e.g. Image.alpha_composite or .convert('RGB')."
        )
    if mode in ("I;16", "I;16B", "I;16L", "I", "F", "RGB;16"):
        return (
            f"{path} is a {mode} image (16-bit or wider); dynsr evaluates 8-bit images as the papers do. "
            "Convert it to 8-bit RGB first, choosing the intensity mapping yourself."
        )
    if mode == "P":
        return f"{path} is a palette image (mode P); convert it to RGB first, e.g. Image.open(p).convert('RGB')."
    if mode == "1":
        return f"{path} is a 1-bit image; convert it to RGB first."
    return f"{path} has mode {mode}; dynsr needs 8-bit RGB. Convert it, e.g. Image.open(p).convert('RGB')."


def save_rgb(path: str | os.PathLike[str], image: np.ndarray) -> None:
    """Save an RGB ``uint8`` array ``(H, W, 3)`` (or grayscale ``(H, W)``) atomically; format from the suffix."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise TypeError(f"save_rgb writes uint8 images; got {image.dtype}. Quantise first (dynsr.degradations.quantize).")
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)):
        raise ValueError(f"expected (H, W, 3) or (H, W); got shape {image.shape}")
    path = Path(path)
    image_format = Image.registered_extensions().get(path.suffix.lower())
    if image_format is None:
        raise ValueError(f"cannot tell the image format from the file name {path.name!r}; use .png")
    with atomic_path(path) as temporary:
        Image.fromarray(image).save(temporary, format=image_format)


def modcrop(image: np.ndarray, scale: int) -> np.ndarray:
    """Crop the bottom and right edges so that height and width are multiples of ``scale``.

    Works on ``(H, W)`` and ``(H, W, C)`` arrays, as MATLAB's ``modcrop`` in SRMD/BasicSR scripts.
    """
    if int(scale) != scale or scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale}")
    scale = int(scale)
    height = image.shape[0] - image.shape[0] % scale
    width = image.shape[1] - image.shape[1] % scale
    check_size_for_scale(image.shape[:2], scale)
    return image[:height, :width]


def check_size_for_scale(shape: tuple[int, int], scale: int, *, min_lr_size: int = 8) -> None:
    """Raise if an HR image of ``shape`` gives an LR image smaller than ``min_lr_size`` pixels a side."""
    height, width = shape
    if height // scale < min_lr_size or width // scale < min_lr_size:
        raise ImageFormatError(
            f"an image of {height}x{width} pixels is too small for x{scale}: its LR version would be "
            f"{height // scale}x{width // scale}, below the minimum {min_lr_size}x{min_lr_size}. Use a larger image or a smaller scale."
        )
