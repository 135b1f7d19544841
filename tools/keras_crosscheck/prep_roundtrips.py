"""lamina -> Keras checks for the STFTSpectrogram and HashedCrossing files (Keras -> lamina is in
the tests). Three steps, each in its own interpreter:

    PYTHONPATH=<repo> <lamina venv>/bin/python prep_roundtrips.py write DIR
    KERAS_BACKEND=jax <keras venv>/bin/python prep_roundtrips.py stft DIR
    KERAS_BACKEND=tensorflow <keras+tf venv>/bin/python prep_roundtrips.py cross DIR
(FeatureSpace and vocabulary assets: feature_space.py / lookup_assets.py `check`.)
"""

import json
import sys

import numpy as np

STEP, FOLDER = sys.argv[1], sys.argv[2]
CROSS_INPUTS = [np.array([["x"], ["y"], ["x"]]), np.array([[1], [2], [3]])]

if STEP == "write":
    import torch

    import lamina as keras

    x = np.random.default_rng(0).uniform(-1, 1, (2, 300, 2)).astype("float32")
    inputs = keras.Input((300, 2))
    stft = keras.layers.STFTSpectrogram(mode="log", frame_length=32, frame_step=16, padding="same", name="stft")
    model = keras.Model(inputs, keras.layers.Dense(3, name="head")(stft(inputs)))
    with torch.no_grad():
        stft.real_kernel.mul_(1.5)  # the file must carry the kernels, not re-create them
    np.savez(f"{FOLDER}/stft_io.npz", x=x, y=model(torch.from_numpy(x)).detach().numpy())
    model.save(f"{FOLDER}/stft.keras")
    a = keras.Input((1,), dtype="string", name="a")
    b = keras.Input((1,), dtype="int64", name="b")
    cross = keras.Model([a, b], keras.layers.HashedCrossing(num_bins=13, output_mode="one_hot", name="cross")([a, b]))
    cross.save(f"{FOLDER}/cross.keras")
    with open(f"{FOLDER}/cross_out.json", "w") as handle:
        json.dump(cross(CROSS_INPUTS).tolist(), handle)
elif STEP == "stft":
    import keras

    data = np.load(f"{FOLDER}/stft_io.npz")
    model = keras.saving.load_model(f"{FOLDER}/stft.keras")
    print("STFTSpectrogram model, max |keras - lamina|:", float(np.abs(np.asarray(model(data["x"])) - data["y"]).max()))
else:
    import keras

    model = keras.saving.load_model(f"{FOLDER}/cross.keras")
    with open(f"{FOLDER}/cross_out.json") as handle:
        want = json.load(handle)
    print("HashedCrossing model equal:", np.asarray(model(CROSS_INPUTS)).tolist() == want)
