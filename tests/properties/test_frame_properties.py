"""Property-based tests of the frame builder (hypothesis).

Any list of hits (any subset of the documented fields, wrongly typed values, unicode,
random extra fields, some named like schema columns) gives a frame with the schema
columns first, in order, with their dtypes; contiguous ranks from ``start_rank``;
every extra field as a column after them; JSON-safe attrs. Concatenating such frames
keeps all of that.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patsnap_pandas import codes
from patsnap_pandas.frame.schema import SCHEMA, authority_from_pn, concat_frames, hits_to_frame

SETTINGS = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # examples: the profile
SOURCE = {"patent_id", "patent_pn", "title", "score", "url", "authority"}

TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["\u05db\u05d9\u05e1\u05d0 \u202e", "\U0001fa91\u200d\U0001f4bb", "\u6298\u53e0\u6905", "<b>&amp;</b>", "",
     " ", "\x00"])
VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True, allow_infinity=True),
    TEXT, st.lists(st.integers(0, 99) | TEXT, max_size=3), st.dictionaries(TEXT, st.integers(), max_size=2),
    st.sampled_from([pd.NA, np.nan, np.int64(7), np.float32(0.5), np.bool_(True)]),
)
PN = st.one_of(st.none(), TEXT, st.sampled_from(["USD907292S", "cn305123456s", "EM008123456-0001", " JP1712345S",
                                                 "XX123", "D907292"]))
#: Plain JSON-like values of any type, in any field (what tests/data/test_frame.py's property sent).
LOOSE = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
    st.text(max_size=8), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
FIELD = {
    "patent_id": st.one_of(TEXT, st.none(), st.integers(), LOOSE),
    "patent_pn": PN | LOOSE,
    "title": st.one_of(TEXT, st.none(), st.integers(), st.floats(), LOOSE),
    "score": st.one_of(st.floats(allow_nan=True), st.integers(-5, 5), st.none(), TEXT, st.booleans(), LOOSE),
    "url": st.one_of(TEXT, st.none(), st.just("https://img.example/1.png?sig=x"), LOOSE),
    "authority": st.one_of(st.none(), st.sampled_from(["us", " CN ", "", "EM"]), TEXT, LOOSE),
    "image_url": st.one_of(TEXT, st.none(), LOOSE),
}
EXTRA_KEY = st.one_of(TEXT.filter(bool), st.sampled_from(["rank", "query", "search_id", "image_url", "loc", "apdt",
                                                          "img_id", "api_rank", "\u6807\u9898", "score "]))


@st.composite
def hit(draw) -> dict:
    item = {}
    for name in draw(st.lists(st.sampled_from(list(FIELD)), unique=True, max_size=len(FIELD))):
        item[name] = draw(FIELD[name])
    for key in draw(st.lists(EXTRA_KEY, max_size=4, unique=True)):
        if key not in item:
            item[key] = draw(VALUE)
    return item


def _extra_columns(hits: list[dict]) -> list[str]:
    names = []
    for item in hits:
        for key in item:
            if key in SOURCE or (key == "image_url" and "url" not in item):
                continue
            name = f"api_{key}" if key in SCHEMA else key
            if name not in names:
                names.append(name)
    return names


def _check(df: pd.DataFrame, hits: list[dict], start: int) -> None:
    assert list(df.columns[: len(SCHEMA)]) == list(SCHEMA)
    assert {c: str(df[c].dtype) for c in SCHEMA} == {c: str(pd.Series(dtype=t).dtype) for c, t in SCHEMA.items()}
    assert df.columns.is_unique
    assert len(df) == len(hits)
    assert df["rank"].tolist() == list(range(start, start + len(hits)))
    assert list(df.columns[len(SCHEMA):]) == _extra_columns(hits)
    json.dumps(df.attrs)
    for i, item in enumerate(hits):
        pid = item.get("patent_id")
        got = df["patent_id"].iloc[i]
        assert (pd.isna(got) if pid is None else got == str(pid))
        score = df["score"].iloc[i]
        raw = item.get("score")
        assert isinstance(score, float)
        if isinstance(raw, (int, float)) and not isinstance(raw, bool) and not math.isnan(raw):
            assert score == float(raw)
        elif raw is None or isinstance(raw, bool):
            assert math.isnan(score)
        authority = item.get("authority")
        expected = (authority.strip().upper() if isinstance(authority, str) and authority.strip()
                    else authority_from_pn(item.get("patent_pn")))
        got = df["authority"].iloc[i]
        assert (pd.isna(got) if expected is None else got == expected)
        assert pd.isna(got) or got in codes.AUTHORITIES or got == got.upper()


@SETTINGS
@given(hits=st.lists(hit(), max_size=25), start=st.integers(1, 10_000), query=TEXT, search_id=st.none() | TEXT)
def test_any_hits_give_the_schema_and_contiguous_ranks(hits, start, query, search_id):
    df = hits_to_frame(hits, search_id=search_id, query=query, start_rank=start,
                       attrs={"total": len(hits), "filters": {"country": "CN"}})
    _check(df, hits, start)
    assert (df["query"] == query).all() if hits else True
    assert df.attrs["query"] == query and df.attrs["search_id"] == search_id
    # the next page, from any start rank, concatenates into one frame with the ranks still contiguous
    both = concat_frames([df, hits_to_frame(hits, search_id=search_id, query=query, start_rank=start + len(hits))])
    _check(both, hits + hits, start)


@pytest.mark.slow  # many generated examples, each a frame build: left out of `make test-fast`, run by `make test` and CI
@SETTINGS
@given(pages=st.lists(st.lists(hit(), max_size=8), min_size=1, max_size=4))
def test_pages_concatenate_into_one_valid_frame(pages):
    frames, start = [], 1
    for n, page in enumerate(pages):
        frames.append(hits_to_frame(page, search_id="S", query="q.png", start_rank=start,
                                    attrs={"total": 99, "from_cache": n % 2 == 0}))
        start += len(page)
    out = concat_frames(frames)
    every = [item for page in pages for item in page]
    assert list(out.columns[: len(SCHEMA)]) == list(SCHEMA)
    assert {c: str(out[c].dtype) for c in SCHEMA} == {c: str(pd.Series(dtype=t).dtype) for c, t in SCHEMA.items()}
    assert out["rank"].tolist() == list(range(1, len(every) + 1))
    assert set(out.columns[len(SCHEMA):]) == set(_extra_columns(every))
    assert out.attrs["from_cache"] is (len(pages) == 1)
    json.dumps(out.attrs)
