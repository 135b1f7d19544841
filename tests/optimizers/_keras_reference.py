"""A float64 numpy transcription of Keras 3's optimizer updates, for tests.

Each `update_step` below follows `keras/src/optimizers/<name>.py`; `run` follows
`BaseOptimizer.apply` / `_backend_apply_gradients` (loss-scale unscaling,
gradient accumulation, clipping, decoupled weight decay, EMA, iteration count).
"""

import numpy as np

__all__ = ["run"]


def _clip(grads, cfg):
    if cfg.get("clipnorm"):
        c = cfg["clipnorm"]
        return [g * c / max(np.sqrt((g ** 2).sum()), c) for g in grads]
    if cfg.get("global_clipnorm"):
        c = cfg["global_clipnorm"]
        norm = np.sqrt(sum((g ** 2).sum() for g in grads))
        return [g * c * min(1.0 / norm, 1.0 / c) for g in grads]
    if cfg.get("clipvalue"):
        return [np.clip(g, -cfg["clipvalue"], cfg["clipvalue"]) for g in grads]
    return grads


def _update(name, cfg, s, w, g, lr, t, u_product):
    """One Keras `update_step` for a variable; `s` is its slot dict; t = iterations + 1."""
    if name == "SGD":
        mu = cfg.get("momentum", 0.0)
        if mu:
            s["m"] = s["m"] * mu - g * lr
            return w + (s["m"] * mu - g * lr if cfg.get("nesterov") else s["m"])
        return w - g * lr
    if name in ("Adam", "AdamW"):
        b1, b2, eps = cfg.get("beta_1", 0.9), cfg.get("beta_2", 0.999), cfg.get("epsilon", 1e-7)
        alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        s["m"] += (g - s["m"]) * (1 - b1)
        s["v"] += (g * g - s["v"]) * (1 - b2)
        v = s["v"]
        if cfg.get("amsgrad"):
            s["vhat"] = np.maximum(s["vhat"], s["v"])
            v = s["vhat"]
        return w - s["m"] * alpha / (np.sqrt(v) + eps)
    if name == "RMSprop":
        rho, mu, eps = cfg.get("rho", 0.9), cfg.get("momentum", 0.0), cfg.get("epsilon", 1e-7)
        s["v"] = rho * s["v"] + (1 - rho) * g * g
        if cfg.get("centered"):
            s["a"] = rho * s["a"] + (1 - rho) * g
            denominator = s["v"] - s["a"] ** 2 + eps
        else:
            denominator = s["v"] + eps
        increment = lr * g / np.sqrt(denominator)
        if mu > 0:
            s["mom"] = mu * s["mom"] + increment
            return w - s["mom"]
        return w - increment
    if name == "Adagrad":
        s["acc"] += g * g
        return w - lr * g / np.sqrt(s["acc"] + cfg.get("epsilon", 1e-7))
    if name == "Adamax":
        b1, b2, eps = cfg.get("beta_1", 0.9), cfg.get("beta_2", 0.999), cfg.get("epsilon", 1e-7)
        s["m"] += (g - s["m"]) * (1 - b1)
        s["u"] = np.maximum(b2 * s["u"], np.abs(g))
        return w - lr * s["m"] / ((1 - b1 ** t) * (s["u"] + eps))
    if name == "Nadam":
        b1, b2, eps = cfg.get("beta_1", 0.9), cfg.get("beta_2", 0.999), cfg.get("epsilon", 1e-7)
        u_t = b1 * (1 - 0.5 * 0.96 ** t)
        u_t1 = b1 * (1 - 0.5 * 0.96 ** (t + 1))
        up_t1 = u_product * u_t1
        s["m"] += (g - s["m"]) * (1 - b1)
        s["v"] += (g * g - s["v"]) * (1 - b2)
        m_hat = u_t1 * s["m"] / (1 - up_t1) + (1 - u_t) * g / (1 - u_product)
        v_hat = s["v"] / (1 - b2 ** t)
        return w - m_hat * lr / (np.sqrt(v_hat) + eps)
    if name == "Lion":
        b1, b2 = cfg.get("beta_1", 0.9), cfg.get("beta_2", 0.99)
        w = w - lr * np.sign(s["m"] * b1 + g * (1 - b1))
        s["m"] = s["m"] * b2 + g * (1 - b2)
        return w
    if name == "Adadelta":
        rho, eps = cfg.get("rho", 0.95), cfg.get("epsilon", 1e-7)
        s["acc"] = rho * s["acc"] + (1 - rho) * g * g
        delta = -np.sqrt(s["dacc"] + eps) * g / np.sqrt(s["acc"] + eps)
        s["dacc"] = rho * s["dacc"] + (1 - rho) * delta * delta
        return w + lr * delta
    if name == "Lamb":
        b1, b2, eps = cfg.get("beta_1", 0.9), cfg.get("beta_2", 0.999), cfg.get("epsilon", 1e-7)
        s["m"] += (g - s["m"]) * (1 - b1)
        s["v"] += (g * g - s["v"]) * (1 - b2)
        update = (s["m"] / (1 - b1 ** t)) / (np.sqrt(s["v"] / (1 - b2 ** t)) + eps)
        w_norm, u_norm = np.sqrt((w ** 2).sum()), np.sqrt((update ** 2).sum())
        ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
        return w - ratio * lr * update
    raise ValueError(name)


def _slots(name, w, cfg):
    z = np.zeros_like(w)
    return {"m": z.copy(), "v": z.copy(), "vhat": z.copy(), "a": z.copy(), "mom": z.copy(), "u": z.copy(),
            "acc": np.full_like(w, 0.0 if name == "Adadelta" else cfg.get("initial_accumulator_value", 0.1)),
            "dacc": z.copy()}


def run(name, cfg, weights, grad_steps, lr_fn):
    """Runs Keras's updates; `grad_steps` is a list of per-variable gradient lists
    (None for a missing gradient), `lr_fn(iteration)` the learning rate."""
    weights = [np.asarray(w, np.float64).copy() for w in weights]
    slots = [_slots(name, w, cfg) for w in weights]
    ema = [np.zeros_like(w) for w in weights]
    accs = [np.zeros_like(w) for w in weights]
    steps = cfg.get("gradient_accumulation_steps")
    u_product = 1.0
    iterations = 0
    for grads in grad_steps:
        idx = [i for i, g in enumerate(grads) if g is not None]
        gs = [np.asarray(grads[i], np.float64) for i in idx]
        if cfg.get("loss_scale_factor"):
            gs = [g / cfg["loss_scale_factor"] for g in gs]
        real_it = iterations // steps if steps else iterations
        do_update = True
        if steps:
            if (iterations + 1) % steps != 0:
                for i, g in zip(idx, gs):
                    accs[i] += g
                do_update = False
            else:
                gs = [(g + accs[i]) / steps for i, g in zip(idx, gs)]
                accs = [np.zeros_like(a) for a in accs]
        if do_update:
            lr = lr_fn(iterations)
            gs = _clip(gs, cfg)
            if cfg.get("weight_decay"):
                for i in idx:
                    weights[i] = weights[i] - weights[i] * cfg["weight_decay"] * lr
            t = real_it + 1
            if name == "Nadam":
                u_product *= cfg.get("beta_1", 0.9) * (1 - 0.5 * 0.96 ** t)
            for i, g in zip(idx, gs):
                weights[i] = _update(name, cfg, slots[i], weights[i], g, lr, t, u_product)
        if cfg.get("use_ema"):
            momentum = cfg.get("ema_momentum", 0.99) if real_it != 0 else 0.0
            ema = [momentum * a + (1 - momentum) * w for a, w in zip(ema, weights)]
            freq = cfg.get("ema_overwrite_frequency")
            if freq and (real_it + 1) % freq == 0:
                weights = [a.copy() for a in ema]
        iterations += 1
    return weights, ema
