"""Training: compile, fit, evaluate and predict for models."""

from lamina.trainers.trainer import Trainer

__all__ = ["Trainer"]
