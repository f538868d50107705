"""Tests of dynsr.degradations.motion: random trajectory kernels and the stored motion kernel sets.

The stored-kernel tests need the shared data root (present in CI); without it they fail with
DataNotFoundError rather than skip.
"""

from __future__ import annotations

import numpy as np
import pytest

from dynsr.degradations.motion import (
    load_div2krk_kernel,
    load_levin_kernels,
    load_usrnet_kernels,
    random_motion_kernel,
)


def _centre_of_mass(kernel: np.ndarray) -> np.ndarray:
    """``[row, column]`` centre of mass of a kernel."""
    rows, cols = np.indices(kernel.shape)
    return np.array([(kernel * rows).sum(), (kernel * cols).sum()]) / kernel.sum()


def _second_moments(kernel: np.ndarray) -> np.ndarray:
    """Eigenvalues (ascending) of the kernel's covariance about its centre of mass."""
    rows, cols = np.indices(kernel.shape)
    centre = _centre_of_mass(kernel)
    d = np.stack([rows - centre[0], cols - centre[1]]).reshape(2, -1)
    return np.linalg.eigvalsh((d * kernel.ravel()) @ d.T)


# ----------------------------------------------------------------------------- random kernels


@pytest.mark.parametrize("size", [1, 9, 25, 41])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_kernel_is_a_normalised_non_negative_odd_kernel(size: int, seed: int) -> None:
    kernel = random_motion_kernel(size, rng=np.random.default_rng(seed))
    assert kernel.shape == (size, size)
    assert kernel.dtype == np.float64
    assert kernel.sum() == pytest.approx(1.0, abs=1e-12)
    assert kernel.min() >= 0.0


@pytest.mark.parametrize("seed", range(10))
def test_random_kernel_centre_of_mass_is_the_centre_tap(seed: int) -> None:
    # The trajectory is translated sub-pixel before splatting, so the centring is exact, far inside 1 px.
    kernel = random_motion_kernel(25, rng=np.random.default_rng(seed))
    np.testing.assert_allclose(_centre_of_mass(kernel), [12.0, 12.0], atol=1e-9)


def test_random_kernel_is_deterministic_for_a_seeded_generator() -> None:
    first = random_motion_kernel(21, rng=np.random.default_rng(123))
    second = random_motion_kernel(21, rng=np.random.default_rng(123))
    np.testing.assert_array_equal(first, second)


def test_random_kernel_differs_between_seeds() -> None:
    kernels = [random_motion_kernel(21, rng=np.random.default_rng(seed)) for seed in range(5)]
    for i in range(len(kernels)):
        for j in range(i + 1, len(kernels)):
            assert np.abs(kernels[i] - kernels[j]).max() > 1e-3


def test_consecutive_draws_from_one_generator_differ() -> None:
    rng = np.random.default_rng(7)
    assert not np.array_equal(random_motion_kernel(15, rng=rng), random_motion_kernel(15, rng=rng))


def test_zero_length_trajectory_gives_the_centred_delta() -> None:
    kernel = random_motion_kernel(11, rng=np.random.default_rng(0), length=0.0)
    expected = np.zeros((11, 11))
    expected[5, 5] = 1.0
    np.testing.assert_array_equal(kernel, expected)


def test_straight_trajectory_is_a_line_of_the_requested_length() -> None:
    # A uniform segment of length L has variance L^2 / 12 along it; bilinear splatting adds at most
    # 1/4 per axis, and the cross-direction variance stays below that.
    kernel = random_motion_kernel(
        25, rng=np.random.default_rng(3), length=12.0, anxiety=0.0, centripetal=0.0, jerks=0.0
    )
    minor, major = _second_moments(kernel)
    assert major == pytest.approx(12.0**2 / 12, abs=0.5)
    assert minor < 0.5


def test_exposure_integrates_only_the_first_part_of_the_path() -> None:
    straight = {"anxiety": 0.0, "centripetal": 0.0, "jerks": 0.0, "length": 20.0}
    full = random_motion_kernel(25, rng=np.random.default_rng(4), **straight)
    half = random_motion_kernel(25, rng=np.random.default_rng(4), exposure=0.5, **straight)
    assert _second_moments(full)[1] == pytest.approx(20.0**2 / 12, abs=0.5)
    assert _second_moments(half)[1] == pytest.approx(10.0**2 / 12, abs=0.5)


def test_a_trajectory_longer_than_the_support_is_shrunk_not_cut() -> None:
    kernel = random_motion_kernel(
        15, rng=np.random.default_rng(5), length=100.0, anxiety=0.0, centripetal=0.0, jerks=0.0
    )
    assert kernel.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(_centre_of_mass(kernel), [7.0, 7.0], atol=1e-9)
    # Shrunk until its larger axis extent is exactly the support (14 px), so the segment is >= 14 px long.
    assert _second_moments(kernel)[1] >= 14.0**2 / 12 - 0.5


@pytest.mark.parametrize(
    ("size", "options"),
    [(10, {}), (0, {}), (9, {"exposure": 0.0}), (9, {"exposure": 1.5}), (9, {"num_steps": 1}), (9, {"length": -1.0})],
)
def test_random_kernel_rejects_bad_arguments(size: int, options: dict) -> None:
    with pytest.raises(ValueError):
        random_motion_kernel(size, rng=np.random.default_rng(0), **options)


# ----------------------------------------------------------------------------- stored kernels


def test_levin_kernels_sizes_and_normalisation() -> None:
    kernels = load_levin_kernels()
    assert [k.shape[0] for k in kernels] == [19, 17, 15, 27, 13, 21, 23, 23]
    for kernel in kernels:
        assert kernel.dtype == np.float64
        assert kernel.shape[0] == kernel.shape[1] and kernel.shape[0] % 2 == 1
        assert kernel.sum() == pytest.approx(1.0, abs=1e-12)
        assert kernel.min() >= 0.0
    # Non-zero counts pin the identity of each kernel (they match Levin's original im05_flit0*.mat).
    assert [int((k > 0).sum()) for k in kernels] == [109, 114, 87, 200, 94, 136, 175, 166]


def test_levin_kernels_have_matlab_orientation() -> None:
    # h5py returns the transpose of the MATLAB array; the loader transposes back. Kernel 1's largest
    # tap is at MATLAB (row 11, column 9), i.e. 0-based [10, 8]; the transposed position holds 0.0059.
    kernel = load_levin_kernels()[0]
    assert np.unravel_index(np.argmax(kernel), kernel.shape) == (10, 8)
    assert kernel[10, 8] == pytest.approx(0.11181346654257124, rel=1e-12)
    assert kernel[8, 10] == pytest.approx(0.00592527698009379, rel=1e-9)


def test_usrnet_kernels() -> None:
    kernels = load_usrnet_kernels()
    assert len(kernels) == 12
    for kernel in kernels:
        assert kernel.shape == (25, 25)
        assert kernel.dtype == np.float64
        assert kernel.sum() == pytest.approx(1.0, abs=1e-12)
        assert kernel.min() >= 0.0


@pytest.mark.parametrize(("scale", "size"), [(2, 11), (4, 31)])
@pytest.mark.parametrize("index", [1, 57, 100])
def test_div2krk_kernels(scale: int, size: int, index: int) -> None:
    kernel = load_div2krk_kernel(index, scale)
    assert kernel.shape == (size, size)
    assert kernel.dtype == np.float64
    assert kernel.sum() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize(("index", "scale"), [(0, 2), (101, 2), (1, 3)])
def test_div2krk_rejects_bad_index_or_scale(index: int, scale: int) -> None:
    with pytest.raises(ValueError):
        load_div2krk_kernel(index, scale)


def test_stored_kernels_need_the_data_root(tmp_path, monkeypatch) -> None:
    # Missing data is an error naming the fetch script, never an empty list or a skip.
    from dynsr.data.root import DataNotFoundError

    monkeypatch.setenv("DYNSR_DATA_ROOT", str(tmp_path))
    for load in (load_levin_kernels, load_usrnet_kernels, lambda: load_div2krk_kernel(1, 2)):
        with pytest.raises(DataNotFoundError, match="fetch_data.py"):
            load()
