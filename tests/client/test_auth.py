"""Both authentication schemes, token expiry and refresh, over HTTP."""

from __future__ import annotations

import base64
import threading
import time
from urllib.parse import parse_qs

import pytest

from patsnap_pandas import AuthenticationError, PatsnapClient
from patsnap_pandas.api.auth import TokenAuth
from tests.helpers import SEARCH_DATA, TOKEN_BODY, envelope, error_body, json_response


@pytest.mark.parametrize("auth", ["token", "api_key"])
def test_each_scheme_searches(sandbox, make_client, query_png, auth):
    client = make_client(auth=auth)
    uploaded = client.upload_image(query_png, "q.png")
    page = client.create_search(uploaded.url, limit=3)
    assert len(page.hits) == 3
    assert [e.ok for e in sandbox.ledger] == [True, True]
    assert client.usage.requests.get("token", 0) == (1 if auth == "token" else 0)


def test_scheme_headers_and_parameters(scripted):
    def handler(request, n):
        return None if request.path == "/oauth/token" else json_response(envelope(SEARCH_DATA))

    server, client = scripted(handler, auth="token")
    client.create_search("https://images.example/q.png", limit=1)
    token_call, search_call = server.requests
    assert token_call.method == "POST" and token_call.path == "/oauth/token"
    expected = base64.b64encode(b"scripted-client-id:scripted-client-secret").decode()
    assert token_call.headers["Authorization"] == f"Basic {expected}"
    assert token_call.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert token_call.body == b"grant_type=client_credentials"
    assert search_call.headers["Authorization"] == f"Bearer {TOKEN_BODY['token']}"
    assert parse_qs(search_call.query)["apikey"] == ["scripted-client-id"]

    server, client = scripted(handler, auth="api_key")
    client.create_search("https://images.example/q.png", limit=1)
    (search_call,) = server.requests  # no token exchange
    assert search_call.headers["Authorization"] == "Bearer sk-scripted-key-0123456789"
    assert "apikey" not in parse_qs(search_call.query)


def test_token_is_fetched_once_and_reused(sandbox, client, query_url):
    for limit in (1, 2, 3, 4):
        client.create_search(query_url, limit=limit)
    assert client.usage.requests["token"] == 1


def test_token_refreshes_before_it_expires(sandbox, make_client, clock):
    """A 2 s token (expires_in 1 s): refreshed at half-life, never rejected."""
    sandbox.configure(token_lifetime=2)
    client = make_client(cache=False)  # every call goes to the server
    calls = 0
    for _ in range(25):  # a call every 0.1 s for 2.5 s
        client.legal_status([sandbox.corpus.designs[calls % 10].patent_id])
        calls += 1
        clock.shift(0.1)
    tokens = client.usage.requests["token"]
    assert tokens >= 3  # about one per half second
    assert all(e.ok for e in sandbox.ledger) and len(sandbox.ledger) == calls


def test_rejected_token_is_refreshed_once_and_the_call_retried(sandbox, make_client, clock):
    sandbox.configure(token_lifetime=1)
    client = make_client()
    ids = [d.patent_id for d in sandbox.corpus.designs[:2]]
    client.legal_status(ids[:1])
    clock.shift(1.1)
    # Pretend the local clock runs behind the server's: the client still trusts its token.
    client._pipeline.auth._refresh_at = float("inf")
    items = client.legal_status(ids[1:])
    assert items[0]["patent_id"] == ids[1]
    assert [e.error_code for e in sandbox.ledger] == [None, 67200003, None]
    assert client.usage.requests["token"] == 2


def test_a_token_rejected_twice_is_an_error(scripted):
    def handler(request, n):
        if request.path == "/oauth/token":
            return None  # a valid token each time
        return json_response(error_body(67200003, "token expired"))

    server, client = scripted(handler, auth="token", max_retries=3)
    with pytest.raises(AuthenticationError) as info:
        client.create_search("https://images.example/q.png")
    assert info.value.code == 67200003
    assert server.paths() == ["/oauth/token", "/image-search/search-id"] * 2


def test_http_401_on_a_call_refreshes_the_token(scripted):
    def handler(request, n):
        if request.path == "/oauth/token":
            return None
        if n == 0:
            return json_response({"message": "Unauthorized"}, 401)
        return json_response(envelope(SEARCH_DATA))

    server, client = scripted(handler, auth="token")
    page = client.create_search("https://images.example/q.png", limit=1)
    assert page.search_id == "SCRIPTED-1-D"
    assert server.paths() == ["/oauth/token", "/image-search/search-id"] * 2


def test_threads_share_one_token_fetch(sandbox, make_client):
    sandbox.configure(latency=0.05)  # widens the window in which threads would race
    client = make_client()
    ids = [d.patent_id for d in sandbox.corpus.designs[:8]]
    errors = []

    def work(patent_id):
        try:
            client.legal_status([patent_id])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(pid,)) for pid in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert client.usage.requests["token"] == 1


def test_token_answer_parsing():
    now = time.time()
    clock = [now]
    answers = [{"token": "t1", "expires_in": 1799, "issued_at": str(int(now * 1000))},
               {"token": "t2", "expires_in": 100},  # no issued_at: local clock
               {"token": "t3", "expires_in": 10, "issued_at": "1000"}]  # absurd issued_at: skew ignored

    auth = TokenAuth("id-0000", "secret-0000", lambda cid, secret: answers.pop(0), clock=lambda: clock[0])
    assert auth.token() == "t1"
    assert auth.expires_at == pytest.approx(now + 1799, abs=0.01)
    clock[0] = now + 1799 - 61
    assert auth.token() == "t1"  # not yet within 60 s of expiry
    clock[0] = now + 1799 - 59
    assert auth.token() == "t2"  # refreshed 60 s early
    issued = clock[0]
    clock[0] = issued + 49
    assert auth.token() == "t2"
    clock[0] = issued + 50
    assert auth.token() == "t3"  # lifetime 100 s: never before half-life, so 50 s early
    assert auth.expires_at == pytest.approx(clock[0] + 10, abs=0.01)
    assert "secret-0000" not in repr(auth) and "id-0000" not in repr(auth)


@pytest.mark.parametrize("answer", [{"token_type": "BearerToken"}, {"token": ""},
                                    {"token": "t", "expires_in": "soon"}, {"token": "t", "expires_in": 0},
                                    ["t"]])
def test_bad_token_answers_are_format_errors(scripted, answer):
    from patsnap_pandas import ResponseFormatError

    server, client = scripted(lambda request, n: json_response(answer), auth="token")
    with pytest.raises(ResponseFormatError) as info:
        client.legal_status(["x"])
    assert info.value.endpoint == "/oauth/token"


def test_repr_shows_base_url_and_scheme_never_a_secret(sandbox, make_client, tmp_path):
    creds = sandbox.credentials
    for auth, kind in (("token", "client credentials (token)"), ("api_key", "API key")):
        client = make_client(auth=auth)
        client.legal_status([sandbox.corpus.designs[0].patent_id])  # holds a token now
        text = repr(client) + str(client) + repr(client._pipeline.auth) + repr(client.usage)
        assert sandbox.base_url in text and kind in text
        for secret in (creds.client_id, creds.client_secret, creds.api_key, client._pipeline.auth.__dict__.get("_token")):
            if secret:
                assert secret not in text
    with PatsnapClient.sandbox(corpus_size=60, cache_dir=tmp_path / "sbx") as client:
        assert "sandbox=True" in repr(client)
