"""Motion-blur kernels: random camera-shake trajectories and the standard stored kernel sets.

Kernels follow the dynsr convention: a float64 ``(k, k)`` array, ``k`` odd, summing to 1. Rows are
the vertical offset (``y``, downwards) and columns the horizontal offset (``x``). The centre tap is
``[k // 2, k // 2]``.

* :func:`random_motion_kernel`: a kernel rasterised from a random camera trajectory, after Boracchi &
  Foi, "Modeling the performance of image restoration from motion blur", IEEE TIP 21(8), 2012. That
  paper models the blur as the camera trajectory integrated over the exposure time, and draws random
  trajectories. Section numbers are not cited here because they were not checked.
* :func:`load_levin_kernels`: the 8 camera-shake kernels of Levin et al., "Understanding and evaluating
  blind deconvolution algorithms", CVPR 2009 (KAIR ``kernels/Levin09.mat``).
* :func:`load_usrnet_kernels`: the 12 USRNet test kernels (Zhang et al., CVPR 2020; KAIR
  ``kernels/kernels_12.mat``).
* :func:`load_div2krk_kernel`: the DIV2KRK ground-truth kernels (Bell-Kligler et al., NeurIPS 2019).

ArcSR (§3.1, §4.1) takes its motion blur from the REDS and GoPro frames, not from synthetic kernels. Those
frames are not available here, so dynsr's ArcSR recipes train on random trajectories and Levin kernels in their
place (``TrainConfig(kernel_type="motion")``; docs/decisions/arcsr.md, A14).
"""

from __future__ import annotations

import h5py
import numpy as np
import scipy.io

from dynsr.data.root import dataset_dir

__all__ = ["random_motion_kernel", "load_levin_kernels", "load_usrnet_kernels", "load_div2krk_kernel"]

# Ranges of the per-kernel trajectory parameters that random_motion_kernel draws when none is given.
# Each parameter is defined per whole trajectory, so the kernel distribution does not depend on num_steps.
_ANXIETY_RANGE = (0.0, 4.0)  # std (radians) of the random turning accumulated over the whole path
_CENTRIPETAL_RANGE = (0.0, 20.0)  # pull back towards the start, per unit path length
_JERK_RANGE = (0.0, 2.0)  # expected number of impulsive jerks over the whole path
_JERK_SPREAD = 0.5  # a jerk reverses the direction, give or take up to this many radians


def _draw(value: float | None, bounds: tuple[float, float], rng: np.random.Generator) -> float:
    """``value``, or a draw from ``U[bounds]`` when it is ``None``."""
    return float(rng.uniform(*bounds)) if value is None else float(value)


def _unit_trajectory(
    num_steps: int, *, anxiety: float, centripetal: float, jerks: float, rng: np.random.Generator
) -> np.ndarray:
    """``(num_steps, 2)`` positions ``[x, y]`` of a unit-length, constant-speed random path from ``(0, 0)``.

    This is a random walk with inertia, as in Boracchi & Foi. The velocity keeps its direction from
    step to step, perturbed three ways:

    * a Gaussian kick (``anxiety``);
    * a pull towards the start point (``centripetal``), which keeps the path compact;
    * with a small probability per step, an impulsive jerk that reverses the direction, give or take
      ``_JERK_SPREAD`` radians.

    After each step the velocity is renormalised, so the speed is constant.
    """
    step = 1.0 / (num_steps - 1)
    kicks = rng.standard_normal((num_steps - 1, 2)) * (anxiety * np.sqrt(step))
    jerk_steps = rng.random(num_steps - 1) < jerks * step
    jerk_angles = np.pi + rng.uniform(-_JERK_SPREAD, _JERK_SPREAD, num_steps - 1)
    angle = rng.uniform(0.0, 2.0 * np.pi)
    velocity = np.array([np.cos(angle), np.sin(angle)])
    positions = np.zeros((num_steps, 2))
    for t in range(num_steps - 1):
        if jerk_steps[t]:
            cos, sin = np.cos(jerk_angles[t]), np.sin(jerk_angles[t])
            velocity = np.array([cos * velocity[0] - sin * velocity[1], sin * velocity[0] + cos * velocity[1]])
        velocity = velocity + kicks[t] - (centripetal * step) * positions[t]
        velocity = velocity / np.hypot(velocity[0], velocity[1])
        positions[t + 1] = positions[t] + step * velocity
    return positions


def _fit_to_support(points: np.ndarray, size: int) -> np.ndarray:
    """Move the points' mean to the centre tap, shrinking the points about it if any would leave the support.

    Bilinear splatting preserves the first moment, so this puts the kernel's centre of mass exactly at
    ``[size // 2, size // 2]``. This is a sub-pixel translation of the trajectory, applied before
    rasterising. The kernel itself is never resampled or truncated.
    """
    radius = size // 2
    offsets = points - points.mean(axis=0)
    reach = np.abs(offsets).max()
    if reach > radius:
        offsets = offsets * (radius / reach)
    return offsets + radius


def _splat(points: np.ndarray, size: int) -> np.ndarray:
    """Rasterise points ``[x, y]`` (pixel units, inside ``[0, size - 1]``) by bilinear splatting."""
    floor = np.floor(points)
    frac = points - floor
    low = floor.astype(np.int64)
    high = np.minimum(low + 1, size - 1)  # only hit when frac == 0, i.e. with zero weight
    kernel = np.zeros((size, size))
    for cols, wx in ((low[:, 0], 1.0 - frac[:, 0]), (high[:, 0], frac[:, 0])):
        for rows, wy in ((low[:, 1], 1.0 - frac[:, 1]), (high[:, 1], frac[:, 1])):
            np.add.at(kernel, (rows, cols), wx * wy)
    return kernel / kernel.sum()


def random_motion_kernel(
    size: int,
    *,
    rng: np.random.Generator,
    length: float | None = None,
    exposure: float = 1.0,
    num_steps: int = 2000,
    anxiety: float | None = None,
    centripetal: float | None = None,
    jerks: float | None = None,
) -> np.ndarray:
    """A ``(size, size)`` motion-blur kernel from a random camera trajectory (Boracchi & Foi 2012).

    The trajectory is a constant-speed 2-D random walk with inertia (:func:`_unit_trajectory`), sampled
    at ``num_steps`` instants and scaled to a path ``length`` in pixels. The default length is
    ``size - 1``, so a straight path spans the support exactly. Following Boracchi & Foi, the kernel
    is the trajectory integrated over the exposure: the first ``exposure`` fraction (in ``(0, 1]``) of the
    samples is splatted bilinearly onto the pixel grid and normalised to sum to 1.

    Centring: the trajectory is translated so that its sample mean lies on the centre tap. Bilinear
    splatting preserves the mean, so the kernel's centre of mass is at ``[size // 2, size // 2]`` to
    rounding error. This translation is sub-pixel and happens before rasterising, so it adds no
    resampling. It replaces an integer shift of the finished kernel, which would leave up to half a
    pixel of offset. A trajectory wider than the support is shrunk about its mean until it fits, so
    ``length`` is an upper bound and no tap is cut off.

    Shape parameters are per whole path. Each one left ``None`` is drawn uniformly from ``rng``:

    * ``anxiety`` in ``[0, 4]``: radians of random turning accumulated over the path. 0 gives a straight
      line, unless one of the other terms bends it.
    * ``centripetal`` in ``[0, 20]``: the pull back towards the start.
    * ``jerks`` in ``[0, 2]``: the expected number of abrupt direction reversals.

    These mirror the random "anxiety", centripetal and "big shake" terms of Boracchi & Foi's trajectory generator. They are
    reparameterised so that the distribution does not depend on ``num_steps``.

    The result is deterministic for a given Generator state. ``length=0`` gives the centred delta.
    """
    if size < 1 or size % 2 == 0:
        raise ValueError(f"size must be a positive odd integer, got {size}")
    if not 0.0 < exposure <= 1.0:
        raise ValueError(f"exposure must be in (0, 1], got {exposure}")
    if num_steps < 2:
        raise ValueError(f"num_steps must be at least 2, got {num_steps}")
    length = float(size - 1) if length is None else float(length)
    if not length >= 0.0:
        raise ValueError(f"length must be non-negative, got {length}")
    path = _unit_trajectory(
        num_steps,
        anxiety=_draw(anxiety, _ANXIETY_RANGE, rng),
        centripetal=_draw(centripetal, _CENTRIPETAL_RANGE, rng),
        jerks=_draw(jerks, _JERK_RANGE, rng),
        rng=rng,
    )
    exposed = path[: max(1, int(np.ceil(exposure * num_steps)))] * length
    return _splat(_fit_to_support(exposed, size), size)


def _normalised(kernel: np.ndarray) -> np.ndarray:
    kernel = np.asarray(kernel, dtype=np.float64)
    return kernel / kernel.sum()


def load_levin_kernels() -> list[np.ndarray]:
    """The 8 Levin et al. (CVPR 2009) camera-shake kernels, in the file's order, as float64 arrays summing to 1.

    Source: KAIR ``kernels/Levin09.mat`` (data set ``KAIRKernels``). The file is MATLAB v7.3, i.e.
    HDF5. Its ``kernels`` is a MATLAB 1x8 cell, stored as an HDF5 ``(8, 1)`` array of object references.
    HDF5 keeps MATLAB's column-major layout with the dimensions listed in reverse, so every array as
    h5py reads it is the **transpose** of the MATLAB array. The cell's ``(8, 1)`` shape shows this for the
    1x8 cell. This function transposes each kernel back, giving the orientation that MATLAB and KAIR
    (``hdf5storage.loadmat``) see.

    The sizes are 19, 17, 15, 27, 13, 21, 23 and 23, all square and odd, so no padding is needed. They
    have 109, 114, 87, 200, 94, 136, 175 and 166 non-zero taps. The taps are non-negative, and the stored
    sums differ from 1 by at most 7e-16. Each kernel is still divided by its sum.
    """
    with h5py.File(dataset_dir("KAIRKernels") / "Levin09.mat", "r") as mat:
        references = mat["kernels"][()].ravel()
        return [_normalised(mat[reference][()].T) for reference in references]


def load_usrnet_kernels() -> list[np.ndarray]:
    """The 12 USRNet test kernels, 25x25 each, as float64 arrays summing to 1.

    Source: KAIR ``kernels/kernels_12.mat`` (data set ``KAIRKernels``). That file is a MATLAB v5 file
    whose ``kernels`` is a 1x12 cell of float32 arrays. ``scipy.io.loadmat`` returns them in MATLAB
    orientation. KAIR ``main_test_usrnet.py`` uses them. Computed in float64, their sums differ from 1
    by at most 1.3e-8, and each kernel is divided by its float64 sum.
    """
    cell = scipy.io.loadmat(dataset_dir("KAIRKernels") / "kernels_12.mat")["kernels"]
    return [_normalised(kernel) for kernel in cell.ravel()]


def load_div2krk_kernel(index: int, scale: int) -> np.ndarray:
    """DIV2KRK ground-truth kernel ``index`` (1..100): 11x11 for ``scale=2`` and 31x31 for ``scale=4``.

    Source: ``DIV2KRK/gt_k_x{scale}/kernel_{index}.mat``, key ``Kernel`` (data set ``DIV2KRK``;
    KernelGAN, Bell-Kligler et al. 2019). The stored kernels are float64 and sum to 1 within 6e-16.
    They are returned divided by their sum. Some taps are slightly **negative**, and they are kept as
    stored: 54 of the x2 kernels have a minimum below 0, the lowest -1.7e-3, and 56 of the x4 kernels do,
    the lowest -1.0e-4.
    """
    if scale not in (2, 4):
        raise ValueError(f"DIV2KRK has kernels for scale 2 and 4 only, got {scale}")
    if not 1 <= index <= 100:
        raise ValueError(f"DIV2KRK kernel index must be in 1..100, got {index}")
    path = dataset_dir("DIV2KRK") / f"gt_k_x{scale}" / f"kernel_{index}.mat"
    return _normalised(scipy.io.loadmat(path)["Kernel"])
