"""MAC counting (`dynsr.compute`): aten operators through FlopCounterMode, the custom dynamic operators by their
own reports, each against the count written out by hand."""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn

from dynsr.compute import count_macs
from dynsr.ops import decoupled_dynamic_filter, modulated_deform_conv2d, per_pixel_conv2d, per_pixel_conv2d_upsample


def test_a_convolution_counts_one_mac_per_weight_and_output_pixel() -> None:
    conv = nn.Conv2d(3, 8, 3, padding=1)
    macs = count_macs(conv, torch.zeros(2, 3, 10, 12))
    assert macs.aten == 2 * 8 * 10 * 12 * 3 * 9
    assert macs.dynamic == {}


def test_a_linear_layer_counts_in_times_out() -> None:
    assert count_macs(nn.Linear(7, 5), torch.zeros(4, 7)).total == 4 * 7 * 5


@pytest.mark.parametrize("shared", [True, False])
def test_per_pixel_convolution_reports_one_mac_per_tap_and_output(shared: bool) -> None:
    x = torch.randn(2, 3, 6, 7)
    kernels = torch.randn(2, 25, 6, 7) if shared else torch.randn(2, 3, 25, 6, 7)
    macs = count_macs(per_pixel_conv2d, x, kernels)
    assert macs.dynamic == {"per_pixel_conv2d": 2 * 3 * 6 * 7 * 25}
    assert macs.aten == 0


def test_per_pixel_upsampling_counts_every_subpixel() -> None:
    macs = count_macs(per_pixel_conv2d_upsample, torch.randn(1, 3, 4, 5), torch.randn(1, 9 * 4, 4, 5), scale=2)
    assert macs.dynamic == {"per_pixel_conv2d": 3 * 4 * 5 * 4 * 9}


def test_decoupled_filter_counts_the_filter_product_and_the_tap() -> None:
    macs = count_macs(decoupled_dynamic_filter, torch.randn(2, 4, 5, 6), torch.randn(2, 9, 5, 6), torch.randn(2, 4, 9))
    assert macs.dynamic == {"decoupled_dynamic_filter": 2 * 2 * 4 * 5 * 6 * 9}


@pytest.mark.parametrize("with_offset, with_mask, per_sample", [(True, True, 5), (True, False, 4), (False, True, 1), (False, False, 0)])
def test_deformable_convolution_counts_contraction_and_sampling(with_offset: bool, with_mask: bool, per_sample: int) -> None:
    batch, cin, cout, height, width, groups = 2, 4, 6, 5, 7, 2
    x = torch.randn(batch, cin, height, width)
    weight = torch.randn(cout, cin // groups, 3, 3)
    offset = torch.randn(batch, 18, height, width) if with_offset else None
    mask = torch.rand(batch, 9, height, width) if with_mask else None
    macs = count_macs(modulated_deform_conv2d, x, offset, weight, mask=mask, padding=1)
    contraction = batch * cout * height * width * (cin // groups) * 9
    sampling = batch * cin * height * width * 9 * per_sample
    assert macs.dynamic == {"modulated_deform_conv2d": contraction + sampling}
    assert macs.aten == 0  # its own matrix products (inline here: one thread, a small input) are not counted twice


def test_nothing_is_recorded_outside_a_count() -> None:
    per_pixel_conv2d(torch.randn(1, 1, 3, 3), torch.randn(1, 9, 3, 3))  # no active counter: must not fail
    assert count_macs(lambda: None).total == 0
