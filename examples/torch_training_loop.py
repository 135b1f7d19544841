"""A lamina model trained by a hand-written torch.autograd loop (no `fit`).

Every lamina model is a `torch.nn.Module`: its parameters go to any
`torch.optim` optimizer, `model(x, training=True)` runs it in training mode,
and the loss is plain torch. Run: `.venv/bin/python examples/torch_training_loop.py`.
"""

import numpy as np
import torch
from sklearn.datasets import load_digits

import lamina as keras


def main(epochs=20, batch_size=32, seed=0):
    keras.utils.set_random_seed(seed)
    digits = load_digits()
    x = torch.tensor(digits.data / 16.0, dtype=torch.float32)
    y = torch.tensor(digits.target, dtype=torch.long)
    perm = torch.randperm(len(x))
    x, y = x[perm], y[perm]
    x_train, y_train, x_test, y_test = x[:1400], y[:1400], x[1400:], y[1400:]

    inputs = keras.Input(shape=(64,))
    hidden = keras.layers.Dense(128, activation="relu")(inputs)
    hidden = keras.layers.Dropout(0.2)(hidden)
    logits = keras.layers.Dense(10)(hidden)  # logits: torch's cross_entropy applies log-softmax itself
    model = keras.Model(inputs, logits)

    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x_train))
        total = torch.zeros(())
        for start in range(0, len(x_train), batch_size):
            index = order[start:start + batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(model(x_train[index], training=True), y_train[index])
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(index)
        model.eval()
        with torch.inference_mode():
            accuracy = (model(x_test).argmax(-1) == y_test).float().mean()
        print(f"epoch {epoch + 1:2d}: train loss {float(total) / len(x_train):.4f}, test accuracy {float(accuracy):.4f}")
    return float(accuracy)


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()
