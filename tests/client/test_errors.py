"""Every error code and HTTP failure maps to its exception class; malformed answers never crash."""

from __future__ import annotations

import pickle

import pytest
from werkzeug.wrappers import Response

from patsnap_pandas import codes
from patsnap_pandas.errors import (
    AuthenticationError,
    BadRequestError,
    InvalidParameterError,
    PatsnapError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitError,
    ResponseFormatError,
    SearchExpiredError,
    ServiceUnavailableError,
    UploadRejectedError,
    error_for,
)
from tests.helpers import SEARCH_DATA, envelope, error_body, json_response

EXPECTED = {
    68300004: InvalidParameterError,
    68300005: ServiceUnavailableError,
    68300006: PermissionDeniedError,
    68300007: BadRequestError,
    68300008: ServiceUnavailableError,
    68300010: UploadRejectedError,
    67200000: ServiceUnavailableError,
    67200001: QuotaExceededError,
    67200002: RateLimitError,
    67200003: AuthenticationError,
    67200004: QuotaExceededError,
    67200005: QuotaExceededError,
    67200006: AuthenticationError,
    67200007: QuotaExceededError,
    67200008: AuthenticationError,
    67200009: AuthenticationError,
}


def test_expected_table_covers_every_documented_code():
    assert set(EXPECTED) == set(codes.ERROR_CODES)


@pytest.mark.parametrize("code", sorted(codes.ERROR_CODES))
def test_error_for_maps_each_code(code):
    err = error_for(code, None, endpoint="/image-search/search-id")
    assert type(err) is EXPECTED[code]
    assert err.code == code and err.endpoint == "/image-search/search-id"
    assert err.message == codes.ERROR_CODES[code][0]
    assert str(err).startswith(f"[error {code}, on /image-search/search-id] ")
    assert err.hint and err.hint in str(err)  # says what to do next


@pytest.mark.parametrize(("status", "cls"), [(400, BadRequestError), (401, AuthenticationError),
                                              (403, PermissionDeniedError), (404, BadRequestError),
                                              (418, BadRequestError), (429, RateLimitError),
                                              (500, ServiceUnavailableError),
                                              (502, ServiceUnavailableError),
                                              (503, ServiceUnavailableError)])
def test_error_for_maps_http_status_without_code(status, cls):
    err = error_for(None, None, endpoint="/x", http_status=status)
    assert type(err) is cls and err.http_status == status and err.code is None


def test_search_expired_only_on_the_results_endpoint():
    results = "/image-search/results"
    assert type(error_for(codes.SEARCH_EXPIRED_CODE, "x", endpoint=results)) is SearchExpiredError
    assert type(error_for(68300004, "search_id is invalid", endpoint=results)) is SearchExpiredError
    assert type(error_for(None, "Unknown search id", endpoint=results, http_status=404)) is SearchExpiredError
    assert type(error_for(codes.SEARCH_EXPIRED_CODE, "x", endpoint="/image-search/search-id")) is BadRequestError
    # a quota error that mentions the search id is still a quota error
    assert type(error_for(67200007, "search id quota", endpoint=results)) is QuotaExceededError


def test_errors_survive_pickling():
    err = error_for(67200007, None, endpoint="/image-search/search-id", http_status=200)
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is QuotaExceededError
    assert (copy.code, copy.endpoint, copy.message, str(copy)) == (err.code, err.endpoint, err.message, str(err))


def test_class_hierarchy():
    assert issubclass(RateLimitError, QuotaExceededError)
    for cls in set(EXPECTED.values()) | {ResponseFormatError, SearchExpiredError}:
        assert issubclass(cls, PatsnapError)


# --- over HTTP: the sandbox produces what it can -----------------------------------------------

def test_sandbox_invalid_parameter(sandbox, client):
    with pytest.raises(InvalidParameterError) as info:
        client.create_search("https://example.invalid/a.png")
    assert info.value.code == 68300004 and "url" in info.value.message
    assert info.value.endpoint == "/image-search/search-id"


def test_sandbox_upload_rejected(client, query_png):
    broken = query_png[:200]  # a PNG signature, then garbage: only the server can tell
    with pytest.raises(UploadRejectedError) as info:
        client.upload_image(broken, "broken.png")
    assert info.value.code == 68300010
    assert "prepare_image" in str(info.value)


def test_sandbox_search_expired(sandbox, client, query_url):
    with pytest.raises(SearchExpiredError) as info:
        client.search_results("NO-SUCH-SEARCH-1-D")
    assert info.value.code == codes.SEARCH_EXPIRED_CODE
    assert codes.SEARCH_EXPIRED_MESSAGE in info.value.message
    assert "create the search again" in str(info.value).lower()


def test_sandbox_search_id_expires_after_its_lifetime(sandbox, client, query_url, clock):
    sandbox.configure(search_id_lifetime=0.6)
    page = client.create_search(query_url, limit=2)
    assert client.search_results(page.search_id, offset=2, limit=2).hits
    clock.shift(0.7)
    with pytest.raises(SearchExpiredError):
        client.search_results(page.search_id, offset=4, limit=2)


def test_sandbox_bad_credentials(sandbox, make_client):
    token_client = make_client(client_secret="wrong-secret-123")
    with pytest.raises(AuthenticationError) as info:
        token_client.legal_status(["x"])
    assert info.value.http_status == 401 and info.value.code == 67200003
    assert info.value.endpoint == "/oauth/token"
    assert "PATSNAP_CLIENT_ID" in str(info.value) and "PATSNAP_CLIENT_SECRET" in str(info.value)
    assert len(sandbox.ledger) == 0  # the token endpoint is not billed

    key_client = make_client(auth="api_key", api_key="sk-not-the-right-key")
    with pytest.raises(AuthenticationError) as info:
        key_client.legal_status(["x"])
    assert info.value.code == 67200003 and "PATSNAP_API_KEY" in str(info.value)
    assert [e.error_code for e in sandbox.ledger] == [67200003]  # no refresh loop for an API key


@pytest.mark.parametrize("code", sorted(set(EXPECTED) & {67200001, 67200004, 67200005, 67200007}))
def test_sandbox_quota_codes(sandbox, make_client, code):
    sandbox.configure(quota=0, quota_code=code)
    client = make_client(auth="api_key")
    with pytest.raises(EXPECTED[code]) as info:
        client.legal_status([sandbox.corpus.designs[0].patent_id])
    assert info.value.code == code
    assert len(sandbox.ledger) == 1  # not retried


@pytest.mark.parametrize(("kind", "code", "cls"), [(68300008, 68300008, ServiceUnavailableError),
                                                   (500, 67200000, ServiceUnavailableError),
                                                   (502, None, ServiceUnavailableError),
                                                   (503, None, ServiceUnavailableError)])
def test_sandbox_transient_failures_after_retries(sandbox, make_client, kind, code, cls):
    sandbox.configure(failure_rate=1.0, failure_kinds=(kind,))
    client = make_client(auth="api_key", max_retries=2)
    with pytest.raises(cls) as info:
        client.legal_status([sandbox.corpus.designs[0].patent_id])
    assert info.value.code == code
    assert len(sandbox.ledger) == 3  # 1 + 2 retries
    assert client.usage.billed_calls == 3 and client.usage.retries == 2


def test_sandbox_rate_limit_code(sandbox, make_client):
    sandbox.configure(quota=0, quota_code=67200002)
    client = make_client(auth="api_key", max_retries=1)
    with pytest.raises(RateLimitError) as info:
        client.legal_status([sandbox.corpus.designs[0].patent_id])
    assert info.value.code == 67200002 and "Gave up after 1 retries." in str(info.value)


# --- over HTTP: a scripted server for what the sandbox never sends ------------------------------

@pytest.mark.parametrize("code", sorted(codes.ERROR_CODES))
def test_every_code_over_http(scripted, code):
    server, client = scripted(lambda request, n: json_response(error_body(code, f"message {code}")),
                              max_retries=1)
    with pytest.raises(EXPECTED[code]) as info:
        client.create_search("https://images.example/q.png")
    err = info.value
    assert (err.code, err.message, err.endpoint, err.http_status) == (
        code, f"message {code}", "/image-search/search-id", 200)
    calls = server.paths().count("/image-search/search-id")
    assert calls == (2 if code in codes.RETRYABLE_CODES else 1)


@pytest.mark.parametrize(("status", "cls"), [(401, AuthenticationError), (403, PermissionDeniedError),
                                              (404, BadRequestError), (429, RateLimitError),
                                              (502, ServiceUnavailableError)])
def test_http_status_without_envelope_over_http(scripted, status, cls):
    page = f"<html><head><title>{status} Some Error</title></head><body>nope</body></html>"
    server, client = scripted(lambda request, n: Response(page, status=status, mimetype="text/html"),
                              max_retries=0)
    with pytest.raises(cls) as info:
        client.create_search("https://images.example/q.png")
    assert info.value.http_status == status and info.value.code is None
    assert f"{status} Some Error" in info.value.message  # the page's title, not the whole page


def test_search_expired_by_message_over_http(scripted):
    answer = error_body(68300004, "search_id does not exist")
    server, client = scripted(lambda request, n: json_response(answer))
    with pytest.raises(SearchExpiredError):
        client.search_results("OLD-1-D")


MALFORMED = {
    "truncated JSON": (200, '{"data": {"search_id": "X", "patent_messa'),
    "HTML page with 200": (200, "<html><head><title>Login</title></head><body>portal</body></html>"),
    "empty body": (200, ""),
    "JSON list": (200, "[1, 2, 3]"),
    "JSON string": (200, '"ok"'),
    "no data": (200, '{"status": true, "error_code": 0}'),
    "data is a list": (200, '{"status": true, "error_code": 0, "data": []}'),
    "patent_messages not a list": (200, '{"status": true, "error_code": 0, "data": {"search_id": "X", '
                                        '"patent_messages": {"a": 1}, "total_search_result_count": 1}}'),
    "hit not an object": (200, '{"status": true, "error_code": 0, "data": {"search_id": "X", '
                               '"patent_messages": [3], "total_search_result_count": 1}}'),
    "hit without patent_id": (200, '{"status": true, "error_code": 0, "data": {"search_id": "X", '
                                   '"patent_messages": [{"score": 0.5}], "total_search_result_count": 1}}'),
    "score not a number": (200, '{"status": true, "error_code": 0, "data": {"search_id": "X", '
                                '"patent_messages": [{"patent_id": "p", "score": "high"}]}}'),
    "title not a string": (200, '{"status": true, "error_code": 0, "data": {"search_id": "X", '
                                '"patent_messages": [{"patent_id": "p", "title": ["a"]}]}}'),
    "total not a count": (200, '{"status": true, "error_code": 0, "data": {"search_id": "X", '
                               '"patent_messages": [], "total_search_result_count": "many"}}'),
    "search_id missing": (200, '{"status": true, "error_code": 0, "data": {"patent_messages": []}}'),
    "error_code not a number": (200, '{"status": true, "error_code": "oops", "data": {}}'),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_answers_raise_response_format_error(scripted, case):
    status, text = MALFORMED[case]
    server, client = scripted(lambda request, n: json_response(text, status))
    with pytest.raises(ResponseFormatError) as info:
        client.create_search("https://images.example/q.png")
    assert info.value.endpoint == "/image-search/search-id"
    assert "check the base URL" in str(info.value) or "not" in str(info.value)


def test_malformed_upload_and_lookup_answers(scripted):
    png_like = b"\x89PNG\r\n\x1a\n" + b"0" * 64  # the client checks the signature only
    def handler(request, n):
        if request.path.endswith("image-upload"):
            return json_response(envelope({"expire": 10}))
        return json_response(envelope({"not": "a list"}))

    server, client = scripted(handler)
    with pytest.raises(ResponseFormatError, match="no 'url'"):
        client.upload_image(png_like, "q.png")
    with pytest.raises(ResponseFormatError, match="not a list of objects"):
        client.bibliography(["a"])


@pytest.mark.parametrize("expire", [0, -5, "9h", True, float("inf"), float("nan")])
def test_an_upload_answer_without_a_usable_lifetime_is_refused(scripted, expire):
    png_like = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    server, client = scripted(lambda request, n: json_response(  # json.dumps writes inf/nan as Infinity/NaN
        envelope({"url": "https://images.example/u.png", "expire": expire})))
    with pytest.raises(ResponseFormatError) as info:
        client.upload_image(png_like, "q.png")
    assert f"The upload answer has expire={expire!r}, not seconds > 0." in str(info.value)
    assert client.cache_info()["uploads"] == 0  # nothing remembered


def test_unknown_fields_and_variants_are_tolerated(scripted):
    data = {"search_id": "S-1", "patent_messages": [
        {**SEARCH_DATA["patent_messages"][0], "score": "0.75", "img_id": "i1", "loc": ["01-01"]},
        {"patent_id": "p2", "score": None}], "total": "2"}
    server, client = scripted(lambda request, n: json_response(
        {"data": data, "status": "true", "error_code": "0"}))
    page = client.create_search("https://images.example/q.png", limit=2)
    assert page.total == 2 and page.hits[0].score == 0.75
    assert page.hits[0].extra == {"img_id": "i1", "loc": ["01-01"]}
    assert page.hits[1].patent_pn is None and page.hits[1].score is None
