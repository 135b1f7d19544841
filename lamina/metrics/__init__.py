"""Keras 3 metrics on PyTorch: stateful `Metric` classes, functions and lookup.

Example:
    >>> import lamina.metrics as metrics
    >>> m = metrics.get("binary_accuracy")
    >>> m.update_state([[1.0], [0.0]], [[0.9], [0.8]])
    >>> float(m.result())
    0.5
"""

from lamina.losses import ALL_OBJECTS_DICT as _LOSS_OBJECTS
from lamina.losses import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from lamina.losses._serialization import deserialize_object, get_object, serialize_object
from lamina.metrics.accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from lamina.metrics.confusion import (
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from lamina.metrics.correlation import (
    ConcordanceCorrelation,
    PearsonCorrelation,
    concordance_correlation,
    pearson_correlation,
)
from lamina.metrics.f_score import F1Score, FBetaScore
from lamina.metrics.iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from lamina.metrics.metric import Metric, _to_snake_case, reset_name_counters
from lamina.metrics.probabilistic import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    Hinge,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)
from lamina.metrics.reduction import Mean, MeanMetricWrapper, Sum
from lamina.metrics.regression import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    RootMeanSquaredError,
    cosine_similarity,
)
from lamina.metrics.r2_score import R2Score
from lamina.metrics.sensitivity_specificity import (
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)

__all__ = [
    "ALL_OBJECTS",
    "ALL_OBJECTS_DICT",
    "AUC",
    "Accuracy",
    "BinaryAccuracy",
    "BinaryCrossentropy",
    "BinaryIoU",
    "CategoricalAccuracy",
    "CategoricalCrossentropy",
    "CategoricalHinge",
    "ConcordanceCorrelation",
    "CosineSimilarity",
    "F1Score",
    "FBetaScore",
    "FalseNegatives",
    "FalsePositives",
    "Hinge",
    "IoU",
    "KLDivergence",
    "LogCoshError",
    "Mean",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanIoU",
    "MeanMetricWrapper",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Metric",
    "OneHotIoU",
    "OneHotMeanIoU",
    "PearsonCorrelation",
    "Poisson",
    "Precision",
    "PrecisionAtRecall",
    "R2Score",
    "Recall",
    "RecallAtPrecision",
    "RootMeanSquaredError",
    "SensitivityAtSpecificity",
    "SparseCategoricalAccuracy",
    "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy",
    "SpecificityAtSensitivity",
    "SquaredHinge",
    "Sum",
    "TopKCategoricalAccuracy",
    "TrueNegatives",
    "TruePositives",
    "accuracy",
    "binary_accuracy",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_accuracy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_hinge",
    "concordance_correlation",
    "cosine_similarity",
    "deserialize",
    "get",
    "get_metric",
    "hinge",
    "huber",
    "is_binary_or_sparse_categorical",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "pearson_correlation",
    "poisson",
    "reset_name_counters",
    "resolve_accuracy",
    "serialize",
    "sparse_categorical_accuracy",
    "sparse_categorical_crossentropy",
    "sparse_top_k_categorical_accuracy",
    "squared_hinge",
    "top_k_categorical_accuracy",
]

ALL_OBJECTS = (
    Metric, Mean, Sum, MeanMetricWrapper,
    MeanSquaredError, RootMeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, LogCoshError,
    AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives,
    Hinge, SquaredHinge, CategoricalHinge,
    KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    FBetaScore, F1Score, R2Score,
    IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU,
    PearsonCorrelation, ConcordanceCorrelation,
    PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity,
)
# Same keys as Keras: class names, their snake_case forms, and short aliases.
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({_to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update({
    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
    "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
    "acc": Accuracy,
})
# Functions Keras exports from `keras.metrics`, for deserializing `"function"` entries.
_FUNCTIONS = {
    fn.__name__: fn for fn in (
        accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
        top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, cosine_similarity,
        pearson_correlation, concordance_correlation,
    )
}


def _all_names():
    return sorted(set(ALL_OBJECTS_DICT) | set(_FUNCTIONS) | set(_LOSS_OBJECTS))


def serialize(metric):
    """Serializes a `Metric` instance or metric function to a Keras config dict.

    Example:
        >>> serialize(AUC())["class_name"]
        'AUC'
    """
    return serialize_object(metric, "keras.metrics")


def deserialize(config, custom_objects=None):
    """Rebuilds a `Metric` instance or metric function from a config dict or name.

    Example:
        >>> deserialize({"class_name": "TopKCategoricalAccuracy", "config": {"k": 3}}).k
        3
    """
    if isinstance(config, dict) and config.get("class_name") == "function":
        # "mean_squared_error" names both a function and (snake_case) a class.
        module_objects = {**ALL_OBJECTS_DICT, **_LOSS_OBJECTS, **_FUNCTIONS}
    else:
        module_objects = {**_LOSS_OBJECTS, **_FUNCTIONS, **ALL_OBJECTS_DICT}
    return deserialize_object(config, module_objects, custom_objects, kind="metric")


def get(identifier):
    """Retrieves a `Metric` instance or metric function, Keras `metrics.get` style.

    Args:
        identifier: `None`; a class name or its snake_case (`"AUC"`, `"auc"`,
            `"binary_accuracy"`) or alias (`"mse"`), giving a new instance; a
            loss or metric function name (`"huber"`), giving the function; a
            serialized dict; a `Metric` instance or class; or a callable.

    Returns:
        A `Metric` instance or a function, or `None` for `None`.

    Raises:
        ValueError: if the identifier cannot be interpreted; the message lists
            the valid names.

    Example:
        >>> type(get("mse")).__name__
        'MeanSquaredError'
    """
    return get_object(
        identifier,
        lambda name: ALL_OBJECTS_DICT.get(name) or _FUNCTIONS.get(name) or _LOSS_OBJECTS.get(name),
        deserialize, "metric", "Metric", lambda: ", ".join(_all_names()),
        "Pass a Metric instance or a callable `fn(y_true, y_pred)` for a custom metric.")


def _shape(x):
    return tuple(x.shape) if hasattr(x, "shape") else tuple(x)


def is_binary_or_sparse_categorical(y_true, y_pred):
    """Keras compile's shape rule: `(is_binary, is_sparse_categorical)`.

    Binary when `y_pred`'s last dim is 1; sparse when `y_true` has lower rank than
    `y_pred`, or its last dim is 1 while `y_pred`'s is not.

    Args:
        y_true: the target tensor or its shape.
        y_pred: the prediction tensor or its shape.
    """
    t_shape, p_shape = _shape(y_true), _shape(y_pred)
    is_binary = p_shape[-1] == 1
    is_sparse = len(t_shape) < len(p_shape) or (t_shape[-1] == 1 and p_shape[-1] > 1)
    return is_binary, is_sparse


def resolve_accuracy(identifier, y_true_shape, y_pred_shape):
    """Turns the compile string "accuracy" / "acc" into the matching metric.

    `BinaryAccuracy` when `y_pred`'s last dim is 1, `SparseCategoricalAccuracy`
    when the labels are class ids (lower rank, or last dim 1), else
    `CategoricalAccuracy`. The metric keeps the user's string as its name, so
    logs read `accuracy` / `val_accuracy` as in Keras.

    Args:
        identifier: "accuracy" or "acc" (any case).
        y_true_shape: shape (or tensor) of the targets.
        y_pred_shape: shape (or tensor) of the predictions.

    Returns:
        A new metric instance named `identifier`.

    Example:
        >>> type(resolve_accuracy("acc", (32,), (32, 10))).__name__
        'SparseCategoricalAccuracy'
    """
    if str(identifier).lower() not in ("accuracy", "acc"):
        raise ValueError(
            f"resolve_accuracy handles the strings 'accuracy' and 'acc' only, but received "
            f"identifier={identifier!r}. Use `get_metric` for other metrics."
        )
    is_binary, is_sparse = is_binary_or_sparse_categorical(y_true_shape, y_pred_shape)
    if is_binary:
        return BinaryAccuracy(name=str(identifier))
    if is_sparse:
        return SparseCategoricalAccuracy(name=str(identifier))
    return CategoricalAccuracy(name=str(identifier))


def _object_name(obj):
    if hasattr(obj, "name") and isinstance(obj.name, str):
        return obj.name
    if hasattr(obj, "__name__"):
        return _to_snake_case(obj.__name__)
    return _to_snake_case(type(obj).__name__)


def get_metric(identifier, y_true, y_pred):
    """Resolves one `compile(metrics=[...])` entry into a `Metric` (Keras compile rule).

    Args:
        identifier: anything `get` accepts, or "accuracy" / "acc".
        y_true: the target tensor or its shape.
        y_pred: the prediction tensor or its shape.

    Returns:
        A `Metric` instance named after a string identifier (so `"mse"` logs as
        `mse`), functions and losses wrapped in `MeanMetricWrapper`; `None` for
        `None`.

    Example:
        >>> get_metric("mse", (4, 1), (4, 1)).name
        'mse'
    """
    if identifier is None:
        return None
    if str(identifier).lower() in ("accuracy", "acc"):
        return resolve_accuracy(identifier, y_true, y_pred)
    obj = get(identifier)
    name = identifier if isinstance(identifier, str) else _object_name(obj)
    if not isinstance(obj, Metric):
        obj = MeanMetricWrapper(obj, name=name)
    obj.name = name
    return obj
