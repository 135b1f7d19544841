"""Saves six architectures with lamina for the Keras cross-check (see run.sh)."""
import numpy as np, torch, lamina as keras
from lamina import layers
torch.manual_seed(0); rng = np.random.default_rng(0)
import sys; out = sys.argv[1].rstrip("/") + "/"
def save(name, model, inputs):
    model.save(out + name + ".keras")
    with torch.no_grad():
        res = model(inputs if not isinstance(inputs, np.ndarray) else torch.from_numpy(inputs))
    if isinstance(res, dict): res = [res[k] for k in model.output_names]
    if not isinstance(res, (list, tuple)): res = [res]
    ins = inputs if isinstance(inputs, (list, dict)) else [inputs]
    if isinstance(ins, dict): ins = [ins[k] for k in model.input_names]
    np.savez(out + name + ".npz", **{f"in_{i}": np.asarray(v) for i, v in enumerate(ins)},
             **{f"out_{i}": r.numpy() for i, r in enumerate(res)})
# 1 residual functional
x = keras.Input(shape=(20,), name="features"); h = layers.Dense(32, activation="relu")(x); h = layers.Dropout(0.3)(h)
s = layers.Dense(32)(x); o = layers.Dense(10, activation="softmax")(layers.Activation("relu")(layers.Add()([h, s])))
save("residual", keras.Model(x, o), rng.standard_normal((4, 20)).astype("float32"))
# 2 multi-task dict
t = keras.Input(shape=(12,), name="text_features"); m = keras.Input(shape=(5,), name="metadata")
mm = layers.Dense(8, activation="relu")(layers.Concatenate()([layers.Dense(8)(t), layers.Dense(4)(m)]))
model = keras.Model({"text_features": t, "metadata": m}, {"sentiment": layers.Dense(1, activation="sigmoid", name="sentiment")(mm), "topic": layers.Dense(3, activation="softmax", name="topic")(mm)})
save("multitask", model, {"text_features": torch.randn(3, 12), "metadata": torch.randn(3, 5)})
# 3 CNN sequential
seq = keras.Sequential([keras.Input(shape=(16, 16, 3)), layers.Conv2D(8, 3, padding="same", activation="relu"), layers.BatchNormalization(),
    layers.MaxPooling2D(), layers.SeparableConv2D(6, 3, strides=2, padding="same"), layers.Conv2DTranspose(4, 3, strides=2, padding="same"),
    layers.GlobalAveragePooling2D(), layers.Dense(3)])
seq.compile(optimizer="adam", loss="mse"); seq.fit(rng.standard_normal((16, 16, 16, 3)).astype("float32"), rng.standard_normal((16, 3)).astype("float32"), epochs=1, verbose=0)
save("cnn", seq, rng.standard_normal((2, 16, 16, 3)).astype("float32"))
# 4 text LSTM with mask + meta
ti = keras.Input(shape=(None,), dtype="int32", name="text_input"); mi = keras.Input(shape=(5,), name="meta_input")
e = layers.Embedding(100, 16, mask_zero=True)(ti); l = layers.LSTM(8)(e); g = layers.Bidirectional(layers.GRU(4, return_sequences=True))(e)
gp = layers.GlobalAveragePooling1D()(g)
o = layers.Dense(2, activation="softmax", name="output")(layers.concatenate([l, gp, layers.Dense(4, activation="relu")(mi)]))
save("text", keras.Model([ti, mi], o), [np.array([[3, 5, 7, 0, 0], [9, 0, 0, 0, 0]], dtype="int32"), rng.standard_normal((2, 5)).astype("float32")])
# 5 siamese shared + nested
inner_in = keras.Input(shape=(8,)); inner = keras.Model(inner_in, layers.Dense(4, activation="tanh")(inner_in), name="encoder")
a = keras.Input(shape=(8,), name="left"); b = keras.Input(shape=(8,), name="right")
d = layers.Subtract()([inner(a), inner(b)])
save("siamese", keras.Model([a, b], layers.Dense(1, name="same")(d)), [rng.standard_normal((3, 8)).astype("float32"), rng.standard_normal((3, 8)).astype("float32")])
# 6 attention block
sq = keras.Input(shape=(6, 16)); att = layers.MultiHeadAttention(num_heads=2, key_dim=8)(sq, sq)
y = layers.LayerNormalization()(layers.Add()([sq, att])); y = layers.GlobalAveragePooling1D()(y)
save("attention", keras.Model(sq, layers.Dense(3)(y)), rng.standard_normal((2, 6, 16)).astype("float32"))
print("saved")
