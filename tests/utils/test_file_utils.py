"""get_file with a local file:// origin and pre-filled caches (no network)."""

import hashlib
import os
import tarfile
import zipfile

import pytest

from lamina.utils import get_file


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


@pytest.fixture
def origin(tmp_path):
    source = tmp_path / "served" / "data.bin"
    source.parent.mkdir()
    source.write_bytes(b"0123456789")
    return source


def test_fetches_into_keras_home_and_reuses(keras_home, origin, capsys):
    path = get_file(origin=origin.as_uri())
    assert path == os.path.join(keras_home, "datasets", "data.bin")
    assert open(path, "rb").read() == b"0123456789"
    assert "Downloading data from" in capsys.readouterr().out
    origin.write_bytes(b"changed")
    assert open(get_file(origin=origin.as_uri()), "rb").read() == b"0123456789"  # cached
    assert open(get_file(origin=origin.as_uri(), force_download=True), "rb").read() == b"changed"


def test_hash_checks(keras_home, origin, tmp_path):
    sha = hashlib.sha256(b"0123456789").hexdigest()
    md5 = hashlib.md5(b"0123456789").hexdigest()
    assert get_file("a.bin", origin.as_uri(), file_hash=sha)
    assert get_file("b.bin", origin.as_uri(), md5_hash=md5)
    with pytest.raises(ValueError, match="incomplete or corrupted: its auto hash does not match"):
        get_file("c.bin", origin.as_uri(), file_hash="0" * 64)
    # A stale cached file is fetched again.
    (keras_home / "datasets" / "d.bin").write_bytes(b"old")
    assert open(get_file("d.bin", origin.as_uri(), file_hash=sha), "rb").read() == b"0123456789"


def test_cache_dir_and_subdir(tmp_path, origin):
    path = get_file("x.bin", origin.as_uri(), cache_dir=tmp_path / "cache", cache_subdir="models")
    assert path == os.path.join(tmp_path, "cache", "models", "x.bin")


def test_offline_missing_file_names_the_cache_path(keras_home):
    with pytest.raises(OSError, match=r"could not fetch .* and the file is not in the cache.*copy the file to "
                                      r".*datasets.mnist\.npz"):
        get_file("mnist.npz", "file:///nonexistent/mnist.npz")
    assert not os.path.exists(keras_home / "datasets" / "mnist.npz")
    (keras_home / "datasets" / "mnist.npz").write_bytes(b"cached")
    assert get_file("mnist.npz", "https://unreachable.invalid/mnist.npz").endswith("mnist.npz")


def test_extract_tar_and_zip(keras_home, tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "a.txt").write_text("hello")
    tar_path = tmp_path / "archive.tar.gz"
    with tarfile.open(tar_path, "w:gz") as archive:
        archive.add(content, arcname="content")
    folder = get_file("archive.tar.gz", tar_path.as_uri(), extract=True)
    assert folder == os.path.join(keras_home, "datasets", "archive_extracted")
    assert open(os.path.join(folder, "content", "a.txt")).read() == "hello"
    zip_path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.write(content / "a.txt", "a.txt")
    folder = get_file(origin=zip_path.as_uri(), extract=True)
    assert folder == os.path.join(keras_home, "datasets", "bundle.zip")
    assert open(os.path.join(folder, "a.txt")).read() == "hello"
    # untar with a name without extension (Keras's cifar layout: <name>/ and <name>_archive).
    folder = get_file("cifar-target", tar_path.as_uri(), untar=True)
    assert os.path.isfile(os.path.join(folder, "content", "a.txt"))
    assert os.path.isfile(os.path.join(keras_home, "datasets", "cifar-target_archive"))


def test_archive_escaping_its_folder_is_refused(keras_home, tmp_path):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../../escape.txt", "x")
    with pytest.raises(ValueError, match="outside the extraction folder"):
        get_file("evil.zip", evil.as_uri(), extract=True)


def test_bad_arguments():
    with pytest.raises(ValueError, match='specify the "origin" argument'):
        get_file("x")
    with pytest.raises(ValueError, match="without folders"):
        get_file("a/b.bin", "file:///x")
