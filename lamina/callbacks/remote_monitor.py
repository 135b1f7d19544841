"""`RemoteMonitor`: posts each epoch's logs to an HTTP server (standard library only)."""

import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from lamina.callbacks.callback import Callback

__all__ = ["RemoteMonitor"]


class RemoteMonitor(Callback):
    """Sends the logs of every epoch to a server with an HTTP POST, as Keras does.

    The body is the form field `field` holding the JSON of `{"epoch": epoch, **logs}`, or that
    JSON itself with `send_as_json=True`. A server that cannot be reached (e.g. no network)
    gives a warning naming the URL and the reason; training goes on.

    Args:
        root: the server's root URL.
        path: the path the logs are posted to (appended to `root`).
        field: the form field holding the JSON (when `send_as_json` is False).
        headers: extra HTTP headers (a dict).
        send_as_json: send the body as `application/json`.

    Example:
        >>> monitor = keras.callbacks.RemoteMonitor(root="http://localhost:9000")
        >>> model.fit(x, y, epochs=3, callbacks=[monitor])
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data", headers=None,
                 send_as_json=False):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json
        self.timeout = 10.0

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        for key, value in dict(logs or {}).items():
            send[key] = value.item() if isinstance(value, (np.ndarray, np.generic)) else value
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("utf-8")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        url = self.root + self.path
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            warnings.warn(f"RemoteMonitor: could not reach the server at {url} to send the logs of epoch {epoch} "
                          f"({reason}); training continues without it.", stacklevel=2)
