"""Generic checks run on every exported layer: one table row per layer.

Each `Row` gives a factory (a fresh layer per call) and the input shape(s) including the batch
size. Every row goes through: symbolic build + output shape == compute_output_shape == eager
output shape, get_config -> from_config round trip, state_dict round trip into a fresh instance,
pickling, and gradients reaching every trainable weight.

To add a layer: append a `Row(...)` to `ROWS` (ids default to the class name). Rows whose layer
has no serializable config (wrappers of arbitrary torch callables) set `config=False`, and the
state_dict round trip then rebuilds from the factory. Layers with another calling convention
(integer inputs, query/value arguments, cells) get a small adapter layer below.
"""

import inspect
import pickle
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import layers as L
from lamina.layers.rnn import ConvLSTMCell


@keras.saving.register_keras_serializable(package="lamina_tests")
def double(x):
    """Module-level function so Lambda layers stay picklable; registered, so that a config naming
    it loads in safe mode (which never imports the module a config names)."""
    return x * 2.0


class SelfAttention(L.Layer):
    """Harness adapter: `MultiHeadAttention(x, x)` as a single-input layer (MHA needs query and value)."""

    def __init__(self, num_heads=2, key_dim=3, **kwargs):
        super().__init__(**kwargs)
        self.num_heads, self.key_dim = num_heads, key_dim
        self.mha = L.MultiHeadAttention(num_heads, key_dim, value_dim=4, name="mha")

    def call(self, x):
        return self.mha(x, x)


class DoubledOutput(L.Wrapper):
    """Harness adapter: the smallest `Wrapper` subclass (`2 * layer(x)`)."""

    def call(self, x):
        return 2 * self.layer(x)


class GroupedSelfAttention(L.Layer):
    """Harness adapter: gated, sliding-window, causal `GroupQueryAttention(x, x)` as one input."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.gqa = L.GroupQueryAttention(3, 4, 2, use_gate=True, sliding_window=3, name="gqa")

    def call(self, x):
        return self.gqa(x, x, use_causal_mask=True)


class EmbeddingOfFloats(L.Layer):
    """Harness adapter: the harness feeds float noise; Embedding needs non-negative indices."""

    def __init__(self, input_dim=8, output_dim=3, mask_zero=False, **kwargs):
        super().__init__(**kwargs)
        self.input_dim, self.output_dim, self.mask_zero = input_dim, output_dim, mask_zero
        self.embedding = L.Embedding(input_dim, output_dim, mask_zero=mask_zero, name="embedding")

    def call(self, x):
        return self.embedding((x.abs() * 2).long().clamp(max=self.input_dim - 1))


class ReversibleEmbeddingRoundTrip(L.Layer):
    """Harness adapter: indices -> vectors -> vocabulary logits through one `ReversibleEmbedding`."""

    def __init__(self, input_dim=8, output_dim=3, tie_weights=False, **kwargs):
        super().__init__(**kwargs)
        self.input_dim, self.output_dim, self.tie_weights = input_dim, output_dim, tie_weights
        self.embedding = L.ReversibleEmbedding(input_dim, output_dim, tie_weights=tie_weights,
                                               logit_soft_cap=3.0, name="embedding")

    def call(self, x):
        ids = (x.abs() * 2).long().clamp(max=self.input_dim - 1)
        return self.embedding(self.embedding(ids), reverse=True)


_ENCODERS = {
    "CategoryEncoding": lambda: L.CategoryEncoding(num_tokens=4, output_mode="count"),
    "IntegerLookup": lambda: L.IntegerLookup(vocabulary=[0, 1, 2], output_mode="multi_hot"),
    "StringLookup": lambda: L.StringLookup(vocabulary=["t0", "t1", "t2"]),
    "Hashing": lambda: L.Hashing(num_bins=5, output_mode="one_hot"),
    "TextVectorization": lambda: L.TextVectorization(vocabulary=["t0", "t1"], output_sequence_length=4),
    "HashedCrossing": lambda: L.HashedCrossing(num_bins=5, output_mode="one_hot"),
}


class EncodedNoise(L.Layer):
    """Harness adapter for the lookup/text layers: float noise becomes small integer ids, or the
    strings "t<id>" (strings flow as NumPy arrays), before the wrapped layer."""

    def __init__(self, kind="StringLookup", **kwargs):
        super().__init__(**kwargs)
        self.kind = kind
        self.inner = _ENCODERS[kind]()

    def call(self, x):
        ids = (x.abs() * 2).long().clamp(max=3)
        if self.kind in ("CategoryEncoding", "IntegerLookup"):
            return self.inner(ids)
        if self.kind == "HashedCrossing":  # crosses the strings "t<id>" with the ids themselves
            return self.inner((np.char.add("t", ids.numpy().astype(str)), ids))
        return self.inner(np.char.add("t", ids.numpy().astype(str)))

    def compute_output_shape(self, input_shape):
        if self.kind == "HashedCrossing":
            return self.inner.compute_output_shape((tuple(input_shape), tuple(input_shape)))
        return self.inner.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "kind": self.kind}


@dataclass
class Row:
    factory: Callable
    shape: object  # a batch shape tuple, or a list of them for multi-input layers
    config: bool = True  # get_config/from_config round-trips
    dtype: torch.dtype = torch.float32
    id: str = None

    def __post_init__(self):
        if self.id is None:
            self.id = type(self.factory()).__name__


ROWS = [
    # core
    Row(lambda: L.Dense(4, activation="relu"), (2, 3)),
    Row(lambda: L.Activation("tanh"), (2, 3)),
    Row(lambda: L.Dropout(0.5), (2, 3)),
    Row(lambda: L.Identity(), (2, 3)),
    Row(lambda: L.Lambda(double), (2, 3)),
    Row(lambda: L.TorchModuleWrapper(torch.nn.Linear(3, 2)), (2, 3), config=False),
    Row(lambda: L.TorchOp(torch.tanh), (2, 3), config=False),
    Row(lambda: L.Flatten(), (2, 3, 4)),
    Row(lambda: L.Reshape((4, 3)), (2, 3, 4)),
    Row(lambda: L.EinsumDense("abc,cde->abde", (3, 2, 4), bias_axes="de", activation="relu"), (2, 3, 5)),
    Row(lambda: L.EinsumDense("...b,bc->...c", 4, bias_axes="c"), (2, 3, 5), id="EinsumDense(ellipsis)"),
    Row(lambda: L.Dense(4, lora_rank=2), (2, 3), id="Dense(lora)"),
    Row(lambda: L.EinsumDense("abc,cde->abde", (3, 2, 4), bias_axes="de", lora_rank=2), (2, 3, 5),
        id="EinsumDense(lora)"),
    Row(lambda: L.Dense(4, dtype="int8_from_float32"), (2, 3), id="Dense(int8)"),
    Row(lambda: L.EinsumDense("abc,cde->abde", (3, 2, 4), bias_axes="de", dtype="int4/2_from_float32"), (2, 3, 5),
        id="EinsumDense(int4)"),
    # merging
    Row(lambda: L.Add(), [(2, 3), (2, 3)]),
    Row(lambda: L.Subtract(), [(2, 3), (2, 3)]),
    Row(lambda: L.Multiply(), [(2, 3), (2, 3)]),
    Row(lambda: L.Average(), [(2, 3), (2, 3)]),
    Row(lambda: L.Maximum(), [(2, 3), (2, 3)]),
    Row(lambda: L.Minimum(), [(2, 3), (2, 3)]),
    Row(lambda: L.Concatenate(), [(2, 3), (2, 4)]),
    Row(lambda: L.Dot(axes=1), [(2, 3), (2, 3)]),
    # convolutional
    Row(lambda: L.Conv1D(4, 3, padding="causal", dilation_rate=2), (2, 9, 3)),
    Row(lambda: L.Conv2D(4, 3, strides=2, padding="same", groups=2), (2, 7, 7, 4)),
    Row(lambda: L.Conv3D(2, 2, data_format="channels_first"), (2, 3, 4, 4, 4)),
    Row(lambda: L.Conv1DTranspose(3, 4, strides=2), (2, 5, 2)),
    Row(lambda: L.Conv2DTranspose(3, 3, strides=2, padding="same", output_padding=1), (2, 4, 4, 5)),
    Row(lambda: L.Conv3DTranspose(2, 2, strides=2), (1, 2, 2, 2, 3)),
    Row(lambda: L.DepthwiseConv1D(3, depth_multiplier=2), (2, 8, 3)),
    Row(lambda: L.DepthwiseConv2D(3, strides=2, padding="same"), (2, 7, 7, 3)),
    Row(lambda: L.SeparableConv1D(4, 3, padding="same"), (2, 7, 3)),
    Row(lambda: L.SeparableConv2D(4, 3, depth_multiplier=2), (2, 7, 7, 3)),
    # pooling
    Row(lambda: L.MaxPooling1D(3, 2, padding="same"), (2, 9, 3)),
    Row(lambda: L.MaxPooling2D(), (2, 8, 8, 3)),
    Row(lambda: L.MaxPooling3D(data_format="channels_first"), (1, 2, 4, 4, 4)),
    Row(lambda: L.AveragePooling1D(2), (2, 9, 3)),
    Row(lambda: L.AveragePooling2D(3, 2, padding="same"), (2, 7, 7, 2)),
    Row(lambda: L.AveragePooling3D(2), (1, 4, 4, 4, 2)),
    Row(lambda: L.GlobalMaxPooling1D(), (2, 5, 4)),
    Row(lambda: L.GlobalMaxPooling2D(keepdims=True), (2, 5, 5, 3)),
    Row(lambda: L.GlobalMaxPooling3D(), (2, 3, 3, 3, 4)),
    Row(lambda: L.GlobalAveragePooling1D(data_format="channels_first"), (2, 5, 4)),
    Row(lambda: L.GlobalAveragePooling2D(), (2, 5, 5, 3)),
    Row(lambda: L.GlobalAveragePooling3D(keepdims=True), (2, 3, 3, 3, 4)),
    Row(lambda: L.AdaptiveAveragePooling1D(4), (2, 9, 3)),
    Row(lambda: L.AdaptiveAveragePooling2D((2, 3), data_format="channels_first"), (2, 3, 7, 8)),
    Row(lambda: L.AdaptiveAveragePooling3D(2), (1, 5, 4, 3, 2)),
    Row(lambda: L.AdaptiveMaxPooling1D(3), (2, 8, 3)),
    Row(lambda: L.AdaptiveMaxPooling2D(3), (2, 7, 5, 2)),
    Row(lambda: L.AdaptiveMaxPooling3D((1, 2, 3)), (1, 4, 4, 5, 2)),
    # normalization
    Row(lambda: L.BatchNormalization(), (4, 5, 5, 3)),
    Row(lambda: L.LayerNormalization(axis=[1, 2]), (2, 3, 4)),
    Row(lambda: L.GroupNormalization(groups=2), (2, 4, 4, 6)),
    Row(lambda: L.UnitNormalization(), (2, 3)),
    Row(lambda: L.Normalization(), (2, 3)),
    Row(lambda: L.RMSNormalization(axis=[1, 2]), (2, 3, 4)),
    Row(lambda: L.SpectralNormalization(L.Dense(3), power_iterations=2), (2, 4)),
    # regularization
    Row(lambda: L.SpatialDropout1D(0.5), (2, 5, 3)),
    Row(lambda: L.SpatialDropout2D(0.5), (2, 4, 4, 3)),
    Row(lambda: L.SpatialDropout3D(0.5), (2, 3, 3, 3, 2)),
    Row(lambda: L.GaussianNoise(0.1), (2, 3)),
    Row(lambda: L.GaussianDropout(0.2), (2, 3)),
    Row(lambda: L.AlphaDropout(0.2), (2, 3)),
    Row(lambda: L.ActivityRegularization(l1=0.01, l2=0.01), (2, 3)),
    # reshaping
    Row(lambda: L.Permute((2, 1)), (2, 3, 5)),
    Row(lambda: L.RepeatVector(3), (2, 4)),
    Row(lambda: L.UpSampling1D(3), (2, 3, 4)),
    Row(lambda: L.UpSampling2D(interpolation="bilinear"), (2, 3, 3, 2)),
    Row(lambda: L.UpSampling3D(), (1, 2, 2, 2, 3)),
    Row(lambda: L.ZeroPadding1D((1, 2)), (2, 3, 4)),
    Row(lambda: L.ZeroPadding2D(((1, 2), (0, 1))), (2, 3, 4, 2)),
    Row(lambda: L.ZeroPadding3D(1), (1, 2, 2, 2, 3)),
    Row(lambda: L.Cropping1D((1, 2)), (2, 6, 4)),
    Row(lambda: L.Cropping2D(((1, 0), (1, 1))), (2, 5, 5, 2)),
    Row(lambda: L.Cropping3D(1), (1, 4, 4, 4, 3)),
    # embedding, masking, recurrent, attention
    Row(lambda: EmbeddingOfFloats(mask_zero=True), (2, 5), id="Embedding"),
    Row(lambda: ReversibleEmbeddingRoundTrip(), (2, 5), id="ReversibleEmbedding"),
    Row(lambda: L.Masking(mask_value=0.0), (2, 4, 3)),
    Row(lambda: L.SimpleRNN(3, return_sequences=True), (2, 5, 4)),
    Row(lambda: L.LSTM(3, go_backwards=True), (2, 5, 4)),
    Row(lambda: L.GRU(3, return_sequences=True), (2, 5, 4)),
    Row(lambda: L.GRU(3, reset_after=False), (2, 5, 4), id="GRU(reset_after=False)"),
    Row(lambda: L.RNN(L.SimpleRNNCell(3)), (2, 5, 4), id="SimpleRNNCell"),
    Row(lambda: L.RNN(L.LSTMCell(3), return_sequences=True), (2, 5, 4), id="LSTMCell"),
    Row(lambda: L.RNN(L.GRUCell(3)), (2, 5, 4), id="GRUCell"),
    Row(lambda: L.RNN(L.StackedRNNCells([L.LSTMCell(3), L.GRUCell(2)])), (2, 5, 4), id="StackedRNNCells"),
    Row(lambda: L.RNN(L.LSTMCell(3), go_backwards=True), (2, 5, 4), id="RNN"),
    Row(lambda: L.Bidirectional(L.LSTM(3, return_sequences=True), merge_mode="sum"), (2, 5, 4)),
    Row(lambda: L.TimeDistributed(L.Dense(3)), (2, 5, 4)),
    Row(lambda: L.ConvLSTM1D(3, 2, padding="same", return_sequences=True), (2, 4, 6, 2)),
    Row(lambda: L.ConvLSTM2D(2, 3, go_backwards=True), (2, 3, 5, 5, 2)),
    Row(lambda: L.ConvLSTM3D(2, 2, padding="same", data_format="channels_first"), (1, 3, 2, 3, 3, 3)),
    # ConvLSTMCell is not public in Keras (no config entry resolves to it): no config round trip.
    Row(lambda: L.RNN(ConvLSTMCell(2, 2, 3, padding="same")), (2, 3, 4, 4, 2), config=False, id="ConvLSTMCell"),
    Row(lambda: L.BatchNormalization(renorm=True, renorm_clipping={"rmax": 2.0}), (4, 5, 5, 3),
        id="BatchNormalization(renorm=True)"),
    Row(lambda: DoubledOutput(L.Dense(3)), (2, 4), id="Wrapper"),
    Row(lambda: SelfAttention(), (2, 5, 4), id="MultiHeadAttention"),
    Row(lambda: GroupedSelfAttention(), (2, 5, 4), id="GroupQueryAttention"),
    Row(lambda: L.Attention(use_scale=True, score_mode="concat"), [(2, 3, 4), (2, 5, 4)]),
    Row(lambda: L.AdditiveAttention(), [(2, 3, 4), (2, 5, 4)]),
    # activation layers and preprocessing
    Row(lambda: L.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.2), (2, 3)),
    Row(lambda: L.LeakyReLU(negative_slope=0.1), (2, 3)),
    Row(lambda: L.PReLU(alpha_initializer="ones", shared_axes=[1]), (2, 4, 3)),
    Row(lambda: L.ELU(alpha=0.5), (2, 3)),
    Row(lambda: L.Softmax(axis=[1, 2]), (2, 3, 4)),
    Row(lambda: L.Rescaling(1 / 255.0, offset=[0.1, 0.2, 0.3]), (2, 4, 3)),
    # image preprocessing (the harness calls with training=False: Keras's inference behaviour)
    Row(lambda: L.Resizing(5, 6, crop_to_aspect_ratio=True), (2, 8, 7, 3)),
    Row(lambda: L.CenterCrop(5, 6), (2, 8, 7, 3)),
    Row(lambda: L.RandomCrop(5, 6, seed=1), (2, 8, 7, 3)),
    Row(lambda: L.RandomFlip("horizontal", seed=1), (2, 8, 7, 3)),
    Row(lambda: L.RandomRotation(0.2, fill_mode="constant", seed=1), (2, 8, 7, 3)),
    Row(lambda: L.RandomZoom(0.2, (-0.1, 0.3), seed=1), (2, 8, 7, 3)),
    Row(lambda: L.RandomTranslation(0.1, 0.2, seed=1, data_format="channels_first"), (2, 3, 8, 7)),
    Row(lambda: L.RandomShear(0.2, 0.1, seed=1), (2, 8, 7, 3)),
    Row(lambda: L.RandomBrightness(0.2, seed=1), (2, 8, 7, 3)),
    Row(lambda: L.RandomContrast(0.3, seed=1), (2, 8, 7, 3)),
    Row(lambda: L.RandomInvert(0.5, value_range=(0, 1)), (2, 8, 7, 3)),
    Row(lambda: L.Solarization(0.2, (0.3, 0.6)), (2, 8, 7, 3)),
    Row(lambda: L.RandomPosterization(4), (2, 8, 7, 3)),
    Row(lambda: L.RandomColorDegeneration(0.4), (2, 8, 7, 3)),
    Row(lambda: L.RandomGrayscale(0.3), (2, 8, 7, 3)),
    Row(lambda: L.AutoContrast(value_range=(-3, 3)), (2, 8, 7, 3)),
    Row(lambda: L.MixUp(seed=1), (2, 8, 7, 3)),
    Row(lambda: L.CutMix(seed=1), (2, 8, 7, 3)),
    Row(lambda: L.RandomErasing(seed=1), (2, 8, 7, 3)),
    Row(lambda: L.MaxNumBoundingBoxes(4), (2, 8, 7, 3)),
    Row(lambda: L.RandomColorJitter(brightness_factor=0.2, contrast_factor=0.2, saturation_factor=0.5,
                                    hue_factor=0.1, seed=1), (2, 8, 7, 3)),
    Row(lambda: L.RandomHue(0.2, seed=1), (2, 8, 7, 3)),
    Row(lambda: L.RandomSaturation(0.3, seed=1), (2, 8, 7, 3)),
    Row(lambda: L.RandomGaussianBlur(seed=1), (2, 8, 7, 3)),
    Row(lambda: L.RandomSharpness(0.3, seed=1), (2, 8, 7, 3)),
    Row(lambda: L.Equalization(), (2, 8, 7, 3)),
    Row(lambda: L.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2)), (2, 8, 7, 3)),
    Row(lambda: L.AugMix(seed=1), (2, 8, 7, 3)),
    Row(lambda: L.RandAugment(seed=1), (2, 8, 7, 3)),
    Row(lambda: L.RandomPerspective(seed=1), (2, 8, 7, 3)),
    Row(lambda: L.RandomElasticTransform(seed=1), (2, 8, 7, 3)),
    # text, lookup and structured data (strings through the EncodedNoise adapter)
    Row(lambda: L.Discretization(bin_boundaries=[-0.5, 0.0, 0.5]), (2, 3)),
    Row(lambda: L.MelSpectrogram(num_mel_bins=8, fft_length=32, sequence_stride=8), (2, 100)),
    Row(lambda: L.STFTSpectrogram(frame_length=16, frame_step=8), (2, 64, 2)),
    Row(lambda: L.Pipeline([L.Rescaling(2.0), L.Dense(3, name="pipeline_dense")]), (2, 3)),
    Row(lambda: EncodedNoise("CategoryEncoding"), (2, 3), id="CategoryEncoding"),
    Row(lambda: EncodedNoise("IntegerLookup"), (2, 3), id="IntegerLookup"),
    Row(lambda: EncodedNoise("StringLookup"), (2, 3), id="StringLookup"),
    Row(lambda: EncodedNoise("Hashing"), (2, 1), id="Hashing"),
    Row(lambda: EncodedNoise("HashedCrossing"), (2, 1), id="HashedCrossing"),
    Row(lambda: EncodedNoise("TextVectorization"), (2, 1), id="TextVectorization"),
]

_IDS = [row.id for row in ROWS]


def _inputs(row, seed=0):
    generator = torch.Generator().manual_seed(seed)
    shapes = row.shape if isinstance(row.shape, list) else [row.shape]
    tensors = [torch.randn(s, generator=generator).to(row.dtype) for s in shapes]
    return tensors if isinstance(row.shape, list) else tensors[0]


def _call(layer, x, row=None):
    return layer(x, training=False) if _takes_training(layer) else layer(x)


def _takes_training(layer):
    return not isinstance(layer, (L.TorchOp,))


def _randomize(layer):
    """Non-default weights, so the round trips are not trivially equal."""
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for w in layer.weights:
            if w.dtype.is_floating_point:
                w.copy_(torch.rand(w.shape, generator=generator) + 0.5)


def _built(row, x):
    layer = row.factory()
    _call(layer, x, row)
    _randomize(layer)
    return layer


def _batchless(shape):
    return [(None,) + tuple(s[1:]) for s in shape] if isinstance(shape, list) else (None,) + tuple(shape[1:])


def _shape_tuple(shape):
    return tuple(shape) if not isinstance(shape, list) else [tuple(s) for s in shape]


def test_every_exported_layer_has_a_row():
    # By class: Keras's alias names (MaxPool2D for MaxPooling2D) share a row with their class.
    exported = {getattr(L, name).__name__ for name in L.__all__ if inspect.isclass(getattr(L, name))
                and issubclass(getattr(L, name), L.Layer) and name not in ("Layer", "InputLayer")}
    covered = {row.id for row in ROWS}
    assert not exported - covered, f"add harness rows for: {sorted(exported - covered)}"


@pytest.mark.parametrize("row", ROWS, ids=_IDS)
def test_output_shapes_agree(row):
    x = _inputs(row)
    layer = row.factory()
    batchless = _batchless(row.shape)
    symbolic_out = layer(_symbolic(batchless))
    assert layer.built
    eager = _call(layer, x, row)
    expected = tuple(eager.shape)
    assert tuple(symbolic_out.shape) == (None,) + expected[1:]
    assert tuple(layer.compute_output_shape(_shape_tuple(row.shape))) == expected
    assert tuple(layer.compute_output_shape(batchless)) == (None,) + expected[1:]


@pytest.mark.parametrize("row", [r for r in ROWS if r.config], ids=[r.id for r in ROWS if r.config])
def test_config_round_trip(row):
    layer = _built(row, _inputs(row))
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config


def _fresh_like(row, layer):
    return type(layer).from_config(layer.get_config()) if row.config else row.factory()


def _symbolic(shape):
    return [keras.Input(batch_shape=s) for s in shape] if isinstance(shape, list) else keras.Input(batch_shape=shape)


@pytest.mark.parametrize("row", ROWS, ids=_IDS)
def test_state_dict_round_trip(row):
    x = _inputs(row)
    layer = _built(row, x)
    fresh = _fresh_like(row, layer)
    _call(fresh, x, row)
    fresh.load_state_dict(layer.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(_call(fresh, x, row), _call(layer, x, row), rtol=0, atol=0)


@pytest.mark.parametrize("row", ROWS, ids=_IDS)
def test_pickle_round_trip(row):
    x = _inputs(row)
    layer = _built(row, x)
    clone = pickle.loads(pickle.dumps(layer))
    with torch.no_grad():
        torch.testing.assert_close(_call(clone, x, row), _call(layer, x, row), rtol=0, atol=0)


@pytest.mark.parametrize("row", ROWS, ids=_IDS)
def test_gradients_reach_trainable_weights(row):
    x = _inputs(row)
    layer = _built(row, x)
    out = _call(layer, x, row)
    if not out.requires_grad:
        assert not layer.trainable_weights  # weightless layers: nothing to reach
        return
    (out.float() ** 2).sum().backward()
    for w in layer.trainable_weights:
        assert w.grad is not None, f"{row.id}: no gradient for {getattr(w, 'path', 'weight')}"
        assert torch.isfinite(w.grad).all()
        assert np.any(w.grad.numpy() != 0), f"{row.id}: zero gradient for {getattr(w, 'path', 'weight')}"
