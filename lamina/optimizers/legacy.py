"""`lamina.optimizers.legacy`: the names Keras 3 keeps from `tf.keras.optimizers.legacy`.

As in Keras 3, they exist so that imports keep working, and constructing one raises an
ImportError: Keras 3 (and lamina) have only the current optimizers.
"""

__all__ = ["Adagrad", "Adam", "Ftrl", "Optimizer", "RMSprop", "SGD"]


class LegacyOptimizerWarning:
    """Stands for a Keras 2 legacy optimizer; constructing it raises ImportError (as Keras 3)."""

    def __init__(self, *args, **kwargs):
        raise ImportError(
            "`keras.optimizers.legacy` is not supported in Keras 3 nor in lamina. Use the optimizer of the same "
            "name in `lamina.optimizers` (e.g. lamina.optimizers.Adam(learning_rate=1e-3)); its arguments are "
            "Keras 3's.")


Adagrad = Adam = Ftrl = Optimizer = RMSprop = SGD = LegacyOptimizerWarning
