"""Progress-bar text: the number format of the logged values follows Keras's Progbar."""

from lamina.callbacks.progbar import format_logs


def test_values_use_keras_number_format():
    text = format_logs({"loss": 0.25, "tp": 0.0, "lr": 1e-4, "fn": 29.0})
    # Keras prints .4f above 1e-3 in magnitude and .4e otherwise, so zero counts read 0.0000e+00.
    assert text == " - fn: 29.0000 - loss: 0.2500 - lr: 1.0000e-04 - tp: 0.0000e+00"
