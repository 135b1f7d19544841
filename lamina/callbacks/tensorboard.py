"""`TensorBoard`: training logs as TensorBoard event files, with Keras 3's tags and layout.

Event files are written by torch's `torch.utils.tensorboard.SummaryWriter` (which needs the
`tensorboard` package: `pip install tensorboard`, or lamina's `tensorboard` extra). The layout is
Keras's, so dashboards and scripts made for Keras runs read lamina runs unchanged:

- `<log_dir>/train`: `epoch_<metric>` per epoch (and `epoch_learning_rate`), `batch_<metric>`
  every `update_freq` batches, `<weight path>/histogram` every `histogram_freq` epochs (and
  `<weight path>/image` with `write_images`), the model's config as the Keras conceptual graph
  (tag `keras`, TensorBoard's "graph_keras_model" plugin) with `write_graph`;
- `<log_dir>/validation`: the validation `epoch_<metric>` values (the `val_` prefix removed),
  and `evaluation_<metric>_vs_iterations` at the end of every evaluation.
"""

import os
import time
import warnings

import numpy as np

from lamina.callbacks.callback import Callback

__all__ = ["TensorBoard"]


def _summary_writer_class():
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as error:  # torch imports `tensorboard` lazily, here
        raise ImportError(
            "keras.callbacks.TensorBoard writes event files with torch.utils.tensorboard, which needs the "
            "`tensorboard` package; it is not installed. Install it with `pip install tensorboard` "
            "(or `pip install lamina[tensorboard]`)."
        ) from error
    return SummaryWriter


def _to_float(value):
    try:
        return float(value.detach()) if hasattr(value, "detach") else float(value)
    except (TypeError, ValueError):
        return None


class TensorBoard(Callback):
    """Writes logs for TensorBoard: scalars per epoch (and per batch), learning rate, weight
    histograms and the model graph, in Keras 3's layout (see the module docstring).

    Args:
        log_dir: the folder of the run; `train/` and `validation/` are made inside.
        histogram_freq: write weight histograms every this many epochs (0: never).
        write_graph: write the model's config as TensorBoard's Keras conceptual graph
            (Functional and Sequential models, as Keras).
        write_images: also write each weight as an image (with the histograms).
        write_steps_per_second: log training steps per second (`epoch_steps_per_second`,
            `batch_steps_per_second`).
        update_freq: `"epoch"`, `"batch"` (every batch), or an int N (every N batches) for
            the `batch_<metric>` scalars (the running means of the epoch, as Keras logs them).
        profile_batch: must be 0; profiling is not available on the torch backend (as in Keras,
            use `torch.profiler` around `fit` instead).
        embeddings_freq: every this many epochs, save the weights for the projector
            (`train/keras_embedding.ckpt-<epoch>.weights.h5`, as Keras).
        embeddings_metadata: accepted for Keras compatibility (a metadata file name, or a
            dict by Embedding layer name).

    Example:
        >>> tensorboard = keras.callbacks.TensorBoard(log_dir="./logs", histogram_freq=1)
        >>> model.fit(x, y, epochs=3, validation_split=0.2, callbacks=[tensorboard])
        >>> # then: tensorboard --logdir ./logs
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        _summary_writer_class()  # a missing `tensorboard` package is reported when the callback is made
        if profile_batch:
            raise ValueError(
                f"TensorBoard: profiling is not available with the torch backend (as in Keras 3); received "
                f"profile_batch={profile_batch!r}, which must be 0. Wrap fit() in torch.profiler.profile() "
                f"and use its tensorboard_trace_handler instead.")
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and not (isinstance(update_freq, int) and update_freq > 0):
            raise ValueError(
                f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive number of batches; received "
                f"{update_freq!r}.")
        for name, value in (("histogram_freq", histogram_freq), ("embeddings_freq", embeddings_freq)):
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"TensorBoard: {name} must be a non-negative int (0 disables it); received "
                                 f"{value!r}.")
        self.log_dir = str(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = update_freq
        self.profile_batch = profile_batch
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._writers = {}
        self._global_train_batch = 0
        self._epoch_start_time = None
        self._epoch_start_iterations = 0
        self._batch_start_time = None
        if update_freq != "epoch" or write_steps_per_second:
            # Per-batch hooks only when they do something: fit binds a hook only to callbacks that have it.
            self.on_train_batch_begin = self._on_train_batch_begin
            self.on_train_batch_end = self._on_train_batch_end

    # ------------------------------------------------------------------ writers

    def _writer(self, kind):
        writer = self._writers.get(kind)
        if writer is None:
            folder = os.path.join(self.log_dir, "train" if kind == "train" else "validation")
            writer = self._writers[kind] = _summary_writer_class()(log_dir=folder)
        return writer

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def _scalar(self, kind, tag, value, step):
        number = _to_float(value)
        if number is not None:
            self._writer(kind).add_scalar(tag, number, global_step=int(step))

    # ------------------------------------------------------------------ hooks

    def set_model(self, model):
        super().set_model(model)
        self._close_writers()
        if self.write_graph:
            self._write_model_config()

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._epoch_start_time = time.time()
            self._epoch_start_iterations = self._iterations()

    def _on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.time()

    def _on_train_batch_end(self, batch, logs=None):
        step = self._global_train_batch
        if self.write_steps_per_second and self._batch_start_time is not None:
            elapsed = max(time.time() - self._batch_start_time, 1e-9)
            self._scalar("train", "batch_steps_per_second", 1.0 / elapsed, step)
        if self.update_freq != "epoch" and step % self.update_freq == 0 and logs:
            for name, value in dict(logs).items():
                self._scalar("train", f"batch_{name}", value, step)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        learning_rate = self._learning_rate()
        if learning_rate is not None:
            train_logs["learning_rate"] = learning_rate
        if self.write_steps_per_second and self._epoch_start_time is not None:
            elapsed = max(time.time() - self._epoch_start_time, 1e-9)
            train_logs["steps_per_second"] = (self._iterations() - self._epoch_start_iterations) / elapsed
        for name, value in train_logs.items():
            self._scalar("train", f"epoch_{name}", value, epoch)
        for name, value in val_logs.items():
            self._scalar("validation", f"epoch_{name}", value, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            path = os.path.join(self.log_dir, "train", f"keras_embedding.ckpt-{epoch}.weights.h5")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            self.model.save_weights(path)
        for writer in self._writers.values():
            writer.flush()

    def on_test_end(self, logs=None):
        if getattr(self.model, "optimizer", None) is not None and logs:
            step = self._iterations()
            for name, value in dict(logs).items():
                self._scalar("validation", f"evaluation_{name}_vs_iterations", value, step)
            self._writer("validation").flush()

    # ------------------------------------------------------------------ contents

    def _iterations(self):
        optimizer = getattr(self.model, "optimizer", None)
        value = getattr(optimizer, "iterations", 0) if optimizer is not None else 0
        return int(_to_float(value) or 0)

    def _learning_rate(self):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None:
            return None
        optimizers = getattr(optimizer, "optimizers", None)
        if optimizers:  # several optimizers: one entry each, as Keras names them
            return None
        if hasattr(optimizer, "learning_rate"):
            return _to_float(optimizer.learning_rate)
        groups = getattr(optimizer, "param_groups", None)  # a plain torch.optim optimizer
        return float(groups[0]["lr"]) if groups else None

    def _write_weights(self, epoch):
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                path = getattr(weight, "path", None) or f"{layer.name}/{getattr(weight, 'name', 'weight')}"
                tag = path.replace(":", "_")
                value = weight.numpy() if hasattr(weight, "numpy") else np.asarray(weight.detach().cpu())
                if value.size == 0 or not np.issubdtype(value.dtype, np.number):
                    continue
                writer.add_histogram(f"{tag}/histogram", value, global_step=epoch)
                if self.write_images:
                    image = _weight_image(value)
                    if image is not None:
                        writer.add_images(f"{tag}/image", image, global_step=epoch, dataformats="NHWC")
        writer.flush()

    def _write_model_config(self):
        """The model's JSON config as TensorBoard's Keras conceptual graph (Keras writes the same)."""
        from lamina.models.functional import Functional
        from lamina.models.sequential import Sequential

        if not isinstance(self.model, (Functional, Sequential)):
            return
        try:
            config_json = self.model.to_json()
        except Exception as error:  # noqa: BLE001 - Keras also only warns here
            warnings.warn(f"TensorBoard: model '{self.model.name}' could not be written as a graph (its config "
                          f"is not JSON-serializable: {error}); continuing without it.", stacklevel=2)
            return
        from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata
        from tensorboard.compat.proto.tensor_pb2 import TensorProto
        from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto

        metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="graph_keras_model",
                                                                          content=b"1"))
        tensor = TensorProto(dtype=7, string_val=[config_json.encode("utf-8")],  # 7: DT_STRING
                             tensor_shape=TensorShapeProto())
        summary = Summary(value=[Summary.Value(tag="keras", metadata=metadata, tensor=tensor)])
        writer = self._writer("train")
        writer._get_file_writer().add_summary(summary, 0)
        writer.flush()


def _weight_image(value):
    """A weight as a batch of grayscale images (NHWC), as Keras lays them out; None if no image fits."""
    image = np.squeeze(value)
    if image.ndim == 1:
        image = image.reshape(1, image.shape[0], 1, 1)
    elif image.ndim == 2:
        if image.shape[0] > image.shape[1]:
            image = image.T
        image = image.reshape(1, image.shape[0], image.shape[1], 1)
    elif image.ndim == 3:
        image = np.transpose(image, (2, 0, 1))[..., None]
    else:
        return None
    low, high = float(image.min()), float(image.max())
    return (image - low) / (high - low) if high > low else np.zeros_like(image)
