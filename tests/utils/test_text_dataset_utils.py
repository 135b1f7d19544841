"""text_dataset_from_directory on a tiny folder of .txt files."""

import numpy as np
import pytest
import torch

from lamina.utils import text_dataset_from_directory


@pytest.fixture
def reviews(tmp_path):
    for label in ("neg", "pos"):
        (tmp_path / label).mkdir()
        for i in range(4):
            (tmp_path / label / f"{i}.txt").write_text(f"{label} review number {i}", encoding="utf-8")
    (tmp_path / "pos" / "skip.md").write_text("not a .txt file")
    return tmp_path


def test_texts_and_labels(reviews):
    ds = text_dataset_from_directory(reviews, batch_size=3, seed=2, verbose=False)
    assert ds.class_names == ["neg", "pos"] and len(ds) == 3
    texts, labels = next(iter(ds))
    assert isinstance(texts, np.ndarray) and texts.dtype.kind == "U" and texts.shape == (3,)
    assert isinstance(labels, torch.Tensor)
    for text, label in zip(texts, labels):
        assert text.startswith(["neg", "pos"][int(label)])


def test_max_length_no_labels_and_split(reviews):
    texts = next(iter(text_dataset_from_directory(reviews, labels=None, max_length=3, batch_size=8,
                                                  verbose=False)))
    assert sorted(set(texts.tolist())) == ["neg", "pos"]
    train, val = text_dataset_from_directory(reviews, validation_split=0.25, subset="both", seed=1, verbose=False)
    assert (train.num_items, val.num_items) == (6, 2)
    assert not set(next(iter(train))[0].tolist()) & set(next(iter(val))[0].tolist())


def test_errors(tmp_path, reviews):
    (tmp_path / "empty" / "x").mkdir(parents=True)
    with pytest.raises(ValueError, match=r"no text files \(.txt\) found"):
        text_dataset_from_directory(tmp_path / "empty")
    with pytest.raises(ValueError, match="format='grain' is not available"):
        text_dataset_from_directory(reviews, format="grain")
    with pytest.raises(ValueError, match="`subset` must be 'training', 'validation' or 'both'"):
        text_dataset_from_directory(reviews, validation_split=0.2, subset="test", seed=1)
