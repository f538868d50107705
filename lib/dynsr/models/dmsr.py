"""DMSR (Yang, Yang, Zeng, Fu & Lu): degradation-guided meta-restoration network for blind super-resolution.

Map of the paper (each unstated or ambiguous point is a section of ``docs/decisions/dmsr.md``, cited below as
M1-M23; every unstated choice that could reasonably go another way is a keyword switch of :class:`DMSR`):

* **Degradation extractor (DE)** (§3.2, Fig. 3, Table B.6), :class:`DegradationExtractor`: rows 0-2, a 3×3
  conv 3→64 + ReLU and two residual blocks (conv-ReLU-conv + identity, no BN; M2); the noise branch (row 3)
  is one 3×3 conv 64→3 giving the noise map N_est (h×w×3, linear: noise is signed); the blur branch (rows
  3-6) is conv 64→128 + ReLU, conv 128→225 + ReLU, global average pooling, softmax over the 225 values,
  reshaped to the 15×15 kernel K_est (non-negative, summing to 1). 484,516 parameters (Table B.5: 0.48M).
* **MNM** (§3.1 Eq. 3, Table B.7 rows 1-0, 1-1): F = Conv(Concat(I_LR, N_est)), 6→64, 1×1 by default so
  that the noise map acts as a per-pixel bias, the paper's "meta-bias" (M3). MNM-σ (Table 3): the DE
  predicts one level per image instead, repeated over the image (M4).
* **Deep features** (§3.1, §4.1, Table B.7 rows 0-0, 0-1): a 3×3 conv 64→64, then RCAN's residual groups
  (5 groups × 20 RCABs; an RCAB is conv-ReLU-conv-channel attention + identity, reduction 16; each group
  ends in a 3×3 conv and a skip), then RCAN's body-end 3×3 conv and long skip from row 0-0 (M5).
* **Upsampler** (Table B.7 rows 0-2, 0-3): EDSR's conv + PixelShuffle stages, then the listed ReLU, then a
  3×3 conv 64→3 giving the HR image Y (M7).
* **MBM** (§3.1 Eq. 4, Table B.7 rows 2-0 to 2-3, 0-4), :class:`MetaDeblur`: FC(225→15) on vec(K_est),
  initialised from SRMD's PCA matrix (M8); the 15-d code repeated over the HR image and concatenated after
  Y (18 channels); a 3×3 conv 18→225 predicts one raw 15×15 kernel per HR pixel (M9, M10), applied to Y's
  three channels by :func:`dynsr.ops.per_pixel_conv2d` (zero padding, M11). Row 0-5: a 3×3 conv 3→3 gives
  I_SR. ``mbm_count`` MBMs run in series (Table 4; 0 for Table 3's rows without MBM; M13).

Inputs and outputs (M14): ``model(lr)`` with ``lr`` (B, 3, h, w) in [0, 1] → I_SR (B, 3, s·h, s·w), not
clipped. ``model(lr, return_degradation=True)`` → :class:`DMSROutput` (SR image, K_est, N_est) from one DE
pass, and :meth:`DMSR.estimate_degradation` runs the DE alone (K_sim, N_sim of the DC loss, Eq. 8): what the
losses of Eq. 5-8 need (M15). No gradient is stopped: L_RE reaches the DE through K_est and N_est.

Tiled inference (M6): K_est (a global average pool), the channel attention of every RCAB (RCAN pools each
over the whole image) and, for MNM-σ, the noise level are image-wide; :meth:`DMSR.image_condition` computes
them once on the whole image and every tile receives them, so tiling is exact. ``receptive_radius`` covers
the rest: the noise map is per pixel and part of it.
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal, NamedTuple

import numpy as np
import torch
import torch.nn as nn

from dynsr.degradations.pca import PCA_BASES, load_pca_basis
from dynsr.models.dasr import EDSRUpsampler, conv3x3
from dynsr.models.degradation_map import stretch_degradation_map
from dynsr.models.protocol import Conditioning, SuperResolver
from dynsr.models.udvd import ResidualBlock
from dynsr.ops import per_pixel_conv2d

__all__ = [
    "DMSR",
    "DMSROutput",
    "Degradation",
    "DegradationExtractor",
    "ChannelAttention",
    "RCAB",
    "ResidualGroup",
    "RCANBody",
    "MetaDeblur",
    "build_upsampler",
    "pca_initial_weights",
    "KERNEL_SIZE",
    "KERNEL_CODE_DIM",
]

KERNEL_SIZE = 15  # K_est is 15×15 (§3.2, Table B.6), and so is every MBM kernel (k_d, Table B.7 row 2-3)
KERNEL_CODE_DIM = 15  # C_k, the FC(225, 15) output (Table B.7 row 2-0): SRMD's PCA dimension
KERNEL_BRANCH_CHANNELS = 128  # Table B.6 row 3, Conv(64, 128)

NoiseEstimate = Literal["map", "sigma"]
Upsampler = Literal["edsr", "single"]
KernelNormalization = Literal["none", "softmax"]
MBMOutputConv = Literal["once", "per_mbm"]


class Degradation(NamedTuple):
    """The DE's estimate: ``kernel`` K_est (B, 15, 15) and ``noise``, the map N_est (B, 3, h, w) or, for MNM-σ, the
    level (B, 1), in [0, 1] pixel units (docs/decisions/dmsr.md, M4, M14)."""

    kernel: torch.Tensor
    noise: torch.Tensor


class DMSROutput(NamedTuple):
    """``model(lr, return_degradation=True)``: the SR image (B, 3, s·h, s·w) and the estimate it was computed from."""

    sr: torch.Tensor
    kernel: torch.Tensor
    noise: torch.Tensor


class DegradationExtractor(nn.Module):
    """The DE of §3.2 / Fig. 3 / Table B.6 (module docstring; docs/decisions/dmsr.md, M2).

    Args:
        channels: width of the trunk (64, §4.1).
        noise_estimate: ``"map"``: the noise branch is a 3×3 conv to 3 channels, the per-pixel map N_est;
            ``"sigma"`` (MNM-σ, Table 3): a 3×3 conv to 1 channel, averaged over the image, one level per image (M4).

    Submodules: ``trunk`` (rows 0-2), ``noise_head`` (row 3, noise branch), ``kernel_head`` (rows 3-4, blur branch).
    """

    def __init__(self, *, channels: int = 64, noise_estimate: NoiseEstimate = "map") -> None:
        super().__init__()
        if noise_estimate not in ("map", "sigma"):
            raise ValueError(f"unknown noise_estimate {noise_estimate!r}; choose 'map' (MNM-map) or 'sigma' (MNM-σ, Table 3)")
        self.noise_estimate = noise_estimate
        self.trunk = nn.Sequential(conv3x3(3, channels), nn.ReLU(inplace=True), ResidualBlock(channels=channels), ResidualBlock(channels=channels))
        self.noise_head = conv3x3(channels, 3 if noise_estimate == "map" else 1)
        self.kernel_head = nn.Sequential(
            conv3x3(channels, KERNEL_BRANCH_CHANNELS),
            nn.ReLU(inplace=True),
            conv3x3(KERNEL_BRANCH_CHANNELS, KERNEL_SIZE * KERNEL_SIZE),
            nn.ReLU(inplace=True),
        )

    def features(self, lr: torch.Tensor) -> torch.Tensor:
        """Rows 0-2: (B, 3, h, w) → the shared features (B, C, h, w)."""
        return self.trunk(lr)

    def noise(self, features: torch.Tensor) -> torch.Tensor:
        """The noise branch: the map N_est (B, 3, h, w), or the level (B, 1) for MNM-σ (a linear output: signed)."""
        noise = self.noise_head(features)  # (B, 3 or 1, h, w)
        return noise if self.noise_estimate == "map" else noise.mean(dim=(-2, -1))  # (B, 1, h, w) -> (B, 1)

    def kernel(self, features: torch.Tensor) -> torch.Tensor:
        """The blur branch, rows 3-6: global average pool, softmax over the 225 values → K_est (B, 15, 15), ≥ 0, summing to 1."""
        pooled = self.kernel_head(features).mean(dim=(-2, -1))  # (B, 225, h, w) -> (B, 225)
        return pooled.softmax(dim=1).view(-1, KERNEL_SIZE, KERNEL_SIZE)  # (B, 225) -> (B, 15, 15), row-major taps

    def forward(self, lr: torch.Tensor) -> Degradation:
        """``lr`` (B, 3, h, w) in [0, 1] → :class:`Degradation` (K_est, N_est)."""
        features = self.features(lr)
        return Degradation(kernel=self.kernel(features), noise=self.noise(features))


class ChannelAttention(nn.Module):
    """RCAN's channel attention: global average pool, 1×1 conv C → C/r, ReLU, 1×1 conv C/r → C, sigmoid; x · weights."""

    def __init__(self, *, channels: int, reduction: int) -> None:
        super().__init__()
        if channels // reduction < 1:
            raise ValueError(f"channel attention needs channels >= reduction; got channels={channels}, reduction={reduction}")
        hidden = channels // reduction
        self.squeeze = nn.Sequential(nn.Conv2d(channels, hidden, 1), nn.ReLU(inplace=True), nn.Conv2d(hidden, channels, 1), nn.Sigmoid())

    def weights(self, x: torch.Tensor) -> torch.Tensor:
        """The per-channel weights (B, C) of ``x`` (B, C, h, w), pooled over the whole of ``x``."""
        return self.squeeze(x.mean(dim=(-2, -1), keepdim=True)).flatten(1)  # (B, C, 1, 1) -> (B, C)


class RCAB(nn.Module):
    """Residual channel attention block (§3.1, RCAN): conv 3×3 → ReLU → conv 3×3 → channel attention, plus the identity."""

    def __init__(self, *, channels: int, reduction: int) -> None:
        super().__init__()
        self.body = nn.Sequential(conv3x3(channels, channels), nn.ReLU(inplace=True), conv3x3(channels, channels))
        self.attention = ChannelAttention(channels=channels, reduction=reduction)

    def forward(self, x: torch.Tensor, weights: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``x`` (B, C, h, w) → (output, the attention weights used (B, C)); given ``weights`` replace the pooled ones
        (docs/decisions/dmsr.md, M6)."""
        residual = self.body(x)
        if weights is None:
            weights = self.attention.weights(residual)
        return x + residual * weights[:, :, None, None], weights  # weights (B, C) -> (B, C, 1, 1)


class ResidualGroup(nn.Module):
    """RCAN's residual group (§3.1): ``blocks`` RCABs, a 3×3 conv, and the group's long skip."""

    def __init__(self, *, channels: int, blocks: int, reduction: int) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(RCAB(channels=channels, reduction=reduction) for _ in range(blocks))
        self.conv = conv3x3(channels, channels)

    def forward(self, x: torch.Tensor, weights: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``x`` (B, C, h, w), ``weights`` None or (B, blocks, C) → (output, the attention weights used (B, blocks, C))."""
        out, used = x, []
        for index, block in enumerate(self.blocks):
            out, block_weights = block(out, None if weights is None else weights[:, index])
            used.append(block_weights)
        return x + self.conv(out), torch.stack(used, dim=1)  # blocks × (B, C) -> (B, blocks, C)


class RCANBody(nn.Module):
    """Table B.7 row 0-1: ``groups`` residual groups, then (``tail_conv``) RCAN's body-end 3×3 conv and long skip
    (docs/decisions/dmsr.md, M5)."""

    def __init__(self, *, channels: int, groups: int, blocks: int, reduction: int, tail_conv: bool) -> None:
        super().__init__()
        self.groups = nn.ModuleList(ResidualGroup(channels=channels, blocks=blocks, reduction=reduction) for _ in range(groups))
        self.conv = conv3x3(channels, channels) if tail_conv else None

    def forward(self, x: torch.Tensor, attention: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``x`` (B, C, h, w), ``attention`` None or (B, groups, blocks, C) → (features, the attention weights used)."""
        out, used = x, []
        for index, group in enumerate(self.groups):
            out, group_weights = group(out, None if attention is None else attention[:, index])
            used.append(group_weights)
        if self.conv is not None:
            out = self.conv(out) + x
        return out, torch.stack(used, dim=1)  # groups × (B, blocks, C) -> (B, groups, blocks, C)


class MetaDeblur(nn.Module):
    """One MBM (§3.1 Eq. 4, Table B.7 rows 2-0 to 2-3 and 0-4; docs/decisions/dmsr.md, M8-M12).

    Args:
        meta_kernel_size: kernel size of the meta-layer Conv(18, 225) (3, M9).
        kernel_normalization: ``"none"`` (raw meta-weights, M10) or ``"softmax"`` over the 225 taps.
        residual: add Y to the dynamic convolution's output (M12; the paper lists none).
        pca_rows: (15, 225) initial FC weights in the row-major tap order of K_est (M8), or None for
            PyTorch's default initialisation. When given, the FC bias starts at 0.

    Submodules: ``reduce`` (row 2-0, FC 225 → 15), ``meta`` (row 2-3, Conv(18, 225)).
    """

    def __init__(self, *, meta_kernel_size: int, kernel_normalization: KernelNormalization, residual: bool, pca_rows: np.ndarray | None) -> None:
        super().__init__()
        if kernel_normalization not in ("none", "softmax"):
            raise ValueError(f"unknown dynamic kernel normalization {kernel_normalization!r}; choose 'none' or 'softmax'")
        if meta_kernel_size % 2 != 1:
            raise ValueError(f"the meta-layer kernel size must be odd, got {meta_kernel_size}")
        self.kernel_normalization, self.residual = kernel_normalization, residual
        taps = KERNEL_SIZE * KERNEL_SIZE
        self.reduce = nn.Linear(taps, KERNEL_CODE_DIM)
        self.meta = nn.Conv2d(3 + KERNEL_CODE_DIM, taps, meta_kernel_size, padding=meta_kernel_size // 2)
        if pca_rows is not None:
            with torch.no_grad():
                self.reduce.weight.copy_(torch.as_tensor(pca_rows, dtype=self.reduce.weight.dtype))
                self.reduce.bias.zero_()

    def kernel_code(self, kernel: torch.Tensor) -> torch.Tensor:
        """Row 2-0: K_est (B, 15, 15) → its 15-d code (B, 15)."""
        return self.reduce(kernel.reshape(kernel.shape[0], -1))  # (B, 15, 15) -> (B, 225), row-major

    def meta_weights(self, image: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
        """Rows 2-1 to 2-3: one 15×15 kernel per pixel of ``image`` (B, 3, H, W) → (B, 225, H, W), taps in
        :func:`dynsr.ops.per_pixel_conv2d` order (learned, so the order is a relabelling;
        docs/decisions/dmsr.md, M11)."""
        code = stretch_degradation_map(image, self.kernel_code(kernel), KERNEL_CODE_DIM)  # (B, 15, H, W), row 2-1
        weights = self.meta(torch.cat([image, code], dim=1))  # (B, 18, H, W) -> (B, 225, H, W), rows 2-2, 2-3
        return weights.softmax(dim=1) if self.kernel_normalization == "softmax" else weights

    def forward(self, image: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
        """Row 0-4: ``image`` Y (B, 3, H, W), K_est (B, 15, 15) → Ŷ (B, 3, H, W), the same kernel for the three channels."""
        deblurred = per_pixel_conv2d(image, self.meta_weights(image, kernel))  # zero padding, 'same' output
        return deblurred + image if self.residual else deblurred


def pca_initial_weights(name: str) -> np.ndarray:
    """SRMD's PCA projection ``name`` (15, 225) reordered for the row-major K_est.flatten() the FC receives
    (docs/decisions/dmsr.md, M8).

    The stored bases act on MATLAB's column-major vec(k) (:func:`dynsr.degradations.pca.kernel_pca_code`), so that
    FC(K_est) = P · vec(K_est) exactly at initialisation."""
    entry = PCA_BASES.get(name)
    if entry is None or (entry.kernel_size, entry.dim) != (KERNEL_SIZE, KERNEL_CODE_DIM):
        fitting = [key for key, value in PCA_BASES.items() if (value.kernel_size, value.dim) == (KERNEL_SIZE, KERNEL_CODE_DIM)]
        raise ValueError(f"pca_init must name a {KERNEL_CODE_DIM}-d basis of {KERNEL_SIZE}x{KERNEL_SIZE} kernels ({', '.join(fitting)}) "
                         f"or be None; got {name!r}")
    basis = load_pca_basis(name)  # (15, 225), column j·k + i is tap k[i, j]
    grid = basis.reshape(KERNEL_CODE_DIM, KERNEL_SIZE, KERNEL_SIZE)  # (15, 225) -> (15, j, i)
    return grid.transpose(0, 2, 1).reshape(KERNEL_CODE_DIM, -1)  # (15, j, i) -> (15, i, j) -> (15, 225), column 15·i + j


def build_upsampler(*, kind: Upsampler, scale: int, channels: int, relu: bool) -> nn.Sequential:
    """Table B.7 row 0-2, "Conv, PixelShuffle, ReLU" (docs/decisions/dmsr.md, M7): EDSR's stages (``"edsr"``: ×2 per stage for 2ⁿ, one ×3)
    or one conv C → C·s² and PixelShuffle(s) (``"single"``), then the ReLU if ``relu``."""
    if kind == "edsr":
        layers: list[nn.Module] = [EDSRUpsampler(scale=scale, channels=channels)]
    elif kind == "single":
        if scale < 2:
            raise ValueError(f"the upsampler needs a scale >= 2, got {scale}")
        layers = [conv3x3(channels, channels * scale * scale), nn.PixelShuffle(scale)]
    else:
        raise ValueError(f"unknown upsampler {kind!r}; choose 'edsr' or 'single'")
    return nn.Sequential(*layers, *([nn.ReLU(inplace=True)] if relu else []))


class DMSR(SuperResolver):
    """DMSR: degradation extractor + SR network with MNM and MBM; see the module docstring and docs/decisions/dmsr.md.

    Args:
        scale: super-resolution factor (EDSR upsampler: 2ⁿ or 3).
        channels: SR network width (64).
        groups: residual groups (5, §4.1).
        blocks: RCABs per group (20, §4.1).
        reduction: channel-attention reduction (16, RCAN's; M5).
        body_tail: RCAN's body-end 3×3 conv and long skip after the groups (True; M5).
        mnm_kernel_size: the MNM convolution's kernel size (1: the meta-bias reading of §3.1; 3: §4.1's "all 3×3"; M3).
        noise_estimate: ``"map"`` (MNM-map, the paper's model) or ``"sigma"`` (MNM-σ, Table 3; M4).
        extractor_channels: the DE's trunk width (64, §4.1).
        upsampler: ``"edsr"`` (default) or ``"single"`` stage (M7).
        upsampler_relu: the ReLU after the pixel shuffle that Table B.7 row 0-2 lists (True; M7).
        mbm_count: MBMs in series (1; Table 4: 2, 3; Table 3's rows without MBM: 0; M13).
        mbm_output_conv: ``"once"``: one Conv(3, 3) (row 0-5) after the last MBM; ``"per_mbm"``: one after every MBM (M13).
        meta_kernel_size: the MBM meta-layer Conv(18, 225)'s kernel size (3; M9).
        dynamic_kernel_normalization: ``"none"`` (raw meta-weights) or ``"softmax"`` over the taps (M10).
        mbm_residual: add the MBM input to the dynamic convolution's output (False; M12).
        pca_init: the PCA basis that initialises each MBM's FC(225, 15) (``"kair_srmd"``, SRMD's matrix; also
            ``"srmd_matconvnet"``), or None for PyTorch's default initialisation (M8).
    """

    conditioning: ClassVar[Conditioning] = "blind"  # see dynsr.models.protocol
    estimated_kernel_size: ClassVar[int] = KERNEL_SIZE  # K_est's side: the training kernels L_DR compares it with (Eq. 7)

    def __init__(
        self,
        *,
        scale: int,
        channels: int = 64,
        groups: int = 5,
        blocks: int = 20,
        reduction: int = 16,
        body_tail: bool = True,
        mnm_kernel_size: int = 1,
        noise_estimate: NoiseEstimate = "map",
        extractor_channels: int = 64,
        upsampler: Upsampler = "edsr",
        upsampler_relu: bool = True,
        mbm_count: int = 1,
        mbm_output_conv: MBMOutputConv = "once",
        meta_kernel_size: int = 3,
        dynamic_kernel_normalization: KernelNormalization = "none",
        mbm_residual: bool = False,
        pca_init: str | None = "kair_srmd",
    ) -> None:
        super().__init__()
        if groups < 1 or blocks < 1 or mbm_count < 0:
            raise ValueError(f"need groups >= 1, blocks >= 1 and mbm_count >= 0; got {groups}, {blocks}, {mbm_count}")
        if mnm_kernel_size % 2 != 1:
            raise ValueError(f"the MNM kernel size must be odd, got {mnm_kernel_size}")
        if mbm_output_conv not in ("once", "per_mbm"):
            raise ValueError(f"unknown mbm_output_conv {mbm_output_conv!r}; choose 'once' or 'per_mbm'")
        self.scale, self.noise_estimate, self.mbm_output_conv = scale, noise_estimate, mbm_output_conv
        self.extractor = DegradationExtractor(channels=extractor_channels, noise_estimate=noise_estimate)
        self.mnm = nn.Conv2d(6, channels, mnm_kernel_size, padding=mnm_kernel_size // 2)  # rows 1-0, 1-1
        self.head = conv3x3(channels, channels)  # row 0-0
        self.body = RCANBody(channels=channels, groups=groups, blocks=blocks, reduction=reduction, tail_conv=body_tail)  # row 0-1
        self.upsampler = build_upsampler(kind=upsampler, scale=scale, channels=channels, relu=upsampler_relu)  # row 0-2
        self.to_image = conv3x3(channels, 3)  # row 0-3, Y
        pca_rows = None if pca_init is None else pca_initial_weights(pca_init)
        self.mbms = nn.ModuleList(
            MetaDeblur(meta_kernel_size=meta_kernel_size, kernel_normalization=dynamic_kernel_normalization, residual=mbm_residual, pca_rows=pca_rows)
            for _ in range(mbm_count)
        )
        output_convs = mbm_count if mbm_output_conv == "per_mbm" and mbm_count > 0 else 1
        self.output_convs = nn.ModuleList(conv3x3(3, 3) for _ in range(output_convs))  # row 0-5 (once, or after every MBM)
        # LR context of an output pixel (exact tiling, M6). LR part: the noise map (DE conv, two residual blocks, noise conv;
        # nothing for a level, which is image-wide), the MNM, row 0-0, two convs per RCAB and one per group, the body-end conv,
        # the upsampler convs (each at most one LR pixel). HR part, in HR pixels: row 0-3, each MBM (its 15×15 taps reach
        # further than its meta-layer), the output convs; ⌈·/s⌉ LR pixels.
        noise_radius = 6 if noise_estimate == "map" else 0
        upsampler_convs = sum(isinstance(module, nn.Conv2d) for module in self.upsampler.modules())
        low = noise_radius + mnm_kernel_size // 2 + 1 + groups * (2 * blocks + 1) + int(body_tail) + upsampler_convs
        high = 1 + mbm_count * max(KERNEL_SIZE // 2, meta_kernel_size // 2) + output_convs
        self.receptive_radius = low + math.ceil(high / scale)

    # --- degradation estimate (§3.2) --------------------------------------------------------------------------

    def estimate_degradation(self, lr: torch.Tensor) -> Degradation:
        """The DE alone on ``lr`` (B, 3, h, w): K_est and N_est (or the level), e.g. K_sim and N_sim of the DC
        loss (Eq. 8; docs/decisions/dmsr.md, M15)."""
        return self.extractor(lr)

    def image_condition(self, lr: torch.Tensor) -> dict[str, torch.Tensor]:
        """Keyword arguments of :meth:`forward` computed once on the whole image (tiled inference; docs/decisions/dmsr.md, M6): K_est, the attention
        weights of every RCAB and, for MNM-σ, the noise level. Costs one LR pass of the DE and the body on the whole image."""
        _, kernel, noise, attention = self.low_resolution_features(lr)
        condition = {"kernel": kernel, "attention": attention}
        if self.noise_estimate == "sigma":
            condition["noise"] = noise
        return condition

    # --- SR network (§3.1, Table B.7) -----------------------------------------------------------------------

    def low_resolution_features(
        self, lr: torch.Tensor, kernel: torch.Tensor | None = None, noise: torch.Tensor | None = None, attention: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """The DE (for what is not given), the MNM, row 0-0 and the body → (features (B, C, h, w), K_est, N_est or the
        level, the attention weights (B, groups, blocks, C))."""
        if kernel is None or noise is None:
            features = self.extractor.features(lr)
            kernel = self.extractor.kernel(features) if kernel is None else kernel
            noise = self.extractor.noise(features) if noise is None else noise
        noise_map = stretch_degradation_map(lr, noise.expand(-1, 3) if noise.dim() == 2 else noise, 3)  # level (B, 1) -> (B, 3) -> (B, 3, h, w)
        expected = (lr.shape[0], len(self.body.groups), len(self.body.groups[0].blocks), self.head.out_channels)
        if attention is not None and tuple(attention.shape) != expected:
            raise ValueError(f"attention must be (B, groups, blocks, C) = {expected}; got {tuple(attention.shape)}")
        if tuple(kernel.shape) != (lr.shape[0], KERNEL_SIZE, KERNEL_SIZE):
            raise ValueError(f"kernel must be (B, {KERNEL_SIZE}, {KERNEL_SIZE}); got {tuple(kernel.shape)}")
        head = self.head(self.mnm(torch.cat([lr, noise_map], dim=1)))  # (B, 6, h, w) -> (B, C, h, w), rows 1-0, 1-1, 0-0
        features, attention = self.body(head, attention)
        return features, kernel, noise, attention

    def forward(
        self,
        lr: torch.Tensor,
        *,
        kernel: torch.Tensor | None = None,
        noise: torch.Tensor | None = None,
        attention: torch.Tensor | None = None,
        return_degradation: bool = False,
    ) -> torch.Tensor | DMSROutput:
        """``lr`` (B, 3, h, w) in [0, 1] → I_SR (B, 3, s·h, s·w), or :class:`DMSROutput` with ``return_degradation``.

        ``kernel`` (B, 15, 15), ``noise`` (B, 3, h, w) map or (B, 1) level, ``attention`` (B, groups, blocks, C): use these
        instead of what the model computes from ``lr`` (tiled inference passes :meth:`image_condition`'s; M6, M15).
        """
        features, kernel, noise, _ = self.low_resolution_features(lr, kernel, noise, attention)
        image = self.to_image(self.upsampler(features))  # Y (B, 3, s·h, s·w), rows 0-2, 0-3
        for index, mbm in enumerate(self.mbms):
            image = mbm(image, kernel)  # rows 2-0 to 2-3, 0-4
            if self.mbm_output_conv == "per_mbm" and index < len(self.mbms) - 1:
                image = self.output_convs[index](image)
        sr = self.output_convs[-1](image)  # row 0-5
        return DMSROutput(sr=sr, kernel=kernel, noise=noise) if return_degradation else sr
