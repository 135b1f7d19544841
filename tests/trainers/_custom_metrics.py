"""Custom metrics shared by the capture tests: user `Metric` subclasses that stay eager."""

import lamina as keras


class CallCount(keras.metrics.Metric):
    """Counts its updates: a custom metric (not lamina's), updated eagerly beside a captured step."""

    def __init__(self, name="calls", **kwargs):
        super().__init__(name=name, **kwargs)
        self.calls = self.add_variable((), "zeros", name="calls")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.calls.assign_add(1.0)

    def result(self):
        return self.calls
