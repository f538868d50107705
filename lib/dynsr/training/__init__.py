"""Training: run configurations, on-the-fly training pairs, the resumable trainer and each paper's recipes."""

from dynsr.training.config import TrainConfig
from dynsr.training.trainer import TrainingDivergedError, TrainResult, train

__all__ = ["TrainConfig", "TrainResult", "TrainingDivergedError", "train"]
