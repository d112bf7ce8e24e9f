"""catalogue.patsnap.search_each(): dedupe, faults, re-runs from the cache, quota, argument checks."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from patsnap_pandas import FilterError, InvalidInputError
from patsnap_pandas.api.images import prepare_image
from patsnap_pandas.frame.schema import SCHEMA
from patsnap_pandas.jobs.batch import BATCH_COLUMNS
from tests.helpers import design_png

UPLOAD, SEARCH = "/image-search/image-upload", "/image-search/search-id"
ERROR_TEXT = re.compile(r"^[A-Z][A-Za-z]+Error: \S")


def _catalogue(corpus, tmp_path, start: int = 100, distinct: int = 50, duplicates: int = 10) -> pd.DataFrame:
    """``distinct`` different corpus drawings as paths (odd) or bytes (even), then ``duplicates`` repeats:
    half the same path again, half a copy of the file under another name (same content)."""
    folder = tmp_path / "catalogue"
    folder.mkdir(exist_ok=True)
    values, skus = [], []
    drawings, seen, n = [], set(), start
    while len(drawings) < distinct:  # a design registered in several offices has the same drawing in each
        data = design_png(corpus, n)
        n += 1
        if data not in seen:
            seen.add(data)
            drawings.append(data)
    for k, data in enumerate(drawings):
        if k % 2:
            path = folder / f"product-{k}.png"
            path.write_bytes(data)
            values.append(str(path))
        else:
            values.append(data)
        skus.append(f"SKU{k:03d}")
    for j in range(duplicates):
        k = 2 * j + 1  # a path row
        original = folder / f"product-{k}.png"
        if j % 2:
            copy = folder / f"copy-of-{k}.png"
            shutil.copyfile(original, copy)
            values.append(str(copy))
        else:
            values.append(str(original))
        skus.append(f"DUP{j:03d}")
    return pd.DataFrame({"sku": skus, "photo": values}, index=pd.Index(range(1000, 1000 + len(values)), name="row"))


def _image_key(value) -> str:
    return prepare_image(value).sha256


@pytest.mark.slow  # a batch under faults, then its rerun: left out of `make test-fast`, run by `make test` and CI
def test_batch_under_faults_then_a_rerun_completes_only_the_failed(make_client, sandbox, corpus, tmp_path):
    catalogue = _catalogue(corpus, tmp_path)
    assert len(catalogue) == 60
    keys = {i: _image_key(v) for i, v in zip(catalogue.index, catalogue["photo"])}
    assert len(set(keys.values())) == 50
    client = make_client(max_retries=0)  # no retries: 20 % faults make some rows fail

    sandbox.configure(failure_rate=0.2, seed=7)
    first = catalogue.patsnap.search_each("photo", limit=5, max_workers=4, progress=False, client=client,
                                          label_column="sku")
    run1 = sandbox.ledger.entries()

    # every catalogue row is there, in order: its hits, or one error row
    assert list(first.columns[: len(SCHEMA) + 3]) == [*SCHEMA, *BATCH_COLUMNS]
    assert list(dict.fromkeys(first["query_index"])) == list(catalogue.index)
    per_row = first.groupby("query_index", sort=False)
    status = per_row["status"].first()
    assert set(first["status"]) <= {"ok", "error"}
    assert (per_row["status"].nunique() == 1).all()
    assert set(per_row.size()[status == "ok"]) == {5}
    assert set(per_row.size()[status == "error"]) == {1}
    failed_rows = set(status[status == "error"].index)
    assert 0 < len(failed_rows) < 60
    errors = first.loc[first["status"] == "error", "error"]
    assert all(ERROR_TEXT.match(e) for e in errors)
    secrets = (sandbox.credentials.client_secret, sandbox.credentials.api_key)
    assert not any(s in e for e in errors for s in secrets)
    assert first.loc[first["status"] == "ok", "error"].isna().all()
    assert list(first.drop_duplicates("query_index")["query"]) == list(catalogue["sku"])

    # identical images: searched once, same outcome and hits on every row that holds them
    failed_keys = {keys[i] for i in failed_rows}
    for key in set(keys.values()):
        rows = [i for i in catalogue.index if keys[i] == key]
        outcomes = {tuple(first.loc[first.query_index == i, "patent_id"].fillna("")) for i in rows}
        assert len(outcomes) == 1
        assert {status[i] for i in rows} == ({"error"} if key in failed_keys else {"ok"})
    ok_searches = [e for e in run1 if e.endpoint == SEARCH and e.ok]
    assert len(ok_searches) == 50 - len(failed_keys)
    assert len({e.params["url"] for e in ok_searches}) == len(ok_searches)
    assert sum(1 for e in run1 if e.endpoint == UPLOAD and e.ok) <= 50
    assert first.attrs["batch"] == {"rows": 60, "distinct_images": 50, "ok": 60 - len(failed_rows),
                                    "no_hits": 0, "error": len(failed_rows)}

    # the re-run, faults off: calls only for the images that failed, everything else from the cache
    failed_uploads = {keys[i] for i in failed_rows
                      if UPLOAD in first.loc[first.query_index == i, "error"].iloc[0]}
    sandbox.configure(failure_rate=0.0)
    sandbox.ledger.clear()
    second = catalogue.patsnap.search_each("photo", limit=5, progress=False, client=client, label_column="sku")
    run2 = sandbox.ledger.entries()
    assert set(second["status"]) == {"ok"}
    assert list(dict.fromkeys(second["query_index"])) == list(catalogue.index)
    assert len(second) == 60 * 5
    assert all(e.ok for e in run2)
    assert sum(1 for e in run2 if e.endpoint == UPLOAD) == len(failed_uploads)
    searched = [e.params["url"] for e in run2 if e.endpoint == SEARCH]
    assert len(searched) == len(failed_keys)
    assert {e.endpoint for e in run2} <= {UPLOAD, SEARCH}
    # which: the upload URLs of exactly the images that failed (the client's upload memo is free)
    by_key = {}
    for value in catalogue["photo"]:
        prepared = prepare_image(value)
        by_key[prepared.sha256] = client.upload_image(prepared.data, prepared.filename).url
    assert sorted(searched) == sorted(by_key[k] for k in failed_keys)
    assert len(sandbox.ledger) == len(run2)  # the look-ups above were free
    # rows that were fine the first time are unchanged
    ok_before = first[first["status"] == "ok"].reset_index(drop=True)
    ok_now = second[second["query_index"].isin(ok_before["query_index"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(ok_now[list(SCHEMA)], ok_before[list(SCHEMA)])


def test_quota_error_stops_the_batch_quickly_and_keeps_what_was_fetched(make_client, sandbox, corpus, tmp_path):
    catalogue = pd.DataFrame({"photo": [design_png(corpus, 200 + k) for k in range(20)]})
    client = make_client()
    sandbox.configure(quota=7, quota_code=67200007)
    out = catalogue.patsnap.search_each("photo", limit=3, max_workers=2, progress=False, client=client)
    ledger = sandbox.ledger.entries()
    refused = [e for e in ledger if e.error_code == 67200007]
    assert sum(1 for e in ledger if e.ok) == 7
    assert 1 <= len(refused) <= 2  # at most one refused call per worker, then it stops
    status = out.groupby(out["query_index"], sort=False)["status"].first()
    assert list(status.index) == list(range(20))
    done = status[status == "ok"].index
    assert 3 <= len(done) <= 4
    assert (out.loc[out.query_index.isin(done)].groupby("query_index").size() == 3).all()
    errors = out.loc[out["status"] == "error", "error"]
    assert len(errors) == 20 - len(done)
    assert all(e.startswith("QuotaExceededError: ") for e in errors)
    assert sum("not searched" in e for e in errors) >= 20 - len(done) - 2


def test_urls_are_searched_as_they_are_and_bad_rows_are_recorded(client, sandbox, corpus, hits, tmp_path):
    url = hits["image_url"].iloc[0]
    catalogue = pd.DataFrame({"img": [url, str(tmp_path / "nope.png"), None, url, design_png(corpus, 5)]},
                             index=list("abcde"))
    sandbox.ledger.clear()
    out = catalogue.patsnap.search_each("img", limit=12, progress=False, client=client)
    status = out.groupby("query_index", sort=False)["status"].first()
    assert list(status.index) == list("abcde")
    assert list(status) == ["ok", "error", "error", "ok", "ok"]
    errors = out.drop_duplicates("query_index").set_index("query_index")["error"]
    assert errors["b"].startswith("ImageInputError: ") and "no such file" in errors["b"]
    assert errors["c"].startswith("ImageInputError: ") and "empty" in errors["c"]
    assert list(out.loc[out.query_index == "a", "query"].unique()) == [url]
    # one search for the URL (rows a and d), none for the bad rows; design 5 (limit 12) was searched
    # by the `hits` fixture: the cache answers it, the upload included
    assert [(e.endpoint, e.params.get("url")) for e in sandbox.ledger] == [(SEARCH, url)]
    assert out.loc[out.query_index == "e", "patent_id"].tolist() == hits["patent_id"].tolist()
    # enrich() finds the batch's client by itself; the error rows get missing values
    rich = out.patsnap.enrich(["assignees"])
    assert rich.loc[rich.status == "ok", "assignees"].notna().all()
    assert rich.loc[rich.status == "error", "assignees"].isna().all()
    # the error rows are rows of the frame, not hits: summary() does not count them
    per_authority = out.patsnap.summary()["authority"]
    assert "(missing)" not in per_authority.index
    assert per_authority["hits"].sum() == (out["status"] == "ok").sum() == 36


def test_no_hits_rows(client, sandbox, corpus):
    catalogue = pd.DataFrame({"img": [design_png(corpus, 3)]})
    out = catalogue.patsnap.search_each("img", progress=False, client=client, apply_start_time="2099-01-01")
    assert len(out) == 1
    assert out["status"].tolist() == ["no_hits"]
    assert out["patent_id"].isna().all() and out["error"].isna().all()
    assert out.attrs["filters"] == {"apply_start_time": "20990101"}


def test_bad_arguments_are_rejected_before_any_call(client, sandbox, corpus):
    catalogue = pd.DataFrame({"img": [design_png(corpus, 3)]})
    sandbox.ledger.clear()
    cases = [
        ({"image_column": "photo"}, InvalidInputError, "image_column='photo' is not a column"),
        ({"label_column": "sku"}, InvalidInputError, "label_column='sku'"),
        ({"colour": "red"}, FilterError, "colour"),
        ({"country": "XX"}, FilterError, "country"),
        ({"limit": 0}, FilterError, "limit"),
        ({"max_workers": 0}, InvalidInputError, "max_workers=0"),
        ({"rate_limit": 0}, InvalidInputError, "rate_limit=0"),
        ({"rate_limit": "fast"}, InvalidInputError, "rate_limit='fast'"),
        ({"progress": "yes"}, InvalidInputError, "progress='yes'"),
    ]
    for kwargs, error, message in cases:
        kwargs = {"image_column": "img", **kwargs}
        with pytest.raises(error, match=message):
            catalogue.patsnap.search_each(kwargs.pop("image_column"), client=client, **kwargs)
    assert len(sandbox.ledger) == 0
    assert client.usage.as_dict()["requests"] == {}


def test_progress_bar_and_rate_limit_are_accepted(client, sandbox, corpus, capsys):
    catalogue = pd.DataFrame({"img": [design_png(corpus, k) for k in (40, 41, 42)]})
    out = catalogue.patsnap.search_each("img", limit=2, rate_limit=50, client=client)
    assert set(out["status"]) == {"ok"}
    assert "search_each" in capsys.readouterr().err
    assert client.rate_limit is None
    # the batch's rate applies for its duration only: the client is unthrottled again
    assert client._pipeline.limiter.rate is None
