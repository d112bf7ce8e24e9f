"""Fixtures of the report tests: one sandbox over real HTTP for the session, clients, result frames."""

from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")  # tests render to PNG, never to a screen

import patsnap_pandas  # registers df.patsnap
from patsnap_pandas import PatsnapClient, search_designs
from tests.helpers import DEFAULT_CORPUS_SIZE, FAST, design_png

assert patsnap_pandas  # imported for its side effect



@pytest.fixture
def patsnap_sandbox_options():
    """This folder's corpus: tests/conftest.py makes ``sandbox``, ``shared_sandbox`` and ``corpus`` of it."""
    return {"corpus_size": DEFAULT_CORPUS_SIZE}


@pytest.fixture
def hits(client, corpus):
    """A real sandbox search: 12 hits for the drawing of design 5, enriched (thumbnails prefetched)."""
    return search_designs(design_png(corpus, 5), client=client, limit=12).patsnap.enrich(legal_status=True)


@pytest.fixture
def plain_server(shared_sandbox):
    """A loopback server that is not a sandbox: it forwards the API to the sandbox but has no
    ``/_sandbox/status`` page (as a proxy or a recording would). Its data must not get the banner."""
    import threading

    import requests
    from werkzeug.serving import make_server
    from werkzeug.wrappers import Request, Response

    target = shared_sandbox.base_url.rstrip("/")

    @Request.application
    def app(request: Request) -> Response:
        if request.path.startswith("/_sandbox"):
            return Response("not found", status=404)
        answer = requests.request(request.method, target + request.full_path.rstrip("?"),
                                  data=request.get_data(), timeout=30, allow_redirects=False,
                                  headers={k: v for k, v in request.headers.items()
                                           if k.lower() not in ("host", "content-length")})
        return Response(answer.content, status=answer.status_code,
                        content_type=answer.headers.get("Content-Type"))

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture
def plain_hits(plain_server, shared_sandbox, corpus, tmp_path):
    """12 enriched hits fetched through the non-sandbox loopback server."""
    creds = shared_sandbox.credentials
    client = PatsnapClient(base_url=plain_server, api_key=creds.api_key, cache_dir=tmp_path / "plain",
                           **FAST)
    try:
        yield search_designs(design_png(corpus, 5), client=client, limit=12).patsnap.enrich()
    finally:
        client.close()
