"""SearchFilters: normalisation, and a catalogue of bad values rejected before any call."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from patsnap_pandas import FilterError, InvalidInputError, SearchFilters
from patsnap_pandas.api.filters import FILTER_NAMES, check_limit, check_offset

GOOD = [
    ({"loc": "01-01"}, {"loc": "01-01"}),
    ({"loc": "(01-01 or 1-2) and not 02-03"}, {"loc": "(01-01 OR 01-02) AND NOT 02-03"}),
    ({"loc": ["01-01", "01-02", "01-01"]}, {"loc": "(01-01 OR 01-02)"}),
    ({"loc": ["12"]}, {"loc": "12"}),
    ({"loc": "01-01, 01-02"}, {"loc": "(01-01 OR 01-02)"}),
    ({"loc": "NOT (99-01 OR 32-01)"}, {"loc": "NOT (99-01 OR 32-01)"}),
    ({"country": "us, cn"}, {"country": "CN,US"}),
    ({"country": ["jp", "KR", "jp"]}, {"country": "JP,KR"}),
    ({"country": "China"}, {"country": "CN"}),
    ({"legal_status": "granted"}, {"legal_status": "3"}),
    ({"legal_status": [3, "2", "Rejected"]}, {"legal_status": "2,3,13"}),  # sorted: one query per set
    ({"legal_status": 222}, {"legal_status": "222"}),
    ({"legal_status": "lapsed,restored"}, {"legal_status": "16,21"}),
    ({"simple_legal_status": "active"}, {"simple_legal_status": "1"}),
    ({"simple_legal_status": ["Pending", 0, "999"]}, {"simple_legal_status": "0,2,999"}),
    ({"apply_start_time": "2020-01-31"}, {"apply_start_time": "20200131"}),
    ({"apply_end_time": "20200131"}, {"apply_end_time": "20200131"}),
    ({"public_start_time": dt.date(2019, 2, 3)}, {"public_start_time": "20190203"}),
    ({"public_end_time": dt.datetime(2021, 12, 31, 23, 59)}, {"public_end_time": "20211231"}),
    ({"apply_start_time": 20200101, "apply_end_time": "2020-01-01"},
     {"apply_start_time": "20200101", "apply_end_time": "20200101"}),
    ({"field": "pbd"}, {"field": "PBD"}),
    ({"field": "score"}, {}),
    ({"field": " ISD "}, {"field": "ISD"}),
    ({"order": "ASC"}, {"order": "asc"}),
    ({"order": "descending"}, {"order": "desc"}),
    ({"assignees": "  华为   技术 "}, {"assignees": "华为 技术"}),
    ({"main_field": "watch"}, {"main_field": "watch"}),
    ({"country": "", "loc": None, "legal_status": []}, {}),
]


@pytest.mark.parametrize(("kwargs", "params"), GOOD)
def test_good_values_are_normalised(kwargs, params):
    filters = SearchFilters(**kwargs)
    assert filters.to_params() == params
    assert filters.to_dict() == params
    # normalising is idempotent: the dict rebuilds equal filters
    assert SearchFilters(**filters.to_dict()) == filters


# (parameter, value, a fragment the message must contain besides the parameter name)
BAD = [
    ("loc", "(01-01", "parenthes"),
    ("loc", "01-01)", "parenthes"),
    ("loc", ")01-01(", "parenthes"),
    ("loc", "01-01 AND", "missing"),
    ("loc", "AND 01-01", "'AND'"),
    ("loc", "01-01 02-02", "missing"),
    ("loc", "01-01 XOR 02-02", "Did you mean 'OR'"),
    ("loc", "33-01", "class 33"),
    ("loc", "00-01", "class 00"),
    ("loc", "01-00", "subclass 00"),
    ("loc", "1-2-3", "not a Locarno code"),
    ("loc", "AB-01", "unexpected"),
    ("loc", "()", "expected"),
    ("loc", "01-01 & 02-02", "unexpected '&'"),
    ("loc", ["01-01", 2], "code string"),
    ("loc", 1, "expected a string"),
    ("country", "XX", "unknown authority"),
    ("country", "Chna", "Did you mean 'CN'"),
    ("country", "CN,,US", "empty item"),
    ("country", 86, "not an authority code"),
    ("country", {"CN": 1}, "expected a string"),
    ("legal_status", "grnted", "Did you mean 'granted'"),
    ("legal_status", 4, "unknown code 4"),
    ("legal_status", -1, "unknown code"),
    ("legal_status", True, "boolean"),
    ("legal_status", 3.0, "expected a string, an int or a list"),
    ("legal_status", [3, None], "neither a code nor a name"),
    ("simple_legal_status", 5, "unknown code 5"),
    ("simple_legal_status", "actve", "Did you mean 'active'"),
    ("simple_legal_status", "granted", "unknown status"),
    ("apply_start_time", "2020-13-01", "month"),
    ("apply_start_time", "20200230", "day"),
    ("apply_end_time", "2020/01/01", "known format"),
    ("apply_end_time", "01-02-2020", "known format"),
    ("public_start_time", 2020, "known format"),
    ("public_end_time", 3.5, "expected a date"),
    ("public_start_time", "yesterday", "known format"),
    ("field", "PDB", "Did you mean 'PBD'"),
    ("field", "date", "unknown sort field"),
    ("field", 1, "expected a string"),
    ("order", "up", "'desc' or 'asc'"),
    ("order", True, "expected a string"),
    ("assignees", 123, "expected a string"),
    ("assignees", ["A", "B"], "expected a string"),
    ("main_field", b"car", "expected a string"),
]


@pytest.mark.parametrize(("name", "value", "fragment"), BAD, ids=[f"{n}={v!r}" for n, v, _ in BAD])
def test_bad_value_is_rejected_with_a_helpful_message(name, value, fragment):
    with pytest.raises(FilterError) as info:
        SearchFilters(**{name: value})
    message = str(info.value)
    assert message.startswith(f"{name}=")
    assert repr(value) in message
    assert "Allowed:" in message
    assert fragment in message
    assert isinstance(info.value, ValueError) and isinstance(info.value, InvalidInputError)


def test_catalogue_is_large_enough():
    assert len(BAD) >= 30
    assert {name for name, _, _ in BAD} == set(FILTER_NAMES)  # every filter has bad values


@pytest.mark.parametrize(("start", "end"), [("apply_start_time", "apply_end_time"),
                                            ("public_start_time", "public_end_time")])
def test_start_after_end_is_rejected(start, end):
    with pytest.raises(FilterError, match=f"{start}='20210101' is after {end}='20200101'"):
        SearchFilters(**{start: "2021-01-01", end: dt.date(2020, 1, 1)})


def test_unknown_filter_name_suggests_the_right_one():
    with pytest.raises(FilterError) as info:
        SearchFilters.from_kwargs(contry="CN")
    assert "'contry' is not a search filter" in str(info.value)
    assert "Did you mean 'country'?" in str(info.value)
    assert "apply_start_time" in str(info.value)  # lists the allowed names


@pytest.mark.parametrize("name", ["limit", "offset"])
def test_limit_and_offset_are_not_filters(name):
    with pytest.raises(FilterError, match=f"{name} is not a filter: pass {name}="):
        SearchFilters.from_kwargs(**{name: 10})


@pytest.mark.parametrize(("value", "ok"), [(1, True), (100, True), (0, False), (101, False),
                                           ("10", False), (True, False), (10.0, False)])
def test_check_limit(value, ok):
    if ok:
        assert check_limit(value) == value
    else:
        with pytest.raises(FilterError, match=r"limit=.* Allowed: an integer from 1 to 100"):
            check_limit(value)


@pytest.mark.parametrize(("value", "ok"), [(0, True), (1000, True), (-1, False), (1001, False),
                                           (None, False)])
def test_check_offset(value, ok):
    if ok:
        assert check_offset(value) == value
    else:
        with pytest.raises(FilterError, match=r"offset=.* Allowed: an integer from 0 to 1000"):
            check_offset(value)


def test_filters_are_frozen_hashable_and_comparable():
    a = SearchFilters(country=["cn"], legal_status="granted")
    b = SearchFilters(country="CN", legal_status=3)
    assert a == b and hash(a) == hash(b)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.country = "US"
    c = dataclasses.replace(a, country="us")
    assert c.country == "US"
    assert repr(a) == "SearchFilters(legal_status='3', country='CN')"
    assert not SearchFilters() and bool(a)


def test_coerce_accepts_dict_and_rejects_other_types():
    assert SearchFilters.coerce({"country": "jp"}) == SearchFilters(country="JP")
    assert SearchFilters.coerce(None) == SearchFilters()
    with pytest.raises(FilterError, match="filters='CN' is not valid"):
        SearchFilters.coerce("CN")


# --- over HTTP: nothing reaches the server -------------------------------------------------------

def test_every_bad_filter_fails_before_any_call(sandbox, make_client):
    client = make_client()
    url = sandbox.base_url + "/files/uploads/none.png"
    failures = 0
    for name, value, _ in BAD:
        for call in (lambda f: client.create_search(url, filters=f),
                     lambda f: client.search_results("SOME-ID", filters=f)):
            with pytest.raises(FilterError) as info:
                call({name: value})
            assert name in str(info.value)
            failures += 1
    for kwargs in ({"limit": 0}, {"limit": 101}):
        with pytest.raises(FilterError, match="limit="):
            client.create_search(url, **kwargs)
    with pytest.raises(FilterError, match="offset="):
        client.search_results("SOME-ID", offset=1001)
    with pytest.raises(FilterError, match="Did you mean 'country'"):
        client.create_search(url, filters={"contry": "CN"})
    assert failures == 2 * len(BAD)
    assert len(sandbox.ledger) == 0
    assert client.usage.as_dict()["requests"] == {}  # not even a token was fetched


def test_filters_reach_the_server_normalised(sandbox, client, query_url):
    filters = SearchFilters(country=["us", "cn"], legal_status="granted", field="apd", order="ASC",
                            apply_start_time=dt.date(2000, 1, 1))
    page = client.create_search(query_url, filters=filters, limit=7)
    entry = sandbox.ledger[-1]
    assert entry.ok
    assert entry.params == {"url": query_url, "country": "CN,US", "legal_status": "3", "field": "APD",
                            "order": "asc", "apply_start_time": "20000101", "limit": "7"}
    assert len(page.hits) <= 7


def test_every_filter_has_one_label_for_people():
    from patsnap_pandas.api.filters import FILTER_NAMES
    from patsnap_pandas.codes import FILTER_LABELS

    assert set(FILTER_LABELS) == set(FILTER_NAMES)
    assert len(set(FILTER_LABELS.values())) == len(FILTER_LABELS)  # no two filters read alike


def test_every_locarno_class_has_a_heading():
    from patsnap_pandas.codes import LOCARNO_CLASSES

    assert sorted(LOCARNO_CLASSES) == [*range(1, 33), 99]
    assert all(name and name[0].isupper() for name in LOCARNO_CLASSES.values())
