"""UDVD: parameter counts of every configuration, stage shapes, the wiring of the dynamic blocks, switches."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from dynsr.models import build_model
from dynsr.models.udvd import UDVD, DynamicBlock, upsampling_factors


def parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# Counts derived from the paper's text (§3, Fig. 2) with the parameter-free F alignment (docs/decisions/udvd.md, U2).
@pytest.mark.parametrize(
    ("scale", "blocks", "expected"),
    [(2, "", 4_463_372), (3, "", 4_480_667), (4, "", 4_504_880), (3, "U", 4_808_140), (3, "UD", 4_875_064), (3, "DU", 4_875_064),
     (2, "UDD", 4_759_688), (3, "UDD", 4_941_988), (4, "UUDD", 4_935_992)],
)
def test_parameter_counts_match_the_text_derived_counts(scale: int, blocks: str, expected: int) -> None:
    assert parameters(UDVD(scale=scale, blocks=blocks, feature_alignment="nearest")) == expected


@pytest.mark.parametrize(("scale", "expected"), [(2, 4_759_688 + 590_336), (3, 4_941_988 + 1_328_256), (4, 4_935_992 + 2 * 590_336)])
def test_default_configuration_adds_the_subpixel_feature_upsamplers(scale: int, expected: int) -> None:
    model = build_model("udvd", scale=scale)
    assert model.blocks == {2: "UDD", 3: "UDD", 4: "UUDD"}[scale] and parameters(model) == expected
    assert parameters(UDVD(scale=3, blocks="DU")) == 4_875_064  # U last: no block needs upsampled features
    assert parameters(UDVD(scale=3, noise_channel=False)) == 6_270_244 - 128 * 9  # 18 input channels (Table 4 switch)


def test_block_parameter_counts() -> None:
    assert parameters(DynamicBlock(feature_channels=128, factor=1, kernel_size=5, kernel_normalization="softmax")) == 66_924
    assert parameters(DynamicBlock(feature_channels=128, factor=2, kernel_size=5, kernel_normalization="softmax")) == 176_304
    assert parameters(DynamicBlock(feature_channels=128, factor=3, kernel_size=5, kernel_normalization="softmax")) == 358_604


def small(**kwargs) -> UDVD:
    torch.manual_seed(0)
    return UDVD(channels=8, num_residual_blocks=1, **kwargs)


@pytest.mark.parametrize("alignment", ["subpixel", "nearest", "bilinear"])
def test_stages_and_shapes(alignment: str) -> None:
    lr, vector = torch.rand(2, 3, 7, 9), torch.rand(2, 16)
    stages = small(scale=4, feature_alignment=alignment)(lr, vector, return_stages=True)
    assert [tuple(s.shape) for s in stages] == [(2, 3, 14, 18), (2, 3, 28, 36), (2, 3, 28, 36), (2, 3, 28, 36)]
    du = small(scale=3, blocks="DU")(lr, vector, return_stages=True)
    assert [tuple(s.shape) for s in du] == [(2, 3, 7, 9), (2, 3, 21, 27)]
    model = small(scale=2)
    per_pixel_map = vector[:, :, None, None].expand(-1, -1, 7, 9)
    torch.testing.assert_close(model(lr, per_pixel_map), model(lr, vector), rtol=0, atol=0)
    assert torch.equal(model(lr, vector), model(lr, vector, return_stages=True)[-1])


def test_dynamic_block_wiring_with_uniform_kernels() -> None:
    """Zero kernel-path weights give softmax kernels of 1/k² everywhere: O = a k×k box filter (zero padding);
    zero residual weights remove R. A U block then repeats each box-filtered LR pixel over its r×r block."""
    for factor in (1, 2, 3):
        block = DynamicBlock(feature_channels=4, factor=factor, kernel_size=5, kernel_normalization="softmax")
        with torch.no_grad():
            for conv in (block.kernel_path, block.residual_path[2]):
                conv.weight.zero_()
                conv.bias.zero_()
        image, features = torch.rand(1, 3, 6, 8, dtype=torch.float64), torch.rand(1, 4, 6, 8, dtype=torch.float64)
        block = block.double()
        box = F.conv2d(image, torch.full((3, 1, 5, 5), 1 / 25, dtype=torch.float64), padding=2, groups=3)
        expected = box.repeat_interleave(factor, dim=2).repeat_interleave(factor, dim=3)
        torch.testing.assert_close(block(image, features), expected, rtol=0, atol=1e-12)
    raw = DynamicBlock(feature_channels=4, factor=1, kernel_size=3, kernel_normalization="none").double()
    with torch.no_grad():
        raw.kernel_path.weight.zero_()
        raw.kernel_path.bias.zero_()
        raw.kernel_path.bias[4] = 1.0  # the centre tap: identity kernels
        raw.residual_path[2].weight.zero_()
        raw.residual_path[2].bias.zero_()
    image = torch.rand(1, 3, 5, 5, dtype=torch.float64)
    torch.testing.assert_close(raw(image, torch.rand(1, 4, 5, 5, dtype=torch.float64)), image, rtol=0, atol=0)


def test_configuration_errors() -> None:
    assert upsampling_factors("UUDD", 4) == [2, 2, 1, 1] and upsampling_factors("DU", 3) == [1, 3]
    with pytest.raises(ValueError, match="cannot share the upsampling x3 equally"):
        UDVD(scale=3, blocks="UUD")
    with pytest.raises(ValueError, match="has no U block"):
        UDVD(scale=2, blocks="DD")
    with pytest.raises(ValueError, match="string of 'U' and 'D'"):
        UDVD(scale=2, blocks="UDX")
    with pytest.raises(ValueError, match="no default configuration for x5"):
        UDVD(scale=5)
    with pytest.raises(ValueError, match="degradation map must be"):
        small(scale=2)(torch.rand(1, 3, 6, 6), torch.rand(1, 15))
