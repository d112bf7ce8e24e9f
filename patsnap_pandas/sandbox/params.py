"""Request-parameter validation for the sandbox: P009 filters, paging, LOC expressions.

The sandbox is strict where PatSnap's docs are: it accepts the documented forms
(``yyyyMMdd`` dates, ``APD``/``PBD``/``ISD``, ``asc``/``desc``, upper-case
authority codes and LOC operators, code tables of ``codes.py``) and rejects
anything else with a ``ParamError`` naming the parameter, which the app turns
into error 68300004.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, overload

from .. import codes


class ParamError(ValueError):
    """A request parameter that does not follow the documented rules."""

    def __init__(self, name: str, value, allowed: str) -> None:
        self.name = name
        self.value = value
        self.allowed = allowed
        super().__init__(f"{name}={value!r} is invalid: {allowed}")


def get(args: Mapping[str, str], name: str) -> str | None:
    """The parameter's value, stripped; None when absent or empty (PatSnap ignores empty filters)."""
    value = args.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def required(args: Mapping[str, str], name: str, what: str) -> str:
    """Like :func:`get`, but a missing or empty value is a ParamError (``what``: what to send)."""
    value = get(args, name)
    if value is None:
        raise ParamError(name, args.get(name), f"required: {what}")
    return value


@overload
def parse_int(args: Mapping[str, str], name: str, low: int, high: int, default: int) -> int: ...
@overload
def parse_int(args: Mapping[str, str], name: str, low: int, high: int, default: None) -> int | None: ...
def parse_int(args: Mapping[str, str], name: str, low: int, high: int, default: int | None) -> int | None:
    """A decimal integer in ``low..high``."""
    raw = get(args, name)
    if raw is None:
        return default
    if not re.fullmatch(r"\d{1,7}", raw) or not low <= int(raw) <= high:
        raise ParamError(name, raw, f"an integer from {low} to {high}")
    return int(raw)


def parse_limit(args: Mapping[str, str]) -> int:
    return parse_int(args, "limit", codes.LIMIT_MIN, codes.LIMIT_MAX, codes.LIMIT_DEFAULT)


def parse_offset(args: Mapping[str, str]) -> int:
    return parse_int(args, "offset", codes.OFFSET_MIN, codes.OFFSET_MAX, codes.OFFSET_MIN)


def parse_date(args: Mapping[str, str], name: str) -> dt.date | None:
    raw = get(args, name)
    if raw is None:
        return None
    if re.fullmatch(r"\d{8}", raw):
        try:
            return dt.datetime.strptime(raw, "%Y%m%d").date()
        except ValueError:
            pass
    raise ParamError(name, raw, "a date written yyyyMMdd, e.g. 20200131")


def parse_list(args: Mapping[str, str], name: str) -> list[str] | None:
    """A comma-separated list; items are stripped, empty items are an error."""
    raw = get(args, name)
    if raw is None:
        return None
    items = [item.strip() for item in raw.split(",")]
    if any(not item for item in items):
        raise ParamError(name, raw, "comma-separated values without empty items")
    return items


def parse_codes(args: Mapping[str, str], name: str, table: Mapping[int, str]) -> frozenset[int] | None:
    items = parse_list(args, name)
    if items is None:
        return None
    allowed = ", ".join(str(k) for k in table)
    for item in items:
        if not re.fullmatch(r"\d{1,4}", item) or int(item) not in table:
            raise ParamError(name, args.get(name), f"comma-separated codes from {{{allowed}}}; {item!r} is not one")
    return frozenset(int(item) for item in items)


def parse_country(args: Mapping[str, str]) -> frozenset[str] | None:
    items = parse_list(args, "country")
    if items is None:
        return None
    for item in items:
        if item not in codes.AUTHORITIES:
            raise ParamError(
                "country", args.get("country"), f"comma-separated upper-case authority codes such as CN,US; {item!r} is not one"
            )
    return frozenset(items)


def parse_choice(args: Mapping[str, str], name: str, choices) -> str | None:
    raw = get(args, name)
    if raw is None:
        return None
    if raw not in choices:
        raise ParamError(name, raw, f"one of {', '.join(choices)}")
    return raw


# --- LOC expressions ----------------------------------------------------------
# Grammar (NOT binds tightest; binary NOT means AND NOT):
#   expr   := term (OR term)*
#   term   := factor ((AND | NOT) factor)*
#   factor := NOT factor | "(" expr ")" | CODE
# CODE is a Locarno class "NN" (any subclass) or "NN-NN"; classes 01..32 and 99.

LocTest = Callable[[frozenset], bool]


def _any_of(tests: tuple[LocTest, ...]) -> LocTest:
    return lambda locs: any(t(locs) for t in tests)


def _both(a: LocTest, b: LocTest) -> LocTest:
    return lambda locs: a(locs) and b(locs)


def _but_not(a: LocTest, b: LocTest) -> LocTest:
    return lambda locs: a(locs) and not b(locs)


def _has(code: str) -> LocTest:
    return lambda locs: code in locs


_LOC_TOKEN = re.compile(r"\s*(\(|\)|[A-Za-z]+|[0-9][0-9-]*|\S)")
_LOC_CODE = re.compile(r"(\d{2})(?:-(\d{2}))?")


def _valid_class(cls: str) -> bool:
    return 1 <= int(cls) <= 32 or cls == "99"


class _LocParser:
    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.tokens = self._tokenize(raw)
        self.pos = 0

    def fail(self, why: str) -> ParamError:
        return ParamError(
            "loc", self.raw, f"{why}; expected Locarno codes (NN or NN-NN) joined with AND/OR/NOT and parentheses"
        )

    def _tokenize(self, raw: str) -> list[str]:
        tokens, pos = [], 0
        raw = raw.rstrip()
        while pos < len(raw):
            m = _LOC_TOKEN.match(raw, pos)
            if m is None:  # only trailing whitespace left
                break
            tok = m.group(1)
            if tok.isalpha() and tok not in ("AND", "OR", "NOT"):
                raise self.fail(f"unknown word {tok!r} (operators are upper-case AND, OR, NOT)")
            if tok[0].isdigit():
                code = _LOC_CODE.fullmatch(tok)
                if code is None or not _valid_class(code.group(1)) or code.group(2) == "00":
                    raise self.fail(f"{tok!r} is not a Locarno code")
            elif not tok.isalpha() and tok not in "()":
                raise self.fail(f"unexpected character {tok!r}")
            tokens.append(tok)
            pos = m.end()
        return tokens

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str | None:
        tok = self.peek()
        self.pos += 1
        return tok

    def parse(self) -> LocTest:
        if not self.tokens:
            raise self.fail("empty expression")
        test = self.expr()
        if self.peek() is not None:
            raise self.fail(f"unexpected {self.peek()!r}")
        return test

    def expr(self) -> LocTest:
        parts = [self.term()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else _any_of(tuple(parts))

    def term(self) -> LocTest:
        test = self.factor()
        while self.peek() in ("AND", "NOT"):
            op = self.take()
            right = self.factor()
            test = _both(test, right) if op == "AND" else _but_not(test, right)
        return test

    def factor(self) -> LocTest:
        tok = self.take()
        if tok is None:
            raise self.fail("expression ends too early")
        if tok == "NOT":
            inner = self.factor()
            return lambda locs: not inner(locs)
        if tok == "(":
            inner = self.expr()
            if self.take() != ")":
                raise self.fail("unbalanced parentheses")
            return inner
        if tok[0].isdigit():
            if "-" in tok:
                return _has(tok)
            prefix = tok + "-"
            return lambda locs: any(loc.startswith(prefix) for loc in locs)
        raise self.fail(f"unexpected {tok!r}")


def parse_loc(args: Mapping[str, str]) -> LocTest | None:
    """A predicate over a design's LOC codes, or None when ``loc`` is absent."""
    raw = get(args, "loc")
    if raw is None:
        return None
    return _LocParser(raw).parse()


# --- the filter set -----------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """Validated P009 filters and sort. ``key`` identifies them for comparison."""

    key: tuple
    loc: LocTest | None = None
    assignees: str | None = None
    legal_status: frozenset[int] | None = None
    country: frozenset[str] | None = None
    simple_legal_status: frozenset[int] | None = None
    main_field: str | None = None
    apply_start: dt.date | None = None
    apply_end: dt.date | None = None
    public_start: dt.date | None = None
    public_end: dt.date | None = None
    field: str | None = None
    order: str = "desc"
    day: dt.date | None = None  # statuses and assignees as of this day (None: the real date); not part of ``key``
    published: Mapping[str, dt.date] | None = None  # publication dates replaced (the ``published`` knob); not in ``key``

    @property
    def on(self) -> dt.date:
        """The day the status and assignee filters look at."""
        return self.day or dt.date.today()

    @property
    def narrows(self) -> bool:
        """True when any filter (not only sort) is set."""
        return any(
            v is not None
            for v in (
                self.loc, self.assignees, self.legal_status, self.country, self.simple_legal_status,
                self.main_field, self.apply_start, self.apply_end, self.public_start, self.public_end,
            )
        )

    def publication_of(self, design) -> dt.date:
        """The design's publication date: the ``published`` knob's, else the corpus' own."""
        if self.published:
            return self.published.get(design.patent_pn.upper(), design.publication_date)
        return design.publication_date

    def matches(self, design) -> bool:
        """Whether a corpus ``Design`` is published by :attr:`on` and passes every filter (its status and
        assignees as of :attr:`on`)."""
        return self._matches_codes_and_dates(design) and self._matches_status(design) and self._matches_text(design)

    def _matches_status(self, design) -> bool:
        if self.legal_status is not None and design.legal_status_on(self.on) not in self.legal_status:
            return False
        return self.simple_legal_status is None or design.simple_legal_status_on(self.on) in self.simple_legal_status

    def _matches_codes_and_dates(self, design) -> bool:
        published = self.publication_of(design)
        if published > self.on:
            return False  # not published yet on the sandbox's day
        if self.country is not None and design.authority not in self.country:
            return False
        if self.apply_start is not None and design.apply_date < self.apply_start:
            return False
        if self.apply_end is not None and design.apply_date > self.apply_end:
            return False
        if self.public_start is not None and published < self.public_start:
            return False
        if self.public_end is not None and published > self.public_end:
            return False
        return self.loc is None or self.loc(frozenset(design.loc))

    def _matches_text(self, design) -> bool:
        assignees = design.assignees_on(self.on) if self.assignees is not None or self.main_field is not None else ()
        if self.assignees is not None:
            needle = self.assignees.casefold()
            if not any(needle in name.casefold() for name in (*assignees, *design.applicants)):
                return False
        if self.main_field is not None:
            needle = self.main_field.casefold()
            haystack = (
                design.title, design.patent_pn, design.apno, *design.loc,
                *assignees, *design.applicants, *design.inventors,
            )
            if not any(needle in text.casefold() for text in haystack):
                return False
        return True


def parse_filters(args: Mapping[str, str], day: dt.date | None = None,
                  published: Mapping[str, dt.date] | None = None) -> Filters:
    """Validate every P009 filter and sort parameter of a request (``day``: the sandbox's today;
    ``published``: publication dates replaced by the sandbox's knob).

    Raises
    ------
    ParamError
        For the first parameter that breaks the documented rules.
    """
    values: dict[str, Any] = dict(
        loc=parse_loc(args),
        assignees=get(args, "assignees"),
        legal_status=parse_codes(args, "legal_status", codes.LEGAL_STATUS),
        country=parse_country(args),
        simple_legal_status=parse_codes(args, "simple_legal_status", codes.SIMPLE_LEGAL_STATUS),
        main_field=get(args, "main_field"),
        apply_start=parse_date(args, "apply_start_time"),
        apply_end=parse_date(args, "apply_end_time"),
        public_start=parse_date(args, "public_start_time"),
        public_end=parse_date(args, "public_end_time"),
        field=parse_choice(args, "field", tuple(codes.SORT_FIELDS)),
        order=parse_choice(args, "order", codes.SORT_ORDERS) or "desc",
    )
    for start, end, s_name, e_name in (
        ("apply_start", "apply_end", "apply_start_time", "apply_end_time"),
        ("public_start", "public_end", "public_start_time", "public_end_time"),
    ):
        if values[start] and values[end] and values[start] > values[end]:
            raise ParamError(s_name, get(args, s_name), f"a date not after {e_name}={get(args, e_name)}")
    loc = get(args, "loc")
    key = tuple(
        (name, tuple(sorted(v)) if isinstance(v, frozenset) else v)
        for name, v in values.items()
        if name != "loc"
    ) + (("loc", " ".join(loc.split()) if loc else None),)
    return Filters(key=key, day=day, published=published, **values)
