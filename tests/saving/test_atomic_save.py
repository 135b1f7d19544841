"""Saves killed mid-way leave nothing that lasts, and saved files get a plain `open()`'s mode."""

import os
import signal
import stat
import subprocess
import sys

import pytest

import lamina as keras
from lamina import layers
from lamina.saving import archive, load_model

pytestmark = pytest.mark.skipif(os.name != "posix", reason="modes and locks are POSIX notions")


def _model():
    inputs = keras.Input(shape=(3,))
    return keras.Model(inputs, layers.Dense(2)(inputs))


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_stale_temporaries_of_the_same_target_are_removed(tmp_path):
    stale = tmp_path / ".tmp-m.keras-abc123.partial"
    stale.write_bytes(b"x" * 1000)
    other = tmp_path / ".tmp-other.keras-abc123.partial"
    other.write_bytes(b"y")
    _model().save(tmp_path / "m.keras")
    assert not stale.exists()
    assert other.exists()  # another target's temporary is not this save's business
    assert sorted(os.listdir(tmp_path)) == [".tmp-other.keras-abc123.partial", "m.keras"]


def test_a_live_save_keeps_its_temporary(tmp_path):
    live = tmp_path / ".tmp-m.keras-live.partial"
    live.write_bytes(b"being written")
    fd = os.open(live, os.O_RDWR)
    try:
        archive._lock(fd)  # what a save in progress holds
        assert archive.remove_stale_temporaries(str(tmp_path / "m.keras")) == []
        assert live.exists()
    finally:
        os.close(fd)
    assert archive.remove_stale_temporaries(str(tmp_path / "m.keras")) == [live.name]


_KILLED_WRITER = """
import sys, time
from lamina.saving import archive
def write(handle):
    handle.write(b"partial data" * 1000)
    handle.flush()
    print("writing", flush=True)
    time.sleep(600)
archive.atomic_write(sys.argv[1], write)
"""


def test_a_save_killed_mid_way_is_cleaned_by_the_next_save(tmp_path):
    target = tmp_path / "m.keras"
    _model().save(target)
    before = target.read_bytes()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    child = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(target)], stdout=subprocess.PIPE, env=env,
                             text=True)
    try:
        assert child.stdout.readline().strip() == "writing"
        leftovers = [n for n in os.listdir(tmp_path) if n.endswith(".partial")]
        assert len(leftovers) == 1
        # While the writer lives, another save leaves its temporary alone.
        assert archive.remove_stale_temporaries(str(target)) == []
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        child.stdout.close()
    assert target.read_bytes() == before  # the killed save changed nothing
    _model().save(target)
    assert sorted(os.listdir(tmp_path)) == ["m.keras"]
    load_model(target)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_new_files_get_the_umask_mode(tmp_path, umask, mask, expected):
    os.umask(mask)
    model = _model()
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "w.weights.h5")
    model.save(tmp_path / "folder_model")
    assert _mode(tmp_path / "m.keras") == expected
    assert _mode(tmp_path / "w.weights.h5") == expected
    assert _mode(tmp_path / "folder_model") == expected | 0o111 & ~mask
    assert _mode(tmp_path / "folder_model" / "config.json") == expected
    with open(tmp_path / "plain", "wb"):
        pass
    assert _mode(tmp_path / "plain") == expected


def test_an_existing_file_keeps_its_mode(tmp_path, umask):
    path = tmp_path / "m.keras"
    _model().save(path)
    os.chmod(path, 0o600)
    _model().save(path)
    assert _mode(path) == 0o600
