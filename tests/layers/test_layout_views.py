"""One channels-first view per channels_last tensor (lamina/layers/_layout_views.py).

A tensor feeding several convolution / batch-norm / pooling layers must give them one shared
view while autograd records, so that their gradients are summed in place; values, gradients
and gradients with respect to the shared tensor must be those of separate permutes.
"""

import collections

import torch

import lamina as keras
from lamina import layers as L
from lamina.layers._layout_views import channels_first_view, channels_last_view


def _graph_nodes(tensor):
    counts, seen, stack = collections.Counter(), set(), [tensor.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        counts[type(fn).__name__] += 1
        stack.extend(next_fn for next_fn, _ in fn.next_functions)
    return counts


def _branching_model():
    """A residual-stage entry: one tensor feeds a projection shortcut, a main branch and a norm."""
    inputs = keras.Input((8, 8, 4))
    x = L.Conv2D(6, 3, padding="same")(inputs)
    x = L.Activation("relu")(x)
    shortcut = L.BatchNormalization()(L.Conv2D(6, 1)(x))
    branch = L.Conv2D(6, 3, padding="same")(x)
    normalized = L.BatchNormalization()(x)
    return keras.Model(inputs, L.MaxPooling2D(2)(L.Add()([shortcut, branch, normalized])))


def _run(model, inputs):
    out = model(inputs, training=True)
    out.square().sum().backward()
    grads = [w.grad.clone() for w in model.trainable_weights]
    for w in model.trainable_weights:
        w.grad = None
    return out.detach(), grads


def test_consumers_of_one_tensor_share_one_view():
    x = torch.rand(2, 5, 5, 3, requires_grad=True)
    view = channels_first_view(x, 2)
    assert channels_first_view(x, 2) is view
    assert view.shape == (2, 3, 5, 5) and view.is_contiguous(memory_format=torch.channels_last)
    assert channels_last_view(view, 2).data_ptr() == x.data_ptr()


def test_no_sharing_without_autograd_recording():
    x = torch.rand(2, 5, 5, 3, requires_grad=True)
    with torch.no_grad():
        first = channels_first_view(x, 2)
        assert channels_first_view(x, 2) is not first
    plain = torch.rand(2, 5, 5, 3)
    assert channels_first_view(plain, 2) is not channels_first_view(plain, 2)
    # A view made under no_grad does not carry gradients: it must not be reused in grad mode.
    assert channels_first_view(x, 2).requires_grad


def test_view_is_not_reused_after_a_metadata_change():
    x = torch.rand(2, 5, 5, 3).requires_grad_()
    y = x * 1.0
    view = channels_first_view(y, 2)
    y.unsqueeze_(0).squeeze_(0)  # same shape and strides: still the same tensor layout
    assert channels_first_view(y, 2) is view
    z = x * 1.0
    first = channels_first_view(z, 2)
    z.transpose_(1, 2)
    again = channels_first_view(z, 2)
    assert again is not first
    torch.testing.assert_close(again, z.permute(0, 3, 1, 2))


def test_shared_views_keep_values_and_gradients(monkeypatch):
    torch.manual_seed(0)
    model = _branching_model()
    inputs = torch.rand(3, 8, 8, 4)
    moving = [w.detach().clone() for w in model.non_trainable_weights]
    out, grads = _run(model, inputs)
    for w, value in zip(model.non_trainable_weights, moving):
        with torch.no_grad():
            w.copy_(value)
    # The former path, a fresh permute per consumer (what runs under torch.compile tracing).
    monkeypatch.setattr(torch.compiler, "is_compiling", lambda: True)
    expected, expected_grads = _run(model, inputs)
    torch.testing.assert_close(out, expected, rtol=0, atol=0)
    for got, want in zip(grads, expected_grads):
        torch.testing.assert_close(got, want)


def test_gradients_summed_in_place_on_the_shared_view(monkeypatch):
    model = _branching_model()
    inputs = torch.rand(3, 8, 8, 4)
    shared = _graph_nodes(model(inputs, training=True).sum())
    monkeypatch.setattr(torch.compiler, "is_compiling", lambda: True)
    separate = _graph_nodes(model(inputs, training=True).sum())
    # The relu output feeds three consumers (two convs, a batch norm): one view instead of three.
    assert separate["PermuteBackward0"] - shared["PermuteBackward0"] == 2, (shared, separate)
    assert {k: v for k, v in shared.items() if k != "PermuteBackward0"} == \
        {k: v for k, v in separate.items() if k != "PermuteBackward0"}


def test_backward_sums_the_shared_gradients_in_place(monkeypatch):
    # The autograd engine's out-of-place `add`s of whole activations are what the sharing saves.
    model = _branching_model()
    inputs = torch.rand(3, 8, 8, 4)

    def backward_adds():
        out = model(inputs, training=True).sum()
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
            out.backward()
        return sum(e.count for e in prof.key_averages() if e.key == "aten::add")

    shared = backward_adds()
    monkeypatch.setattr(torch.compiler, "is_compiling", lambda: True)
    assert backward_adds() > shared


def test_gradient_with_respect_to_a_shared_tensor():
    # Grad-CAM style: the gradient of the output with respect to an intermediate activation
    # that several layers read through the shared view.
    inputs = keras.Input((8, 8, 4))
    features = L.Conv2D(6, 3, padding="same", activation="relu")(inputs)
    head = L.Add()([L.Conv2D(2, 1)(features), L.Conv2D(2, 3, padding="same")(features)])
    model = keras.Model(inputs, [features, head])
    feature_values, out = model(torch.rand(2, 8, 8, 4))
    (grad,) = torch.autograd.grad(out.sum(), feature_values)
    conv_a, conv_b = model.layers[2], model.layers[3]
    reference = feature_values.detach().requires_grad_()
    expected = conv_a(reference) + conv_b(reference)
    (expected_grad,) = torch.autograd.grad(expected.sum(), reference)
    torch.testing.assert_close(grad, expected_grad)
