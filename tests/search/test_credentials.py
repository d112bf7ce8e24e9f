"""Without a client or credentials: a clear error; with credentials in the environment: a default client."""

from __future__ import annotations

import pytest

from patsnap_pandas import FilterError, MissingCredentialsError, search_designs
from patsnap_pandas.jobs.clients import client_for
from patsnap_pandas.jobs.search import continue_search


def test_no_credentials_says_how_to_set_them(sandbox, query_png):
    before = len(sandbox.ledger)
    with pytest.raises(MissingCredentialsError) as err:
        search_designs(query_png)
    message = str(err.value)
    for name in ("PATSNAP_CLIENT_ID", "PATSNAP_CLIENT_SECRET", "PATSNAP_API_KEY",
                 "client=PatsnapClient.sandbox()"):
        assert name in message
    with pytest.raises(MissingCredentialsError, match="PATSNAP_API_KEY"):
        client_for(None)
    assert len(sandbox.ledger) == before


def test_bad_arguments_are_reported_before_missing_credentials(query_png):
    with pytest.raises(FilterError):
        search_designs(query_png, country="nowhere")


def test_default_client_from_the_environment(sandbox, monkeypatch, query_png, design, tmp_path):
    monkeypatch.setenv("PATSNAP_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("PATSNAP_API_KEY", sandbox.credentials.api_key)
    monkeypatch.setenv("PATSNAP_CACHE_DIR", str(tmp_path / "env-cache"))
    df = search_designs(query_png, limit=5)
    assert df["patent_id"].iloc[0] == design.patent_id
    default = client_for(None)
    assert client_for(df) is default
    assert default.base_url == sandbox.base_url
    assert df.attrs["thumbnail_dir"] == str(tmp_path / "env-cache" / "thumbnails")
    assert list(continue_search(df, 3)["rank"]) == [6, 7, 8]

    monkeypatch.delenv("PATSNAP_API_KEY")
    with pytest.raises(MissingCredentialsError):
        client_for(None)  # the environment changed: no stale default client
