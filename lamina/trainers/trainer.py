"""`Trainer`: the training half of `Model` (compile/fit/evaluate/predict)."""

__all__ = ["Trainer"]


class Trainer:
    """Mixin holding the training state of a model."""

    def _init_training_state(self):
        self.optimizer = None
        self.compiled = False
        self.stop_training = False
