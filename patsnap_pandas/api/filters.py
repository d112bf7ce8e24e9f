"""Search filters of P009: validated and normalised before any request is made.

Examples
--------
>>> f = SearchFilters(country=["cn", "us"], legal_status="granted", apply_start_time="2020-01-31")
>>> f.to_params()
{'legal_status': '3', 'country': 'CN,US', 'apply_start_time': '20200131'}
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import numbers
import re
from collections.abc import Iterable, Mapping
from typing import Any, cast

from .. import codes
from .._validate import check_int, invalid
from ..errors import FilterError

__all__ = ["SearchFilters", "check_limit", "check_offset", "FILTER_NAMES"]


def filter_error(name: str, value: Any, problem: str, allowed: str, suggestion: str | None = None) -> FilterError:
    """A FilterError in the one message shape of bad arguments, with what it is about."""
    return cast(FilterError, invalid(name, value, problem, allowed, FilterError, suggestion))


def suggest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to a mistyped ``word``, if any is close."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def normalise_choice(name: str, value: Any, choices: Iterable[str], what: str, allowed: str,
                     aliases: Mapping[str, str] | None = None) -> str:
    """``value`` as one of ``choices`` (case and spaces ignored, ``aliases`` mapped), else a FilterError.

    ``what`` names the kind of value in the message (``"sort order"``); ``allowed`` lists the choices.

    Examples
    --------
    >>> normalise_choice("order", " Descending", ("asc", "desc"), "sort order", "'asc' or 'desc'",
    ...                  {"descending": "desc"})
    'desc'
    """
    choices = tuple(choices)
    if not isinstance(value, str):
        raise filter_error(name, value, f"expected a string, got {type(value).__name__}", allowed)
    text = value.strip().lower()
    text = (aliases or {}).get(text, text)
    if text not in choices:
        raise filter_error(name, value, f"unknown {what}", allowed, suggest(text, choices))
    return text


def _is_blank(value: Any) -> bool:
    """None, "" and empty collections mean "no filter"."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, set, frozenset)):
        return len(value) == 0
    return False


def _items(name: str, value: Any, allowed: str) -> list[str | int]:
    """A comma string or an iterable of scalars -> list of stripped items (ints kept as ints)."""
    if isinstance(value, str):
        parts: list[str | int] = [part.strip() for part in value.split(",")]
        if any(not part for part in parts):
            raise filter_error(name, value, "empty item in the comma-separated list", allowed)
        return parts
    if isinstance(value, bool):
        raise filter_error(name, value, "a boolean is not a code", allowed)
    if isinstance(value, numbers.Integral):
        return [int(value)]
    if isinstance(value, Iterable) and not isinstance(value, (bytes, Mapping)):
        items: list[str | int] = []
        for item in value:
            if isinstance(item, str) and item.strip():
                items.append(item.strip())
            elif isinstance(item, numbers.Integral) and not isinstance(item, bool):
                items.append(int(item))
            else:
                raise filter_error(name, value, f"item {item!r} is neither a code nor a name", allowed)
        return items
    raise filter_error(name, value, f"expected a string, an int or a list, got {type(value).__name__}", allowed)


def _set_of(values: Iterable[Any]) -> list[Any]:
    """Items of a list whose order means nothing (authorities, status codes, OR-ed classes): sorted, once each.

    The same set always makes the same query, and so the same cache key: ``["US", "CN"]`` is
    not searched (and paid for) again as ``["CN", "US"]``.

    Examples
    --------
    >>> _set_of(["US", "CN", "US"]), _set_of([15, 3, 3])
    (['CN', 'US'], [3, 15])
    """
    return sorted(set(values))


# --- LOC (Locarno) expressions ---------------------------------------------------------------

_LOC_ALLOWED = ("Locarno codes NN or NN-NN (class 01-32 or 99, subclass 01-99) joined with AND/OR/NOT, "
                "with balanced parentheses, e.g. '(01-01 OR 01-02) AND NOT 02-03', "
                "or a list of codes (meaning OR)")
_LOC_TOKEN = re.compile(r"\s*(?:(?P<paren>[()])|(?P<code>\d[\d-]*)|(?P<word>[A-Za-z]+)|(?P<other>\S+))")
_LOC_OPERATORS = ("AND", "OR", "NOT")


def _loc_code(text: str, original: Any) -> str:
    match = re.fullmatch(r"(\d{1,2})(?:-(\d{1,2}))?", text.strip())
    if not match:
        raise filter_error("loc", original, f"{text!r} is not a Locarno code", _LOC_ALLOWED)
    klass = int(match.group(1))
    if not (1 <= klass <= 32 or klass == 99):
        raise filter_error("loc", original, f"class {klass:02d} of {text!r} does not exist", _LOC_ALLOWED)
    if match.group(2) is None:
        return f"{klass:02d}"
    if int(match.group(2)) == 0:
        raise filter_error("loc", original, f"subclass 00 of {text!r} does not exist", _LOC_ALLOWED)
    return f"{klass:02d}-{int(match.group(2)):02d}"


def _loc_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    stripped = text.rstrip()
    while position < len(stripped):
        match = _LOC_TOKEN.match(stripped, position)
        assert match is not None  # \S+ always matches something
        position = match.end()
        if match.group("paren"):
            tokens.append(match.group("paren"))
        elif match.group("code"):
            tokens.append(_loc_code(match.group("code"), text))
        elif match.group("word") and match.group("word").upper() in _LOC_OPERATORS:
            tokens.append(match.group("word").upper())
        else:
            bad = match.group("word") or match.group("other")
            suggestion = suggest(bad.upper(), _LOC_OPERATORS) if match.group("word") else None
            raise filter_error("loc", text, f"unexpected {bad!r}", _LOC_ALLOWED, suggestion)
    return tokens


def _check_loc_parentheses(tokens: list[str], original: str) -> None:
    depth = 0
    for token in tokens:
        depth += {"(": 1, ")": -1}.get(token, 0)
        if depth < 0:
            raise filter_error("loc", original, "unbalanced parentheses: ')' without '('", _LOC_ALLOWED)
    if depth:
        raise filter_error("loc", original, "unbalanced parentheses: '(' not closed", _LOC_ALLOWED)


def _check_loc_grammar(tokens: list[str], original: str) -> None:
    """expr := unary ((AND|OR|NOT) unary)* ; unary := NOT unary | CODE | '(' expr ')'."""
    _check_loc_parentheses(tokens, original)
    position = 0

    def unary() -> None:
        nonlocal position
        if position >= len(tokens):
            after = f"after {tokens[-1]!r}" if tokens else "in an empty expression"
            raise filter_error("loc", original, f"a code or '(' is missing {after}", _LOC_ALLOWED)
        token = tokens[position]
        position += 1
        if token == "NOT":
            unary()
        elif token == "(":
            expr()
            position += 1  # the matching ")" (parentheses are balanced)
        elif token in _LOC_OPERATORS or token == ")":
            raise filter_error("loc", original, f"{token!r} where a code or '(' was expected", _LOC_ALLOWED)

    def expr() -> None:
        nonlocal position
        unary()
        while position < len(tokens) and tokens[position] != ")":
            token = tokens[position]
            if token not in _LOC_OPERATORS:
                raise filter_error("loc", original, f"AND/OR/NOT is missing before {token!r}", _LOC_ALLOWED)
            position += 1
            unary()

    expr()
    if position != len(tokens):
        raise filter_error("loc", original, f"unexpected {tokens[position]!r}", _LOC_ALLOWED)


def _normalise_loc(value: Any) -> str:
    if isinstance(value, str):
        text = value.strip()
        if "," in text and not re.search(r"[()]|\b(and|or|not)\b", text, re.IGNORECASE):
            return _normalise_loc(text.split(","))
        tokens = _loc_tokens(text)
        _check_loc_grammar(tokens, value)
        return " ".join(tokens).replace("( ", "(").replace(" )", ")")
    if isinstance(value, Iterable) and not isinstance(value, (bytes, Mapping)):
        items = list(value)
        if not all(isinstance(item, str) for item in items):
            raise filter_error("loc", value, "every item of a list must be a code string", _LOC_ALLOWED)
        codes_ = _set_of(_loc_code(item, value) for item in items)
        return codes_[0] if len(codes_) == 1 else "(" + " OR ".join(codes_) + ")"
    raise filter_error("loc", value, f"expected a string or a list of codes, got {type(value).__name__}",
                _LOC_ALLOWED)


# --- code tables ------------------------------------------------------------------------------

def normalise_codes(name: str, value: Any, table: Mapping[int, str],
                     aliases: Mapping[str, int]) -> str:
    names = {label.lower(): code for code, label in table.items()}
    names.update({alias.lower(): code for alias, code in aliases.items()})
    allowed = ("codes " + ", ".join(str(code) for code in table)
               + " or names such as " + ", ".join(repr(label) for label in list(table.values())[:4])
               + f" (see codes.{name.upper()})")
    result = []
    for item in _items(name, value, allowed):
        if isinstance(item, str) and re.fullmatch(r"\d+", item):
            item = int(item)
        if isinstance(item, int):
            if item not in table:
                raise filter_error(name, value, f"unknown code {item}", allowed)
            result.append(item)
            continue
        key = " ".join(item.lower().replace("_", " ").split())
        if key not in names:
            raise filter_error(name, value, f"unknown status {item!r}", allowed, suggest(key, names))
        result.append(names[key])
    return ",".join(str(code) for code in _set_of(result))


def _normalise_country(value: Any) -> str:
    allowed = ("authority codes such as CN, US, EM, JP, KR, as a list or a comma-separated string "
               "(see codes.AUTHORITIES)")
    by_name = {label.lower(): code for code, label in codes.AUTHORITIES.items()}
    result = []
    for item in _items("country", value, allowed):
        if not isinstance(item, str):
            raise filter_error("country", value, f"{item!r} is not an authority code", allowed)
        code = item.upper()
        if code not in codes.AUTHORITIES:
            code = by_name.get(item.lower(), "")
        if not code:
            suggestion = suggest(item.upper(), codes.AUTHORITIES) or (
                by_name.get(suggest(item.lower(), by_name) or ""))
            raise filter_error("country", value, f"unknown authority {item!r}", allowed, suggestion)
        result.append(code)
    return ",".join(_set_of(result))


# --- dates --------------------------------------------------------------------------------------

_DATE_ALLOWED = "a date, a datetime, 'YYYY-MM-DD' or 'YYYYMMDD'"


def _normalise_date(name: str, value: Any) -> str:
    if isinstance(value, dt.datetime):  # also pandas.Timestamp
        if value != value:  # pandas.NaT is a datetime that is no date (and not equal to itself)
            raise filter_error(name, value, "a missing date (NaT); pass None for no filter", _DATE_ALLOWED)
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, (str, numbers.Integral)) and not isinstance(value, bool):
        text = str(value).strip()
        match = re.fullmatch(r"(\d{4})-?(\d{2})-?(\d{2})", text)
        if not match or (("-" in text) and text.count("-") != 2):
            raise filter_error(name, value, "not a date in a known format", _DATE_ALLOWED)
        try:
            day = dt.date(*(int(part) for part in match.groups()))
        except ValueError as exc:
            raise filter_error(name, value, str(exc), _DATE_ALLOWED) from None
    else:
        raise filter_error(name, value, f"expected a date, got {type(value).__name__}", _DATE_ALLOWED)
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"  # strftime("%Y") does not pad years < 1000


# --- simple strings -----------------------------------------------------------------------------

def normalise_text(name: str, value: Any, allowed: str) -> str:
    if not isinstance(value, str):
        raise filter_error(name, value, f"expected a string, got {type(value).__name__}", allowed)
    return " ".join(value.split())


def _normalise_field(value: Any) -> str | None:
    allowed = "'score' (the default, by similarity), " + ", ".join(
        f"{code!r} ({label})" for code, label in codes.SORT_FIELDS.items())
    if not isinstance(value, str):
        raise filter_error("field", value, f"expected a string, got {type(value).__name__}", allowed)
    text = value.strip().upper()
    if text == "SCORE":
        return None
    if text not in codes.SORT_FIELDS:
        raise filter_error("field", value, "unknown sort field", allowed,
                           suggest(text, [*codes.SORT_FIELDS, "SCORE"]))
    return text


def _normalise_order(value: Any) -> str:
    return normalise_choice("order", value, codes.SORT_ORDERS, "sort order",
                            " or ".join(repr(order) for order in codes.SORT_ORDERS),
                            {"ascending": "asc", "descending": "desc"})


# --- the filters -------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class SearchFilters:
    """The optional P009 filters, normalised to the strings PatSnap expects.

    Every value is checked when the object is built, so a bad filter fails before
    any (billed) request. All fields are optional; ``None``, ``""`` and ``[]`` mean
    "no filter".

    Parameters
    ----------
    loc : str or list of str
        Locarno expression, e.g. ``"(01-01 OR 01-02) AND NOT 02-03"``; a list means OR.
    assignees : str
        Applicant or patentee name, in any form.
    legal_status : int, str or list
        Codes or names of :data:`codes.LEGAL_STATUS` (``"granted"``, ``3``, ``"3,2"``).
    country : str or list of str
        Authority codes (``"CN,US"`` or ``["cn", "us"]``).
    simple_legal_status : int, str or list
        Codes or names of :data:`codes.SIMPLE_LEGAL_STATUS` (``"active"``, ``1``).
    main_field : str
        Keyword matched in title, abstract, claims, numbers, parties, classes.
    apply_start_time, apply_end_time, public_start_time, public_end_time : date or str
        Application / publication date range (date, datetime, ``YYYY-MM-DD`` or ``YYYYMMDD``).
    field : str
        Sort field: ``"score"`` (default), ``"APD"``, ``"PBD"`` or ``"ISD"``.
    order : str
        ``"desc"`` (PatSnap's default) or ``"asc"``.

    Raises
    ------
    FilterError
        A ``ValueError`` naming the parameter, the value and what is allowed.

    Examples
    --------
    >>> SearchFilters(loc=["01-01", "1-2"], field="pbd").to_params()
    {'loc': '(01-01 OR 01-02)', 'field': 'PBD'}

    The same filters as keyword arguments of a search:

    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> hits = search_designs(samples.image("armchair"), client=client, country=["CN", "US"], loc="06-01",
    ...                       apply_start_time="2015-01-01")
    >>> hits.attrs["filters"]
    {'loc': '06-01', 'country': 'CN,US', 'apply_start_time': '20150101'}
    >>> set(hits["authority"]) <= {"CN", "US"}
    True
    >>> client.close()
    """

    loc: str | None = None
    assignees: str | None = None
    legal_status: str | None = None
    country: str | None = None
    simple_legal_status: str | None = None
    main_field: str | None = None
    apply_start_time: str | None = None
    apply_end_time: str | None = None
    public_start_time: str | None = None
    public_end_time: str | None = None
    field: str | None = None
    order: str | None = None

    def __post_init__(self) -> None:
        for name, normalise in _NORMALISERS.items():
            value = getattr(self, name)
            # an empty iterable (e.g. a used-up generator) normalises to "": no filter either
            object.__setattr__(self, name, None if _is_blank(value) else (normalise(value) or None))
        for start, end in (("apply_start_time", "apply_end_time"),
                           ("public_start_time", "public_end_time")):
            first, last = getattr(self, start), getattr(self, end)
            if first and last and first > last:
                raise FilterError(
                           f"{start}={first!r} is after {end}={last!r}. Allowed: {start} <= {end}.",
                           params=(start, end), problem="after")

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> SearchFilters:
        """Build filters from keyword arguments, rejecting unknown names.

        Raises
        ------
        FilterError
            For a name that is not a filter (with the allowed names and the likely
            intended one), or a bad value.

        Examples
        --------
        >>> SearchFilters.from_kwargs(country="JP", order="asc")
        SearchFilters(country='JP', order='asc')
        >>> SearchFilters.from_kwargs(contry="JP")
        Traceback (most recent call last):
        ...
        patsnap_pandas.errors.FilterError: 'contry' is not a search filter. Allowed names: loc, ... Did you mean 'country'?
        """
        for name in kwargs:
            if name not in FILTER_NAMES:
                raise _unknown_name(name)
        return cls(**kwargs)

    @classmethod
    def coerce(cls, filters: SearchFilters | Mapping[str, Any] | None) -> SearchFilters:
        """``None`` -> empty filters; a mapping -> :meth:`from_kwargs`; filters -> themselves.

        Examples
        --------
        >>> SearchFilters.coerce({"country": "cn"}), SearchFilters.coerce(None)
        (SearchFilters(country='CN'), SearchFilters())
        """
        if filters is None:
            return cls()
        if isinstance(filters, SearchFilters):
            return filters
        if isinstance(filters, Mapping):
            return cls.from_kwargs(**filters)
        raise FilterError(f"filters={filters!r} is not valid: expected SearchFilters, a dict of "
                          f"filter values or None. Allowed names: {', '.join(FILTER_NAMES)}.")

    def to_params(self) -> dict[str, str]:
        """The API query parameters: only the filters that are set.

        Examples
        --------
        >>> SearchFilters(legal_status=["granted", "expired"], public_end_time="2020-12-31").to_params()
        {'legal_status': '3,15', 'public_end_time': '20201231'}
        """
        return {name: getattr(self, name) for name in FILTER_NAMES if getattr(self, name) is not None}

    def to_dict(self) -> dict[str, str]:
        """JSON-safe normalised values of the filters that are set (``SearchFilters(**d)`` rebuilds them).

        This is what result frames keep in ``df.attrs["filters"]``.

        Examples
        --------
        >>> saved = SearchFilters(loc=["06-01", "06-03"], country="US").to_dict()
        >>> saved
        {'loc': '(06-01 OR 06-03)', 'country': 'US'}
        >>> SearchFilters(**saved) == SearchFilters(loc="(06-01 OR 06-03)", country=["us"])
        True
        """
        return self.to_params()

    def __bool__(self) -> bool:
        return bool(self.to_params())

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={value!r}" for name, value in self.to_params().items())
        return f"SearchFilters({inner})"


def _unknown_name(name: str) -> FilterError:
    if name in ("limit", "offset"):
        return FilterError(f"{name} is not a filter: pass {name}= to create_search()/search_results(). "
                           f"Allowed filter names: {', '.join(FILTER_NAMES)}.")
    suggestion = suggest(name, FILTER_NAMES)
    message = f"{name!r} is not a search filter. Allowed names: {', '.join(FILTER_NAMES)}."
    if suggestion:
        message += f" Did you mean {suggestion!r}?"
    return FilterError(message, problem="not a search filter", suggestion=suggestion)


_NORMALISERS = {
    "loc": _normalise_loc,
    "assignees": lambda v: normalise_text("assignees", v, "an applicant or patentee name (a string)"),
    "legal_status": lambda v: normalise_codes("legal_status", v, codes.LEGAL_STATUS,
                                               codes.LEGAL_STATUS_ALIASES),
    "country": _normalise_country,
    "simple_legal_status": lambda v: normalise_codes("simple_legal_status", v,
                                                      codes.SIMPLE_LEGAL_STATUS, {}),
    "main_field": lambda v: normalise_text("main_field", v, "a keyword (a string)"),
    "apply_start_time": lambda v: _normalise_date("apply_start_time", v),
    "apply_end_time": lambda v: _normalise_date("apply_end_time", v),
    "public_start_time": lambda v: _normalise_date("public_start_time", v),
    "public_end_time": lambda v: _normalise_date("public_end_time", v),
    "field": _normalise_field,
    "order": _normalise_order,
}

#: The filter names, in the order of the API documentation.
FILTER_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(SearchFilters))


def check_limit(limit: Any, name: str = "limit") -> int:
    """``limit`` as an int in 1..100, else :class:`FilterError`.

    Examples
    --------
    >>> check_limit(50)
    50
    >>> check_limit(500)
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.FilterError: limit=500 is not valid: out of range. Allowed: an integer from 1 to 100.
    """
    return check_int(limit, name, codes.LIMIT_MIN, codes.LIMIT_MAX, error=FilterError)


def check_offset(offset: Any, name: str = "offset") -> int:
    """``offset`` as an int in 0..1000, else :class:`FilterError`.

    Examples
    --------
    >>> check_offset(1000)
    1000
    >>> check_offset(-1)
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.FilterError: offset=-1 is not valid: out of range. Allowed: an integer from 0 to 1000.
    """
    return check_int(offset, name, codes.OFFSET_MIN, codes.OFFSET_MAX, error=FilterError)


#: The most hits one search can return: the last page starts at offset 1000.
MAX_RESULTS_CAP = codes.OFFSET_MAX + codes.LIMIT_MAX


def check_max_results(value: Any, name: str = "max_results") -> int:
    """A number of hits wanted from one search, 1..1100, else :class:`InvalidInputError`.

    Examples
    --------
    >>> check_max_results(250)
    250
    >>> check_max_results(5000)
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: max_results=5000 is not valid: PatSnap serves at most 1100 hits per search (offset <= 1000, 100 per page). Allowed: an integer from 1 to 1100.
    """
    return check_int(value, name, 1, MAX_RESULTS_CAP, too_high=(
        f"PatSnap serves at most {MAX_RESULTS_CAP} hits per search (offset <= {codes.OFFSET_MAX}, "
        f"{codes.LIMIT_MAX} per page)"))
