"""Training code written for Keras 3's torch backend, run the same way by lamina and by Keras.

The patterns are those of the keras.io guides "Customizing what happens in fit() with PyTorch" and
"Writing a training loop from scratch in PyTorch" (a `train_step` with `self.zero_grad()`,
`loss.backward()`, `v.value.grad` and `self.optimizer.apply`, `self.loss_tracker` with a `metrics`
property, `compute_loss` overrides, a GAN with two optimizers and `compile` overridden, loops written
by hand), plus models whose only loss comes from `add_loss` (the "endpoint layer" pattern). Every
case is built from `keras` (lamina, or Keras with KERAS_BACKEND=torch) and plain torch calls only.

    CASES[name](keras) -> (model, run)   run() trains and returns {log name: [values]}

`fit_parity.py` runs them in both frameworks from the same initial weights and compares the logs;
`make_torch_style_refs.py` stores Keras's initial weights and logs in the tests' fixture file.
"""

import numpy as np
import torch

__all__ = ["CASES"]


def _data(seed, n, features, outputs=None, classes=None):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    if classes is not None:
        y = np.eye(classes, dtype="float32")[rng.integers(0, classes, size=n)]
    else:
        y = (x @ rng.normal(size=(features, outputs)) * 0.5).astype("float32")
    return x, y


def _history(fit_history):
    return {k: [float(v) for v in values] for k, values in fit_history.history.items()}


def guide_compute_loss(keras):
    """First guide example: `compute_loss` + the compiled metrics from `self.metrics`."""
    class CustomModel(keras.Model):
        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            with torch.no_grad():
                self.optimizer.apply(gradients, trainable_weights)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    x, y = _data(1, 48, 8, outputs=1)
    inputs = keras.Input((8,))
    model = CustomModel(inputs, keras.layers.Dense(1)(keras.layers.Dense(6, activation="tanh")(inputs)))
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return model, lambda: _history(model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0))


def guide_loss_tracker(keras):
    """Lower-level guide example: own `Mean` trackers listed by a `metrics` property, compile(optimizer)."""
    class CustomModel(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
            self.loss_fn = keras.losses.MeanSquaredError()

        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.loss_fn(y, y_pred)
            loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            with torch.no_grad():
                self.optimizer.apply(gradients, trainable_weights)
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

    x, y = _data(2, 40, 5, outputs=2)
    inputs = keras.Input((5,))
    model = CustomModel(inputs, keras.layers.Dense(2)(inputs))
    model.compile(optimizer=keras.optimizers.RMSprop(0.01))
    return model, lambda: _history(model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0))


def guide_sample_weight(keras):
    """Guide example with `sample_weight`: `data` has three parts only when weights are given."""
    class CustomModel(keras.Model):
        def train_step(self, data):
            if len(data) == 3:
                x, y, sample_weight = data
            else:
                sample_weight = None
                x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
            loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            with torch.no_grad():
                self.optimizer.apply(gradients, trainable_weights)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred, sample_weight=sample_weight)
            return {m.name: m.result() for m in self.metrics}

    x, y = _data(3, 40, 6, outputs=1)
    sw = np.random.default_rng(4).uniform(0.2, 1.5, size=(40, 1)).astype("float32")
    inputs = keras.Input((6,))
    model = CustomModel(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.5), loss="mse", metrics=["mae"])
    return model, lambda: _history(model.fit(x, y, sample_weight=sw, batch_size=10, epochs=3, shuffle=False,
                                             verbose=0))


def guide_test_step(keras):
    """Guide example overriding `test_step`, run by `evaluate` (compile without an optimizer)."""
    class CustomModel(keras.Model):
        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    x, y = _data(5, 36, 4, outputs=1)
    inputs = keras.Input((4,))
    model = CustomModel(inputs, keras.layers.Dense(1)(inputs))
    model.compile(loss="mse", metrics=["mae"])

    def run():
        logs = model.evaluate(x, y, batch_size=10, verbose=0, return_dict=True)
        return {k: [float(v)] for k, v in logs.items()}

    return model, run


def compute_loss_overrides(keras):
    """`compute_loss` overridden with Keras's older signature (no `training`) and the newer one."""
    class Old(keras.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
            base = super().compute_loss(x, y, y_pred, sample_weight)
            return base + 0.1 * torch.mean(y_pred ** 2)

    class New(keras.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            base = super().compute_loss(x, y, y_pred, sample_weight, training=training)
            return base + (0.2 if training else 0.0) * torch.mean(torch.abs(y_pred))

    x, y = _data(6, 32, 4, outputs=1)
    inputs = keras.Input((4,))
    shared = keras.layers.Dense(1)
    old, new = Old(inputs, shared(inputs)), New(inputs, shared(inputs))
    old.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
    new.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")

    def run():
        first = _history(old.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0))
        second = _history(new.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0,
                                  validation_data=(x[:16], y[:16])))
        return {**{f"old_{k}": v for k, v in first.items()}, **{f"new_{k}": v for k, v in second.items()}}

    return old, run


def endpoint_add_loss(keras):
    """The "endpoint layer" pattern: compile() with no loss, the loss comes from `add_loss`."""
    class LogisticEndpoint(keras.layers.Layer):
        def call(self, targets, logits, sample_weights=None):
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, targets)
            self.add_loss(loss)
            return torch.sigmoid(logits)

    rng = np.random.default_rng(7)
    data = {"inputs": rng.normal(size=(40, 3)).astype("float32"),
            "targets": (rng.uniform(size=(40, 2)) > 0.5).astype("float32")}
    inputs = keras.Input((3,), name="inputs")
    targets = keras.Input((2,), name="targets")
    logits = keras.layers.Dense(2)(keras.layers.Dense(5, activation="relu")(inputs))
    predictions = LogisticEndpoint(name="predictions")(targets, logits)
    model = keras.Model(inputs=[inputs, targets], outputs=predictions)
    model.compile(optimizer=keras.optimizers.Adam(0.02))
    return model, lambda: _history(model.fit(data, batch_size=8, epochs=3, shuffle=False, verbose=0))


def gan_two_optimizers(keras):
    """The guide's GAN, on vectors: `compile` overridden, two optimizers, `train_step` on `x` alone."""
    latent_dim, features, batch = 4, 6, 8
    real = np.random.default_rng(8).normal(size=(32, features)).astype("float32")
    noise = np.random.default_rng(9)
    latents = noise.normal(size=(64, 2, batch, latent_dim)).astype("float32")
    label_noise = noise.uniform(size=(64, 2 * batch, 1)).astype("float32")
    discriminator = keras.Sequential([keras.Input((features,)), keras.layers.Dense(8),
                                      keras.layers.LeakyReLU(negative_slope=0.2), keras.layers.Dense(1)],
                                     name="discriminator")
    generator = keras.Sequential([keras.Input((latent_dim,)), keras.layers.Dense(8),
                                  keras.layers.LeakyReLU(negative_slope=0.2), keras.layers.Dense(features)],
                                 name="generator")

    class GAN(keras.Model):
        def __init__(self, discriminator, generator, latent_dim):
            super().__init__()
            self.discriminator = discriminator
            self.generator = generator
            self.latent_dim = latent_dim
            self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
            self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
            self.step_count = 0
            self.built = True

        @property
        def metrics(self):
            return [self.d_loss_tracker, self.g_loss_tracker]

        def compile(self, d_optimizer, g_optimizer, loss_fn):
            super().compile()
            self.d_optimizer = d_optimizer
            self.g_optimizer = g_optimizer
            self.loss_fn = loss_fn

        def train_step(self, real_images):
            if isinstance(real_images, tuple):
                real_images = real_images[0]
            batch_size = real_images.shape[0]
            step, self.step_count = self.step_count, self.step_count + 1
            random_latent_vectors = torch.from_numpy(latents[step, 0, :batch_size])
            generated_images = self.generator(random_latent_vectors)
            combined_images = torch.concat([generated_images, torch.as_tensor(real_images)], axis=0)
            labels = torch.concat([torch.ones((batch_size, 1)), torch.zeros((batch_size, 1))], axis=0)
            labels += 0.05 * torch.from_numpy(label_noise[step, :2 * batch_size])

            self.zero_grad()
            predictions = self.discriminator(combined_images)
            d_loss = self.loss_fn(labels, predictions)
            d_loss.backward()
            grads = [v.value.grad for v in self.discriminator.trainable_weights]
            with torch.no_grad():
                self.d_optimizer.apply(grads, self.discriminator.trainable_weights)

            random_latent_vectors = torch.from_numpy(latents[step, 1, :batch_size])
            misleading_labels = torch.zeros((batch_size, 1))
            self.zero_grad()
            predictions = self.discriminator(self.generator(random_latent_vectors))
            g_loss = self.loss_fn(misleading_labels, predictions)
            g_loss.backward()
            grads = [v.value.grad for v in self.generator.trainable_weights]
            with torch.no_grad():
                self.g_optimizer.apply(grads, self.generator.trainable_weights)

            self.d_loss_tracker.update_state(d_loss)
            self.g_loss_tracker.update_state(g_loss)
            return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}

    gan = GAN(discriminator=discriminator, generator=generator, latent_dim=latent_dim)
    gan.compile(d_optimizer=keras.optimizers.Adam(learning_rate=0.003),
                g_optimizer=keras.optimizers.Adam(learning_rate=0.003),
                loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
    return gan, lambda: _history(gan.fit(real, batch_size=batch, epochs=2, shuffle=False, verbose=0))


def _mnist_like_model(keras, regularized=False):
    inputs = keras.Input(shape=(12,), name="digits")
    x = keras.layers.Dense(16, activation="relu")(inputs)
    if regularized:
        class ActivityRegularizationLayer(keras.layers.Layer):
            def call(self, inputs):
                self.add_loss(1e-2 * torch.sum(inputs))
                return inputs

        x = ActivityRegularizationLayer()(x)
    x = keras.layers.Dense(16, activation="relu")(x)
    outputs = keras.layers.Dense(4, name="predictions")(x)
    return keras.Model(inputs=inputs, outputs=outputs)


def _batches(x, y, size):
    for start in range(0, len(x), size):
        yield torch.from_numpy(x[start:start + size]), torch.from_numpy(y[start:start + size])


def scratch_loop_keras_optimizer(keras, regularized=False):
    """The hand-written loop of the guide with a Keras optimizer, loss and metric (and `model.losses`)."""
    x, y = _data(10, 48, 12, classes=4)
    model = _mnist_like_model(keras, regularized)
    optimizer = keras.optimizers.Adam(learning_rate=3e-3)
    loss_fn = keras.losses.CategoricalCrossentropy(from_logits=True)
    train_acc_metric = keras.metrics.CategoricalAccuracy()

    def run():
        logs = {"last_loss": [], "accuracy": []}
        for _ in range(3):
            for inputs, targets in _batches(x, y, 16):
                logits = model(inputs)
                loss = loss_fn(targets, logits)
                if model.losses:
                    loss = loss + torch.sum(*model.losses)
                model.zero_grad()
                trainable_weights = [v for v in model.trainable_weights]
                loss.backward()
                gradients = [v.value.grad for v in trainable_weights]
                with torch.no_grad():
                    optimizer.apply(gradients, trainable_weights)
                train_acc_metric.update_state(targets, logits)
            logs["last_loss"].append(float(loss.detach().numpy()))
            logs["accuracy"].append(float(train_acc_metric.result()))
            train_acc_metric.reset_state()
        return logs

    return model, run


def scratch_loop_regularized(keras):
    return scratch_loop_keras_optimizer(keras, regularized=True)


def scratch_loop_torch_optimizer(keras):
    """The guide's first loop: a torch optimizer over `model.parameters()` and a torch loss."""
    x, y = _data(11, 48, 12, classes=4)
    model = _mnist_like_model(keras)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    def run():
        losses = []
        for _ in range(3):
            for inputs, targets in _batches(x, y, 16):
                logits = model(inputs)
                loss = loss_fn(logits, targets)
                model.zero_grad()
                loss.backward()
                optimizer.step()
            losses.append(float(loss.detach().numpy()))
        return {"last_loss": losses}

    return model, run


CASES = {f.__name__: f for f in (guide_compute_loss, guide_loss_tracker, guide_sample_weight, guide_test_step,
                                 compute_loss_overrides, endpoint_add_loss, gan_two_optimizers,
                                 scratch_loop_keras_optimizer, scratch_loop_regularized,
                                 scratch_loop_torch_optimizer)}
