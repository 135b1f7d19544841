"""BackupAndRestore: a killed `fit` resumed from its backup equals the uninterrupted run, bit for bit (CPU)."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import callbacks as cb

SEED = 11
EPOCHS = 3


def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 6)).astype("float32")
    return x, (x[:, :3].sum(1, keepdims=True) > 0).astype("float32")


def _model():
    """Shuffling, an unseeded and a seeded Dropout, Adam and a metric: every source of state a resume needs."""
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([
        keras.Input(shape=(6,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dropout(0.2, seed=5),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def _fit(model, callbacks):
    x, y = _data()
    return model.fit(x, y, batch_size=8, epochs=EPOCHS, shuffle=True, validation_split=0.2, verbose=0,
                     callbacks=callbacks)


class _Kill(cb.Callback):
    def __init__(self, epoch, batch):
        super().__init__()
        self.at = (epoch, batch)
        self.epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise RuntimeError("killed")


def _assert_same_weights(a, b):
    # By position: the rebuilt model's layers have new automatic names (dense_3, ...).
    sa, sb = list(a.state_dict().items()), list(b.state_dict().items())
    assert len(sa) == len(sb)
    for (key, va), (_, vb) in zip(sa, sb):
        assert torch.equal(va, vb), key


@pytest.fixture(scope="module")
def reference():
    model = _model()
    history = _fit(model, [])
    return model, history.history


@pytest.mark.parametrize("save_freq, kill_at", [
    (3, (1, 1)),        # 4 batches per epoch: backups mid-epoch, the last after batch 1 of epoch 1
    (2, (2, 2)),        # backups every 2 batches across epoch ends, killed in the last epoch
    ("epoch", (1, 2)),  # end-of-epoch backup, killed mid-epoch: epoch 1 is run again from its start
])
def test_resumed_fit_equals_uninterrupted_fit(tmp_path, reference, save_freq, kill_at):
    expected_model, expected_logs = reference
    backup_dir = tmp_path / "backup"
    model = _model()
    with pytest.raises(RuntimeError, match="killed"):
        _fit(model, [cb.BackupAndRestore(backup_dir, save_freq=save_freq), _Kill(*kill_at)])
    assert (backup_dir / "latest.pt").exists()

    resumed = _model()  # a fresh process would build it the same way
    history = _fit(resumed, [cb.BackupAndRestore(backup_dir, save_freq=save_freq)])
    _assert_same_weights(resumed, expected_model)
    assert history.epoch[-1] == EPOCHS - 1 and history.epoch[0] == kill_at[0]
    # The resumed epochs log what the uninterrupted run logged (running metrics restored mid-epoch too).
    for key, values in history.history.items():
        assert values == expected_logs[key][-len(values):], key
    assert not (backup_dir / "latest.pt").exists()


def test_resume_after_the_epochs_last_batch(tmp_path, reference):
    """A backup taken after the last batch of an epoch resumes at that epoch's end (validation, logs)."""
    expected_model, expected_logs = reference
    backup_dir = tmp_path / "backup"
    with pytest.raises(RuntimeError, match="killed"):  # 32 training samples: 4 batches per epoch
        _fit(_model(), [cb.BackupAndRestore(backup_dir, save_freq=4), _Kill(2, 1)])
    resumed = _model()
    history = _fit(resumed, [cb.BackupAndRestore(backup_dir, save_freq=4)])
    _assert_same_weights(resumed, expected_model)
    assert history.epoch == [1, 2]
    assert history.history["val_loss"] == expected_logs["val_loss"][1:]


_KILLED_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, os.path.dirname(sys.argv[1]))
    from test_backup_and_restore import _fit, _model
    import lamina as keras

    class SigKill(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == 1 and batch == 2:
                os.kill(os.getpid(), signal.SIGKILL)

    _fit(_model(), [keras.callbacks.BackupAndRestore(sys.argv[2], save_freq=3), SigKill()])
""")


def test_process_killed_mid_epoch_resumes_exactly(tmp_path, reference):
    """A process SIGKILLed in epoch 1 (backup after its batch 1), resumed here: the uninterrupted weights."""
    script = tmp_path / "train.py"
    script.write_text(_KILLED_SCRIPT)
    backup_dir = tmp_path / "backup"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    killed = subprocess.run([sys.executable, str(script), os.path.abspath(__file__), str(backup_dir)], env=env,
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -9, killed.stderr
    assert (backup_dir / "latest.pt").exists()
    resumed = _model()
    history = _fit(resumed, [cb.BackupAndRestore(backup_dir, save_freq=3)])
    assert history.epoch == [1, 2]
    _assert_same_weights(resumed, reference[0])


def test_backup_and_restore_arguments():
    with pytest.raises(ValueError, match="save_freq must be 'epoch', a positive int"):
        cb.BackupAndRestore("/tmp/x", save_freq=0)
    with pytest.raises(ValueError, match="backup_dir must be a folder path"):
        cb.BackupAndRestore("")
    assert cb.BackupAndRestore("/tmp/x", save_freq=False).save_freq is False


def test_double_checkpoint_falls_back_to_the_previous_backup(tmp_path, reference):
    expected_model, _ = reference
    backup_dir = tmp_path / "backup"
    with pytest.raises(RuntimeError, match="killed"):
        _fit(_model(), [cb.BackupAndRestore(backup_dir, save_freq=2, double_checkpoint=True), _Kill(1, 3)])
    assert (backup_dir / "latest.pt.bkp").exists()
    (backup_dir / "latest.pt").write_bytes(b"torn")  # the latest backup was cut while being written
    resumed = _model()
    _fit(resumed, [cb.BackupAndRestore(backup_dir, save_freq=2, double_checkpoint=True)])
    _assert_same_weights(resumed, expected_model)


def test_unreadable_backup_is_a_clear_error(tmp_path):
    backup_dir = tmp_path / "backup"
    backup_dir.mkdir()
    (backup_dir / "latest.pt").write_bytes(b"torn")
    with pytest.raises(ValueError, match="cannot be read.*Delete the folder"):
        _fit(_model(), [cb.BackupAndRestore(backup_dir)])


def test_resume_with_a_shuffling_dataloader(tmp_path):
    """A DataLoader draws its order from torch's generator when an epoch starts: restored too."""
    from torch.utils.data import DataLoader, TensorDataset

    x, y = _data()

    def fit(model, callbacks):
        loader = DataLoader(TensorDataset(torch.as_tensor(x), torch.as_tensor(y)), batch_size=8, shuffle=True)
        return model.fit(loader, epochs=EPOCHS, verbose=0, callbacks=callbacks)

    expected = _model()
    fit(expected, [])
    with pytest.raises(RuntimeError, match="killed"):
        fit(_model(), [cb.BackupAndRestore(tmp_path, save_freq=3), _Kill(1, 2)])
    resumed = _model()
    assert fit(resumed, [cb.BackupAndRestore(tmp_path, save_freq=3)]).epoch == [1, 2]
    _assert_same_weights(resumed, expected)
