"""Loads the lamina-saved models with real Keras 3 (JAX) and compares outputs (see run.sh)."""
import os, numpy as np
os.environ["KERAS_BACKEND"] = "jax"
import sys
import keras
FOLDER = sys.argv[1].rstrip("/")
for name in ["residual", "multitask", "cnn", "text", "siamese", "attention"]:
    try:
        model = keras.models.load_model(f"{FOLDER}/{name}.keras")
        data = np.load(f"{FOLDER}/{name}.npz")
        ins = [data[k] for k in sorted(k for k in data if k.startswith("in_"))]
        if name == "multitask":
            res = model.predict({"text_features": ins[0], "metadata": ins[1]}, verbose=0)
            res = [res["sentiment"], res["topic"]]
        else:
            res = model.predict(ins[0] if len(ins) == 1 else ins, verbose=0)
        res = res if isinstance(res, list) else [res]
        diffs = [float(np.abs(r - data[f"out_{i}"]).max()) for i, r in enumerate(res)]
        print(f"{name:10s} loaded by Keras {keras.__version__}: max |diff| {max(diffs):.2e}")
    except Exception as e:
        print(f"{name:10s} FAILED: {type(e).__name__}: {str(e)[:400]}")
