"""`RemoteMonitor` posts each epoch's logs over HTTP (a local server here) and only warns when the server
cannot be reached."""

import http.server
import json
import threading
import urllib.parse

import numpy as np
import pytest

import lamina as keras
from lamina import layers


class Receiver(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Receiver.received = []
    httpd = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def fit(callback, epochs=2):
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    return model.fit(np.ones((4, 2), "float32"), np.ones((4, 1), "float32"), epochs=epochs, verbose=0,
                     callbacks=[callback]).history


@pytest.mark.parametrize("as_json", [False, True])
def test_posts_every_epoch(server, as_json):
    history = fit(keras.callbacks.RemoteMonitor(root=server, path="/logs/", send_as_json=as_json))
    assert [path for path, _, _ in Receiver.received] == ["/logs/", "/logs/"]
    _, content_type, body = Receiver.received[1]
    if as_json:
        assert content_type == "application/json"
        sent = json.loads(body)
    else:
        assert content_type == "application/x-www-form-urlencoded"
        sent = json.loads(urllib.parse.parse_qs(body.decode())["data"][0])
    assert sent["epoch"] == 1 and sent["loss"] == pytest.approx(history["loss"][1])


def test_unreachable_server_warns_and_training_goes_on():
    with pytest.warns(UserWarning, match=r"RemoteMonitor: could not reach the server at http://127\.0\.0\.1:9/publish/"
                                         r"epoch/end/ to send the logs of epoch 0"):
        history = fit(keras.callbacks.RemoteMonitor(root="http://127.0.0.1:9"), epochs=1)
    assert len(history["loss"]) == 1
