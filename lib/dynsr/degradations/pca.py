"""PCA codes of blur kernels: the ``t = 15`` kernel part of SRMD's and UDVD's degradation map.

SRMD (Zhang et al., CVPR 2018, "dimensionality stretching") and UDVD (Xu et al., CVPR 2020, §3.2)
describe a ``15 x 15`` blur kernel ``k`` by the ``t = 15`` coefficients ``P @ vec(k)``, where ``P`` is a
``(15, 225)`` projection with orthonormal rows and ``vec`` is MATLAB's column-major vectorisation
(``k(:)``; ``kernel.flatten(order="F")`` in numpy). The network input is that code, plus the noise level,
replicated over the image.

Two such projections exist as files (``MANIFEST.md``, section ``kernels/``), and they are **different
bases** of nearly the same subspace. Their 15 principal angles have mean squared cosine 0.784, the
manifest's "overlap ≈ 0.78"; see ``tests/test_degradations_pca.py``.

* ``"kair_srmd"``: ``kernels/kair/srmd_pca_matlab.mat`` (key ``P``), which KAIR ``main_test_srmd.py``
  loads to feed the official PyTorch SRMD weights. This is the default.
* ``"srmd_matconvnet"``: ``kernels/srmd/PCA_P.mat`` (key ``P``), which SRMD's MatConvNet training and
  test demos use.

A third file serves DASR's 21×21 kernels. DASR's Table 1 SRMDNF rows sit beside "+ Predictor [12]" (IKC),
so we read them as IKC's setting, where SRMDNF takes a 10-d code of a 21×21 kernel (a reading: DASR does
not say how its SRMDNF was trained):

* ``"ikc_dan"``: ``kernels/pca/dan/IKC/pca_matrix.pth``, a ``(441, 10)`` float32 tensor with orthonormal
  columns (DAN's copy of IKC's basis), applied the PyTorch way, ``kernel.flatten() @ P`` (row-major).
  :func:`load_pca_basis` returns it as the equivalent ``(10, 441)`` projection of the column-major
  ``vec``, so that :func:`kernel_pca_code` serves every basis the same way. IKC fitted it on *centred*
  kernels but encodes without subtracting the mean, so ``Pᵀ P k`` does not reconstruct ``k``; the codes
  still separate kernel widths (``tests/test_degradations_pca.py``).

The same kernel gives different codes under different bases. A network trained with one basis cannot be
fed codes from another. :func:`fit_pca_basis` refits a basis with SRMD's recipe, and that basis is yet
another one, different from every file.

The files hold float32 values. They are returned as float64, with rows orthonormal to about 4e-8. The
two SRMD bases keep their rows in **ascending** eigenvalue order, so the last row is the leading
component (MATLAB ``eig`` in SRMD ``TrainingCodes/kernels/Demo_Get_PCA_matrix.m``; :func:`fit_pca_basis`
keeps it); ``ikc_dan`` is in **descending** order (the first row leads: measured code variances over
isotropic kernels fall from 1.0 to 1e-4 of the first).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.io
import torch

from dynsr.data.root import DataNotFoundError, dataset_dir
from dynsr.degradations.kernels import anisotropic_gaussian_kernel, isotropic_gaussian_kernel

__all__ = ["PCA_BASES", "load_pca_basis", "kernel_pca_code", "pixel_kernel_codes", "row_major_to_matlab_basis", "fit_pca_basis", "pca_basis"]

# Seed of the basis that pca_basis(fallback_fit=True) fits when the file is missing.
_FALLBACK_SEED = 0


@dataclass(frozen=True)
class _BasisFile:
    """Where a stored PCA projection lives: a data set of the data root, a file in it, its layout, and its shape
    (``dim`` codes of ``kernel_size``² kernels). ``matlab``: a ``.mat`` array ``(dim, k²)`` under ``key`` applied to the
    column-major ``vec``; ``torch_rows``: a bare ``.pth`` tensor ``(k², dim)`` applied as ``kernel.flatten() @ P``."""

    dataset: str
    filename: str
    layout: Literal["matlab", "torch_rows"]
    kernel_size: int
    dim: int
    key: str = ""


PCA_BASES: dict[str, _BasisFile] = {
    "kair_srmd": _BasisFile("KAIRKernels", "srmd_pca_matlab.mat", "matlab", 15, 15, key="P"),
    "srmd_matconvnet": _BasisFile("SRMDKernels", "PCA_P.mat", "matlab", 15, 15, key="P"),
    "ikc_dan": _BasisFile("PCABases", "dan/IKC/pca_matrix.pth", "torch_rows", 21, 10),
}


def _basis_file(name: str) -> _BasisFile:
    if name not in PCA_BASES:
        raise KeyError(f"unknown PCA basis {name!r}; known: {', '.join(PCA_BASES)}")
    return PCA_BASES[name]


def load_pca_basis(name: str = "kair_srmd") -> np.ndarray:
    """The stored float64 PCA projection ``(dim, k²)`` of the column-major ``vec`` of ``k x k`` kernels.

    ``name`` is ``"kair_srmd"`` (KAIR ``kernels/srmd_pca_matlab.mat``, the basis of KAIR's PyTorch SRMD
    weights), ``"srmd_matconvnet"`` (SRMD ``TrainingCodes/kernels/PCA_P.mat``), both ``(15, 225)``, or
    ``"ikc_dan"`` (IKC's ``(441, 10)`` row-major basis, returned as ``(10, 441)``). These are different
    bases, so never mix them (see the module docstring). Raises
    :class:`~dynsr.data.root.DataNotFoundError` when the file is missing or corrupt.
    """
    entry = _basis_file(name)
    path = dataset_dir(entry.dataset) / entry.filename
    try:
        if entry.layout == "matlab":
            basis = np.asarray(scipy.io.loadmat(path)[entry.key], dtype=np.float64)
        else:
            basis = row_major_to_matlab_basis(torch.load(path, weights_only=True).double().numpy(), entry.kernel_size)
    except (ValueError, KeyError, AttributeError, RuntimeError) as error:  # a corrupt or foreign file in the right place
        raise DataNotFoundError(f"{path} is not a readable {entry.dim}x{entry.kernel_size ** 2} PCA basis ({error}); re-fetch it (scripts/fetch_data.py)") from error
    if basis.shape != (entry.dim, entry.kernel_size**2):
        raise DataNotFoundError(f"{path} holds a basis of shape {basis.shape}, expected ({entry.dim}, {entry.kernel_size**2}); "
                                "re-fetch it (scripts/fetch_data.py)")
    return np.ascontiguousarray(basis)


def row_major_to_matlab_basis(rows: np.ndarray, side: int) -> np.ndarray:
    """A PyTorch-layout basis ``rows`` (k², dim), applied as ``kernel.flatten() @ rows``, as the equivalent
    ``(dim, k²)`` projection of the column-major ``vec`` (:func:`kernel_pca_code`)."""
    if rows.ndim != 2 or rows.shape[0] != side * side:
        raise ValueError(f"expected a ({side * side}, dim) basis for {side}x{side} kernels, got shape {rows.shape}")
    # the row-major index i·k + j and the column-major index j·k + i name the same tap k[i, j]
    return rows.reshape(side, side, -1).transpose(1, 0, 2).reshape(side * side, -1).T  # (dim, k²)


def kernel_pca_code(kernel: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """The PCA code ``basis @ vec(kernel)`` of one square kernel, with MATLAB column-major ``vec``.

    This is SRMD's ``P * kernel(:)`` (``Demo_genearal_degradation_SRMD.m``) and KAIR's
    ``np.dot(P, k.flatten(order="F"))``. ``basis`` is ``(dim, k * k)``. A ``(k, k)`` kernel of another
    size raises ``ValueError``; resize or pad the kernel yourself if that is what you mean.
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    basis = np.asarray(basis, dtype=np.float64)
    if kernel.ndim != 2 or kernel.shape[0] != kernel.shape[1]:
        raise ValueError(f"expected a square 2-D kernel, got shape {kernel.shape}")
    if basis.ndim != 2 or basis.shape[1] != kernel.size:
        side = int(round(np.sqrt(basis.shape[-1]))) if basis.ndim == 2 else None
        raise ValueError(
            f"a {kernel.shape[0]}x{kernel.shape[1]} kernel has {kernel.size} taps, but the basis of shape "
            f"{basis.shape} expects {basis.shape[-1]} (a {side}x{side} kernel)"
        )
    return basis @ kernel.flatten(order="F")


def pixel_kernel_codes(widths: np.ndarray, kernel_size: int, basis: np.ndarray) -> np.ndarray:
    """The PCA code (t, h, w) of each pixel's isotropic ``kernel_size``² Gaussian of width ``widths[i, j]`` (h, w): the
    degradation map of a spatially varying image (UDVD Table 3, SRMD's spatially variant mode)."""
    distinct, inverse = np.unique(widths, return_inverse=True)
    codes = np.stack([kernel_pca_code(isotropic_gaussian_kernel(kernel_size, w), basis) for w in distinct], axis=1)  # (t, n)
    return codes[:, inverse.reshape(-1)].reshape(-1, *widths.shape)  # (t, h, w)


def _fix_signs(basis: np.ndarray) -> np.ndarray:
    """Flip each row so that its largest-magnitude entry is positive.

    Antisymmetric rows have two entries of equal magnitude and opposite sign, which differ only by
    rounding. For those, the first entry in storage order within ``1e-6`` (relative) of the row's largest
    magnitude decides the sign. That makes the choice stable against rounding.
    """
    magnitudes = np.abs(basis)
    lead = np.argmax(magnitudes >= (1.0 - 1e-6) * magnitudes.max(axis=1, keepdims=True), axis=1)
    signs = np.sign(basis[np.arange(basis.shape[0]), lead])
    return basis * signs[:, None]


def fit_pca_basis(
    *,
    kernel_size: int = 15,
    dim: int = 15,
    num_kernels: int = 10_000,
    rng: np.random.Generator,
    l_max: float = 10.0,
) -> np.ndarray:
    """Fit a ``(dim, kernel_size**2)`` PCA projection the way SRMD does, with orthonormal rows.

    The recipe is SRMD ``TrainingCodes/kernels/Demo_Get_PCA_matrix.m``, and KAIR
    ``utils/utils_sisr.py::cal_pca_matrix`` repeats it:

    1. Sample ``num_kernels`` anisotropic Gaussians with ``theta ~ U[0, pi]``,
       ``l1 ~ U[0.1, l_max]`` and ``l2 ~ U[0.1, l1]`` (covariance eigenvalues).
    2. Vectorise each one column-major.
    3. Keep the ``dim`` leading eigenvectors of the **uncentred** scatter matrix ``X X^T``.

    The defaults are SRMD's: 10,000 kernels of ``15 x 15``, and ``l_max = 10``, since SRMD draws
    ``l1 = 0.1 + 9.9 * rand``. KAIR's defaults are 500 kernels, and ``l_max = 12`` used as
    ``l1 = 0.1 + 12 * rand``.

    The rows are in ascending eigenvalue order, as in both files (the last row is the leading component).
    Each row's sign is fixed by :func:`_fix_signs`. Eigenvectors of nearly equal eigenvalues, such as the
    x/y pairs that the rotation symmetry of ``theta`` produces, are determined only up to a rotation
    within their pair. So a basis is reproducible for a given Generator state, but a different seed can
    rotate such pairs.

    This is **not** the basis of either file (:func:`load_pca_basis`). It spans nearly the same subspace,
    but codes under different bases differ by a rotation, so weights trained with one basis cannot take
    codes from another.
    """
    if kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be a positive odd integer, got {kernel_size}")
    if not 1 <= dim <= kernel_size**2:
        raise ValueError(f"dim must be in [1, {kernel_size**2}], got {dim}")
    if num_kernels < dim:
        raise ValueError(f"need at least dim={dim} kernels to fit {dim} components, got {num_kernels}")
    if not l_max >= 0.1:
        raise ValueError(f"l_max must be at least 0.1 (the smallest eigenvalue drawn), got {l_max}")
    theta = np.pi * rng.random(num_kernels)
    l1 = 0.1 + (l_max - 0.1) * rng.random(num_kernels)
    l2 = 0.1 + (l1 - 0.1) * rng.random(num_kernels)
    # SRMD TrainingCodes/kernels/anisotropic_Gaussian.m: covariance R(theta) diag(l1, l2) R(theta)^T with
    # the eigenvalues given directly, i.e. dynsr's "variance" convention.
    kernels = np.stack(
        [
            anisotropic_gaussian_kernel(kernel_size, lambda1=a, lambda2=b, theta=angle, convention="variance")
            for angle, a, b in zip(theta, l1, l2)
        ]
    )  # (num_kernels, kernel_size, kernel_size)
    vectors = kernels.transpose(0, 2, 1).reshape(num_kernels, -1).T  # columns are vec(k), column-major
    _, eigenvectors = np.linalg.eigh(vectors @ vectors.T)  # ascending eigenvalues
    return _fix_signs(eigenvectors[:, -dim:].T.copy())


def pca_basis(name: str = "kair_srmd", *, fallback_fit: bool = False) -> np.ndarray:
    """The stored PCA basis ``name``. If the file is missing, optionally fit a substitute.

    By default a missing or corrupt file raises :class:`~dynsr.data.root.DataNotFoundError`. With
    ``fallback_fit=True``, it emits a ``UserWarning`` instead and returns
    ``fit_pca_basis(kernel_size=..., dim=..., rng=np.random.default_rng(0))`` with the named basis's shape,
    using SRMD's recipe and defaults otherwise. That basis suits
    training a model from scratch. It does **not** suit pretrained SRMD/UDVD weights, which expect the
    file's basis.
    """
    entry = _basis_file(name)  # reject unknown names before looking at the disk
    try:
        return load_pca_basis(name)
    except DataNotFoundError as error:
        if not fallback_fit:
            raise
        warnings.warn(
            f"PCA basis {name!r} not found ({error}); fitting SRMD's recipe with seed {_FALLBACK_SEED} "
            "instead. Its codes differ from the file's, so pretrained weights will not work with it.",
            UserWarning,
            stacklevel=2,
        )
        return fit_pca_basis(kernel_size=entry.kernel_size, dim=entry.dim, rng=np.random.default_rng(_FALLBACK_SEED))
