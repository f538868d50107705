"""Per-pixel dynamic convolution (UDVD Eq. 2 / Eq. 3, DMSR Eq. 4) against explicit loops."""

from __future__ import annotations


import math
from collections.abc import Iterator

import numpy as np
import pytest
import torch

from dynsr.ops import per_pixel_conv2d, per_pixel_conv2d_upsample
from dynsr.ops import per_pixel as per_pixel_module
from dynsr.ops import _common as ops_common
from dynsr.ops.reference import per_pixel_conv2d_unfold, per_pixel_conv2d_upsample_unfold

F64 = torch.float64


TILINGS = ["default-tiles", "smallest-tiles", "smallest-tiles-two-workers"]


@pytest.fixture(params=TILINGS)
def tiling(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run a test with the default tiles, with the smallest ones (one sample, the thinnest row bands), and
    with the smallest ones on two serial worker threads (torch at two threads, even for tiny tensors)."""
    if request.param != "default-tiles":
        monkeypatch.setattr(per_pixel_module, "TAP_LOOP_CHUNK_BYTES", 1)
    threads = torch.get_num_threads()
    if request.param == "smallest-tiles-two-workers":
        monkeypatch.setattr(ops_common, "SERIAL_ELEMENTS", 0)
        torch.set_num_threads(2)
    yield
    torch.set_num_threads(threads)


def loop_per_pixel(x: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
    """out[b,c,i,j] = Σ_{u,v} K[b,(c,)u·k+v,i,j] · x[b,c,i+u−Δ,j+v−Δ], zero outside (the documented order)."""
    xs, ks = x.numpy(), kernels.numpy()
    batch, channels, height, width = xs.shape
    size = math.isqrt(ks.shape[-3])
    radius = size // 2
    out = np.zeros_like(xs)
    for b in range(batch):
        for c in range(channels):
            kernel = ks[b] if ks.ndim == 4 else ks[b, c]
            for i in range(height):
                for j in range(width):
                    for u in range(size):
                        for v in range(size):
                            y, z = i + u - radius, j + v - radius
                            if 0 <= y < height and 0 <= z < width:
                                out[b, c, i, j] += kernel[u * size + v, i, j] * xs[b, c, y, z]
    return torch.from_numpy(out)


def loop_udvd_eq2(x: torch.Tensor, kernel_uv: torch.Tensor) -> torch.Tensor:
    """UDVD Eq. 2 literally: I_out(i,j) = Σ_{u,v=−Δ..Δ} K_{i,j}(u,v)·I_in(i−u, j−v), K stored (B, k, k, H, W)."""
    xs, ks = x.numpy(), kernel_uv.numpy()
    batch, channels, height, width = xs.shape
    radius = ks.shape[1] // 2
    out = np.zeros_like(xs)
    for b in range(batch):
        for c in range(channels):
            for i in range(height):
                for j in range(width):
                    for u in range(-radius, radius + 1):
                        for v in range(-radius, radius + 1):
                            if 0 <= i - u < height and 0 <= j - v < width:
                                out[b, c, i, j] += ks[b, u + radius, v + radius, i, j] * xs[b, c, i - u, j - v]
    return torch.from_numpy(out)


def loop_udvd_eq3(x: torch.Tensor, kernels: torch.Tensor, scale: int) -> torch.Tensor:
    """Corrected UDVD Eq. 3: out(i·r+x, j·r+y) = Σ_t K[t·r² + x·r + y](i, j)·in(i+dy_t, j+dx_t)."""
    xs, ks = x.numpy(), kernels.numpy()
    batch, channels, height, width = xs.shape
    size = math.isqrt(ks.shape[1] // (scale * scale))
    radius = size // 2
    out = np.zeros((batch, channels, height * scale, width * scale))
    for b in range(batch):
        for c in range(channels):
            for i in range(height):
                for j in range(width):
                    for sub_y in range(scale):
                        for sub_x in range(scale):
                            total = 0.0
                            for u in range(size):
                                for v in range(size):
                                    y, z = i + u - radius, j + v - radius
                                    if 0 <= y < height and 0 <= z < width:
                                        tap = (u * size + v) * scale * scale + sub_y * scale + sub_x
                                        total += ks[b, tap, i, j] * xs[b, c, y, z]
                            out[b, c, i * scale + sub_y, j * scale + sub_x] = total
    return torch.from_numpy(out)


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("size", [1, 3, 5])
@pytest.mark.parametrize("height, width", [(5, 5), (4, 6)])
def test_shared_kernels_match_loop(tiling: None, batch: int, size: int, height: int, width: int) -> None:
    torch.manual_seed(size * 10 + batch)
    x = torch.randn(batch, 2, height, width, dtype=F64)
    kernels = torch.randn(batch, size * size, height, width, dtype=F64)
    expected = loop_per_pixel(x, kernels)
    torch.testing.assert_close(per_pixel_conv2d(x, kernels), expected)
    torch.testing.assert_close(per_pixel_conv2d_unfold(x, kernels), expected)


@pytest.mark.parametrize("size", [1, 3, 5])
def test_per_channel_kernels_match_loop(tiling: None, size: int) -> None:
    torch.manual_seed(size)
    x = torch.randn(2, 3, 5, 4, dtype=F64)
    kernels = torch.randn(2, 3, size * size, 5, 4, dtype=F64)
    expected = loop_per_pixel(x, kernels)
    torch.testing.assert_close(per_pixel_conv2d(x, kernels), expected)
    torch.testing.assert_close(per_pixel_conv2d_unfold(x, kernels), expected)


def test_dmsr_15x15_kernels_on_tiny_image(tiling: None) -> None:
    torch.manual_seed(15)
    x = torch.randn(2, 2, 9, 8, dtype=F64)
    kernels = torch.randn(2, 225, 9, 8, dtype=F64)
    torch.testing.assert_close(per_pixel_conv2d(x, kernels), loop_per_pixel(x, kernels))


def test_flipped_taps_give_udvd_eq2_convolution_order() -> None:
    torch.manual_seed(2)
    x = torch.randn(2, 2, 5, 6, dtype=F64)
    kernel_uv = torch.randn(2, 3, 3, 5, 6, dtype=F64)  # K_{i,j}(u, v) at [b, u+Δ, v+Δ, i, j]
    kernels = kernel_uv.reshape(2, 9, 5, 6).flip(1)  # (B, k², H, W) in dynsr's correlation order
    torch.testing.assert_close(per_pixel_conv2d(x, kernels), loop_udvd_eq2(x, kernel_uv))


def test_one_hot_kernel_is_a_shift_in_the_documented_direction() -> None:
    x = torch.arange(2 * 5 * 6, dtype=F64).reshape(1, 2, 5, 6)
    kernels = torch.zeros(1, 9, 5, 6, dtype=F64)
    kernels[:, 2] = 1.0  # tap 2 of a 3×3 window = (dy, dx) = (−1, +1): reads x[i − 1, j + 1]
    out = per_pixel_conv2d(x, kernels)
    torch.testing.assert_close(out[..., 1:, :-1], x[..., :-1, 1:])
    assert out[..., 0, :].abs().sum() == 0 and out[..., :, -1].abs().sum() == 0


@pytest.mark.parametrize("scale", [2, 3, 4])
@pytest.mark.parametrize("size", [1, 3])
def test_upsample_matches_corrected_eq3(tiling: None, scale: int, size: int) -> None:
    torch.manual_seed(scale * 7 + size)
    x = torch.randn(2, 2, 4, 3, dtype=F64)
    kernels = torch.randn(2, size * size * scale * scale, 4, 3, dtype=F64)
    expected = loop_udvd_eq3(x, kernels, scale)
    torch.testing.assert_close(per_pixel_conv2d_upsample(x, kernels, scale=scale), expected)
    torch.testing.assert_close(per_pixel_conv2d_upsample_unfold(x, kernels, scale=scale), expected)


def test_upsample_k5_batch1_odd_size() -> None:
    torch.manual_seed(5)
    x = torch.randn(1, 3, 5, 5, dtype=F64)
    kernels = torch.randn(1, 25 * 4, 5, 5, dtype=F64)
    torch.testing.assert_close(per_pixel_conv2d_upsample(x, kernels, scale=2), loop_udvd_eq3(x, kernels, 2))


def test_upsample_kernels_are_pixel_shuffle_compatible() -> None:
    """pixel_shuffle(kernels)[:, :, i·r+x, j·r+y] is the kernel of output pixel (i·r+x, j·r+y)."""
    torch.manual_seed(3)
    scale = 2
    x = torch.randn(1, 2, 4, 5, dtype=F64)
    kernels = torch.randn(1, 9 * scale * scale, 4, 5, dtype=F64)
    hr_kernels = torch.nn.functional.pixel_shuffle(kernels, scale)  # (1, 9, rH, rW)
    out = per_pixel_conv2d_upsample(x, kernels, scale=scale)
    for sub_y in range(scale):
        for sub_x in range(scale):
            expected = per_pixel_conv2d(x, hr_kernels[:, :, sub_y::scale, sub_x::scale])
            torch.testing.assert_close(out[..., sub_y::scale, sub_x::scale], expected)


def test_upsample_with_scale_1_is_per_pixel_conv() -> None:
    torch.manual_seed(4)
    x = torch.randn(2, 3, 5, 4, dtype=F64)
    kernels = torch.randn(2, 25, 5, 4, dtype=F64)
    torch.testing.assert_close(per_pixel_conv2d_upsample(x, kernels, scale=1), per_pixel_conv2d(x, kernels))


def test_per_channel_upsample_matches_reference() -> None:
    torch.manual_seed(6)
    x = torch.randn(2, 3, 4, 5, dtype=F64)
    kernels = torch.randn(2, 3, 9 * 4, 4, 5, dtype=F64)
    torch.testing.assert_close(
        per_pixel_conv2d_upsample(x, kernels, scale=2), per_pixel_conv2d_upsample_unfold(x, kernels, scale=2)
    )


def test_non_contiguous_inputs() -> None:
    torch.manual_seed(8)
    x = torch.randn(2, 3, 6, 5, dtype=F64).transpose(2, 3)  # (2, 3, 5, 6), non-contiguous
    kernels = torch.randn(2, 9, 6, 5, dtype=F64).transpose(2, 3).requires_grad_()
    weights = torch.randn(2, 3, 6, 5, dtype=F64).transpose(2, 3)  # non-contiguous grad_out
    fast = per_pixel_conv2d(x, kernels)
    slow = per_pixel_conv2d_unfold(x, kernels)
    torch.testing.assert_close(fast, slow)
    torch.testing.assert_close(
        torch.autograd.grad((fast * weights).sum(), kernels), torch.autograd.grad((slow * weights).sum(), kernels)
    )


def test_float32_matches_float64() -> None:
    torch.manual_seed(7)
    x = torch.randn(2, 4, 6, 7, dtype=F64)
    kernels = torch.randn(2, 25, 6, 7, dtype=F64)
    out32 = per_pixel_conv2d(x.float(), kernels.float())
    torch.testing.assert_close(out32, per_pixel_conv2d(x, kernels).float(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("per_channel", [False, True])
@pytest.mark.parametrize("size", [1, 3, 5])
def test_gradcheck_per_pixel(tiling: None, size: int, per_channel: bool) -> None:
    torch.manual_seed(size)
    x = torch.randn(2, 2, 4, 3, dtype=F64, requires_grad=True)
    shape = (2, 2, size * size, 4, 3) if per_channel else (2, size * size, 4, 3)
    kernels = torch.randn(*shape, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(per_pixel_conv2d, (x, kernels))


@pytest.mark.parametrize("scale, size", [(2, 3), (3, 1), (4, 1)])
def test_gradcheck_upsample(tiling: None, scale: int, size: int) -> None:
    torch.manual_seed(scale)
    x = torch.randn(2, 2, 3, 2, dtype=F64, requires_grad=True)
    kernels = torch.randn(2, size * size * scale * scale, 3, 2, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, k: per_pixel_conv2d_upsample(a, k, scale=scale), (x, kernels))


def test_gradcheck_15x15_fast_mode() -> None:
    torch.manual_seed(15)
    x = torch.randn(1, 2, 5, 4, dtype=F64, requires_grad=True)
    kernels = torch.randn(1, 225, 5, 4, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(per_pixel_conv2d, (x, kernels), fast_mode=True)


@pytest.mark.parametrize("scale", [1, 3])
def test_gradients_match_unfold_reference_at_k15(tiling: None, scale: int) -> None:
    torch.manual_seed(scale)
    x = torch.randn(3, 2, 7, 6, dtype=F64, requires_grad=True)
    kernels = torch.randn(3, 225 * scale * scale, 7, 6, dtype=F64, requires_grad=True)
    weights = torch.randn(3, 2, 7 * scale, 6 * scale, dtype=F64)
    fast = per_pixel_conv2d_upsample(x, kernels, scale=scale)
    slow = per_pixel_conv2d_upsample_unfold(x, kernels, scale=scale)
    grads_fast = torch.autograd.grad((fast * weights).sum(), (x, kernels))
    grads_slow = torch.autograd.grad((slow * weights).sum(), (x, kernels))
    for got, want in zip(grads_fast, grads_slow):
        torch.testing.assert_close(got, want)


def test_gradient_only_for_kernels() -> None:
    x = torch.randn(1, 2, 4, 4, dtype=F64)
    kernels = torch.randn(1, 9, 4, 4, dtype=F64, requires_grad=True)
    (grad,) = torch.autograd.grad(per_pixel_conv2d(x, kernels).sum(), (kernels,))
    (want,) = torch.autograd.grad(per_pixel_conv2d_unfold(x, kernels).sum(), (kernels,))
    torch.testing.assert_close(grad, want)


@pytest.mark.parametrize(
    "x_shape, kernel_shape, message",
    [
        ((1, 2, 4, 4), (1, 8, 4, 4), r"odd kernel size"),
        ((1, 2, 4, 4), (1, 4, 4, 4), r"odd kernel size"),
        ((1, 2, 4, 4), (2, 9, 4, 4), r"\(B, k², H, W\) = \(1, k², 4, 4\)"),
        ((1, 2, 4, 4), (1, 9, 4, 5), r"\(B, C, k², H, W\) = \(1, 2, k², 4, 4\)"),
        ((1, 2, 4, 4), (1, 3, 9, 4, 4), r"got \(1, 3, 9, 4, 4\)"),
        ((2, 4, 4), (1, 9, 4, 4), r"x must have shape \(B, C, H, W\)"),
    ],
)
def test_shape_errors_name_the_expected_shape(
    x_shape: tuple[int, ...], kernel_shape: tuple[int, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        per_pixel_conv2d(torch.zeros(x_shape), torch.zeros(kernel_shape))


def test_upsample_errors() -> None:
    with pytest.raises(ValueError, match=r"\(B, k²·4, H, W\)"):
        per_pixel_conv2d_upsample(torch.zeros(1, 1, 3, 3), torch.zeros(1, 9, 3, 3), scale=2)
    with pytest.raises(ValueError, match="scale must be a positive int"):
        per_pixel_conv2d_upsample(torch.zeros(1, 1, 3, 3), torch.zeros(1, 9, 3, 3), scale=0)


def test_dtype_mismatch_is_reported() -> None:
    with pytest.raises(TypeError, match="kernels is torch.float32 .* but x is torch.float64"):
        per_pixel_conv2d(torch.zeros(1, 1, 3, 3, dtype=F64), torch.zeros(1, 9, 3, 3))
