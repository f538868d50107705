"""SRMD / SRMDNF: parameter counts from the architecture, shapes, and the KAIR state-dict layout."""

from __future__ import annotations

import pytest
import torch

from dynsr.models.srmd import SRMD, degradation_map, load_kair_srmd_state_dict


def _expected_parameters(scale: int, map_channels: int) -> int:
    head = (3 + map_channels) * 128 * 9 + 128
    body = 10 * (128 * 128 * 9 + 128)
    tail = 128 * 3 * scale**2 * 9 + 3 * scale**2
    return head + body + tail


@pytest.mark.parametrize(("scale", "expected"), [(2, 1_511_692), (3, 1_528_987), (4, 1_553_200)])
def test_srmd_parameter_count(scale: int, expected: int) -> None:
    """≈1.5 M as the SRMD paper states; the exact numbers follow from 12 layers of 128 channels."""
    model = SRMD(scale=scale)
    assert sum(p.numel() for p in model.parameters()) == expected == _expected_parameters(scale, 16)
    assert sum(p.numel() for p in SRMD(scale=scale, noise_channel=False).parameters()) == expected - 128 * 9


def test_forward_shapes_and_spatial_maps() -> None:
    model = SRMD(scale=3).eval()
    lr = torch.rand(2, 3, 10, 12)
    code = torch.rand(2, 15)
    vector = degradation_map(code, torch.tensor([5.0, 50.0]))
    assert vector.shape == (2, 16) and vector[1, 15].item() == pytest.approx(50 / 255)
    with torch.no_grad():
        out = model(lr, vector)
        out_map = model(lr, vector[:, :, None, None].expand(-1, -1, 10, 12))
    assert out.shape == (2, 3, 30, 36)
    torch.testing.assert_close(out, out_map)
    with pytest.raises(ValueError, match="degradation map must be"):
        model(lr, code)


def test_kair_layout_loads_unchanged() -> None:
    """A checkpoint in KAIR's layout (convs at model.0, model.2, ..., model.22) loads and gives identical outputs."""
    # KAIR's network_srmd.SRMD(in_nc=19, nc=128, nb=12, upscale=2, act_mode='R'), rebuilt here from its
    # description: B.sequential flattens head (conv, ReLU), 10 x body (conv, ReLU), tail (conv, PixelShuffle).
    torch.manual_seed(1)
    layers = [torch.nn.Conv2d(19, 128, 3, padding=1), torch.nn.ReLU()]
    for _ in range(10):
        layers += [torch.nn.Conv2d(128, 128, 3, padding=1), torch.nn.ReLU()]
    layers += [torch.nn.Conv2d(128, 12, 3, padding=1), torch.nn.PixelShuffle(2)]
    kair_model = torch.nn.Module()
    kair_model.model = torch.nn.Sequential(*layers)
    kair_model.eval()
    kair = kair_model.state_dict()
    assert sorted({int(k.split(".")[1]) for k in kair}) == list(range(0, 24, 2))
    loaded = SRMD(scale=2).eval()
    loaded.load_state_dict(load_kair_srmd_state_dict(kair), strict=True)
    lr, vector = torch.rand(1, 3, 8, 8), torch.rand(1, 16)
    with torch.no_grad():
        expected = kair_model.model(torch.cat([lr, vector[:, :, None, None].expand(-1, -1, 8, 8)], dim=1))
        torch.testing.assert_close(loaded(lr, vector), expected, rtol=0, atol=0)
    with pytest.raises(KeyError, match="not a KAIR SRMD key"):
        load_kair_srmd_state_dict({"encoder.0.weight": torch.zeros(1)})


def test_registry() -> None:
    from dynsr.models import MODELS, build_model

    assert build_model("srmdnf", scale=2).map_channels == 15 and build_model("srmd", scale=2).map_channels == 16
    with pytest.raises(KeyError, match="unknown model .edsr.; available: " + ", ".join(sorted(MODELS))):
        build_model("edsr", scale=2)
