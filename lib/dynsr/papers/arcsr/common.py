"""What ArcSR's two tables share: where each side's numbers come from, and bicubic on our pairs."""

from __future__ import annotations

from dynsr.degradations.testsets import TestSetting
from dynsr.experiments.scoring import bicubic_scores
from dynsr.papers.arcsr.published import SCALE
from dynsr.profiles import get_profile

__all__ = ["PAPER_DATA", "our_data", "data_columns", "bicubic_psnr"]

PAPER_DATA = "the paper: the full {dataset} test set (§4.1)"


def our_data(dataset: str, n_images: int, crop: int | None) -> str:
    """The data a row of ours was scored on: ``n_images`` of our pairs (central crops at ``smoke``)."""
    cropped = f", central {crop}² crops" if crop else ""
    return f"ours: {n_images} {dataset} pairs of the shared MotionBlur sample{cropped} (HR sharp, LR from the blurred frame)"


def data_columns(dataset: str, n_images: int, profile: str) -> dict[str, str]:
    """The ``paper_data`` and ``our_data`` columns of a row: every row names the data each side came from."""
    return {"paper_data": PAPER_DATA.format(dataset=dataset), "our_data": our_data(dataset, n_images, get_profile(profile).benchmark_crop)}


def bicubic_psnr(settings: list[TestSetting], profile: str) -> dict[tuple[str, str], float]:
    """Bicubic interpolation's PSNR on the networks' images, by (data set, setting label)."""
    means = bicubic_scores(settings, get_profile(profile), scale=SCALE)
    return {(row.dataset, row.setting): float(row.PSNR) for row in means.itertuples()}
