"""CTC loss and decoding of `keras.ops.nn` (`F.ctc_loss`; greedy and prefix beam-search decoding).

Keras's conventions: `output`/`inputs` are `(batch, time, classes)` logits, `mask_index` is the
blank class, decoded label sequences are padded with -1.
"""

import math

import torch
import torch.nn.functional as F

from lamina.ops._args import check_choice, check_rank, to_float_tensor
from lamina.ops._dtypes import convert_to_tensor
from lamina.ops._op import keras_op

__all__ = ["ctc_loss", "ctc_decode"]


@keras_op("CTCLoss", config=("mask_index",), module="nn")
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """Connectionist temporal classification loss per sequence (`tf.nn.ctc_loss`;
    torch `F.ctc_loss` on `log_softmax(output)`).

    Args:
        target: Integer labels of shape `(batch, max_label_length)`.
        output: Logits of shape `(batch, max_time, classes)`.
        target_length: Integer lengths of the label sequences, shape `(batch,)`.
        output_length: Integer lengths of the output sequences, shape `(batch,)`.
        mask_index: The blank class.

    Returns:
        Tensor of shape `(batch,)`: the negative log-likelihood of each label sequence.

    Example:
        >>> ctc_loss(torch.tensor([[1]]), torch.zeros(1, 2, 2), torch.tensor([1]),
        ...          torch.tensor([2]))
        tensor([0.2877])
    """
    output = to_float_tensor(output)
    if output.dtype in (torch.float16, torch.bfloat16):
        output = output.float()
    target = convert_to_tensor(target, device=output.device).long()
    target_length = convert_to_tensor(target_length, device=output.device).long()
    output_length = convert_to_tensor(output_length, device=output.device).long()
    check_rank(output, 3, "output", "ctc_loss", "Expected logits (batch, time, classes).")
    check_rank(target, 2, "target", "ctc_loss", "Expected labels (batch, max_label_length).")
    if target.shape[0] != output.shape[0]:
        raise ValueError(
            f"ctc_loss: `target` and `output` must have the same batch size, received "
            f"{tuple(target.shape)} and {tuple(output.shape)}."
        )
    log_probs = F.log_softmax(output, dim=-1).transpose(0, 1)  # (time, batch, classes)
    return F.ctc_loss(log_probs, target, output_length, target_length, blank=mask_index,
                      reduction="none")


def _greedy(inputs, lengths, merge_repeated, mask_index):
    batch, time, _ = inputs.shape
    scores, indices = inputs.max(dim=-1)
    beyond = torch.arange(time, device=inputs.device)[None, :] >= lengths[:, None]
    indices = torch.where(beyond, torch.full_like(indices, mask_index), indices)
    scores = torch.where(beyond, torch.zeros_like(scores), scores)
    if merge_repeated:
        repeat = F.pad(indices[:, 1:] == indices[:, :-1], (1, 0))
        indices = torch.where(repeat, torch.full_like(indices, mask_index), indices)
    blank = indices == mask_index
    indices = torch.where(blank, torch.full_like(indices, -1), indices)
    # Move the kept labels to the front, keeping their order (a stable sort on "is blank").
    order = torch.argsort(blank.to(torch.int8), dim=-1, stable=True)
    decoded = torch.take_along_dim(indices, order, dim=-1).to(torch.int32)
    return decoded[None], -scores.sum(dim=1, keepdim=True)


def _logaddexp(a, b):
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    high = max(a, b)
    return high + math.log1p(math.exp(-abs(a - b)))


def _beam_search_one(log_probs, length, beam_width, top_paths, blank):
    """Prefix beam search over one sequence; returns [(prefix, log-probability)] best first."""
    # prefix -> (log P(prefix, ending in blank), log P(prefix, ending in a label))
    beams = {(): (0.0, -math.inf)}
    rows = log_probs[:length].tolist()
    classes = len(rows[0]) if rows else 0
    for row in rows:
        next_beams = {}

        def add(prefix, blank_score, label_score):
            old_blank, old_label = next_beams.get(prefix, (-math.inf, -math.inf))
            next_beams[prefix] = (_logaddexp(old_blank, blank_score),
                                  _logaddexp(old_label, label_score))

        for prefix, (p_blank, p_label) in beams.items():
            total = _logaddexp(p_blank, p_label)
            add(prefix, total + row[blank], -math.inf)
            for c in range(classes):
                if c == blank:
                    continue
                if prefix and prefix[-1] == c:
                    add(prefix, -math.inf, p_label + row[c])          # repeat collapses
                    add(prefix + (c,), -math.inf, p_blank + row[c])   # blank-separated repeat
                else:
                    add(prefix + (c,), -math.inf, total + row[c])
        ranked = sorted(next_beams.items(), key=lambda item: -_logaddexp(*item[1]))
        beams = dict(ranked[:beam_width])
    ranked = sorted(beams.items(), key=lambda item: -_logaddexp(*item[1]))[:top_paths]
    return [(prefix, _logaddexp(*scores)) for prefix, scores in ranked]


def _beam_search(inputs, lengths, beam_width, top_paths, mask_index):
    batch, time, _ = inputs.shape
    log_probs = F.log_softmax(inputs, dim=-1).detach().cpu()
    decoded = torch.full((top_paths, batch, time), -1, dtype=torch.int32)
    scores = torch.full((batch, top_paths), -math.inf, dtype=inputs.dtype)
    for b, length in enumerate(lengths.tolist()):
        for rank, (prefix, score) in enumerate(
                _beam_search_one(log_probs[b], int(length), beam_width, top_paths, mask_index)):
            decoded[rank, b, :len(prefix)] = torch.tensor(prefix, dtype=torch.int32)
            scores[b, rank] = score
    return decoded.to(inputs.device), scores.to(inputs.device)


@keras_op("CTCDecode", config=("strategy", "beam_width", "top_paths", "merge_repeated",
                               "mask_index"), module="nn")
def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Decodes CTC outputs into label sequences (`tf.nn.ctc_greedy_decoder` /
    `tf.nn.ctc_beam_search_decoder`; torch `argmax` for greedy).

    Args:
        inputs: Logits of shape `(batch, max_time, classes)`.
        sequence_lengths: Integer lengths of shape `(batch,)`.
        strategy: `"greedy"` or `"beam_search"`.
        beam_width: Beams kept per step (beam search).
        top_paths: Number of best paths returned (beam search; greedy gives 1).
        merge_repeated: Greedy: merge repeated labels not separated by a blank.
        mask_index: The blank class.

    Returns:
        `(decoded, scores)`: int32 labels of shape `(top_paths, batch, max_time)` padded with -1,
        and scores of shape `(batch, top_paths)` (greedy: minus the sum of the chosen logits;
        beam search: the log-probability of each decoded sequence).

    Note:
        Beam search runs a prefix beam search step by step in Python on the CPU (it is inherently
        sequential); it is meant for evaluation, not for training loops.

    Example:
        >>> logits = torch.tensor([[[0.0, 5.0], [0.0, 5.0], [5.0, 0.0]]])
        >>> ctc_decode(logits, torch.tensor([3]))[0]
        tensor([[[ 1, -1, -1]]], dtype=torch.int32)
    """
    check_choice(strategy, ("greedy", "beam_search"), "strategy", "ctc_decode")
    inputs = to_float_tensor(inputs)
    if inputs.dtype in (torch.float16, torch.bfloat16):
        inputs = inputs.float()
    check_rank(inputs, 3, "inputs", "ctc_decode", "Expected logits (batch, time, classes).")
    lengths = convert_to_tensor(sequence_lengths, device=inputs.device).long()
    if lengths.shape != (inputs.shape[0],):
        raise ValueError(
            f"ctc_decode: `sequence_lengths` must have shape ({inputs.shape[0]},) (one length per "
            f"batch entry), received {tuple(lengths.shape)}."
        )
    if mask_index is None:
        mask_index = inputs.shape[-1] - 1
    if strategy == "greedy":
        return _greedy(inputs, lengths, merge_repeated, mask_index)
    for name, value in (("beam_width", beam_width), ("top_paths", top_paths)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"ctc_decode: `{name}` must be a positive int, received {value!r}.")
    if top_paths > beam_width:
        raise ValueError(
            f"ctc_decode: `top_paths` ({top_paths}) cannot exceed `beam_width` ({beam_width})."
        )
    return _beam_search(inputs, lengths, beam_width, top_paths, mask_index)
