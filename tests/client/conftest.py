"""Fixtures of the client tests: small sandboxes over real HTTP, and a tiny scripted server.

The scripted server (werkzeug on 127.0.0.1) answers what a test tells it to, for the
answers the sandbox cannot produce (codes it never sends, malformed bodies,
Retry-After headers). It is still real HTTP: nothing in requests is mocked.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from patsnap_pandas import PatsnapClient

CORPUS_SIZE = 60
FAST = {"backoff_factor": 0.001, "timeout": 10}


@pytest.fixture
def patsnap_sandbox_options():
    """This folder's corpus: tests/conftest.py makes ``sandbox``, ``shared_sandbox`` and ``corpus`` of it."""
    return {"corpus_size": CORPUS_SIZE}


@pytest.fixture
def client_options():
    """The clients of ``make_client`` and ``client`` (tests/conftest.py): tiny backoffs, a 10 s timeout."""
    return dict(FAST)


@pytest.fixture
def query_png(sandbox) -> bytes:
    """PNG bytes of the representative drawing of the corpus's first design."""
    design = sandbox.corpus.designs[0]
    return sandbox.corpus.image_png(design.image_keys[0])


@pytest.fixture
def query_url(client, query_png) -> str:
    return client.upload_image(query_png, "query.png").url


# --- the scripted server ------------------------------------------------------------------------

class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict
    body: bytes


@dataclass
class ScriptedServer:
    base_url: str
    requests: list[Recorded] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]


TOKEN_BODY = {"token": "scripted-token-0001", "token_type": "BearerToken", "expires_in": 1799,
              "status": "approved"}


@contextmanager
def scripted_server(handler: Callable[[Request, int], Response]) -> Iterator[ScriptedServer]:
    """Serve ``handler(request, n)`` (n: 0-based count of calls to that path) on 127.0.0.1.

    ``/oauth/token`` answers a valid token unless the handler answers it itself (returns None).
    """
    counts: dict[str, int] = {}
    lock = threading.Lock()
    state = ScriptedServer(base_url="")

    @Request.application
    def app(request: Request) -> Response:
        body = request.get_data()
        with lock:
            n = counts.get(request.path, 0)
            counts[request.path] = n + 1
            state.requests.append(Recorded(request.method, request.path,
                                           request.query_string.decode(), dict(request.headers), body))
        response = handler(request, n)
        if response is None and request.path == "/oauth/token":
            import json

            return Response(json.dumps(TOKEN_BODY), mimetype="application/json")
        return response

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    import json

    text = body if isinstance(body, str) else json.dumps(body)
    return Response(text, status=status, mimetype="application/json", headers=headers or {})


def envelope(data) -> dict:
    return {"data": data, "status": True, "error_code": 0}


def error_body(code: int, message: str | None = None) -> dict:
    return {"status": False, "error_code": code, "error_msg": message or f"error {code}"}


SEARCH_DATA = {
    "search_id": "SCRIPTED-1-D",
    "patent_messages": [{"url": "http://127.0.0.1/img.png", "score": 0.9, "title": "A",
                         "patent_id": "11111111-1111-4111-8111-111111111111", "patent_pn": "CN1S"}],
    "total_search_result_count": 1,
}


@pytest.fixture
def scripted(tmp_path):
    """``scripted(handler, **client_options)`` -> (server, client); both closed after the test."""
    stack = []

    def start(handler, auth: str = "api_key", **options):
        context = scripted_server(handler)
        server = context.__enter__()
        stack.append(context)
        if auth == "api_key":
            options.setdefault("api_key", "sk-scripted-key-0123456789")
        else:
            options.setdefault("client_id", "scripted-client-id")
            options.setdefault("client_secret", "scripted-client-secret")
        options.setdefault("cache_dir", tmp_path / "scripted-cache")
        for name, value in FAST.items():
            options.setdefault(name, value)
        client = PatsnapClient(base_url=server.base_url, **options)
        stack.append(client)
        return server, client

    yield start
    for item in reversed(stack):
        if isinstance(item, PatsnapClient):
            item.close()
        else:
            item.__exit__(None, None, None)


# --- read-only volumes ----------------------------------------------------------------------------

def _run(*command: str) -> bool:
    import subprocess

    try:
        return subprocess.run(command, capture_output=True, check=False).returncode == 0
    except OSError:
        return False


@pytest.fixture
def read_only_volume():
    """``make(folder, how="mount")``: ``folder`` turned read-only until the test ends; returns how it was done.

    ``"mount"``: bind-mounted read-only onto itself, a read-only volume as the kernel sees it
    (needs root and mount rights); ``"immutable"``: every file and folder in it made immutable
    (``chattr -R +i``: root, where mount is not allowed). Either falls back to the next, and
    ``"chmod"`` (no write bits) comes last, for a user who is not root.
    """
    import os

    undo = []

    def make(folder, how: str = "mount") -> str:
        folder = str(folder)
        if how == "mount" and _run("mount", "--bind", folder, folder):
            undo.append(("umount", "-l", folder))
            if _run("mount", "-o", "remount,bind,ro", folder):
                return "mount"
        if os.geteuid() == 0 and _run("chattr", "-R", "+i", folder):
            undo.append(("chattr", "-R", "-i", folder))
            return "immutable"
        _run("chmod", "-R", "a-w", folder)
        undo.append(("chmod", "-R", "u+w", folder))
        return "chmod"

    yield make
    for command in reversed(undo):
        _run(*command)
