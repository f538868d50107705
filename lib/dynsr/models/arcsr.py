"""ArcSR (Liu & Hao, "Customized Treatment per Pixel for Blind Image Super-Resolution"): per-pixel kernels for KGconv.

Map of the paper (each unstated or ambiguous point is a section of ``docs/decisions/arcsr.md``, cited below as
A1-A13; every unstated width, depth and the kernel size is a constructor switch). Fig. 1, the only diagram, is
not available to us (A1).

* **Kernel estimator** (§3.2.1, Fig. 1(a)), :class:`KernelEstimator`: a U-net on the LR image giving a per-pixel
  kernel k ∈ ℝ^{ks²×h×w}. Layout as MANet's estimator (the paper's ref. [4], A2): head 3×3 conv, per level "two
  DM-blocks", 2×2 stride-2 conv down, 2×2 stride-2 transposed conv up, and the paper's additive skips (the
  decoder level i takes encoder output i + decoder output i−1), tail 3×3 conv to ks² channels, softmax over the
  ks² taps (A6). Widths ``estimator_channels`` (64, 128): one entry per level (A2). The input is padded to a
  multiple of the U-net's factor by replicating its last row and column, and the kernel cropped back (A11).
* **DMconv** (§3.2.2, Fig. 1(b)), :class:`DMConv`: split F into F_s (C/4 channels) and F̂_s (3C/4); two 3×3
  convs on F̂_s predict the offsets of a 3×3 deformable conv on F_s (no modulation mask); the deformed F_s and
  F̂_s, concatenated, are fused by a 1×1 conv. The j-th DMconv of a block deforms the j-th quarter (A3). Offsets
  are clamped to ±``max_offset`` pixels of their level so that the receptive field is finite (A4).
  **DM block**: ``dmconvs_per_block`` (4, §4.2) DMconvs with ReLU between, plus the identity (A3).
* **KGconv** (§3.2.3, Fig. 1(c)), :class:`KGConv`: a ks×ks conv whose taps at pixel p are multiplied by the
  attention matrix A_p = ks²·k_p (A6, ``attention_scale``)::

      y(p) = Σ_q Σ_c W[:, c, q] · A_p(q) · x_c(p + q) + b

  i.e. :func:`dynsr.ops.modulated_deform_conv2d` with zero offsets and mask A (A7). It has exactly the
  parameters of a plain ks×ks conv ("no additional parameters", §4.3).
* **SR network** (§3.2.1), :class:`ArcSR`: head 3×3 conv, ``kg_blocks`` (8, §4.2) KG blocks (``kgconvs_per_block``
  = 3 KGconvs, ReLU between, plus the identity), each followed by a channel-attention block (1×1 conv, ReLU,
  global average pool, FC, sigmoid, multiply; A9), then EDSR's pixel-shuffle upsampler and a 3×3 conv to RGB
  (A8). Pixels in [0, 1], no mean shift (A8).

Ablation variants of Table 1 (§4.3): ``dmconv=False`` replaces every DMconv by a 3×3 conv C → C ("w/o DMconv");
``kgconv=False`` replaces every KGconv by a ks×ks conv over the features concatenated with the kernel,
(C + ks²) → C (:class:`ConcatKernelConv`, "w/o KGconv"); both off is the Baseline (A10).

Inputs and outputs: ``model(lr)`` with ``lr`` (B, 3, h, w) in [0, 1] → (B, 3, s·h, s·w) (not clipped);
``model(lr, return_kernel=True)`` → (SR, kernel) with the kernel (B, ks², h, w) the SR network used (row-major
taps, each pixel's ks² values sum to one; ``kernel.view(B, ks, ks, h, w)`` for the ks×ks kernels), from one run of
the estimator (A12). Channel attention pools over the whole image, so tiled inference takes the pooled weights
of the whole image from :meth:`ArcSR.image_condition`; exact tiling also needs tiles that are multiples of
``tile_multiple`` (the U-net's factor, A11).
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

import torch
import torch.nn as nn
import torch.nn.functional as F

from dynsr.models.dasr import EDSRUpsampler, conv3x3
from dynsr.models.protocol import Conditioning, SuperResolver
from dynsr.ops import modulated_deform_conv2d

__all__ = ["ArcSR", "KernelEstimator", "DMBlock", "DMConv", "KGBlock", "KGConv", "ConcatKernelConv", "ChannelAttention", "SPLITS"]

SPLITS = 4  # §3.2.2: F_s is C/4 of the channels, and a DM block's convs rotate over the four quarters

KernelNormalization = Literal["softmax", "none"]
AttentionScale = Literal["taps", "unit"]
AttentionGate = Literal["sigmoid", "none"]


def layer_radius(conv: nn.Conv2d) -> int:
    """The context (pixels on each side) a stride-1 'same' conv adds."""
    return conv.kernel_size[0] // 2


class DMConv(nn.Module):
    """Deformable Mutual Convolution (§3.2.2): the quarter ``split_index`` of the channels is deformed by offsets
    predicted from the other three quarters (docs/decisions/arcsr.md, A3, A4).

    Args:
        channels: C, a multiple of 4.
        split_index: which quarter is F_s (0-3).
        max_offset: offsets are clamped to ±max_offset pixels (A4).
        offset_reduction: the offset branch's hidden width is 3C/4 // offset_reduction (A3).

    Submodules: ``offset`` (3×3 conv 3C/4 → hidden, ReLU, 3×3 conv hidden → 18, zero-initialised so that training
    starts from a plain conv), ``deform`` (the 3×3 deformable conv's C/4 → C/4 parameters), ``fuse`` (1×1 conv C → C).
    """

    def __init__(self, *, channels: int, split_index: int, max_offset: float, offset_reduction: int) -> None:
        super().__init__()
        if channels % SPLITS or not 0 <= split_index < SPLITS:
            raise ValueError(f"DMconv needs channels divisible by {SPLITS} and split_index in [0, {SPLITS}); got {channels}, {split_index}")
        if max_offset < 0 or offset_reduction < 1 or (channels - channels // SPLITS) // offset_reduction < 1:
            raise ValueError(f"need max_offset >= 0 and 1 <= offset_reduction <= 3C/4; got {max_offset}, {offset_reduction}")
        quarter = channels // SPLITS
        rest = channels - quarter
        hidden = rest // offset_reduction
        self.start, self.stop, self.max_offset = split_index * quarter, (split_index + 1) * quarter, float(max_offset)
        self.offset = nn.Sequential(conv3x3(rest, hidden), nn.ReLU(inplace=True), conv3x3(hidden, 2 * 3 * 3))
        nn.init.zeros_(self.offset[2].weight)
        nn.init.zeros_(self.offset[2].bias)
        self.deform = nn.Conv2d(quarter, quarter, 3, padding=1)
        self.fuse = nn.Conv2d(channels, channels, 1)
        # Context: the 1×1 fusion adds none; the offsets see 2 pixels; a deformed tap samples at most 1 + max_offset pixels
        # away, bilinearly: its corners are at most 1 + ⌈max_offset⌉ away (A11).
        self.radius = layer_radius(self.fuse) + max(1 + math.ceil(self.max_offset), sum(layer_radius(m) for m in self.offset if isinstance(m, nn.Conv2d)))

    def offsets(self, features: torch.Tensor) -> torch.Tensor:
        """The clamped offsets (B, 18, H, W) of the deformable conv, (Δy, Δx) per row-major tap, from F̂_s."""
        rest = torch.cat([features[:, : self.start], features[:, self.stop :]], dim=1)  # F̂_s: (B, 3C/4, H, W)
        return self.offset(rest).clamp(-self.max_offset, self.max_offset)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """``features`` (B, C, H, W) → (B, C, H, W)."""
        part = features[:, self.start : self.stop]  # F_s: (B, C/4, H, W)
        deformed = modulated_deform_conv2d(part, self.offsets(features), self.deform.weight, self.deform.bias, padding=1)
        return self.fuse(torch.cat([features[:, : self.start], deformed, features[:, self.stop :]], dim=1))  # (B, C, H, W)


class DMBlock(nn.Module):
    """A DM block (§3.2.1-3.2.2): ``convs`` DMconvs (the j-th deforms quarter j mod 4) with ReLU between, plus the identity;
    with ``dmconv=False`` (Table 1, w/o DMconv) 3×3 convs C → C instead (docs/decisions/arcsr.md, A3, A10)."""

    def __init__(self, *, channels: int, convs: int, dmconv: bool, max_offset: float, offset_reduction: int) -> None:
        super().__init__()
        if convs < 1:
            raise ValueError(f"a DM block needs at least one conv, got {convs}")
        self.convs = nn.ModuleList(
            DMConv(channels=channels, split_index=index % SPLITS, max_offset=max_offset, offset_reduction=offset_reduction) if dmconv
            else conv3x3(channels, channels)
            for index in range(convs)
        )
        self.radius = sum(conv.radius if isinstance(conv, DMConv) else layer_radius(conv) for conv in self.convs)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        out = features
        for index, conv in enumerate(self.convs):
            out = conv(F.relu(out) if index else out)
        return out + features


class DMStage(nn.Sequential):
    """The DM blocks of one U-net level (§4.2: two), run in sequence; ``radius`` is their context at that level."""

    def __init__(self, *, blocks: int, **block_options) -> None:
        super().__init__(*(DMBlock(**block_options) for _ in range(blocks)))
        self.radius = sum(block.radius for block in self)


class KernelEstimator(nn.Module):
    """The U-net of DM blocks (§3.2.1) giving the per-pixel kernel (B, ks², h, w) (docs/decisions/arcsr.md, A2, A6, A11).

    Args:
        channels: width of each level, top first (len = levels; the factor is 2^(levels−1)).
        kernel_size: ks.
        blocks: DM blocks per level (encoder, bottom and decoder alike).
        normalization: ``"softmax"`` over the ks² taps, or ``"none"``.
        block_options: :class:`DMBlock`'s ``convs``, ``dmconv``, ``max_offset``, ``offset_reduction``.

    Forward: s₀ = head(x); s_{l+1} = down_l(encoder_l(s_l)); d = bottom(s_{L−1}); for l = L−2 … 0:
    d = decoder_l(up_l(d + s_{l+1})); k = tail(d + s₀).
    """

    def __init__(self, *, channels: tuple[int, ...], kernel_size: int, blocks: int, normalization: KernelNormalization, **block_options) -> None:
        super().__init__()
        if not channels or blocks < 1:
            raise ValueError(f"the estimator needs at least one level and one DM block per level; got {channels}, {blocks}")
        levels = len(channels)
        self.normalization, self.factor = normalization, 2 ** (levels - 1)
        self.head = conv3x3(3, channels[0])
        self.encoder = nn.ModuleList(DMStage(blocks=blocks, channels=width, **block_options) for width in channels[:-1])
        self.down = nn.ModuleList(nn.Conv2d(channels[level], channels[level + 1], 2, stride=2) for level in range(levels - 1))
        self.bottom = DMStage(blocks=blocks, channels=channels[-1], **block_options)
        self.up = nn.ModuleList(nn.ConvTranspose2d(channels[level + 1], channels[level], 2, stride=2) for level in range(levels - 1))
        self.decoder = nn.ModuleList(DMStage(blocks=blocks, channels=width, **block_options) for width in channels[:-1])
        self.tail = conv3x3(channels[0], kernel_size * kernel_size)
        contexts = {phase: self._context(phase) for phase in range(self.factor)}  # an output pixel's position on the U-net's grid
        self.radius = max(max(phase - low, high - phase) for phase, (low, high) in contexts.items())

    def _context(self, position: int) -> tuple[int, int]:
        """The input positions (one axis, padded frame) the kernel at ``position`` depends on, as an interval [low, high]:
        the forward's graph walked backwards (a stride-2 conv reads 2j and 2j + 1, a transposed one ⌊i/2⌋)."""

        def grow(interval: tuple[int, int], radius: int) -> tuple[int, int]:
            return interval[0] - radius, interval[1] + radius

        levels = len(self.down) + 1
        interval = grow((position, position), layer_radius(self.tail))
        needed = [interval]  # of s_l, the encoder's output at level l
        for level in range(levels - 1):
            interval = grow(interval, self.decoder[level].radius)
            interval = (interval[0] // 2, interval[1] // 2)  # up_level, read back from level + 1
            needed.append(interval)
        needed[-1] = grow(interval, self.bottom.radius)  # d = bottom(s_{L-1}), plus the skip s_{L-1} itself
        for level in reversed(range(levels - 1)):
            low, high = grow((2 * needed[level + 1][0], 2 * needed[level + 1][1] + 1), self.encoder[level].radius)
            needed[level] = (min(needed[level][0], low), max(needed[level][1], high))
        return grow(needed[0], layer_radius(self.head))

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        """``lr`` (B, 3, h, w) → the per-pixel kernel (B, ks², h, w), row-major taps."""
        height, width = lr.shape[-2:]
        padded = F.pad(lr, (0, -width % self.factor, 0, -height % self.factor), mode="replicate")  # (B, 3, ⌈h⌉, ⌈w⌉), multiples of the factor
        skips = [self.head(padded)]
        for encoder, down in zip(self.encoder, self.down):
            skips.append(down(encoder(skips[-1])))
        features = self.bottom(skips[-1])
        for level in reversed(range(len(self.up))):
            features = self.decoder[level](self.up[level](features + skips[level + 1]))
        kernel = self.tail(features + skips[0])[..., :height, :width]  # (B, ks², h, w)
        return kernel.softmax(dim=1) if self.normalization == "softmax" else kernel


class KGConv(nn.Module):
    """Kernel Guided Convolution (§3.2.3): a ks×ks conv C → C whose taps at pixel p are multiplied by A_p
    (docs/decisions/arcsr.md, A7). ``conv`` holds the parameters, exactly a plain conv's; the bias is not modulated."""

    def __init__(self, *, channels: int, kernel_size: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, kernel_size, padding=kernel_size // 2)

    def forward(self, features: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
        """``features`` (B, C, h, w), ``attention`` A (B, ks², h, w), row-major taps → (B, C, h, w)."""
        return modulated_deform_conv2d(features, None, self.conv.weight, self.conv.bias, mask=attention, padding=self.conv.padding)


class ConcatKernelConv(nn.Module):
    """Table 1's replacement of a KGconv (§4.3, w/o KGconv and Baseline): a ks×ks conv over the features concatenated
    with the kernel map, (C + ks²) → C (docs/decisions/arcsr.md, A10)."""

    def __init__(self, *, channels: int, kernel_size: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels + kernel_size * kernel_size, channels, kernel_size, padding=kernel_size // 2)

    def forward(self, features: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
        """``features`` (B, C, h, w), ``kernel`` (B, ks², h, w) → (B, C, h, w)."""
        return self.conv(torch.cat([features, kernel], dim=1))  # (B, C + ks², h, w) -> (B, C, h, w)


class KGBlock(nn.Module):
    """A KG block (§3.2.1): ``convs`` KGconvs (or, ``kgconv=False``, :class:`ConcatKernelConv`) with ReLU between, plus the
    identity (docs/decisions/arcsr.md, A8)."""

    def __init__(self, *, channels: int, kernel_size: int, convs: int, kgconv: bool) -> None:
        super().__init__()
        if convs < 1:
            raise ValueError(f"a KG block needs at least one conv, got {convs}")
        layer = KGConv if kgconv else ConcatKernelConv
        self.convs = nn.ModuleList(layer(channels=channels, kernel_size=kernel_size) for _ in range(convs))

    def forward(self, features: torch.Tensor, guide: torch.Tensor) -> torch.Tensor:
        """``guide``: the attention A (KGconv) or the kernel map (concatenation), (B, ks², h, w)."""
        out = features
        for index, conv in enumerate(self.convs):
            out = conv(F.relu(out) if index else out, guide)
        return out + features


class ChannelAttention(nn.Module):
    """The channel-wise attention block after each KG block (§3.2.1): weights = gate(FC(GAP(ReLU(conv1×1(F))))), output
    F ⊙ weights (docs/decisions/arcsr.md, A9). ``gate``: ``"sigmoid"`` or ``"none"``."""

    def __init__(self, *, channels: int, gate: AttentionGate) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 1)
        self.fc = nn.Linear(channels, channels)
        self.gate = gate

    def weights(self, features: torch.Tensor) -> torch.Tensor:
        """``features`` (B, C, h, w) → the channel weights (B, C), pooled over all h × w pixels."""
        weights = self.fc(F.relu(self.conv(features)).mean(dim=(-2, -1)))  # (B, C, h, w) -> (B, C)
        return weights.sigmoid() if self.gate == "sigmoid" else weights

    def forward(self, features: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        return features * weights[:, :, None, None]  # (B, C, h, w) · (B, C, 1, 1)


class ArcSR(SuperResolver):
    """ArcSR: kernel estimator + SR network of KG blocks (full model by default); see the module docstring.

    Args:
        scale: super-resolution factor (2ⁿ or 3; the paper trains ×4 only).
        channels: SR network width C (64; A8).
        kg_blocks: KG blocks (8, §4.2).
        kgconvs_per_block: KGconvs per KG block (3, §4.2).
        kernel_size: ks, the estimated kernel's and every KGconv's size (5; A5).
        estimator_channels: the U-net's width per level, top first; its length is the number of levels ((64, 128); A2).
        dm_blocks_per_level: DM blocks per U-net level (2, §4.2).
        dmconvs_per_block: DMconvs per DM block (4, §4.2).
        max_offset: DMconv offsets are clamped to ±max_offset pixels of their level (4; A4).
        offset_reduction: hidden width of the offset branch, 3C/4 // offset_reduction (2; A3).
        dmconv: DMconvs in the estimator (False: 3×3 convs, Table 1 "w/o DMconv").
        kgconv: KGconvs in the SR network (False: concatenation convs, Table 1 "w/o KGconv").
        kernel_normalization: ``"softmax"`` over the ks² taps (A6) or ``"none"``.
        attention_scale: A = ks²·k (``"taps"``: a uniform kernel makes KGconv a plain conv) or A = k (``"unit"``) (A6).
        channel_attention_gate: ``"sigmoid"`` or ``"none"`` on the channel weights (A9).
    """

    conditioning: ClassVar[Conditioning] = "blind"  # see dynsr.models.protocol

    def __init__(
        self,
        *,
        scale: int,
        channels: int = 64,
        kg_blocks: int = 8,
        kgconvs_per_block: int = 3,
        kernel_size: int = 5,
        estimator_channels: tuple[int, ...] = (64, 128),
        dm_blocks_per_level: int = 2,
        dmconvs_per_block: int = 4,
        max_offset: float = 4.0,
        offset_reduction: int = 2,
        dmconv: bool = True,
        kgconv: bool = True,
        kernel_normalization: KernelNormalization = "softmax",
        attention_scale: AttentionScale = "taps",
        channel_attention_gate: AttentionGate = "sigmoid",
    ) -> None:
        super().__init__()
        choices = {"kernel_normalization": (kernel_normalization, ("softmax", "none")), "attention_scale": (attention_scale, ("taps", "unit")),
                   "channel_attention_gate": (channel_attention_gate, ("sigmoid", "none"))}
        for name, (value, allowed) in choices.items():
            if value not in allowed:
                raise ValueError(f"unknown {name} {value!r}; choose one of {allowed}")
        if kernel_size % 2 != 1 or kg_blocks < 1:
            raise ValueError(f"need an odd kernel_size and kg_blocks >= 1; got {kernel_size}, {kg_blocks}")
        self.scale, self.kernel_size, self.dmconv, self.kgconv = scale, kernel_size, dmconv, kgconv
        self.attention_gain = float(kernel_size * kernel_size) if attention_scale == "taps" else 1.0
        self.estimator = KernelEstimator(
            channels=tuple(estimator_channels), kernel_size=kernel_size, blocks=dm_blocks_per_level, normalization=kernel_normalization,
            convs=dmconvs_per_block, dmconv=dmconv, max_offset=max_offset, offset_reduction=offset_reduction,
        )
        self.head = conv3x3(3, channels)
        self.blocks = nn.ModuleList(KGBlock(channels=channels, kernel_size=kernel_size, convs=kgconvs_per_block, kgconv=kgconv) for _ in range(kg_blocks))
        self.attentions = nn.ModuleList(ChannelAttention(channels=channels, gate=channel_attention_gate) for _ in range(kg_blocks))
        self.upsampler = EDSRUpsampler(scale=scale, channels=channels)
        self.tail = conv3x3(channels, 3)
        # Tiles must start on the U-net's grid: tile and overlap multiples of its factor (A11).
        self.tile_multiple = self.estimator.factor
        # LR context of an output pixel (A11): the upsampler's convs and the tail (each at most one LR pixel), then the KG
        # convs and the head conv, or the KG convs but the first (a KGconv reads the kernel at its output pixel only; a
        # concatenation conv over its window) and the estimator; rounded up to the U-net's factor.
        outer = sum(isinstance(m, nn.Conv2d) for m in self.upsampler) + 1
        convs = kg_blocks * kgconvs_per_block * (kernel_size // 2)
        radius = outer + max(convs + layer_radius(self.head), convs - (kernel_size // 2 if kgconv else 0) + self.estimator.radius)
        self.receptive_radius = -(-radius // self.tile_multiple) * self.tile_multiple

    def estimate_kernel(self, lr: torch.Tensor) -> torch.Tensor:
        """The estimator alone: ``lr`` (B, 3, h, w) → per-pixel kernels (B, ks², h, w) (for figures without SR)."""
        return self.estimator(lr)

    def image_condition(self, lr: torch.Tensor) -> dict[str, torch.Tensor]:
        """Keyword arguments of :meth:`forward` computed once on the whole image (tiled inference, dynsr.inference): the
        channel-attention weights (kg_blocks, B, C), which pool over every pixel (docs/decisions/arcsr.md, A9, A11)."""
        return {"channel_weights": self._features(lr, self.estimator(lr), None)[1]}

    def _features(self, lr: torch.Tensor, kernel: torch.Tensor, channel_weights: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """Head and KG blocks with channel attention: (features (B, C, h, w), channel weights used (kg_blocks, B, C))."""
        guide = self.attention_gain * kernel if self.kgconv else kernel
        features, used = self.head(lr), []
        for index, (block, attention) in enumerate(zip(self.blocks, self.attentions)):
            features = block(features, guide)
            weights = attention.weights(features) if channel_weights is None else channel_weights[index]
            features = attention(features, weights)
            used.append(weights)
        return features, torch.stack(used)

    def forward(
        self, lr: torch.Tensor, *, channel_weights: torch.Tensor | None = None, return_kernel: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """``lr`` (B, 3, h, w) in [0, 1] → SR (B, 3, s·h, s·w), or (SR, kernel (B, ks², h, w)) with ``return_kernel``.

        ``channel_weights`` (kg_blocks, B, C): use these channel-attention weights instead of pooling ``lr``'s features
        (tiled inference, :meth:`image_condition`).
        """
        expected = (len(self.blocks), lr.shape[0], self.head.out_channels)
        if channel_weights is not None and tuple(channel_weights.shape) != expected:
            raise ValueError(f"channel_weights must be (kg_blocks, B, C) = {expected}; got {tuple(channel_weights.shape)}")
        kernel = self.estimator(lr)  # (B, ks², h, w)
        features = self._features(lr, kernel, channel_weights)[0]
        sr = self.tail(self.upsampler(features))  # (B, 3, s·h, s·w)
        return (sr, kernel) if return_kernel else sr
