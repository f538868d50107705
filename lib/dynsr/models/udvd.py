"""UDVD (Xu, Tseng, Tseng, Kuo & Tsai, CVPR 2020): unified dynamic convolutional network for variational degradations.

Map of the paper (each unstated or ambiguous point is a section of ``docs/decisions/udvd.md``, cited below as
U1-U22; every unstated choice is a constructor switch):

* **Input** (§3.2): LR image ⊕ degradation map D = PCA code of the blur kernel (t = 15, SRMD's basis)
  ⊕ noise / 255, stretched per pixel (spatially varying maps pass through as they are);
  :mod:`dynsr.models.degradation_map`. ``noise_channel=False`` drops the noise entry (18 channels, as
  SRMDNF) for the noise-free model of Table 4 (U14).
* **Feature extraction** (§3.2, §4.2): head 3×3 conv (19 → 128), N = 15 residual blocks (3×3 conv,
  ReLU, 3×3 conv, identity; EDSR-like, no BN, U5), giving F at LR resolution; optional EDSR
  tail conv + global skip (``feature_tail``, default off).
* **Dynamic blocks** (§3.2-3.3, Figs. 2-3), one per letter of ``blocks``: image branch I^{m-1} →
  3×3 convs 16, 16, 32 (+ ReLU each, U6) ⊕ F (at the block's resolution) → path 1: 3×3 conv
  predicting k² (D, Eq. 2) or k²·r² (U, Eq. 3, typo corrected) per-pixel kernels, normalised by a
  softmax over the k² taps (DUF, U3; ``kernel_normalization="none"`` for raw kernels),
  applied to I^{m-1} by :func:`dynsr.ops.per_pixel_conv2d` / :func:`~dynsr.ops.per_pixel_conv2d_upsample`
  (zero padding, U10, ``dynamic_padding``; kernels shared across channels, the paper's default)
  → O^m; path 2: 3×3 convs 16 (+ ReLU) and 3·r², pixel shuffle r → R^m; I^m = O^m + R^m. The ReLUs of
  the block are ``block_activation`` (U6).
* **Noise entry** σ / ``noise_scale`` (U7: 255, SRMD's convention).
* **Configurations** (§4.2, Table 1): ``blocks`` = "" (Baseline: features + sub-pixel conv), "U",
  "DU", "UD", "UDD" (default for ×2, ×3); ×4 "UDD (two separated upsampling steps)" is read as "UUDD"
  with r = 2, 2 (U1). The U factors multiply to the scale.
* **F at HR-resolution blocks** (U2, unstated): ``feature_alignment="subpixel"`` (default:
  a 3×3 conv 128 → 128·r² + pixel shuffle per U step that a later block needs, shared by the blocks at
  that resolution), ``"nearest"`` or ``"bilinear"`` (no parameters; the parameter-count tests
  assume this).
* **Multistage loss** (§3.4, Eq. 4) needs every stage: ``forward(..., return_stages=True)`` returns
  [I^1, ..., I^M]; the loss lives in the trainer.

Kernel tap order: the ops use cross-correlation order; Eq. 2's flipped indexing is a relabelling of
learned kernels (see :mod:`dynsr.ops.per_pixel`).
"""

from __future__ import annotations

from typing import ClassVar, Literal

import torch
import torch.nn as nn
import torch.nn.functional as F

from dynsr.models.degradation_map import stretch_degradation_map
from dynsr.models.protocol import Conditioning, SuperResolver
from dynsr.ops import per_pixel_conv2d, per_pixel_conv2d_upsample

__all__ = ["UDVD", "DEFAULT_BLOCKS", "upsampling_factors"]

# §4.2: UDD for x2 and x3; "two separated upsampling steps" for x4, read as UUDD (docs/decisions/udvd.md, U1).
DEFAULT_BLOCKS: dict[int, str] = {2: "UDD", 3: "UDD", 4: "UUDD"}

KernelNormalization = Literal["softmax", "none"]
FeatureAlignment = Literal["subpixel", "nearest", "bilinear"]
DynamicPadding = Literal["zero", "replicate", "reflect"]
BlockActivation = Literal["relu", "leaky_relu", "none"]


def activation_layer(name: BlockActivation) -> nn.Module:
    """The activation after the dynamic block's hidden convolutions (docs/decisions/udvd.md, U6)."""
    return {"relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.2), "none": nn.Identity}[name]()


def conv3x3(in_channels: int, out_channels: int) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, 3, padding=1)


def upsampling_factors(blocks: str, scale: int) -> list[int]:
    """The factor r of each letter (1 for D); the U factors are equal and multiply to ``scale``."""
    if set(blocks) - {"U", "D"}:
        raise ValueError(f"blocks must be a string of 'U' and 'D' letters (e.g. 'UDD'); got {blocks!r}")
    ups = blocks.count("U")
    if ups == 0:
        if blocks:
            raise ValueError(f"blocks {blocks!r} has no U block, so it cannot upsample by {scale}; add a 'U'")
        return []
    factor = round(scale ** (1.0 / ups))
    if factor**ups != scale or factor < 2:
        raise ValueError(f"{ups} U blocks cannot share the upsampling x{scale} equally; use one U, or two for x4")
    return [factor if letter == "U" else 1 for letter in blocks]


class ResidualBlock(nn.Module):
    """conv 3×3 → ReLU → conv 3×3, plus the identity (no BN, no scaling)."""

    def __init__(self, *, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(conv3x3(channels, channels), nn.ReLU(inplace=True), conv3x3(channels, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class DynamicBlock(nn.Module):
    """One D (``factor=1``, Eq. 2) or U (``factor=r``, Eq. 3) block of Fig. 3."""

    def __init__(self, *, feature_channels: int, factor: int, kernel_size: int, kernel_normalization: KernelNormalization,
                 padding: DynamicPadding = "zero", activation: BlockActivation = "relu") -> None:
        super().__init__()
        self.factor, self.kernel_size, self.kernel_normalization, self.padding = factor, kernel_size, kernel_normalization, padding
        self.image_branch = nn.Sequential(
            conv3x3(3, 16), activation_layer(activation), conv3x3(16, 16), activation_layer(activation), conv3x3(16, 32), activation_layer(activation)
        )
        joint = 32 + feature_channels
        self.kernel_path = conv3x3(joint, kernel_size * kernel_size * factor * factor)  # tap-major: channel t·r² + s
        self.residual_path = nn.Sequential(conv3x3(joint, 16), activation_layer(activation), conv3x3(16, 3 * factor * factor), nn.PixelShuffle(factor))

    def predict_kernels(self, joint: torch.Tensor) -> torch.Tensor:
        """Path 1: the per-pixel kernels (B, k²·r², h, w) from the joint features (tap-major, normalised as configured)."""
        kernels = self.kernel_path(joint)  # (B, k²·r², h, w)
        if self.kernel_normalization == "softmax":
            batch, _, height, width = kernels.shape
            taps = self.kernel_size * self.kernel_size
            kernels = kernels.view(batch, taps, self.factor * self.factor, height, width).softmax(dim=1)  # (B, k², r², h, w)
            kernels = kernels.reshape(batch, taps * self.factor * self.factor, height, width)  # (B, k²·r², h, w)
        return kernels

    def joint_features(self, image: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        """The image branch of I^{m-1} concatenated with F: (B, 32 + C, h, w)."""
        return torch.cat([self.image_branch(image), features], dim=1)

    def forward(self, image: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        """``image`` I^{m-1} (B, 3, h, w), ``features`` F at the same resolution (B, C, h, w) → I^m (B, 3, r·h, r·w)."""
        joint = self.joint_features(image, features)  # (B, 32 + C, h, w)
        return self.apply_kernels(image, self.predict_kernels(joint)) + self.residual_path(joint)

    def apply_kernels(self, image: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
        """Eq. 2 (D) or Eq. 3 (U) with the block's border handling: the ops pad with zeros (docs/decisions/udvd.md, U10); for
        ``replicate`` / ``reflect`` the image is padded by the kernel radius first and the result cropped back."""
        if self.padding == "zero":
            return per_pixel_conv2d(image, kernels) if self.factor == 1 else per_pixel_conv2d_upsample(image, kernels, scale=self.factor)
        radius = self.kernel_size // 2
        padded = F.pad(image, (radius,) * 4, mode=self.padding)  # (B, 3, h + 2r, w + 2r)
        wide = F.pad(kernels, (radius,) * 4)  # (B, k²·r², h + 2r, w + 2r); the border kernels are cropped away
        if self.factor == 1:
            out = per_pixel_conv2d(padded, wide)
        else:
            out = per_pixel_conv2d_upsample(padded, wide, scale=self.factor)
        crop = radius * self.factor
        return out[..., crop : out.shape[-2] - crop, crop : out.shape[-1] - crop]


class UDVD(SuperResolver):
    """UDVD (and its Baseline / U / DU / UD / UDD / UUDD configurations); see the module docstring.

    Args:
        scale: super-resolution factor.
        blocks: the dynamic blocks, in order (``None`` = the paper's default for the scale, ``""`` = Baseline).
        pca_dim: kernel PCA dimensions t.
        noise_channel: the degradation map carries the noise level (19 input channels) or not (18).
        channels: feature channels (128).
        num_residual_blocks: N (15).
        kernel_size: dynamic kernel size k (5).
        kernel_normalization: ``"softmax"`` over the k² taps (DUF) or ``"none"``.
        feature_alignment: how F reaches blocks after a U block: ``"subpixel"``, ``"nearest"`` or ``"bilinear"``.
        feature_tail: an EDSR tail conv and global skip after the residual blocks.
        dynamic_padding: border handling of the dynamic convolutions (docs/decisions/udvd.md, U10): ``"zero"`` (default),
            ``"replicate"`` or ``"reflect"``.
        block_activation: after the image-branch convs (16, 16, 32) and the residual path's 16-channel conv
            (docs/decisions/udvd.md, U6): ``"relu"`` (default), ``"leaky_relu"`` (slope 0.2) or ``"none"``.
        noise_scale: the noise entry of the degradation map is σ / ``noise_scale`` (docs/decisions/udvd.md, U7: 255, SRMD's
            σ/255 on the 0-255 scale; :func:`dynsr.inference.degradation_vector` reads it).
    """

    conditioning: ClassVar[Conditioning] = "degradation_vector"  # see dynsr.models.protocol
    pca_basis: ClassVar[str] = "kair_srmd"  # SRMD's 15-d codes of 15×15 kernels (docs/decisions/udvd.md, U8)

    def __init__(
        self,
        *,
        scale: int,
        blocks: str | None = None,
        pca_dim: int = 15,
        noise_channel: bool = True,
        channels: int = 128,
        num_residual_blocks: int = 15,
        kernel_size: int = 5,
        kernel_normalization: KernelNormalization = "softmax",
        feature_alignment: FeatureAlignment = "subpixel",
        feature_tail: bool = False,
        dynamic_padding: DynamicPadding = "zero",
        block_activation: BlockActivation = "relu",
        noise_scale: float = 255.0,
    ) -> None:
        super().__init__()
        if blocks is None:
            if scale not in DEFAULT_BLOCKS:
                raise ValueError(f"UDVD has no default configuration for x{scale}; pass blocks (e.g. 'UDD')")
            blocks = DEFAULT_BLOCKS[scale]
        choices = {"kernel_normalization": (kernel_normalization, ("softmax", "none")),
                   "feature_alignment": (feature_alignment, ("subpixel", "nearest", "bilinear")),
                   "dynamic_padding": (dynamic_padding, ("zero", "replicate", "reflect")), "block_activation": (block_activation, ("relu", "leaky_relu", "none"))}
        for name, (value, allowed) in choices.items():
            if value not in allowed:
                raise ValueError(f"unknown {name} {value!r}; choose one of {allowed}")
        if not noise_scale > 0:
            raise ValueError(f"noise_scale must be positive, got {noise_scale}")
        self.scale, self.blocks, self.noise_channel, self.noise_scale = scale, blocks, noise_channel, float(noise_scale)
        self.map_channels = pca_dim + int(noise_channel)
        self.feature_alignment = feature_alignment
        self.factors = upsampling_factors(blocks, scale)
        self.receptive_radius = self._receptive_radius(num_residual_blocks, feature_tail, kernel_size)
        self.head = conv3x3(3 + self.map_channels, channels)
        self.residual_blocks = nn.Sequential(*[ResidualBlock(channels=channels) for _ in range(num_residual_blocks)])
        self.tail = conv3x3(channels, channels) if feature_tail else None
        if not blocks:  # Baseline (§4.2): features + sub-pixel layer
            self.upsampler = nn.Sequential(conv3x3(channels, 3 * scale * scale), nn.PixelShuffle(scale))
            return
        self.dynamic_blocks = nn.ModuleList(
            DynamicBlock(feature_channels=channels, factor=factor, kernel_size=kernel_size, kernel_normalization=kernel_normalization,
                         padding=dynamic_padding, activation=block_activation)
            for factor in self.factors
        )
        # F must reach every resolution a block works at: one sub-pixel step per U block followed by any block.
        needed_steps = [factor for index, factor in enumerate(self.factors) if factor > 1 and index < len(self.factors) - 1]
        self.feature_upsamplers = nn.ModuleList(
            nn.Sequential(conv3x3(channels, channels * factor * factor), nn.PixelShuffle(factor)) for factor in needed_steps
        ) if feature_alignment == "subpixel" else nn.ModuleList()

    def _receptive_radius(self, num_residual_blocks: int, feature_tail: bool, kernel_size: int) -> int:
        """An upper bound of the LR context of an output pixel (so that tiled inference is exact)."""
        radius = 1 + 2 * num_residual_blocks + int(feature_tail) + 2  # head, residual convs, tail; F alignment and the block's first conv
        block = 3 + max(1 + kernel_size // 2, 2)  # image branch, then the kernel path (conv + taps) or the residual path (two convs)
        resolution = 1
        for factor in self.factors:
            radius += -(-block // resolution)  # the block works at `resolution` HR pixels per LR pixel
            resolution *= factor
        return radius + 1

    def extract_features(self, lr: torch.Tensor, degradation: torch.Tensor) -> torch.Tensor:
        """F (B, C, h, w) from the LR image and its degradation map."""
        head = self.head(torch.cat([lr, stretch_degradation_map(lr, degradation, self.map_channels)], dim=1))  # (B, C, h, w)
        features = self.residual_blocks(head)
        return head + self.tail(features) if self.tail is not None else features

    def _align(self, features: torch.Tensor, step: int, factor: int) -> torch.Tensor:
        if self.feature_alignment == "subpixel":
            return self.feature_upsamplers[step](features)
        return F.interpolate(features, scale_factor=factor, mode=self.feature_alignment)

    def forward(self, lr: torch.Tensor, degradation: torch.Tensor, *, return_stages: bool = False) -> torch.Tensor | list[torch.Tensor]:
        """``lr`` (B, 3, h, w); ``degradation`` (B, t[+1]) or (B, t[+1], h, w) → SR (B, 3, s·h, s·w), or every stage I^1..I^M."""
        features = self.extract_features(lr, degradation)
        if not self.blocks:
            output = self.upsampler(features)
            return [output] if return_stages else output
        stages = self._run_blocks(lr, features)
        return stages if return_stages else stages[-1]

    def block_kernels(self, lr: torch.Tensor, degradation: torch.Tensor, block: int) -> torch.Tensor:
        """The per-pixel kernels (B, k²·r², h_m, w_m) dynamic block ``block`` (0-based) predicts: UDVD Fig. 4 shows block 1 (the second)."""
        if not 0 <= block < len(self.blocks):
            raise ValueError(f"block must be in [0, {len(self.blocks)}) for configuration {self.blocks!r}; got {block}")
        return self._run_blocks(lr, self.extract_features(lr, degradation), kernels_of=block)

    def _run_blocks(self, lr: torch.Tensor, features: torch.Tensor, *, kernels_of: int | None = None):
        """The stages I^1..I^M, or (``kernels_of``) the kernels that block predicts from its inputs."""
        image, stages, step = lr, [], 0
        for index, (block, factor) in enumerate(zip(self.dynamic_blocks, self.factors)):
            if index == kernels_of:
                return block.predict_kernels(block.joint_features(image, features))
            image = block(image, features)
            stages.append(image)
            if factor > 1 and index < len(self.factors) - 1:
                features = self._align(features, step, factor)
                step += 1
        return stages
