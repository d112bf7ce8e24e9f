"""The result-frame schema: dtypes, ranks, authority, extra fields, attrs, concatenation."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from patsnap_pandas import InvalidInputError, codes
from patsnap_pandas.frame.schema import (
    ATTRS_KEYS,
    SCHEMA,
    authority_from_pn,
    concat_frames,
    empty_frame,
    hits_to_frame,
    missing_columns,
)

EXPECTED_SCHEMA = {
    "rank": "Int64",
    "score": "float64",
    "patent_pn": "string",
    "title": "string",
    "patent_id": "string",
    "image_url": "string",
    "authority": "string",
    "search_id": "string",
    "query": "string",
    "relevance": "string",
    "note": "string",
}


def make_hits(n: int, start: int = 0) -> list[dict]:
    pns = ["CN305123456S", "USD907292S", "EM008123456-0001", "JP1712345S", "KR3012345670000", "HK04110995S"]
    return [
        {
            "url": f"http://127.0.0.1:9/files/designs/p{i}/0.png?expires=1&signature=ab",
            "score": round(1 - i / 1000, 4),
            "title": f"Design {i}",
            "patent_id": f"pid-{i:04d}",
            "patent_pn": pns[i % len(pns)],
        }
        for i in range(start, start + n)
    ]


def dtypes_of(df: pd.DataFrame) -> dict[str, str]:
    return {c: str(t) for c, t in df.dtypes.items()}


def assert_schema(df: pd.DataFrame) -> None:
    assert list(df.columns[: len(SCHEMA)]) == list(EXPECTED_SCHEMA)
    assert {c: str(df[c].dtype) for c in SCHEMA} == EXPECTED_SCHEMA


def test_schema_constant_is_the_contract():
    assert SCHEMA == EXPECTED_SCHEMA
    assert list(SCHEMA) == list(EXPECTED_SCHEMA)
    assert ATTRS_KEYS == ("query", "filters", "search_id", "total", "fetched_at", "from_cache",
                          "endpoint_version", "thumbnail_dir", "source")


def test_normal_hits_give_schema_columns_values_and_ranks():
    hits = make_hits(6)
    df = hits_to_frame(hits, search_id="SID-1", query="chair.png")
    assert list(df.columns) == list(EXPECTED_SCHEMA)
    assert dtypes_of(df) == EXPECTED_SCHEMA
    assert isinstance(df.index, pd.RangeIndex) and list(df.index) == list(range(6))
    assert df["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    assert df["score"].tolist() == [h["score"] for h in hits]
    assert df["image_url"].tolist() == [h["url"] for h in hits]
    assert df["patent_id"].tolist() == [h["patent_id"] for h in hits]
    assert df["title"].tolist() == [h["title"] for h in hits]
    assert df["authority"].tolist() == ["CN", "US", "EM", "JP", "KR", "HK"]
    assert set(df["search_id"]) == {"SID-1"}
    assert set(df["query"]) == {"chair.png"}


def test_start_rank_continues_across_pages():
    df = hits_to_frame(make_hits(5, start=10), search_id="S", query="q", start_rank=11)
    assert df["rank"].tolist() == [11, 12, 13, 14, 15]


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "1"])
def test_start_rank_must_be_a_positive_integer(bad):
    with pytest.raises(InvalidInputError, match=rf"^start_rank={re.escape(repr(bad))} is not valid: .*\. "
                                                r"Allowed: an integer >= 1\.$"):
        hits_to_frame(make_hits(1), search_id="S", query="q", start_rank=bad)


def test_empty_result_has_same_columns_and_dtypes():
    for df in (hits_to_frame([], search_id="S", query="q"), empty_frame(), empty_frame({"query": "x.png"})):
        assert len(df) == 0
        assert list(df.columns) == list(EXPECTED_SCHEMA)
        assert dtypes_of(df) == EXPECTED_SCHEMA
        json.dumps(df.attrs)
    assert empty_frame({"query": "x.png", "total": 0}).attrs["query"] == "x.png"


def test_extra_fields_are_kept_with_inferred_dtypes():
    hits = make_hits(3)
    hits[0].update(loc=["28-03"], apdt=20190220, weight=0.5, granted=True, kind="S",
                   nested={"a": [1, 2]}, mixed=1)
    hits[1].update(loc=["28-03", "28-02"], apdt=None, weight=2, granted=False, kind=None,
                   nested=None, mixed="x")
    hits[2].update(only_last="late")  # appears only in the last hit
    df = hits_to_frame(hits, search_id="S", query="q")
    assert list(df.columns) == list(EXPECTED_SCHEMA) + [
        "loc", "apdt", "weight", "granted", "kind", "nested", "mixed", "only_last"]
    assert dtypes_of(df)["loc"] == "object"
    assert df["loc"].tolist() == [["28-03"], ["28-03", "28-02"], None]
    assert dtypes_of(df)["apdt"] == "Int64"
    assert df["apdt"].tolist() == [20190220, pd.NA, pd.NA]
    assert dtypes_of(df)["weight"] == "float64"
    assert df["weight"].iloc[:2].tolist() == [0.5, 2.0] and np.isnan(df["weight"].iloc[2])
    assert dtypes_of(df)["granted"] == "boolean"
    assert df["granted"].tolist() == [True, False, pd.NA]
    assert dtypes_of(df)["kind"] == "string"
    assert dtypes_of(df)["nested"] == "object"
    assert df["nested"].iloc[0] == {"a": [1, 2]}
    assert dtypes_of(df)["mixed"] == "object"
    assert df["mixed"].tolist() == [1, "x", None]
    assert df["only_last"].tolist() == [pd.NA, pd.NA, "late"]


def test_extra_fields_named_like_schema_columns_are_kept_with_api_prefix():
    hits = make_hits(2)
    hits[0].update(rank=99, search_id="other", query="server", image_url="http://alt/1.png")
    df = hits_to_frame(hits, search_id="S", query="q")
    assert df["rank"].tolist() == [1, 2]
    assert df["search_id"].tolist() == ["S", "S"]
    assert df["api_rank"].tolist() == [99, pd.NA]
    assert df["api_search_id"].tolist() == ["other", pd.NA]
    assert df["api_query"].tolist() == ["server", pd.NA]
    assert df["api_image_url"].tolist() == ["http://alt/1.png", pd.NA]
    assert df["image_url"].tolist() == [hits[0]["url"], hits[1]["url"]]


def test_image_url_key_is_accepted_when_url_is_absent():
    df = hits_to_frame([{"patent_id": "p", "image_url": "http://127.0.0.1/x.png"}], search_id=None, query="q")
    assert df["image_url"].tolist() == ["http://127.0.0.1/x.png"]
    assert "api_image_url" not in df.columns


def test_missing_and_odd_values_become_na():
    hits = [{}, {"score": None, "patent_pn": None, "title": None}, {"score": "0.5", "patent_pn": 12345},
            {"score": "n/a"}]
    df = hits_to_frame(hits, search_id=None, query="q")
    assert dtypes_of(df) == EXPECTED_SCHEMA
    assert df["rank"].tolist() == [1, 2, 3, 4]
    assert np.isnan(df["score"].iloc[0]) and np.isnan(df["score"].iloc[1]) and np.isnan(df["score"].iloc[3])
    assert df["score"].iloc[2] == 0.5
    assert df["patent_pn"].tolist() == [pd.NA, pd.NA, "12345", pd.NA]
    assert df["authority"].isna().all()
    assert df["search_id"].isna().all()


def test_api_authority_wins_over_the_prefix():
    df = hits_to_frame([{"patent_pn": "USD907292S", "authority": "us"},
                        {"patent_pn": "XX123", "authority": "WO"},
                        {"patent_pn": "CN305123456S", "authority": ""}], search_id="S", query="q")
    assert df["authority"].tolist() == ["US", "WO", "CN"]


@pytest.mark.parametrize("pn, expected", [
    ("CN305123456S", "CN"), ("USD907292S", "US"), ("EM008123456-0001", "EM"), ("JP1712345S", "JP"),
    ("KR3012345670000", "KR"), ("HK04110995S", "HK"), ("WO2021123456A1", "WO"), ("EP1234567B1", "EP"),
    ("  usd907292s ", "US"), ("D907292", None), ("XX123", None), ("", None), ("C", None),
    (None, None), (12345, None),
])
def test_authority_from_pn(pn, expected):
    assert authority_from_pn(pn) == expected


def test_authority_codes_come_from_codes_table():
    for code in codes.AUTHORITIES:
        assert authority_from_pn(code + "123") == code


@dataclass(frozen=True)
class FakeHit:
    patent_id: str
    patent_pn: str
    title: str
    score: float
    url: str
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"patent_id": self.patent_id, "patent_pn": self.patent_pn, "title": self.title,
                "score": self.score, "url": self.url, **self.extra}


def test_objects_with_to_dict_are_accepted():
    df = hits_to_frame([FakeHit("p1", "USD1S", "t", 0.9, "http://127.0.0.1/a.png", {"apno": "A1"})],
                       search_id="S", query="q")
    assert df.iloc[0][["patent_id", "authority", "apno"]].tolist() == ["p1", "US", "A1"]


@pytest.mark.parametrize("hits, message", [
    ([{"patent_id": "a"}, 5], r"hits\[1\]: expected a mapping of hit fields, got int"),
    ([None], r"hits\[0\]: expected a mapping"),
    ({"patent_id": "a"}, r"hits: expected an iterable of hit mappings, got dict"),
    ("abc", r"hits: expected an iterable of hit mappings, got str"),
])
def test_bad_hits_raise_type_error_naming_the_item(hits, message):
    with pytest.raises(TypeError, match=message):
        hits_to_frame(hits, search_id="S", query="q")


# --- attrs -------------------------------------------------------------------------


class FakeFilters:
    def to_dict(self) -> dict:
        return {"country": ["CN", "US"], "loc": "(06-01 OR 06-02)"}


def test_attrs_hold_json_safe_provenance():
    fetched = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    df = hits_to_frame(make_hits(2), search_id="SID", query="chair.png", attrs={
        "filters": FakeFilters(), "total": np.int64(42), "fetched_at": fetched, "from_cache": 1,
        "thumbnail_dir": Path("/tmp/thumbs"), "pages": (1, 2), "score": np.float64(0.5)})
    attrs = df.attrs
    assert set(ATTRS_KEYS) <= set(attrs)
    assert attrs["query"] == "chair.png"
    assert attrs["search_id"] == "SID"
    assert attrs["filters"] == {"country": ["CN", "US"], "loc": "(06-01 OR 06-02)"}
    assert attrs["total"] == 42 and type(attrs["total"]) is int
    assert attrs["fetched_at"] == "2025-01-02T03:04:05+00:00"
    assert attrs["from_cache"] is True
    assert attrs["endpoint_version"] == "P009-v2"
    assert attrs["thumbnail_dir"] == str(Path("/tmp/thumbs"))
    assert attrs["pages"] == [1, 2]
    assert json.loads(json.dumps(attrs)) == attrs


def test_attrs_defaults_are_complete_and_fetched_at_is_utc_iso():
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    attrs = hits_to_frame(make_hits(1), search_id=None, query="q").attrs
    assert list(attrs) == list(ATTRS_KEYS)
    assert attrs["filters"] == {} and attrs["total"] is None and attrs["from_cache"] is False
    assert attrs["thumbnail_dir"] is None and attrs["search_id"] is None
    fetched = dt.datetime.fromisoformat(attrs["fetched_at"])
    assert fetched.utcoffset() == dt.timedelta(0)
    assert before <= fetched <= dt.datetime.now(dt.timezone.utc)


def test_attrs_refuse_non_json_values_and_secrets():
    with pytest.raises(TypeError, match=r"attrs\['thing'\]: object is not JSON-safe"):
        hits_to_frame([], search_id=None, query="q", attrs={"thing": object()})
    with pytest.raises(ValueError, match=r"'api_key' looks like a secret"):
        hits_to_frame([], search_id=None, query="q", attrs={"api_key": "sk-123"})


def test_attrs_survive_pandas_operations_as_json():
    df = hits_to_frame(make_hits(4), search_id="S", query="q", attrs={"total": 4})
    sub = df[df["score"] > 0.9978].sort_values("score")
    assert sub.attrs == df.attrs
    json.dumps(sub.attrs)


# --- concat ------------------------------------------------------------------------


def test_concat_pages_keeps_schema_dtypes_ranks_and_attrs():
    p1 = hits_to_frame(make_hits(3), search_id="S", query="q", attrs={"total": 5, "fetched_at": "2025-01-02T00:00:01+00:00"})
    p2 = hits_to_frame(make_hits(2, start=3), search_id="S", query="q", start_rank=4,
                       attrs={"total": 5, "fetched_at": "2025-01-02T00:00:00+00:00", "from_cache": True})
    for p in (p1, p2):
        p["loc"] = pd.Series([["01-01"]] * len(p), dtype=object)
    out = concat_frames([p1, p2])
    assert_schema(out)
    assert out["rank"].tolist() == [1, 2, 3, 4, 5]
    assert list(out.index) == list(range(5))
    assert out["loc"].dtype == object
    assert out.attrs["query"] == "q" and out.attrs["search_id"] == "S" and out.attrs["total"] == 5
    assert out.attrs["fetched_at"] == "2025-01-02T00:00:00+00:00"
    assert out.attrs["from_cache"] is False  # only one page came from the cache
    json.dumps(out.attrs)


def test_concat_batch_unites_extra_columns_and_lists_attrs_per_search():
    a = hits_to_frame([{"patent_pn": "CN1S", "apdt": 20200101}], search_id="A", query="a.png",
                      attrs={"total": 10, "from_cache": True})
    b = hits_to_frame([{"patent_pn": "US1S", "remark": "x"}, {"patent_pn": "US2S"}], search_id="B",
                      query="b.png", attrs={"total": 20, "from_cache": True})
    empty = empty_frame({"query": "c.png", "search_id": "C", "total": 0, "from_cache": True})
    out = concat_frames([a, b, empty])
    assert_schema(out)
    assert list(out.columns) == list(EXPECTED_SCHEMA) + ["apdt", "remark"]
    assert dtypes_of(out)["apdt"] == "Int64" and dtypes_of(out)["remark"] == "string"
    assert out["apdt"].tolist() == [20200101, pd.NA, pd.NA]
    assert out["remark"].tolist() == [pd.NA, "x", pd.NA]
    assert out["rank"].tolist() == [1, 1, 2]
    assert out["query"].tolist() == ["a.png", "b.png", "b.png"]
    assert out["authority"].tolist() == ["CN", "US", "US"]
    assert out.attrs["query"] == ["a.png", "b.png", "c.png"]
    assert out.attrs["search_id"] == ["A", "B", "C"]
    assert out.attrs["total"] == [10, 20, 0]
    assert out.attrs["from_cache"] is True
    assert out.attrs["endpoint_version"] == "P009-v2"
    json.dumps(out.attrs)


def test_concat_conflicting_extra_dtypes_fall_back_to_object():
    a = hits_to_frame([{"x": 1}], search_id="A", query="a")
    b = hits_to_frame([{"x": "one"}], search_id="B", query="b")
    out = concat_frames([a, b])
    assert out["x"].dtype == object and out["x"].tolist() == [1, "one"]
    assert_schema(out)


def test_concat_of_nothing_or_only_empty_frames_is_an_empty_frame():
    for out in (concat_frames([]), concat_frames([empty_frame(), empty_frame()])):
        assert len(out) == 0 and dtypes_of(out) == EXPECTED_SCHEMA
        json.dumps(out.attrs)


def test_concat_refuses_frames_without_the_schema():
    with pytest.raises(ValueError, match=r"frames\[1\]: not a result frame, missing columns \['rank'"):
        concat_frames([empty_frame(), pd.DataFrame({"a": [1]})])
    with pytest.raises(TypeError, match=r"frames\[0\]: expected a DataFrame"):
        concat_frames([[1, 2]])
    assert missing_columns(empty_frame()) == []


# (the property 'any hits give the schema and contiguous ranks' is tests/properties/test_frame_properties.py's)
