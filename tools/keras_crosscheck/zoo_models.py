"""The architectures of the cross-check, written once for both frameworks.

`make(keras)` returns `{name: build}` where `build()` gives `(model, inputs)`; `keras` is either
`lamina` or real Keras 3, and the same code builds the same model in each (layer names included,
after `clear_session`). Used by `zoo.py` (save/load/rebuild across the two frameworks) and by
lamina's tests (summaries compared with Keras's text in tests/models/keras_summaries/).
"""

import numpy as np

_MADE = {}


def make(keras, adapt=True):
    """The builders for `keras` (`adapt=False` leaves Normalization layers to get their statistics
    from weights, as when rebuilding a saved model)."""
    key = (keras.__name__, adapt)
    if key not in _MADE:
        _MADE[key] = _define(keras, adapt)
    return _MADE[key]


def _define(keras, adapt):
    layers = keras.layers
    rng = np.random.default_rng(0)

    def normal(*shape):
        return rng.normal(size=shape).astype("float32")


    def conv1d_family():
        x = keras.Input((16, 4))
        h = layers.Conv1D(6, 3, padding="causal", dilation_rate=2, activation="relu")(x)
        h = layers.SeparableConv1D(5, 3, padding="same", depth_multiplier=2)(h)
        h = layers.DepthwiseConv1D(3, strides=2, padding="valid")(h)
        h = layers.Conv1DTranspose(4, 3, strides=2, padding="same")(h)
        h = layers.MaxPooling1D(3, strides=2, padding="same")(h)
        h = layers.AveragePooling1D(2, padding="same")(h)
        h = layers.UpSampling1D(3)(h)
        h = layers.ZeroPadding1D((1, 2))(h)
        h = layers.Cropping1D((2, 1))(h)
        return keras.Model(x, [layers.GlobalMaxPooling1D()(h), layers.GlobalAveragePooling1D()(h)]), normal(2, 16, 4)


    def conv2d_channels_first():
        x = keras.Input((3, 12, 10))
        cf = "channels_first"
        h = layers.Conv2D(6, (3, 2), strides=(1, 2), padding="same", data_format=cf)(x)
        h = layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", data_format=cf)(h)
        h = layers.MaxPooling2D((2, 2), data_format=cf)(h)
        h = layers.SeparableConv2D(4, 3, padding="same", data_format=cf)(h)
        h = layers.UpSampling2D(2, interpolation="bilinear", data_format=cf)(h)
        h = layers.ZeroPadding2D(((1, 0), (2, 1)), data_format=cf)(h)
        h = layers.Cropping2D(((0, 1), (1, 1)), data_format=cf)(h)
        h = layers.Conv2DTranspose(3, 3, strides=2, padding="valid", data_format=cf)(h)
        h = layers.AveragePooling2D(3, strides=2, padding="same", data_format=cf)(h)
        return keras.Model(x, layers.GlobalAveragePooling2D(data_format=cf, keepdims=True)(h)), normal(2, 3, 12, 10)


    def conv3d_family():
        x = keras.Input((8, 8, 6, 2))
        h = layers.Conv3D(4, 3, strides=(2, 1, 1), padding="same", groups=2)(x)
        h = layers.Conv3DTranspose(3, 2, strides=2)(h)
        h = layers.MaxPooling3D(2, padding="same")(h)
        h = layers.AveragePooling3D((2, 2, 1))(h)
        h = layers.UpSampling3D((1, 2, 2))(h)
        h = layers.ZeroPadding3D(1)(h)
        h = layers.Cropping3D(((1, 0), (0, 1), (1, 1)))(h)
        h = layers.SpatialDropout3D(0.5)(h)
        return keras.Model(x, layers.GlobalMaxPooling3D()(h)), normal(2, 8, 8, 6, 2)


    def normalizations():
        x = keras.Input((6, 8))
        norm = layers.Normalization(axis=-1)
        if adapt:
            norm.adapt(normal(40, 6, 8) * 3 + 1)
        h = norm(x)
        h = layers.GroupNormalization(groups=4, epsilon=1e-3)(h)
        h = layers.LayerNormalization(axis=[1, 2], center=False)(h)
        h = layers.BatchNormalization(axis=1, momentum=0.9, scale=False)(h)
        h = layers.UnitNormalization()(h)
        h = layers.Dense(4, kernel_regularizer="l2", kernel_constraint=keras.constraints.MaxNorm(2.0))(h)
        return keras.Model(x, h), normal(3, 6, 8)


    def recurrent():
        x = keras.Input((7, 5))
        masked = layers.Masking(mask_value=0.0)(x)
        a = layers.SimpleRNN(4, return_sequences=True, go_backwards=True)(masked)
        b = layers.GRU(3, reset_after=False, return_sequences=True)(masked)
        c, h_state, c_state = layers.LSTM(6, return_state=True)(masked)
        d = layers.Bidirectional(layers.LSTM(3, return_sequences=True), merge_mode="sum")(masked)
        e = layers.Bidirectional(layers.GRU(2), merge_mode="ave")(masked)
        f = layers.RNN(layers.LSTMCell(3))(layers.TimeDistributed(layers.Dense(4))(x))
        g = layers.Bidirectional(layers.SimpleRNN(2), merge_mode="mul")(x)
        merged = layers.concatenate([layers.Flatten()(a), layers.Flatten()(b), layers.Flatten()(d), c, h_state,
                                     c_state, e, f, g])
        data = normal(2, 7, 5)
        data[0, 5:] = 0.0  # masked tail
        return keras.Model(x, merged), data


    def attention():
        q = keras.Input((5, 8))
        v = keras.Input((7, 6))
        mha = layers.MultiHeadAttention(num_heads=3, key_dim=4, value_dim=5, output_shape=(9,))
        out_a, scores = mha(q, v, return_attention_scores=True)
        causal = layers.MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.1)(q, q, use_causal_mask=True)
        dot = layers.Attention(use_scale=True)([q, layers.Dense(8)(v)])
        concat = layers.Attention(score_mode="concat")([q, layers.Dense(8)(v)])
        additive = layers.AdditiveAttention()([q, layers.Dense(8)(v)])
        return keras.Model([q, v], [out_a, scores, causal, dot, concat, additive]), [normal(2, 5, 8), normal(2, 7, 6)]


    def reshaping_and_merges():
        a = keras.Input((4, 6), name="a")
        b = keras.Input((24,), name="b")
        h = layers.Permute((2, 1))(a)
        h = layers.Reshape((-1,))(h)
        r = layers.RepeatVector(3)(layers.Dense(5)(b))
        merged = [layers.maximum([h, b]), layers.minimum([h, b]), layers.average([h, b]), layers.multiply([h, b]),
                  layers.subtract([h, b])]
        dot = layers.Dot(axes=1, normalize=True)([layers.Dense(6)(h), layers.Dense(6)(b)])
        out = layers.Concatenate(axis=-1)(merged + [dot])
        return keras.Model({"a": a, "b": b}, {"merged": out, "repeated": r}), {"a": normal(2, 4, 6), "b": normal(2, 24)}


    def embedding_masked_pooling():
        tokens = keras.Input((6,), dtype="int32")
        e = layers.Embedding(20, 5, mask_zero=True)(tokens)
        pooled = layers.GlobalAveragePooling1D()(e)
        lstm = layers.LSTM(4, return_sequences=True)(e)
        attended = layers.MultiHeadAttention(num_heads=2, key_dim=3)(lstm, lstm)
        data = np.array([[3, 4, 5, 0, 0, 0], [7, 1, 2, 9, 11, 0]], dtype="int32")
        return keras.Model(tokens, [pooled, layers.GlobalAveragePooling1D()(attended)]), data


    def shared_and_nested():
        block = keras.Sequential([layers.Dense(6, activation="gelu"), layers.Dropout(0.2), layers.Dense(6)], name="block")
        x = keras.Input((6,))
        h = x
        for _ in range(3):  # one Sequential applied three times: shared weights, three nodes
            h = layers.Add()([h, block(h)])
        inner = keras.Model(x, h, name="inner")
        y = keras.Input((6,))
        z = keras.Input((6,))
        out = layers.Dense(2, activation="softmax")(layers.concatenate([inner(y), inner(z)]))
        return keras.Model([y, z], out), [normal(3, 6), normal(3, 6)]


    def noise_and_activations():
        x = keras.Input((6, 10))
        h = layers.Rescaling(0.5, offset=-0.25)(x)
        h = layers.GaussianNoise(0.3)(h)
        h = layers.GaussianDropout(0.3)(h)
        h = layers.AlphaDropout(0.3)(h)
        h = layers.Dense(8, activation="selu", kernel_initializer="lecun_normal")(h)
        h = layers.Activation("swish")(h)
        h = layers.LeakyReLU(negative_slope=0.1)(h)
        h = layers.PReLU(alpha_initializer=keras.initializers.Constant(0.25), shared_axes=[1])(h)
        h = layers.ELU(alpha=0.7)(h)
        h = layers.ReLU(max_value=2.0, negative_slope=0.05, threshold=0.1)(layers.Dense(8)(h))
        h = layers.ActivityRegularization(l1=0.01)(h)
        soft = layers.Softmax(axis=[1, 2])(h)
        out = layers.Dense(3, activation="log_softmax")(h)
        return keras.Model(x, [out, soft, layers.Softmax()(h)]), normal(4, 6, 10)


    def ops_in_graph():
        # keras.ops calls on symbolic tensors; lamina users write the same through torch, so only
        # the Keras -> lamina direction exists for these (run with `keras save`).
        if keras.__name__ != "keras":
            raise NotImplementedError("built with keras.ops: only Keras writes it")
        ops = keras.ops
        x = keras.Input((5, 4))
        h = layers.Dense(4)(x)
        s = ops.sum(h, axis=1, keepdims=True) - ops.max(h, axis=1, keepdims=True) * ops.mean(h, keepdims=True)
        t = ops.transpose(ops.expand_dims(ops.squeeze(s, axis=1), 1), (0, 2, 1))
        c = ops.concatenate([ops.abs(h), ops.sqrt(ops.square(h) + 1.0), ops.clip(h, -0.5, 0.5)], axis=-1)
        r = ops.reshape(ops.cast(c, "float32"), (-1, 5 * 12))
        e = ops.einsum("bij,bkj->bik", h, h)
        return keras.Model(x, [t, r, e, ops.softmax(e, axis=-1), ops.where(h > 0, h, ops.exp(h) - 1)]), normal(2, 5, 4)


    @keras.saving.register_keras_serializable(package="zoo")
    class ScaledInner(layers.Layer):
        """A custom layer holding a sub-layer and an initializer, stored with serialize_keras_object."""

        def __init__(self, inner, scale_initializer="ones", **kwargs):
            super().__init__(**kwargs)
            self.inner = inner
            self.scale_initializer = keras.initializers.get(scale_initializer)

        def build(self, input_shape):
            self.scale = self.add_weight(name="scale", shape=(1,), initializer=self.scale_initializer)

        def call(self, x):
            return self.inner(x) * self.scale

        def get_config(self):
            return {**super().get_config(), "inner": keras.saving.serialize_keras_object(self.inner),
                    "scale_initializer": keras.saving.serialize_keras_object(self.scale_initializer)}

        @classmethod
        def from_config(cls, config):
            config["inner"] = keras.saving.deserialize_keras_object(config["inner"])
            config["scale_initializer"] = keras.saving.deserialize_keras_object(config["scale_initializer"])
            return cls(**config)


    @keras.saving.register_keras_serializable(package="zoo")
    class TwoTower(keras.Model):
        """A subclassed model whose config is its constructor's plain arguments."""

        def __init__(self, units=4, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.left = layers.Dense(units, activation="relu")
            self.right = layers.Dense(units)
            self.head = layers.Dense(2)

        def call(self, x):
            return self.head(self.left(x) + self.right(x))

        def get_config(self):
            return {**super().get_config(), "units": self.units}


    def custom_layer():
        x = keras.Input((5,))
        h = ScaledInner(layers.Dense(3, activation="tanh"), keras.initializers.Constant(1.5))(x)
        return keras.Model(x, h), normal(2, 5)


    def subclassed_model():
        model = TwoTower(units=6)
        data = normal(3, 7)
        model(data)  # builds the weights
        return model, data


    def sequential_lazy():
        # No Input: built by its first call, as in the seed documents' Sequential examples.
        model = keras.Sequential([layers.Dense(7, activation="elu"), layers.Reshape((7, 1)),
                                  layers.Conv1D(3, 3, padding="same", use_bias=False),
                                  layers.BatchNormalization(center=False), layers.GlobalMaxPooling1D(),
                                  layers.Dense(2)])
        data = normal(3, 5)
        model(data)
        return model, data

    def video_time_distributed():
        x = keras.Input((4, 8, 8, 2))
        h = layers.TimeDistributed(layers.Conv2D(3, 3, padding="same", activation="relu"))(x)
        h = layers.TimeDistributed(layers.MaxPooling2D())(h)
        h = layers.TimeDistributed(layers.GlobalAveragePooling2D())(h)
        seq, state_f, state_b = layers.Bidirectional(layers.GRU(4, return_sequences=True, return_state=True))(h)
        stacked = layers.RNN(layers.StackedRNNCells([layers.GRUCell(3), layers.SimpleRNNCell(2)]))(seq)
        return keras.Model(x, [stacked, state_f, state_b]), normal(2, 4, 8, 8, 2)

    def unet_small():
        x = keras.Input((16, 16, 3))
        c1 = layers.Conv2D(4, 3, padding="same", activation="relu")(x)
        p1 = layers.MaxPooling2D()(c1)
        c2 = layers.Conv2D(8, 3, padding="same", activation="relu", dilation_rate=2)(p1)
        p2 = layers.AveragePooling2D(2)(c2)
        b = layers.DepthwiseConv2D(3, padding="same", activation="relu6")(p2)
        u2 = layers.Conv2DTranspose(8, 2, strides=2)(b)
        m2 = layers.concatenate([u2, c2])
        u1 = layers.UpSampling2D(2, interpolation="bilinear")(layers.Conv2D(4, 1)(m2))
        m1 = layers.Concatenate(axis=-1)([u1, c1])
        out = layers.Conv2D(2, 1, activation="softmax", kernel_initializer="he_normal")(m1)
        return keras.Model(x, out), normal(2, 16, 16, 3)

    def transformer_block():
        tokens = keras.Input((10,), dtype="int32")
        e = layers.Embedding(50, 16)(tokens)
        attn = layers.MultiHeadAttention(num_heads=4, key_dim=4, dropout=0.1)(e, e, use_causal_mask=True)
        h = layers.LayerNormalization(epsilon=1e-6)(layers.add([e, layers.Dropout(0.1)(attn)]))
        ff = layers.Dense(16)(layers.Dense(32, activation="gelu")(h))
        h = layers.LayerNormalization(epsilon=1e-6)(layers.add([h, ff]))
        return keras.Model(tokens, layers.Dense(5)(layers.GlobalAveragePooling1D()(h))), \
            rng.integers(0, 50, size=(3, 10)).astype("int32")

    def seq2seq():
        # Encoder states handed to decoders through `initial_state`, masked (right-padded) inputs.
        source = keras.Input((6,), dtype="int32", name="source")
        target = keras.Input((5,), dtype="int32", name="target")
        _, h, c = layers.LSTM(8, return_state=True)(layers.Embedding(30, 6, mask_zero=True)(source))
        decoded = layers.LSTM(8, return_sequences=True)(layers.Embedding(30, 6, mask_zero=True)(target),
                                                        initial_state=[h, c])
        gru_out = layers.GRU(8, return_sequences=True)(decoded, initial_state=h)
        probs = layers.TimeDistributed(layers.Dense(30, activation="softmax"))(gru_out)
        data = {"source": np.array([[4, 5, 6, 0, 0, 0], [1, 2, 3, 4, 5, 6]], dtype="int32"),
                "target": np.array([[7, 8, 0, 0, 0], [9, 10, 11, 12, 0]], dtype="int32")}
        return keras.Model({"source": source, "target": target}, probs), data

    def siamese_and_axes_attention():
        # A shared encoder on two inputs, and attention over one axis of a rank-4 input with an
        # explicit mask that leaves some query rows with no key at all (dropout > 0: Keras's
        # masked-Softmax path, where such rows attend to nothing).
        encoder = keras.Sequential([layers.Dense(8, activation="relu"), layers.Dense(4)], name="encoder")
        left, right = keras.Input((5,), name="left"), keras.Input((5,), name="right")
        distance = layers.Dense(1, activation="sigmoid")(layers.subtract([encoder(left), encoder(right)]))
        grid = keras.Input((3, 4, 6), name="grid")
        mask = keras.Input((3, 4, 4), dtype="bool", name="mask")
        attended = layers.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(2,), dropout=0.2)(
            grid, grid, attention_mask=mask)
        keep = rng.random((2, 3, 4, 4)) > 0.4
        keep[0, 1, 2] = False
        inputs = {"left": normal(2, 5), "right": normal(2, 5), "grid": normal(2, 3, 4, 6), "mask": keep}
        return keras.Model(inputs={k: v for k, v in zip(("left", "right", "grid", "mask"),
                                                          (left, right, grid, mask))},
                           outputs=[distance, attended]), inputs

    def masks_everywhere():
        # Masks through Dense, Bidirectional, merges, masked pooling, Attention and a backwards LSTM,
        # with padding at the end of one row and in the middle of another.
        x = keras.Input((6, 4))
        masked = layers.Masking()(x)
        dense = layers.Dense(5, activation="tanh")(masked)
        both = layers.Bidirectional(layers.LSTM(3, return_sequences=True), merge_mode="concat")(dense)
        merged = layers.concatenate([both, dense])
        pooled_max = layers.GlobalMaxPooling1D()(merged)
        pooled_avg = layers.GlobalAveragePooling1D()(merged)
        attended = layers.Attention()([both, both])
        backwards = layers.LSTM(2, go_backwards=True)(dense)
        gru_states = layers.Bidirectional(layers.GRU(2, return_state=True))(dense)
        data = normal(2, 6, 4)
        data[0, 4:] = 0.0
        data[1, 2] = 0.0
        return keras.Model(x, [pooled_max, pooled_avg, layers.GlobalAveragePooling1D()(attended), backwards]
                           + list(gru_states)), data

    def padding_cropping_upsampling():
        x = keras.Input((6, 8, 3))
        h = layers.ZeroPadding2D(((1, 2), (0, 3)))(x)
        h = layers.Cropping2D(((2, 0), (1, 1)))(h)
        h = layers.UpSampling2D((2, 1))(h)
        h = layers.SeparableConv2D(4, (3, 2), strides=(2, 1), depth_multiplier=2, padding="same")(h)
        h = layers.SpatialDropout2D(0.3)(h)
        v = keras.Input((4, 4, 4, 2))
        w = layers.ZeroPadding3D((1, 0, 2))(v)
        w = layers.Cropping3D(((0, 1), (1, 0), (2, 2)))(w)
        w = layers.UpSampling3D(2)(w)
        w = layers.Conv3DTranspose(2, 3, strides=2, padding="same", output_padding=1)(w)
        s = keras.Input((7, 3))
        t = layers.Cropping1D((1, 2))(layers.ZeroPadding1D(2)(s))
        t = layers.Conv1DTranspose(4, 3, strides=2, dilation_rate=1)(layers.UpSampling1D(3)(t))
        t = layers.DepthwiseConv1D(3, depth_multiplier=2, padding="same")(t)
        return keras.Model([x, v, s], [h, w, t]), [normal(2, 6, 8, 3), normal(2, 4, 4, 4, 2), normal(2, 7, 3)]

    def all_activations():
        # Every activation Keras resolves by name, but `threshold` (it needs arguments) and
        # `sparsemax`: Keras 3.15 computes its threshold from the sum of the support's cumulative
        # sums, so its outputs do not sum to 1 ([1, .9, 0] -> [.05, 0, 0]); lamina's are the
        # projection onto the simplex ([.55, .45, 0]).
        names = ["relu", "leaky_relu", "relu6", "softmax", "celu", "elu", "selu", "softplus", "softsign",
                 "squareplus", "soft_shrink", "sparse_plus", "silu", "gelu", "glu", "tanh", "tanh_shrink",
                 "sigmoid", "sparse_sigmoid", "exponential", "hard_sigmoid", "hard_silu", "hard_tanh",
                 "hard_shrink", "linear", "mish", "log_softmax", "log_sigmoid", "swish",
                 "hard_swish"]
        x = keras.Input((8,))
        h = layers.Dense(8)(x)
        branches = [layers.Activation(name, name=f"act_{name}")(h) for name in names]
        return keras.Model(x, layers.concatenate(branches)), normal(4, 8) * 2

    def mask_edge_cases():
        # Masks through TimeDistributed and a backwards GRU, dropped by Conv1D, a masked merge, and
        # an Embedding whose mask reaches a Bidirectional LSTM with padding in the middle.
        x = keras.Input((5, 3))
        masked = layers.Masking(mask_value=0.0)(x)
        td = layers.TimeDistributed(layers.Dense(4, activation="relu"))(masked)
        back = layers.GRU(3, return_sequences=True, go_backwards=True)(td)
        added = layers.add([back, layers.Dense(3)(td)])
        conv = layers.Conv1D(2, 2, padding="same")(added)
        after_conv = layers.SimpleRNN(2)(conv)
        pooled = layers.GlobalMaxPooling1D()(added)
        tokens = keras.Input((6,), dtype="int32")
        emb = layers.Embedding(12, 4, mask_zero=True)(tokens)
        bi = layers.Bidirectional(layers.LSTM(2))(emb)
        data = normal(2, 5, 3)
        data[0, 3:] = 0.0
        data[1, 1] = 0.0
        ids = np.array([[3, 0, 4, 5, 0, 0], [1, 2, 3, 4, 5, 6]], dtype="int32")
        return keras.Model([x, tokens], [after_conv, pooled, bi, layers.GlobalAveragePooling1D()(added)]), [data, ids]

    MODELS = {f.__name__: f for f in (conv1d_family, conv2d_channels_first, conv3d_family, normalizations, recurrent,
                                       attention, reshaping_and_merges, embedding_masked_pooling, shared_and_nested,
                                       noise_and_activations, ops_in_graph, custom_layer, subclassed_model, sequential_lazy,
                                       video_time_distributed, unet_small, transformer_block, seq2seq,
                                       siamese_and_axes_attention, masks_everywhere, padding_cropping_upsampling,
                                       all_activations, mask_edge_cases)}

    return MODELS
