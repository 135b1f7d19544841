"""`keras.utils.Progbar`: Keras's public progress bar (the one `fit` draws), for custom loops."""

import sys
import time

from lamina.callbacks.progbar import _format_eta, _format_time_per_step

__all__ = ["Progbar"]


class Progbar:
    """A progress bar with running averages of the values it is given.

    Args:
        target: total number of steps, or None if unknown.
        width: bar width in characters.
        verbose: 1 draws the bar in place, 2 prints one line when finished, 0 prints nothing.
        interval: the least seconds between two redraws.
        stateful_metrics: names whose value is shown as given, not averaged over steps.
        stateless_metrics: names always averaged (the default for names not in `stateful_metrics`).
        unit_name: the unit in the time-per-unit figure (`"step"`).

    Example:
        >>> bar = keras.utils.Progbar(100)
        >>> for step in range(100):
        ...     bar.update(step + 1, values=[("loss", 0.5)])
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None, stateless_metrics=None,
                 unit_name="step"):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics or ())
        self.stateless_metrics = set(stateless_metrics or ())
        self._values = {}
        self._seen_so_far = 0
        self._start = time.time()
        self._last_update = 0.0
        self._time_at_first_step = None
        self._prev_width = 0
        self._stream = sys.stdout

    def update(self, current, values=None, finalize=None):
        """Moves the bar to step `current`.

        Args:
            current: the step index reached.
            values: `[(name, value), ...]`; averaged over the steps since the last update unless the name
                is stateful.
            finalize: whether this is the last update (default: `current >= target`).
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or []:
            value = float(value) if hasattr(value, "__float__") else value
            if name in self.stateful_metrics and name not in self.stateless_metrics:
                self._values[name] = [value, 1]
            else:
                steps = max(current - self._seen_so_far, 1)
                total, count = self._values.get(name, [0.0, 0])
                self._values[name] = [total + value * steps, count + steps]
        self._seen_so_far = current
        now = time.time()
        if self._time_at_first_step is None and current >= 1:
            self._time_at_first_step = now
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._write_interactive(current, now, finalize)
        elif self.verbose == 2 and finalize:
            digits = len(str(self.target)) if self.target else 1
            line = (f"{current:>{digits}}/{self.target}" if self.target else f"{current}")
            line += f" - {int(now - self._start)}s - {self._per_unit(current, now)}{self._metrics()}\n"
            self._stream.write(line)
            self._stream.flush()
        self._last_update = now

    def add(self, n, values=None):
        """Advances by `n` steps."""
        self.update(self._seen_so_far + n, values)

    def _per_unit(self, current, now):
        seconds = (now - self._start) / current if current else 0.0
        return _format_time_per_step(seconds, self.unit_name)

    def _metrics(self):
        parts = []
        for name, (total, count) in self._values.items():
            value = total / max(1, count) if isinstance(total, float) else total
            if isinstance(value, float):
                parts.append(f" - {name}: {value:.4f}" if abs(value) > 1e-3 else f" - {name}: {value:.4e}")
            else:
                parts.append(f" - {name}: {value}")
        return "".join(parts)

    def _write_interactive(self, current, now, finalize):
        if self.target is not None:
            digits = len(str(self.target))
            text = f"{current:>{digits}}/{self.target} "
            done = min(self.width, int(self.width * current / self.target)) if self.target else self.width
            text += ("\x1b[1m" + "━" * done + "\x1b[0m" if done else "")
            text += ("\x1b[2m" + "━" * (self.width - done) + "\x1b[0m" if done < self.width else "")
        else:
            text = f"{current}"
        elapsed = now - self._start
        if finalize or self.target is None:
            text += f" {int(elapsed)}s {self._per_unit(current, now)}"
        else:
            per_unit = elapsed / current if current else 0.0
            text += f" \x1b[1m{_format_eta(per_unit * (self.target - current))}\x1b[0m {self._per_unit(current, now)}"
        text += self._metrics()
        pad = max(0, self._prev_width - len(text))
        self._prev_width = len(text)
        self._stream.write("\r" + text + " " * pad + ("\n" if finalize else ""))
        self._stream.flush()
