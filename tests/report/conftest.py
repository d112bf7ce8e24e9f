"""Fixtures of the report tests: one sandbox over real HTTP for the session, clients, result frames."""

from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")  # tests render to PNG, never to a screen

import patsnap_pandas  # registers df.patsnap
from patsnap_pandas import PatsnapClient, search_designs
from tests.helpers import DEFAULT_CORPUS_SIZE, EXPIRY_RULE, FAST, design_png

assert patsnap_pandas  # imported for its side effect



@pytest.fixture
def patsnap_sandbox_options():
    """This folder's corpus: tests/conftest.py makes ``sandbox``, ``shared_sandbox`` and ``corpus`` of it."""
    return {"corpus_size": DEFAULT_CORPUS_SIZE}


@pytest.fixture(scope="module")
def module_sandbox(patsnap_sandboxes):
    """This folder's session sandbox, for a module's shared fixtures (one PDF made once, read by several tests)."""
    return patsnap_sandboxes.shared(corpus_size=DEFAULT_CORPUS_SIZE)


@pytest.fixture(scope="module")
def module_client(module_sandbox, tmp_path_factory):
    """A client of :func:`module_sandbox` with a cache of the module's own."""
    from patsnap_pandas.testing import ClientFactory

    with ClientFactory(tmp_path_factory.mktemp("module-client"), module_sandbox, **FAST) as make:
        yield make()


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


@pytest.fixture
def clearance_frames(hits):
    """(kept, excluded, provenance) of a clearance on 2027-01-01 in US, EM and CN: the 12 hits of ``hits``
    split 7 kept (6 in force, 1 pending) and 5 excluded (2 expired, 2 lapsed, 1 outside the markets): the columns
    the clearance job writes (docs/clearance.md), made by hand, so the report tests take the data, not the job."""
    import datetime as dt

    kept = hits.head(7).copy()
    kept["in_force"] = ["in force"] * 6 + ["pending"]
    kept["in_force_reason"] = ["within the term, which ends on 2036-03-02"] * 6 + ["published, not yet granted"]
    kept["expiry_estimate"] = [dt.date(2036, 3, 2)] * 5 + [dt.date(2031, 5, 1), None]
    kept["expiry_rule"] = [EXPIRY_RULE] * 7
    kept["expiry_certainty"] = ["rule"] * 5 + ["rule, transition assumed", "unknown: grant date missing"]
    kept["expiry_patsnap"] = [dt.date(2036, 3, 2), dt.date(2036, 9, 30)] + [None] * 5  # 212 days apart
    kept["next_renewal"] = ["2027-03-02 (renewal 3)"] * 6 + [None]
    excluded = hits.tail(5).copy()
    excluded["in_force"] = ["expired", "lapsed", "lapsed", "expired", "not in the markets"]
    excluded["in_force_reason"] = ["the term ended on 2020-01-02", "legal status: annual fee unpaid, since 2019-04-01",
                                   "legal status: withdrawn", "the term ended on 2024-12-31",
                                   "Japan is not among the markets"]
    provenance = {"markets": ["US", "EM", "CN"], "on": dt.date(2027, 1, 1)}
    return kept, excluded, provenance


@pytest.fixture
def evidence(hits):
    """A prior-art job's evidence (all published before 2030-01-01), every other hit a utility model (``patent_type`` U)."""
    out = hits.copy()
    out["patent_type"] = ["D", "U"] * (len(out) // 2)
    return out
