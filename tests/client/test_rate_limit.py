"""PatsnapClient.limited(rate): checked, the stricter rate wins, the old limit comes back.

Asserts on the limiter's ``rate`` and ``admitted`` (http.RateLimiter), never on timing.
"""

from __future__ import annotations

import math

import pytest

from patsnap_pandas import SearchFilters
from patsnap_pandas.errors import InvalidInputError


@pytest.mark.parametrize("rate", [0, -1, -0.5, math.inf, math.nan, True, False, "5", [5]])
def test_bad_rate_is_refused_naming_the_parameter_and_changes_nothing(make_client, rate):
    client = make_client(rate_limit=10)
    with pytest.raises(InvalidInputError) as caught:
        with client.limited(rate):
            pytest.fail("the block must not run")
    message = str(caught.value)
    assert message.startswith(f"rate={rate!r} is not valid: ")
    assert "calls per second > 0" in message
    assert client._pipeline.limiter.rate == 10


@pytest.mark.parametrize(("client_rate", "block_rate", "inside"), [
    (None, 4, 4.0),      # no client limit: the block's applies
    (10, 2, 2.0),        # the block is stricter
    (10, 50, 10),        # the client is stricter
    (3, 3.0, 3.0),
])
def test_the_stricter_rate_applies_inside_and_the_old_one_comes_back(make_client, client_rate, block_rate,
                                                                     inside):
    client = make_client(rate_limit=client_rate)
    assert client._pipeline.limiter.rate == client_rate
    with client.limited(block_rate) as limited:
        assert limited is client
        assert client._pipeline.limiter.rate == inside
    assert client._pipeline.limiter.rate == client_rate


def test_nested_blocks_restore_each_level(make_client):
    client = make_client(rate_limit=20)
    with client.limited(8):
        with client.limited(2):
            assert client._pipeline.limiter.rate == 2
        assert client._pipeline.limiter.rate == 8
        with client.limited(16):  # looser than the outer block: the outer one still applies
            assert client._pipeline.limiter.rate == 8
    assert client._pipeline.limiter.rate == 20


def test_the_old_limit_comes_back_after_an_exception(make_client):
    client = make_client()
    with pytest.raises(KeyError, match="boom"):
        with client.limited(1):
            assert client._pipeline.limiter.rate == 1.0
            raise KeyError("boom")
    assert client._pipeline.limiter.rate is None
    limited = make_client(rate_limit=7)
    with pytest.raises(ZeroDivisionError):
        with limited.limited(0.5):
            1 / 0
    assert limited._pipeline.limiter.rate == 7


@pytest.mark.parametrize("client_rate", [None, 6])
def test_none_changes_nothing(make_client, client_rate):
    client = make_client(rate_limit=client_rate)
    with client.limited(None):
        assert client._pipeline.limiter.rate == client_rate
    assert client._pipeline.limiter.rate == client_rate


def test_network_calls_inside_the_block_pass_the_limiter_cache_hits_do_not(sandbox, make_client, query_png):
    client = make_client()
    limiter = client._pipeline.limiter
    with client.limited(1000):
        uploaded = client.upload_image(query_png, "q.png")
        client.create_search(uploaded.url, SearchFilters(), limit=5)
        admitted = limiter.admitted
        assert admitted >= 2  # the upload and the search (and the token call)
        again = client.upload_image(query_png, "q.png")
        page = client.create_search(again.url, SearchFilters(), limit=5)
        assert again.from_cache and page.from_cache
        assert limiter.admitted == admitted  # cache hits never reach the limiter
    assert limiter.rate is None and limiter.admitted == admitted
