"""Kernel galleries of every paper's test kernels (each paper's ``PaperSpec.kernel_gallery``) and of the motion kernels, and example
degradations (notebook 00)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dynsr.data.benchmarks import load_benchmark
from dynsr.data.images import modcrop
from dynsr.degradations.motion import load_levin_kernels, load_usrnet_kernels, random_motion_kernel
from dynsr.degradations.pipelines import AnisotropicGaussianKernel, Degradation, GaussianKernel, degrade, image_noise_rng
from dynsr.degradations.spatial import LinearRamp, SpatiallyVaryingDegradation, degrade_spatially_varying
from dynsr.papers import PAPERS
from dynsr.plots import image_grid, kernel_gallery, save_figure

__all__ = ["kernel_galleries", "degradation_examples"]


def kernel_galleries(folder: Path) -> list[Path]:
    """One gallery per paper's test kernels, as PNGs in ``folder``; returns their paths."""
    paths = []
    for paper in PAPERS.values():
        if paper.kernel_gallery is not None:
            gallery = paper.kernel_gallery()
            figure = kernel_gallery(gallery.kernels, gallery.labels, title=gallery.title, columns=gallery.columns)
            paths.append(save_figure(figure, folder / gallery.file_name))

    levin, usrnet = load_levin_kernels(), load_usrnet_kernels()
    rng = np.random.default_rng(0)
    motion = [random_motion_kernel(21, rng=rng) for _ in range(8)]
    kernels = levin + usrnet + motion
    labels = [f"Levin #{i}" for i in range(1, 9)] + [f"USRNet #{i}" for i in range(1, 13)] + [f"random #{i}" for i in range(1, 9)]
    paths.append(save_figure(kernel_gallery(kernels, labels, title="Motion kernels: Levin et al. 2009, USRNet's 12, random camera trajectories (21x21, seed 0)"), folder / "kernels_motion.png"))
    return paths


def degradation_examples(folder: Path, *, dataset: str = "Set5", image_index: int = 2) -> Path:
    """One HR image under a degradation of each paper (LR enlarged by pixel repetition), as a PNG in ``folder``."""
    image = load_benchmark(dataset, limit=image_index + 1)[image_index]
    examples: list[tuple[str, np.ndarray, int]] = []
    for label, degradation in (
        ("DASR x4, σ=2.4", Degradation(scale=4, kernel=GaussianKernel(2.4, 21), padding="reflect", quantize=True)),
        ("DASR x4, T3 K6, noise 10", Degradation(scale=4, kernel=AnisotropicGaussianKernel(4.0, 1.5, 120.0, 21, "std"), noise=10.0, padding="reflect", quantize=True)),
        ("UDVD x3, width 2.6, noise 50", Degradation(scale=3, kernel=GaussianKernel(2.6, 15), noise=50.0, padding="replicate")),
        ("GLDFN x4, Gaussian 8 σ=3.2", Degradation(scale=4, kernel=GaussianKernel(3.2, 21), padding="reflect", clip=True)),
    ):
        hr = modcrop(image.pixels, degradation.scale)
        examples.append((label, degrade(hr, degradation, rng=image_noise_rng(degradation, image.name)), degradation.scale))
    varying = SpatiallyVaryingDegradation(scale=2, width=LinearRamp(0.2, 2.0), noise=LinearRamp(5.0, 50.0))
    lr, _, _ = degrade_spatially_varying(modcrop(image.pixels, 2), varying, rng=np.random.default_rng(0))
    examples.append(("UDVD Table 3 x2: width 0.2→2, noise 5→50 (left→right)", lr, 2))
    images = [image.pixels] + [np.repeat(np.repeat(np.clip(lr, 0, 1), s, axis=0), s, axis=1) for _, lr, s in examples]
    labels = [f"{dataset} {image.name} (HR)"] + [label for label, _, _ in examples]
    return save_figure(image_grid(images, labels, title="Example degradations (LR shown enlarged by pixel repetition)", columns=3), folder / "degradation_examples.png")
