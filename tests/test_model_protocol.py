"""The model protocol (`dynsr.models.protocol`): every registered model declares what inference, tiling and the
tables read, and a model that does not is refused by name."""

from __future__ import annotations

from typing import ClassVar

import pytest
import torch
import torch.nn as nn

from dynsr.models import MODELS, OFFICIAL_LOADERS, build_model
from dynsr.models.protocol import CONDITIONINGS, ModelProtocolError, SuperResolver, check_model

SCALES = {"udvd": (2, 3, 4), "dasr_oracle": (4,)}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_registered_model_satisfies_the_protocol(name: str) -> None:
    for scale in SCALES.get(name, (2, 4)):
        model = build_model(name, scale=scale)
        assert model.scale == scale and model.conditioning in CONDITIONINGS
        assert isinstance(model.receptive_radius, int) and model.receptive_radius >= 0
        assert 0 <= model.paper_parameter_count() <= sum(p.numel() for p in model.parameters())
        if model.conditioning == "blind" and name != "bicubic":
            assert isinstance(model.image_condition(torch.zeros(1, 3, 8, 8)), dict)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_model_conditions_on_its_whole_input_by_itself(name: str) -> None:
    """forward(lr, **image_condition(lr)) == forward(lr): inference runs an image of one tile without the condition."""
    torch.manual_seed(0)
    model, lr = build_model(name, scale=SCALES.get(name, (2,))[0]).eval(), torch.rand(1, 3, 12, 10)
    if model.conditioning != "blind":
        pytest.skip("a non-blind model's input is the degradation, not an image condition")
    with torch.no_grad():
        condition = model.image_condition(lr)
        torch.testing.assert_close(model(lr, **condition), model(lr), rtol=0, atol=1e-6)


def test_the_conditioning_of_each_family() -> None:
    assert {name: build_model(name, scale=4).conditioning for name in ("bicubic", "dasr", "dasr_oracle", "srmd", "srmdnf", "udvd")} == {
        "bicubic": "blind", "dasr": "blind", "dasr_oracle": "true_kernel", "srmd": "degradation_vector", "srmdnf": "degradation_vector",
        "udvd": "degradation_vector"}
    assert build_model("udvd", scale=3).pca_basis == "kair_srmd" and build_model("srmd", scale=3).noise_scale == 255.0


def test_official_loaders_belong_to_registered_models() -> None:
    assert set(OFFICIAL_LOADERS) <= set(MODELS)


class _Minimal(SuperResolver):
    def __init__(self, **attributes) -> None:
        super().__init__()
        for name, value in attributes.items():
            setattr(self, name, value)


class _NonBlind(_Minimal):
    conditioning: ClassVar[str] = "degradation_vector"


@pytest.mark.parametrize("model, named", [
    (_Minimal(scale=2), "receptive_radius"),
    (_Minimal(receptive_radius=3), "scale"),
    (_Minimal(scale=True, receptive_radius=3), "scale"),
    (_Minimal(scale=0, receptive_radius=3), "scale"),
    (_Minimal(scale=2, receptive_radius=-1), "receptive_radius"),
    (_NonBlind(scale=2, receptive_radius=3, noise_channel=True, noise_scale=255.0), "pca_basis"),
    (_NonBlind(scale=2, receptive_radius=3, noise_channel=True, pca_basis="kair_srmd"), "noise_scale"),
    (_NonBlind(scale=2, receptive_radius=3, noise_scale=255.0, pca_basis="kair_srmd"), "noise_channel"),
])
def test_a_model_missing_a_declaration_is_refused_naming_it(model: nn.Module, named: str) -> None:
    with pytest.raises(ModelProtocolError, match=named):
        check_model(model, "mine")


def test_a_plain_module_is_refused() -> None:
    with pytest.raises(ModelProtocolError, match="SuperResolver"):
        check_model(nn.Conv2d(3, 3, 3), "mine")


def test_an_unknown_conditioning_is_refused() -> None:
    model = _Minimal(scale=2, receptive_radius=1)
    model.conditioning = "telepathic"
    with pytest.raises(ModelProtocolError, match="blind, degradation_vector, true_kernel"):
        check_model(model, "mine")
