"""`FeatureSpace`: one object that preprocesses and encodes the columns of a table, as Keras's
`keras.utils.FeatureSpace`.

Each named feature gets a preprocessing layer (Normalization, Rescaling, Discretization,
IntegerLookup, StringLookup, Hashing, or an identity) and an output mode; `crosses` hash pairs of
preprocessed features together (`HashedCrossing`); "one_hot" features are then multi-hot encoded
(`CategoryEncoding`), and in "concat" mode everything is concatenated, in sorted feature order
and then sorted cross order, as Keras does.

Data: a dict of columns (NumPy arrays, lists, tensors; strings as NumPy str arrays), batched
`(batch,)`/`(batch, 1)` or one scalar per feature. `adapt` accepts such a dict, or any iterable
of dict batches (a lamina `BatchedDataset`, a list, a generator). `FeatureSpace(data)` runs
eagerly; `get_inputs()`/`get_encoded_features()` give the symbolic graph to build a Functional
model on, and `save()`/`keras.saving.load_model()` store it in a `.keras` file in Keras's layout
(config, `preprocessors/...` weights, vocabularies in `assets/`).

One deliberate difference: `adapt` skips a `float_discretized` feature created with explicit
`bin_boundaries` (Keras tries to adapt it and fails).

Example:
    >>> space = FeatureSpace({"age": "float_normalized", "city": "string_categorical"})
    >>> space.adapt({"age": np.array([20.0, 40.0]), "city": np.array(["a", "b"])})
    >>> space({"age": np.array([30.0]), "city": np.array(["b"])}).shape
    torch.Size([1, 4])
"""

import numpy as np
import torch

from lamina import layers
from lamina.backend import is_keras_tensor
from lamina.layers.layer import Layer
from lamina.layers.preprocessing._strings import is_string_array

__all__ = ["FeatureSpace", "Feature", "Cross", "SAVED_CLASSES"]

# Classes a `.keras` config names (resolved by lamina.saving.class_registry).
SAVED_CLASSES = ("FeatureSpace", "Feature", "Cross", "TFDIdentity", "TFDConcat")

_MODULE = "keras.src.layers.preprocessing.feature_space"
_COUNTS = {}


def _auto_name(prefix):
    _COUNTS[prefix] = _COUNTS.get(prefix, 0) + 1
    count = _COUNTS[prefix] - 1
    return prefix if count == 0 else f"{prefix}_{count}"


def _serialize(obj):
    """Keras's config dict for a Feature or a Cross (module and registered name as Keras writes)."""
    name = type(obj).__name__
    return {"module": _MODULE, "class_name": name, "config": obj.get_config(), "registered_name": name}


class TFDIdentity(Layer):
    """The "float" features' preprocessor: returns its input (Keras's name, for `.keras` files)."""

    _accepts_strings = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


class TFDConcat(Layer):
    """Concatenates the encoded features along `axis` (Keras's name, for `.keras` weight paths)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs):
        dtype = inputs[0].dtype
        for x in inputs[1:]:
            dtype = torch.promote_types(dtype, x.dtype)
        return torch.cat([x.to(dtype) for x in inputs], dim=self.axis)

    def compute_output_shape(self, input_shapes):
        width = 0
        for shape in input_shapes:
            if shape[-1] is None:
                width = None
                break
            width += shape[-1]
        return tuple(input_shapes[0][:-1]) + (width,)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


for _cls in (TFDIdentity, TFDConcat):
    _cls._keras_module = _MODULE
    _cls._keras_registered_name = _cls.__name__


class Cross:
    """Two or more features crossed with `HashedCrossing` into `crossing_dim` bins.

    Args:
        feature_names: the names of the crossed features (in order).
        crossing_dim: number of hash bins.
        output_mode: "one_hot" (default) or "int".
    """

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        if output_mode not in {"int", "one_hot"}:
            raise ValueError("FeatureSpace cross: invalid value for argument `output_mode`. Expected one of "
                             f"{{'int', 'one_hot'}}. Received: output_mode={output_mode!r}.")
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self):
        return "_X_".join(self.feature_names)

    def get_config(self):
        return {"feature_names": list(self.feature_names), "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Feature:
    """A feature: the dtype of its input, its preprocessing layer and its output mode.

    Args:
        dtype: input dtype ("float32", "int32", "string", ...).
        preprocessor: a layer (or its serialized config).
        output_mode: "float", "int" or "one_hot".
    """

    def __init__(self, dtype, preprocessor, output_mode):
        if output_mode not in {"int", "one_hot", "float"}:
            raise ValueError("FeatureSpace feature: invalid value for argument `output_mode`. Expected one of "
                             f"{{'int', 'one_hot', 'float'}}. Received: output_mode={output_mode!r}.")
        self.dtype = dtype
        if isinstance(preprocessor, dict):
            from lamina.saving.object_serialization import deserialize_keras_object

            preprocessor = deserialize_keras_object(preprocessor)
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self):
        from lamina.saving.model_config import serialize_layer

        entry = serialize_layer(self.preprocessor)
        module = getattr(type(self.preprocessor), "_keras_module", None)
        if module is not None:  # FeatureSpace's own identity layer: Keras's module and registered name
            entry["module"], entry["registered_name"] = module, type(self.preprocessor).__name__
        return {"dtype": self.dtype, "preprocessor": entry, "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _deserialize_spec(value, expected, where):
    if isinstance(value, dict):
        if value.get("class_name") != expected or not isinstance(value.get("config"), dict):
            raise ValueError(f"FeatureSpace: {where} should be a {expected} or its config; received "
                             f"{str(value)[:200]}.")
        return (Feature if expected == "Feature" else Cross).from_config(value["config"])
    return value


class FeatureSpace(Layer):
    """Preprocesses and encodes structured data (a dict of feature columns), as Keras's class.

    Args:
        features: `{name: type}` where type is a string ("float", "float_rescaled",
            "float_normalized", "float_discretized", "integer_categorical", "string_categorical",
            "integer_hashed", "string_hashed") or a `FeatureSpace.<type>(...)` / `FeatureSpace.feature(...)`.
        output_mode: "concat" (one float vector) or "dict" (one encoded tensor per feature/cross).
        crosses: list of `FeatureSpace.cross(...)` or tuples of feature names.
        crossing_dim: bins of crosses given as tuples (default 32).
        hashing_dim: bins of "integer_hashed"/"string_hashed" features (default 32).
        num_discretization_bins: bins of "float_discretized" features (default 32).
        name: the layer name.

    Example:
        >>> space = FeatureSpace({"sex": "integer_categorical", "age": "float"},
        ...                      crosses=[("sex", "age")], crossing_dim=8)
    """

    _accepts_strings = True
    _keras_module = "keras.utils"

    # ------------------------------------------------------------------ feature constructors

    @classmethod
    def cross(cls, feature_names, crossing_dim, output_mode="one_hot"):
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype, preprocessor, output_mode):
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name=None):
        name = name or _auto_name("float")
        return Feature("float32", TFDIdentity(dtype="float32", name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name=None):
        name = name or _auto_name("float_rescaled")
        return Feature("float32", layers.Rescaling(scale=scale, offset=offset, name=f"{name}_preprocessor"),
                       "float")

    @classmethod
    def float_normalized(cls, name=None):
        name = name or _auto_name("float_normalized")
        return Feature("float32", layers.Normalization(axis=-1, name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_discretized(cls, num_bins, bin_boundaries=None, output_mode="one_hot", name=None):
        name = name or _auto_name("float_discretized")
        preprocessor = layers.Discretization(num_bins=num_bins, bin_boundaries=bin_boundaries,
                                             name=f"{name}_preprocessor")
        return Feature("float32", preprocessor, output_mode)

    @classmethod
    def integer_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None):
        name = name or _auto_name("integer_categorical")
        preprocessor = layers.IntegerLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                            num_oov_indices=num_oov_indices)
        return Feature("int32", preprocessor, output_mode)

    @classmethod
    def string_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None):
        name = name or _auto_name("string_categorical")
        preprocessor = layers.StringLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                           num_oov_indices=num_oov_indices)
        return Feature("string", preprocessor, output_mode)

    @classmethod
    def string_hashed(cls, num_bins, output_mode="one_hot", name=None):
        name = name or _auto_name("string_hashed")
        return Feature("string", layers.Hashing(name=f"{name}_preprocessor", num_bins=num_bins), output_mode)

    @classmethod
    def integer_hashed(cls, num_bins, output_mode="one_hot", name=None):
        name = name or _auto_name("integer_hashed")
        return Feature("int32", layers.Hashing(name=f"{name}_preprocessor", num_bins=num_bins), output_mode)

    # ------------------------------------------------------------------ construction

    def __init__(self, features, output_mode="concat", crosses=None, crossing_dim=32, hashing_dim=32,
                 num_discretization_bins=32, name=None, **kwargs):
        for key in ("trainable", "dtype"):  # written by Layer.get_config in lamina's older files
            kwargs.pop(key, None)
        super().__init__(name=name, **kwargs)
        if not features or not isinstance(features, dict):
            raise ValueError("FeatureSpace: the `features` argument should be a non-empty dict of "
                             f"{{name: feature type}}. Received: features={features!r}.")
        self.crossing_dim = crossing_dim
        self.hashing_dim = hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.features = {key: self._standardize_feature(key, value) for key, value in features.items()}
        self.crosses = []
        for cross in crosses or []:
            cross = _deserialize_spec(cross, "Cross", "each entry of `crosses`")
            if not isinstance(cross, Cross):
                if not crossing_dim:
                    raise ValueError("FeatureSpace: when specifying `crosses`, the argument `crossing_dim` "
                                     "(dimensionality of the crossing space) should be specified as well.")
                unknown = [key for key in cross if key not in self.features]
                if unknown:
                    raise ValueError("FeatureSpace: all features referenced in the `crosses` argument should "
                                     f"be present in the `features` dict. Received unknown features {unknown} "
                                     f"in cross {tuple(cross)}; known features: {sorted(self.features)}.")
                cross = Cross(cross, crossing_dim=crossing_dim)
            self.crosses.append(cross)
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}
        if output_mode not in {"dict", "concat"}:
            raise ValueError("FeatureSpace: invalid value for argument `output_mode`. Expected one of "
                             f"{{'dict', 'concat'}}. Received: output_mode={output_mode!r}.")
        self.output_mode = output_mode
        self.inputs = {key: layers.Input(shape=(1,), dtype=spec.dtype, name=key)
                       for key, spec in self.features.items()}
        self.preprocessors = {key: spec.preprocessor for key, spec in self.features.items()}
        self.encoded_features = None
        self.crossers = {cross.name: layers.HashedCrossing(cross.crossing_dim, name=cross.name)
                         for cross in self.crosses}
        self.one_hot_encoders = {}
        self._is_adapted = False
        self.concat = None
        self._preprocessed_features_names = None
        self._crossed_features_names = None
        self._sublayers_built = False

    def _standardize_feature(self, key, feature):
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return _deserialize_spec(feature, "Feature", f"feature {key!r}")
        makers = {
            "float": lambda: self.float(name=key),
            "float_normalized": lambda: self.float_normalized(name=key),
            "float_rescaled": lambda: self.float_rescaled(name=key),
            "float_discretized": lambda: self.float_discretized(name=key, num_bins=self.num_discretization_bins),
            "integer_categorical": lambda: self.integer_categorical(name=key),
            "string_categorical": lambda: self.string_categorical(name=key),
            "integer_hashed": lambda: self.integer_hashed(self.hashing_dim, name=key),
            "string_hashed": lambda: self.string_hashed(self.hashing_dim, name=key),
        }
        if not isinstance(feature, str) or feature not in makers:
            raise ValueError(f"FeatureSpace: invalid feature type {feature!r} for feature {key!r}. Expected one "
                             f"of {sorted(makers)}, or a FeatureSpace.<type>(...) / FeatureSpace.feature(...).")
        return makers[feature]()

    # ------------------------------------------------------------------ adapt

    def _list_adaptable_preprocessors(self):
        names = []
        for key in self.features:
            preprocessor = self.preprocessors[key]
            if isinstance(preprocessor, layers.Normalization) and getattr(preprocessor, "input_mean", None) \
                    is not None:
                continue  # given mean/variance
            if isinstance(preprocessor, layers.TextVectorization) and preprocessor._lookup_layer._has_input_vocabulary:
                continue
            if isinstance(preprocessor, (layers.StringLookup, layers.IntegerLookup)) and \
                    preprocessor.input_vocabulary is not None:
                continue
            if isinstance(preprocessor, layers.Discretization) and preprocessor.num_bins is None:
                continue  # given bin_boundaries
            if hasattr(preprocessor, "adapt"):
                names.append(key)
        return names

    def _columns(self, dataset, names):
        """`{name: (n, 1) array}` of every named column across all batches of `dataset`."""
        if isinstance(dataset, dict):
            batches = [dataset]
        elif hasattr(dataset, "__iter__") and not isinstance(dataset, (str, bytes, np.ndarray, torch.Tensor)):
            batches = dataset
        else:
            raise ValueError("FeatureSpace.adapt() can only be called on a dict of arrays/lists or an iterable "
                             f"of such dicts (e.g. a lamina dataset). Received: {type(dataset).__name__}.")
        parts = {key: [] for key in names}
        for batch in batches:
            if not isinstance(batch, dict):
                raise ValueError("FeatureSpace.adapt(): every element of the dataset should be a dict of "
                                 f"feature columns; received a {type(batch).__name__}. If the dataset yields "
                                 "(features, labels), pass `dataset.map(lambda x, y: x)`.")
            for key in names:
                if key not in batch:
                    raise ValueError(f"FeatureSpace.adapt(): feature {key!r} is missing from the data; it has "
                                     f"{sorted(batch)}.")
                parts[key].append(self._as_column(batch[key], key))
        if not names or not parts[names[0]]:
            raise ValueError("FeatureSpace.adapt(): the dataset is empty.")
        return {key: np.concatenate(values, axis=0) for key, values in parts.items()}

    @staticmethod
    def _as_column(value, key):
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().numpy()
        array = np.asarray(value)
        if array.ndim == 0:
            array = array.reshape(1, 1)
        elif array.ndim == 1:
            array = array[:, None]
        elif array.ndim > 2 or array.shape[-1] != 1:
            raise ValueError(f"FeatureSpace: feature {key!r} should be a batch of scalars, shaped (batch,) or "
                             f"(batch, 1); received shape {array.shape}.")
        return array

    def adapt(self, dataset):
        """Learns every adaptable preprocessor's state (vocabularies, mean/variance, bins) from data.

        Args:
            dataset: a dict of feature columns, or an iterable of such dicts (batches).
        """
        names = self._list_adaptable_preprocessors()
        columns = self._columns(dataset, names) if names else {}
        for key in names:
            column = columns[key]
            if self.features[key].dtype.startswith("float"):
                column = column.astype(np.float32)
            self.preprocessors[key].adapt(column)
        self._is_adapted = True
        self.get_encoded_features()  # finishes building the encoders
        self.built = True
        self._sublayers_built = True

    # ------------------------------------------------------------------ graph

    def get_inputs(self):
        """`{name: keras.Input}` of the features (the inputs of an inference model)."""
        self._check_if_built()
        return self.inputs

    def get_encoded_features(self):
        """The symbolic encoded features (a tensor in "concat" mode, else a dict)."""
        self._check_if_adapted()
        if self.encoded_features is None:
            preprocessed = self._preprocess_features(self.inputs)
            crossed = self._cross_features(preprocessed)
            self.encoded_features = self._merge_features(preprocessed, crossed)
        return self.encoded_features

    def _preprocess_features(self, features):
        return {key: self.preprocessors[key](features[key]) for key in features}

    def _cross_features(self, features):
        return {cross.name: self.crossers[cross.name]([features[key] for key in cross.feature_names])
                for cross in self.crosses}

    @staticmethod
    def _dtype_name(feature):
        if is_string_array(feature):
            return "string"
        dtype = getattr(feature, "dtype", None)
        from lamina.backend.dtypes import standardize_dtype_name

        return standardize_dtype_name(dtype) if dtype is not None else "float32"

    def _merge_features(self, preprocessed, crossed):
        if not self._preprocessed_features_names:
            self._preprocessed_features_names = sorted(preprocessed)
            self._crossed_features_names = sorted(crossed)
        names = self._preprocessed_features_names + self._crossed_features_names
        values = [preprocessed[key] for key in self._preprocessed_features_names] + \
            [crossed[key] for key in self._crossed_features_names]
        if self._sublayers_built:
            encoded = [(key, self.one_hot_encoders[key](value) if key in self.one_hot_encoders else value)
                       for key, value in zip(names, values)]
            if self.output_mode == "dict":
                return dict(encoded)
            return self.concat([value for _, value in encoded])
        specs = [self.features[key] for key in self._preprocessed_features_names] + \
            [self.crosses_by_name[key] for key in self._crossed_features_names]
        output, to_concat = {}, []
        for key, value, spec in zip(names, values, specs):
            dtype = self._dtype_name(value)
            if spec.output_mode == "one_hot":
                preprocessor = self.preprocessors.get(key) or self.crossers.get(key)
                if not dtype.startswith(("int", "uint")):
                    raise ValueError(f"FeatureSpace: feature {key!r} has `output_mode='one_hot'`, so its "
                                     f"preprocessor should return an integer dtype; it returns {dtype}.")
                if isinstance(preprocessor, (layers.IntegerLookup, layers.StringLookup)):
                    cardinality = preprocessor.vocabulary_size()
                elif isinstance(preprocessor, layers.CategoryEncoding):
                    cardinality = preprocessor.num_tokens
                elif isinstance(preprocessor, layers.Discretization):
                    cardinality = preprocessor.num_bins or len(preprocessor.bin_boundaries) + 1
                elif isinstance(preprocessor, (layers.HashedCrossing, layers.Hashing)):
                    cardinality = preprocessor.num_bins
                else:
                    raise ValueError(f"FeatureSpace: feature {key!r} has `output_mode='one_hot'`, but it isn't "
                                     "a standard feature and the dimensionality of its output space is not "
                                     "known, so it cannot be one-hot encoded. Try `output_mode='int'`.")
                encoder = layers.CategoryEncoding(num_tokens=cardinality, output_mode="multi_hot")
                self.one_hot_encoders[key] = encoder
                value = encoder(value)
            if self.output_mode == "concat":
                dtype = self._dtype_name(value)
                if dtype.startswith(("int", "uint")) or dtype == "string":
                    raise ValueError(f"FeatureSpace: cannot concatenate features because feature {key!r} has not "
                                     f"been encoded (it has dtype {dtype}). Consider using `output_mode='dict'`.")
                to_concat.append(value)
            else:
                output[key] = value
        if self.output_mode == "concat":
            self.concat = TFDConcat(axis=-1)
            return self.concat(to_concat)
        return output

    def _check_if_adapted(self):
        if not self._is_adapted:
            if not self._list_adaptable_preprocessors():
                self._is_adapted = True
            else:
                raise ValueError("FeatureSpace: you need to call `.adapt(dataset)` on the FeatureSpace before "
                                 f"you can start using it (features to adapt: "
                                 f"{self._list_adaptable_preprocessors()}).")

    def _check_if_built(self):
        if not self._sublayers_built:
            self._check_if_adapted()
            self.get_encoded_features()
            self._sublayers_built = True

    # ------------------------------------------------------------------ eager call

    def _convert(self, key, value):
        spec = self.features.get(key)
        if spec is None:
            return value
        if is_string_array(value):
            array = np.asarray(value)
            return array[:, None] if array.ndim == 1 else (array.reshape(1, 1) if array.ndim == 0 else array)
        tensor = torch.as_tensor(np.asarray(value)) if not isinstance(value, torch.Tensor) else value
        if spec.dtype != "string":
            from lamina.backend import to_torch_dtype

            tensor = tensor.to(to_torch_dtype(spec.dtype))
        if tensor.dim() == 0:
            return tensor.reshape(1, 1)
        return tensor.unsqueeze(-1) if tensor.dim() == 1 else tensor

    def __call__(self, data):
        if not isinstance(data, dict):
            raise ValueError("A FeatureSpace can only be called with a dict of feature columns. "
                             f"Received: data of type {type(data).__name__}.")
        if any(is_keras_tensor(value) for value in data.values()):
            raise ValueError("FeatureSpace is called on data (arrays), not on symbolic inputs; for a model use "
                             "`get_inputs()` and `get_encoded_features()`.")
        self._check_if_built()
        missing = [key for key in self.features if key not in data]
        if missing:
            raise ValueError(f"FeatureSpace: the data is missing the features {missing}; it has {sorted(data)}.")
        rebatched = any(np.ndim(value) == 0 for value in data.values())
        data = {key: self._convert(key, value) for key, value in data.items() if key in self.features}
        preprocessed = self._preprocess_features(data)
        crossed = self._cross_features(preprocessed)
        merged = self._merge_features(preprocessed, crossed)
        if rebatched:
            if self.output_mode == "concat":
                merged = merged.squeeze(0)
            else:
                merged = {key: value.squeeze(0) if value.dim() == 2 and value.shape[0] == 1 else value
                          for key, value in merged.items()}
        return merged

    # ------------------------------------------------------------------ saving

    def get_config(self):
        return {"name": self.name,
                "features": {key: _serialize(spec) for key, spec in self.features.items()},
                "output_mode": self.output_mode,
                "crosses": [_serialize(cross) for cross in self.crosses],
                "crossing_dim": self.crossing_dim,
                "hashing_dim": self.hashing_dim,
                "num_discretization_bins": self.num_discretization_bins}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_build_config(self):
        return {key: spec.preprocessor.get_build_config() or {} for key, spec in self.features.items()}

    def build_from_config(self, config):
        for key in config:
            preprocessor = self.features[key].preprocessor
            if not preprocessor.built and config[key]:
                preprocessor.build_from_config(config[key])
        self._is_adapted = True
        self.built = True

    def _saveable_children(self):
        # Keras's weights/assets paths: concat, crossers/*, one_hot_encoders/*, preprocessors/*.
        # While loading, the encoders do not exist yet: they are made on first use, once the
        # vocabularies are read (their sizes depend on them).
        children = []
        if self.concat is not None:
            children.append(("concat", self.concat))
        children += [("crossers", list(self.crossers.values())),
                     ("one_hot_encoders", list(self.one_hot_encoders.values())),
                     ("preprocessors", list(self.preprocessors.values()))]
        return children

    def save_own_variables(self, store):
        return

    def load_own_variables(self, store):
        return

    def save(self, filepath):
        """Saves the FeatureSpace to a `.keras` file; reload it with `keras.saving.load_model()`."""
        from lamina.saving.saving_api import save_model

        self._check_if_built()
        save_model(self, filepath)
