"""DASR: parameter counts (Table 3's 5.8 M), shapes, the DA convolution against a slow loop, switches of the Table 1
variants, the projection head, exact tiled inference, and the official checkpoint layout (a stand-in of the official
``BlindSR`` module tree written here from its description) through the loader and ``dynsr sr``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from dynsr.inference import conditioning_of, load_model, super_resolve
from dynsr.models import build_model
from dynsr.models.dasr import CONCAT_MATCHED_CHANNELS, DASR, DIV2K_RGB_MEAN, ConcatConv, DAConv
from dynsr.models.dasr_official import OfficialLayoutError, dasr_state_dict_from_official, load_official_dasr, official_layout


def parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


DA_CONVS = 5 * 5 * 2  # groups x blocks x two DA convs per block
KERNEL_BRANCH = 64 * 64 + 64 * 576 + 64 * 64 + 64  # kernel MLP (no biases) + the 1x1 conv
MODULATION_BRANCH = 64 * 8 + 8 * 64  # 1x1 convs 64 -> 8 -> 64, no biases


# ------------------------------------------------------------------------------------------------ sizes


@pytest.mark.parametrize(("scale", "total", "sr_net"), [(2, 5_689_987, 4_542_787), (3, 5_874_627, 4_727_427), (4, 5_837_699, 4_690_499)])
def test_parameter_counts_match_the_paper(scale: int, total: int, sr_net: int) -> None:
    """SR network + encoder without the projection head = 5,837,699 at x4 (Table 3: 5.8M; docs/decisions/dasr.md, D2)."""
    model = DASR(scale=scale)
    assert parameters(model) == total
    assert parameters(model.encoder) == 1_147_200
    assert parameters(model) - parameters(model.encoder) == sr_net
    with_head = DASR(scale=scale, projection_head=True)
    assert parameters(with_head.encoder.head) == 131_584 and parameters(with_head) == total + 131_584


def test_switches_change_the_parameter_counts() -> None:
    full = 5_837_699
    assert parameters(DASR(scale=4, modulation_branch=False)) == full - DA_CONVS * MODULATION_BRANCH  # Model 3: fewer
    assert parameters(DASR(scale=4, kernel_branch=False)) == full - DA_CONVS * KERNEL_BRANCH
    assert parameters(DASR(scale=4, encoder_batch_norm=False)) == full - 2 * (64 + 64 + 128 + 128 + 256 + 256)
    oracle = DASR(scale=4, degradation_input="true_kernel")  # Model 5: no encoder, 5 FC layers 441 -> 256 ... -> 256
    assert oracle.encoder is None and parameters(oracle) == 4_690_499 + 441 * 256 + 256 + 4 * (256 * 256 + 256)
    concat = DASR(scale=4, fusion="concat", channels=CONCAT_MATCHED_CHANNELS)  # Model 2 at a comparable size
    assert abs(parameters(concat) / full - 1) < 0.02 and parameters(concat) == 5_860_532
    with pytest.raises(ValueError, match="fusion='concat'"):
        DASR(scale=4, kernel_branch=False, modulation_branch=False)
    with pytest.raises(ValueError, match="unknown fusion"):
        DASR(scale=4, fusion="sft")
    with pytest.raises(ValueError, match="scales 2\\^n and 3"):
        DASR(scale=5)


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_output_shapes_and_representation(scale: int) -> None:
    torch.manual_seed(scale)
    model = DASR(scale=scale).eval()
    lr = torch.rand(2, 3, 12, 12)
    with torch.no_grad():
        sr = model(lr)
        representation = model.degradation_representation(lr)
    assert sr.shape == (2, 3, 12 * scale, 12 * scale) and torch.isfinite(sr).all()
    assert representation.shape == (2, 256)
    assert conditioning_of(model) == "blind"


# ---------------------------------------------------------------------------------------------- DA conv


def slow_da_conv(layer: DAConv, features: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
    """F₁ + F₂ written out per sample and per channel (§3.2.2), with the layer's own weights."""
    batch, channels, height, width = features.shape
    out = torch.zeros_like(features)
    for b in range(batch):
        if layer.kernel_mlp is not None:
            hidden = F.leaky_relu(layer.kernel_mlp[0].weight @ code[b], 0.1)
            kernels = (layer.kernel_mlp[2].weight @ hidden).reshape(channels, 3, 3)  # (C·9,) -> (C, 3, 3)
            padded = F.pad(features[b], (1, 1, 1, 1))  # (C, h + 2, w + 2)
            depthwise = torch.zeros(channels, height, width, dtype=features.dtype)
            for c in range(channels):
                for i in range(height):
                    for j in range(width):
                        depthwise[c, i, j] = (padded[c, i : i + 3, j : j + 3] * kernels[c]).sum()
            depthwise = F.leaky_relu(depthwise, 0.1)
            pointwise = layer.pointwise.weight[:, :, 0, 0]  # (C, C, 1, 1) -> (C, C)
            for o in range(channels):
                out[b, o] += sum(pointwise[o, c] * depthwise[c] for c in range(channels)) + layer.pointwise.bias[o]
        if layer.modulation is not None:
            hidden = F.leaky_relu(layer.modulation[0].weight[:, :, 0, 0] @ code[b], 0.1)  # (C/r, code) @ (code,)
            scale = torch.sigmoid(layer.modulation[2].weight[:, :, 0, 0] @ hidden)  # (C,)
            for c in range(channels):
                out[b, c] += scale[c] * features[b, c]
    return out


@pytest.mark.parametrize(("kernel_branch", "modulation_branch"), [(True, True), (True, False), (False, True)])
def test_da_conv_matches_a_slow_loop(kernel_branch: bool, modulation_branch: bool) -> None:
    torch.manual_seed(0)
    layer = DAConv(channels=4, code_channels=6, reduction=2, kernel_branch=kernel_branch, modulation_branch=modulation_branch).double()
    features, code = torch.randn(2, 4, 5, 6, dtype=torch.float64), torch.randn(2, 6, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(layer(features, code), slow_da_conv(layer, features, code), rtol=1e-12, atol=1e-12)
        assert layer.depthwise_kernels(code).shape == (2, 4, 3, 3) if kernel_branch else layer.modulation_coefficients(code).shape == (2, 4)


def test_da_conv_gradcheck() -> None:
    torch.manual_seed(1)
    layer = DAConv(channels=3, code_channels=4, reduction=1).double()
    features = torch.randn(2, 3, 4, 4, dtype=torch.float64, requires_grad=True)
    code = torch.randn(2, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda f, c: layer(f, c), (features, code))


def test_concat_conv_is_a_conv_over_the_stretched_code() -> None:
    """Model 2 (§4.2): features ⊕ the representation stretched over the image, through one vanilla 3x3 conv."""
    torch.manual_seed(2)
    layer = ConcatConv(channels=5, code_channels=3)
    features, code = torch.randn(2, 5, 4, 6), torch.randn(2, 3)
    stretched = code[:, :, None, None].expand(2, 3, 4, 6)  # (B, code) -> (B, code, h, w)
    torch.testing.assert_close(layer(features, code), layer.conv(torch.cat([features, stretched], dim=1)), rtol=0, atol=0)


# ------------------------------------------------------------------------------- representation and head


def test_sr_output_does_not_depend_on_the_projection_head() -> None:
    torch.manual_seed(3)
    with_head = DASR(scale=2, groups=1, blocks=1, projection_head=True).eval()
    without = DASR(scale=2, groups=1, blocks=1).eval()
    missing, unexpected = without.load_state_dict(with_head.state_dict(), strict=False)
    assert not missing and unexpected and all(key.startswith("encoder.head.") for key in unexpected)
    lr = torch.rand(2, 3, 12, 12)
    with torch.no_grad():
        before = with_head(lr)
        embedding = with_head.contrastive_embedding(lr)
        for p in with_head.encoder.head.parameters():
            p.add_(1.0)
        torch.testing.assert_close(with_head(lr), before, rtol=0, atol=0)
        torch.testing.assert_close(without(lr), before, rtol=0, atol=0)
        representation, embedding_after = with_head.encode(lr)
    assert representation.shape == embedding.shape == (2, 256) and not torch.allclose(embedding, embedding_after)
    with pytest.raises(RuntimeError, match="projection_head=True"):
        without.contrastive_embedding(lr)


def test_representation_of_another_image_and_pixel_range() -> None:
    """Fig. 4 needs SR of I₁ with the representation of I_i; pixel_range=1 computes in [0, 1] with the mean in [0, 1]."""
    torch.manual_seed(4)
    model = DASR(scale=2, groups=1, blocks=1).eval()
    first, second = torch.rand(1, 3, 12, 12), torch.rand(1, 3, 12, 12)
    with torch.no_grad():
        other = model.degradation_representation(second)
        assert not torch.allclose(model(first, representation=other), model(first))
        torch.testing.assert_close(model(first, representation=model.degradation_representation(first)), model(first), rtol=0, atol=0)
    torch.testing.assert_close(model.sub_mean.shift.flatten(), -255 * torch.tensor(DIV2K_RGB_MEAN))
    assert torch.allclose(DASR(scale=2, pixel_range=1.0).add_mean.shift.flatten(), torch.tensor(DIV2K_RGB_MEAN))
    with pytest.raises(ValueError, match="representation must be"):
        model(first, representation=torch.zeros(1, 64))


def test_tiled_inference_uses_the_whole_image_representation() -> None:
    """super_resolve computes the representation once (image_condition) and tiles the SR net: exact for any tile size."""
    from dynsr.tiling import tiled_upscale

    torch.manual_seed(5)
    model = DASR(scale=2, groups=1, blocks=1).eval()
    with torch.no_grad():
        model.compress[0].weight.mul_(30)  # make the representation matter at random initialisation
    lr = np.random.default_rng(0).random((20, 18, 3))
    lr[:, :9] *= 0.1  # tiles with different content, hence different per-tile representations
    x = torch.from_numpy(lr.transpose(2, 0, 1)).float()[None]  # (h, w, 3) -> (1, 3, h, w)
    with torch.no_grad():
        whole = model(x)
        per_tile = tiled_upscale(model, x, scale=2, tile=7, overlap=model.receptive_radius)
    assert model.receptive_radius == 9 and (per_tile - whole).abs().max() > 1e-3  # a representation per tile would differ
    tiled = super_resolve(model, lr, tile=7)
    np.testing.assert_allclose(tiled, whole[0].permute(1, 2, 0).double().numpy(), rtol=0, atol=1e-5)


def test_oracle_model_takes_the_true_kernel() -> None:
    torch.manual_seed(6)
    model = build_model("dasr_oracle", scale=2, groups=1, blocks=1).eval()
    assert conditioning_of(model) == "true_kernel"
    lr, kernel = torch.rand(2, 3, 12, 12), torch.rand(2, 21, 21)
    with torch.no_grad():
        torch.testing.assert_close(model(lr, kernel), model(lr, kernel.reshape(2, 441)), rtol=0, atol=0)
        assert model.degradation_representation(lr, kernel).shape == (2, 256)
    with pytest.raises(ValueError, match="non-blind"):
        model(lr)


def test_registry_variants() -> None:
    assert parameters(build_model("dasr", scale=4)) == 5_837_699
    assert parameters(build_model("dasr_no_modulation", scale=4)) == 5_837_699 - DA_CONVS * MODULATION_BRANCH
    assert build_model("dasr_concat", scale=4).fusion == "concat"
    assert conditioning_of(build_model("dasr_no_modulation", scale=2)) == "blind"


# ------------------------------------------------------------------------ official layout (stand-in tree)


class _OfficialDAConv(nn.Module):
    """DA_conv of the official code, rebuilt from its description (kernel / conv / ca.conv_du), in [0, 255]."""

    def __init__(self) -> None:
        super().__init__()
        self.kernel = nn.Sequential(nn.Linear(64, 64, bias=False), nn.LeakyReLU(0.1), nn.Linear(64, 576, bias=False))
        self.conv = nn.Conv2d(64, 64, 1)
        self.ca = nn.Module()
        self.ca.conv_du = nn.Sequential(nn.Conv2d(64, 8, 1, bias=False), nn.LeakyReLU(0.1), nn.Conv2d(8, 64, 1, bias=False), nn.Sigmoid())

    def forward(self, x: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        per_sample = [F.conv2d(x[b : b + 1], self.kernel(code[b]).view(64, 1, 3, 3), padding=1, groups=64) for b in range(x.shape[0])]
        return self.conv(F.leaky_relu(torch.cat(per_sample), 0.1)) + x * self.ca.conv_du(code[:, :, None, None])


class _OfficialDAB(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.da_conv1, self.da_conv2 = _OfficialDAConv(), _OfficialDAConv()
        self.conv1, self.conv2 = nn.Conv2d(64, 64, 3, padding=1), nn.Conv2d(64, 64, 3, padding=1)

    def forward(self, x: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        out = F.leaky_relu(self.conv1(F.leaky_relu(self.da_conv1(x, code), 0.1)), 0.1)
        return self.conv2(F.leaky_relu(self.da_conv2(out, code), 0.1)) + x


class _OfficialDAG(nn.Module):
    def __init__(self, blocks: int) -> None:
        super().__init__()
        self.body = nn.Sequential(*[_OfficialDAB() for _ in range(blocks)], nn.Conv2d(64, 64, 3, padding=1))

    def forward(self, x: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        out = x
        for block in self.body[:-1]:
            out = block(out, code)
        return self.body[-1](out) + x


def _mean_shift(sign: float) -> nn.Conv2d:
    shift = nn.Conv2d(3, 3, 1)
    shift.weight.data = torch.eye(3).view(3, 3, 1, 1)  # (3, 3) -> (3, 3, 1, 1)
    shift.bias.data = sign * 255.0 * torch.tensor(DIV2K_RGB_MEAN)
    shift.requires_grad_(False)
    return shift


class _OfficialG(nn.Module):
    def __init__(self, scale: int, groups: int = 5, blocks: int = 5) -> None:
        super().__init__()
        self.sub_mean, self.add_mean = _mean_shift(-1.0), _mean_shift(1.0)
        self.head = nn.Sequential(nn.Conv2d(3, 64, 3, padding=1))
        self.compress = nn.Sequential(nn.Linear(256, 64, bias=False), nn.LeakyReLU(0.1))
        self.body = nn.Sequential(*[_OfficialDAG(blocks) for _ in range(groups)], nn.Conv2d(64, 64, 3, padding=1))
        stages: list[nn.Module] = [nn.Conv2d(64, 576, 3, padding=1), nn.PixelShuffle(3)] if scale == 3 else []
        for _ in range({2: 1, 3: 0, 4: 2}[scale]):
            stages += [nn.Conv2d(64, 256, 3, padding=1), nn.PixelShuffle(2)]
        self.tail = nn.Sequential(nn.Sequential(*stages), nn.Conv2d(64, 3, 3, padding=1))  # EDSR Upsampler, then the RGB conv

    def forward(self, x: torch.Tensor, representation: torch.Tensor) -> torch.Tensor:
        code = self.compress(representation)
        head = self.head(self.sub_mean(x))
        out = head
        for group in self.body[:-1]:
            out = group(out, code)
        return self.add_mean(self.tail(self.body[-1](out) + head))


class _OfficialEncoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for cin, cout, stride in ((3, 64, 1), (64, 64, 1), (64, 128, 2), (128, 128, 1), (128, 256, 2), (256, 256, 1)):
            layers += [nn.Conv2d(cin, cout, 3, stride=stride, padding=1), nn.BatchNorm2d(cout), nn.LeakyReLU(0.1)]
        self.E = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1))
        self.mlp = nn.Sequential(nn.Linear(256, 256), nn.LeakyReLU(0.1), nn.Linear(256, 256))


class _OfficialBlindSR(nn.Module):
    """BlindSR: G (the SR network) and E (MoCo: encoder_q, encoder_k, queue, queue_ptr); input in [0, 255]."""

    def __init__(self, scale: int) -> None:
        super().__init__()
        self.G = _OfficialG(scale)
        self.E = nn.Module()
        self.E.encoder_q, self.E.encoder_k = _OfficialEncoder(), _OfficialEncoder()
        self.E.register_buffer("queue", F.normalize(torch.randn(256, 32), dim=0))
        self.E.register_buffer("queue_ptr", torch.zeros(1, dtype=torch.long))
        for bn in self.modules():  # trained-looking BatchNorm statistics and affine parameters
            if isinstance(bn, nn.BatchNorm2d):
                bn.running_mean.uniform_(-1, 1), bn.running_var.uniform_(0.5, 2), bn.weight.data.uniform_(0.5, 1.5), bn.bias.data.uniform_(-0.2, 0.2)
                bn.num_batches_tracked.fill_(1000)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        representation = self.E.encoder_q.E(x).flatten(1)  # (B, 256, 1, 1) -> (B, 256)
        return self.G(x, representation)


@pytest.fixture(scope="module")
def official_x4() -> _OfficialBlindSR:
    torch.manual_seed(7)
    return _OfficialBlindSR(4).eval()


def test_official_layout_loads_to_identical_outputs(official_x4: _OfficialBlindSR) -> None:
    state = official_x4.state_dict()
    assert official_layout(state) == {"scale": 4, "channels": 64, "groups": 5, "blocks": 5}
    model = load_official_dasr(state, scale=4)
    lr = torch.rand(2, 3, 12, 12)
    with torch.no_grad():
        expected = official_x4(lr * 255)
        torch.testing.assert_close(model(lr) * 255, expected, rtol=1e-4, atol=2e-3)
        torch.testing.assert_close(model.degradation_representation(lr), official_x4.E.encoder_q.E(lr * 255).flatten(1), rtol=1e-5, atol=1e-5)
        with_head = DASR(scale=4, projection_head=True).eval()
        with_head.load_state_dict(dasr_state_dict_from_official(state, projection_head=True))
        representation = with_head.degradation_representation(lr)
        torch.testing.assert_close(with_head.contrastive_embedding(lr), official_x4.E.encoder_q.mlp(representation), rtol=0, atol=0)
    stripped = {key: value for key, value in state.items() if not key.startswith(("E.encoder_k.", "E.queue"))}  # as released (peers.md)
    assert set(dasr_state_dict_from_official(stripped)) == set(DASR(scale=4).state_dict())


def test_official_layout_errors_name_the_keys(official_x4: _OfficialBlindSR) -> None:
    state = official_x4.state_dict()
    missing = {key: value for key, value in state.items() if key != "G.body.2.body.3.da_conv2.ca.conv_du.2.weight"}
    with pytest.raises(OfficialLayoutError, match=r"missing key\(s\).*G\.body\.2\.body\.3\.da_conv2\.ca\.conv_du\.2\.weight"):
        dasr_state_dict_from_official(missing)
    with pytest.raises(OfficialLayoutError, match=r"unexpected key\(s\).*G\.body\.0\.body\.0\.da_conv1\.extra\.weight"):
        dasr_state_dict_from_official({**state, "G.body.0.body.0.da_conv1.extra.weight": torch.zeros(1)})
    with pytest.raises(OfficialLayoutError, match="G.compress.0.weight has shape"):
        dasr_state_dict_from_official({**state, "G.compress.0.weight": torch.zeros(64, 128)})
    with pytest.raises(OfficialLayoutError, match="G.sub_mean.bias is not the DIV2K mean shift"):
        dasr_state_dict_from_official({**state, "G.sub_mean.bias": torch.zeros(3)})
    with pytest.raises(OfficialLayoutError, match="is x4, not x2"):
        load_official_dasr(state, scale=2)
    with pytest.raises(OfficialLayoutError, match="not an official DASR"):
        dasr_state_dict_from_official({"model.0.weight": torch.zeros(1)})


def test_dynsr_sr_runs_an_official_checkpoint(tmp_path: Path, capsys) -> None:
    from PIL import Image

    from dynsr.cli import main

    torch.manual_seed(8)
    official = _OfficialBlindSR(2).eval()
    checkpoint = tmp_path / "model_600.pt"
    torch.save(official.state_dict(), checkpoint)
    lr = np.random.default_rng(1).integers(0, 256, size=(12, 12, 3), dtype=np.uint8)
    Image.fromarray(lr).save(tmp_path / "lr.png")
    assert main(["sr", str(tmp_path / "lr.png"), str(tmp_path / "sr.png"), "--model", "dasr", "--scale", "2", "--checkpoint", str(checkpoint), "--device", "cpu"]) == 0
    with Image.open(tmp_path / "sr.png") as image:
        sr = np.asarray(image, dtype=np.int64)
    with torch.no_grad():
        expected = official(torch.from_numpy(lr.transpose(2, 0, 1)).float()[None])[0].permute(1, 2, 0).clamp(0, 255).round().numpy()
    assert sr.shape == (24, 24, 3) and np.abs(sr - expected).max() <= 1
    assert main(["sr", str(tmp_path / "lr.png"), str(tmp_path / "x4.png"), "--model", "dasr", "--scale", "4", "--checkpoint", str(checkpoint), "--device", "cpu"]) == 2
    assert "neither a dynsr checkpoint nor an official dasr x4" in capsys.readouterr().err
    assert load_model("dasr", 2, checkpoint).scale == 2
