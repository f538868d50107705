"""Official DASR checkpoints (LongguangWang/DASR ``experiment/blindsr_x*_bicubic_*/model/model_600.pt``) onto :class:`~dynsr.models.dasr.DASR`.

The official file is a plain state dict of the EDSR-style wrapper ``BlindSR``: ``G`` (the SR network) and
``E`` (a MoCo wrapper holding the query encoder ``encoder_q``, the momentum key encoder ``encoder_k`` and the
``queue``/``queue_ptr`` buffers). Official name → our name:

=========================================================  ==========================================================
``E.encoder_q.E.<i>.*`` (conv/BN/LReLU triples, i < 18)     ``encoder.convs.<i>.*``
``E.encoder_q.mlp.<0|2>.*`` (projection head)               ``encoder.head.<0|2>.*`` (``projection_head=True``), else dropped
``G.compress.0.weight``                                     ``compress.0.weight``
``G.head.0.*``                                              ``head.*``
``G.body.<g>.body.<b>.da_conv<k>.kernel.<0|2>.weight``      ``groups.<g>.blocks.<b>.da_conv<k>.kernel_mlp.<0|2>.weight``
``G.body.<g>.body.<b>.da_conv<k>.conv.*``                   ``groups.<g>.blocks.<b>.da_conv<k>.pointwise.*``
``G.body.<g>.body.<b>.da_conv<k>.ca.conv_du.<0|2>.weight``  ``groups.<g>.blocks.<b>.da_conv<k>.modulation.<0|2>.weight``
``G.body.<g>.body.<b>.conv<k>.*``                           ``groups.<g>.blocks.<b>.conv<k>.*``
``G.body.<g>.body.<blocks>.*`` (group-end conv)             ``groups.<g>.conv.*``
``G.body.<groups>.*`` (body-end conv)                       ``body_conv.*``
``G.tail.0.<i>.*`` (EDSR upsampler convs, i = 0, 2)         ``upsampler.<i>.*``
``G.tail.1.*``                                              ``tail.*``
``G.sub_mean.*``, ``G.add_mean.*`` (frozen MeanShift)       checked against the DIV2K mean · 255, then dropped (a constant buffer here)
``E.encoder_k.*``, ``E.queue``, ``E.queue_ptr``             dropped (training state of the contrastive loss)
=========================================================  ==========================================================

Provenance of the names. From descriptions of the official code (docs/decisions/dasr.md, D1-D3): the
two parts (SR generator and MoCo-wrapped encoder), the layer order, widths, biases and the frozen
MeanShift layers; the key encoder and queue being training-only (the official code strips them from saved
checkpoints, so both layouts, with or without them, are accepted). Reconstructed from a
description of the official module tree and checked against a public third-party port that states it
takes the official code (RUMpy ``SISR/models/blur_kernel_blind_sr/DASR.py`` and its MoCo/Encoder modules;
read, not copied): the attribute names ``G``/``E``, ``encoder_q``/``encoder_k``/``queue``/``queue_ptr``,
``E``/``mlp`` inside the encoder, ``head``/``compress``/``body``/``tail``/``sub_mean``/``add_mean``, the
group/block names ``body``, ``da_conv1``/``da_conv2``/``conv1``/``conv2``, and inside a DA conv
``kernel``/``conv``/``ca.conv_du``. No official ``model_600.pt`` was available offline, so the loader is
tested on state dicts built in this layout (``tests/test_dasr_model.py``), not on the released files.

Every key of the file must be used or be one of the dropped ones, and every parameter of the model must
be present with its shape: otherwise :class:`OfficialLayoutError` (a ``KeyError``, so that
:func:`dynsr.inference.load_model` reports it) names the offending keys. The scale, width and depth are
read from the file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

import torch

from dynsr.models.dasr import DASR, DIV2K_RGB_MEAN

__all__ = ["OfficialLayoutError", "official_key", "official_layout", "dasr_state_dict_from_official", "load_official_dasr"]

OFFICIAL_PIXEL_RANGE = 255.0  # the official rgb_range
_TRAINING_ONLY = re.compile(r"^E\.(encoder_k\..+|queue|queue_ptr)$")
_MEAN_SHIFT = re.compile(r"^G\.(sub_mean|add_mean)\.(weight|bias)$")
_HEAD = re.compile(r"^E\.encoder_q\.mlp\.")
_LIST_LIMIT = 8


class OfficialLayoutError(KeyError):
    """A state dict that is not (or not entirely) an official DASR ``BlindSR`` state dict; the message names the keys."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly
        return str(self.args[0]) if self.args else ""


def _listing(keys: list[str]) -> str:
    shown = ", ".join(keys[:_LIST_LIMIT])
    return shown + (f", ... ({len(keys)} in all)" if len(keys) > _LIST_LIMIT else "")


def official_key(key: str, *, groups: int, blocks: int) -> str:
    """The official name of one of our :class:`DASR` state-dict keys (default DA-conv model, blind encoder)."""
    rules: tuple[tuple[str, str], ...] = (
        (r"^encoder\.convs\.(.+)$", r"E.encoder_q.E.\1"),
        (r"^encoder\.head\.(.+)$", r"E.encoder_q.mlp.\1"),
        (r"^compress\.(.+)$", r"G.compress.\1"),
        (r"^head\.(.+)$", r"G.head.0.\1"),
        (r"^groups\.(\d+)\.blocks\.(\d+)\.(da_conv[12])\.kernel_mlp\.(.+)$", r"G.body.\1.body.\2.\3.kernel.\4"),
        (r"^groups\.(\d+)\.blocks\.(\d+)\.(da_conv[12])\.pointwise\.(.+)$", r"G.body.\1.body.\2.\3.conv.\4"),
        (r"^groups\.(\d+)\.blocks\.(\d+)\.(da_conv[12])\.modulation\.(.+)$", r"G.body.\1.body.\2.\3.ca.conv_du.\4"),
        (r"^groups\.(\d+)\.blocks\.(\d+)\.(conv[12])\.(.+)$", r"G.body.\1.body.\2.\3.\4"),
        (r"^groups\.(\d+)\.conv\.(.+)$", rf"G.body.\1.body.{blocks}.\2"),
        (r"^body_conv\.(.+)$", rf"G.body.{groups}.\1"),
        (r"^upsampler\.(.+)$", r"G.tail.0.\1"),
        (r"^tail\.(.+)$", r"G.tail.1.\1"),
    )
    for pattern, replacement in rules:
        renamed, count = re.subn(pattern, replacement, key)
        if count:
            return renamed
    raise KeyError(f"{key!r} has no official DASR name (only the default DA-conv, blind-encoder model has an official layout)")


def official_layout(state: Mapping[str, torch.Tensor]) -> dict[str, int]:
    """``scale``, ``channels``, ``groups`` and ``blocks`` of an official state dict, read from its keys and shapes."""
    required = ("G.head.0.weight", "G.tail.0.0.weight")
    missing = [key for key in required if key not in state]
    if missing:
        found = sorted(map(str, state))[:5]
        raise OfficialLayoutError(f"not an official DASR (BlindSR) state dict: no {_listing(missing)} (first keys: {found})")
    channels = state["G.head.0.weight"].shape[0]
    groups = len({int(m.group(1)) for key in state if (m := re.match(r"^G\.body\.(\d+)\.body\.0\.da_conv1\.", key))})
    blocks = len({int(m.group(1)) for key in state if (m := re.match(r"^G\.body\.0\.body\.(\d+)\.da_conv1\.", key))})
    upsampler = sorted(int(m.group(1)) for key in state if (m := re.match(r"^G\.tail\.0\.(\d+)\.weight$", key)))
    first = state["G.tail.0.0.weight"].shape[0]
    if first == 9 * channels and upsampler == [0]:
        scale = 3
    elif first == 4 * channels:
        scale = 2 ** len(upsampler)
    else:
        raise OfficialLayoutError(f"G.tail.0.0.weight has {first} output channels; an EDSR upsampler of {channels} channels has {4 * channels} or {9 * channels}")
    if groups < 1 or blocks < 1:
        raise OfficialLayoutError("no DA blocks (keys G.body.<g>.body.<b>.da_conv1.*) in this state dict")
    return {"scale": scale, "channels": channels, "groups": groups, "blocks": blocks}


def _check_mean_shift(key: str, value: torch.Tensor) -> None:
    sign = -1.0 if ".sub_mean." in key else 1.0
    if key.endswith("weight"):
        expected = torch.eye(3).view(3, 3, 1, 1)  # (3, 3, 1, 1): identity 1x1 conv (unit std)
    else:
        expected = sign * OFFICIAL_PIXEL_RANGE * torch.tensor(DIV2K_RGB_MEAN)
    if value.shape != expected.shape or not torch.allclose(value.float(), expected, rtol=1e-4, atol=1e-3):
        raise OfficialLayoutError(
            f"{key} is not the DIV2K mean shift of the official [0, 255] network (expected {expected.flatten().tolist()}, "
            f"found {value.flatten().tolist()}); this loader supports rgb_range 255 and the DIV2K mean only"
        )


def dasr_state_dict_from_official(state: Mapping[str, torch.Tensor], *, projection_head: bool = False) -> dict[str, torch.Tensor]:
    """Rename an official DASR state dict to our keys (see the module docstring), checking that it is complete.

    ``projection_head=True`` keeps the encoder's MLP head (``E.encoder_q.mlp.*``, for continued training with
    L_degrad); by default it is dropped, as the model built for inference has none. The result loads with
    ``strict=True`` into ``DASR(**official_layout(state), projection_head=projection_head)``.

    Raises:
        OfficialLayoutError: naming unexpected keys, missing keys, wrong shapes or a different mean shift.
    """
    if not isinstance(state, Mapping):
        raise OfficialLayoutError(f"expected a state dict, got a {type(state).__name__}")
    layout = official_layout(state)
    with torch.device("meta"):  # shapes and names only; no memory, no initialisation
        expected_model = DASR(**layout, projection_head=projection_head)
    expected = {
        official_key(key, groups=layout["groups"], blocks=layout["blocks"]): (key, value.shape) for key, value in expected_model.state_dict().items()
    }
    renamed: dict[str, torch.Tensor] = {}
    unexpected: list[str] = []
    for key, value in state.items():
        if key in expected:
            ours, shape = expected[key]
            if value.shape != shape:
                raise OfficialLayoutError(f"{key} has shape {tuple(value.shape)}, but {ours} of DASR {layout} needs {tuple(shape)}")
            renamed[ours] = value
        elif _MEAN_SHIFT.match(key):
            _check_mean_shift(key, value)
        elif not (_TRAINING_ONLY.match(key) or (not projection_head and _HEAD.match(key))):
            unexpected.append(key)
    if unexpected:
        raise OfficialLayoutError(f"unexpected key(s) in the official DASR state dict: {_listing(unexpected)}")
    missing = [key for key in expected if key not in state]
    if missing:
        raise OfficialLayoutError(f"missing key(s) in the official DASR state dict: {_listing(missing)}")
    return renamed


def load_official_dasr(source: str | os.PathLike[str] | Mapping[str, torch.Tensor], *, scale: int | None = None, projection_head: bool = False) -> DASR:
    """A :class:`DASR` (eval mode) with the weights of an official checkpoint file or state dict.

    The configuration is read from the file; ``scale`` (optional) must match it. The model takes LR in [0, 1]
    and computes in [0, 255] (``pixel_range=255``, the official range), so its outputs are the official
    outputs divided by 255.
    """
    if not isinstance(source, Mapping):
        from dynsr.checkpoints import read_torch_file

        source = read_torch_file(source)
    renamed = dasr_state_dict_from_official(source, projection_head=projection_head)
    layout = official_layout(source)
    if scale is not None and scale != layout["scale"]:
        raise OfficialLayoutError(f"this official DASR checkpoint is x{layout['scale']}, not x{scale}")
    model = DASR(**layout, projection_head=projection_head)
    model.load_state_dict({key: value.float() if value.is_floating_point() else value for key, value in renamed.items()})
    return model.eval()
