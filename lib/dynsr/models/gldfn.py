"""GLDFN (Wen, Guo, Ren, Wang & Shao): global and local dynamic filter network for blind super-resolution.

Map of the paper (each unstated or ambiguous point is a section of ``docs/decisions/gldfn.md``, cited below as
G2-G12; every unstated choice is a constructor switch, its default the reading named here):

* **Shallow feature extraction** (§III-B, Eqs. 2-3): F₀ = 3×3 conv (3 → C) of the LR image, then n
  modified residual blocks (:class:`ShallowBlock`: conv, act, conv, act, conv, plus the identity); n is
  unstated, ``shallow_blocks`` = 3 (G2). Activations are ReLU, the only one the paper names (G3).
* **DDFM** (§III-C), :class:`DDFM`: two branches that do not exchange information, both fed F_n at
  first (G4). Each (:class:`Branch`) is ``branch_convs`` = 2 3×3 convs with an activation between
  them ("two convolutional layers and an activation layer"), then its filter layer, plus the identity:
  g ← g + GDF(conv(act(conv(g)))), l ← l + LDF(conv(act(conv(l)))).
* **Global dynamic filter** (Eq. 4, after DynamicConv [17]), :class:`GlobalDynamicFilter`: K = ``experts``
  = 4 expert 3×3 kernels with biases, mixed per sample by π = softmax(FC(ReLU(FC(GAP(x)))) / τ)
  (SE [61] with reduction 4, τ = 1) and applied by :func:`dynsr.ops.expert_mixture_conv2d` (G5).
* **Local dynamic filter** (Eq. 5, after DDF [18]), :class:`LocalDynamicFilter`: spatial filter
  = FilterNorm(1×1 conv C → k²) per pixel; channel filter = FilterNorm(FC(ReLU(FC(GAP(x)))) → C·k²) ×
  a learned scale, per channel; applied by :func:`dynsr.ops.decoupled_dynamic_filter` (DDF's defaults:
  k = 3, SE ratio 0.2; G6).
* **DDFG** (§III-C), :class:`DDFG`: RIR group of DDFMs with a long skip on each branch (no tail conv
  by default, ``group_tail_conv``; G7), then the fusion module (§III-D), global → local only:
  l ← 1×1 conv(l ⊕ g) (``fusion_kernel_size``; G8). The last group's fusion is the merge of the two
  branches: its output is F_DDFG (G8).
* **Reconstruction** (§III-D, Eq. 6): I_SR = U↑(Conv(F_DDFG)) + bilinear↑(I_LR), Conv a 3×3 conv C → C,
  U↑ a sub-pixel convolution C → 3s² + PixelShuffle(s) (``upsampler="subpixel"``; G9). No clamp.
* **Table I ablation** (§IV-C): ``global_filter`` / ``local_filter`` False put a 3×3 conv in place of
  the GDF / LDF layer (Exp. A: both off, B: local off, C: global off); :data:`ABLATIONS` holds each
  variant's DDFM layout, chosen so that its parameters are within 0.3 % of Exp. D (G10).
* **Size** (Table IV, G12): this text-faithful model has 15,738,098 parameters at ×4 against the
  paper's 14.70 M, and 473.44 G MACs at LR 180×270 (`dynsr.compute.count_macs`) against 346.74 G;
  ``experts``, ``branch_convs`` and ``channels`` are the switches that move it.

Inputs and outputs: ``model(lr)`` with ``lr`` (B, 3, h, w) in [0, 1] → (B, 3, s·h, s·w), not clipped.
Both dynamic layers read a global average pool of their input. Tiled inference computes the pools once on
the whole image (:meth:`GLDFN.image_condition`) and gives them to every tile (``forward(lr, pools=...)``),
so that tiling is exact (G11).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar, Literal

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.init import calculate_gain

from dynsr.models.dasr import EDSRUpsampler, conv3x3
from dynsr.models.protocol import Conditioning, SuperResolver
from dynsr.ops import decoupled_dynamic_filter, expert_mixture_conv2d

__all__ = [
    "GLDFN",
    "ABLATIONS",
    "DEFAULT_GROUP_MODULES",
    "Branch",
    "DDFG",
    "DDFM",
    "GlobalDynamicFilter",
    "GlobalPools",
    "LocalDynamicFilter",
    "ShallowBlock",
]

DEFAULT_GROUP_MODULES: tuple[int, ...] = (10,) * 5  # §IV-B: "five DDFGs, each consisting of ten DDFMs"

# Table I (§IV-C): Exp. A/B/C replace dynamic layers by 3×3 convs and change "the number of modules" so that their parameters
# stay close to Exp. D's; the DDFMs per group below are ours, the layouts nearest to D at the default switches
# (docs/decisions/gldfn.md, G10): at x4 A 15,728,240 (-0.063 %), B 15,779,208 (+0.261 %), C 15,771,499 (+0.212 %) against D 15,738,098.
ABLATIONS: dict[str, dict[str, object]] = {
    "A": {"global_filter": False, "local_filter": False, "group_modules": (14, 14, 14, 14, 13)},
    "B": {"global_filter": True, "local_filter": False, "group_modules": (10, 9, 9, 9, 9)},
    "C": {"global_filter": False, "local_filter": True, "group_modules": (16, 16, 16, 16, 15)},
}

Activation = Literal["relu", "leaky_relu"]
Upsampler = Literal["subpixel", "progressive"]
LEAKY_SLOPE = 0.1  # the "leaky_relu" option (DCLS's slope)
FILTER_NORM_EPS = 1e-10  # DDF's FilterNorm


def activation_layer(name: Activation) -> nn.Module:
    """The network's nonlinearity (docs/decisions/gldfn.md, G3)."""
    return nn.ReLU() if name == "relu" else nn.LeakyReLU(LEAKY_SLOPE)


def filter_norm(filters: torch.Tensor, dim: int) -> torch.Tensor:
    """DDF's FilterNorm without its scale: each filter (the entries along ``dim``) centred and divided by its (unbiased) std."""
    centred = filters - filters.mean(dim=dim, keepdim=True)
    return centred / (centred.std(dim=dim, keepdim=True) + FILTER_NORM_EPS)


class GlobalPools:
    """The global average pools (B, C) of the dynamic layers' inputs, in call order (docs/decisions/gldfn.md, G11).

    Built without ``given`` it pools each input it is called with (a whole-image forward) and keeps the pools in
    ``taken``; built with the ``given`` pools of the whole image it returns them in order instead (a tile of it).
    """

    def __init__(self, given: Sequence[torch.Tensor] | None = None) -> None:
        self.given = None if given is None else tuple(given)
        self.taken: list[torch.Tensor] = []

    def __call__(self, features: torch.Tensor) -> torch.Tensor:
        """The pool of ``features`` (B, C, H, W): (B, C)."""
        if self.given is None:
            pooled = features.mean(dim=(-2, -1))  # (B, C, H, W) -> (B, C)
        else:
            if len(self.taken) == len(self.given):
                raise ValueError(f"{len(self.given)} pools were given, but the network has more dynamic layers")
            pooled = self.given[len(self.taken)]
            if pooled.shape != features.shape[:2]:
                raise ValueError(f"pool {len(self.taken)} is {tuple(pooled.shape)}; its layer's input needs {tuple(features.shape[:2])}")
        self.taken.append(pooled)
        return pooled

    def check_all_taken(self) -> None:
        """After a forward: every given pool was used (the pools belong to a network of this layout)."""
        if self.given is not None and len(self.taken) != len(self.given):
            raise ValueError(f"{len(self.given)} pools were given for {len(self.taken)} dynamic layers")


class GlobalDynamicFilter(nn.Module):
    """The GDF layer, §III-C Eq. 4: a 3×3 conv whose kernel and bias are mixed per sample from K experts (docs/decisions/gldfn.md, G5).

    Args:
        channels: input and output channels C.
        experts: K.
        reduction: the attention's hidden width is C // reduction.
        temperature: τ of the softmax over the experts (an attribute: training may anneal it).
        kernel_size: the experts' size (3).
    """

    def __init__(self, *, channels: int, experts: int, reduction: int, temperature: float, kernel_size: int = 3) -> None:
        super().__init__()
        if experts < 1 or channels // reduction < 1 or not temperature > 0:
            raise ValueError(f"need experts >= 1, channels >= reduction and temperature > 0; got {experts}, {channels}/{reduction}, {temperature}")
        self.temperature = float(temperature)
        self.weight = nn.Parameter(torch.empty(experts, channels, channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.empty(experts, channels))
        hidden = channels // reduction
        self.attention = nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(), nn.Linear(hidden, experts))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Each expert initialised as an ``nn.Conv2d`` of its shape is (as DynamicConv initialises its kernels separately)."""
        for expert in self.weight:
            nn.init.kaiming_uniform_(expert, a=math.sqrt(5))
        bound = 1 / math.sqrt(self.weight[0, 0].numel())  # 1/√(C·k²), nn.Conv2d's bias bound
        nn.init.uniform_(self.bias, -bound, bound)

    def expert_weights(self, pooled: torch.Tensor) -> torch.Tensor:
        """π(x) of Eq. 4 from the pooled input (B, C): (B, K), each row on the simplex."""
        return (self.attention(pooled) / self.temperature).softmax(dim=1)

    def forward(self, x: torch.Tensor, pooled: torch.Tensor) -> torch.Tensor:
        """``x`` (B, C, H, W) and its pool (B, C) → (B, C, H, W) = conv(x; Σ_k π_k W̃_k, Σ_k π_k b̃_k)."""
        return expert_mixture_conv2d(x, self.expert_weights(pooled), self.weight, self.bias)


class LocalDynamicFilter(nn.Module):
    """The LDF layer, §III-C Eq. 5: DDF's decoupled per-pixel spatial × per-channel filter (docs/decisions/gldfn.md, G6).

    Args:
        channels: C.
        kernel_size: k of the k×k filters (3).
        se_ratio: the channel branch's hidden width is ⌊C·se_ratio⌋ (0.2: 12 for C = 64).

    As DDF with ``nonlinearity='relu'``: both filters are FilterNorm-ed over their k² taps; the spatial ones
    are then scaled by the constant gain √2/k, the channel ones by a learned (C, k²) scale initialised
    N(0, 1)·√2/k. The taps are in `dynsr.ops` order (a relabelling of DDF's; learned filters do not care).
    """

    def __init__(self, *, channels: int, kernel_size: int, se_ratio: float) -> None:
        super().__init__()
        hidden = int(channels * se_ratio)
        if kernel_size % 2 != 1 or hidden < 1:
            raise ValueError(f"need an odd kernel_size and channels·se_ratio >= 1; got {kernel_size}, {channels}·{se_ratio}")
        self.kernel_size = kernel_size
        taps = kernel_size * kernel_size
        self.spatial_gain = calculate_gain("relu") / kernel_size
        self.spatial_branch = nn.Conv2d(channels, taps, 1)
        self.channel_branch = nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(), nn.Linear(hidden, channels * taps))
        self.channel_scale = nn.Parameter(torch.randn(channels, taps) * self.spatial_gain)  # DDF's running_std

    def spatial_filter(self, x: torch.Tensor) -> torch.Tensor:
        """D^sp: one k×k filter per pixel, shared across channels: (B, k², H, W)."""
        return filter_norm(self.spatial_branch(x), dim=1) * self.spatial_gain

    def channel_filter(self, pooled: torch.Tensor) -> torch.Tensor:
        """D^ch: one k×k filter per channel, shared across pixels, from the pooled input (B, C): (B, C, k²)."""
        batch, channels = pooled.shape
        raw = self.channel_branch(pooled).view(batch, channels, -1)  # (B, C·k²) -> (B, C, k²)
        return filter_norm(raw, dim=2) * self.channel_scale

    def forward(self, x: torch.Tensor, pooled: torch.Tensor) -> torch.Tensor:
        """``x`` (B, C, H, W) and its pool (B, C) → Eq. 5's F′ (B, C, H, W)."""
        return decoupled_dynamic_filter(x, self.spatial_filter(x), self.channel_filter(pooled))


class ShallowBlock(nn.Module):
    """A modified residual block of §III-B (Eq. 3): conv, act, conv, act, conv (3×3), plus the identity."""

    def __init__(self, *, channels: int, activation: Activation) -> None:
        super().__init__()
        self.body = nn.Sequential(
            conv3x3(channels, channels), activation_layer(activation), conv3x3(channels, channels), activation_layer(activation),
            conv3x3(channels, channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class Branch(nn.Module):
    """One branch of a DDFM (§III-C): ``convs`` 3×3 convs with an activation between consecutive ones, then ``layer``,
    plus the identity (docs/decisions/gldfn.md, G4). ``layer`` is a GDF or LDF layer, or, in the Table I ablation, a 3×3 conv."""

    def __init__(self, *, channels: int, convs: int, layer: nn.Module, activation: Activation) -> None:
        super().__init__()
        if convs < 1:
            raise ValueError(f"a DDFM branch needs at least one conv before its filter layer, got {convs}")
        layers: list[nn.Module] = [conv3x3(channels, channels)]
        for _ in range(convs - 1):
            layers += [activation_layer(activation), conv3x3(channels, channels)]
        self.convs = nn.Sequential(*layers)
        self.layer = layer
        self.dynamic = isinstance(layer, (GlobalDynamicFilter, LocalDynamicFilter))

    def forward(self, x: torch.Tensor, pools: GlobalPools) -> torch.Tensor:
        hidden = self.convs(x)
        return x + (self.layer(hidden, pools(hidden)) if self.dynamic else self.layer(hidden))


class DDFM(nn.Module):
    """Dual dynamic filter module (§III-C): a global and a local :class:`Branch`, working independently."""

    def __init__(self, *, global_branch: Branch, local_branch: Branch) -> None:
        super().__init__()
        self.global_branch, self.local_branch = global_branch, local_branch

    def forward(self, global_features: torch.Tensor, local_features: torch.Tensor, pools: GlobalPools) -> tuple[torch.Tensor, torch.Tensor]:
        return self.global_branch(global_features, pools), self.local_branch(local_features, pools)


class DDFG(nn.Module):
    """Dual dynamic filter group (§III-C, §III-D): DDFMs, a long skip per branch (after an optional 3×3 tail conv per
    branch, RCAN's group form), then the fusion l ← conv(l ⊕ g), global → local only (docs/decisions/gldfn.md, G7, G8)."""

    def __init__(self, *, ddfms: Sequence[DDFM], channels: int, tail_conv: bool, fusion_kernel_size: int) -> None:
        super().__init__()
        if not ddfms or fusion_kernel_size % 2 != 1:
            raise ValueError(f"a DDFG needs at least one DDFM and an odd fusion kernel; got {len(ddfms)}, {fusion_kernel_size}")
        self.ddfms = nn.ModuleList(ddfms)
        self.global_tail = conv3x3(channels, channels) if tail_conv else nn.Identity()
        self.local_tail = conv3x3(channels, channels) if tail_conv else nn.Identity()
        self.fusion = nn.Conv2d(2 * channels, channels, fusion_kernel_size, padding=fusion_kernel_size // 2)

    def forward(self, global_features: torch.Tensor, local_features: torch.Tensor, pools: GlobalPools) -> tuple[torch.Tensor, torch.Tensor]:
        """(g, l) (B, C, h, w) each → (g', fused l') (B, C, h, w) each."""
        g, l = global_features, local_features
        for ddfm in self.ddfms:
            g, l = ddfm(g, l, pools)
        g, l = global_features + self.global_tail(g), local_features + self.local_tail(l)
        return g, self.fusion(torch.cat([l, g], dim=1))  # (B, 2C, h, w) -> (B, C, h, w)


class GLDFN(SuperResolver):
    """GLDFN (Table I Exp. D by default) and its ablation variants; see the module docstring.

    Args:
        scale: super-resolution factor.
        channels: feature width C (64; unstated, G2).
        group_modules: DDFMs per DDFG, one entry per group (:data:`DEFAULT_GROUP_MODULES`: 5 × 10, §IV-B).
        shallow_blocks: n, the modified residual blocks of Eq. 3 (3; unstated, G2).
        branch_convs: 3×3 convs before each filter layer in a DDFM branch (2, §III-C).
        experts: K of Eq. 4 (4; unstated, G5).
        attention_reduction: the GDF attention's hidden width is C // reduction (4, G5).
        attention_temperature: τ of the GDF softmax (1, G5).
        ldf_kernel_size: k of Eq. 5 (3, G6).
        ldf_se_ratio: the LDF channel branch's hidden width ratio (0.2, G6).
        global_filter, local_filter: the GDF / LDF layers; False puts a 3×3 conv in their place (Table I; G10).
        group_tail_conv: a 3×3 conv per branch before each group's long skip (False, G7).
        fusion_kernel_size: the fusion conv's size (1, G8).
        upsampler: ``"subpixel"`` (conv C → 3s², PixelShuffle(s), Eq. 6's U↑) or ``"progressive"`` (EDSR's
            per-×2 conv C → 4C + PixelShuffle(2), then a conv C → 3; G9).
        activation: ``"relu"`` or ``"leaky_relu"`` (slope 0.1) in the shallow blocks and DDFM branches (G3).
    """

    conditioning: ClassVar[Conditioning] = "blind"

    def __init__(
        self,
        *,
        scale: int,
        channels: int = 64,
        group_modules: Sequence[int] = DEFAULT_GROUP_MODULES,
        shallow_blocks: int = 3,
        branch_convs: int = 2,
        experts: int = 4,
        attention_reduction: int = 4,
        attention_temperature: float = 1.0,
        ldf_kernel_size: int = 3,
        ldf_se_ratio: float = 0.2,
        global_filter: bool = True,
        local_filter: bool = True,
        group_tail_conv: bool = False,
        fusion_kernel_size: int = 1,
        upsampler: Upsampler = "subpixel",
        activation: Activation = "relu",
    ) -> None:
        super().__init__()
        if activation not in ("relu", "leaky_relu") or upsampler not in ("subpixel", "progressive"):
            raise ValueError(f"unknown activation {activation!r} or upsampler {upsampler!r}; choose relu/leaky_relu and subpixel/progressive")
        if scale < 1 or not group_modules or shallow_blocks < 0:
            raise ValueError(f"need scale >= 1, at least one group and shallow_blocks >= 0; got {scale}, {tuple(group_modules)}, {shallow_blocks}")
        self.scale = scale
        self.group_modules = tuple(group_modules)

        def layer(dynamic: bool, make: type[nn.Module], **options: object) -> nn.Module:
            return make(channels=channels, **options) if dynamic else conv3x3(channels, channels)

        def ddfm() -> DDFM:
            global_layer = layer(global_filter, GlobalDynamicFilter, experts=experts, reduction=attention_reduction, temperature=attention_temperature)
            local_layer = layer(local_filter, LocalDynamicFilter, kernel_size=ldf_kernel_size, se_ratio=ldf_se_ratio)
            return DDFM(
                global_branch=Branch(channels=channels, convs=branch_convs, layer=global_layer, activation=activation),
                local_branch=Branch(channels=channels, convs=branch_convs, layer=local_layer, activation=activation),
            )

        self.head = conv3x3(3, channels)
        self.shallow = nn.Sequential(*(ShallowBlock(channels=channels, activation=activation) for _ in range(shallow_blocks)))
        self.groups = nn.ModuleList(
            DDFG(ddfms=[ddfm() for _ in range(count)], channels=channels, tail_conv=group_tail_conv, fusion_kernel_size=fusion_kernel_size)
            for count in self.group_modules
        )
        self.reconstruction = conv3x3(channels, channels)
        if upsampler == "subpixel":
            self.upsampler = nn.Sequential(conv3x3(channels, 3 * scale * scale), nn.PixelShuffle(scale))
        else:
            self.upsampler = nn.Sequential(EDSRUpsampler(scale=scale, channels=channels), conv3x3(channels, 3))
        # LR context of an output pixel (exact tiling): head, 3 convs per shallow block, per DDFM its branch convs and
        # filter layer (GDF and convs 3×3, LDF k×k), per group the tail conv and the fusion, the reconstruction conv and
        # the upsampler's convs (each at most one LR pixel); the bilinear skip needs 1.
        per_ddfm = branch_convs + max(1, ldf_kernel_size // 2)
        per_group = int(group_tail_conv) + fusion_kernel_size // 2
        upsampler_convs = sum(isinstance(module, nn.Conv2d) for module in self.upsampler.modules())
        self.receptive_radius = 1 + 3 * shallow_blocks + sum(count * per_ddfm + per_group for count in self.group_modules) + 1 + upsampler_convs

    def features(self, lr: torch.Tensor, pools: GlobalPools) -> torch.Tensor:
        """F_DDFG (B, C, h, w) of ``lr`` (B, 3, h, w): shallow features, the DDFGs on both branches, the last fusion."""
        shallow = self.shallow(self.head(lr))  # F_n, fed to both branches
        global_features = local_features = shallow
        for group in self.groups:
            global_features, local_features = group(global_features, local_features, pools)
        return local_features

    def image_condition(self, lr: torch.Tensor) -> dict[str, tuple[torch.Tensor, ...]]:
        """The pools of every dynamic layer on the whole image ``lr``, for :meth:`forward` on its tiles (`dynsr.inference`;
        docs/decisions/gldfn.md, G11)."""
        pools = GlobalPools()
        self.features(lr, pools)
        return {"pools": tuple(pools.taken)}

    def forward(self, lr: torch.Tensor, *, pools: Sequence[torch.Tensor] | None = None) -> torch.Tensor:
        """``lr`` (B, 3, h, w) in [0, 1] → SR (B, 3, s·h, s·w), Eq. 6.

        ``pools``: the dynamic layers' global pools (B, C) in call order (from :meth:`image_condition` of the whole
        image) instead of those of ``lr`` itself.
        """
        recorder = GlobalPools(pools)
        features = self.features(lr, recorder)
        recorder.check_all_taken()
        residual = self.upsampler(self.reconstruction(features))  # (B, 3, s·h, s·w)
        return residual + F.interpolate(lr, scale_factor=self.scale, mode="bilinear", align_corners=False)
