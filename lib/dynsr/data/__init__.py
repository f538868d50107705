"""Data: the data root and its checksums, image loading, benchmark sets."""

from dynsr.data.benchmarks import BENCHMARKS, NamedImage, load_benchmark
from dynsr.data.images import ImageFormatError, load_rgb, modcrop, save_rgb
from dynsr.data.root import DATASETS, DataNotFoundError, dataset_dir

__all__ = ["BENCHMARKS", "NamedImage", "load_benchmark", "ImageFormatError", "load_rgb", "modcrop", "save_rgb", "DATASETS", "DataNotFoundError", "dataset_dir"]
