"""`keras.optimizers.legacy`: names kept by Keras 3 only to explain that they are gone.

Each class raises ImportError when instantiated, with Keras's message (the legacy
`tf.keras` optimizers live in the separate `tf_keras` package).

Example:
    >>> from lamina.optimizers import legacy
    >>> legacy.Adam()  # raises ImportError; use lamina.optimizers.Adam
"""

__all__ = ["Adagrad", "Adam", "Ftrl", "LegacyOptimizerWarning", "Optimizer", "RMSprop", "SGD"]


class LegacyOptimizerWarning:
    """Stands for a removed `keras.optimizers.legacy` class; instantiating it raises ImportError."""

    def __init__(self, *args, **kwargs):
        raise ImportError(
            "`keras.optimizers.legacy` is not supported in Keras 3 (nor in lamina). Use the optimizer of the same "
            "name in `lamina.optimizers` (`keras.optimizers` with `import lamina as keras`, e.g. keras.optimizers.Adam). When using `tf.keras`, to continue using a "
            "`tf.keras.optimizers.legacy` optimizer, you can install the `tf_keras` package (Keras 2) and set the "
            "environment variable `TF_USE_LEGACY_KERAS=True`."
        )


Adagrad = Adam = Ftrl = Optimizer = RMSprop = SGD = LegacyOptimizerWarning
