"""Input-conditioned (dynamic) convolutions needed by UDVD, DMSR, GLDFN, DASR and ArcSR, exact and lean on CPU.

- `per_pixel_conv2d`: UDVD §3.3 Eq. 2, DMSR §3.1 Eq. 4 (15×15 MBM at HR) — module `per_pixel`;
- `per_pixel_conv2d_upsample`: UDVD §3.3 Eq. 3, typo corrected — module `per_pixel`;
- `per_sample_depthwise_conv2d`: DASR §3.2.2, DA conv kernel branch — module `depthwise`;
- `channel_modulation`: DASR §3.2.2, DA conv modulation branch — module `depthwise`;
- `expert_mixture_conv2d`: GLDFN §III-C Eq. 4, global dynamic filter — module `expert_mixture`;
- `decoupled_dynamic_filter`: GLDFN §III-C Eq. 5, local dynamic filter (DDF) — module `decoupled`;
- `modulated_deform_conv2d`: ArcSR §3.2.2 DMconv and §3.2.3 KGconv, torchvision layout — module `deform`.

Common conventions: zero padding; a k×k window's k² taps are row-major over the offset
(dy, dx) ∈ {−k//2..k//2}², tap t = (dy + k//2)·k + (dx + k//2), reading the input at (i + dy, j + dx)
(cross-correlation, the order of ``F.unfold`` and ``nn.Conv2d``). Papers that write the flipped
(convolution) order, UDVD Eq. 2 and GLDFN Eq. 5, differ by a relabelling t ↦ k² − 1 − t
(``flip`` of the tap axis). Naive ``F.unfold`` versions of all operators live in
`dynsr.ops.reference`.
"""

from dynsr.ops.decoupled import decoupled_dynamic_filter
from dynsr.ops.deform import modulated_deform_conv2d
from dynsr.ops.depthwise import channel_modulation, per_sample_depthwise_conv2d
from dynsr.ops.expert_mixture import expert_mixture_conv2d
from dynsr.ops.per_pixel import per_pixel_conv2d, per_pixel_conv2d_upsample

__all__ = [
    "channel_modulation",
    "decoupled_dynamic_filter",
    "expert_mixture_conv2d",
    "modulated_deform_conv2d",
    "per_pixel_conv2d",
    "per_pixel_conv2d_upsample",
    "per_sample_depthwise_conv2d",
]
