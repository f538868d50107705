"""DMSR: parameter counts against the paper (Table B.5) and every alternative reading (docs/decisions/dmsr.md, M16), the
degradation extractor's outputs, the MBM's wiring and PCA initialisation, the switches, the protocol, exact tiling, the
receptive radius and the gradient path of joint training."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from dynsr.degradations.pca import kernel_pca_code, load_pca_basis
from dynsr.inference import super_resolve
from dynsr.models import build_model
from dynsr.models.dmsr import DMSR, DMSROutput, MetaDeblur, pca_initial_weights
from dynsr.tiling import tiled_upscale


def parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def conv(cin: int, cout: int, k: int = 3) -> int:
    return cin * cout * k * k + cout


@functools.cache
def full(**kwargs) -> DMSR:
    """A full-size model without initialising its weights (counting only; shared, never modified)."""
    with torch.device("meta"):
        return DMSR(**kwargs)


def small(**kwargs) -> DMSR:
    torch.manual_seed(0)
    options = dict(channels=16, groups=1, blocks=2, extractor_channels=16) | kwargs
    return DMSR(**options)


def sr_network(model: DMSR) -> int:
    return parameters(model) - parameters(model.extractor)


# Table B.6 / B.7 arithmetic (docs/decisions/dmsr.md, M16)
EXTRACTOR = conv(3, 64) + 2 * 2 * conv(64, 64) + conv(64, 3) + conv(64, 128) + conv(128, 225)
RCAB = 2 * conv(64, 64) + conv(64, 4, 1) + conv(4, 64, 1)
BODY = 5 * (20 * RCAB + conv(64, 64)) + conv(64, 64)
MBM = 225 * 15 + 15 + conv(18, 225)
SR_X2 = conv(6, 64, 1) + conv(64, 64) + BODY + conv(64, 256) + conv(64, 3) + MBM + conv(3, 3)


# ------------------------------------------------------------------------------------------------ sizes


def test_extractor_has_the_papers_0_48m() -> None:
    """Table B.5: DE 0.48M; Table B.6 with EDSR residual blocks (no BN) and biases everywhere."""
    assert EXTRACTOR == 484_516
    assert parameters(full(scale=2).extractor) == 484_516


@pytest.mark.parametrize(("scale", "sr"), [(2, 7_892_136), (3, 8_076_776), (4, 8_039_848)])
def test_sr_network_counts(scale: int, sr: int) -> None:
    """Table B.5 (×2): SR network 7.89M, total 8.37M; ×3 and ×4 differ only in the upsampler (M7)."""
    model = full(scale=scale)
    assert sr_network(model) == sr
    assert parameters(model) == model.paper_parameter_count() == sr + 484_516
    assert SR_X2 == 7_892_136 and 8_376_652 // 10_000 == 837  # "8.37M"


@pytest.mark.parametrize(("options", "sr"), [
    (dict(mnm_kernel_size=3), SR_X2 + conv(6, 64) - conv(6, 64, 1)),  # 7,895,208: also "7.89M" (M3)
    (dict(body_tail=False), SR_X2 - conv(64, 64)),  # 7,855,208: "7.86M" (M5)
    (dict(reduction=8), SR_X2 + 100 * (conv(64, 8, 1) + conv(8, 64, 1) - conv(64, 4, 1) - conv(4, 64, 1))),  # 7,943,736
    (dict(reduction=8, body_tail=False), SR_X2 - conv(64, 64) + 100 * 516),  # 7,906,808
    (dict(meta_kernel_size=1), SR_X2 - conv(18, 225) + conv(18, 225, 1)),  # 7,859,736 (M9)
])
def test_alternative_readings_miss_the_papers_count(options: dict, sr: int) -> None:
    """Only RCAN's body-end conv, reduction 16 and a 3×3 meta-layer give 7.89M (M16). A 3×3 MNM gives 7.89M truncated
    but 7.90M rounded (M3); the default gives 7.89M either way."""
    count = sr_network(full(scale=2, **options))
    assert count == sr
    assert (count // 10_000 == 789) == ("mnm_kernel_size" in options) and round(count, -4) != 7_890_000
    assert SR_X2 // 10_000 == round(SR_X2, -4) // 10_000 == 789


def test_scale_and_upsampler_counts() -> None:
    assert sr_network(full(scale=3)) == SR_X2 - conv(64, 256) + conv(64, 576)
    assert sr_network(full(scale=4)) == SR_X2 + conv(64, 256)  # two ×2 stages (EDSR)
    assert sr_network(full(scale=4, upsampler="single")) == SR_X2 - conv(64, 256) + conv(64, 1024)
    assert sr_network(full(scale=2, upsampler="single")) == SR_X2 and sr_network(full(scale=2, upsampler_relu=False)) == SR_X2


@pytest.mark.parametrize("count", [0, 1, 2, 3])
def test_mbm_count_changes_the_count_by_one_mbm_each(count: int) -> None:
    """Table 4 (2, 3 MBMs) and Table 3 (no MBM): each MBM is FC(225, 15) + Conv(18, 225) = 40,065 (M13); with an output
    conv per MBM, Conv(3, 3) = 84 more per extra MBM."""
    assert MBM == 40_065
    assert sr_network(full(scale=2, mbm_count=count)) == SR_X2 + (count - 1) * MBM
    if count:
        assert sr_network(full(scale=2, mbm_count=count, mbm_output_conv="per_mbm")) == SR_X2 + (count - 1) * (MBM + conv(3, 3))


def test_mnm_sigma_extractor_predicts_one_channel() -> None:
    """MNM-σ (Table 3; M4): the noise branch is Conv(64, 1); the SR network is unchanged."""
    model = full(scale=2, noise_estimate="sigma")
    assert parameters(model.extractor) == 484_516 - conv(64, 3) + conv(64, 1) and sr_network(model) == SR_X2


def test_invalid_switches_are_refused() -> None:
    for options, message in [(dict(noise_estimate="scalar"), "noise_estimate"), (dict(upsampler="deconv"), "upsampler"),
                             (dict(mbm_output_conv="each"), "mbm_output_conv"), (dict(dynamic_kernel_normalization="sum"), "normalization"),
                             (dict(pca_init="ikc_dan"), "pca_init"), (dict(mbm_count=-1), "mbm_count"), (dict(mnm_kernel_size=2), "odd")]:
        with pytest.raises(ValueError, match=message):
            full(scale=2, **options)


# ------------------------------------------------------------------------------------------- behaviour


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_shapes_and_degradation_outputs(scale: int) -> None:
    model = small(scale=scale).eval()
    lr = torch.rand(2, 3, 10, 12)
    with torch.no_grad():
        out = model(lr, return_degradation=True)
        sr = model(lr)
    assert isinstance(out, DMSROutput) and out.sr.shape == sr.shape == (2, 3, 10 * scale, 12 * scale)
    assert out.kernel.shape == (2, 15, 15) and out.noise.shape == (2, 3, 10, 12)
    torch.testing.assert_close(out.sr, sr, rtol=0, atol=0)


def test_kernel_is_non_negative_and_sums_to_one_per_image() -> None:
    model = small(scale=2)
    with torch.no_grad():
        model.extractor.kernel_head[2].weight.mul_(50)  # far from uniform, so a softmax over the wrong axis shows
        lr = torch.stack([torch.rand(3, 9, 11), torch.rand(3, 9, 11) * 0.1])
        kernel = model.estimate_degradation(lr).kernel
    assert kernel.shape == (2, 15, 15) and (kernel >= 0).all()
    torch.testing.assert_close(kernel.sum(dim=(1, 2)), torch.ones(2), rtol=0, atol=1e-6)
    assert kernel.max() > 2 / 225 and not torch.allclose(kernel[0], kernel[1])


def test_forward_runs_the_extractor_once_and_returns_its_estimate() -> None:
    """What Eq. 5-8 need, from one DE pass (M15); the DE alone gives the same estimate (K_sim, N_sim of Eq. 8)."""
    model = small(scale=2).eval()
    calls = []
    model.extractor.trunk.register_forward_hook(lambda *args: calls.append(1))
    lr = torch.rand(1, 3, 8, 8)
    with torch.no_grad():
        out = model(lr, return_degradation=True)
        assert len(calls) == 1
        estimate = model.estimate_degradation(lr)
    torch.testing.assert_close((out.kernel, out.noise), tuple(estimate), rtol=0, atol=0)


def test_given_degradation_replaces_the_estimate() -> None:
    model = small(scale=2).eval()
    lr = torch.rand(1, 3, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(model(lr, **model.image_condition(lr)), model(lr), rtol=0, atol=1e-6)
        sharp = torch.zeros(1, 15, 15)
        sharp[0, 7, 7] = 1
        assert not torch.allclose(model(lr, kernel=sharp), model(lr), atol=1e-6)
        assert not torch.allclose(model(lr, noise=torch.full((1, 3, 8, 8), 0.5)), model(lr), atol=1e-6)
    with pytest.raises(ValueError, match="kernel must be"):
        model(lr, kernel=torch.ones(1, 225))


def test_mnm_sigma_uses_one_level_per_image() -> None:
    model = small(scale=2, noise_estimate="sigma").eval()
    lr = torch.rand(2, 3, 8, 8)
    with torch.no_grad():
        out = model(lr, return_degradation=True)
        level = out.noise
        condition = model.image_condition(lr)
        as_map = model(lr, noise=level[:, :, None, None].expand(-1, 3, 8, 8))
    assert level.shape == (2, 1) and set(condition) == {"kernel", "attention", "noise"}
    torch.testing.assert_close(as_map, out.sr, rtol=0, atol=1e-6)  # the level, repeated over the image and the channels


def test_pca_initialisation_gives_srmd_codes() -> None:
    """FC(225, 15) starts as SRMD's PCA projection of the column-major vec(K_est) (M8): a non-symmetric kernel tells the
    orientation apart."""
    model = small(scale=2, mbm_count=2)
    kernel = torch.rand(1, 15, 15, dtype=torch.float64)
    basis = load_pca_basis("kair_srmd")
    for mbm in model.mbms:
        code = mbm.double().kernel_code(kernel).detach().numpy()[0]
        np.testing.assert_allclose(code, kernel_pca_code(kernel[0].numpy(), basis), rtol=0, atol=1e-6)
        assert torch.equal(mbm.reduce.bias, torch.zeros(15, dtype=torch.float64))
    assert not np.allclose(kernel_pca_code(kernel[0].numpy().T, basis), code, atol=1e-3)
    other = pca_initial_weights("srmd_matconvnet")
    assert other.shape == (15, 225) and not np.allclose(other, pca_initial_weights("kair_srmd"))
    assert not torch.allclose(small(scale=2, pca_init=None).mbms[0].reduce.weight, model.mbms[0].reduce.weight.float())


def test_mbm_is_a_per_pixel_convolution_with_its_meta_weights() -> None:
    """Eq. 4 / Table B.7 row 0-4: every HR pixel's 15×15 meta-weights, zero padding, the same kernel for the 3 channels."""
    torch.manual_seed(3)
    mbm = MetaDeblur(meta_kernel_size=3, kernel_normalization="none", residual=False, pca_rows=None).double()
    image, kernel = torch.rand(2, 3, 9, 10, dtype=torch.float64), torch.rand(2, 15, 15, dtype=torch.float64)
    with torch.no_grad():
        weights = mbm.meta_weights(image, kernel)  # (B, 225, H, W)
        patches = F.unfold(image, 15, padding=7).view(2, 3, 225, 9, 10)  # (B, 3·225, H·W) -> (B, 3, 225, H, W)
        torch.testing.assert_close(mbm(image, kernel), (patches * weights[:, None]).sum(dim=2), rtol=1e-10, atol=1e-12)
        code = mbm.kernel_code(kernel)[:, :, None, None].expand(-1, -1, 9, 10)  # (B, 15) -> (B, 15, H, W)
        torch.testing.assert_close(weights, mbm.meta(torch.cat([image, code], dim=1)), rtol=0, atol=0)  # Y first, then the code
        mbm.kernel_normalization, mbm.residual = "softmax", True
        torch.testing.assert_close(mbm.meta_weights(image, kernel).sum(dim=1), torch.ones(2, 9, 10, dtype=torch.float64))
        flat = F.unfold(image, 15, padding=7).view(2, 3, 225, 9, 10)  # (B, 3, 225, H, W)
        torch.testing.assert_close(mbm(image, kernel), (flat * mbm.meta_weights(image, kernel)[:, None]).sum(dim=2) + image)


# ------------------------------------------------------------------------------- protocol and tiling


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_protocol_via_the_registry(scale: int) -> None:
    model = build_model("dmsr", scale=scale)
    assert isinstance(model, DMSR) and model.scale == scale and model.conditioning == "blind"
    assert model.receptive_radius == {2: 219, 3: 217, 4: 218}[scale]  # 6 + 1 + 205 + 1 + upsampler convs + ⌈9 / s⌉ (M6)
    with torch.no_grad():
        condition = model.image_condition(torch.rand(1, 3, 8, 8))
    assert set(condition) == {"kernel", "attention"} and condition["attention"].shape == (1, 5, 20, 64)


def test_tiled_inference_is_exact() -> None:
    """super_resolve passes the whole image's K_est and channel attention to every tile (M6); per-tile ones would differ."""
    model = small(scale=2, blocks=1).eval()
    with torch.no_grad():  # make the image-wide quantities matter at random initialisation
        model.extractor.kernel_head[2].weight.mul_(30)
        model.mbms[0].reduce.weight.mul_(30)
        model.body.groups[0].blocks[0].attention.squeeze[2].weight.mul_(30)
    lr = np.random.default_rng(0).random((48, 44, 3))
    lr[:, :20] *= 0.1  # tiles of different content
    x = torch.from_numpy(lr.transpose(2, 0, 1)).float()[None]  # (h, w, 3) -> (1, 3, h, w)
    with torch.no_grad():
        whole = model(x)
        per_tile = tiled_upscale(model, x, scale=2, tile=17, overlap=model.receptive_radius)
    assert model.receptive_radius == 17 and (per_tile - whole).abs().max() > 1e-3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tiled = super_resolve(model, lr, tile=17)
    np.testing.assert_allclose(tiled, whole[0].permute(1, 2, 0).double().numpy(), rtol=0, atol=1e-5)


@pytest.mark.parametrize("options", [dict(), dict(noise_estimate="sigma", mnm_kernel_size=3, mbm_count=2, mbm_output_conv="per_mbm")])
def test_receptive_radius_bounds_the_context(options: dict) -> None:
    """With the image-wide quantities fixed, changing one LR pixel changes no output pixel farther than the radius."""
    model = small(scale=2, blocks=1, **options).eval()
    lr = torch.rand(1, 3, 44, 44)
    changed = lr.clone()
    changed[..., 3, 3] += 1
    with torch.no_grad():
        condition = model.image_condition(lr)
        difference = (model(changed, **condition) - model(lr, **condition)).abs().amax(dim=1)[0]  # (2h, 2w)
    reach = 2 * (3 + model.receptive_radius + 1)  # first HR row/column of LR pixels beyond the radius
    assert difference[:reach, :reach].max() > 0 and difference[reach:].max() == 0 and difference[:, reach:].max() == 0


def test_gradient_reaches_every_parameter_through_the_sr_loss() -> None:
    """Joint training (§3.3): L_RE alone reaches the DE through K_est and N_est (no stop-gradient, M15)."""
    model = small(scale=2)
    model(torch.rand(2, 3, 6, 6)).abs().mean().backward()
    missing = [name for name, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing
