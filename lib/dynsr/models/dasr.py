"""DASR (Wang et al., CVPR 2021): unsupervised degradation representation learning for blind super-resolution.

Map of the paper (each unstated or ambiguous point is a section of ``docs/decisions/dasr.md``, cited below as
D1-D27; "[CODE]" = resolved by the official code, LongguangWang/DASR, D1; every unstated choice is a constructor switch):

* **Degradation encoder E** (§3.2.1, Fig. 2(a)), :class:`DegradationEncoder`: "a convolutional network
  with six layers", then global average pooling → the 256-d degradation representation. Widths,
  strides, normalisation and activations are not in the paper ([CODE], D2): 3×3 convs
  3→64→64→128 (stride 2)→128→256 (stride 2)→256, each followed by BatchNorm (``encoder_batch_norm``,
  paper silent) and LeakyReLU(0.1). The two-layer MLP projection head (Linear 256→256, LeakyReLU,
  Linear 256→256; "as in SimCLR and MoCo v2") gives the embeddings x, x⁺, x⁻ of Eq. (2)-(3) and is
  used **only by the contrastive loss**: it is built only with ``projection_head=True`` (training with
  L_degrad), so the default model has the paper's 5.8 M parameters (Table 3; D2). The loss, the
  momentum key encoder and the queue belong to training, not to this module.
* **Compression** (Fig. 2(b), green FC): R = LeakyReLU(Linear(256 → 64, no bias)) ([CODE]), computed
  once and shared by every DA block.
* **DA convolution** (§3.2.2 text, Fig. 2(c); no equation number), :class:`DAConv`:
  kernel branch w = reshape(FC(FC(R))) ∈ ℝ^{C×1×3×3} (Linear 64→64, LeakyReLU, Linear 64→64·9, no
  biases [CODE]), F₁ = Conv1×1(LeakyReLU(DepthwiseConv3×3(F; w))) (the LeakyReLU and the 1×1 conv's bias
  are [CODE]); modulation branch v = sigmoid(FC(FC(R))), implemented as 1×1 convs 64→8→64 (reduction 8,
  no bias, LeakyReLU between [CODE]), F₂ = v ⊙ F; output F₁ + F₂. Per-sample kernels use
  :func:`dynsr.ops.per_sample_depthwise_conv2d`, the modulation :func:`dynsr.ops.channel_modulation`.
* **DA block** (Fig. 2(c)): DA conv → LReLU → 3×3 conv → LReLU → DA conv → LReLU → 3×3 conv, plus the
  identity ([CODE] for the activations). **Residual group**: 5 DA blocks, a 3×3 conv, a skip.
  **Body** (RCAN high-level structure, §3.2.2): head 3×3 conv, 5 groups, a 3×3 conv, a global skip.
* **Upscaler**: EDSR upsampler (per ×2: 3×3 conv C→4C + PixelShuffle(2); ×3: C→9C + PixelShuffle(3);
  no activation) and a 3×3 conv C→3 ([CODE]).
* **Pixel range** ([CODE]): the official network works on RGB in [0, 255], subtracting the DIV2K mean
  (0.4488, 0.4371, 0.4040)·255 before the head and adding it back after the tail (EDSR MeanShift); the
  encoder sees the [0, 255] image without the mean shift. dynsr models take LR in [0, 1] (as SRMD and
  UDVD), so the model multiplies by ``pixel_range`` (default 255, the official range, so that official
  weights give official outputs) on entry and divides on exit; ``pixel_range=1`` computes in [0, 1].
  The mean shift is a constant buffer, not a parameter (the official frozen MeanShift convs are not
  counted in 5,837,699).

Ablation variants of §4.2 / Table 1 (all ×4, isotropic, noise-free):

* Model 1 (no L_degrad): this network, trained without the loss (a training switch, not a model one).
* Model 2 (vanilla convs, representation "stretched and concatenated with image features as in [42]"):
  ``fusion="concat"``: each DA conv becomes a 3×3 conv over F ⊕ stretched R (:class:`ConcatConv`).
  Reading (not in the paper): the compressed 64-d R is concatenated in place of every DA conv; the
  paper widens Models 2/3 "to ensure comparable model sizes" without numbers, so ``channels`` is free;
  :data:`CONCAT_MATCHED_CHANNELS` (55) brings Model 2 within 2 % of 5.8 M (5,860,532 at ×4, +0.4 %).
* Model 3 (no modulation): ``modulation_branch=False`` (51,200 fewer parameters at ×4, 0.9 %: no width
  change needed for a "comparable" size). ``kernel_branch=False`` is the converse (not in Table 1).
* Model 4: the default.
* Model 5 (oracle): ``degradation_input="true_kernel"``: no encoder; the flattened true 21×21 kernel goes
  through 5 FC layers 441→256→…→256 with LeakyReLU(0.1) between them (:class:`KernelEncoder`; widths
  and activations are a reading, D18). This variant is not blind: ``model(lr, kernel)``.

Inputs and outputs: ``model(lr)`` with ``lr`` (B, 3, h, w) in [0, 1] → (B, 3, s·h, s·w) in [0, 1] (not
clipped). Blind inference tiles the SR network but computes the representation once on the whole image
(:meth:`DASR.image_condition`, used by :func:`dynsr.inference.super_resolve`), so tiling is exact.
Official checkpoints: :mod:`dynsr.models.dasr_official`.
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

import torch
import torch.nn as nn
import torch.nn.functional as F

from dynsr.models.degradation_map import stretch_degradation_map
from dynsr.models.protocol import Conditioning, SuperResolver
from dynsr.ops import channel_modulation, per_sample_depthwise_conv2d

__all__ = [
    "DASR",
    "DAConv",
    "ConcatConv",
    "DABlock",
    "ResidualGroup",
    "DegradationEncoder",
    "KernelEncoder",
    "EDSRUpsampler",
    "MeanShift",
    "DIV2K_RGB_MEAN",
    "ENCODER_WIDTHS",
    "REPRESENTATION_CHANNELS",
    "CONCAT_MATCHED_CHANNELS",
]

DIV2K_RGB_MEAN: tuple[float, float, float] = (0.4488, 0.4371, 0.4040)  # [CODE], in [0, 1] units
# Encoder conv layers (out channels, stride) [CODE]; the last width is the representation's.
ENCODER_WIDTHS: tuple[tuple[int, int], ...] = ((64, 1), (64, 1), (128, 2), (128, 1), (256, 2), (256, 1))
REPRESENTATION_CHANNELS = ENCODER_WIDTHS[-1][0]  # 256 (§3.2.1: p ∈ ℝ²⁵⁶)
# Model 2 width closest to DASR's 5,837,699 at x4: 5,860,532 (+0.4 %); 54 gives -2.0 %, 56 +2.8 %.
CONCAT_MATCHED_CHANNELS = 55
NEGATIVE_SLOPE = 0.1  # LeakyReLU slope everywhere in the official code

Fusion = Literal["da_conv", "concat"]
DegradationInput = Literal["lr_encoder", "true_kernel"]


def conv3x3(in_channels: int, out_channels: int, *, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1)


class MeanShift(nn.Module):
    """``x + sign · pixel_range · mean`` per RGB channel (EDSR's MeanShift with unit std), a constant buffer."""

    def __init__(self, *, mean: tuple[float, float, float], pixel_range: float, sign: int) -> None:
        super().__init__()
        if sign not in (-1, 1):
            raise ValueError(f"sign must be -1 (subtract) or +1 (add), got {sign}")
        shift = sign * pixel_range * torch.tensor(mean, dtype=torch.float32)
        self.register_buffer("shift", shift.view(1, 3, 1, 1), persistent=False)  # (1, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.shift.to(x.dtype)


class EDSRUpsampler(nn.Sequential):
    """EDSR's upsampler: log₂ s stages of (3×3 conv C → 4C, PixelShuffle(2)) for s = 2ⁿ, or (C → 9C, PixelShuffle(3)) for s = 3.

    The convs sit at even indices 0, 2, ... as in EDSR's ``common.Upsampler`` (no activation, ``act=False``).
    """

    def __init__(self, *, scale: int, channels: int) -> None:
        layers: list[nn.Module] = []
        if scale >= 2 and scale & (scale - 1) == 0:
            for _ in range(int(math.log2(scale))):
                layers += [conv3x3(channels, 4 * channels), nn.PixelShuffle(2)]
        elif scale == 3:
            layers += [conv3x3(channels, 9 * channels), nn.PixelShuffle(3)]
        else:
            raise ValueError(f"the EDSR upsampler supports scales 2^n and 3, got {scale}")
        super().__init__(*layers)


class DegradationEncoder(nn.Module):
    """E of §3.2.1 / Fig. 2(a): six 3×3 convs (:data:`ENCODER_WIDTHS`), global average pool → 256-d representation.

    Args:
        batch_norm: BatchNorm after every conv ([CODE]; the paper is silent). Off: conv + LeakyReLU only.
        projection_head: build the MLP head (Linear 256→256, LeakyReLU, Linear 256→256) that only the
            contrastive loss uses (Eq. 2-3). It is excluded from the paper's 5.8 M count.

    ``convs`` holds (conv, [BN,] LeakyReLU) triples in order, so with BatchNorm the convs are at
    indices 0, 3, ..., 15, the official ``E`` layout.
    """

    def __init__(self, *, batch_norm: bool = True, projection_head: bool = True) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        in_channels = 3
        for out_channels, stride in ENCODER_WIDTHS:
            layers.append(conv3x3(in_channels, out_channels, stride=stride))
            if batch_norm:
                layers.append(nn.BatchNorm2d(out_channels))
            layers.append(nn.LeakyReLU(NEGATIVE_SLOPE))
            in_channels = out_channels
        self.convs = nn.Sequential(*layers)
        width = REPRESENTATION_CHANNELS
        self.head = (
            nn.Sequential(nn.Linear(width, width), nn.LeakyReLU(NEGATIVE_SLOPE), nn.Linear(width, width)) if projection_head else None
        )

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """``image`` (B, 3, h, w) in the network's pixel range → the degradation representation (B, 256)."""
        return self.convs(image).mean(dim=(-2, -1))  # global average pool: (B, 256, h/4, w/4) -> (B, 256)

    def project(self, representation: torch.Tensor) -> torch.Tensor:
        """The projection head: representation (B, 256) → embedding (B, 256), not normalised (the loss L2-normalises)."""
        if self.head is None:
            raise RuntimeError("this encoder has no projection head; build the model with projection_head=True to train with L_degrad")
        return self.head(representation)


class KernelEncoder(nn.Module):
    """Model 5's oracle "encoder" (§4.2): ``layers`` FC layers on the flattened true kernel, 441 → 256 → … → 256.

    LeakyReLU(0.1) after every layer but the last (``final_activation`` adds one after the last); the
    widths and activations are not in the paper (docs/decisions/dasr.md, D18).
    """

    def __init__(self, *, kernel_size: int = 21, layers: int = 5, width: int = REPRESENTATION_CHANNELS, final_activation: bool = False) -> None:
        super().__init__()
        if layers < 1:
            raise ValueError(f"need at least one FC layer, got {layers}")
        self.kernel_size = kernel_size
        modules: list[nn.Module] = []
        in_features = kernel_size * kernel_size
        for index in range(layers):
            modules.append(nn.Linear(in_features, width))
            if index < layers - 1 or final_activation:
                modules.append(nn.LeakyReLU(NEGATIVE_SLOPE))
            in_features = width
        self.mlp = nn.Sequential(*modules)

    def forward(self, kernel: torch.Tensor) -> torch.Tensor:
        """``kernel`` (B, k, k) or (B, k²) → (B, 256)."""
        taps = self.kernel_size * self.kernel_size
        if kernel.dim() not in (2, 3) or kernel[0].numel() != taps:
            raise ValueError(f"kernel must be (B, {self.kernel_size}, {self.kernel_size}) or (B, {taps}); got {tuple(kernel.shape)}")
        return self.mlp(kernel.reshape(kernel.shape[0], taps))  # (B, k, k) -> (B, k²)


class DAConv(nn.Module):
    """The DA convolution of §3.2.2 / Fig. 2(c): F₁ + F₂ (see the module docstring).

    Args:
        channels: feature channels C.
        code_channels: width of the compressed representation R (64).
        kernel_size: depthwise kernel size (3).
        reduction: the modulation branch's hidden width is C // reduction (8 → 8 channels).
        kernel_branch: the predicted depthwise kernel path F₁ (off: output F₂ only).
        modulation_branch: the channel-wise modulation path F₂ (off: output F₁ only; Table 1 Model 3).

    Submodules: ``kernel_mlp`` (Linear, LReLU, Linear), ``pointwise`` (the 1×1 conv), ``modulation``
    (1×1 conv, LReLU, 1×1 conv, sigmoid on a 1×1 map, as the code; the paper's "two FC layers").
    """

    def __init__(
        self,
        *,
        channels: int,
        code_channels: int,
        kernel_size: int = 3,
        reduction: int = 8,
        kernel_branch: bool = True,
        modulation_branch: bool = True,
    ) -> None:
        super().__init__()
        if not (kernel_branch or modulation_branch):
            raise ValueError("a DA conv needs the kernel branch, the modulation branch or both (Model 2, vanilla convs, is fusion='concat')")
        if kernel_size % 2 != 1 or channels // reduction < 1:
            raise ValueError(f"need an odd kernel_size and channels >= reduction; got kernel_size={kernel_size}, channels={channels}, reduction={reduction}")
        self.channels, self.kernel_size = channels, kernel_size
        self.kernel_mlp = self.pointwise = self.modulation = None
        if kernel_branch:
            self.kernel_mlp = nn.Sequential(
                nn.Linear(code_channels, code_channels, bias=False),
                nn.LeakyReLU(NEGATIVE_SLOPE),
                nn.Linear(code_channels, channels * kernel_size * kernel_size, bias=False),
            )
            self.pointwise = nn.Conv2d(channels, channels, 1)
        if modulation_branch:
            hidden = channels // reduction
            self.modulation = nn.Sequential(
                nn.Conv2d(code_channels, hidden, 1, bias=False),
                nn.LeakyReLU(NEGATIVE_SLOPE),
                nn.Conv2d(hidden, channels, 1, bias=False),
                nn.Sigmoid(),
            )

    def depthwise_kernels(self, code: torch.Tensor) -> torch.Tensor:
        """w = reshape(FC(FC(R))): (B, code) → per-sample depthwise kernels (B, C, k, k)."""
        if self.kernel_mlp is None:
            raise RuntimeError("this DA conv has no kernel branch")
        weights = self.kernel_mlp(code)  # (B, C·k·k)
        return weights.view(code.shape[0], self.channels, self.kernel_size, self.kernel_size)  # (B, C, k, k), channel-major as the code

    def modulation_coefficients(self, code: torch.Tensor) -> torch.Tensor:
        """v = sigmoid(FC(FC(R))): (B, code) → (B, C)."""
        if self.modulation is None:
            raise RuntimeError("this DA conv has no modulation branch")
        return self.modulation(code[:, :, None, None]).flatten(1)  # (B, code, 1, 1) -> (B, C, 1, 1) -> (B, C)

    def forward(self, features: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        """``features`` F (B, C, h, w), ``code`` R (B, code) → F₁ + F₂ (B, C, h, w)."""
        out: torch.Tensor | None = None
        if self.kernel_mlp is not None:
            filtered = per_sample_depthwise_conv2d(features, self.depthwise_kernels(code))  # (B, C, h, w), zero 'same' padding
            out = self.pointwise(F.leaky_relu(filtered, NEGATIVE_SLOPE))  # F₁
        if self.modulation is not None:
            modulated = channel_modulation(features, self.modulation_coefficients(code))  # F₂ = v ⊙ F
            out = modulated if out is None else out + modulated
        return out


class ConcatConv(nn.Module):
    """Model 2's replacement of a DA conv (§4.2): a vanilla 3×3 conv over F ⊕ R stretched to h × w (SRMD-style, [42])."""

    def __init__(self, *, channels: int, code_channels: int) -> None:
        super().__init__()
        self.code_channels = code_channels
        self.conv = conv3x3(channels + code_channels, channels)

    def forward(self, features: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        """``features`` (B, C, h, w), ``code`` (B, code) → (B, C, h, w)."""
        stretched = stretch_degradation_map(features, code, self.code_channels)  # (B, code, h, w)
        return self.conv(torch.cat([features, stretched], dim=1))  # (B, C + code, h, w) -> (B, C, h, w)


class DABlock(nn.Module):
    """A DA block (Fig. 2(c)): ``da_conv1`` → LReLU → ``conv1`` → LReLU → ``da_conv2`` → LReLU → ``conv2``, plus the identity.

    ``da_conv1``/``da_conv2`` hold :class:`DAConv` (``fusion="da_conv"``) or :class:`ConcatConv` (Model 2).
    """

    def __init__(self, *, channels: int, code_channels: int, reduction: int, kernel_branch: bool, modulation_branch: bool, fusion: Fusion) -> None:
        super().__init__()

        def adaptive() -> nn.Module:
            if fusion == "concat":
                return ConcatConv(channels=channels, code_channels=code_channels)
            return DAConv(channels=channels, code_channels=code_channels, reduction=reduction, kernel_branch=kernel_branch, modulation_branch=modulation_branch)

        self.da_conv1, self.conv1 = adaptive(), conv3x3(channels, channels)
        self.da_conv2, self.conv2 = adaptive(), conv3x3(channels, channels)

    def forward(self, features: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        out = F.leaky_relu(self.da_conv1(features, code), NEGATIVE_SLOPE)
        out = F.leaky_relu(self.conv1(out), NEGATIVE_SLOPE)
        out = F.leaky_relu(self.da_conv2(out, code), NEGATIVE_SLOPE)
        return self.conv2(out) + features


class ResidualGroup(nn.Module):
    """``blocks`` DA blocks, a 3×3 conv, and the group skip (RCAN structure, §3.2.2)."""

    def __init__(self, *, blocks: int, channels: int, **block_options) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(DABlock(channels=channels, **block_options) for _ in range(blocks))
        self.conv = conv3x3(channels, channels)

    def forward(self, features: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        out = features
        for block in self.blocks:
            out = block(out, code)
        return self.conv(out) + features


class DASR(SuperResolver):
    """DASR: degradation encoder + degradation-aware SR network (Model 4 by default); see the module docstring.

    Args:
        scale: super-resolution factor (2ⁿ or 3).
        channels: feature width C (64; Model 2 at a matched size: :data:`CONCAT_MATCHED_CHANNELS`).
        groups: residual groups (5).
        blocks: DA blocks per group (5).
        reduction: modulation branch reduction (8).
        code_channels: width of R, the compressed representation (64; the official code ties it to C).
        kernel_branch, modulation_branch: the DA conv's two branches (Model 3: ``modulation_branch=False``).
        fusion: ``"da_conv"`` (default) or ``"concat"`` (Model 2: vanilla 3×3 convs over F ⊕ stretched R).
        degradation_input: ``"lr_encoder"`` (blind, default) or ``"true_kernel"`` (Model 5: FC layers on the
            true kernel; ``model(lr, kernel)``).
        encoder_batch_norm: BatchNorm in the encoder ([CODE]: on).
        projection_head: build the encoder's MLP head (needed only to train with L_degrad; off by default so
            that the model is the paper's 5.8 M network and official checkpoints load without it).
        pixel_range: the range the network computes in; inputs in [0, 1] are multiplied by it (255: the
            official [0, 255]).
        kernel_size: the true kernel's size for Model 5 (21).
        oracle_layers: Model 5's FC layers (5).
        oracle_final_activation: LeakyReLU after Model 5's last FC layer too (reading: no).
    """

    conditioning: ClassVar[Conditioning] = "blind"  # see dynsr.models.protocol; Model 5 sets "true_kernel" on the instance

    def __init__(
        self,
        *,
        scale: int,
        channels: int = 64,
        groups: int = 5,
        blocks: int = 5,
        reduction: int = 8,
        code_channels: int = 64,
        kernel_branch: bool = True,
        modulation_branch: bool = True,
        fusion: Fusion = "da_conv",
        degradation_input: DegradationInput = "lr_encoder",
        encoder_batch_norm: bool = True,
        projection_head: bool = False,
        pixel_range: float = 255.0,
        kernel_size: int = 21,
        oracle_layers: int = 5,
        oracle_final_activation: bool = False,
    ) -> None:
        super().__init__()
        if fusion not in ("da_conv", "concat"):
            raise ValueError(f"unknown fusion {fusion!r}; choose 'da_conv' (DASR) or 'concat' (Table 1 Model 2)")
        if degradation_input not in ("lr_encoder", "true_kernel"):
            raise ValueError(f"unknown degradation_input {degradation_input!r}; choose 'lr_encoder' (blind) or 'true_kernel' (Table 1 Model 5)")
        if groups < 1 or blocks < 1 or not pixel_range > 0:
            raise ValueError(f"need groups >= 1, blocks >= 1 and pixel_range > 0; got {groups}, {blocks}, {pixel_range}")
        if degradation_input == "true_kernel" and projection_head:
            raise ValueError("Model 5 (degradation_input='true_kernel') has no encoder, so no projection head")
        self.scale, self.pixel_range, self.fusion, self.degradation_input = scale, float(pixel_range), fusion, degradation_input
        if degradation_input == "true_kernel":
            self.conditioning = "true_kernel"  # not blind: forward(lr, kernel)
            self.encoder, self.kernel_encoder = None, KernelEncoder(kernel_size=kernel_size, layers=oracle_layers, final_activation=oracle_final_activation)
        else:
            self.encoder, self.kernel_encoder = DegradationEncoder(batch_norm=encoder_batch_norm, projection_head=projection_head), None
        self.compress = nn.Sequential(nn.Linear(REPRESENTATION_CHANNELS, code_channels, bias=False), nn.LeakyReLU(NEGATIVE_SLOPE))
        self.sub_mean = MeanShift(mean=DIV2K_RGB_MEAN, pixel_range=pixel_range, sign=-1)
        self.add_mean = MeanShift(mean=DIV2K_RGB_MEAN, pixel_range=pixel_range, sign=1)
        self.head = conv3x3(3, channels)
        block_options = dict(code_channels=code_channels, reduction=reduction, kernel_branch=kernel_branch, modulation_branch=modulation_branch, fusion=fusion)
        self.groups = nn.ModuleList(ResidualGroup(blocks=blocks, channels=channels, **block_options) for _ in range(groups))
        self.body_conv = conv3x3(channels, channels)
        self.upsampler = EDSRUpsampler(scale=scale, channels=channels)
        self.tail = conv3x3(channels, 3)
        # LR context of an output pixel (exact tiling, dynsr.inference): head, 4 per block + 1 per group, body conv,
        # the upsampler convs and the tail (each at most one LR pixel).
        self.receptive_radius = 1 + groups * (4 * blocks + 1) + 1 + sum(isinstance(m, nn.Conv2d) for m in self.upsampler) + 1

    # --- degradation representation (§3.2.1) ---------------------------------------------------------------

    def degradation_representation(self, lr: torch.Tensor, kernel: torch.Tensor | None = None) -> torch.Tensor:
        """The 256-d representation (B, 256) the SR network consumes (before the projection head): E(lr) for the
        blind models, the kernel MLP of the true ``kernel`` for Model 5. For t-SNE / probes (Figs. 3, 6)."""
        if self.kernel_encoder is not None:
            if kernel is None:
                raise ValueError("Model 5 (degradation_input='true_kernel') is non-blind: give it the true blur kernel")
            return self.kernel_encoder(kernel.to(lr.dtype))
        return self.encoder(lr * self.pixel_range)

    def encode(self, lr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(representation (B, 256), projection embedding (B, 256)) of ``lr`` in one encoder pass, for the contrastive
        loss (Eq. 3; the query patch). Needs ``projection_head=True``."""
        if self.encoder is None:
            raise RuntimeError("Model 5 has no degradation encoder")
        representation = self.degradation_representation(lr)
        return representation, self.encoder.project(representation)

    def contrastive_embedding(self, lr: torch.Tensor) -> torch.Tensor:
        """The projection-head embedding (B, 256) of ``lr`` (x, x⁺, x⁻ of Eq. 2; not normalised)."""
        return self.encode(lr)[1]

    def paper_parameter_count(self) -> int:
        """The SR network and the encoder without the projection head (trained with L_degrad, unused at test): the paper's 5.8 M."""
        head = None if self.encoder is None else self.encoder.head
        return super().paper_parameter_count() - (0 if head is None else sum(p.numel() for p in head.parameters()))

    def image_condition(self, lr: torch.Tensor) -> dict[str, torch.Tensor]:
        """Keyword arguments of :meth:`forward` computed once on the whole image (tiled inference, dynsr.inference):
        the representation comes from the whole LR image, as in the official test, not from each tile."""
        return {"representation": self.degradation_representation(lr)}

    # --- SR network (§3.2.2) -------------------------------------------------------------------------------

    def forward(self, lr: torch.Tensor, kernel: torch.Tensor | None = None, *, representation: torch.Tensor | None = None) -> torch.Tensor:
        """``lr`` (B, 3, h, w) in [0, 1] → SR (B, 3, s·h, s·w) in [0, 1].

        ``kernel`` (B, k, k): Model 5 only. ``representation`` (B, 256): use this representation instead of the one
        of ``lr`` (tiled inference; DASR Fig. 4, super-resolving I₁ with the representation of I_i).
        """
        if representation is None:
            representation = self.degradation_representation(lr, kernel)
        elif kernel is not None:
            raise ValueError("give the kernel or a representation, not both")
        if representation.shape != (lr.shape[0], REPRESENTATION_CHANNELS):
            raise ValueError(f"representation must be (B, {REPRESENTATION_CHANNELS}) = ({lr.shape[0]}, {REPRESENTATION_CHANNELS}); got {tuple(representation.shape)}")
        code = self.compress(representation.to(lr.dtype))  # R: (B, 64), shared by every DA block
        head = self.head(self.sub_mean(lr * self.pixel_range))  # (B, C, h, w)
        features = head
        for group in self.groups:
            features = group(features, code)
        features = self.body_conv(features) + head  # global skip
        return self.add_mean(self.tail(self.upsampler(features))) / self.pixel_range  # (B, 3, s·h, s·w)
