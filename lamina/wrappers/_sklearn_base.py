"""scikit-learn's base classes when it is installed, inert stand-ins otherwise.

The wrappers must import without scikit-learn (it is optional for lamina); constructing one
without it raises an ImportError that says what to install.
"""

import numpy as np

try:
    import sklearn
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
except ImportError:  # the stand-ins only let the classes be defined
    sklearn = None

    class BaseEstimator:
        pass

    class ClassifierMixin:
        pass

    class RegressorMixin:
        pass

    class TransformerMixin:
        pass

__all__ = ["sklearn", "BaseEstimator", "ClassifierMixin", "RegressorMixin", "TransformerMixin",
           "require_sklearn", "validate_data", "target_type", "routing_enabled", "TargetReshaper"]


def require_sklearn(class_name):
    if sklearn is None:
        raise ImportError(f"{class_name} requires `scikit-learn` to be installed. Run `pip install scikit-learn` "
                          f"to install it.")


def validate_data(estimator, *args, **kwargs):
    """scikit-learn's input validation (a function from 1.6 on, an estimator method before)."""
    try:
        from sklearn.utils.validation import validate_data as validate
    except ImportError:
        return estimator._validate_data(*args, **kwargs)
    return validate(estimator, *args, **kwargs)


def target_type(y):
    """scikit-learn's `type_of_target`, with an error for targets it cannot classify."""
    from sklearn.utils.multiclass import type_of_target

    kind = type_of_target(y, input_name="y")
    if kind == "unknown":
        raise ValueError(f"Unknown label type for y: {y!r}")
    return kind


def routing_enabled():
    """Whether scikit-learn's metadata routing is on (`sklearn.set_config(enable_metadata_routing=True)`)."""
    if sklearn is None:
        return False
    return bool(sklearn.get_config().get("enable_metadata_routing", False))


class TargetReshaper(TransformerMixin, BaseEstimator):
    """Makes 1-D targets 2-D for the model (and back for predictions), as Keras's wrappers do.

    Attributes:
        ndim_: the number of dimensions of the `y` it was fitted on.
    """

    def fit(self, y):
        self.ndim_ = np.ndim(y)
        return self

    def transform(self, y):
        y = np.asarray(y)
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def inverse_transform(self, y):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        y = np.asarray(y)
        if self.ndim_ == 1 and y.ndim == 2:
            return np.squeeze(y, axis=1)
        return y
