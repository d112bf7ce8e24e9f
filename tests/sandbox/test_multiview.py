"""P060 (image-single) and P061 (image-multiple) of the sandbox, over HTTP with plain requests.

Parameters are validated as strictly as P009's (68300004 naming the parameter);
the models can be told apart; ``patent_type="U"`` searches the utility-model part.
"""

from __future__ import annotations

import re

import pytest
import requests
from PIL import Image

from patsnap_pandas import codes
from patsnap_pandas.sandbox import metadata
from patsnap_pandas.sandbox.utility import COLOURS
from tests.helpers import error_of, png_bytes

SINGLE = "/search/patent/image-single"
MULTIPLE = "/search/patent/image-multiple"
FULL_FIELDS = {"patent_id", "patent_pn", "title", "url", "score", "loc", "apdt", "pbdt", "apno", "authority",
               "current_assignee", "original_assignee", "inventor"}
UTILITY_PN = re.compile(r"^(CN2\d{8}U|JP3\d{6}U|KR20\d{7}Y1)$")


def post(api, path: str, body, headers: dict | None = None) -> requests.Response:
    return api.session.post(api.base + path, json=body, headers=api.headers if headers is None else headers,
                            timeout=60)


def data_of(response: requests.Response) -> dict:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] is True and body["error_code"] == 0, body
    return body["data"]


def single(api, url: str, **options) -> dict:
    return data_of(post(api, SINGLE, {"url": url, "patent_type": "D", "model": 2, **options}))


def multiple(api, urls: list[str], **options) -> dict:
    return data_of(post(api, MULTIPLE, {"urls": urls, "patent_type": "D", "model": 2, **options}))


@pytest.fixture(scope="module")
def second_url(api, corpus, query_design) -> str:
    """The query design's second view when it has one (else its first again)."""
    keys = query_design.image_keys
    return api.upload_url(corpus.image_png(keys[1] if len(keys) > 1 else keys[0]))


def first_of_kind(corpus, kind: str):
    return next(d for d in corpus.designs if corpus.kinds[d.patent_id] == kind)


@pytest.fixture(scope="module")
def chair_lamp_urls(api, corpus) -> tuple[str, str]:
    chair, lamp = first_of_kind(corpus, "chair"), first_of_kind(corpus, "lamp")
    return (api.upload_url(corpus.image_png(chair.image_keys[0])),
            api.upload_url(corpus.image_png(lamp.image_keys[0])))


# --- happy paths ----------------------------------------------------------------------------------


def test_image_single_finds_the_design_with_the_fuller_fields(api, query_url, query_design):
    data = single(api, query_url, limit=5)
    hits = data["patent_messages"]
    assert len(hits) == 5 and data["total_search_result_count"] == 600
    assert hits[0]["patent_id"] == query_design.patent_id and hits[0]["score"] == 1.0
    assert FULL_FIELDS <= set(hits[0])
    assert "img_id" not in hits[0] and "loc_match" not in hits[0]  # model 2, return_img_id off
    assert hits[0]["authority"] == query_design.authority and hits[0]["apno"] == query_design.apno
    assert hits[0]["current_assignee"] == "; ".join(query_design.assignees)
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert "search_id" not in data


def test_return_img_id_names_the_matched_image(api, query_url, query_design):
    hit = single(api, query_url, limit=1, return_img_id=True)["patent_messages"][0]
    assert hit["img_id"] == query_design.image_keys[0]
    assert requests.get(hit["url"], timeout=30).headers["Content-Type"] == "image/png"


def test_image_multiple_scores_from_every_image(api, query_url, second_url, query_design):
    data = multiple(api, [query_url, second_url], limit=5)
    assert data["patent_messages"][0]["patent_id"] == query_design.patent_id
    assert data["total_search_result_count"] == 600


def test_image_multiple_of_one_url_equals_image_single(api, query_url):
    def unsigned(data):  # the URL signatures carry the second they were made in
        return [{**h, "url": h["url"].split("?", 1)[0]} for h in data["patent_messages"]]

    one, many = single(api, query_url, limit=10), multiple(api, [query_url], limit=10)
    assert unsigned(many) == unsigned(one)
    assert many["total_search_result_count"] == one["total_search_result_count"]


def test_offset_pages_through_the_same_ranking(api, query_url):
    whole = single(api, query_url, limit=20)["patent_messages"]
    page = single(api, query_url, limit=5, offset=10)["patent_messages"]
    assert [h["patent_id"] for h in page] == [h["patent_id"] for h in whole[10:15]]


def test_filters_apply_as_in_p009(api, query_url):
    data = single(api, query_url, limit=50, country=["CN", "US"], field="APD", order="asc")
    hits = data["patent_messages"]
    assert {h["authority"] for h in hits} <= {"CN", "US"}
    assert [h["apdt"] for h in hits] == sorted(h["apdt"] for h in hits)
    p009 = requests.get(api.base + "/image-search/search-id", headers=api.headers, timeout=30,
                        params={"url": query_url, "country": "CN,US"}).json()
    assert data["total_search_result_count"] == p009["data"]["total_search_result_count"]


def test_longer_legal_status_list_is_accepted_by_p060_not_by_p009(api, query_url):
    data = single(api, query_url, legal_status="3,12,17,18,19,20,25")
    assert all(h["patent_id"] for h in data["patent_messages"])
    code, message = error_of(requests.get(api.base + "/image-search/search-id", headers=api.headers, timeout=30,
                                          params={"url": query_url, "legal_status": "17"}))
    assert code == 68300004 and "legal_status" in message


def test_query_text_narrows_like_main_field(api, query_url, corpus):
    owner = corpus.designs[17].assignees[0]
    hits = single(api, query_url, limit=100, query_text=owner)["patent_messages"]
    wanted = owner.casefold()  # matched as main_field is: case-insensitively
    assert hits and all(wanted in h["current_assignee"].casefold() or wanted in h["original_assignee"].casefold()
                        for h in hits)


def test_lang_gives_english_or_chinese_titles(api, query_url, corpus):
    for lang, key in (("en", "en"), ("cn", "zh")):
        hits = single(api, query_url, limit=10, lang=lang)["patent_messages"]
        assert {h["title"] for h in hits} <= {metadata.TITLES[k][key][0] for k in metadata.TITLES}
    original = single(api, query_url, limit=10)["patent_messages"]
    assert [h["title"] for h in original] == [corpus.design(h["patent_id"]).title for h in original]


# --- model semantics -------------------------------------------------------------------------------


def test_model_1_predicts_the_class_and_marks_loc_match(api, query_url, query_design):
    hits = single(api, query_url, limit=100, model=1)["patent_messages"]
    assert all("loc_match" in h for h in hits)
    assert hits[0]["loc_match"] is True
    matched = [h["loc_match"] for h in hits]
    assert matched == sorted(matched, reverse=True) or hits[0]["loc"] == list(query_design.loc)
    assert all(h["loc_match"] == (query_design.loc[0] in h["loc"]) for h in hits)


def test_model_1_image_order_matters_model_2_does_not(api, chair_lamp_urls, corpus):
    chair_url, lamp_url = chair_lamp_urls
    chair_first = multiple(api, [chair_url, lamp_url], model=1, limit=10)["patent_messages"]
    lamp_first = multiple(api, [lamp_url, chair_url], model=1, limit=10)["patent_messages"]
    chair_loc, lamp_loc = first_of_kind(corpus, "chair").loc[0], first_of_kind(corpus, "lamp").loc[0]
    assert chair_first[0]["loc"] == [chair_loc] and chair_first[0]["loc_match"] is True
    assert lamp_first[0]["loc"] == [lamp_loc] and lamp_first[0]["loc_match"] is True
    assert all(h["loc_match"] == (h["loc"] == [chair_loc]) for h in chair_first)
    assert [h["patent_id"] for h in chair_first] != [h["patent_id"] for h in lamp_first]
    plain = [multiple(api, urls, model=2, limit=10)["patent_messages"]
             for urls in ([chair_url, lamp_url], [lamp_url, chair_url])]
    assert [(h["patent_id"], h["score"]) for h in plain[0]] == [(h["patent_id"], h["score"]) for h in plain[1]]
    assert {tuple(h["loc"]) for h in plain[0]} == {(chair_loc,), (lamp_loc,)}  # both products, no re-ranking


# --- utility models --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def utility(sandbox):
    from patsnap_pandas.sandbox.utility import utility_corpus

    return utility_corpus()


def recoloured(image: Image.Image, colour: tuple[int, int, int]) -> Image.Image:
    from PIL import ImageOps

    from patsnap_pandas.sandbox.multiview import shape_of

    return ImageOps.colorize(shape_of(image), black=colour, white=(255, 255, 255))


def utility_search(api, url: str, model: int, **options) -> dict:
    return data_of(post(api, SINGLE, {"url": url, "patent_type": "U", "model": model, **options}))


def test_patent_type_u_returns_utility_models_with_their_numbers(api, query_url, utility):
    data = utility_search(api, query_url, 4, limit=100)
    assert data["total_search_result_count"] == len(utility.designs)
    hits = data["patent_messages"]
    assert all(UTILITY_PN.match(h["patent_pn"]) for h in hits), [h["patent_pn"] for h in hits[:5]]
    assert all(h["loc"] == [] for h in hits)
    assert requests.get(hits[0]["url"], timeout=30).status_code == 200
    designs = single(api, query_url, limit=100)["patent_messages"]
    assert not any(UTILITY_PN.match(h["patent_pn"]) for h in designs)


def test_shape_only_ignores_colour_shape_and_colour_does_not(api, utility):
    model = utility.designs[3]
    image = utility.image(model.image_keys[0])
    own = utility.colours[model.patent_id]
    other = next(c for c in COLOURS if c not in (own, "black"))
    urls = [api.upload_url(png_bytes(recoloured(image, COLOURS[c]))) for c in (own, other)]
    shape = [utility_search(api, u, 3, limit=30)["patent_messages"] for u in urls]
    assert [h["patent_id"] for h in shape[0]] == [h["patent_id"] for h in shape[1]]
    colour = [utility_search(api, u, 4, limit=30)["patent_messages"] for u in urls]
    assert [h["patent_id"] for h in colour[0]] != [h["patent_id"] for h in colour[1]]
    def same_colour(hits, name):
        return [utility.colours[h["patent_id"]] for h in hits[:10]].count(name)

    by_shape = [same_colour(hits, name) for hits, name in zip(shape, (own, other))]
    by_colour = [same_colour(hits, name) for hits, name in zip(colour, (own, other))]
    assert all(c >= s for c, s in zip(by_colour, by_shape)) and sum(by_colour) > sum(by_shape), (by_shape, by_colour)


def test_utility_hit_images_are_served_and_searchable(api, query_url):
    hit = utility_search(api, query_url, 3, limit=1)["patent_messages"][0]
    again = utility_search(api, hit["url"], 3, limit=1)["patent_messages"][0]
    assert again["patent_id"] == hit["patent_id"] and again["score"] == 1.0


def test_p009_is_unchanged_by_the_utility_part(api, query_url):
    data = api.search(query_url, limit=100)
    assert data["total_search_result_count"] == 600
    assert not any(UTILITY_PN.match(h["patent_pn"]) for h in data["patent_messages"])


# --- errors ---------------------------------------------------------------------------------------

BAD_BODY = [
    ("patent_type", {"patent_type": "X"}),
    ("patent_type", {"patent_type": None}),
    ("patent_type", {"patent_type": "d"}),
    ("model", {"model": 3}),
    ("model", {"model": 5}),
    ("model", {"model": "2"}),
    ("model", {"model": True}),
    ("model", {"model": None}),
    ("lang", {"lang": "de"}),
    ("is_https", {"is_https": 2}),
    ("return_img_id", {"return_img_id": "yes"}),
    ("pre_filter", {"pre_filter": -1}),
    ("stemming", {"stemming": 0.5}),
    ("include_machine_translation", {"include_machine_translation": "true"}),
    ("score_expansion", {"score_expansion": [1]}),
    ("query_text", {"query_text": 5}),
    ("field", {"field": "score"}),
    ("order", {"order": "DESC"}),
    ("limit", {"limit": 0}),
    ("limit", {"limit": 101}),
    ("limit", {"limit": "ten"}),
    ("offset", {"offset": 1001}),
    ("offset", {"offset": -1}),
    ("country", {"country": "CN"}),
    ("country", {"country": ["XX"]}),
    ("country", {"country": [1]}),
    ("legal_status", {"legal_status": "4"}),
    ("legal_status", {"legal_status": "granted"}),
    ("simple_legal_status", {"simple_legal_status": "3"}),
    ("loc", {"loc": "01-01 OR"}),
    ("apply_start_time", {"apply_start_time": "2020-01-01"}),
    ("apply_start_time", {"apply_start_time": "20200102", "apply_end_time": "20200101"}),
    ("assignees", {"assignees": ["a"]}),
    ("colour", {"colour": "red"}),
]


@pytest.mark.parametrize("name, change", BAD_BODY, ids=[f"{n}={c}" for n, c in BAD_BODY])
@pytest.mark.parametrize("path", [SINGLE, MULTIPLE])
def test_bad_parameter_is_68300004_naming_it(api, query_url, path, name, change):
    body = {"patent_type": "D", "model": 2, **change}
    body.update({"url": query_url} if path == SINGLE else {"urls": [query_url]})
    response = post(api, path, body)
    assert response.status_code == 200
    code, message = error_of(response)
    assert code == 68300004
    assert name in message


@pytest.mark.parametrize("patent_type, model", [("D", 3), ("D", 4), ("U", 1), ("U", 2)])
def test_model_must_fit_the_patent_type(api, query_url, patent_type, model):
    code, message = error_of(post(api, SINGLE, {"url": query_url, "patent_type": patent_type, "model": model}))
    assert code == 68300004 and f"model={model}" in message and f"patent_type {patent_type}" in message


URL_CASES = [
    (SINGLE, {}, "url"),
    (SINGLE, {"url": ""}, "url"),
    (SINGLE, {"url": "https://example.com/a.png"}, "url"),
    (SINGLE, {"urls": ["x"]}, "urls"),
    (MULTIPLE, {}, "urls"),
    (MULTIPLE, {"urls": []}, "urls"),
    (MULTIPLE, {"urls": "http://127.0.0.1/a.png"}, "urls"),
    (MULTIPLE, {"urls": [5]}, "urls"),
    (MULTIPLE, {"urls": ["https://example.com/a.png"]}, "urls"),
]


@pytest.mark.parametrize("path, change, name", URL_CASES, ids=[f"{p.rsplit('-', 1)[-1]}-{c}" for p, c, _ in URL_CASES])
def test_bad_or_missing_image_urls_are_68300004(api, path, change, name):
    code, message = error_of(post(api, path, {"patent_type": "D", "model": 2, **change}))
    assert code == 68300004 and name in message


def test_more_than_four_urls_is_68300004(api, query_url):
    code, message = error_of(post(api, MULTIPLE, {"urls": [query_url] * (codes.MULTI_IMAGE_MAX + 1),
                                                  "patent_type": "D", "model": 2}))
    assert code == 68300004 and "urls" in message and "1 to 4" in message


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b""])
def test_a_body_that_is_no_json_object_is_68300004(api, raw):
    response = api.session.post(api.base + SINGLE, data=raw, timeout=30,
                                headers={**api.headers, "Content-Type": "application/json"})
    code, message = error_of(response)
    assert code == 68300004 and "body" in message


def test_no_credentials_is_refused(api, query_url):
    code, _ = error_of(post(api, SINGLE, {"url": query_url, "patent_type": "D", "model": 2}, headers={}))
    assert code in (67200003, 67200008)


def test_only_post_is_allowed(api):
    assert api.session.get(api.base + SINGLE, headers=api.headers, timeout=30).status_code == 405


def test_calls_are_billed_in_the_ledger_with_their_body(api, sandbox, query_url):
    before = len(sandbox.ledger)
    single(api, query_url, limit=3, country=["CN"])
    post(api, MULTIPLE, {"urls": [], "patent_type": "D", "model": 2})
    entries = sandbox.ledger.entries()[before:]
    assert [e.endpoint for e in entries] == [SINGLE, MULTIPLE]
    assert entries[0].params["country"] == "CN" and entries[0].params["limit"] == "3"
    assert entries[0].ok and entries[0].result_count == 3
    assert not entries[1].ok and entries[1].error_code == 68300004
    assert not any(sandbox.credentials.api_key in str(e.params) for e in entries)
