"""Parameter validation: a bad value gives 68300004 naming the parameter; documented forms pass."""

from __future__ import annotations

import pytest

from tests.helpers import error_of

BAD = [
    ("limit", "0"),
    ("limit", "101"),
    ("limit", "-1"),
    ("limit", "ten"),
    ("limit", "10.0"),
    ("loc", "01-01 OR"),
    ("loc", "(01-01 OR 01-02"),
    ("loc", "01-01 OR 01-02)"),
    ("loc", "01-01 or 01-02"),
    ("loc", "01-01,01-02"),
    ("loc", "1-01"),
    ("loc", "01-1"),
    ("loc", "33-01"),
    ("loc", "01-00"),
    ("loc", "AND 01-01"),
    ("loc", "01-01 01-02"),
    ("loc", "()"),
    ("loc", "chairs"),
    ("legal_status", "4"),
    ("legal_status", "3,,2"),
    ("legal_status", "granted"),
    ("legal_status", "3;2"),
    ("simple_legal_status", "3"),
    ("simple_legal_status", "1,active"),
    ("country", "XX"),
    ("country", "cn"),
    ("country", "CN,,US"),
    ("country", "CHN"),
    ("apply_start_time", "2020-01-01"),
    ("apply_start_time", "20201301"),
    ("apply_end_time", "20200230"),
    ("public_start_time", "2020"),
    ("public_end_time", "202001011"),
    ("field", "score"),
    ("field", "apd"),
    ("field", "PD"),
    ("order", "DESC"),
    ("order", "up"),
]


@pytest.mark.parametrize("name, value", BAD, ids=[f"{n}={v}" for n, v in BAD])
def test_bad_search_id_parameter_is_68300004_naming_it(api, query_url, name, value):
    response = api.get("/image-search/search-id", url=query_url, **{name: value})
    assert response.status_code == 200
    code, message = error_of(response)
    assert code == 68300004
    assert name in message


@pytest.fixture(scope="module")
def search_id(api, query_url) -> str:
    return api.search(query_url)["search_id"]


RESULTS_BAD = BAD + [("offset", "-1"), ("offset", "1001"), ("offset", "x"), ("limit", "1000")]


@pytest.mark.parametrize("name, value", RESULTS_BAD, ids=[f"{n}={v}" for n, v in RESULTS_BAD])
def test_bad_results_parameter_is_68300004_naming_it(api, search_id, name, value):
    code, message = error_of(api.get("/image-search/results", search_id=search_id, **{name: value}))
    assert code == 68300004
    assert name in message


@pytest.mark.parametrize(
    "start, end",
    [("apply_start_time", "apply_end_time"), ("public_start_time", "public_end_time")],
)
def test_start_after_end_is_68300004(api, query_url, start, end):
    code, message = error_of(api.get("/image-search/search-id", url=query_url, **{start: "20200102", end: "20200101"}))
    assert code == 68300004 and start in message


GOOD = [
    ("limit", "1"),
    ("limit", "100"),
    ("loc", "(01-01 OR 01-02)"),
    ("loc", "14"),
    ("loc", "14 NOT 14-03"),
    ("loc", "NOT 02-04"),
    ("loc", "((06-01 OR 06-02) AND NOT 06-03) OR 99"),
    ("loc", "  02-04  "),
    ("legal_status", "3,2"),
    ("legal_status", "1,2,3,8,11,13,14,15,16,21,22,23,24,30,222,223,224,225"),
    ("simple_legal_status", "0,1,2,220,221,999"),
    ("country", "CN,US"),
    ("country", "EM, JP"),
    ("country", "WO"),
    ("assignees", "华为"),
    ("main_field", "car"),
    ("apply_start_time", "20100101"),
    ("apply_end_time", "20200229"),
    ("public_start_time", "19991231"),
    ("public_end_time", "20301231"),
    ("field", "APD"),
    ("field", "PBD"),
    ("field", "ISD"),
    ("order", "asc"),
    ("order", "desc"),
]


@pytest.mark.parametrize("name, value", GOOD, ids=[f"{n}={v}" for n, v in GOOD])
def test_documented_parameter_forms_are_accepted(api, query_url, name, value):
    body = api.json("/image-search/search-id", url=query_url, **{name: value})
    assert body["status"] is True, body


def test_all_thirteen_parameters_together(api, query_url, corpus):
    body = api.json(
        "/image-search/search-id",
        url=query_url,
        loc="(06-01 OR 14)",
        assignees="co",
        legal_status="3,15",
        country="CN,US,EM,JP,KR,HK",
        simple_legal_status="0,1",
        main_field="a",
        apply_start_time="20100101",
        apply_end_time="20251231",
        public_start_time="20100101",
        public_end_time="20261231",
        limit="20",
        field="PBD",
        order="asc",
    )
    assert body["status"] is True
    assert len(body["data"]["patent_messages"]) <= 20


def test_unknown_parameters_are_ignored(api, query_url):
    assert api.json("/image-search/search-id", url=query_url, colour="red")["status"] is True
