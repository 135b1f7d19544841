"""`TensorBoard` writes event files in Keras 3's layout that TensorBoard's own reader reads back."""

import json

import numpy as np
import pytest

import lamina as keras
from lamina import layers

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402


def read(folder):
    accumulator = EventAccumulator(str(folder), size_guidance={"histograms": 0, "tensors": 0, "scalars": 0,
                                                               "images": 0})
    accumulator.Reload()
    return accumulator


def scalars(accumulator, tag):
    return [(event.step, event.value) for event in accumulator.Scalars(tag)]


def trained(tmp_path, **options):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="relu", name="hidden"),
                              layers.Dense(1, name="out")])
    model.compile(keras.optimizers.Adam(0.01), "mse", metrics=["mae"])
    rng = np.random.default_rng(0)
    callback = keras.callbacks.TensorBoard(tmp_path / "logs", **options)
    history = model.fit(rng.normal(size=(32, 4)).astype("float32"), rng.normal(size=(32, 1)).astype("float32"),
                        batch_size=8, epochs=2, validation_split=0.25, callbacks=[callback], verbose=0)
    return model, callback, history.history


def test_epoch_scalars_and_learning_rate_match_the_history(tmp_path):
    _, _, history = trained(tmp_path)
    train, validation = read(tmp_path / "logs" / "train"), read(tmp_path / "logs" / "validation")
    assert set(train.Tags()["scalars"]) == {"epoch_loss", "epoch_mae", "epoch_learning_rate"}
    for name in ("loss", "mae"):
        np.testing.assert_allclose([v for _, v in scalars(train, f"epoch_{name}")], history[name], rtol=1e-6)
        np.testing.assert_allclose([v for _, v in scalars(validation, f"epoch_{name}")], history[f"val_{name}"],
                                   rtol=1e-6)
    assert [step for step, _ in scalars(train, "epoch_loss")] == [0, 1]
    np.testing.assert_allclose([v for _, v in scalars(train, "epoch_learning_rate")], [0.01, 0.01])
    # Keras also logs every evaluation against the optimizer's iteration count (3 steps per epoch here).
    assert [step for step, _ in scalars(validation, "evaluation_loss_vs_iterations")] == [3, 6]


def test_batch_scalars_every_update_freq_batches(tmp_path):
    trained(tmp_path, update_freq=2)
    train = read(tmp_path / "logs" / "train")
    assert [step for step, _ in scalars(train, "batch_loss")] == [2, 4, 6]
    assert "batch_mae" in train.Tags()["scalars"]


def test_histograms_images_and_the_keras_conceptual_graph(tmp_path):
    model, _, _ = trained(tmp_path, histogram_freq=1, write_images=True)
    train = read(tmp_path / "logs" / "train")
    assert set(train.Tags()["histograms"]) == {"hidden/kernel/histogram", "hidden/bias/histogram",
                                               "out/kernel/histogram", "out/bias/histogram"}
    assert [event.step for event in train.Histograms("hidden/kernel/histogram")] == [0, 1]
    assert "hidden/kernel/image" in train.Tags()["images"]
    graph = train.Tensors("keras")[0]
    assert json.loads(graph.tensor_proto.string_val[0].decode()) == json.loads(model.to_json())
    content = train.SummaryMetadata("keras").plugin_data
    assert content.plugin_name == "graph_keras_model"


def test_steps_per_second(tmp_path):
    trained(tmp_path, write_steps_per_second=True)
    tags = read(tmp_path / "logs" / "train").Tags()["scalars"]
    assert {"epoch_steps_per_second", "batch_steps_per_second"} <= set(tags)


@pytest.mark.parametrize("kwargs, message", [
    (dict(update_freq="sometimes"), r"update_freq must be 'epoch', 'batch' or a positive number of batches; "
                                    r"received 'sometimes'"),
    (dict(histogram_freq=-1), r"histogram_freq must be a non-negative int .*received -1"),
    (dict(profile_batch=2), r"profiling is not available with the torch backend .*profile_batch=2"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=r"TensorBoard: " + message):
        keras.callbacks.TensorBoard("logs", **kwargs)


def test_missing_tensorboard_package_is_a_clear_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def without_tensorboard(name, *args, **kwargs):
        if name == "torch.utils.tensorboard" or name.startswith("tensorboard"):
            raise ImportError("No module named 'tensorboard'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_tensorboard)
    with pytest.raises(ImportError, match=r"needs the `tensorboard` package; it is not installed\. Install it with "
                                          r"`pip install tensorboard`"):
        keras.callbacks.TensorBoard("logs")
