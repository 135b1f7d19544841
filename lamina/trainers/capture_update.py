"""The optimizer update inside a captured training step (Adam and AdamW).

With the update in the graph, one compiled call does forward, loss, backward and the update of
every parameter and moment in place (inductor fuses the whole update into one loop), instead of
returning gradients for an eager optimizer call. The values that change from step to step (the
learning rate from a schedule, the bias corrections) enter as one small tensor, so the compiled
step never freezes them. Keras's Adam:

    t = iterations + 1
    m += (g - m) * (1 - beta_1);  v += (g^2 - v) * (1 - beta_2)
    w -= lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)

and AdamW first decays `w -= w * weight_decay * lr` (the parameters not excluded from decay).
The torch state tensors (`exp_avg`, `exp_avg_sq`) are the ones updated, so saving, loading and an
eager step afterwards see the same optimizer; the step counters and `iterations` advance as in
an eager step.

Only the plain case is captured (`InGraphAdam.reason` says why not): lamina's Adam/AdamW, no
amsgrad, clipping, EMA, gradient accumulation or loss scaling. Other optimizers keep their eager
update after the captured forward and backward.
"""

import math

import torch

__all__ = ["InGraphAdam"]


class InGraphAdam:
    """The Adam/AdamW update of `params` as traced, in-place tensor code.

    Args:
        optimizer: the model's built lamina `Adam`/`AdamW`.
        params: the trained parameters, in the captured step's order.
    """

    def __init__(self, optimizer, params):
        self.optimizer = optimizer
        self.params = params
        self.decays = [id(p) in optimizer._decay_ids for p in params] if optimizer.weight_decay else \
            [False] * len(params)
        self._slots = None
        self._advance = ([], None)

    @staticmethod
    def reason(optimizer, params):
        """Why the update of `optimizer` cannot go into the graph (a sentence), or None."""
        from lamina.optimizers.adam import Adam, AdamW

        if type(optimizer) not in (Adam, AdamW):
            return "only Adam and AdamW updates are captured"
        if not optimizer.built or optimizer._torch is None:
            return "the optimizer is not built"
        if optimizer.amsgrad:
            return "amsgrad"
        if any((optimizer.clipnorm, optimizer.clipvalue, optimizer.global_clipnorm)):
            return "gradient clipping"
        if optimizer.use_ema or optimizer.gradient_accumulation_steps or optimizer.loss_scale_factor is not None:
            return "EMA, gradient accumulation or loss scaling"
        if optimizer.weight_decay and not optimizer._torch_decoupled_decay:
            return "coupled weight decay"
        state = optimizer._torch.state
        if any("exp_avg" not in state.get(p, {}) or state[p]["exp_avg"].shape != p.shape for p in params):
            return "the optimizer does not hold moments for every trained parameter"
        return None

    def usable(self):
        """Whether this step may use the in-graph update (checked every step; cheap)."""
        return not self.optimizer._counters_diverged

    def slots(self):
        """The moment tensors, `[m_0, v_0, m_1, v_1, ...]`, re-read if the state was replaced
        (e.g. by `load_state_dict`), with how `after_step` advances the step counters
        (`Optimizer._counter_plan`)."""
        state = self.optimizer._torch.state
        slots = self._slots
        if slots is None or state[self.params[-1]]["exp_avg"] is not slots[-2]:
            slots = self._slots = [t for p in self.params for t in (state[p]["exp_avg"], state[p]["exp_avg_sq"])]
            self._advance = self.optimizer._counter_plan([state[p]["step"] for p in self.params])
        return slots

    def hyper(self, device):
        """This step's `[lr, lr * sqrt(1 - b2^t) / (1 - b1^t), 1 - b1, 1 - b2, epsilon]` as one tensor."""
        opt = self.optimizer
        t = opt._real_iterations() + 1
        lr = float(opt._current_lr())
        b1, b2 = float(opt.beta_1), float(opt.beta_2)
        scaled = lr * math.sqrt(1.0 - b2 ** t) / (1.0 - b1 ** t)
        values = torch.tensor([lr, scaled, 1.0 - b1, 1.0 - b2, float(opt.epsilon)], dtype=torch.float32)
        # On an accelerator: queued behind the running step instead of a blocking copy every step.
        return values if device.type == "cpu" else values.to(device, non_blocking=True)

    def apply(self, params, grads, slots, hyper):
        """The update, in place on `params` and `slots` (traced into the step's graph)."""
        lr, scaled, one_minus_b1, one_minus_b2, epsilon = hyper.unbind()
        decay = float(self.optimizer.weight_decay or 0.0)
        for index, (param, grad) in enumerate(zip(params, grads)):
            m, v = slots[2 * index], slots[2 * index + 1]
            grad = grad.to(param.dtype)
            if self.decays[index]:
                param.mul_(1.0 - lr.to(param.dtype) * decay)
            m.add_((grad - m) * one_minus_b1.to(m.dtype))
            v.add_((grad * grad - v) * one_minus_b2.to(v.dtype))
            param.sub_(scaled.to(param.dtype) * m / (v.sqrt() + epsilon.to(v.dtype)))

    def after_step(self):
        """What an eager step does besides the update: the step counters and `iterations`."""
        self.optimizer._advance_counters(self._advance)
        self.optimizer._finish_iteration()
