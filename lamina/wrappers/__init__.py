"""`lamina.wrappers`: lamina models as scikit-learn estimators (Keras 3's `keras.wrappers`).

Importable without scikit-learn; constructing a wrapper then raises an ImportError naming
`pip install scikit-learn`.
"""

from lamina.wrappers.sklearn_wrapper import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]
