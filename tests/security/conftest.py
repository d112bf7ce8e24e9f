"""Fixtures of the security tests: a scriptable fake PatSnap server and a corpus of hostile data.

The fake server (``tests.helpers.FakePatsnap``) is a small werkzeug app on 127.0.0.1 (real HTTP, like the sandbox):
tests give it one handler per API path and it serves PNG drawings under ``/img/``.
It stands in for PatSnap where the sandbox cannot go: answers that are malformed,
oversized, or carry hostile image URLs.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

import patsnap_pandas  # noqa: F401  (registers df.patsnap)
from tests.helpers import HOSTILE, FakePatsnap, QuietHandler, drawing_png

# --- the fake PatSnap server -------------------------------------------------------------------


@pytest.fixture
def fake():
    server = FakePatsnap()
    yield server
    server.stop()


# --- a sandbox corpus with hostile titles, numbers and applicants --------------------------------


@pytest.fixture(scope="session")
def hostile_corpus_dir(tmp_path_factory, write_corpus_folder) -> Path:
    """A corpus folder in the ../shared/real-designs format, every text field hostile."""
    return write_corpus_folder(tmp_path_factory.mktemp("hostile-corpus"), HOSTILE, drawing_png)


# --- image hosts: loopback servers standing in for an internal service or a public image host ------

class ImageHost:
    """A werkzeug server on 127.0.0.1 answering every GET with ``png``; records paths and Host headers."""

    def __init__(self, png: bytes, ssl_context=None) -> None:
        self.calls: list[str] = []
        self.hosts: list[str] = []

        @Request.application
        def app(request: Request) -> Response:
            self.calls.append(request.path)
            self.hosts.append(request.host)
            return Response(png, mimetype="image/png")

        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler,
                                   ssl_context=ssl_context)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def image_host():
    """``image_host(png, ssl_context=None)``: an :class:`ImageHost` on loopback, stopped after the test."""
    hosts: list[ImageHost] = []

    def start(png: bytes, ssl_context=None) -> ImageHost:
        hosts.append(ImageHost(png, ssl_context))
        return hosts[-1]

    yield start
    for host in hosts:
        host.stop()
