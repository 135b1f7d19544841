"""`BackupAndRestore`: lets a killed `fit` resume exactly where its last backup was taken."""

import os

import torch

from lamina.callbacks.callback import Callback
from lamina.utils._rng_state import capture_rng_state, restore_rng_state

__all__ = ["BackupAndRestore"]

_FILE = "latest.pt"
_PREVIOUS = "latest.pt.bkp"
_FORMAT = 2  # version of the backup's layout (1: weights, optimizer and epoch only)


class BackupAndRestore(Callback):
    """Backs up the whole training state and restores it when `fit` starts again.

    A backup holds the weights, the optimizer state, the epoch and batch
    position, the running metric values of the current epoch and the state of
    every random generator (Python, NumPy, torch on CPU and CUDA, layers' own
    seeded generators), including the state at the start of the current epoch
    from which the data order was drawn. A `fit` killed and started again with
    the same arguments therefore continues bit for bit as the uninterrupted run
    would have (on CPU; on CUDA as far as its kernels are deterministic), with
    shuffling and dropout on; a backup taken mid-epoch resumes at the next batch.

    The backup is written to a temporary file and renamed, so a kill mid-write
    leaves the previous backup intact. A `fit` that completes deletes it
    (unless `delete_checkpoint=False`).

    Args:
        backup_dir: folder for the backup (used by this callback only).
        save_freq: `"epoch"` (at each epoch end), an int `n` (every `n` training
            batches) or `False` (never writes; only restores).
        double_checkpoint: also keep the previous backup (`latest.pt.bkp`), used
            when the latest one cannot be read.
        delete_checkpoint: remove the backup when training finishes.

    Example:
        >>> model.fit(x, y, epochs=10, callbacks=[BackupAndRestore("/tmp/backup", save_freq=100)])
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: backup_dir must be a folder path; received an empty value.")
        valid_int = isinstance(save_freq, int) and not isinstance(save_freq, bool) and save_freq > 0
        if not (save_freq is False or save_freq == "epoch" or valid_int):
            raise ValueError(
                f"BackupAndRestore: save_freq must be 'epoch', a positive int (a number of batches) or False; "
                f"received save_freq={save_freq!r}."
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._path = os.path.join(self.backup_dir, _FILE)
        self._previous_path = os.path.join(self.backup_dir, _PREVIOUS)
        self._epoch = 0
        self._epoch_rng = None
        self._batches_since_save = 0
        self._resume = None

    # ------------------------------------------------------------------ restore
    def _read(self):
        for path in (self._path, self._previous_path):
            if not os.path.exists(path):
                continue
            try:
                return torch.load(path, map_location="cpu", weights_only=True)
            except Exception as error:  # noqa: BLE001 - a torn or corrupt file: try the previous backup
                if path == self._previous_path or not os.path.exists(self._previous_path):
                    raise ValueError(
                        f"BackupAndRestore: the backup {path} cannot be read ({type(error).__name__}: {error}). "
                        f"Delete the folder {self.backup_dir} to start training from the beginning."
                    ) from error
        return None

    def on_train_begin(self, logs=None):
        self._batches_since_save = 0
        self._resume = None
        state = self._read()
        if state is None:
            return
        model = self.model
        # By position, as Keras: a rebuilt model has the same weights under new auto-names (dense_2...).
        keys = list(model.state_dict().keys())
        if len(keys) != len(state["model"]):
            raise ValueError(
                f"BackupAndRestore: the backup in {self.backup_dir} holds {len(state['model'])} tensors but model "
                f"'{model.name}' has {len(keys)}; it was made by a different model. Delete the folder to restart."
            )
        model.load_state_dict(dict(zip(keys, state["model"])))
        optimizer = model.optimizer
        if state.get("optimizer") is not None and hasattr(optimizer, "load_state_dict"):
            optimizer.load_state_dict(state["optimizer"])
        if state.get("format", 1) < 2:  # an older backup: weights and epoch only
            model._initial_epoch = state["epoch"] + 1
            return
        model._initial_epoch = state["epoch"]
        if state["step"] == 0:
            restore_rng_state(state["rng"], model)
        else:
            # Mid-epoch: the epoch is started again from the generators' state at its beginning (so the
            # data order is drawn again, identically), the batches already trained on are skipped, and
            # then the generators and metrics are put back as they were after the last of those batches.
            self._resume = state
            model._resume_in_epoch = (state["step"], self._after_skipped_batches)

    def _after_skipped_batches(self):
        state, self._resume = self._resume, None
        restore_rng_state(state["rng"], self.model)
        _restore_metrics(self.model, state["metrics"])

    # -------------------------------------------------------------------- save
    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        if self._resume is not None and self._resume["epoch"] == epoch:
            restore_rng_state(self._resume["epoch_rng"], self.model)
            self._epoch_rng = self._resume["epoch_rng"]
        elif self.save_freq not in ("epoch", False):
            self._epoch_rng = capture_rng_state(self.model)

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq in ("epoch", False):
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._write(epoch=self._epoch, step=batch + 1)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._write(epoch=epoch + 1, step=0)

    def _write(self, epoch, step):
        os.makedirs(self.backup_dir, exist_ok=True)
        optimizer = self.model.optimizer
        state = {
            "format": _FORMAT,
            "model": list(self.model.state_dict().values()),
            "optimizer": optimizer.state_dict() if hasattr(optimizer, "state_dict") else None,
            "epoch": epoch,  # the epoch to run next (or to continue, when step > 0)
            "step": step,  # batches of that epoch already trained on
            "rng": capture_rng_state(self.model),
            "epoch_rng": self._epoch_rng if step else None,
            "metrics": _capture_metrics(self.model) if step else None,
        }
        if self.double_checkpoint and os.path.exists(self._path):
            os.replace(self._path, self._previous_path)
        tmp = self._path + ".tmp"
        torch.save(state, tmp)
        os.replace(tmp, self._path)

    def on_train_end(self, logs=None):
        if not self.delete_checkpoint or getattr(self.model, "_interrupted", False):
            return
        for path in (self._path, self._previous_path):
            if os.path.exists(path):
                os.remove(path)


def _trackers(model):
    """Every stateful tracker of `model.metrics`, the compiled metrics' group (`compile_metrics`)
    opened into its metrics."""
    for tracker in model.metrics:
        inner = getattr(tracker, "metrics", None) if not hasattr(tracker, "variables") else None
        if isinstance(inner, list):
            yield from inner
        else:
            yield tracker


def _capture_metrics(model):
    """The running values of the loss trackers and metrics (for a mid-epoch backup)."""
    out = []
    for tracker in _trackers(model):
        if hasattr(tracker, "variables"):
            out.append([v.detach().cpu().clone() for v in tracker.variables])
        else:  # MeanTracker: a running total (None before the first update) and a count
            total = tracker._total
            out.append([None if total is None else total.detach().cpu().clone(), tracker._count])
    return out


def _restore_metrics(model, saved):
    trackers = list(_trackers(model))
    if saved is None or len(saved) != len(trackers):
        return  # compiled differently: the resumed epoch's logs then cover the batches after the resume only
    with torch.no_grad():
        for tracker, values in zip(trackers, saved):
            if hasattr(tracker, "variables"):
                for variable, value in zip(tracker.variables, values):
                    variable.copy_(value)
            else:
                total, count = values
                device = next((p.device for p in model.parameters()), None)
                tracker._total = None if total is None else total.to(device)
                tracker._count = count
