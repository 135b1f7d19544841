"""`Progbar`: the Keras 3 progress bar on a terminal, one plain line per epoch elsewhere."""

import logging
import sys
import time

__all__ = ["LoggerStream", "Progbar", "format_logs", "is_interactive"]

_BAR_WIDTH = 20
_REFRESH_SECONDS = 0.05


def is_interactive(stream=None) -> bool:
    """True when writing to a terminal (not a pipe, file or CI log)."""
    stream = stream or sys.stdout
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class LoggerStream:
    """A write-only stream sending each complete line to the `logging` logger `"lamina"` (INFO):
    where progress goes after `lamina.config.disable_interactive_logging()`."""

    def __init__(self, logger_name="lamina"):
        self._logger = logging.getLogger(logger_name)
        self._pending = ""

    def write(self, text):
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            line = line.split("\r")[-1].rstrip()
            if line:
                self._logger.info(line)
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False


def format_logs(logs) -> str:
    """` - loss: 1.4832 - sentiment_accuracy: 0.4950` with keys sorted, values `.4f`."""
    parts = []
    for key in sorted(logs):
        value = logs[key]
        if isinstance(value, float):
            # Keras's rule: `.4f` above 1e-3 in magnitude, else `.4e` (so zero prints as 0.0000e+00).
            parts.append(f" - {key}: {value:.4f}" if abs(value) > 1e-3 else f" - {key}: {value:.4e}")
        else:
            parts.append(f" - {key}: {value}")
    return "".join(parts)


def _format_time_per_step(seconds, unit="step"):
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit}"
    return f"{seconds * 1e6:.0f}us/{unit}"


def _format_eta(seconds):
    if seconds > 3600:
        return f"{int(seconds) // 3600}:{(int(seconds) % 3600) // 60:02d}:{int(seconds) % 60:02d}"
    if seconds > 60:
        return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"
    return f"{int(seconds)}s"


class Progbar:
    """Progress for one epoch (or one evaluate/predict pass).

    Args:
        target: number of steps, or None if unknown.
        interactive: redraw a bar in place (terminal) instead of printing a
            final plain line.
        stream: where to write (default `sys.stdout`).
        prefix: text put before the final plain line (e.g. `Epoch 1/2 - `).

    The time per step excludes the first step (which includes warm-up), as Keras.

    Example:
        >>> bar = Progbar(7, interactive=False)
        >>> for step in range(1, 8): bar.update(step, lambda: {"loss": 0.5})
        >>> bar.finish({"loss": 0.5})
    """

    def __init__(self, target, interactive=True, stream=None, prefix=""):
        self.target = target
        self.interactive = interactive
        self.stream = stream or sys.stdout
        self.prefix = prefix
        self._start = time.perf_counter()
        self._after_first = None
        self._last_draw = 0.0
        self._last_width = 0

    def _time_per_step(self, current, now):
        if current <= 0:
            return 0.0
        if self._after_first is not None and current > 1:
            return (now - self._after_first) / (current - 1)
        return (now - self._start) / current

    def update(self, current, get_logs=None):
        """Records progress; on a terminal redraws at most every 50 ms (reading the logs only then)."""
        now = time.perf_counter()
        if current == 1 and self._after_first is None:
            self._after_first = now
        if not self.interactive or now - self._last_draw < _REFRESH_SECONDS:
            return
        self._last_draw = now
        logs = get_logs() if get_logs is not None else {}
        self._draw(current, logs, now, final=False)

    def _bar(self, current):
        width = len(str(self.target)) if self.target else 0
        text = f"{current:>{width}}/{self.target} " if self.target else f"{current} "
        if self.target:
            done = min(_BAR_WIDTH, int(_BAR_WIDTH * current / self.target))
            text += "\x1b[1m" + "━" * done + "\x1b[0m" if done else ""
            text += "\x1b[2m" + "━" * (_BAR_WIDTH - done) + "\x1b[0m" if done < _BAR_WIDTH else ""
        return text

    def _draw(self, current, logs, now, final):
        per_step = self._time_per_step(current, now)
        if final or not self.target:
            timing = f" {int(now - self._start)}s {_format_time_per_step(per_step)}"
        else:
            timing = f" \x1b[1m{_format_eta(per_step * (self.target - current))}\x1b[0m {_format_time_per_step(per_step)}"
        line = self._bar(current) + timing + format_logs(logs)
        pad = max(0, self._last_width - len(line))
        self._last_width = len(line)
        self.stream.write("\r" + line + " " * pad + ("\n" if final else ""))
        self.stream.flush()

    def finish(self, logs, current=None):
        """Writes the epoch's final line: the full bar on a terminal, plain text elsewhere."""
        current = self.target if current is None else current
        now = time.perf_counter()
        if self.interactive:
            self._draw(current, logs, now, final=True)
            return
        per_step = self._time_per_step(current, now)
        steps = f"{current}/{self.target}" if self.target else f"{current}"
        self.stream.write(f"{self.prefix}{steps} - {int(now - self._start)}s - "
                          f"{_format_time_per_step(per_step)}{format_logs(logs)}\n")
        self.stream.flush()
