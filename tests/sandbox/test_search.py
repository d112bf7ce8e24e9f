"""P009 search-id: response shape, ranking, filter semantics and sorting.

Expected sets are computed here from the corpus metadata with straightforward
code, then compared with every hit the sandbox stores for the search.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.helpers import SANDBOX_TODAY, error_of

SEARCH_ID = re.compile(r"^[0-9A-F]{32}-1-D$")


def ymd(date: dt.date) -> str:
    return date.strftime("%Y%m%d")


@pytest.fixture(scope="module")
def unfiltered(api, query_url):
    return api.search(query_url, limit=100)


def test_search_response_shape(unfiltered, corpus):
    assert set(unfiltered) == {"search_id", "patent_messages", "total_search_result_count"}
    assert SEARCH_ID.match(unfiltered["search_id"])
    assert unfiltered["total_search_result_count"] == len(corpus.designs)
    hits = unfiltered["patent_messages"]
    assert len(hits) == 100
    for hit in hits:
        assert {"url", "score", "title", "patent_id", "patent_pn"} <= set(hit)
        design = corpus.design(hit["patent_id"])
        assert design is not None
        assert hit["patent_pn"] == design.patent_pn
        assert hit["title"] == design.title
        assert isinstance(hit["score"], float) and 0.0 <= hit["score"] <= 1.0
        assert hit["score"] == round(hit["score"], 4)


def test_hits_carry_extra_fields_loc_and_apdt(unfiltered, corpus):
    for hit in unfiltered["patent_messages"]:
        design = corpus.design(hit["patent_id"])
        assert hit["loc"] == list(design.loc)
        assert hit["apdt"] == int(ymd(design.apply_date))


def test_extra_fields_can_be_switched_off(make_sandbox, corpus):
    from tests.helpers import Api

    sandbox = make_sandbox(hit_extras=False)
    api = Api(sandbox)
    url = api.upload_url(corpus.image_png(corpus.designs[0].image_keys[0]))
    for hit in api.search(url)["patent_messages"]:
        assert set(hit) == {"url", "score", "title", "patent_id", "patent_pn"}


def test_identical_image_ranks_its_design_first(unfiltered, query_design):
    top = unfiltered["patent_messages"][0]
    assert top["patent_id"] == query_design.patent_id
    assert top["score"] >= 0.99


def test_hits_are_ranked_by_score_one_per_design(unfiltered):
    hits = unfiltered["patent_messages"]
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert len({h["patent_id"] for h in hits}) == len(hits)


def test_hit_url_is_a_signed_image_url_of_that_design(unfiltered, sandbox, corpus):
    for hit in unfiltered["patent_messages"][:5]:
        parts = urlsplit(hit["url"])
        assert f"{parts.scheme}://{parts.netloc}" == sandbox.base_url
        match = re.fullmatch(r"/files/designs/([0-9a-f-]+)/(\d+)\.png", parts.path)
        assert match and match.group(1) == hit["patent_id"]
        assert int(match.group(2)) < len(corpus.design(hit["patent_id"]).image_keys)
        assert set(parse_qs(parts.query)) == {"expires", "signature"}
        response = requests.get(hit["url"], timeout=10)
        assert response.status_code == 200 and response.headers["Content-Type"] == "image/png"


def test_hit_url_is_the_best_matching_image_of_the_design(api, corpus):
    design = next(d for d in corpus.designs if len(d.image_keys) >= 3)
    url = api.upload_url(corpus.image_png(design.image_keys[2]))
    top = api.search(url, limit=1)["patent_messages"][0]
    assert top["patent_id"] == design.patent_id
    assert urlsplit(top["url"]).path == f"/files/designs/{design.patent_id}/2.png"


def test_search_is_deterministic(api, query_url, unfiltered):
    again = api.search(query_url, limit=100)
    assert again["search_id"] != unfiltered["search_id"]
    strip = lambda hits: [(h["patent_id"], h["score"], urlsplit(h["url"]).path) for h in hits]  # noqa: E731
    assert strip(again["patent_messages"]) == strip(unfiltered["patent_messages"])


def test_limit_defaults_to_10_and_is_honoured(api, query_url, unfiltered):
    assert len(api.search(query_url)["patent_messages"]) == 10
    five = api.search(query_url, limit=5)["patent_messages"]
    assert [h["patent_id"] for h in five] == [h["patent_id"] for h in unfiltered["patent_messages"][:5]]


def test_search_by_a_hit_image_url(api, unfiltered, corpus):
    second = unfiltered["patent_messages"][1]
    top = api.search(second["url"], limit=1)["patent_messages"][0]
    # the design itself, or its registration in another office (the same drawing: an equal score)
    families = corpus.owner_truth.office_families
    assert families[top["patent_id"]] == families[second["patent_id"]]
    assert top["score"] >= 0.99


@pytest.mark.parametrize(
    "url",
    [
        "https://img2.baidu.com/it/u=3901385603,500927275&fm=253&fmt=auto&app=138&f=JPEG",
        "http://192.0.2.1/image.png",
        "ftp://127.0.0.1/x.png",
        "not a url",
    ],
)
def test_search_by_a_foreign_url_is_68300004_naming_url(api, url):
    code, message = error_of(api.get("/image-search/search-id", url=url))
    assert code == 68300004
    assert "url" in message


def test_search_by_own_url_with_bad_signature_is_68300004(api, query_url):
    tampered = re.sub(r"signature=[0-9a-f]+", "signature=" + "0" * 32, query_url)
    code, message = error_of(api.get("/image-search/search-id", url=tampered))
    assert code == 68300004 and "url" in message


def test_search_by_own_url_without_query_is_68300004(api, query_url):
    code, _ = error_of(api.get("/image-search/search-id", url=query_url.split("?")[0]))
    assert code == 68300004


def test_search_without_url_is_68300004(api):
    code, message = error_of(api.get("/image-search/search-id", limit=10))
    assert code == 68300004 and "url" in message


# --- filters --------------------------------------------------------------------------


def filtered_ids(api, query_url, **params) -> tuple[set[str], int]:
    hits, total = api.all_hits(query_url, **params)
    ids = [h["patent_id"] for h in hits]
    assert len(ids) == len(set(ids)), "duplicate designs in the stored hits"
    return set(ids), total


def expect(corpus, predicate) -> set[str]:
    return {d.patent_id for d in corpus.designs if predicate(d)}


def check(api, query_url, corpus, predicate, **params):
    got, total = filtered_ids(api, query_url, **params)
    wanted = expect(corpus, predicate)
    assert wanted, f"test data: nothing in the corpus matches {params}"
    assert got == wanted
    assert total == len(wanted)


def test_country_filter(api, query_url, corpus):
    check(api, query_url, corpus, lambda d: d.authority in {"CN", "US"}, country="CN,US")
    check(api, query_url, corpus, lambda d: d.authority == "JP", country="JP")


def test_country_filter_with_no_match_gives_no_hits(api, query_url):
    data = api.search(query_url, country="BR")
    assert data["patent_messages"] == [] and data["total_search_result_count"] == 0
    assert re.match(r"^[0-9A-F]{32}-1-D$", data["search_id"])


def loc_classes(corpus) -> list[str]:
    counts = Counter(code for d in corpus.designs for code in d.loc)
    return [code for code, _ in counts.most_common()]


def test_loc_exact_code(api, query_url, corpus):
    code = loc_classes(corpus)[0]
    check(api, query_url, corpus, lambda d: code in d.loc, loc=code)


def test_loc_class_only_matches_every_subclass(api, query_url, corpus):
    classes = Counter(code[:2] for d in corpus.designs for code in d.loc)
    cls = next(c for c, _ in classes.most_common() if len({x for d in corpus.designs for x in d.loc if x[:2] == c}) >= 2)
    check(api, query_url, corpus, lambda d: any(x.startswith(cls + "-") for x in d.loc), loc=cls)


def test_loc_or_in_parentheses(api, query_url, corpus):
    a, b = loc_classes(corpus)[:2]
    check(api, query_url, corpus, lambda d: a in d.loc or b in d.loc, loc=f"({a} OR {b})")


def test_loc_and_not(api, query_url, corpus):
    classes = Counter(code[:2] for d in corpus.designs for code in d.loc)
    cls = next(c for c, _ in classes.most_common() if len({x for d in corpus.designs for x in d.loc if x[:2] == c}) >= 2)
    sub = next(x for d in corpus.designs for x in d.loc if x[:2] == cls)
    in_cls = lambda d: any(x.startswith(cls + "-") for x in d.loc)  # noqa: E731
    check(api, query_url, corpus, lambda d: in_cls(d) and sub not in d.loc, loc=f"{cls} NOT {sub}")
    check(api, query_url, corpus, lambda d: in_cls(d) and sub not in d.loc, loc=f"{cls} AND NOT {sub}")
    check(api, query_url, corpus, lambda d: sub not in d.loc, loc=f"NOT {sub}")


def test_loc_and_of_two_codes(api, query_url, corpus):
    a, b = loc_classes(corpus)[:2]
    data = api.search(query_url, loc=f"{a} AND {b}")
    wanted = expect(corpus, lambda d: a in d.loc and b in d.loc)
    assert data["total_search_result_count"] == len(wanted)
    assert {h["patent_id"] for h in data["patent_messages"]} <= wanted
    # nested: (a OR b) AND NOT a == b only
    check(api, query_url, corpus, lambda d: b in d.loc and a not in d.loc, loc=f"(({a} OR {b}) AND NOT {a})")


def test_assignees_is_a_case_insensitive_substring_of_assignee_or_applicant(api, query_url, corpus):
    name = next(d.assignees[0] for d in corpus.designs if d.authority == "US")
    fragment = name.split()[0].upper()
    check(
        api,
        query_url,
        corpus,
        lambda d: any(fragment.casefold() in n.casefold() for n in (*d.assignees, *d.applicants)),
        assignees=fragment,
    )


def test_assignees_matches_non_latin_names(api, query_url, corpus):
    name = next(a for d in corpus.designs for a in d.assignees if re.search(r"[\u4e00-\u9fff]", a))
    fragment = name[:2]
    check(
        api,
        query_url,
        corpus,
        lambda d: any(fragment in n for n in (*d.assignees, *d.applicants)),
        assignees=fragment,
    )


def test_legal_status_filter(api, query_url, corpus):
    codes_present = Counter(d.legal_status_on(SANDBOX_TODAY) for d in corpus.designs)
    a, b = [code for code, _ in codes_present.most_common(2)]
    check(api, query_url, corpus, lambda d: d.legal_status_on(SANDBOX_TODAY) in {a, b}, legal_status=f"{a},{b}")


def test_simple_legal_status_filter(api, query_url, corpus):
    check(api, query_url, corpus, lambda d: d.simple_legal_status_on(SANDBOX_TODAY) == 0, simple_legal_status="0")
    check(api, query_url, corpus, lambda d: d.simple_legal_status_on(SANDBOX_TODAY) in (1, 2),
          simple_legal_status="1, 2")


def main_field_texts(d) -> list[str]:
    return [d.title, d.patent_pn, d.apno, *d.loc, *d.assignees, *d.applicants, *d.inventors]


@pytest.mark.parametrize("source", ["title", "patent_pn", "apno", "loc", "inventor"])
def test_main_field_keyword(api, query_url, corpus, source):
    design = corpus.designs[5]
    keyword = {
        "title": design.title.split()[-1].lower(),
        "patent_pn": design.patent_pn,
        "apno": design.apno,
        "loc": design.loc[0],
        "inventor": design.inventors[0] if design.inventors else design.title,
    }[source]
    check(
        api,
        query_url,
        corpus,
        lambda d: any(keyword.casefold() in t.casefold() for t in main_field_texts(d)),
        main_field=keyword,
    )


def test_apply_date_bounds_are_inclusive(api, query_url, corpus):
    dates = sorted(d.apply_date for d in corpus.designs)
    low, high = dates[len(dates) // 4], dates[len(dates) // 2]
    check(
        api,
        query_url,
        corpus,
        lambda d: low <= d.apply_date <= high,
        apply_start_time=ymd(low),
        apply_end_time=ymd(high),
    )


def test_public_date_bounds_are_inclusive(api, query_url, corpus):
    dates = sorted(d.publication_date for d in corpus.designs)
    low, high = dates[len(dates) // 3], dates[2 * len(dates) // 3]
    check(api, query_url, corpus, lambda d: d.publication_date >= low, public_start_time=ymd(low))
    check(api, query_url, corpus, lambda d: d.publication_date <= high, public_end_time=ymd(high))
    exact = dates[len(dates) // 2]
    check(
        api,
        query_url,
        corpus,
        lambda d: d.publication_date == exact,
        public_start_time=ymd(exact),
        public_end_time=ymd(exact),
    )


def test_filters_combine_with_and(api, query_url, corpus):
    check(
        api,
        query_url,
        corpus,
        lambda d: (d.authority in ("CN", "EM") and d.simple_legal_status_on(SANDBOX_TODAY) == 1
                   and d.apply_date >= dt.date(2015, 1, 1)),
        country="CN,EM",
        simple_legal_status="1",
        apply_start_time="20150101",
    )


def test_empty_filter_values_are_ignored(api, query_url, unfiltered):
    data = api.search(query_url, limit=100, loc="", country="", assignees="  ")
    assert data["total_search_result_count"] == unfiltered["total_search_result_count"]


# --- sorting ----------------------------------------------------------------------------

DATE_OF = {
    "APD": lambda d: d.apply_date,
    "PBD": lambda d: d.publication_date,
    "ISD": lambda d: d.grant_date,
}


@pytest.mark.parametrize("field", ["APD", "PBD", "ISD"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_sort_by_date_field(api, query_url, corpus, field, order):
    hits, total = api.all_hits(query_url, field=field, order=order)
    assert total == len(corpus.designs)
    dates = [DATE_OF[field](corpus.design(h["patent_id"])) for h in hits]
    known = [d for d in dates if d is not None]
    assert known == sorted(known, reverse=(order == "desc"))
    # designs without that date (not granted, for ISD) come last
    assert dates[: len(known)] == known
    assert len(hits) == len(corpus.designs)


def test_sort_defaults_to_desc(api, query_url):
    default = api.search(query_url, field="APD", limit=50)["patent_messages"]
    desc = api.search(query_url, field="APD", order="desc", limit=50)["patent_messages"]
    assert [h["patent_id"] for h in default] == [h["patent_id"] for h in desc]


def test_order_asc_without_field_reverses_the_score_order(api, query_url):
    hits = api.search(query_url, order="asc", limit=100)["patent_messages"]
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores)
