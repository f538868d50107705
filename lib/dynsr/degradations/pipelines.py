"""Degradations as data, and the named pipelines that apply them.

Every paper's Eq. 1 is ``y = (x ⊗ k)↓s + n``; they differ in the order of operations, the
downsampler, the boundary handling and what happens after the noise. A :class:`Degradation` records
all of it, so a test set is a list of records that can be printed, hashed (for the LR cache) and
saved beside results. :func:`degrade` applies one record to an HR image.

Named orders (``Degradation.order``):

* ``"blur_bicubic_noise"``: blur, MATLAB bicubic ``imresize(1/s)``, AWGN. SRMD, UDVD (Eq. 1),
  DMSR (Eq. 1), DASR (Eq. 1, "following [42, 12]"), GLDFN setting 1 via DCLS, ArcSR (GoPro).
* ``"blur_subsample_noise"``: blur, direct s-fold subsampling ``x[::s, ::s]`` (from offset 0),
  AWGN. KAIR's ``classical_degradation``; DIV2KRK (KernelGAN, GLDFN setting 2) and DMBSR (GLDFN
  setting 3).

:class:`PerImageKernel` is a :class:`Degradation` whose kernel depends on the image (DIV2KRK: image i has its own
kernel i); :meth:`PerImageKernel.for_image` gives the one record of an image. :class:`PairedFrame` degrades another frame of the
same scene instead of the HR image (real blur/sharp pairs: the LR of the blurred frame, scored against the sharp one).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Literal

import numpy as np

from dynsr.data.benchmarks import uncropped_name
from dynsr.degradations.bicubic import matlab_bicubic_resize
from dynsr.degradations.blur import PaddingMode, blur
from dynsr.degradations.kernels import AnisotropicConvention, anisotropic_gaussian_kernel, isotropic_gaussian_kernel
from dynsr.degradations.noise import add_gaussian_noise, clip_unit, quantize

if TYPE_CHECKING:
    from dynsr.degradations.regions import RegionBlurDegradation
    from dynsr.degradations.spatial import SpatiallyVaryingDegradation

__all__ = [
    "GaussianKernel",
    "AnisotropicGaussianKernel",
    "FileKernel",
    "KernelSpec",
    "Order",
    "Degradation",
    "PerImageKernel",
    "PairedFrame",
    "degrade",
    "image_noise_rng",
]

Order = Literal["blur_bicubic_noise", "blur_subsample_noise"]


def _coerce(record: object, kind: type, *names: str) -> None:
    """Store numeric fields of a frozen record as plain ``int``/``float`` so that equal records
    (``noise=15`` and ``noise=15.0``, numpy scalars) have equal :meth:`Degradation.key`."""
    for name in names:
        value = getattr(record, name)
        if kind is int and int(value) != value:
            raise ValueError(f"{name} must be an integer, got {value}")
        object.__setattr__(record, name, kind(value))


@dataclass(frozen=True)
class GaussianKernel:
    """Isotropic Gaussian of standard deviation ``sigma`` on a ``size`` x ``size`` grid."""

    sigma: float
    size: int
    kind: Literal["gaussian"] = "gaussian"

    def __post_init__(self) -> None:
        _coerce(self, float, "sigma")
        _coerce(self, int, "size")

    def build(self) -> np.ndarray:
        return isotropic_gaussian_kernel(self.size, self.sigma)

    @property
    def label(self) -> str:
        return f"σ={self.sigma:g}"


@dataclass(frozen=True)
class AnisotropicGaussianKernel:
    """Anisotropic Gaussian; ``theta_degrees`` of the first axis; see kernels.py for ``convention``."""

    lambda1: float
    lambda2: float
    theta_degrees: float
    size: int
    convention: AnisotropicConvention
    kind: Literal["anisotropic_gaussian"] = "anisotropic_gaussian"

    def __post_init__(self) -> None:
        _coerce(self, float, "lambda1", "lambda2", "theta_degrees")
        _coerce(self, int, "size")

    def build(self) -> np.ndarray:
        return anisotropic_gaussian_kernel(
            self.size,
            lambda1=self.lambda1,
            lambda2=self.lambda2,
            theta=np.deg2rad(self.theta_degrees),
            convention=self.convention,
        )

    @property
    def label(self) -> str:
        return f"λ=({self.lambda1:g},{self.lambda2:g}) θ={self.theta_degrees:g}°"


@dataclass(frozen=True)
class FileKernel:
    """A kernel from the shared kernel files: ``source`` in levin | usrnet | div2krk_x2 | div2krk_x4.

    ``index`` is 1-based, as the files number them.
    """

    source: Literal["levin", "usrnet", "div2krk_x2", "div2krk_x4"]
    index: int
    kind: Literal["file"] = "file"

    def __post_init__(self) -> None:
        _coerce(self, int, "index")

    def build(self) -> np.ndarray:
        from dynsr.degradations import motion  # imported here: it reads the data root

        if self.source == "levin":
            return motion.load_levin_kernels()[self.index - 1]
        if self.source == "usrnet":
            return motion.load_usrnet_kernels()[self.index - 1]
        if self.source in ("div2krk_x2", "div2krk_x4"):
            return motion.load_div2krk_kernel(self.index, int(self.source[-1]))
        raise ValueError(f"unknown kernel source {self.source!r}")

    @property
    def label(self) -> str:
        return f"{self.source}#{self.index}"


KernelSpec = GaussianKernel | AnisotropicGaussianKernel | FileKernel


@dataclass(frozen=True)
class Degradation:
    """One degradation ``y = (x ⊗ k)↓s + n`` with every choice that changes the numbers.

    Attributes:
        scale: the downsampling factor s.
        kernel: the blur kernel, or None for no blur ("kernel width 0" in DASR Table 2, BI in UDVD).
        noise: AWGN level σ on the 0-255 scale.
        order: the named pipeline (module docstring).
        padding: blur boundary handling (see :mod:`dynsr.degradations.blur`).
        clip: clip the noisy LR to [0, 1].
        quantize: round the noisy LR to 8-bit levels (implies clipping), as DASR's code does.
        noise_seed: base seed; each image's noise generator is seeded with (noise_seed, image name).
        flip_kernel: convolve (flip the kernel) instead of correlating; see :mod:`dynsr.degradations.blur`.
    """

    scale: int
    kernel: KernelSpec | None = None
    noise: float = 0.0
    order: Order = "blur_bicubic_noise"
    padding: PaddingMode = "replicate"
    clip: bool = False
    quantize: bool = False
    noise_seed: int = 0
    flip_kernel: bool = False

    def __post_init__(self) -> None:
        if int(self.scale) != self.scale or self.scale < 1:
            raise ValueError(f"scale must be a positive integer, got {self.scale}")
        _coerce(self, int, "scale", "noise_seed")
        _coerce(self, float, "noise")
        if self.noise < 0:
            raise ValueError(f"noise level must be non-negative, got {self.noise}")
        if self.order not in ("blur_bicubic_noise", "blur_subsample_noise"):
            raise ValueError(f"unknown order {self.order!r}; use 'blur_bicubic_noise' or 'blur_subsample_noise'")

    def to_dict(self) -> dict:
        return asdict(self)

    def key(self) -> str:
        """A short stable hash of every field, for cache folder names."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:16]

    @property
    def label(self) -> str:
        kernel = "no blur" if self.kernel is None else self.kernel.label
        return f"x{self.scale}, {kernel}, noise {self.noise:g}"


@dataclass(frozen=True, kw_only=True)
class PerImageKernel:
    """A degradation whose blur kernel is the image's own: ``base`` (its ``kernel`` None) with the kernel that
    ``kernels`` pairs with the image's name, ``(name, kernel)`` per image of the set.

    A central crop of an image (:func:`dynsr.data.benchmarks.cropped_name`, the ``smoke`` profile) takes the image's kernel.
    """

    base: Degradation
    kernels: tuple[tuple[str, KernelSpec], ...]

    def __post_init__(self) -> None:
        if self.base.kernel is not None:
            raise ValueError(f"the base of a per-image kernel degradation has no kernel of its own; got {self.base.kernel.label}")
        names = [name for name, _ in self.kernels]
        if len(set(names)) != len(names):
            raise ValueError("each image has one kernel; some names appear twice")

    @property
    def scale(self) -> int:
        return self.base.scale

    def for_image(self, name: str) -> Degradation:
        """The degradation of image ``name`` (or of a crop of it)."""
        source = uncropped_name(name)
        kernel = dict(self.kernels).get(source)
        if kernel is None:
            raise KeyError(f"no kernel for image {source!r}; this degradation covers {len(self.kernels)} named images")
        return replace(self.base, kernel=kernel)

    def key(self) -> str:
        """A short stable hash of the base and every (image, kernel) pair (in name order: the pairs are a mapping), for cache
        folder and score keys."""
        fields = {"base": asdict(self.base), "kernels": [[name, asdict(kernel)] for name, kernel in sorted(self.kernels, key=lambda pair: pair[0])]}
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True, kw_only=True)
class PairedFrame:
    """``degradation`` applied to the same-named image of the data set ``source`` instead of the HR image: the LR of a real
    blurred frame (``source``, e.g. ``"GoProBlur"``) scored against its sharp frame (the HR set, e.g. ``"GoPro"``).

    A central crop of the HR image (the ``smoke`` profile) takes the same central crop of the source frame.
    """

    source: str
    degradation: Degradation

    @property
    def scale(self) -> int:
        return self.degradation.scale

    @property
    def kernel(self) -> None:
        """No synthetic kernel: the blur is the source frame's own."""
        return None

    @property
    def noise(self) -> float:
        return self.degradation.noise

    @property
    def noise_seed(self) -> int:
        return self.degradation.noise_seed

    def key(self) -> str:
        """A short stable hash of the source set and the degradation, for cache folder and score keys."""
        fields = {"source": self.source, "degradation": asdict(self.degradation)}
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:16]


def image_noise_rng(degradation: Degradation | SpatiallyVaryingDegradation | RegionBlurDegradation, image_name: str) -> np.random.Generator:
    """The noise generator of one test image: seeded with ``(noise_seed, crc32(image_name))``."""
    return np.random.default_rng([degradation.noise_seed, zlib.crc32(image_name.encode("utf-8"))])


def degrade(hr: np.ndarray, degradation: Degradation, *, rng: np.random.Generator | None = None) -> np.ndarray:
    """Apply a degradation to an HR image and return the LR image, float64 ``(h, w, C)``.

    Args:
        hr: ``uint8`` (converted with ``/ 255``) or float in [0, 1], ``(H, W, C)``, already
            modcropped to a multiple of the scale if the LR size must be exactly ``H / s``.
        degradation: what to do.
        rng: the noise generator; required when ``degradation.noise > 0``.
    """
    hr = np.asarray(hr)
    x = hr.astype(np.float64) / 255.0 if hr.dtype == np.uint8 else hr.astype(np.float64)
    if degradation.kernel is not None:
        x = blur(x, degradation.kernel.build(), padding=degradation.padding, flip=degradation.flip_kernel)
    if degradation.order == "blur_bicubic_noise":
        x = matlab_bicubic_resize(x, 1.0 / degradation.scale)
    else:
        x = np.ascontiguousarray(x[:: degradation.scale, :: degradation.scale])
    if degradation.noise > 0:
        if rng is None:
            raise ValueError("this degradation adds noise: pass rng (e.g. image_noise_rng(degradation, name))")
        x = add_gaussian_noise(x, degradation.noise, rng=rng)
    if degradation.quantize:
        x = quantize(x)
    elif degradation.clip:
        x = clip_unit(x)
    return x
