"""Fixtures of the client tests: small sandboxes over real HTTP, and a tiny scripted server.

The scripted server (werkzeug on 127.0.0.1) answers what a test tells it to, for the
answers the sandbox cannot produce (codes it never sends, malformed bodies,
Retry-After headers). It is still real HTTP: nothing in requests is mocked.
"""

from __future__ import annotations

import pytest

from patsnap_pandas import PatsnapClient
from tests.helpers import FAST, SMALL_CORPUS_SIZE, scripted_server


@pytest.fixture
def patsnap_sandbox_options():
    """This folder's corpus: tests/conftest.py makes ``sandbox``, ``shared_sandbox`` and ``corpus`` of it."""
    return {"corpus_size": SMALL_CORPUS_SIZE}


@pytest.fixture
def client_options():
    """The clients of ``make_client`` and ``client`` (tests/conftest.py): tiny backoffs (FAST)."""
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
