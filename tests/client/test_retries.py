"""Retries: transient failures end in success, without extra billed calls; the rest fail at once."""

from __future__ import annotations

import socket
import time

import pytest
from werkzeug.wrappers import Response

from patsnap_pandas import (
    InvalidParameterError,
    QuotaExceededError,
    RateLimitError,
    ServiceUnavailableError,
)
from tests.helpers import SEARCH_DATA, envelope, error_body, json_response


def test_thirty_percent_transient_failures_all_calls_succeed(sandbox, make_client, query_png):
    # every failure kind: HTTP 500/502/503, 68300008 with HTTP 200, dropped connections
    sandbox.configure(failure_rate=0.3, seed=7)
    client = make_client(cache=False, max_retries=8)
    ids = [d.patent_id for d in sandbox.corpus.designs]
    uploaded = client.upload_image(query_png, "q.png")
    calls = 1
    for limit in range(1, 13):
        page = client.create_search(uploaded.url, limit=limit)
        assert len(page.hits) == limit
        more = client.search_results(page.search_id, offset=limit, limit=5)
        assert len(more.hits) == 5
        assert client.legal_status(ids[limit:limit + 3])
        assert client.bibliography(ids[limit:limit + 2])
        calls += 4
    entries = sandbox.ledger.entries()
    failed = [e for e in entries if not e.ok]
    assert sum(e.ok for e in entries) == calls  # exactly one successful (billed) call per call
    assert len(failed) >= 10 and {e.http_status for e in failed} >= {0, 200, 500, 502, 503}
    # every failed billed call was a retry, and nothing else was billed
    assert client.usage.retries == len(failed)
    assert client.usage.billed_calls == len(entries)


def test_quota_error_surfaces_at_once(sandbox, make_client):
    sandbox.configure(quota=2, quota_code=67200007)
    client = make_client(auth="api_key", max_retries=5, backoff_factor=0.5)
    ids = [d.patent_id for d in sandbox.corpus.designs[:3]]
    client.legal_status(ids[:1])
    client.legal_status(ids[1:2])
    with pytest.raises(QuotaExceededError) as info:
        client.legal_status(ids[2:3])
    assert info.value.code == 67200007
    assert [e.ok for e in sandbox.ledger] == [True, True, False]  # no retry storm
    assert client.usage.retries == 0


def test_rate_limit_code_backs_off_then_gives_up(sandbox, make_client):
    sandbox.configure(quota=0, quota_code=67200002)
    client = make_client(auth="api_key", max_retries=3, backoff_factor=0.02)
    started = time.monotonic()
    with pytest.raises(RateLimitError):
        client.legal_status([sandbox.corpus.designs[0].patent_id])
    assert len(sandbox.ledger) == 4  # bounded: 1 + max_retries
    assert time.monotonic() - started < 2


def test_parameter_errors_are_not_retried(sandbox, client):
    with pytest.raises(InvalidParameterError):
        client.create_search("https://example.invalid/q.png")
    assert len(sandbox.ledger) == 1 and client.usage.retries == 0


@pytest.mark.parametrize("code", [68300005, 68300008, 67200000, 67200002])
def test_retryable_codes_are_resent_unchanged(scripted, code):
    def handler(request, n):
        if n < 2:
            return json_response(error_body(code))
        return json_response(envelope(SEARCH_DATA))

    server, client = scripted(handler)
    page = client.create_search("https://images.example/q.png", filters={"country": "cn"}, limit=5)
    assert page.search_id == "SCRIPTED-1-D"
    first, second, third = server.requests
    assert first.query == second.query == third.query
    assert first.headers["Authorization"] == third.headers["Authorization"]
    assert client.usage.retries == 2


def test_upload_retry_resends_the_same_bytes(scripted):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4

    def handler(request, n):
        if n == 0:
            return Response("<html>bad gateway</html>", status=502, mimetype="text/html")
        return json_response(envelope({"url": "https://files.example/u.png", "expire": 32400}))

    server, client = scripted(handler)
    uploaded = client.upload_image(png, "q.png")
    assert uploaded.url == "https://files.example/u.png"
    first, second = server.requests
    assert first.body == second.body and png in first.body
    assert first.headers["Content-Type"] == second.headers["Content-Type"]


def test_retry_after_is_honoured_for_envelope_codes(scripted):
    def handler(request, n):
        if n == 0:
            return json_response(error_body(67200002), 429, headers={"Retry-After": "1"})
        return json_response(envelope(SEARCH_DATA))

    server, client = scripted(handler)
    started = time.monotonic()
    client.create_search("https://images.example/q.png")
    assert 1.0 <= time.monotonic() - started < 3


def test_retry_after_is_honoured_for_http_503(scripted):
    def handler(request, n):
        if n == 0:
            return Response("busy", status=503, headers={"Retry-After": "1"})
        return json_response(envelope(SEARCH_DATA))

    server, client = scripted(handler)
    started = time.monotonic()
    client.create_search("https://images.example/q.png")
    assert 1.0 <= time.monotonic() - started < 3
    assert len(server.requests) == 2


def test_other_4xx_are_not_retried(scripted):
    server, client = scripted(lambda request, n: json_response({"error": "nope"}, 400))
    with pytest.raises(Exception):
        client.create_search("https://images.example/q.png")
    assert len(server.requests) == 1


def test_connection_refused_ends_in_service_unavailable(tmp_path):
    from patsnap_pandas import PatsnapClient

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    client = PatsnapClient(api_key="sk-connection-test-key", base_url=f"http://127.0.0.1:{port}",
                           cache_dir=tmp_path, max_retries=2, backoff_factor=0.001)
    with client, pytest.raises(ServiceUnavailableError) as info:
        client.create_search("https://images.example/q.png")
    text = str(info.value)
    assert "after 2 retries" in text and f"127.0.0.1:{port}" in text
    assert "sk-connection-test-key" not in text and "images.example" not in text  # no query strings
    assert client.usage.requests["search"] == 3 and client.usage.billed_calls == 0


def test_timeouts_are_retried_then_reported(scripted):
    def handler(request, n):
        if n < 2:
            time.sleep(0.5)
        return json_response(envelope(SEARCH_DATA))

    server, client = scripted(handler, timeout=0.2, max_retries=1)
    with pytest.raises(ServiceUnavailableError, match="timed out"):
        client.create_search("https://images.example/q.png")
    server, client = scripted(handler, timeout=0.2, max_retries=3)
    assert client.create_search("https://images.example/q.png").search_id == "SCRIPTED-1-D"
