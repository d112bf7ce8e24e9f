"""Property-based tests of filter normalisation (hypothesis).

* normalising is idempotent: the normalised values, normalised again, are unchanged;
* every valid date form gives ``yyyyMMdd``;
* any LOC expression of the grammar (any spacing, any case) is accepted, comes out in
  one canonical spelling, and that spelling round-trips;
* junk of any type for any filter is either accepted or refused with FilterError,
  never another exception.
"""

from __future__ import annotations

import datetime as dt
import decimal
import fractions

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patsnap_pandas import codes
from patsnap_pandas.api.filters import FILTER_NAMES, SearchFilters, check_limit, check_offset
from patsnap_pandas.errors import FilterError

SETTINGS = settings(suppress_health_check=[HealthCheck.too_slow])  # examples, deadline: the profile (conftest.py)


# --- LOC expressions from the grammar -----------------------------------------------------------

def _case(word: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(word), max_size=len(word)).map(
        lambda upper: "".join(c.upper() if u else c.lower() for c, u in zip(word, upper)))


@st.composite
def loc_code(draw) -> tuple[str, str]:
    """(as typed, canonical): class 1-32 or 99, optional subclass 1-99, padded or not."""
    klass = draw(st.sampled_from([*range(1, 33), 99]))
    sub = draw(st.none() | st.integers(1, 99))
    k_text = draw(st.sampled_from([f"{klass}", f"{klass:02d}"]))
    canonical = f"{klass:02d}"
    if sub is None:
        return k_text, canonical
    s_text = draw(st.sampled_from([f"{sub}", f"{sub:02d}"]))
    return f"{k_text}-{s_text}", f"{canonical}-{sub:02d}"


SPACE = st.sampled_from([" ", "  ", "\t", " \n "])
OPTIONAL_SPACE = st.sampled_from(["", " ", "  "])


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    negated = st.tuples(_case("NOT"), SPACE, children).map(lambda t: (t[0] + t[1] + t[2][0], "NOT " + t[2][1]))
    grouped = st.tuples(OPTIONAL_SPACE, children, OPTIONAL_SPACE).map(
        lambda t: ("(" + t[0] + t[1][0] + t[2] + ")", "(" + t[1][1] + ")"))
    joined = st.tuples(children, SPACE, st.sampled_from(["AND", "OR", "NOT"]).flatmap(
        lambda op: st.tuples(st.just(op), _case(op))), SPACE, children).map(
        lambda t: (t[0][0] + t[1] + t[2][1] + t[3] + t[4][0], f"{t[0][1]} {t[2][0]} {t[4][1]}"))
    return negated | grouped | joined


LOC_EXPRESSIONS = st.recursive(loc_code(), _extend, max_leaves=8)


@SETTINGS
@given(expression=LOC_EXPRESSIONS, pad=OPTIONAL_SPACE)
def test_any_loc_expression_of_the_grammar_is_accepted_and_round_trips(expression, pad):
    typed, canonical = expression
    normalised = SearchFilters(loc=pad + typed + pad).loc
    assert normalised == canonical
    assert SearchFilters(loc=normalised).loc == normalised


@SETTINGS
@given(codes_=st.lists(loc_code(), min_size=1, max_size=6))
def test_a_list_of_codes_means_or_and_round_trips(codes_):
    canonical = sorted(set(c for _, c in codes_))  # a set: sorted, once each (one query, one cache key)
    normalised = SearchFilters(loc=[t for t, _ in codes_]).loc
    assert normalised == (canonical[0] if len(canonical) == 1 else "(" + " OR ".join(canonical) + ")")
    assert SearchFilters(loc=normalised).loc == normalised
    assert SearchFilters(loc=",".join(t for t, _ in codes_)).loc == normalised


# --- dates --------------------------------------------------------------------------------------

@st.composite
def date_form(draw) -> tuple[object, dt.date]:
    day = draw(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
    iso = day.isoformat()
    forms = [day, iso, iso.replace("-", ""), " " + iso + " ",
             dt.datetime.combine(day, draw(st.times())),
             dt.datetime.combine(day, dt.time(12), tzinfo=dt.timezone(dt.timedelta(hours=draw(st.integers(-12, 12)))))]
    if day.year >= 1000:
        forms.append(int(iso.replace("-", "")))
    if pd.Timestamp.min.date() < day < pd.Timestamp.max.date():
        forms.append(pd.Timestamp(day))
    return draw(st.sampled_from(forms)), day


@SETTINGS
@given(form=date_form(), name=st.sampled_from(["apply_start_time", "apply_end_time", "public_start_time",
                                               "public_end_time"]))
def test_any_valid_date_form_gives_yyyymmdd(form, name):
    value, day = form
    normalised = getattr(SearchFilters(**{name: value}), name)
    assert len(normalised) == 8 and normalised.isdigit()
    assert normalised == f"{day.year:04d}{day.month:02d}{day.day:02d}"
    assert getattr(SearchFilters(**{name: normalised}), name) == normalised


# --- any valid filters: normalising twice changes nothing ---------------------------------------

def _names(table: dict) -> st.SearchStrategy:
    """A code of ``table`` as int, digit string or (any-case) name."""
    return st.sampled_from(list(table.items())).flatmap(
        lambda item: st.sampled_from([item[0], str(item[0]), item[1], item[1].upper(), item[1].title()]))


def _many(strategy: st.SearchStrategy, as_text=str) -> st.SearchStrategy:
    return st.lists(strategy, min_size=1, max_size=4).flatmap(
        lambda items: st.sampled_from([items, ",".join(map(as_text, items))] + ([items[0]] if len(items) == 1 else [])))


@st.composite
def valid_filters(draw) -> dict:
    kwargs = {}
    if draw(st.booleans()):
        kwargs["loc"] = draw(LOC_EXPRESSIONS)[0]
    if draw(st.booleans()):
        kwargs["assignees"] = draw(st.text(max_size=30))
    if draw(st.booleans()):
        kwargs["main_field"] = draw(st.text(max_size=30))
    if draw(st.booleans()):
        kwargs["legal_status"] = draw(_many(_names(codes.LEGAL_STATUS) | st.sampled_from(
            list(codes.LEGAL_STATUS_ALIASES))))
    if draw(st.booleans()):
        kwargs["simple_legal_status"] = draw(_many(_names(codes.SIMPLE_LEGAL_STATUS)))
    if draw(st.booleans()):
        code = st.sampled_from(list(codes.AUTHORITIES)).flatmap(lambda c: st.sampled_from([c, c.lower()]))
        kwargs["country"] = draw(_many(code))
    for kind in ("apply", "public"):
        if draw(st.booleans()):
            first, last = sorted(draw(st.lists(date_form(), min_size=2, max_size=2)), key=lambda f: f[1])
            kwargs[f"{kind}_start_time"], kwargs[f"{kind}_end_time"] = first[0], last[0]
    if draw(st.booleans()):
        kwargs["field"] = draw(st.sampled_from(["score", "SCORE", " apd ", "PBD", "isd"]))
    if draw(st.booleans()):
        kwargs["order"] = draw(st.sampled_from(["asc", "DESC", " Ascending", "descending"]))
    return kwargs


@SETTINGS
@given(kwargs=valid_filters())
def test_normalising_twice_is_idempotent(kwargs):
    once = SearchFilters.from_kwargs(**kwargs)
    twice = SearchFilters.from_kwargs(**once.to_dict())
    assert twice == once and twice.to_params() == once.to_params()
    assert SearchFilters.coerce(once.to_params()) == once
    assert all(isinstance(v, str) and v == v.strip() and v for v in once.to_params().values())


# --- junk is refused with FilterError, nothing else ---------------------------------------------

JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.binary(max_size=20),
    st.complex_numbers(), st.decimals(allow_nan=True), st.fractions(), st.dates(), st.datetimes(), st.times(),
    st.timedeltas(), st.lists(st.one_of(st.text(max_size=5), st.integers(), st.none(), st.floats()), max_size=4),
    st.tuples(st.integers(), st.text(max_size=3)), st.frozensets(st.integers(0, 50), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.sampled_from([pd.NaT, pd.NA, np.nan, np.int64(3), np.float64(2.5), np.datetime64("2020-01-01"),
                     np.array([1, 2]), object(), decimal.Decimal("3"), fractions.Fraction(1, 3), b"01-01",
                     range(3), iter(["CN"]), ..., float("inf")]),
)


@SETTINGS
@given(name=st.sampled_from(FILTER_NAMES), value=JUNK)
def test_junk_for_any_filter_is_accepted_or_a_filter_error(name, value):
    try:
        normalised = getattr(SearchFilters(**{name: value}), name)
    except FilterError as exc:
        assert str(exc)  # a message, naming the filter
        assert name in str(exc) or "filter" in str(exc)
    else:
        assert normalised is None or (isinstance(normalised, str) and normalised)


@SETTINGS
@given(name=st.text(min_size=1, max_size=20).filter(lambda n: n not in FILTER_NAMES))
def test_unknown_filter_names_are_a_filter_error(name):
    with pytest.raises(FilterError, match="is not a search filter|is not a filter"):
        SearchFilters.from_kwargs(**{name: "x"})


@SETTINGS
@given(value=JUNK)
def test_junk_limit_and_offset_are_filter_errors(value):
    for check, low, high in ((check_limit, 1, 100), (check_offset, 0, 1000)):
        try:
            result = check(value)
        except FilterError as exc:
            assert "Allowed: an integer from" in str(exc)
        else:
            assert isinstance(result, int) and low <= result <= high
