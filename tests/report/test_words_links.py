"""words.py (words for people) and links.py (public-record URLs, never fetched)."""

from __future__ import annotations

import pandas as pd
import pytest

from patsnap_pandas import codes, search_designs
from patsnap_pandas.api.filters import SearchFilters
from patsnap_pandas.codes import FILTER_LABELS
from patsnap_pandas.frame import words
from patsnap_pandas.frame.links import LINKED_AUTHORITIES, public_record_url
from tests.helpers import design_png


def test_loc_authority_and_status_in_words():
    assert words.loc_in_words("26-05") == "26-05 (Lighting apparatus)"
    assert words.loc_in_words("99-00; 06-01") == "99-00 (Miscellaneous); 06-01 (Furnishing)"
    assert words.loc_in_words("77-01") == "77-01"  # unknown class: as given, never invented
    assert words.authority_name("em") == codes.AUTHORITIES["EM"]
    assert words.legal_status_in_words("1,0,2") == "Active, Inactive, Pending"
    assert words.legal_status_in_words([3, 15], simple=False) == "Granted, Expired"


def test_filters_in_words_from_the_filters_a_search_records():
    saved = SearchFilters(loc=["26-05", "26-03"], country=["CN", "US"], simple_legal_status="active",
                          legal_status="granted", apply_start_time="2012-01-01",
                          apply_end_time="2020-12-31", public_end_time="20230101").to_dict()
    said = dict(words.filters_in_words(saved))
    assert said["Locarno class"] == "26-03 (Lighting apparatus) or 26-05 (Lighting apparatus)"
    assert said["Authority"] == "China, United States"
    assert said[FILTER_LABELS["simple_legal_status"]] == "Active"
    assert said["Legal status"] == "Granted"
    assert said["Applied"] == "2012-01-01 to 2020-12-31"
    assert said["Published"] == "on or before 2023-01-01"
    text = " ".join(f"{k} {v}" for k, v in said.items())
    for raw in ("apply_start_time", "simple_legal_status", "20120101", "(26-03 OR"):
        assert raw not in text
    with pytest.raises(TypeError, match="filters"):
        words.filters_in_words(["loc"])


def test_every_schema_column_has_a_label():
    from patsnap_pandas.frame.schema import SCHEMA
    from patsnap_pandas.jobs.enrich import FIELDS, LEGAL_STATUS_COLUMN

    for column in [*SCHEMA, *FIELDS, LEGAL_STATUS_COLUMN]:
        label = words.COLUMN_LABELS[column]
        assert label and "_" not in label


def test_public_record_urls_only_for_documented_patterns():
    assert public_record_url("USD907292S", "US") == "https://patents.google.com/patent/USD907292S"
    assert public_record_url("USD1021391S", "US") == "https://patents.google.com/patent/USD1021391S"
    assert public_record_url("EM003861349-0005", "EM") == \
        "https://euipo.europa.eu/eSearch/#details/designs/003861349-0005"
    for pn, authority in [("CN305039595S", "CN"), ("KR3000057290000", "KR"), ("JP1480134S", "JP"),
                          ("US10758101B2", "US"), ("EM0038613-0005", "EM"), (None, "US"), ("USD1S", None)]:
        assert public_record_url(pn, authority) is None
    assert set(LINKED_AUTHORITIES) == {"US", "EM"}


def test_sandbox_frames_say_so_and_a_non_sandbox_loopback_server_does_not(client, corpus, tmp_path):
    hits = search_designs(design_png(corpus, 3), client=client, limit=3)
    assert hits.attrs["source"] == "sandbox" and words.is_sandbox(hits)
    assert words.source_in_words(hits) == words.SANDBOX_BANNER
    assert words.is_sandbox({"source": ["patsnap", "sandbox"]})
    assert not words.is_sandbox(pd.DataFrame()) and not words.is_sandbox(None)


def test_a_loopback_server_is_a_sandbox_only_when_it_says_so(plain_hits):
    """The fixture's clients reach the sandbox by its loopback URL (not PatsnapClient.sandbox()): it is
    recognised by its /_sandbox/status page. A loopback server without that page is not a sandbox."""
    assert plain_hits.attrs["source"] == "patsnap"
    assert not words.is_sandbox(plain_hits)
    assert words.source_in_words(plain_hits) == "PatSnap design image search"
