"""timeseries_dataset_from_array: Keras's window/target semantics (positions derived by hand from Keras's rule:
window i starts at start_index + i * stride, targets taken at the same position)."""

import numpy as np
import pytest
import torch

from lamina.utils import timeseries_dataset_from_array


def _all(ds):
    xs, ys = [], []
    for x, y in ds:
        assert isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)
        xs.append(x.numpy())
        ys.append(y.numpy())
    return np.concatenate(xs), np.concatenate(ys)


def test_windows_and_targets():
    data = np.arange(100)
    ds = timeseries_dataset_from_array(data, data * 10, sequence_length=10, batch_size=32)
    assert len(ds) == 3  # 91 windows
    x, y = _all(ds)
    assert x.shape == (91, 10)
    np.testing.assert_array_equal(x[5], np.arange(5, 15))
    np.testing.assert_array_equal(y, np.arange(91) * 10)


def test_stride_sampling_rate_and_index_range():
    data = np.arange(60).reshape(30, 2)
    ds = timeseries_dataset_from_array(data, np.arange(30), sequence_length=4, sequence_stride=3, sampling_rate=2,
                                       batch_size=5, start_index=2, end_index=25)
    x, y = _all(ds)
    # 25 - 2 - 3*2 = 17 windows possible, every third: starts 2, 5, ..., 17.
    starts = np.arange(0, 17, 3) + 2
    np.testing.assert_array_equal(y, starts)
    np.testing.assert_array_equal(x[1], data[[5, 7, 9, 11]])


def test_weather_forecasting_pattern():
    """keras.io timeseries_weather_forecasting: targets shifted by the past window length."""
    past, step, seq_len = 72, 6, 12
    features = np.random.default_rng(0).normal(size=(400, 7)).astype("float32")
    start = past + 72
    targets = features[start:, 1]
    ds = timeseries_dataset_from_array(features, targets, sequence_length=seq_len, sampling_rate=step,
                                       batch_size=64)
    x, y = next(iter(ds))
    assert tuple(x.shape) == (64, seq_len, 7) and tuple(y.shape) == (64,)
    np.testing.assert_allclose(x[3, :, 0].numpy(), features[3:3 + seq_len * step:step, 0])
    np.testing.assert_allclose(y[3].item(), targets[3])


def test_no_targets_and_shuffle_keeps_windows():
    data = np.arange(20)
    plain = np.concatenate([b.numpy() for b in timeseries_dataset_from_array(data, None, 3, batch_size=4)])
    shuffled = np.concatenate([b.numpy() for b in timeseries_dataset_from_array(data, None, 3, batch_size=4,
                                                                                shuffle=True, seed=1)])
    assert sorted(map(tuple, shuffled)) == sorted(map(tuple, plain))
    assert not np.array_equal(plain, shuffled)


def test_fit_on_windows():
    import lamina as keras

    data = np.random.default_rng(0).normal(size=(50, 3)).astype("float32")
    ds = timeseries_dataset_from_array(data, data[:, 0], sequence_length=5, batch_size=16)
    model = keras.Sequential([keras.Input((5, 3)), keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


@pytest.mark.parametrize("kwargs, match", [
    (dict(sequence_stride=0), "`sequence_stride` must be a positive integer"),
    (dict(sampling_rate=-1), "`sampling_rate` must be a positive integer"),
    (dict(start_index=30), "`start_index` must be in"),
    (dict(end_index=40), "`end_index` must be greater than start_index"),
    (dict(format="grain"), "format='grain' is not available in lamina"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        timeseries_dataset_from_array(np.arange(30), None, 3, **kwargs)
