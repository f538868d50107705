"""Tests of dynsr.degradations.bicubic: MATLAB-exact ``imresize(I, scale, 'bicubic')``.

The reference here is a slow per-pixel loop written from MATLAB's algorithm (``imresize.m``:
``contributions`` and ``resizeAlongDim``/``imresizemex``), independent of the library's vectorised
code: 1-based ``u = x / s + 0.5 (1 - 1 / s)``, taps ``floor(u - width / 2) + (0 .. ceil(width) + 1)``,
Keys cubic (a = -0.5) stretched by ``1 / s`` when shrinking, weights normalised per output sample,
out-of-range taps mirrored symmetrically, rows first, then columns, and each output summed tap by tap
in float64. The library equals it to ~1e-16 everywhere, and bit for bit wherever that could change
an 8-bit quantisation (near ties, where the summation order decides the grey level).

Measured (torch 2.13, CPU, float64): ``F.interpolate(mode='bicubic', antialias=True,
align_corners=False)`` matches ours to 6e-16 once the two outermost output pixels are excluded
(x1/2 to x1/4; more rows for x2-x4). On those border pixels it differs by up to 0.03 on a natural
image and 0.07 on uniform noise (of a [0, 1] range), because torch truncates and renormalises the
kernel at the border where MATLAB mirrors the image. Without antialiasing torch uses a = -0.75 and
differs everywhere (0.1-0.4). Torch also floors the output size where MATLAB takes the ceiling.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dynsr.degradations import bicubic
from dynsr.degradations.bicubic import bicubic_output_size, cubic_kernel, matlab_bicubic_resize, resize_contributions, resize_weights
from dynsr.degradations.noise import matlab_uint8

SCALES = [1 / 2, 1 / 3, 1 / 4, 3 / 4, 2, 3, 4]
X2_TAPS = [-0.01171875, -0.03515625, 0.11328125, 0.43359375, 0.43359375, 0.11328125, -0.03515625, -0.01171875]


# ----------------------------------------------------------------------------- slow reference


def _keys_cubic(x: float) -> float:
    """Keys' cubic convolution kernel, a = -0.5, one scalar at a time."""
    x = abs(x)
    x2, x3 = x * x, x * x * x  # products, as the library computes them (see cubic_kernel)
    if x <= 1.0:
        return 1.5 * x3 - 2.5 * x2 + 1.0
    if x <= 2.0:
        return -0.5 * x3 + 2.5 * x2 - 4.0 * x + 2.0
    return 0.0


def _mirror(index: int, length: int) -> int:
    """Symmetric padding of a 1-based index: ... 2 1 | 1 2 ... n | n n-1 ..."""
    while index < 1 or index > length:
        index = 1 - index if index < 1 else 2 * length + 1 - index
    return index


def _reference_resize_axis(image: np.ndarray, axis: int, scale: float) -> np.ndarray:
    """MATLAB's resize along one axis, one output sample and one tap at a time."""
    moved = np.moveaxis(image, axis, 0)
    in_length = moved.shape[0]
    out_length = math.ceil(scale * in_length)
    shrink = scale < 1
    width = 4.0 / scale if shrink else 4.0
    num_taps = math.ceil(width) + 2
    out = np.zeros((out_length,) + moved.shape[1:])
    for x in range(1, out_length + 1):  # 1-based output sample
        u = x / scale + 0.5 * (1.0 - 1.0 / scale)
        left = math.floor(u - width / 2.0)
        weights = []
        for tap in range(num_taps):
            distance = u - (left + tap)
            weights.append(scale * _keys_cubic(scale * distance) if shrink else _keys_cubic(distance))
        total = sum(weights)
        for tap in range(num_taps):
            source = _mirror(left + tap, in_length)
            out[x - 1] += (weights[tap] / total) * moved[source - 1]
    return np.moveaxis(out, 0, axis)


def _reference_resize(image: np.ndarray, scale: float) -> np.ndarray:
    return _reference_resize_axis(_reference_resize_axis(image, 0, scale), 1, scale)


# ----------------------------------------------------------------------------- kernel and weights


def test_cubic_kernel_hand_values() -> None:
    x = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, -0.5, -1.5])
    # 0.5: 1.5/8 - 2.5/4 + 1 = 0.5625; 1.5: -0.5*3.375 + 2.5*2.25 - 6 + 2 = -0.0625
    np.testing.assert_array_equal(cubic_kernel(x), [1.0, 0.5625, 0.0, -0.0625, 0.0, 0.0, 0.5625, -0.0625])


def test_x2_antialiased_kernel_taps_in_an_interior_row() -> None:
    weights = resize_weights(40, 0.5)
    assert weights.shape == (20, 40)
    for k in (5, 9, 14):  # interior rows: taps 2k-3 .. 2k+4 all inside [0, 40)
        row = weights[k]
        np.testing.assert_allclose(row[2 * k - 3 : 2 * k + 5], X2_TAPS, rtol=0, atol=1e-12)
        assert np.count_nonzero(row) == 8
        # centred between input pixels 2k and 2k+1: the two largest taps are there
        assert set(np.argsort(row)[-2:]) == {2 * k, 2 * k + 1}
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_x4_antialiased_kernel_has_16_taps_and_exact_central_value() -> None:
    # Exact value from the formula: h(d) = 1/4 * cubic(d / 4) at d = 1/2, normalised by the sum of the
    # 16 taps at d = +-1/2, +-3/2, ..., +-15/2 (computed in exact rationals).
    def cubic(x: Fraction) -> Fraction:
        x = abs(x)
        if x <= 1:
            return Fraction(3, 2) * x**3 - Fraction(5, 2) * x**2 + 1
        if x <= 2:
            return -Fraction(1, 2) * x**3 + Fraction(5, 2) * x**2 - 4 * x + 2
        return Fraction(0)

    taps = [Fraction(1, 4) * cubic(Fraction(2 * j + 1, 2) / 4) for j in range(-8, 8)]
    central = Fraction(1, 4) * cubic(Fraction(1, 8)) / sum(taps)
    assert central == Fraction(987, 4096)  # 0.240966796875 (the 16 raw taps sum to exactly 1)

    weights = resize_weights(80, 0.25)
    for k in (4, 10, 15):
        row = weights[k]
        assert np.count_nonzero(row) == 16
        np.testing.assert_allclose(row[4 * k + 1], float(central), rtol=0, atol=1e-12)
        np.testing.assert_allclose(row[4 * k + 2], float(central), rtol=0, atol=1e-12)
        np.testing.assert_allclose(row[4 * k - 6 : 4 * k + 10], [float(t / sum(taps)) for t in taps], rtol=0, atol=1e-12)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=0, atol=1e-12)


@pytest.mark.parametrize("in_length", [1, 2, 7, 10, 33])
@pytest.mark.parametrize("scale", SCALES)
def test_weight_rows_sum_to_one(in_length: int, scale: float) -> None:
    weights = resize_weights(in_length, scale)
    assert weights.shape == (math.ceil(scale * in_length), in_length)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_weights_are_read_only() -> None:
    with pytest.raises(ValueError):
        resize_weights(10, 0.5)[0, 0] = 1.0


def test_contributions_keep_mirrored_taps_separate() -> None:
    # x1/4 of a 4-pixel axis: one output sample, 18 candidate taps, the two outermost with weight
    # exactly 0 (|distance| = 8.5, outside the stretched support of 8). The other 16 reach 7.5 pixels
    # either side, so each of the 4 samples is read by four taps; the dense matrix merges them.
    weights, indices = resize_contributions(4, 1 / 4)
    assert weights.shape == indices.shape == (1, 16)
    assert indices[0].tolist() == [2, 3, 3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0, 0, 1]
    np.testing.assert_array_equal(weights[0], weights[0, ::-1])  # centred between samples 1 and 2
    merged = np.zeros(4)
    np.add.at(merged, indices[0], weights[0])
    np.testing.assert_array_equal(resize_weights(4, 1 / 4)[0], merged)
    np.testing.assert_allclose(merged, 0.25, rtol=0, atol=1e-15)


def test_contributions_drop_taps_whose_weight_is_always_zero() -> None:
    # x1/3: u = 3x - 1 is an integer, so the 14 candidate taps sit at distances 6, 5, ..., -7, i.e.
    # 2, 5/3, ..., -7/3 after stretching; the kernel is exactly 0 at |d| = 3 (cubic(1)), 6 (cubic(2))
    # and 7, which leaves 9 taps per output sample.
    weights, indices = resize_contributions(30, 1 / 3)
    assert weights.shape == (10, 9)
    interior = indices[4] - 3 * 4 - 1  # output 4 (0-based) is centred on input 13
    assert interior.tolist() == [-5, -4, -2, -1, 0, 1, 2, 4, 5]
    assert np.any(weights != 0, axis=0).all()  # no all-zero column left


def test_weights_are_normalised_by_a_left_to_right_sum() -> None:
    # MATLAB's sum(weights, 2) taken in tap order. At x3/4 numpy's pairwise row sum (8 taps here)
    # differs from it in the last bit for some outputs, and so do the weights of this one.
    in_length, scale, x = 60, 3 / 4, 7  # output sample x (1-based)
    weights, _ = resize_contributions(in_length, scale)
    width = 4 / scale
    u = x / scale + 0.5 * (1 - 1 / scale)
    left = math.floor(u - width / 2)
    raw = [scale * _keys_cubic(scale * (u - tap)) for tap in range(left, left + math.ceil(width) + 2)]
    total = 0.0
    for value in raw:
        total += value
    pairwise = np.sum(raw)
    assert [value / total for value in raw] != [value / pairwise for value in raw]
    assert [w for w in weights[x - 1].tolist() if w != 0] == [value / total for value in raw if value != 0]


# ----------------------------------------------------------------------------- sizes and constants


@pytest.mark.parametrize(
    ("shape", "scale", "expected"),
    [((33, 47), 1 / 3, (11, 16)), ((10, 7), 1 / 4, (3, 2)), ((5, 9), 3, (15, 27)), ((9, 9), 1 / 2, (5, 5))],
)
def test_output_size_is_ceil_of_scale_times_input(shape, scale, expected) -> None:
    assert matlab_bicubic_resize(np.zeros(shape), scale).shape == expected
    assert matlab_bicubic_resize(np.zeros(shape + (3,)), scale).shape == expected + (3,)
    assert (bicubic_output_size(shape[0], scale), bicubic_output_size(shape[1], scale)) == expected


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("shape", [(13, 17, 3), (12, 9), (7, 5, 1)])
def test_constant_image_stays_constant(scale: float, shape: tuple[int, ...]) -> None:
    out = matlab_bicubic_resize(np.full(shape, 0.3719), scale)
    np.testing.assert_allclose(out, 0.3719, rtol=0, atol=1e-12)


# ----------------------------------------------------------------------------- against the slow reference


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("shape", [(13, 11, 3), (16, 12, 2), (9, 14)])
def test_matches_slow_matlab_reference(scale: float, shape: tuple[int, ...]) -> None:
    image = np.random.default_rng([*shape, round(12 * scale)]).random(shape)
    ours, reference = matlab_bicubic_resize(image, scale), _reference_resize(image, scale)
    np.testing.assert_allclose(ours, reference, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(matlab_uint8(255 * ours), matlab_uint8(255 * reference))


def test_reference_matches_on_a_tiny_axis_needing_repeated_mirroring() -> None:
    # x1/4 of a 3-pixel axis: 18 taps per output sample, most of them mirrored more than once.
    image = np.random.default_rng(1).random((3, 2))
    np.testing.assert_allclose(matlab_bicubic_resize(image, 1 / 4), _reference_resize(image, 1 / 4), rtol=0, atol=1e-12)


@pytest.mark.parametrize("scale", [1 / 2, 1 / 3, 3])
def test_numpy_hwc_and_torch_nchw_agree(scale: float) -> None:
    image = np.random.default_rng(2).random((2, 15, 14, 3))  # (N, H, W, C)
    tensor = torch.from_numpy(image.transpose(0, 3, 1, 2).copy())  # (N, C, H, W)
    out_torch = matlab_bicubic_resize(tensor, scale)
    assert out_torch.dtype == torch.float64
    for n in range(2):
        out_numpy = matlab_bicubic_resize(image[n], scale)
        np.testing.assert_allclose(out_torch[n].numpy().transpose(1, 2, 0), out_numpy, rtol=0, atol=1e-13)


def test_torch_float32_input_is_computed_in_float64() -> None:
    image = np.random.default_rng(3).random((1, 1, 10, 10)).astype(np.float32)
    out = matlab_bicubic_resize(torch.from_numpy(image), 0.5)
    np.testing.assert_allclose(out.numpy()[0, 0], _reference_resize(image[0, 0].astype(np.float64), 0.5), rtol=0, atol=1e-12)


def test_uint8_input_equals_float_input_of_the_same_values() -> None:
    image = np.random.default_rng(4).integers(0, 256, (14, 11, 3), dtype=np.uint8)
    out = matlab_bicubic_resize(image, 1 / 3)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, matlab_bicubic_resize(image.astype(np.float64), 1 / 3))
    assert out.max() > 1.5  # not rescaled to [0, 1]


def test_input_is_not_modified() -> None:
    image = np.random.default_rng(5).random((10, 10, 3))
    copy = image.copy()
    tensor = torch.from_numpy(image.copy())
    matlab_bicubic_resize(image, 0.5)
    matlab_bicubic_resize(tensor, 2)
    np.testing.assert_array_equal(image, copy)
    np.testing.assert_array_equal(tensor.numpy(), copy)


# ----------------------------------------------------------------------------- MATLAB's summation order


def _merged_matrix_resize(image: np.ndarray, scale: float) -> np.ndarray:
    """The same resize summed another way: the dense matrix's merged weights, in input-sample order."""
    out = image
    for axis in (0, 1):
        matrix = resize_weights(out.shape[axis], scale)
        moved = np.moveaxis(out, axis, 0)
        acc = np.zeros((matrix.shape[0],) + moved.shape[1:])
        for j in range(matrix.shape[1]):
            acc = acc + matrix[:, j, None] * moved[j]
        out = np.moveaxis(acc, 0, axis)
    return out


# Two-level uint8 images found by searching random ones for outputs that a matrix product and
# MATLAB's order quantise differently. At x1/4 the 4x4 image becomes its mean (every sample's taps
# merge to 1/4), and 7 x 195 + 9 x 43 = 16 x 109.5: an exact tie between grey levels 109 and 110.
TIES = [
    pytest.param(
        [[195, 43, 43, 195], [43, 43, 195, 43], [43, 195, 43, 195], [195, 43, 43, 195]], 1 / 4, (0, 0), 109, id="x1/4-mean"
    ),
    pytest.param(
        [[191, 191, 191, 191], [63, 191, 191, 63], [191, 191, 191, 63], [63, 191, 63, 191]], 1 / 2, (1, 0), 141, id="x1/2"
    ),
]


@pytest.mark.parametrize(("pixels", "scale", "where", "matlab_level"), TIES)
def test_an_exact_8bit_tie_rounds_as_matlab_sums_it(pixels, scale: float, where: tuple[int, int], matlab_level: int) -> None:
    image = np.array(pixels, dtype=np.uint8) / 255.0  # im2double
    ours, reference = matlab_bicubic_resize(image, scale), _reference_resize(image, scale)
    assert ours[where] == reference[where]
    np.testing.assert_array_equal(matlab_uint8(255 * ours), matlab_uint8(255 * reference))
    assert abs(255 * ours[where] - (matlab_level + 0.5)) < 1e-12  # a tie, landed just below it
    assert matlab_uint8(255 * ours)[where] == matlab_level  # im2uint8
    # Summing the merged weights instead, as a matrix product does, lands on the other side.
    assert matlab_uint8(255 * _merged_matrix_resize(image, scale))[where] == matlab_level + 1


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("layout", ["numpy HWC", "torch NCHW"])
def test_recomputed_outputs_are_matlabs_bit_for_bit(monkeypatch, scale: float, layout: str) -> None:
    # With a margin of a whole grey level every output counts as near a tie and is recomputed in
    # MATLAB's order, so the whole image must equal the reference exactly, borders included.
    monkeypatch.setattr(bicubic, "_TIE_MARGIN", 1.0)
    image = np.random.default_rng(8).random((13, 11, 2))
    if layout == "numpy HWC":
        ours = matlab_bicubic_resize(image, scale)
    else:
        ours = matlab_bicubic_resize(torch.from_numpy(image.transpose(2, 0, 1)[None].copy()), scale)[0].numpy().transpose(1, 2, 0)
    np.testing.assert_array_equal(ours, _reference_resize(image, scale))


# ----------------------------------------------------------------------------- torch cross-check


def _torch_resize(image: np.ndarray, scale: float, antialias: bool) -> np.ndarray:
    tensor = torch.from_numpy(image.transpose(2, 0, 1)[None].copy())
    out = F.interpolate(tensor, scale_factor=scale, mode="bicubic", antialias=antialias, align_corners=False)
    return out[0].numpy().transpose(1, 2, 0)


def test_torch_antialiased_bicubic_agrees_in_the_interior_only() -> None:
    image = np.random.default_rng(6).random((48, 40, 3))
    ours = matlab_bicubic_resize(image, 0.5)
    theirs = _torch_resize(image, 0.5, antialias=True)
    difference = np.abs(ours - theirs)
    # Same kernel (a = -0.5, stretched) and same sample centres: equal away from the border (measured 6e-16).
    assert difference[2:-2, 2:-2].max() < 1e-10
    # Different border handling (truncate + renormalise vs MATLAB's mirroring): not equal (measured 0.07 here).
    assert difference.max() > 1e-2
    # Without antialiasing torch uses a = -0.75 and no stretching: off everywhere (measured 0.4 here).
    assert np.abs(ours - _torch_resize(image, 0.5, antialias=False))[2:-2, 2:-2].max() > 1e-2
    # And torch floors the output size where MATLAB takes the ceiling.
    assert _torch_resize(image[:47], 0.5, antialias=True).shape[0] == 23
    assert matlab_bicubic_resize(image[:47], 0.5).shape[0] == 24


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize("scale", [0.0, -0.5, float("nan")])
def test_non_positive_scale_raises(scale: float) -> None:
    with pytest.raises(ValueError, match="scale must be positive"):
        matlab_bicubic_resize(np.zeros((8, 8)), scale)
    with pytest.raises(ValueError, match="scale must be positive"):
        resize_weights(8, scale)


@pytest.mark.parametrize("shape", [(8,), (1, 8, 8, 3)])
def test_wrong_numpy_ndim_raises(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"\(H, W\) or \(H, W, C\)"):
        matlab_bicubic_resize(np.zeros(shape), 0.5)


def test_one_dimensional_tensor_raises() -> None:
    with pytest.raises(ValueError, match=r"\(\.\.\., H, W\)"):
        matlab_bicubic_resize(torch.zeros(8), 0.5)


def test_complex_tensor_raises() -> None:
    with pytest.raises(TypeError, match="dtype"):
        matlab_bicubic_resize(torch.zeros(4, 4, dtype=torch.complex64), 0.5)


@pytest.mark.parametrize("image", [[[0.0, 1.0], [1.0, 0.0]], "image.png", None])
def test_non_array_input_raises(image) -> None:
    with pytest.raises(TypeError, match="numpy array or a torch tensor"):
        matlab_bicubic_resize(image, 0.5)


def test_empty_axis_raises() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        resize_weights(0, 0.5)
