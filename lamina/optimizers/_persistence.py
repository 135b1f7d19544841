"""Saving and restoring optimizers: `variables`, `state_dict`, and Keras config."""

import torch

from lamina.optimizers.schedules.schedule import LearningRateSchedule
from lamina.optimizers.schedules.schedule import deserialize as deserialize_schedule
from lamina.optimizers.schedules.schedule import serialize as serialize_schedule

__all__ = ["OptimizerPersistence"]


class OptimizerPersistence:
    """Mixin of `Optimizer`: the state and config half of its API."""

    # ---------------------------------------------------- Keras variable layout
    # How the per-parameter state maps onto Keras's `optimizer.variables` (what `.keras` files
    # store under `optimizer/vars`). Keras creates slots by `add_optimizer_variables` calls:
    # the names of one call are interleaved per variable, separate calls follow each other.

    def _keras_slot_groups(self):
        """Torch state keys per Keras `add_optimizer_variables` call, e.g. `[("exp_avg", "exp_avg_sq")]`."""
        return [tuple(self._slot_keys)] if self._slot_keys else []

    def _keras_slot_order(self, params):
        """`(parameter, torch state key)` for every Keras slot variable, in Keras's order
        (`params` in Keras's order); optimizers whose slots differ per parameter override it."""
        return [(param, key) for group in self._keras_slot_groups() for param in params for key in group]

    def _slot_to_keras(self, key, value):
        """A torch state tensor as the Keras slot's value (same layout); subclasses convert units."""
        return value

    def _slot_from_keras(self, key, value):
        """The inverse of `_slot_to_keras`, for loading a Keras-written file."""
        return value

    def _keras_trailing_variables(self):
        """Values Keras keeps after the slots (Nadam's `u_product`)."""
        return []

    def _load_keras_trailing_variables(self, values):
        pass

    @property
    def variables(self):
        """Optimizer state tensors, Keras-style: iterations, learning rate (when a
        float), then each parameter's slots, EMA averages and gradient accumulators.

        The first two are snapshots; the others are the live tensors.
        """
        out = [torch.tensor(self._iterations, dtype=torch.int64)]  # raw steps, as Keras's `_iterations`
        if isinstance(self._learning_rate, float):
            out.append(torch.tensor(self._learning_rate, dtype=torch.float32))
        if self._torch is not None:
            for p in self._params:
                state = self._torch.state.get(p, {})
                out.extend(state[k] for k in self._slot_keys if k in state)
        return out + list(self._ema) + list(self._accumulators)

    def state_dict(self):
        """Everything needed to resume exactly: step count, learning rate, the
        torch optimizer's state (moments, per-parameter steps), EMA and
        accumulators. Tensors are live references, as with `torch.optim`."""
        return {
            "class_name": type(self).__name__,
            "iterations": self._iterations,
            "learning_rate": self._learning_rate if isinstance(self._learning_rate, float) else None,
            "torch": self._torch.state_dict() if self._torch is not None else None,
            "ema": list(self._ema),
            "accumulators": list(self._accumulators),
            "counters_diverged": self._counters_diverged,
            "extra": self._extra_state(),
        }

    def load_state_dict(self, state_dict):
        """Restores `state_dict()`'s output; the optimizer must be built on the same
        parameters, in the same order."""
        self._require_built("load_state_dict")
        if state_dict.get("class_name") != type(self).__name__:
            raise ValueError(
                f"Cannot load the state of a {state_dict.get('class_name')} optimizer into "
                f"a {type(self).__name__}; create the same optimizer class as was saved."
            )
        self._iterations = int(state_dict["iterations"])
        self._counters_diverged = bool(state_dict.get("counters_diverged", True))
        if state_dict.get("learning_rate") is not None and isinstance(self._learning_rate, float):
            self._learning_rate = float(state_dict["learning_rate"])
        if self._torch is not None and state_dict.get("torch") is not None:
            self._torch.load_state_dict(state_dict["torch"])
        with torch.no_grad():
            for dst_list, key in ((self._ema, "ema"), (self._accumulators, "accumulators")):
                src_list = state_dict.get(key) or []
                if len(src_list) != len(dst_list):
                    raise ValueError(f"Saved state has {len(src_list)} {key} tensors, expected {len(dst_list)}.")
                for dst, src in zip(dst_list, src_list):
                    dst.copy_(src)
        self._load_extra_state(state_dict.get("extra") or {})

    def get_config(self):
        """Returns the constructor arguments (Keras 3 keys) as a dict."""
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            lr = serialize_schedule(lr)
        elif callable(lr):
            from lamina.losses._serialization import serialize_object

            lr = serialize_object(lr, "keras.optimizers")
        return {
            "name": self.name,
            "learning_rate": lr,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Creates an optimizer from `get_config`'s output."""
        config = dict(config)
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            if lr.get("class_name") == "function":
                from lamina.losses._serialization import deserialize_object

                config["learning_rate"] = deserialize_object(lr, {}, custom_objects, kind="learning rate")
            else:
                config["learning_rate"] = deserialize_schedule(lr, custom_objects)
        return cls(**config)
