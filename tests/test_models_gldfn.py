"""GLDFN: parameter counts against the text-derived arithmetic (and the paper's unreached 14.70 M), the size-matched
Table I variants, shapes, the protocol, exact tiling with whole-image pools, gradients, and MACs against hand counts."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import torch

from dynsr.compute import count_macs
from dynsr.inference import super_resolve
from dynsr.models import build_model
from dynsr.models.gldfn import ABLATIONS, GLDFN, GlobalDynamicFilter, LocalDynamicFilter
from dynsr.tiling import tiled_upscale

PAPER_PARAMETERS = 14.70e6  # Table IV (Table I, Exp. D: 14.696 M)
PAPER_MACS = 346.74e9  # Table IV "FLOPs" at LR 180×270 (MACs, as its DCLS row)
VARIANTS = {"gldfn": "D", "gldfn_a": "A", "gldfn_b": "B", "gldfn_c": "C"}

# The text-derived arithmetic at the defaults (C = 64, K = 4, two convs per branch, 5 × 10 DDFMs, 3 shallow blocks;
# docs/decisions/gldfn.md, G2-G12). A 3×3 conv C → C has 64·64·9 + 64 parameters.
CONV = 64 * 64 * 9 + 64  # 36,928
GDF = 4 * CONV + (64 * 16 + 16) + (16 * 4 + 4)  # K experts with biases; attention FC 64 → 16 → 4
LDF = (64 * 9 + 9) + (64 * 12 + 12) + (12 * 576 + 576) + 576  # spatial 1×1 conv; channel FCs 64 → 12 → 64·9; learned scale
DDFM = {"D": 4 * CONV + GDF + LDF, "A": 6 * CONV, "B": 5 * CONV + GDF, "C": 5 * CONV + LDF}


def fixed_parameters(scale: int) -> int:
    """Everything but the DDFMs: head, 3 shallow blocks, 5 fusion 1×1 convs 2C → C, reconstruction conv, sub-pixel conv C → 3s²."""
    return (3 * 64 * 9 + 64) + 3 * 3 * CONV + 5 * (128 * 64 + 64) + CONV + (64 * 3 * scale**2 * 9 + 3 * scale**2)


def parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@functools.cache
def counted(name: str, scale: int) -> int:
    """Parameters of a registered full-size model (built once per name and scale in this file)."""
    return parameters(build_model(name, scale=scale))


def small(*, scale: int = 2, **switches) -> GLDFN:
    """A small instance made with the switches (C = 8, K = 3, two groups of one DDFM)."""
    torch.manual_seed(0)
    options = dict(channels=8, group_modules=(1, 1), shallow_blocks=1, experts=3, attention_reduction=2, ldf_se_ratio=0.25) | switches
    return GLDFN(scale=scale, **options)


def test_layer_parameter_counts() -> None:
    assert (GDF, LDF, DDFM["D"]) == (148_820, 9_429, 305_961)
    assert parameters(GlobalDynamicFilter(channels=64, experts=4, reduction=4, temperature=1.0)) == GDF
    assert parameters(LocalDynamicFilter(channels=64, kernel_size=3, se_ratio=0.2)) == LDF


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_parameter_counts_match_the_text_derived_arithmetic(scale: int) -> None:
    assert counted("gldfn", scale) == fixed_parameters(scale) + 50 * DDFM["D"]
    for name in ("gldfn_a", "gldfn_b", "gldfn_c"):
        variant = VARIANTS[name]
        assert counted(name, scale) == fixed_parameters(scale) + sum(ABLATIONS[variant]["group_modules"]) * DDFM[variant]
    assert counted("gldfn", 4) == 15_738_098


def test_the_papers_size_is_not_reached_by_the_text_faithful_model() -> None:
    """The documented gap (docs/decisions/gldfn.md, G12): +7.06 % parameters, +36.5 % MACs at LR 180×270, ×4."""
    ours = counted("gldfn", 4)
    assert not math.isclose(ours, PAPER_PARAMETERS, rel_tol=0.01)
    assert ours / PAPER_PARAMETERS - 1 == pytest.approx(0.0706, abs=5e-4)
    assert full_size_macs(180, 270) / PAPER_MACS - 1 == pytest.approx(0.3654, abs=5e-4)


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_ablation_variants_are_within_0_3_percent_of_d(scale: int) -> None:
    """Table I: "the number of parameters in Experiments A, B, and C are approximately equal to ... D" (paper: within 0.27 %)."""
    d = counted("gldfn", scale)
    for name in ("gldfn_a", "gldfn_b", "gldfn_c"):
        assert abs(counted(name, scale) / d - 1) < 0.003, name


def test_ablation_variants_have_the_layers_of_table_i() -> None:
    expected = {"D": (True, True), "A": (False, False), "B": (True, False), "C": (False, True)}
    for name, variant in VARIANTS.items():
        model = build_model(name, scale=2, channels=8, group_modules=(1,), shallow_blocks=0, attention_reduction=2, ldf_se_ratio=0.25)
        kinds = {type(module) for module in model.modules()}
        assert (GlobalDynamicFilter in kinds, LocalDynamicFilter in kinds) == expected[variant], name


@pytest.mark.parametrize("scale", [2, 3, 4])
@pytest.mark.parametrize("upsampler", ["subpixel", "progressive"])
def test_output_shapes(scale: int, upsampler: str) -> None:
    model = small(scale=scale, upsampler=upsampler)
    assert model(torch.rand(2, 3, 5, 7)).shape == (2, 3, 5 * scale, 7 * scale)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_registered_variants_satisfy_the_protocol(name: str) -> None:
    model = build_model(name, scale=4)  # checked by build_model (dynsr.models.protocol)
    layout = ABLATIONS[VARIANTS[name]]["group_modules"] if name != "gldfn" else (10,) * 5
    assert model.scale == 4 and model.conditioning == "blind" and model.group_modules == tuple(layout)
    assert model.receptive_radius == 1 + 3 * 3 + 3 * sum(layout) + 1 + 1  # head, shallow blocks, per DDFM 2 convs + filter, recon, sub-pixel
    assert model.paper_parameter_count() == parameters(model) == counted(name, 4)


def test_whole_image_pools_reproduce_the_forward() -> None:
    model = small(scale=3).eval()
    lr = torch.rand(2, 3, 6, 5)
    with torch.no_grad():
        condition = model.image_condition(lr)
        assert len(condition["pools"]) == 2 * 2 and all(pool.shape == (2, 8) for pool in condition["pools"])  # a GDF and an LDF per DDFM
        assert torch.equal(model(lr, **condition), model(lr))
        with pytest.raises(ValueError, match="pools were given"):
            model(lr, pools=condition["pools"][:-1])


def test_tiled_inference_is_exact() -> None:
    """super_resolve computes the pools once on the whole image (image_condition); tiles with their own pools would differ."""
    model = small(scale=2, group_modules=(1,), branch_convs=1).eval()
    rng = np.random.default_rng(0)
    lr = rng.random((30, 34, 3))
    lr[:, :12] *= 0.1  # tiles of different content, hence different pools
    x = torch.from_numpy(lr.astype(np.float32)).permute(2, 0, 1)[None]  # (1, 3, 30, 34)
    assert model.receptive_radius == 1 + 3 + 2 + 1 + 1 and 8 + 2 * model.receptive_radius < 30
    with torch.no_grad():
        whole = model(x)
        per_tile = tiled_upscale(model, x, scale=2, tile=8, overlap=model.receptive_radius)
    assert (per_tile - whole).abs().max() > 1e-4
    tiled = super_resolve(model, lr, tile=8)
    expected = whole[0].permute(1, 2, 0).double().numpy()  # (60, 68, 3)
    np.testing.assert_allclose(tiled, expected, rtol=0, atol=1e-5)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_gradient_reaches_every_parameter(name: str) -> None:
    torch.manual_seed(0)
    model = build_model(name, scale=2, channels=8, group_modules=(1, 1), shallow_blocks=1, experts=3, attention_reduction=2, ldf_se_ratio=0.25)
    (model(torch.rand(2, 3, 6, 6)) * torch.randn(2, 3, 12, 12)).sum().backward()
    silent = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not silent


def test_gdf_and_ldf_macs_against_hand_counts() -> None:
    batch, channels, height, width, experts, taps = 2, 8, 5, 7, 3, 9
    x, pooled = torch.rand(batch, channels, height, width), torch.rand(batch, channels)
    gdf = GlobalDynamicFilter(channels=channels, experts=experts, reduction=2, temperature=1.0)
    with torch.no_grad():
        macs = count_macs(gdf, x, pooled)
    conv = batch * channels * channels * taps * height * width  # the per-sample aggregated 3×3 conv
    mixing = batch * experts * (channels * channels * taps + channels)  # Σ_k π_k W̃_k and Σ_k π_k b̃_k
    attention = batch * (channels * 4 + 4 * experts)  # FC C → C/2 → K on the pool
    assert (macs.aten, macs.dynamic) == (conv + mixing + attention, {})
    ldf = LocalDynamicFilter(channels=channels, kernel_size=3, se_ratio=0.25)
    with torch.no_grad():
        macs = count_macs(ldf, x, pooled)
    spatial = batch * channels * taps * height * width  # 1×1 conv C → k²
    channel = batch * (channels * 2 + 2 * channels * taps)  # FC C → 2 → C·k² on the pool
    assert macs.aten == spatial + channel
    assert macs.dynamic == {"decoupled_dynamic_filter": 2 * batch * channels * height * width * taps}  # Eq. 5: filter product, then the tap


def full_size_macs(height: int, width: int) -> int:
    """MACs of the default ×4 model on one LR image (h, w): per pixel, then per image (GDF expert mixing, attention, LDF channel branch)."""
    per_pixel = (
        3 * 64 * 9  # head
        + 3 * 3 * 64 * 64 * 9  # shallow blocks
        + 50 * (4 * 64 * 64 * 9 + 64 * 64 * 9 + 64 * 9 + 2 * 64 * 9)  # DDFM: branch convs, GDF conv, LDF spatial 1×1 conv and filter
        + 5 * 128 * 64  # fusion 1×1 convs
        + 64 * 64 * 9 + 64 * 48 * 9  # reconstruction conv, sub-pixel conv C → 3·4²
    )
    per_image = 50 * ((4 * 64 * 64 * 9 + 4 * 64 + 64 * 16 + 16 * 4) + (64 * 12 + 12 * 576))
    return per_pixel * height * width + per_image


def test_full_model_macs_against_the_hand_count() -> None:
    """count_macs of the default ×4 model on a small input is the hand count; at LR 180×270 the count is 473.44 G (measured
    once with count_macs there in 34 s: 473,438,697,600), against the paper's 346.74 G (docs/decisions/gldfn.md, G12)."""
    torch.manual_seed(0)
    model = GLDFN(scale=4).eval()
    with torch.no_grad():
        macs = count_macs(model, torch.rand(1, 3, 4, 6))
    assert macs.total == full_size_macs(4, 6)
    assert macs.dynamic == {"decoupled_dynamic_filter": 50 * 2 * 64 * 4 * 6 * 9}
    assert full_size_macs(180, 270) == 473_438_697_600
