"""Degradations: ``y = (x ⊗ k)↓s + n`` in every variant the five papers use.

Modules: :mod:`~dynsr.degradations.bicubic` (MATLAB-exact ``imresize``), :mod:`~.kernels`
(Gaussian kernels, both anisotropic conventions), :mod:`~.motion` (random-trajectory motion blur;
Levin, USRNet and DIV2KRK kernel files), :mod:`~.pca` (SRMD/UDVD kernel PCA codes), :mod:`~.blur`,
:mod:`~.noise`, :mod:`~.differentiable` (a per-sample blur and MATLAB bicubic with gradients, inside a
loss), :mod:`~.pipelines` (degradations as data, named orders), :mod:`~.spatial`
(spatially varying blur and noise), :mod:`~.regions` (region-wise blur and noise after DMBSR: GLDFN setting 3),
:mod:`~.testsets` (each paper's test settings), :mod:`~.ikc` (IKC's Gaussian8 LR images, PIL-made, for GLDFN
Table II's Bicubic rows only; docs/decisions/gldfn.md, G1).
"""

from dynsr.degradations.bicubic import matlab_bicubic_resize
from dynsr.degradations.blur import blur
from dynsr.degradations.kernels import anisotropic_gaussian_kernel, isotropic_gaussian_kernel
from dynsr.degradations.noise import add_gaussian_noise, quantize
from dynsr.degradations.pipelines import AnisotropicGaussianKernel, Degradation, FileKernel, GaussianKernel, degrade, image_noise_rng

__all__ = [
    "matlab_bicubic_resize",
    "blur",
    "isotropic_gaussian_kernel",
    "anisotropic_gaussian_kernel",
    "add_gaussian_noise",
    "quantize",
    "Degradation",
    "GaussianKernel",
    "AnisotropicGaussianKernel",
    "FileKernel",
    "degrade",
    "image_noise_rng",
]
