"""How closely a number recomputed from committed weights must match the committed table, on any machine.

A committed table was written on one machine; the tests (and anyone re-scoring a cell) recompute it on
another. Float32 convolutions sum in an order that depends on the CPU (vector width, the BLAS and oneDNN
kernels chosen for it, the thread count) or the GPU, so the same weights give outputs that differ in the
last bits, and an 8-bit rounding of a few pixels can flip. Measured on two x86 CPUs: a UDVD PSNR of
30.618531 against the committed 30.618528 dB, a DASR one of 23.409859 against 23.409852 dB (a few 1e-6 dB);
``OMP_NUM_THREADS=1`` does not remove it. The tolerances below are about 100 times those differences and
still far below anything a table reports (two decimals), so a table that drifts from its weights is caught
while a different machine is not.

Bit-exact equality is right only where one process compares itself (a killed and resumed training run
against an uninterrupted one, DDP against one process, on the same machine): those tests do not use this
module.
"""

from __future__ import annotations

from typing import Final

__all__ = ["PSNR_DB", "SSIM", "RELATIVE", "one_sample", "printed"]

PSNR_DB: Final = 1e-3
"""A PSNR (dB) recomputed from the same weights and images."""

SSIM: Final = 1e-5
"""An SSIM recomputed from the same weights and images."""

RELATIVE: Final = 1e-4
"""Any other statistic of float32 model outputs (a kernel distance, a feature norm), relative to its size."""


def one_sample(n_samples: int) -> float:
    """An accuracy over ``n_samples`` samples: one sample may change its answer (a neighbour at a near-tie
    distance, a linear-probe decision on the boundary)."""
    if n_samples < 1:
        raise ValueError(f"an accuracy needs at least one sample; got {n_samples}")
    return 1.0 / n_samples + 1e-12


def printed(decimals: int) -> float:
    """The rounding of a value printed with ``decimals`` decimals (e.g. per-seed values ``28.1234/28.0988``)."""
    return 0.5 * 10.0**-decimals
