"""What `train_step(data)` receives, as Keras 3 defines it, and the rules around custom steps.

Keras 3 (torch backend, checked with 3.15.1) passes: `(x, y)` for `fit(x, y)`, `(x, y, sample_weight)`
only when weights exist (also from `class_weight`), `x` alone for `fit(x)`, and a loader's batch as it
comes (lamina gives a tuple where a DataLoader gives a list, so `isinstance(data, tuple)` holds).
"""

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import layers


class Recording(keras.Model):
    """A functional model whose train_step records the structure of `data`, then trains as usual."""

    def train_step(self, data):
        self.seen.append(_structure(data))
        return super().train_step(data)

    def test_step(self, data):
        self.seen_test.append(_structure(data))
        return super().test_step(data)


def _structure(data):
    if isinstance(data, torch.Tensor):
        return "x"
    return (type(data).__name__, len(data))


def recording_model(features=3, outputs=1):
    inputs = keras.Input((features,))
    model = Recording(inputs, layers.Dense(outputs)(inputs))
    model.seen, model.seen_test = [], []
    return model


def arrays(n=8, features=3):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, features)).astype("float32"), rng.integers(0, 2, size=(n, 1)).astype("float32")


@pytest.mark.parametrize("fit_kwargs, expected", [
    (dict(), ("tuple", 2)),
    (dict(sample_weight=np.ones(8, "float32")), ("tuple", 3)),
    (dict(class_weight={0: 1.0, 1: 2.0}), ("tuple", 3)),
])
def test_array_data_reaches_train_step_as_keras_packs_it(fit_kwargs, expected):
    x, y = arrays()
    model = recording_model()
    model.compile("sgd", "mse")
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, **fit_kwargs)
    assert model.seen == [expected, expected]


def test_fit_without_targets_passes_x_alone():
    class XOnly(keras.Model):
        def train_step(self, data):
            assert isinstance(data, torch.Tensor)
            self.zero_grad()
            loss = torch.mean(self(data, training=True) ** 2)
            loss.backward()
            with torch.no_grad():
                self.optimizer.apply([v.value.grad for v in self.trainable_weights], self.trainable_weights)
            return {"loss": loss}

    inputs = keras.Input((3,))
    model = XOnly(inputs, layers.Dense(2)(inputs))
    model.compile("sgd")
    history = model.fit(np.ones((8, 3), "float32"), batch_size=4, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and history.history["loss"][1] < history.history["loss"][0]


def test_loader_batches_are_tuples_and_validation_reaches_test_step():
    x, y = arrays(12)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
                                         batch_size=6)
    model = recording_model()
    model.compile("sgd", "mse")
    model.fit(loader, epochs=1, verbose=0, validation_data=(x, y))
    assert model.seen == [("tuple", 2)] * 2 and model.seen_test == [("tuple", 2)]


def test_train_on_batch_and_evaluate_use_the_same_format():
    x, y = arrays()
    model = recording_model()
    model.compile("sgd", "mse")
    model.train_on_batch(x, y)
    model.evaluate(x, y, batch_size=8, verbose=0)
    assert model.seen == [("tuple", 2)] and model.seen_test == [("tuple", 2)]


def test_train_step_returning_a_non_dict_is_an_error_naming_the_method():
    class Bad(keras.Model):
        def train_step(self, data):
            return 0.5

    inputs = keras.Input((3,))
    model = Bad(inputs, layers.Dense(1)(inputs))
    model.compile("sgd", "mse")
    x, y = arrays()
    with pytest.raises(TypeError, match=r"train_step\(\) of model '.*' must return a dict of logs .*it returned "
                                        r"float 0.5"):
        model.fit(x, y, verbose=0)


def test_nested_result_dicts_are_flattened_into_the_logs():
    class Nested(keras.Model):
        def train_step(self, data):
            return {"loss": torch.tensor(1.0), "parts": {"a": torch.tensor(2.0), "b": 3.0}}

    inputs = keras.Input((3,))
    model = Nested(inputs, layers.Dense(1)(inputs))
    model.compile("sgd", "mse")
    x, y = arrays()
    assert model.fit(x, y, verbose=0).history == {"loss": [1.0], "a": [2.0], "b": [3.0]}


def test_metrics_property_lists_compiled_and_attribute_metrics_and_fit_resets_them():
    class Tracked(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.batches = keras.metrics.Sum(name="batches")

        def train_step(self, data):
            logs = dict(super().train_step(data))
            self.batches.update_state(1.0)
            return {**logs, "batches": self.batches.result()}

    inputs = keras.Input((3,))
    model = Tracked(inputs, layers.Dense(1)(inputs))
    model.compile("sgd", "mse", metrics=["mae"])
    x, y = arrays()
    history = model.fit(x, y, batch_size=4, epochs=3, verbose=0)
    # Keras resets every metric in model.metrics at each epoch start: 2 batches per epoch, not 2, 4, 6.
    assert history.history["batches"] == [2.0, 2.0, 2.0]
    assert [m.name for m in model.metrics] == ["loss", "compile_metrics", "batches"]
    assert model.metrics[1].result().keys() == {"mae"}


def test_compile_without_loss_trains_on_added_losses_only():
    class Endpoint(layers.Layer):
        def call(self, targets, predictions):
            self.add_loss(torch.mean((targets - predictions) ** 2))
            return predictions

    rng = np.random.default_rng(1)
    data = {"features": rng.normal(size=(32, 4)).astype("float32"),
            "targets": rng.normal(size=(32, 2)).astype("float32")}
    features, targets = keras.Input((4,), name="features"), keras.Input((2,), name="targets")
    outputs = Endpoint()(targets, layers.Dense(2)(features))
    model = keras.Model([features, targets], outputs)
    model.compile(keras.optimizers.Adam(0.05))
    history = model.fit(data, batch_size=8, epochs=4, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_compile_without_any_loss_is_an_error_at_the_first_step():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layers.Dense(1)(inputs))
    model.compile("sgd")
    x, y = arrays()
    with pytest.raises(ValueError, match=r"No loss to compute for model '.*': compile\(\) was given no `loss` and the "
                                         r"model added none with `add_loss`"):
        model.fit(x, y, verbose=0)


def test_model_without_call_and_no_compiled_loss_is_not_run_before_training():
    """Keras runs a model on the first batch only to build it or its compiled losses and metrics: a GAN
    that compiles only optimizers has no `call` and must not be called."""
    class NoCall(keras.Model):
        def __init__(self):
            super().__init__()
            self.inner = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
            self.built = True

        def train_step(self, data):
            x, y = data
            self.zero_grad()
            loss = torch.mean((self.inner(x) - y) ** 2)
            loss.backward()
            with torch.no_grad():
                self.optimizer.apply([v.value.grad for v in self.trainable_weights], self.trainable_weights)
            return {"loss": loss}

    model = NoCall()
    model.compile()
    x, y = arrays()
    assert len(model.fit(x, y, epochs=2, verbose=0).history["loss"]) == 2


def test_compute_metrics_and_get_metrics_result_in_a_custom_step():
    class Custom(keras.Model):
        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            loss.backward()
            with torch.no_grad():
                self.optimizer.apply([v.value.grad for v in self.trainable_weights], self.trainable_weights)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
            return self.compute_metrics(x, y, y_pred)

    inputs = keras.Input((3,))
    model = Custom(inputs, layers.Dense(1)(inputs))
    model.compile("sgd", "mse", metrics=["mae"])
    x, y = arrays()
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0).history
    assert sorted(history) == ["loss", "mae"]
    assert sorted(model.get_metrics_result()) == ["loss", "mae"]
