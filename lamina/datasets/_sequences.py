"""The word-index sequence processing IMDB and Reuters share (Keras's order of operations)."""

__all__ = ["remove_long_seq", "renumber"]


def remove_long_seq(maxlen, sequences, labels):
    """Keeps the sequences shorter than `maxlen` (and their labels)."""
    kept, kept_labels = [], []
    for sequence, label in zip(sequences, labels):
        if len(sequence) < maxlen:
            kept.append(sequence)
            kept_labels.append(label)
    return kept, kept_labels


def shift(sequences, start_char, index_from):
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in sequences]
    return [[w + index_from for w in x] for x in sequences]


def renumber(sequences, num_words, skip_top, oov_char):
    """Words outside `[skip_top, num_words)` become `oov_char` (or are dropped when it is None)."""
    if not num_words:
        num_words = max(max(x) for x in sequences)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in sequences]
    return [[w for w in x if skip_top <= w < num_words] for x in sequences]
