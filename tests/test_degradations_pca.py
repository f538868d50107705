"""Tests of dynsr.degradations.pca: the SRMD/UDVD kernel PCA bases and codes.

The reconstruction and overlap tolerances are measured values plus margin. Here ``rel err`` is
``|P^T P k - k| / |k|`` for isotropic 15x15 Gaussians.

* File bases, sigma in [0.2, 3]: kair_srmd at most 0.033, srmd_matconvnet at most 0.075. Both were fitted
  for covariance eigenvalues up to 10 (sigma <= 3.16).
* File bases, sigma in (3, 4]: kair_srmd at most 0.152, srmd_matconvnet at most 0.246, both at sigma = 4.
* The fitted basis (2,000 kernels, seed 0) is within 0.0035 of srmd_matconvnet at every sigma.
* Overlap is the mean squared cosine of the 15 principal angles, ``|P_a P_b^T|_F^2 / 15``. It is 0.784
  for kair_srmd vs srmd_matconvnet (the manifest's "≈ 0.78"), 0.993 for fitted vs srmd_matconvnet and
  0.785 for fitted vs kair_srmd.
* Code transfer on isotropic kernels: file codes are predicted from fitted codes through the rotation
  ``P_file P_fit^T``. The relative error is at most 0.007 for srmd_matconvnet (sigma in [0.2, 4]) and at most 0.056 for kair_srmd
  (sigma in [0.2, 3]).

The tests that read the file bases need the shared data root (present in CI); without it they fail
with DataNotFoundError rather than skip.
"""

from __future__ import annotations

import numpy as np
import pytest

from dynsr.data.root import DataNotFoundError
from dynsr.degradations.kernels import anisotropic_gaussian_kernel, isotropic_gaussian_kernel
from dynsr.degradations.pca import fit_pca_basis, kernel_pca_code, load_pca_basis, pca_basis, row_major_to_matlab_basis


SIGMAS = np.linspace(0.2, 4.0, 20)


def _iso_vectors() -> np.ndarray:
    """Column-major vectorised isotropic 15x15 kernels, one column per sigma of ``SIGMAS``."""
    return np.stack([isotropic_gaussian_kernel(15, s).flatten(order="F") for s in SIGMAS], axis=1)


def _relative_reconstruction_errors(basis: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    residual = basis.T @ (basis @ vectors) - vectors
    return np.linalg.norm(residual, axis=0) / np.linalg.norm(vectors, axis=0)


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Mean squared cosine of the principal angles between the row spaces of two orthonormal bases."""
    return float(np.linalg.norm(a @ b.T) ** 2 / min(a.shape[0], b.shape[0]))


@pytest.fixture(scope="module")
def fitted() -> np.ndarray:
    return fit_pca_basis(num_kernels=2000, rng=np.random.default_rng(0))


# ----------------------------------------------------------------------------- codes


def test_code_uses_column_major_vectorisation() -> None:
    kernel = np.arange(9.0).reshape(3, 3)  # asymmetric: kernel[1, 0] = 3, kernel[0, 1] = 1
    basis = np.zeros((3, 9))
    basis[0, 1] = 1.0  # column-major index 1 is (row 1, column 0)
    basis[1, 3] = 1.0  # column-major index 3 is (row 0, column 1)
    basis[2, 5] = 1.0  # column-major index 5 is (row 2, column 1)
    np.testing.assert_array_equal(kernel_pca_code(kernel, basis), [kernel[1, 0], kernel[0, 1], kernel[2, 1]])
    np.testing.assert_array_equal(kernel_pca_code(kernel, basis), [3.0, 1.0, 7.0])


def test_code_equals_hand_computation() -> None:
    rng = np.random.default_rng(0)
    basis = rng.standard_normal((4, 25))
    kernel = rng.random((5, 5))
    expected = [sum(basis[i, col * 5 + row] * kernel[row, col] for row in range(5) for col in range(5)) for i in range(4)]
    np.testing.assert_allclose(kernel_pca_code(kernel, basis), expected, rtol=1e-12)


@pytest.mark.parametrize("shape", [(13, 13), (15, 13), (225,)])
def test_code_rejects_a_kernel_of_the_wrong_size(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="kernel"):
        kernel_pca_code(np.ones(shape), np.zeros((15, 225)))


def test_size_error_names_the_expected_kernel_size() -> None:
    with pytest.raises(ValueError, match="15x15"):
        kernel_pca_code(np.ones((13, 13)), np.zeros((15, 225)))


# ----------------------------------------------------------------------------- file bases


@pytest.mark.parametrize("name", ["kair_srmd", "srmd_matconvnet"])
def test_file_bases_have_orthonormal_rows(name: str) -> None:
    basis = load_pca_basis(name)
    assert basis.shape == (15, 225)
    assert basis.dtype == np.float64
    np.testing.assert_allclose(basis @ basis.T, np.eye(15), atol=1e-5)


def test_default_basis_is_kair_srmd() -> None:
    np.testing.assert_array_equal(pca_basis(), load_pca_basis("kair_srmd"))
    np.testing.assert_array_equal(load_pca_basis(), load_pca_basis("kair_srmd"))


@pytest.mark.parametrize(("name", "low_sigma_tol", "high_sigma_tol"), [("kair_srmd", 0.05, 0.2), ("srmd_matconvnet", 0.1, 0.3)])
def test_file_bases_reconstruct_isotropic_kernels(name: str, low_sigma_tol: float, high_sigma_tol: float) -> None:
    errors = _relative_reconstruction_errors(load_pca_basis(name), _iso_vectors())
    assert errors[SIGMAS <= 3.0].max() < low_sigma_tol
    assert errors.max() < high_sigma_tol


def test_file_bases_differ_as_the_manifest_says() -> None:
    kair, srmd = load_pca_basis("kair_srmd"), load_pca_basis("srmd_matconvnet")
    assert np.abs(kair - srmd).max() > 0.1
    assert _overlap(kair, srmd) == pytest.approx(0.784, abs=0.005)
    kernel = isotropic_gaussian_kernel(15, 1.3)
    assert np.linalg.norm(kernel_pca_code(kernel, kair) - kernel_pca_code(kernel, srmd)) > 0.1


# ----------------------------------------------------------------------------- fitted basis


def test_fitted_basis_shape_orthonormality_and_signs(fitted: np.ndarray) -> None:
    assert fitted.shape == (15, 225)
    np.testing.assert_allclose(fitted @ fitted.T, np.eye(15), atol=1e-12)
    lead = np.argmax(np.abs(fitted), axis=1)
    assert (fitted[np.arange(15), lead] > 0).all()


def test_fitted_basis_is_deterministic(fitted: np.ndarray) -> None:
    np.testing.assert_array_equal(fit_pca_basis(num_kernels=2000, rng=np.random.default_rng(0)), fitted)


def test_fitted_basis_rows_are_in_ascending_eigenvalue_order(fitted: np.ndarray) -> None:
    rng = np.random.default_rng(1)
    kernels = [
        anisotropic_gaussian_kernel(
            15, lambda1=l1, lambda2=rng.uniform(0.1, l1), theta=rng.uniform(0, np.pi), convention="variance"
        )
        for l1 in rng.uniform(0.1, 10.0, 300)
    ]
    energy = ((fitted @ np.stack([k.flatten(order="F") for k in kernels], axis=1)) ** 2).sum(axis=1)
    assert np.argmax(energy) == 14
    assert energy[-1] > 10 * energy[:-2].max()


def test_fitted_basis_reconstructs_isotropic_kernels_like_the_file_basis(fitted: np.ndarray) -> None:
    errors = _relative_reconstruction_errors(fitted, _iso_vectors())
    assert errors[SIGMAS <= 3.0].max() < 0.1
    assert errors.max() < 0.3
    reference = _relative_reconstruction_errors(load_pca_basis("srmd_matconvnet"), _iso_vectors())
    np.testing.assert_allclose(errors, reference, atol=0.01)


def test_fitted_basis_spans_the_srmd_subspace_but_is_another_basis(fitted: np.ndarray) -> None:
    srmd = load_pca_basis("srmd_matconvnet")
    assert _overlap(fitted, srmd) > 0.97
    assert np.abs(fitted - srmd).max() > 0.1  # same recipe, different basis: codes are not interchangeable
    vectors = _iso_vectors()
    codes = srmd @ vectors
    transferred = (srmd @ fitted.T) @ (fitted @ vectors)
    assert (np.linalg.norm(codes - transferred, axis=0) / np.linalg.norm(codes, axis=0)).max() < 0.02


def test_fitted_basis_overlaps_the_kair_basis_on_isotropic_kernels(fitted: np.ndarray) -> None:
    kair = load_pca_basis("kair_srmd")
    assert _overlap(fitted, kair) == pytest.approx(0.78, abs=0.03)
    vectors = _iso_vectors()[:, SIGMAS <= 3.0]
    codes = kair @ vectors
    transferred = (kair @ fitted.T) @ (fitted @ vectors)
    assert (np.linalg.norm(codes - transferred, axis=0) / np.linalg.norm(codes, axis=0)).max() < 0.1


@pytest.mark.parametrize(
    "options", [{"kernel_size": 14}, {"dim": 0}, {"dim": 226}, {"num_kernels": 10}, {"l_max": 0.05}]
)
def test_fit_rejects_bad_arguments(options: dict) -> None:
    with pytest.raises(ValueError):
        fit_pca_basis(rng=np.random.default_rng(0), **options)


# ----------------------------------------------------------------------------- missing files


def test_row_major_basis_becomes_the_column_major_projection() -> None:
    """A (k², dim) basis applied as ``kernel.flatten() @ rows`` (PyTorch, row-major) gives the same code through
    :func:`kernel_pca_code` (column-major) once converted; checked on a random, non-symmetric basis and kernel."""
    rng = np.random.default_rng(3)
    rows, kernel = rng.standard_normal((9, 4)), rng.random((3, 3))
    basis = row_major_to_matlab_basis(rows, 3)
    assert basis.shape == (4, 9)
    np.testing.assert_allclose(kernel_pca_code(kernel, basis), kernel.flatten() @ rows, atol=1e-12)
    assert not np.allclose(kernel_pca_code(kernel.T, basis), kernel.flatten() @ rows)  # the layout matters for this basis
    with pytest.raises(ValueError, match=r"\(9, dim\)"):
        row_major_to_matlab_basis(rows[:8], 3)


def test_ikc_basis_for_dasr_kernels() -> None:
    """IKC's 21x21 -> 10 basis (DAN's copy): orthonormal; the code equals IKC's ``kernel.flatten() @ P``; fitted on
    *centred* kernels (IKC's ``PCA`` subtracts the mean, its encoder does not), so it reconstructs a kernel only with
    the mean added back (measured: at most 0.13 relative error over σ ∈ [0.2, 4] with the mean of such kernels, 0.87
    without); the codes still separate widths (consecutive σ 0.2 apart differ by at least 0.004)."""
    import torch

    from dynsr.data.root import dataset_dir

    basis = load_pca_basis("ikc_dan")
    assert basis.shape == (10, 441)
    np.testing.assert_allclose(basis @ basis.T, np.eye(10), atol=1e-6)
    raw = torch.load(dataset_dir("PCABases") / "dan" / "IKC" / "pca_matrix.pth", weights_only=True).double().numpy()
    kernel = anisotropic_gaussian_kernel(21, lambda1=3.0, lambda2=0.8, theta=0.6, convention="std")
    np.testing.assert_allclose(kernel_pca_code(kernel, basis), kernel.flatten() @ raw, atol=1e-12)
    sigmas = np.linspace(0.2, 4.0, 20)
    vectors = np.stack([isotropic_gaussian_kernel(21, s).flatten(order="F") for s in sigmas])  # (20, 441)
    mean = np.stack([isotropic_gaussian_kernel(21, s).flatten(order="F") for s in np.random.default_rng(0).uniform(0.2, 4.0, 500)]).mean(0)
    centred = np.linalg.norm((vectors - mean) @ basis.T @ basis + mean - vectors, axis=1) / np.linalg.norm(vectors, axis=1)
    plain = np.linalg.norm(vectors @ basis.T @ basis - vectors, axis=1) / np.linalg.norm(vectors, axis=1)
    assert centred.max() < 0.15 and plain.max() > 0.8
    assert np.linalg.norm(np.diff(vectors @ basis.T, axis=0), axis=1).min() > 0.004


def test_missing_file_raises_unless_fallback(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DYNSR_DATA_ROOT", str(tmp_path))
    with pytest.raises(DataNotFoundError):
        pca_basis("kair_srmd")
    with pytest.warns(UserWarning, match="pretrained weights"):
        basis = pca_basis("kair_srmd", fallback_fit=True)
    np.testing.assert_array_equal(basis, fit_pca_basis(rng=np.random.default_rng(0)))
    with pytest.warns(UserWarning):
        assert pca_basis("ikc_dan", fallback_fit=True).shape == (10, 441)  # the substitute has the named basis's shape


def test_unknown_basis_name() -> None:
    with pytest.raises(KeyError):
        pca_basis("nope", fallback_fit=True)
