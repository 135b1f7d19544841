"""`BackupAndRestore`: lets a killed `fit` resume from its last completed epoch."""

import os

import torch

from lamina.callbacks.callback import Callback

__all__ = ["BackupAndRestore"]

_FILE = "latest.pt"


class BackupAndRestore(Callback):
    """Saves model weights, optimizer state and the epoch number at each epoch end.

    When `fit` starts and a backup exists in `backup_dir`, everything is
    restored and training continues with the next epoch. The backup is written
    to a temporary file and renamed, so a kill mid-write leaves the previous
    backup intact. A `fit` that completes deletes the backup (unless
    `delete_checkpoint=False`).

    Args:
        backup_dir: folder for the backup.
        save_freq: `"epoch"` (the only frequency: a resumed epoch restarts from its beginning).
        delete_checkpoint: remove the backup when training finishes.

    Example:
        >>> model.fit(x, y, epochs=10, callbacks=[BackupAndRestore("/tmp/backup")])
    """

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: backup_dir must be a folder path; received an empty value.")
        if save_freq != "epoch":
            raise ValueError(f"BackupAndRestore supports save_freq='epoch' only; received {save_freq!r}.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.delete_checkpoint = delete_checkpoint
        self._path = os.path.join(self.backup_dir, _FILE)

    def on_train_begin(self, logs=None):
        if not os.path.exists(self._path):
            return
        state = torch.load(self._path, map_location="cpu", weights_only=False)
        # By position, as Keras: a rebuilt model has the same weights under new auto-names (dense_2...).
        keys = list(self.model.state_dict().keys())
        if len(keys) != len(state["model"]):
            raise ValueError(
                f"BackupAndRestore: the backup in {self.backup_dir} holds {len(state['model'])} tensors but model "
                f"'{self.model.name}' has {len(keys)}; it was made by a different model. Delete the folder to restart."
            )
        self.model.load_state_dict(dict(zip(keys, state["model"])))
        optimizer = self.model.optimizer
        if state.get("optimizer") is not None and hasattr(optimizer, "load_state_dict"):
            optimizer.load_state_dict(state["optimizer"])
        self.model._initial_epoch = state["epoch"] + 1

    def on_epoch_end(self, epoch, logs=None):
        os.makedirs(self.backup_dir, exist_ok=True)
        optimizer = self.model.optimizer
        state = {
            "model": list(self.model.state_dict().values()),
            "optimizer": optimizer.state_dict() if hasattr(optimizer, "state_dict") else None,
            "epoch": epoch,
        }
        tmp = self._path + ".tmp"
        torch.save(state, tmp)
        os.replace(tmp, self._path)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self._path) and not getattr(self.model, "_interrupted", False):
            os.remove(self._path)
