"""Server lifecycle: loopback binding, ports, context manager, stop, shared engine, HTTP basics."""

from __future__ import annotations

import socket

import pytest
import requests

from patsnap_pandas.sandbox import Sandbox, start_sandbox
from tests.helpers import DEFAULT_CORPUS_SIZE, Api, error_of


def test_binds_loopback_by_default(sandbox):
    host, port = sandbox._server.socket.getsockname()[:2]
    assert host == "127.0.0.1"
    assert sandbox.base_url == f"http://127.0.0.1:{port}"
    assert isinstance(sandbox, Sandbox)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_fixed_port_and_context_manager_stop():
    port = free_port()
    with start_sandbox(corpus_size=DEFAULT_CORPUS_SIZE, port=port) as server:
        assert server.base_url == f"http://127.0.0.1:{port}"
        assert requests.get(server.base_url + "/_sandbox/status", timeout=5).json()["ready"] is True
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/_sandbox/status", timeout=5)
    server.stop()  # idempotent


def test_port_in_use_raises_oserror(sandbox):
    with pytest.raises(OSError):
        start_sandbox(corpus_size=DEFAULT_CORPUS_SIZE, port=sandbox.port)


def test_sandboxes_share_the_loaded_corpus(sandbox, make_sandbox):
    other = make_sandbox()
    assert other.corpus is sandbox.corpus
    assert other.base_url != sandbox.base_url


def test_wait_false_answers_tokens_while_the_corpus_loads(corpus):
    with start_sandbox(corpus_size=DEFAULT_CORPUS_SIZE, wait=False) as server:
        creds = server.credentials
        response = requests.post(
            server.base_url + "/oauth/token",
            auth=(creds.client_id, creds.client_secret),
            data={"grant_type": "client_credentials"},
            timeout=5,
        )
        assert response.status_code == 200
        server.wait_ready()
        assert Api(server).json("/basic-patent-data/simple-legal-status", patent_id=corpus.designs[0].patent_id)["status"]


def test_corpus_load_error_is_raised_by_start_sandbox(tmp_path):
    with pytest.raises(RuntimeError, match="failed to load"):
        start_sandbox(tmp_path / "no-such-corpus")


def test_corpus_load_error_is_67200000_for_calls_when_not_waiting(tmp_path):
    with start_sandbox(tmp_path / "no-such-corpus", wait=False) as server:
        response = Api(server).get("/basic-patent-data/simple-legal-status", patent_id="x")
        assert response.status_code == 500
        assert error_of(response)[0] == 67200000
        assert requests.get(server.base_url + "/_sandbox/status", timeout=5).json()["ready"] is False


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/oauth/token"),
        ("POST", "/image-search/search-id"),
        ("GET", "/image-search/image-upload"),
    ],
)
def test_wrong_method_is_405(sandbox, method, path):
    assert requests.request(method, sandbox.base_url + path, timeout=5).status_code == 405


def test_unknown_path_is_404(sandbox):
    assert requests.get(sandbox.base_url + "/image-search/nothing", timeout=5).status_code == 404


def test_responses_are_utf8_json(api, corpus):
    design = next(d for d in corpus.designs if d.lang == "zh")
    response = api.get("/basic-patent-data/simple-bibliography", patent_id=design.patent_id)
    assert response.headers["Content-Type"] == "application/json"
    assert design.title.encode("utf-8") in response.content  # not \\u-escaped
    assert response.json()["data"][0]["bibliographic_data"]["invention_title"][0]["text"] == design.title
