"""PyDataset / Sequence consumed by fit/evaluate/predict, inline, in threads and in worker processes."""

import numpy as np
import pytest

import lamina as keras
from lamina.trainers.data_adapters import make_data


class Squares(keras.utils.PyDataset):
    def __init__(self, batches=4, batch_size=8, **kwargs):
        super().__init__(**kwargs)
        self.batches, self.batch_size = batches, batch_size
        self.epochs_ended = 0
        self.seen = []

    def __len__(self):
        return self.batches

    def __getitem__(self, index):
        self.seen.append(index)
        x = np.full((self.batch_size, 1), index, "float32")
        return x, 2 * x

    def on_epoch_end(self):
        self.epochs_ended += 1


class Endless(keras.utils.Sequence):  # no super().__init__: Keras's defaults still apply
    def __getitem__(self, index):
        if index >= 3:
            raise IndexError(index)
        return np.ones((2, 1), "float32"), np.ones((2, 1), "float32")


def _model():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


def test_protocol_defaults():
    ds = Squares()
    assert (ds.workers, ds.use_multiprocessing, ds.max_queue_size) == (1, False, 10)
    assert ds.num_batches == 4
    endless = Endless()
    assert endless.num_batches is None and endless.workers == 1
    assert keras.utils.Sequence is keras.utils.PyDataset


def test_fit_calls_every_batch_and_epoch_end():
    ds = Squares()
    history = _model().fit(ds, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3
    assert ds.epochs_ended == 3
    assert sorted(ds.seen[-4:]) == [0, 1, 2, 3]


def test_shuffle_false_keeps_order():
    ds = Squares(batches=6)
    data = make_data(ds, shuffle=False)
    assert [int(x[0, 0]) for x, _, _ in data.epoch()] == [0, 1, 2, 3, 4, 5]


@pytest.mark.parametrize("kwargs", [dict(workers=3), dict(workers=2, max_queue_size=1)])
def test_threads_give_batches_in_order(kwargs):
    ds = Squares(batches=10, **kwargs)
    data = make_data(ds, shuffle=False)
    assert [int(x[0, 0]) for x, _, _ in data.epoch()] == list(range(10))


def test_worker_processes():
    ds = Squares(batches=5, workers=2, use_multiprocessing=True)
    data = make_data(ds, shuffle=False)
    assert [int(x[0, 0]) for x, _, _ in data.epoch()] == list(range(5))


def test_endless_dataset_stops_at_index_error_or_steps():
    model = _model()
    model.fit(Endless(), epochs=1, steps_per_epoch=2, verbose=0)
    data = make_data(Endless())
    assert len(list(data.epoch())) == 3


def test_evaluate_and_predict():
    model = _model()
    assert np.isfinite(model.evaluate(Squares(), verbose=0))
    assert model.predict(Squares(batches=2, batch_size=3), verbose=0).shape == (6, 1)


def test_error_in_worker_thread_reaches_fit():
    class Broken(Squares):
        def __getitem__(self, index):
            if index == 2:
                raise RuntimeError("cannot read batch 2")
            return super().__getitem__(index)

    with pytest.raises(RuntimeError, match="cannot read batch 2"):
        _model().fit(Broken(workers=2), epochs=1, shuffle=False, verbose=0)


def test_bad_workers():
    with pytest.raises(ValueError, match="`workers` must be a positive integer"):
        Squares(workers=0)
