"""Repeated searches cost nothing, and cached results keep their thumbnails after the URLs expired."""

from __future__ import annotations

import time
import warnings

import pandas as pd
import pytest
import requests

from patsnap_pandas import PatsnapClient, search_designs
from patsnap_pandas.api.images import prepare_image
from patsnap_pandas.jobs.images import load_thumbnails
from patsnap_pandas.store.thumbnails import ThumbnailStore, ThumbnailWarning

VOLATILE_ATTRS = ("fetched_at", "from_cache")


def stable_attrs(df) -> dict:
    return {k: v for k, v in df.attrs.items() if k not in VOLATILE_ATTRS}


def test_rerun_of_a_local_file_makes_no_call_and_gives_the_same_frame(client, ledger, query_png, tmp_path):
    path = tmp_path / "query.png"
    path.write_bytes(query_png)
    ledger.mark()
    first = search_designs(path, client=client, limit=20, country=["CN", "US", "EM"])
    assert ledger.endpoints() == ["image-upload", "search-id"]
    assert first.attrs["from_cache"] is False
    billed = client.usage.billed_calls

    ledger.mark()
    again = search_designs(path, client=client, limit=20, country=["CN", "US", "EM"])

    assert ledger.new() == []
    assert client.usage.billed_calls == billed
    assert again.attrs["from_cache"] is True
    pd.testing.assert_frame_equal(first, again)
    assert stable_attrs(first) == stable_attrs(again)


def test_rerun_from_a_new_client_on_the_same_cache_makes_no_call(sandbox, ledger, query_png, tmp_path):
    options = {"base_url": sandbox.base_url, "api_key": sandbox.credentials.api_key, "cache_dir": tmp_path / "c"}
    with PatsnapClient(**options) as one:
        first = search_designs(query_png, client=one, max_results=120)
    ledger.mark()
    with PatsnapClient(**options) as other:  # as after a kernel restart
        again = search_designs(query_png, client=other, max_results=120)
    assert ledger.new() == []
    assert again.attrs["from_cache"] is True
    pd.testing.assert_frame_equal(first, again)


def test_from_cache_is_false_when_only_the_upload_was_cached(client, ledger, query_png):
    search_designs(query_png, client=client, limit=5, thumbnails=False)
    ledger.mark()
    df = search_designs(query_png, client=client, limit=5, country="CN", thumbnails=False)
    assert ledger.endpoints() == ["search-id"]  # the upload was reused
    assert df.attrs["from_cache"] is False


def test_attrs_provenance(client, query_png):
    df = search_designs(query_png, client=client, limit=7, legal_status="granted", country="cn,us",
                        label="lamp")
    attrs = df.attrs
    assert attrs["query"] == "lamp"
    assert attrs["filters"] == {"legal_status": "3", "country": "CN,US"}
    assert attrs["search_id"] == df["search_id"].iloc[0]
    assert isinstance(attrs["total"], int) and attrs["total"] >= len(df) == 7
    assert attrs["endpoint_version"] == "P009-v2"
    assert attrs["fetched_at"].endswith("+00:00")
    assert attrs["limit"] == 7 and attrs["max_results"] is None
    assert attrs["query_url"].startswith(client.base_url + "/files/uploads/")
    assert attrs["thumbnail_dir"] == str(client.cache_dir / "thumbnails")
    assert list(df["rank"]) == list(range(1, 8))


def test_cached_result_renders_its_thumbnails_after_the_image_urls_expired(make_client, ledger, corpus,
                                                                           design, query_png, clock):
    client = make_client()
    server = client.sandbox_server
    prepared = prepare_image(query_png)
    client.upload_image(prepared.data, prepared.filename)  # the query's URL outlives the test
    server.configure(image_url_lifetime=2)
    watch = type(ledger)(server)

    first = search_designs(query_png, client=client, limit=12)
    thumbs = load_thumbnails(first)
    expires = max(int(url.split("expires=")[1].split("&")[0]) for url in first["image_url"])
    clock.shift(max(0.0, expires - time.time()) + 0.3)
    assert requests.get(first["image_url"].iloc[0], timeout=10).status_code in (403, 404)

    watch.mark()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ThumbnailWarning)
        again = search_designs(query_png, client=client, limit=12)
        thumbs_again = load_thumbnails(again)
    assert watch.new() == []
    assert again.attrs["from_cache"] is True
    assert list(again["image_url"]) == list(first["image_url"])  # the expired URLs, from the cache
    placeholder = ThumbnailStore(size=256).placeholder()
    assert thumbs_again == thumbs
    assert all(t != placeholder for t in thumbs_again)
    assert len(set(thumbs_again)) > 1


def test_failed_thumbnails_warn_and_keep_every_row(make_client, query_png, clock):
    client = make_client()
    prepared = prepare_image(query_png)
    client.upload_image(prepared.data, prepared.filename)
    client.sandbox_server.configure(image_url_lifetime=1)
    search_designs(query_png, client=client, limit=6, thumbnails=False)
    clock.shift(2.1)  # the hit URLs are dead and their thumbnails were never fetched

    with pytest.warns(ThumbnailWarning, match="6 of 6 thumbnails"):
        df = search_designs(query_png, client=client, limit=6)
    assert len(df) == 6 and df.attrs["from_cache"] is True
    with pytest.warns(ThumbnailWarning):
        thumbs = load_thumbnails(df)
    assert thumbs == [ThumbnailStore(size=256).placeholder()] * 6
