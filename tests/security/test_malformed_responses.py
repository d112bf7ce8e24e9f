"""Malformed, oversized and wrongly typed answers end in a clear PatsnapError, through search_designs.

A fake PatSnap server on 127.0.0.1 answers the search (or a later page, or P011) with
broken bodies. Whatever it sends, the user gets a :class:`PatsnapError` naming the
endpoint, in a message short enough to read, never a ``KeyError``/``TypeError`` from
deep inside pandas or the JSON parser, and a broken answer is never cached.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from werkzeug.wrappers import Response

from patsnap_pandas import PatsnapError, ResponseFormatError, ServiceUnavailableError, search_designs
from patsnap_pandas.jobs.search import continue_search
from tests.helpers import BIBLIOGRAPHY, LEGAL, RESULTS, SEARCH, envelope, json_response

MB = 2**20
OK = {"status": True, "error_code": 0}


def _body(data) -> str:
    return json.dumps({**OK, "data": data})


def _messages(hits, total=None) -> str:
    return _body({"search_id": "FAKE-1-D", "patent_messages": hits,
                  "total_search_result_count": len(hits) if total is None else total})


HIT = {"url": "http://127.0.0.1:9/img/1.png", "score": 0.9, "title": "T", "patent_id": "p1", "patent_pn": "CN1S"}

# name -> (HTTP status, body (str or bytes), expected class, message pattern)
CASES = {
    "truncated JSON": (200, _messages([HIT])[:-15], ResponseFormatError, r"not valid JSON"),
    "HTML page, HTTP 200": (200, "<html><head><title>Sign in - Corporate proxy</title></head><body>x</body></html>",
                            ResponseFormatError, r"not valid JSON \(.*Sign in - Corporate proxy"),
    "HTML page, HTTP 502": (502, "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
                            ServiceUnavailableError, r"HTTP 502"),
    "empty body": (200, "", ResponseFormatError, r"not valid JSON"),
    "not UTF-8": (200, b'{"data": "\xff\xfe\xfa", "status": true}', ResponseFormatError, r"not valid JSON"),
    "JSON null": (200, "null", ResponseFormatError, r"NoneType, not an object"),
    "data a list": (200, _body([HIT]), ResponseFormatError, r"data is a list, not an object"),
    "data null": (200, _body(None), ResponseFormatError, r"data is a NoneType, not an object"),
    "no data": (200, json.dumps(OK), ResponseFormatError, r"no 'data' field"),
    "patent_messages null, total 5": (200, _messages(None, total=5), ResponseFormatError,
                                      r"patent_messages is null but total_search_result_count is 5"),
    "patent_messages an object": (200, _messages({"0": HIT}, total=1), ResponseFormatError,
                                  r"patent_messages is a dict, not a list"),
    "hit a string": (200, _messages(["p1"]), ResponseFormatError, r"item is a str, not an object"),
    "score 'abc'": (200, _messages([{**HIT, "score": "abc"}]), ResponseFormatError,
                    r"Hit p1: score='abc' is not a number"),
    "score a dict": (200, _messages([{**HIT, "score": {"v": 1}}]), ResponseFormatError, r"score=.* not a number"),
    "patent_id a number": (200, _messages([{**HIT, "patent_id": 12}]), ResponseFormatError,
                           r"patent_id=12, not a non-empty string"),
    "title a list": (200, _messages([{**HIT, "title": ["a", "b"]}]), ResponseFormatError,
                     r"title=\['a', 'b'\] is not a string"),
    "total negative": (200, _messages([HIT], total=-3), ResponseFormatError, r"total_search_result_count=-3"),
    "total a word": (200, _messages([HIT], total="many"), ResponseFormatError, r"'many' is not a count"),
    "search_id a number": (200, _body({"search_id": 7, "patent_messages": [HIT]}), ResponseFormatError,
                           r"search_id=7 is not a non-empty string"),
    "error_code a word": (200, json.dumps({"status": True, "error_code": "oops", "data": {}}),
                          ResponseFormatError, r"error_code='oops' is not an integer"),
    "nested 100,000 deep": (200, "[" * 100_000 + "]" * 100_000, ResponseFormatError, r"not valid JSON"),
    "1 MB score string": (200, _messages([{**HIT, "score": "9" * 10 + "x" * MB}]), ResponseFormatError,
                          r"Hit p1: score='9999999999x.*is not a number"),
    "50 MB of junk": (200, b"<" * (50 * MB), ResponseFormatError, r"larger than|not valid JSON"),
    "50 MB JSON": (200, _messages([{**HIT, "title": "t" * (50 * MB)}]), ResponseFormatError,
                   r"answer is \d+ bytes.*larger than"),
}


def _answer(status: int, body) -> Response:
    return Response(body, status=status, mimetype="application/json")


@pytest.mark.parametrize("case", list(CASES))
def test_search_designs_gives_a_clear_patsnap_error(fake, tmp_path, case):
    status, body, expected, pattern = CASES[case]
    fake.routes[SEARCH] = lambda request: _answer(status, body)
    client = fake.client(tmp_path / "cache", max_retries=1)
    with pytest.raises(PatsnapError) as info:
        search_designs(fake.base_url + "/img/query.png", client=client, limit=10)
    err = info.value
    assert type(err) is expected, f"{type(err).__name__}: {err}"
    assert err.endpoint == SEARCH
    message = str(err)
    assert re.search(pattern, message), message
    assert len(message) < 1000 and "\n" not in message  # readable: no body dumped into it
    client.close()


def test_a_malformed_answer_is_not_cached(fake, tmp_path):
    good = [fake.hit(i) for i in range(5)]
    broken = [*good[:4], {**good[4], "score": "abc"}]  # a success envelope around a bad hit
    answers = [_messages(broken), _messages(good)]
    fake.routes[SEARCH] = lambda request: _answer(200, answers.pop(0) if len(answers) > 1 else answers[0])
    client = fake.client(tmp_path / "cache")
    query = fake.base_url + "/img/query.png"
    with pytest.raises(ResponseFormatError):
        search_designs(query, client=client, limit=5, thumbnails=False)
    df = search_designs(query, client=client, limit=5, thumbnails=False)  # asks the server again
    assert df["patent_id"].tolist() == [h["patent_id"] for h in good]
    assert fake.calls.count(SEARCH) == 2
    client.close()


def test_a_malformed_later_page_or_more_is_a_clear_error(fake, tmp_path):
    first = [fake.hit(i) for i in range(100)]
    fake.routes[SEARCH] = lambda request: fake.page(first, total=250)
    fake.routes[RESULTS] = lambda request: _answer(200, _messages(None, total=250))
    client = fake.client(tmp_path / "cache")
    query = fake.base_url + "/img/query.png"
    with pytest.raises(ResponseFormatError, match="patent_messages is null") as info:
        search_designs(query, client=client, max_results=150, thumbnails=False)
    assert info.value.endpoint == RESULTS
    df = search_designs(query, client=client, limit=100, thumbnails=False)
    fake.routes[RESULTS] = lambda request: _answer(200, "<html>oops</html>")
    with pytest.raises(ResponseFormatError, match="not valid JSON") as info:
        df.patsnap.more(20)
    assert info.value.endpoint == RESULTS
    with pytest.raises(ResponseFormatError):
        continue_search(df, 20, client=client)
    client.close()


def test_a_batch_records_malformed_answers_row_by_row(fake, tmp_path):
    good = [fake.hit(i) for i in range(3)]
    bodies = {"a": _messages(good), "b": _messages([{**good[0], "score": "abc"}]), "c": "[" * 50_000}

    def answer(request):
        return _answer(200, bodies[request.args["url"].rsplit("/", 1)[-1][0]])

    fake.routes[SEARCH] = answer
    client = fake.client(tmp_path / "cache")
    catalogue = pd.DataFrame({"img": [f"{fake.base_url}/img/{k}.png" for k in "abc"]})
    out = catalogue.patsnap.search_each("img", limit=3, client=client, progress=False, thumbnails=False)
    status = out.groupby("query_index")["status"].first().tolist()
    assert status == ["ok", "error", "error"]
    errors = out.loc[out["status"] == "error", "error"].tolist()
    assert errors[0].startswith("ResponseFormatError: ") and "score='abc'" in errors[0]
    assert errors[1].startswith("ResponseFormatError: ") and "not valid JSON" in errors[1]
    client.close()


def _bibliography(pid: str, **dates) -> dict:
    return {"pn": "CN1S", "patent_id": pid, "bibliographic_data": {
        "invention_title": [{"lang": "en", "text": "T"}],
        "parties": {"assignees": [{"name": "ACME"}, {"name": None}, 7], "applicants": "not a list",
                    "inventors": None},
        "application_reference": {"apno": "X", "date": dates.get("apply", 20200101)},
        "publication_reference": {"country": "CN", "doc_number": "1", "kind": "S", "date": dates.get("pub")},
        "dates_of_public_availability": {"printed_with_granted": dates.get("grant")},
        "classification_data": {"classification_loc": "06-01"}}}


def test_enrich_survives_odd_dates_and_types(fake, tmp_path):
    hits = [fake.hit(i) for i in range(4)]
    fake.routes[SEARCH] = lambda request: fake.page(hits)
    items = [_bibliography("pid-00000", grant=99991231),             # "no date" sentinel
             _bibliography("pid-00001", apply=16000101, pub="0001-01-01"),  # before pandas' range
             _bibliography("pid-00002", pub=20211301, grant="soon"),  # not dates at all
             {"patent_id": "pid-00003", "bibliographic_data": "a string"}]
    fake.routes[BIBLIOGRAPHY] = lambda request: json_response(envelope(items))
    fake.routes[LEGAL] = lambda request: json_response(envelope(
        [{"patent_id": "pid-00000", "simple_legal_status": "Active"},
         {"patent_id": "pid-00001", "simple_legal_status": [None, 3]}]))
    client = fake.client(tmp_path / "cache")
    df = search_designs(fake.base_url + "/img/query.png", client=client, limit=4, thumbnails=False)
    rich = df.patsnap.enrich(legal_status=True)
    assert str(rich["grant_date"].dtype) == "datetime64[ns]"
    assert rich["grant_date"].isna().all()  # out-of-range and unreadable dates are missing, not an error
    assert rich["apply_date"].tolist()[2:] == [pd.Timestamp("2020-01-01"), pd.NaT]
    assert rich["apply_date"].isna().tolist()[:2] == [False, True]
    assert rich["publication_date"].isna().all()
    assert rich["assignees"].tolist()[:3] == ["ACME"] * 3 and pd.isna(rich["assignees"].iloc[3])
    assert rich["applicants"].tolist()[:3] == ["not a list"] * 3  # a bare string is taken as one name
    assert rich["simple_legal_status"].iloc[0] == "Active" and rich["simple_legal_status"].iloc[1:].isna().all()

    fake.routes[BIBLIOGRAPHY] = lambda request: json_response(envelope({"not": "a list"}))
    client.clear_cache()
    with pytest.raises(ResponseFormatError, match="not a list of objects"):
        df.patsnap.enrich(["assignees"], client=client)
    client.close()
