"""Running the built-in cells through torch's fused recurrent kernels (`torch._VF`)."""

import torch
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from lamina.graph.shape_inference import is_tracing
from lamina.layers.rnn._cell_base import _RELU, _SIGMOID, _TANH

__all__ = []


def fusable_activations(cell):
    """Whether the cell's activations are the ones torch's fused kernels hard-code."""
    act = getattr(cell, "activation", None)
    rec = getattr(cell, "recurrent_activation", _SIGMOID)
    return act is _TANH and rec is _SIGMOID


def prepare(layer, inputs, training):
    """Input dropout (one mask per sequence, as the cell's loop) and time reversal.

    Returns the inputs to feed the fused kernel, or None when the call needs the
    step loop (recurrent dropout while training).
    """
    cell = layer.cell
    if training and 0 < cell.recurrent_dropout < 1:
        return None
    if training and 0 < cell.dropout < 1:
        cell.reset_dropout_mask()
        inputs = inputs * cell.get_dropout_mask(inputs[:, 0]).unsqueeze(1)
    if layer.go_backwards:
        inputs = inputs.flip(1)
    return inputs


def params(w_ih, w_hh, b_ih, b_hh, cell=None):
    """The flat weight list of torch's kernels: biases only when there are any.

    Keras's LSTM and SimpleRNN have one bias where torch's kernels take two; the second is
    zeros, kept on `cell` between calls (never from a fake-tensor trace).
    """
    if b_ih is None:
        return [w_ih, w_hh], False
    if b_hh is None:
        b_hh = _zero_bias(cell, b_ih)
    return [w_ih, w_hh, b_ih, b_hh], True


def _kept_on_cell(cell, name, make, still_valid):
    """A constant tensor kept on `cell` between calls (`make()` when missing or no longer valid);
    never kept from a fake-tensor trace, whose tensors must not outlive it."""
    if cell is None or is_tracing():
        return make()
    kept = cell.__dict__.get(name)
    # One made under predict()'s inference_mode cannot enter autograd later (fit after predict): remade.
    stale = kept is not None and kept.is_inference() and not torch.is_inference_mode_enabled()
    if kept is None or stale or not still_valid(kept):
        kept = make()
        cell.__dict__[name] = kept
    return kept


def _zero_bias(cell, like):
    return _kept_on_cell(cell, "_zero_hidden_bias", lambda: torch.zeros_like(like),
                         lambda kept: (kept.shape, kept.device, kept.dtype) == (like.shape, like.device, like.dtype))


def _call(kernel, inputs, hx, weights, has_bias, batch_sizes):
    if batch_sizes is None:
        return kernel(inputs, hx, weights, has_bias, 1, 0.0, False, False, True)
    return kernel(inputs, batch_sizes, hx, weights, has_bias, 1, 0.0, False, False)


def run_lstm(inputs, states, cell, batch_sizes=None):
    weights, has_bias = params(cell.kernel, cell.recurrent_kernel, cell.bias, None, cell)
    hx = (states[0].unsqueeze(0), states[1].unsqueeze(0))
    output, h, c = _call(torch._VF.lstm, inputs, hx, weights, has_bias, batch_sizes)
    return output, [h[0], c[0]]


def _rzn_index(cell, device):
    """Row indices taking Keras GRU gate order (z, r, h) to torch's (r, z, n).

    One `index_select` per weight: its backward is one scatter, where slicing and `cat`
    cost three full-size gradient buffers and their sum per weight on every training step.
    """
    units = cell.units

    def make():
        return torch.cat([torch.arange(units, 2 * units, device=device), torch.arange(units, device=device),
                          torch.arange(2 * units, 3 * units, device=device)])
    return _kept_on_cell(cell, "_rzn_index", make, lambda kept: kept.device == device)


def _gru_weights(cell):
    """torch-ordered GRU weights; cached while no gradient is needed (inference), keyed on the
    parameters' identity and version counters so that any in-place update invalidates it."""
    own = [cell.kernel, cell.recurrent_kernel] + ([cell.bias] if cell.bias is not None else [])
    cacheable = not is_tracing() and not (torch.is_grad_enabled() and any(p.requires_grad for p in own))
    key = tuple((p.data_ptr(), p._version) for p in own) if cacheable else None
    cached = cell.__dict__.get("_torch_gate_cache")
    if key is not None and cached is not None and cached[0] == key:
        return cached[1]
    index = _rzn_index(cell, cell.kernel.device)
    w_ih = cell.kernel.index_select(0, index)
    w_hh = cell.recurrent_kernel.index_select(0, index)
    b_ih = b_hh = None
    if cell.bias is not None:  # (2, 3 * units) with reset_after, the only fusable GRU
        b_ih, b_hh = cell.bias.index_select(1, index).unbind(0)
    result = params(w_ih, w_hh, b_ih, b_hh)
    cell.__dict__["_torch_gate_cache"] = (key, result) if key is not None else None
    return result


def run_gru(inputs, states, cell, batch_sizes=None):
    weights, has_bias = _gru_weights(cell)
    output, h = _call(torch._VF.gru, inputs, states[0].unsqueeze(0), weights, has_bias, batch_sizes)
    return output, [h[0]]


def run_simple(inputs, states, cell, batch_sizes=None):
    weights, has_bias = params(cell.kernel, cell.recurrent_kernel, cell.bias, None, cell)
    kernel = torch._VF.rnn_tanh if cell.activation is _TANH else torch._VF.rnn_relu
    output, h = _call(kernel, inputs, states[0].unsqueeze(0), weights, has_bias, batch_sizes)
    return output, [h[0]]


def run(layer, runner, inputs, states, training, mask):
    """A fused run of `layer` (None when the step loop is needed).

    A right-padded mask (each row: valid steps, then padding) runs as a packed
    sequence; Keras's semantics then say that padded steps output the last valid
    output (the carried state) or zeros with `zero_output_for_mask`. Other masks,
    and masks with `go_backwards` (where padding comes first), use the loop.
    """
    if mask is not None and layer.go_backwards:
        return None
    if type(inputs).__name__ == "DTensor":  # ModelParallel: torch's fused RNN kernels have no DTensor rule
        return None
    inputs = prepare(layer, inputs, training)
    if inputs is None:
        return None
    if mask is None:
        return runner(inputs, states, layer.cell)
    if is_tracing() or torch.compiler.is_compiling():
        # Shape inference on fake tensors, or a torch.compile graph: the lengths are data that
        # cannot steer Python control flow, so the (branch-free) step loop runs instead.
        return None
    steps = mask.shape[1]
    lengths = mask.sum(dim=1)
    right_padded = torch.arange(steps, device=mask.device) < lengths[:, None]
    # One host sync (packing needs the lengths on the CPU anyway).
    if not bool(torch.logical_and((mask == right_padded).all(), (lengths > 0).all())):
        return None
    packed = pack_padded_sequence(inputs, lengths.cpu(), batch_first=True, enforce_sorted=False)
    sorted_states = [s.index_select(0, packed.sorted_indices) for s in states]
    data, final = runner(packed.data, sorted_states, layer.cell, packed.batch_sizes)
    final = [s.index_select(0, packed.unsorted_indices) for s in final]
    sequence, _ = pad_packed_sequence(
        PackedSequence(data, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices),
        batch_first=True, total_length=steps)
    fill = torch.zeros_like(final[0]) if layer.zero_output_for_mask else final[0]
    return torch.where(mask.unsqueeze(-1), sequence, fill.unsqueeze(1)), final


def simple_fusable(cell):
    return cell.activation is _TANH or cell.activation is _RELU
