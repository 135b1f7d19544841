"""split_dataset sizes (Keras's rounding) and contents; BatchedDataset's tf.data-like methods."""

import io

import numpy as np
import pytest
import torch

from lamina.utils import BatchedDataset, Progbar, split_dataset


@pytest.mark.parametrize("total, left, right, expected", [
    (10, 0.5, None, (5, 5)), (10, 0.8, None, (8, 2)), (10, None, 0.25, (8, 2)), (10, 3, None, (3, 7)),
    (10, 0.3, 0.5, (3, 5)), (7, 0.5, None, (4, 3)),
])
def test_split_sizes(total, left, right, expected):
    a, b = split_dataset(np.arange(total), left_size=left, right_size=right)
    assert (len(a), len(b)) == expected


def test_split_tuples_dicts_and_shuffle():
    x, y = np.arange(20).reshape(10, 2), np.arange(10)
    left, right = split_dataset((x, y), left_size=0.6, shuffle=True, seed=0)
    items = [left[i] for i in range(len(left))] + [right[i] for i in range(len(right))]
    assert sorted(int(item[1]) for item in items) == list(range(10))
    assert all(torch.equal(item[0], torch.as_tensor(x[int(item[1])])) for item in items)
    left, _ = split_dataset({"a": x, "b": y}, left_size=2)
    assert set(left[0]) == {"a", "b"}
    loader = torch.utils.data.DataLoader(split_dataset((x, y), left_size=0.5)[0], batch_size=2)
    assert tuple(next(iter(loader))[0].shape) == (2, 2)


def test_split_feeds_fit():
    import lamina as keras

    x, y = np.random.default_rng(0).normal(size=(20, 3)).astype("float32"), np.zeros((20, 1), "float32")
    train, val = split_dataset((x, y), left_size=0.75)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    assert len(model.fit(train, validation_data=val, batch_size=5, epochs=1, verbose=0).history["val_loss"]) == 1


@pytest.mark.parametrize("kwargs, match", [
    (dict(), "at least one of `left_size` or `right_size` must be given"),
    (dict(left_size=1.5), r"`left_size` must be an int in \(0, 10\)"),
    (dict(left_size=8, right_size=5), "exceeds the 10 samples"),
    (dict(left_size=0.6, right_size=0.6), "must be at most 1"),
    (dict(left_size=0.01), "leave one side empty"),
])
def test_split_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        split_dataset(np.arange(10), **kwargs)


def test_batched_dataset_methods():
    ds = BatchedDataset(10, lambda i: (np.full((2,), i, "float32"), np.int64(i)), batch_size=3)
    assert len(ds) == 4 and ds.cardinality() == 4
    assert [int(y[0]) for _, y in ds.skip(1).take(2)] == [3, 6]
    doubled = ds.map(lambda x, y: (x * 2, y)).prefetch(2)
    assert float(next(iter(doubled))[0][1, 0]) == 2.0
    single = BatchedDataset(3, lambda i: np.float32(i), batch_size=None)
    assert [float(v) for v in single] == [0.0, 1.0, 2.0]
    shuffled = BatchedDataset(50, lambda i: np.int64(i), batch_size=50, shuffle=True, seed=0)
    first, second = (next(iter(shuffled)).tolist() for _ in range(2))
    assert sorted(first) == list(range(50)) and first != second  # reshuffled each epoch


def test_progbar_keras_format():
    bar = Progbar(4, verbose=2)
    bar._stream = io.StringIO()
    for step in range(1, 5):
        bar.update(step, values=[("loss", float(step)), ("acc", 0.5)])
    line = bar._stream.getvalue()
    assert line.startswith("4/4 - ") and line.endswith(" - loss: 2.5000 - acc: 0.5000\n")
    bar = Progbar(None, verbose=1, stateful_metrics=["lr"])
    bar._stream = io.StringIO()
    bar.add(3, values=[("lr", 0.1)])
    bar.update(5, values=[("lr", 0.2)], finalize=True)
    assert bar._stream.getvalue().rstrip().endswith("lr: 0.2000")


def test_batched_dataset_threads_keep_order_and_report_errors():
    ds = BatchedDataset(11, lambda i: np.int64(i), batch_size=4, workers=3)
    assert torch.cat(list(ds)).tolist() == list(range(11))
    assert [b.tolist() for b in ds.skip(1).take(1)] == [[4, 5, 6, 7]]

    def broken(i):
        if i == 6:
            raise ValueError("item 6 is unreadable")
        return np.int64(i)

    with pytest.raises(ValueError, match="item 6 is unreadable"):
        list(BatchedDataset(8, broken, batch_size=4, workers=2))
