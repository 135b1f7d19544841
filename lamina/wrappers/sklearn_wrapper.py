"""`SKLearnClassifier`, `SKLearnRegressor`, `SKLearnTransformer`: lamina models as scikit-learn
estimators (Keras 3's `keras.wrappers`).

Each takes a compiled model, or a function `model(X, y, **model_kwargs)` that builds and compiles
one, and trains a fresh copy in `fit` (`clone_model` of a given model, so `fit` never touches it).
Targets are reshaped to 2-D for the model; the classifier one-hot encodes its labels and maps
predictions back to them.
"""

import copy

import numpy as np

from lamina.wrappers._sklearn_base import (BaseEstimator, ClassifierMixin, RegressorMixin, TargetReshaper,
                                           TransformerMixin, require_sklearn, routing_enabled, sklearn,
                                           target_type, validate_data)

__all__ = ["SKLBase", "SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]


class SKLBase(BaseEstimator):
    """What the three wrappers share (Keras's `SKLBase`).

    Args:
        model: a compiled lamina `Model` (cloned, with fresh weights, on each `fit`), or a
            callable `model(X, y, **model_kwargs)` returning a compiled model.
        warm_start: kept as scikit-learn's parameter (Keras stores it and does not use it).
        model_kwargs: keyword arguments for the `model` callable.
        fit_kwargs: keyword arguments for `Model.fit` (e.g. `{"epochs": 5, "verbose": 0}`).
    """

    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None):
        require_sklearn(type(self).__name__)
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def _more_tags(self):  # scikit-learn < 1.6
        return {"non_deterministic": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        return tags

    def __sklearn_clone__(self):
        """scikit-learn's `clone`: a copy of the model object (a callable is shared as is)."""
        model = self.model if callable(self.model) and not hasattr(self.model, "fit") else copy.deepcopy(self.model)
        return type(self)(model=model, warm_start=self.warm_start, model_kwargs=self.model_kwargs,
                          fit_kwargs=self.fit_kwargs)

    @property
    def epoch_(self):
        """The epochs the last `fit` ran (from its history)."""
        history = getattr(self, "history_", None)
        epochs = getattr(history, "epoch", None) if history is not None else None
        return epochs if epochs is not None else 0

    def set_fit_request(self, **kwargs):
        """Declares metadata for `fit` (needs `sklearn.set_config(enable_metadata_routing=True)`)."""
        if not routing_enabled():
            raise RuntimeError("set_fit_request is only available when metadata routing is enabled: call "
                               "sklearn.set_config(enable_metadata_routing=True) first.")
        self._metadata_request = sklearn.utils.metadata_routing.MetadataRequest(owner=type(self).__name__)
        for param, alias in kwargs.items():
            self._metadata_request.score.add_request(param=param, alias=alias)
        return self

    def _get_model(self, X, y):
        from lamina.models.model import Model

        if isinstance(self.model, Model):
            from lamina.models.cloning import clone_model

            return clone_model(self.model)
        if not callable(self.model):
            raise TypeError(f"{type(self).__name__}: `model` must be a compiled lamina Model or a callable "
                            f"model(X, y, **model_kwargs) returning one; received {type(self.model).__name__}.")
        return self.model(X=X, y=y, **(self.model_kwargs or {}))

    def fit(self, X, y, **kwargs):
        """Trains a fresh model on `X`, `y`; `kwargs` go to `Model.fit` (over `fit_kwargs`).

        Returns:
            self.
        """
        X, y = validate_data(self, X, y)
        y = self._process_target(y, reset=True)
        model = self._get_model(X, y)
        if not getattr(model, "compiled", False) or not getattr(model, "loss", None) or \
                not getattr(model, "optimizer", None):
            raise RuntimeError(f"{type(self).__name__}: the model needs to be compiled, with a loss and an "
                               f"optimizer (model.compile(optimizer=..., loss=...)).")
        fit_kwargs = dict(self.fit_kwargs or {})
        fit_kwargs.update(kwargs)
        self.history_ = model.fit(X, y, **fit_kwargs)
        self.model_ = model
        return self

    def predict(self, X):
        """The fitted model's predictions, in the target's original form."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return self._reverse_process_target(np.asarray(self.model_.predict(X)))

    def _process_target(self, y, reset=False):
        target_type(y)
        if reset:
            self._target_encoder = TargetReshaper().fit(y)
        return self._target_encoder.transform(y)

    def _reverse_process_target(self, y):
        return self._target_encoder.inverse_transform(y)


class SKLearnClassifier(ClassifierMixin, SKLBase):
    """A lamina classifier as a scikit-learn estimator (Keras's `keras.wrappers.SKLearnClassifier`).

    Labels (binary or multiclass, any values) are one-hot encoded for the model; `predict`
    returns labels, `decision_function` the model's raw outputs.

    Args:
        model: a compiled `Model` whose outputs have one unit per class, or a callable
            `model(X, y, **model_kwargs)` building one (y arrives one-hot encoded).
        warm_start: scikit-learn's parameter, stored.
        model_kwargs: keyword arguments for the `model` callable.
        fit_kwargs: keyword arguments for `Model.fit`.

    Attributes:
        model_: the trained model. history_: its `History`. classes_: the labels seen in `fit`.

    Example:
        >>> def build(X, y):
        ...     model = lamina.Sequential([lamina.Input(X.shape[1:]), lamina.layers.Dense(y.shape[1],
        ...                                activation="softmax")])
        ...     model.compile(optimizer="adam", loss="categorical_crossentropy")
        ...     return model
        >>> clf = SKLearnClassifier(build, fit_kwargs={"epochs": 5, "verbose": 0}).fit(X, labels)
        >>> clf.predict(X[:3])
    """

    def decision_function(self, X):
        """The model's raw outputs (one column per class)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return self.model_.predict(X)

    def _process_target(self, y, reset=False):
        kind = target_type(y)
        if kind not in ("binary", "multiclass"):
            raise ValueError(f"SKLearnClassifier: only binary and multiclass target types are supported; "
                             f"target type: {kind}.")
        if reset:
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import OneHotEncoder

            self._target_encoder = make_pipeline(TargetReshaper(), OneHotEncoder(sparse_output=False)).fit(y)
            self.classes_ = np.unique(y)
            if len(self.classes_) == 1:
                raise ValueError("SKLearnClassifier can't train when only one class is present in y.")
        return self._target_encoder.transform(y)

    def _more_tags(self):
        return {"poor_score": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        return tags


class SKLearnRegressor(RegressorMixin, SKLBase):
    """A lamina regressor as a scikit-learn estimator (Keras's `keras.wrappers.SKLearnRegressor`).

    Args:
        model: a compiled `Model`, or a callable `model(X, y, **model_kwargs)` building one.
        warm_start: scikit-learn's parameter, stored.
        model_kwargs: keyword arguments for the `model` callable.
        fit_kwargs: keyword arguments for `Model.fit`.

    Example:
        >>> reg = SKLearnRegressor(build, fit_kwargs={"epochs": 10, "verbose": 0}).fit(X, y)
        >>> reg.score(X, y)  # R^2, from scikit-learn's RegressorMixin
    """

    def _more_tags(self):
        return {"poor_score": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags


class SKLearnTransformer(TransformerMixin, SKLBase):
    """A lamina model as a scikit-learn transformer (Keras's `keras.wrappers.SKLearnTransformer`):
    `transform(X)` is the fitted model's output, e.g. an encoder's embedding in a Pipeline.

    Args:
        model: a compiled `Model`, or a callable `model(X, y, **model_kwargs)` building one.
        warm_start: scikit-learn's parameter, stored.
        model_kwargs: keyword arguments for the `model` callable.
        fit_kwargs: keyword arguments for `Model.fit`.

    Example:
        >>> pipe = sklearn.pipeline.make_pipeline(SKLearnTransformer(build_encoder), LogisticRegression())
    """

    def transform(self, X):
        """The fitted model's outputs for `X`."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return self.model_.predict(X)

    def _more_tags(self):
        return {"preserves_dtype": []}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags
