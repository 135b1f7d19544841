"""Keras 3 losses on PyTorch: `Loss` classes, loss functions and lookup helpers.

Example:
    >>> import lamina.losses as losses
    >>> loss = losses.get("SparseCategoricalCrossentropy")
    >>> loss(torch.tensor([1]), torch.tensor([[0.2, 0.8]]))
    tensor(0.2231)
"""

from lamina.losses._serialization import deserialize_object, get_object, serialize_object
from lamina.losses.circle import Circle, circle
from lamina.losses.ctc import CTC, ctc
from lamina.losses.focal import (
    BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy,
    binary_focal_crossentropy,
    categorical_focal_crossentropy,
)
from lamina.losses.hinge import CategoricalHinge, Hinge, SquaredHinge, categorical_hinge, hinge, squared_hinge
from lamina.losses.loss import Loss, LossFunctionWrapper, reduce_weighted_values
from lamina.losses.probabilistic import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    categorical_crossentropy,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from lamina.losses.overlap import Dice, Tversky, dice, tversky
from lamina.losses.robust import CategoricalGeneralizedCrossEntropy, categorical_generalized_cross_entropy
from lamina.losses.regression import (
    CosineSimilarity,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    cosine_similarity,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)

# Keras's short aliases (`keras.losses.mse` and friends).
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
bce = BCE = binary_crossentropy

__all__ = [
    "ALL_OBJECTS",
    "ALL_OBJECTS_DICT",
    "BCE",
    "BinaryCrossentropy",
    "BinaryFocalCrossentropy",
    "CTC",
    "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy",
    "CategoricalGeneralizedCrossEntropy",
    "CategoricalHinge",
    "Circle",
    "CosineSimilarity",
    "Dice",
    "Hinge",
    "Huber",
    "KLD",
    "KLDivergence",
    "LogCosh",
    "Loss",
    "LossFunctionWrapper",
    "MAE",
    "MAPE",
    "MSE",
    "MSLE",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Poisson",
    "SparseCategoricalCrossentropy",
    "SquaredHinge",
    "Tversky",
    "bce",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",
    "categorical_hinge",
    "circle",
    "cosine_similarity",
    "ctc",
    "deserialize",
    "dice",
    "get",
    "get_loss",
    "hinge",
    "huber",
    "kl_divergence",
    "kld",
    "kullback_leibler_divergence",
    "log_cosh",
    "logcosh",
    "mae",
    "mape",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "mse",
    "msle",
    "poisson",
    "reduce_weighted_values",
    "serialize",
    "sparse_categorical_crossentropy",
    "squared_hinge",
    "tversky",
]

ALL_OBJECTS = (
    Loss, LossFunctionWrapper,
    KLDivergence, Poisson, BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
    CategoricalFocalCrossentropy, SparseCategoricalCrossentropy,
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    CosineSimilarity, LogCosh, Huber,
    Hinge, SquaredHinge, CategoricalHinge,
    kl_divergence, poisson, binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
    categorical_focal_crossentropy, sparse_categorical_crossentropy,
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, cosine_similarity, log_cosh, huber,
    hinge, squared_hinge, categorical_hinge,
    Dice, Tversky, dice, tversky,
    CategoricalGeneralizedCrossEntropy, categorical_generalized_cross_entropy,
    CTC, ctc, Circle, circle,
)
# Same keys as Keras's `ALL_OBJECTS_DICT`: class and function names plus aliases.
ALL_OBJECTS_DICT = {obj.__name__: obj for obj in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({
    "bce": binary_crossentropy, "BCE": binary_crossentropy,
    "kld": kl_divergence, "KLD": kl_divergence,
    "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mse": mean_squared_error, "MSE": mean_squared_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
    "logcosh": log_cosh, "kullback_leibler_divergence": kl_divergence,
})


def serialize(loss):
    """Serializes a `Loss` instance or loss function to a Keras config dict.

    Example:
        >>> serialize(MeanSquaredError())["class_name"]
        'MeanSquaredError'
    """
    return serialize_object(loss, "keras.losses")


def deserialize(name, custom_objects=None):
    """Rebuilds a `Loss` instance or loss function from `serialize`'s output.

    Args:
        name: a serialized dict (Keras or lamina) or a string name (Keras calls
            this argument `name` although it is usually a config dict).
        custom_objects: optional dict of names to custom classes/functions.

    Example:
        >>> deserialize({"class_name": "Huber", "config": {"delta": 2.0}}).delta
        2.0
    """
    return deserialize_object(name, ALL_OBJECTS_DICT, custom_objects, kind="loss")


def get(identifier):
    """Retrieves a loss function or `Loss` instance, Keras `losses.get` style.

    Args:
        identifier: `None`, a name (`"mse"` gives the function, `"MeanSquaredError"`
            an instance), a serialized dict, a `Loss` instance, a `Loss` class
            (instantiated with defaults) or any callable.

    Returns:
        The loss function or instance, or `None` for `None`.

    Raises:
        ValueError: if the identifier cannot be interpreted; the message lists the
            valid names.

    Example:
        >>> get("mse") is mean_squared_error
        True
    """
    return get_object(
        identifier, ALL_OBJECTS_DICT.get, deserialize, "loss", "Loss",
        lambda: ", ".join(sorted(ALL_OBJECTS_DICT)), "Pass a Loss instance or a callable for a custom loss.")


def _is_binary_or_sparse(y_true_shape, y_pred_shape):
    is_binary = y_pred_shape[-1] == 1
    is_sparse = len(y_true_shape) < len(y_pred_shape) or (y_true_shape[-1] == 1 and y_pred_shape[-1] > 1)
    return is_binary, is_sparse


def get_loss(identifier, y_true, y_pred):
    """Resolves a `compile(loss=...)` entry into a `Loss` instance (Keras compile rule).

    `"crossentropy"` / `"ce"` pick binary, sparse or categorical crossentropy
    from the shapes; functions are wrapped in a `LossFunctionWrapper` named after
    the identifier.

    Args:
        identifier: anything `get` accepts, or "crossentropy" / "ce".
        y_true: target tensor or its shape (a tuple).
        y_pred: prediction tensor or its shape (a tuple).

    Returns:
        A `Loss` instance, or `None` for `None`.

    Example:
        >>> get_loss("mse", (8, 1), (8, 1)).name
        'mse'
    """
    if identifier is None:
        return None
    if str(identifier).lower() in ("crossentropy", "ce"):
        t_shape = tuple(getattr(y_true, "shape", y_true))
        p_shape = tuple(getattr(y_pred, "shape", y_pred))
        is_binary, is_sparse = _is_binary_or_sparse(t_shape, p_shape)
        if is_binary:
            obj = binary_crossentropy
        elif is_sparse:
            obj = sparse_categorical_crossentropy
        else:
            obj = categorical_crossentropy
    else:
        obj = get(identifier)
    if isinstance(obj, Loss):
        return obj
    name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", None)
    if obj is sparse_categorical_crossentropy:
        return SparseCategoricalCrossentropy(name=name)
    return LossFunctionWrapper(obj, name=name)
