"""ArcSR: KGconv against a plain conv and the deformable form, DMconv wiring, parameter counts of the Table 1 variants,
shapes, the estimated kernel, the protocol, exact tiling and gradients (docs/decisions/arcsr.md)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from dynsr.inference import super_resolve
from dynsr.tiling import tiled_blocks
from dynsr.models import build_model
from dynsr.models.arcsr import ArcSR, DMBlock, DMConv, KGConv
from dynsr.ops import modulated_deform_conv2d

VARIANTS = {"arcsr": (True, True), "arcsr_no_dmconv": (False, True), "arcsr_no_kgconv": (True, False), "arcsr_baseline": (False, False)}


def parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def small(**kwargs) -> ArcSR:
    """A tiny instance made with the switches: receptive radius 42 with the defaults below."""
    torch.manual_seed(0)
    options = dict(scale=4, channels=8, kg_blocks=2, kgconvs_per_block=2, kernel_size=3, estimator_channels=(8, 16), dm_blocks_per_level=1, max_offset=1.0)
    return ArcSR(**{**options, **kwargs})


def randomise_offsets(model: nn.Module, std: float) -> None:
    """Give the zero-initialised last offset convs random weights, as after training, so that the offsets are not zero."""
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, DMConv):
                module.offset[2].weight.copy_(torch.randn(module.offset[2].weight.shape, generator=generator) * std)


# --- KGconv (§3.2.3) ------------------------------------------------------------------------------------------------

def test_kgconv_with_an_all_ones_kernel_is_a_plain_conv() -> None:
    torch.manual_seed(0)
    conv = KGConv(channels=6, kernel_size=5).double()
    x = torch.randn(2, 6, 9, 7, dtype=torch.float64)
    ones = torch.ones(2, 25, 9, 7, dtype=torch.float64)
    torch.testing.assert_close(conv(x, ones), F.conv2d(x, conv.conv.weight, conv.conv.bias, padding=2), rtol=0, atol=1e-12)


def test_kgconv_is_the_deformable_conv_with_zero_offsets_and_the_kernel_as_mask() -> None:
    torch.manual_seed(0)
    conv = KGConv(channels=4, kernel_size=3).double()
    x, attention = torch.randn(2, 4, 6, 8, dtype=torch.float64), torch.rand(2, 9, 6, 8, dtype=torch.float64)
    zero_offsets = torch.zeros(2, 2 * 9, 6, 8, dtype=torch.float64)  # the bilinear-sampling path, not F.unfold
    expected = modulated_deform_conv2d(x, zero_offsets, conv.conv.weight, conv.conv.bias, mask=attention, padding=1)
    torch.testing.assert_close(conv(x, attention), expected, rtol=0, atol=1e-12)
    # y(p) = Σ_q Σ_c W[:, c, q] · A_p(q) · x_c(p + q) + b, written out with F.unfold
    columns = F.unfold(x, 3, padding=1).view(2, 4, 9, 48) * attention.view(2, 1, 9, 48)  # (B, C, ks², h·w)
    weight = conv.conv.weight.view(4, 4, 9)  # (Cout, Cin, ks²)
    by_hand = torch.einsum("oct,bctl->bol", weight, columns).view(2, 4, 6, 8) + conv.conv.bias.view(1, 4, 1, 1)  # (B, Cout, h, w)
    torch.testing.assert_close(conv(x, attention), by_hand, rtol=0, atol=1e-12)


def test_kgconv_adds_no_parameters_and_the_concatenation_adds_ks2_input_channels() -> None:
    assert parameters(KGConv(channels=64, kernel_size=5)) == parameters(nn.Conv2d(64, 64, 5)) == 64 * 64 * 25 + 64
    # Table 1: w/o KGconv − full = 8 blocks × 3 convs × (C · ks² extra input channels · ks² taps); Baseline − w/o DMconv alike.
    extra = 8 * 3 * 64 * 25 * 25
    assert parameters(ArcSR(scale=4, kgconv=False)) - parameters(ArcSR(scale=4)) == extra == 960_000
    assert parameters(ArcSR(scale=4, dmconv=False, kgconv=False)) - parameters(ArcSR(scale=4, dmconv=False)) == extra


# --- DMconv (§3.2.2) ------------------------------------------------------------------------------------------------

def test_the_convs_of_a_dm_block_deform_each_quarter_in_turn() -> None:
    """With a zero deformable conv and an identity fusion, DMconv j returns its input with quarter j zeroed."""
    block = DMBlock(channels=16, convs=4, dmconv=True, max_offset=1.0, offset_reduction=2)
    x = torch.randn(1, 16, 5, 6)
    for index, conv in enumerate(block.convs):
        with torch.no_grad():
            conv.deform.weight.zero_()
            conv.deform.bias.zero_()
            conv.fuse.weight.copy_(torch.eye(16).view(16, 16, 1, 1))  # identity 1×1 conv (C, C, 1, 1)
            conv.fuse.bias.zero_()
        expected = x.clone()
        expected[:, 4 * index : 4 * index + 4] = 0
        torch.testing.assert_close(conv(x), expected, rtol=0, atol=0)


def test_offsets_come_from_the_other_quarters_and_are_clamped() -> None:
    """A large constant offset is clamped to +max_offset = 1 in y and x: every tap reads one pixel down and right."""
    torch.manual_seed(0)
    conv = DMConv(channels=8, split_index=1, max_offset=1.0, offset_reduction=2).double()
    with torch.no_grad():
        conv.offset[2].bias.fill_(10.0)
        conv.fuse.weight.copy_(torch.eye(8, dtype=torch.float64).view(8, 8, 1, 1))  # identity 1×1 conv (C, C, 1, 1)
        conv.fuse.bias.zero_()
    x = torch.randn(1, 8, 6, 7, dtype=torch.float64)
    assert torch.equal(conv.offsets(x), torch.ones(1, 18, 6, 7, dtype=torch.float64))
    padded = F.pad(x[:, 2:4], (0, 2, 0, 2))  # tap (u, v) of pixel (i, j) reads part[i + u, j + v], zero outside
    expected = F.conv2d(padded, conv.deform.weight, conv.deform.bias)
    torch.testing.assert_close(conv(x)[:, 2:4], expected, rtol=0, atol=1e-12)
    torch.testing.assert_close(conv(x)[:, :2], x[:, :2], rtol=0, atol=0)


# --- parameter counts (none in the paper: our arithmetic) ----------------------------------------------------------

def expected_parameters(*, dmconv: bool, kgconv: bool, scale: int = 4) -> int:
    """The default configuration counted by hand: C = 64, ks = 5 (25 taps), estimator widths (64, 128), 2 DM blocks per
    level of 4 convs, offset branch 3C/4 → 3C/8 → 18, 8 KG blocks of 3 convs, EDSR upsampler."""
    taps = 25

    def dm(c: int) -> int:  # one DMconv, or its 3×3 replacement
        if not dmconv:
            return c * c * 9 + c
        quarter, rest = c // 4, c - c // 4
        hidden = rest // 2
        offset = rest * hidden * 9 + hidden + hidden * 18 * 9 + 18
        return offset + quarter * quarter * 9 + quarter + c * c + c  # + deformable 3×3 + 1×1 fusion

    def stage(c: int) -> int:
        return 2 * 4 * dm(c)

    estimator = (3 * 64 * 9 + 64) + stage(64) + (64 * 128 * 4 + 128) + stage(128) + (128 * 64 * 4 + 64) + stage(64) + (64 * taps * 9 + taps)
    kg = 64 * 64 * taps + 64 if kgconv else 64 * (64 + taps) * taps + 64
    attention = (64 * 64 + 64) + (64 * 64 + 64)  # 1×1 conv + FC
    upsampler = {2: 1, 4: 2}[scale] * (64 * 256 * 9 + 256)
    return estimator + (3 * 64 * 9 + 64) + 8 * (3 * kg + attention) + upsampler + (64 * 3 * 9 + 3)


@pytest.mark.parametrize(("name", "count"), [("arcsr", 3_839_628), ("arcsr_no_dmconv", 4_678_108), ("arcsr_no_kgconv", 4_799_628),
                                             ("arcsr_baseline", 5_638_108)])
def test_parameter_counts_of_the_table_1_variants(name: str, count: int) -> None:
    dmconv, kgconv = VARIANTS[name]
    model = build_model(name, scale=4)
    assert (model.dmconv, model.kgconv) == (dmconv, kgconv)
    assert parameters(model) == model.paper_parameter_count() == expected_parameters(dmconv=dmconv, kgconv=kgconv) == count
    assert parameters(build_model(name, scale=2)) == expected_parameters(dmconv=dmconv, kgconv=kgconv, scale=2)


# --- shapes, kernel, protocol ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("scale", [2, 4])
def test_shapes_and_the_kernel_from_one_estimator_run(scale: int) -> None:
    model = small(scale=scale)
    lr = torch.rand(2, 3, 13, 11)  # odd sizes: padded inside the estimator to its factor 2, cropped back
    calls = []
    model.estimator.register_forward_hook(lambda *_: calls.append(1))
    sr, kernel = model(lr, return_kernel=True)
    assert sr.shape == (2, 3, 13 * scale, 11 * scale) and kernel.shape == (2, 9, 13, 11) and len(calls) == 1
    assert (kernel > 0).all()
    torch.testing.assert_close(kernel.sum(dim=1), torch.ones(2, 13, 11), rtol=0, atol=1e-6)  # softmax over the ks² taps
    torch.testing.assert_close(model(lr), sr, rtol=0, atol=0)
    torch.testing.assert_close(model.estimate_kernel(lr), kernel, rtol=0, atol=0)
    raw = small(kernel_normalization="none").estimate_kernel(lr)
    assert not torch.allclose(raw.sum(dim=1), torch.ones(2, 13, 11))


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_protocol_and_receptive_radius(name: str) -> None:
    model = build_model(name, scale=4)
    assert model.conditioning == "blind" and model.scale == 4 and model.tile_multiple == 2
    # Estimator context E: DMconv 1 + max_offset 4 = 5 pixels (3×3 conv: 1), a level's 2 blocks × 4 convs = 40 (8);
    # position 1: tail [0, 2], decoder [−40, 42], up to level 1 [−20, 21], bottom [−60, 61], down to LR [−120, 123],
    # encoder [−160, 163], head [−161, 164]: E = 163 (35).
    # Output: upsampler 2 + tail 1 + 24 convs × 2 + E, less 2 for a KGconv (its kernel is read at its output pixel
    # only): 212, 214 w/o KGconv, 84 w/o DMconv (3 + 46 + 35), 86 Baseline; all multiples of the U-net's factor 2.
    dmconv, kgconv = VARIANTS[name]
    assert model.estimator.radius == (163 if dmconv else 35)
    assert model.receptive_radius == 3 + 48 - (2 if kgconv else 0) + model.estimator.radius
    assert model.receptive_radius == {"arcsr": 212, "arcsr_no_kgconv": 214, "arcsr_no_dmconv": 84, "arcsr_baseline": 86}[name]


# --- exact tiling, gradients -----------------------------------------------------------------------------------------

def test_tiled_inference_is_exact_with_tiles_on_the_unet_grid() -> None:
    model = small().eval()
    randomise_offsets(model, std=1.0)  # offsets up to the clamp
    lr = np.random.default_rng(0).random((20, 150, 3), dtype=np.float32)
    assert model.receptive_radius == 42
    image = torch.from_numpy(lr).permute(2, 0, 1)[None]  # (1, 3, h, w)
    with torch.no_grad():
        whole = model(image)[0].permute(1, 2, 0).numpy()  # (s·h, s·w, 3)
        offsets = model.estimator.encoder[0][0].convs[0].offsets(model.estimator.head(image))
    assert offsets.abs().max() == 1.0 and offsets.abs().mean() > 0.1  # deformed, and clamped in places
    tiled = super_resolve(model, lr, tile=60)  # 3 tiles; tile and overlap are multiples of tile_multiple
    np.testing.assert_allclose(tiled, whole, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(super_resolve(model, lr, tile=59), tiled)  # an odd tile is rounded up to 60: the U-net's grid
    off_grid = np.zeros_like(whole)
    with torch.no_grad():
        blocks = tiled_blocks(lambda crop: model(torch.from_numpy(np.ascontiguousarray(crop))[None])[0], lr.transpose(2, 0, 1), scale=4, tile=61,
                              overlap=model.receptive_radius)
        for window, block in blocks:  # without that rounding, the second context window starts at column 19: the U-net's other phase
            off_grid[window.output_slices(4)] = block.permute(1, 2, 0).numpy()
    assert np.abs(off_grid - whole).max() > 1e-4


def test_an_lr_pixel_changes_nothing_beyond_the_receptive_radius() -> None:
    model = small().eval()
    randomise_offsets(model, std=1.0)
    lr = torch.rand(1, 3, 20, 200, generator=torch.Generator().manual_seed(0))
    changed = lr.clone()
    changed[..., 101] += 1
    with torch.no_grad():
        condition = model.image_condition(lr)  # the channel weights of the whole image, as in tiled inference
        difference = (model(changed, **condition) - model(lr, **condition)).abs().amax(dim=(0, 1, 2))  # per SR column
    columns = difference.nonzero().flatten() // model.scale  # LR columns whose output changed
    assert columns.min() >= 101 - model.receptive_radius and columns.max() <= 101 + model.receptive_radius
    assert columns.max() - columns.min() > model.receptive_radius  # the estimator's reach, far beyond the KG convs' (7)


@pytest.mark.parametrize("variant", [{}, {"dmconv": False, "kgconv": False}])
def test_gradient_reaches_every_parameter(variant: dict) -> None:
    model = small(estimator_channels=(16, 16), **variant)  # with 8 channels a DMconv's 2-channel quarter can be all ReLU-dead at init
    randomise_offsets(model, std=0.05)
    sr, kernel = model(torch.rand(2, 3, 10, 12), return_kernel=True)
    sr.square().mean().backward()
    missing = [name for name, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing
