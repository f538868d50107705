"""Training pairs made on the fly: random HR crops, degraded by the paper's recipe.

Sample ``i`` of a run is a pure function of ``(config.seed, i)``: its generator is
``numpy.random.default_rng([seed, i])``, which picks the image, the crop, the flips/rotation, the
kernel width, the noise level and the noise. Batch ``b`` holds samples ``b·B … b·B + B − 1``. So a
run's data does not depend on the number of data-loading workers, on distributed ranks (each rank
takes its share of the same indices) or on where a run was interrupted: resuming at step ``b`` needs
no sampler state beyond ``b``.

Degradation (UDVD §3.1 Eq. 1 and §4.1; SRMD's ``degradation_model.m``): isotropic Gaussian blur of a
uniform width → MATLAB bicubic downsampling → (optionally) 8-bit quantisation → AWGN of a uniform
level, not clipped. The blur pads the HR *patch* (replicate by default), as SRMD degrades cropped
patches.

With ``config.degradation_targets`` (DMSR, whose L_DR compares the extractor's estimate with the truth;
docs/decisions/dmsr.md, M17) an item also carries its kernel and the noise its LR received, both read off the
degradation it already made.

Training images: ``T91`` and ``BSD200`` (50 images) in the shared data, held in memory; ``DF2K`` (the
papers' DIV2K + Flickr2K, not in the shared data) is read from ``<data root>/DF2K`` per sample.

**DASR** (``config.paired_patches``; DASR §3.2.1, §4.1, the official code's order; docs/decisions/dasr.md, D6-D9, D14): sample
``i`` is training *image* draw ``i``, still a pure function of ``(seed, i)``. From one generator, in this
order: the image; two independent HR crops of ``scale · lr_patch`` (the query and the positive key);
one flip/flip/transpose draw applied to both crops (the same as augmenting the image before cropping:
the eight flips/rotations map the square crop windows of an image onto those of the augmented image,
so both crop positions stay uniform); one kernel shared by both patches; one noise level; then each
patch is blurred (``blur_padding``, DASR: reflect), MATLAB-bicubic downsampled, given i.i.d. Gaussian
noise per pixel and channel (drawn from the same generator, query first) and, with
``quantize_after_noise``, rounded and clipped to 8 bits. The kernel is

* ``kernel_type="isotropic"`` (setting 1): σ ~ U(``width_range``); the paper's ranges are [0.2, 2.0] /
  [0.2, 3.0] / [0.2, 4.0] for ×2 / ×3 / ×4 (the official ``main.sh`` trains ×2 with σ_max = 4.0, a
  discrepancy with the paper; the recipes follow the paper);
* ``kernel_type="anisotropic"`` (setting 2): λ1, λ2 ~ U(``lambda_range``) independently, θ ~ U(0, π),
  Σ = R(θ) diag(λ1², λ2²) R(θ)ᵀ with ``anisotropic_convention="std"`` (the official code squares λ: they
  are standard deviations, not the eigenvalues the paper names) or diag(λ1, λ2) with ``"variance"``;
* ``kernel_type="none"``: the centred delta (no blur, bicubic downsampling only): the bicubic-trained
  control of DASR Table 2's claim;

on a ``kernel_size``² grid (DASR: 21) from :mod:`dynsr.degradations.kernels`. Noise ~ U(``noise_range``)
per image (setting 2: [0, 25]; setting 1: none). The blur pads each *patch* (not the whole image, as
the paper's text would have it): the official code's order, which differs only at patch borders.

**ArcSR** (``kernel_type="motion"``, single patches; docs/decisions/arcsr.md, A14): the real REDS/GoPro frames the
paper trains on (§4.1-4.2) are not available, so the patch is blurred with a synthetic camera-shake kernel instead.
After the crop and the augmentation (``augment_mode="rotations"``: rotations only, §4.2), from the same generator, in
this order: u ~ U[0, 1); if u < ``levin_probability`` one of the 8 Levin et al. kernels (uniform index), else a random
trajectory (:func:`dynsr.degradations.motion.random_motion_kernel` on a ``kernel_size``² support, path length ~
U(``motion_length_range``), its shape parameters drawn by that function); the noise level ~ U(``noise_range``); then the
single-patch pipeline above (blur with ``blur_padding``, in the Fourier domain, MATLAB bicubic, [8-bit], AWGN, [8-bit]).
A Levin kernel is centred in ``kernel_size``² with zero taps (the same blur), so every sample's kernel has one shape. A motion sample
carries no ``kernel_code`` or ``width``: the Gaussian PCA basis does not describe motion kernels, and ArcSR is blind.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from dynsr.data.benchmarks import load_image_folder
from dynsr.data.images import GrayscaleImageWarning, load_rgb
from dynsr.data.root import DATASETS, DataNotFoundError, dataset_dir
from dynsr.degradations.bicubic import matlab_bicubic_resize
from dynsr.degradations.blur import blur
from dynsr.degradations.kernels import delta_kernel, isotropic_gaussian_kernel, sample_anisotropic_gaussian_kernel, sample_isotropic_gaussian_kernel
from dynsr.degradations.motion import load_levin_kernels, random_motion_kernel
from dynsr.degradations.noise import add_gaussian_noise, quantize
from dynsr.degradations.pca import kernel_pca_code, load_pca_basis, pixel_kernel_codes
from dynsr.degradations.spatial import LinearRamp, SpatiallyVaryingDegradation, degradation_maps, degradation_maps_hr, spatially_varying_blur
from dynsr.paths import data_root
from dynsr.training.config import TrainConfig

__all__ = ["TrainingPatches", "DF2K_FOLDER", "batch_indices", "is_df2k_hr_image"]

DF2K_FOLDER = "DF2K"
_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


def batch_indices(step: int, batch_size: int, *, rank: int = 0, world_size: int = 1) -> list[int]:
    """The sample indices of optimiser step ``step`` that process ``rank`` of ``world_size`` computes."""
    if batch_size % world_size:
        raise ValueError(f"batch_size {batch_size} is not divisible by the {world_size} processes")
    first = step * batch_size
    return list(range(first + rank, first + batch_size, world_size))


# The DIV2K and Flickr2K archives hold, beside the HR images, downscaled copies: folders such as
# ``DIV2K_train_LR_bicubic/X2`` or ``Flickr2K_LR_unknown/X4`` and files such as ``0001x2.png`` (about 82 % of
# Flickr2K's files). They are large enough to pass the patch-size check, so they must be excluded by name.
_LR_FOLDER_TOKENS = re.compile(r"(^|[_\-. ])(lr|x[2-8])($|[_\-. ])", re.IGNORECASE)
_LR_FILE_STEM = re.compile(r"x[2-8]$", re.IGNORECASE)


def is_df2k_hr_image(relative: Path) -> bool:
    """Whether a file under ``<data root>/DF2K`` (path relative to it) is an HR training image: an image
    suffix, no folder named as a low-resolution copy (``*_LR_*``, ``X2``-``X8``), no ``x2``-``x8`` stem suffix."""
    if relative.suffix.lower() not in _SUFFIXES or _LR_FILE_STEM.search(relative.stem):
        return False
    return not any(_LR_FOLDER_TOKENS.search(part) for part in relative.parts[:-1])


def _df2k_paths() -> list[Path]:
    folder = data_root() / DF2K_FOLDER
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and is_df2k_hr_image(p.relative_to(folder))) if folder.is_dir() else []
    if not paths:
        raise DataNotFoundError(
            f"no DF2K training images under {folder}; the paper profile trains on DIV2K + Flickr2K: "
            f"run `python scripts/fetch_data.py --only DF2K` and unpack the archives there, or train with "
            f"train_sets=('T91', 'BSD200') (the cpu profile)"
        )
    return paths


class TrainingPatches(Dataset):
    """``dataset[i]`` is the training pair of sample ``i`` (see the module docstring).

    Each item is a dict of float32 tensors: ``lr`` (3, p, p), ``hr`` (3, s·p, s·p), ``kernel_code``
    (t,) = the PCA code of the blur kernel, ``noise`` () on the 0-255 scale, ``width`` () (neither code nor width with
    ``kernel_type="motion"``, ArcSR: module docstring); with
    ``config.degradation_targets`` (DMSR's L_DR) also ``kernel`` (k, k), the blur kernel, and ``noise_map``
    (3, p, p), the noise the LR received (``lr`` minus the LR before the noise; [0, 1] units). They are read off
    the sample's own degradation, so the sample stays a pure function of ``(seed, i)`` and draws nothing more.

    With ``config.paired_patches`` (DASR) an item is one image's pair instead: ``lr``/``hr`` (the query
    patch), ``lr_key``/``hr_key`` (the positive patch, same kernel and noise level), ``kernel``
    (k, k) = the true blur kernel (Model 5's input), ``kernel_params`` (3,) = (λ1, λ2, θ) (isotropic:
    (σ, σ, 0)) and ``noise`` (); no PCA code (DASR's models take none; SRMDNF* on DASR's data is trained without paired patches).
    """

    def __init__(self, config: TrainConfig) -> None:
        self.config = config
        self.hr_patch = config.lr_patch * config.scale
        self.basis = None if config.paired_patches or config.kernel_type == "motion" else load_pca_basis(config.pca_basis)
        self.levin_kernels = self._padded_levin_kernels() if config.kernel_type == "motion" else None
        self._images: list[np.ndarray] | None = None
        self._paths: list[Path] | None = None
        unknown = [name for name in config.train_sets if name != DF2K_FOLDER and name not in DATASETS]
        if unknown:
            raise DataNotFoundError(f"unknown training set(s) {unknown}; use T91, BSD200 or DF2K")
        if DF2K_FOLDER in config.train_sets:
            if len(config.train_sets) > 1:
                raise ValueError("train on DF2K alone (the papers' set) or on the shared sets, not a mix")
            self._paths = _df2k_paths()
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", GrayscaleImageWarning)
                images = [image.pixels for name in config.train_sets for image in load_image_folder(dataset_dir(name))]
            self._images = [image for image in images if min(image.shape[:2]) >= self.hr_patch]
            if not self._images:
                raise ValueError(f"no training image is at least {self.hr_patch}x{self.hr_patch}; lower lr_patch")

    def _padded_levin_kernels(self) -> list[np.ndarray]:
        """The 8 Levin et al. kernels, each centred in ``kernel_size``² with zero taps (each side is odd)."""
        size, kernels = self.config.kernel_size, load_levin_kernels()
        largest = max(kernel.shape[0] for kernel in kernels)
        if largest > size:
            raise ValueError(f"kernel_size={size} cannot hold the {largest}x{largest} Levin kernel; use kernel_size >= {largest}")
        return [np.pad(kernel, (size - kernel.shape[0]) // 2) for kernel in kernels]  # (k0, k0) -> (k, k)

    @property
    def num_images(self) -> int:
        return len(self._images) if self._images is not None else len(self._paths)

    def __len__(self) -> int:
        return self.config.steps * self.config.batch_size

    def _image(self, index: int) -> np.ndarray:
        if self._images is not None:
            return self._images[index]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GrayscaleImageWarning)
            image = load_rgb(self._paths[index], allow_grayscale=True)
        if min(image.shape[:2]) < self.hr_patch:
            raise ValueError(f"training image {self._paths[index]} is smaller than the {self.hr_patch}² HR patch")
        return image

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        if self.config.paired_patches:
            return self._pair(index)
        config = self.config
        rng = np.random.default_rng([config.seed, index])
        image = self._image(int(rng.integers(self.num_images)))
        top = int(rng.integers(image.shape[0] - self.hr_patch + 1))
        left = int(rng.integers(image.shape[1] - self.hr_patch + 1))
        hr = image[top : top + self.hr_patch, left : left + self.hr_patch].astype(np.float64) / 255.0  # (P, P, 3)
        hr = self._augment(hr, rng.integers(2, size=3))
        if config.spatial_variation == "ramp":
            return self._ramp_sample(hr, rng)
        if config.kernel_type == "motion":
            kernel, described = self.sample_motion_kernel(rng), {}
        else:
            width = float(rng.uniform(*config.width_range))
            kernel = isotropic_gaussian_kernel(config.kernel_size, width)
            described = {"kernel_code": torch.from_numpy(kernel_pca_code(kernel, self.basis).astype(np.float32)),
                         "width": torch.tensor(width, dtype=torch.float32)}
        noise = float(rng.uniform(*config.noise_range))
        noise_free, lr = self._degrade(hr, kernel, noise, rng, fft=config.kernel_type == "motion")
        item = {
            "lr": torch.from_numpy(lr.transpose(2, 0, 1).astype(np.float32)),  # (3, p, p)
            "hr": torch.from_numpy(np.ascontiguousarray(hr.transpose(2, 0, 1), dtype=np.float32)),  # (3, s·p, s·p)
            **described,
            "noise": torch.tensor(noise, dtype=torch.float32),
        }
        if config.degradation_targets:
            item["kernel"] = torch.from_numpy(kernel.astype(np.float32))  # (k, k)
            item["noise_map"] = torch.from_numpy((lr - noise_free).transpose(2, 0, 1).astype(np.float32))  # (p, p, 3) -> (3, p, p)
        return item

    def _augment(self, patch: np.ndarray, bits: np.ndarray) -> np.ndarray:
        """The augmentation of a patch (P, P, 3) by three drawn bits (flip rows, flip columns, transpose): with
        ``augment_mode="dihedral"`` all three (the 8 rotations/reflections); with ``"rotations"`` a rotation by
        (2·bit0 + bit1) · 90° (transpose bit unused), never a reflection. Both modes consume the same draws."""
        if not self.config.augment:
            return patch
        flip_rows, flip_columns, transpose = bits
        if self.config.augment_mode == "rotations":
            return np.rot90(patch, k=int(2 * flip_rows + flip_columns), axes=(0, 1))
        patch = patch[::-1] if flip_rows else patch
        patch = patch[:, ::-1] if flip_columns else patch
        return patch.transpose(1, 0, 2) if transpose else patch  # with the flips: all 8 rotations/reflections

    def sample_motion_kernel(self, rng: np.random.Generator) -> np.ndarray:
        """ArcSR's training kernel (``kernel_type="motion"``, module docstring), (``kernel_size``, ``kernel_size``): a Levin
        kernel with probability ``levin_probability``, else a random camera trajectory."""
        config = self.config
        if rng.random() < config.levin_probability:
            return self.levin_kernels[int(rng.integers(len(self.levin_kernels)))]
        length = float(rng.uniform(*config.motion_length_range))
        return random_motion_kernel(config.kernel_size, rng=rng, length=length)

    def _ramp_sample(self, hr: np.ndarray, rng: np.random.Generator) -> dict[str, torch.Tensor]:
        """``spatial_variation="ramp"``: the width and the noise level linear across the patch's columns, each between two
        independent draws (UDVD Table 3's form, :mod:`dynsr.degradations.spatial`); per-pixel maps in the sample."""
        config = self.config
        widths, levels = rng.uniform(*config.width_range, size=2), rng.uniform(*config.noise_range, size=2)
        degradation = SpatiallyVaryingDegradation(scale=config.scale, width=LinearRamp(*map(float, widths)), noise=LinearRamp(*map(float, levels)),
                                                  kernel_size=config.kernel_size, padding=config.blur_padding)
        hr_widths = degradation_maps_hr(degradation, *hr.shape[:2])  # (P, P)
        lr = matlab_bicubic_resize(spatially_varying_blur(np.ascontiguousarray(hr), hr_widths, kernel_size=config.kernel_size,
                                                          padding=config.blur_padding), 1.0 / config.scale)
        if config.quantize_before_noise:
            lr = quantize(lr)
        width_map, noise_map = degradation_maps(degradation, *lr.shape[:2])  # (p, p) each
        lr = lr + (noise_map[:, :, None] / 255.0) * rng.standard_normal(lr.shape)
        if config.quantize_after_noise:
            lr = quantize(lr)
        return {
            "lr": torch.from_numpy(lr.transpose(2, 0, 1).astype(np.float32)),  # (3, p, p)
            "hr": torch.from_numpy(np.ascontiguousarray(hr.transpose(2, 0, 1), dtype=np.float32)),  # (3, s·p, s·p)
            "kernel_code": torch.from_numpy(pixel_kernel_codes(width_map, config.kernel_size, self.basis).astype(np.float32)),  # (t, p, p)
            "noise": torch.from_numpy(noise_map.astype(np.float32)),  # (p, p)
            "width": torch.from_numpy(width_map.astype(np.float32)),  # (p, p)
        }

    def _pair(self, index: int) -> dict[str, torch.Tensor]:
        """DASR: one image, two patches, one kernel and noise level (module docstring)."""
        config, size = self.config, self.hr_patch
        rng = np.random.default_rng([config.seed, index])
        image = self._image(int(rng.integers(self.num_images)))
        crops = []
        for _ in range(2):  # query, then key
            top = int(rng.integers(image.shape[0] - size + 1))
            left = int(rng.integers(image.shape[1] - size + 1))
            crops.append(image[top : top + size, left : left + size].astype(np.float64) / 255.0)  # (P, P, 3)
        bits = rng.integers(2, size=3)
        crops = [self._augment(crop, bits) for crop in crops]
        kernel, parameters = self.sample_kernel(rng)
        noise = float(rng.uniform(*config.noise_range))
        lrs = [self.degrade_patch(crop, kernel, noise, rng) for crop in crops]
        item = {}
        for suffix, hr, lr in zip(("", "_key"), crops, lrs):
            item[f"lr{suffix}"] = torch.from_numpy(lr.transpose(2, 0, 1).astype(np.float32))  # (3, p, p)
            item[f"hr{suffix}"] = torch.from_numpy(np.ascontiguousarray(hr.transpose(2, 0, 1), dtype=np.float32))  # (3, s·p, s·p)
        item["kernel"] = torch.from_numpy(kernel.astype(np.float32))  # (k, k)
        item["kernel_params"] = torch.tensor(parameters, dtype=torch.float32)  # (λ1, λ2, θ)
        item["noise"] = torch.tensor(noise, dtype=torch.float32)
        return item

    def sample_kernel(self, rng: np.random.Generator) -> tuple[np.ndarray, tuple[float, float, float]]:
        """One training kernel (``kernel_type``) and its (λ1, λ2, θ); an isotropic σ is reported as (σ, σ, 0), no blur as
        the centred delta and (0, 0, 0)."""
        config = self.config
        if config.kernel_type == "none":
            return delta_kernel(config.kernel_size), (0.0, 0.0, 0.0)
        if config.kernel_type == "anisotropic":
            return sample_anisotropic_gaussian_kernel(config.kernel_size, lambda_range=config.lambda_range, theta_range=(0.0, np.pi),
                                                      convention=config.anisotropic_convention, rng=rng)
        kernel, sigma = sample_isotropic_gaussian_kernel(config.kernel_size, sigma_range=config.width_range, rng=rng)
        return kernel, (sigma, sigma, 0.0)

    def degrade_patch(self, hr: np.ndarray, kernel: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
        """Blur → MATLAB bicubic ↓ → [8-bit] → AWGN → [8-bit] of one HR patch (P, P, 3) in [0, 1]; returns (p, p, 3)."""
        return self._degrade(hr, kernel, noise, rng)[1]

    def _degrade(self, hr: np.ndarray, kernel: np.ndarray, noise: float, rng: np.random.Generator, *,
                 fft: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`degrade_patch`'s (LR before the noise, LR), each (p, p, 3); ``fft``: blur in the Fourier domain (motion
        kernels: the direct filter's result to about 1e-15, some 100 times faster at 27²)."""
        config = self.config
        noise_free = matlab_bicubic_resize(blur(np.ascontiguousarray(hr), kernel, padding=config.blur_padding, fft=fft), 1.0 / config.scale)
        if config.quantize_before_noise:
            noise_free = quantize(noise_free)
        lr = add_gaussian_noise(noise_free, noise, rng=rng)
        return noise_free, quantize(lr) if config.quantize_after_noise else lr
