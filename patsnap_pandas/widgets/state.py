"""The panel's state: declared, typed traits with observers; no widget is made and nothing is drawn here.

:class:`PanelState` holds everything the panel knows: the query (URL box text and chosen
files), the filter values as typed (validated as they change: each message in
``field_errors``), the results, the rows the local tools keep (``shown``), the marks,
the open hit, busy/status and the last export. Its methods are the panel's actions:
the local ones (choose files, mark, open a hit) change traits at once; :meth:`search`,
:meth:`load_more` and :meth:`export` are the only ones that call the API or write a
file (:mod:`.actions`). The views (:mod:`.query_input`, :mod:`.filter_form`, ...)
observe the traits and draw them, so the panel's logic is tested without a browser.

Examples
--------
>>> from patsnap_pandas import PatsnapClient, samples
>>> with PatsnapClient.sandbox() as client:
...     state = PanelState(client=client, limit=5)
...     state.loc = "06-01 AND"                  # a filter trait: checked at once, its message in field_errors
...     print(state.field_errors["loc"])
...     state.loc = "6-1"
...     state.set_image(samples.image("armchair"))
...     state.search()                           # billed: fills results, shown and the status message
...     len(state.results), len(state.shown), state.field_errors, state.busy
Locarno class: a code or '(' is missing after 'AND'; write Locarno codes such as 06-01, joined with AND, OR or NOT.
(5, 5, {}, False)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from traitlets import Bool, Bytes, Dict, Enum, Float, HasTraits, Instance, Int, List, Tuple, Unicode, default, observe, validate

from .. import codes, config
from .._validate import check_choice, check_int, check_reviewer
from ..api.client import PatsnapClient
from ..api.filters import SearchFilters
from ..api.images import ImageSizeWarning, PreparedImage, prepare_image
from ..errors import FilterError, InvalidInputError
from ..frame.schema import RELEVANCE_VALUES
from ..imaging import thumbnail_png_or_none
from ..jobs.views import MAX_VIEWS
from . import actions, enrich
from .export import EXPORT_FORMATS, default_export_dir, display_path
from .messages import filter_message, image_message, split_urls, too_many_views, url_message, urls_message
from .purpose import PurposeTraits

__all__ = ["CARD_ORDERS", "COMMON_AUTHORITIES", "FILTER_TRAITS", "PREVIEW_PX", "RELEVANCE_CHOICES", "PanelState",
           "QueryView", "check_fields", "shown_rows"]

#: Authorities offered in the country list (most design filings); others go in the free-entry box.
COMMON_AUTHORITIES: tuple[str, ...] = ("CN", "US", "EM", "JP", "KR", "WO", "DE", "FR", "GB", "IT",
                                       "ES", "HK", "TW", "AU", "CA", "IN", "BR", "RU")
#: The marks of the comparison view (the values of the ``relevance`` column).
RELEVANCE_CHOICES: tuple[str, ...] = RELEVANCE_VALUES
PREVIEW_PX = 640  # longest side of the stored query image (form preview, comparison view, reports)
#: Orders of the cards: (label, column, ascending).
CARD_ORDERS: tuple[tuple[str, str, bool], ...] = (
    ("Score, highest first", "score", False),
    ("Application date, newest first", "apdt", False),
    ("Application date, oldest first", "apdt", True),
    ("Publication date, newest first", "pbdt", False),
    ("Publication date, oldest first", "pbdt", True),
)
#: The filter form's traits (validated into ``field_errors`` whenever one changes).
FILTER_TRAITS = ("loc", "country", "country_other", "assignees", "main_field", "legal_status", "simple_legal_status",
                 "apply_start", "apply_end", "public_start", "public_end", "sort_field", "sort_order")
# Columns the text filter does not search: identifiers and provenance, not content.
_NOT_SEARCHED = frozenset({"image_url", "patent_id", "search_id", "query", "rank", "score"})
# Which message slot each filter's message goes to (next to its field).
_SLOT = {"loc": "loc", "country": "country", "assignees": "assignees", "main_field": "main_field",
         "legal_status": "legal_status", "simple_legal_status": "simple_legal_status",
         "apply_start_time": "apply", "apply_end_time": "apply", "public_start_time": "public",
         "public_end_time": "public", "field": "sort", "order": "sort"}


@dataclasses.dataclass
class QueryView:
    """One chosen file of the query: its name, bytes as chosen and a PNG preview.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, SearchPanel
    >>> with PatsnapClient.sandbox() as client:
    ...     panel = SearchPanel(client, image=[samples.image("sneaker"), samples.image("sneaker-drawing")])
    >>> [view.name for view in panel.state.views]
    ['sneaker.png', 'sneaker-drawing.tiff']
    """

    name: str
    data: bytes
    thumb: bytes


def _date(text: str | None) -> dt.date | None:
    return None if not text else dt.datetime.strptime(text, "%Y%m%d").date()


def _codes(text: str | None) -> tuple[int, ...]:
    return () if not text else tuple(int(part) for part in text.split(","))


def check_fields(values: Mapping[str, Any], country_other: str = "", url: str = "") -> dict[str, str]:
    """Message slot -> what is wrong there: each filter on its own, then the date ranges, then all together.

    Parameters
    ----------
    values : mapping
        Filter name -> value, as for :meth:`SearchFilters.from_kwargs`.
    country_other : str
        The free-entry authority box (the only place a bad code can come from).
    url : str
        The URL box: one or several http(s) URLs.

    Examples
    --------
    >>> check_fields({"apply_start_time": "2022-06-01", "apply_end_time": "2020-01-01"})
    {'apply': 'Applied from is after Applied to.'}
    >>> check_fields({}, url="ftp://example.com/a.png")
    {'url': 'Image URL: paste a link that starts with https:// or http://, or choose a file instead.'}
    """
    errors: dict[str, str] = {}
    for name, value in values.items():
        if name == "country":  # only the free-entry box can hold a bad code
            value = [part.strip() for part in country_other.split(",") if part.strip()]
        try:
            SearchFilters(**{name: value})
        except FilterError as exc:
            errors.setdefault(_SLOT.get(name, "form"), filter_message(exc)[1])
    for start, end in (("apply_start_time", "apply_end_time"), ("public_start_time", "public_end_time")):
        try:
            SearchFilters(**{start: values.get(start), end: values.get(end)})
        except FilterError as exc:
            field, text = filter_message(exc)
            errors.setdefault(_SLOT.get(field or "", "form"), text)
    if not errors:
        try:
            SearchFilters.from_kwargs(**values)
        except FilterError as exc:
            field, text = filter_message(exc)
            errors[_SLOT.get(field or "", "form")] = text
    url = url.strip()
    if url and urls_message(url, MAX_VIEWS):
        errors["url"] = urls_message(url, MAX_VIEWS) or ""
    return errors


def shown_rows(df: pd.DataFrame, min_score: float = 0.0, text: str = "", order: int = 0) -> pd.DataFrame:
    """The rows of ``df`` the local tools keep (minimum score, text anywhere in a hit), in the order of the cards.

    The index stays the rows of ``df``; ``attrs`` are kept.

    Examples
    --------
    >>> df = pd.DataFrame({"patent_id": ["a", "b", "c"], "rank": [1, 2, 3], "score": [0.9, 0.5, 0.7],
    ...                    "title": ["Chair", "Lamp", "Armchair"]})
    >>> shown_rows(df, min_score=0.6).index.tolist(), shown_rows(df, text="CHAIR").index.tolist()
    ([0, 2], [0, 2])
    """
    keep = pd.Series(True, index=df.index)
    if min_score > 0:
        keep &= pd.to_numeric(df["score"], errors="coerce").fillna(-1.0) >= min_score
    needle = text.strip().lower()
    if needle:
        found = pd.Series(False, index=df.index)
        for column in df.columns:
            if column not in _NOT_SEARCHED:
                values = df[column].astype("string").fillna("").str.lower()
                found |= values.str.contains(needle, regex=False).fillna(False).astype(bool)
        keep &= found
    shown = df[keep.to_numpy()]
    _label, column, ascending = CARD_ORDERS[order]
    if column in shown.columns:
        key = pd.to_numeric(shown[column], errors="coerce")
        shown = shown.assign(_key=key).sort_values(["_key", "rank"], ascending=[ascending, True],
                                                    na_position="last", kind="stable").drop(columns="_key")
    shown.attrs = dict(df.attrs)
    return shown


def read_image(image: Any, name: str | None) -> tuple[bytes, str]:
    """(bytes, name) of a file path or bytes given in code (URLs go to the URL box)."""
    if isinstance(image, (str, Path)):
        path = Path(image)
        try:
            data, name = path.read_bytes(), name or path.name
        except OSError as exc:
            raise InvalidInputError(f"image={str(image)!r} is not valid: {exc.strerror or exc}. "
                                    "Allowed: an http(s) URL, a path to an image file, or its bytes.") from None
    elif isinstance(image, (bytes, bytearray, memoryview)):
        data, name = bytes(image), name or "image"
    else:
        raise InvalidInputError(f"image={type(image).__name__} is not valid: expected an http(s) URL, "
                                "a path to an image file, or the bytes of one.")
    return data, name


def preview_of(data: bytes, name: str) -> bytes | None:
    """A PNG preview of a chosen file (None when it is not an image the panel can read)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ImageSizeWarning)
            prepared = prepare_image(data, label=name)
    except (InvalidInputError, OSError, ValueError):
        return None
    assert isinstance(prepared, PreparedImage)  # bytes in: never passed through as a URL
    return thumbnail_png_or_none(prepared.data, PREVIEW_PX)  # None: not expected, prepare_image just wrote it


def _named_file(data: bytes, name: str) -> io.BytesIO:
    """The bytes of a chosen file as a file object with its name (so frames and reports name the view)."""
    handle = io.BytesIO(data)
    handle.name = name
    return handle


class PanelState(PurposeTraits, HasTraits):
    """Everything the panel knows between clicks, as traits the views observe; no widget is made here.

    The purpose of the search (explore, clearance, prior art), its markets and date, the accused
    product and the excluded hits are the traits of :class:`~.purpose.PurposeTraits`.

    Attributes
    ----------
    client : PatsnapClient or None
        The client the actions call through (None while no credentials are found;
        ``credentials_help`` then says which variables to set).
    query_url : str
        The URL box: one or several http(s) URLs (they win over chosen files).
    views : list of QueryView
        Every chosen file, in search order (several views of one product are searched together).
    query_bytes, query_name, query_thumb : bytes, str, bytes
        The first chosen file as chosen, its name and its PNG preview (``PREVIEW_PX``); None without one.
    image_error : str or None
        Why a chosen file cannot be used, or why some were left out.
    loc, country, country_other, ..., sort_field, sort_order, limit
        The filter form's values as typed (see :data:`FILTER_TRAITS`); ``limit`` is the hits per call.
    field_errors : dict
        Message slot (``"loc"``, ``"country"``, ``"apply"``, ``"url"``, ...) -> what is wrong there;
        set again whenever a filter trait or ``query_url`` changes.
    results : DataFrame or None
        Every hit fetched for the current search (Search plus Load more), with the
        ``attrs`` of :func:`search.search_designs` and the columns ``relevance`` and ``note``.
    thumbnails : list of bytes
        One PNG per row of ``results``, in row order.
    min_score, text_filter, order : float, str, int
        The local tools (no call): minimum score, text anywhere in a hit, card order (:data:`CARD_ORDERS`).
    shown : DataFrame or None
        The rows of ``results`` the local tools keep, in card order (set again when any of them changes).
    marks : dict
        ``patent_id`` -> ``(relevance, note)``: the marks of this query, kept across searches and Load more.
    mark_stamps : dict
        ``patent_id`` -> ``(who, when)``: who made each mark and when (UTC, ISO 8601), as ``df.patsnap.mark``
        records them in ``marked_by`` / ``marked_at``; each mark is also kept in the store's mark history.
    reviewer : str
        Who marks (default ``$PATSNAP_REVIEWER``, else the login name); ``clock`` (a plain attribute)
        gives the time of a mark (default: now, UTC).
    marks_query : str or None
        The query the marks belong to (its URLs or the digests of its files): another query starts unmarked.
    open_row : int or None
        Row of ``results`` shown in the comparison view.
    search_count : int
        How many searches filled ``results`` (a new search replaces the cards; Load more adds to them).
    enriched : list of str
        The patent ids whose owners and legal status were looked up (:meth:`add_owners`) since the search.
    export_format, export_include, export_folder : str
        The export's format, which hits, and the folder box's text.
    export_html : str
        The download link and the saved path of the last export.
    busy : bool
        A call is running (buttons disabled).
    message : str
        What the last action did, in plain words.
    last_error : str or None
        The last failure, in plain words; ``last_exception`` is the exception itself.
    notes : list of str
        Warnings of the last action (fewer hits than asked, re-created search, ...).
    last_report : Path or None
        The file the last export wrote.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, SearchPanel
    >>> client = PatsnapClient.sandbox()
    >>> panel = SearchPanel(client, image=samples.image("armchair"), limit=5)
    >>> panel.state.query_name, panel.state.results is None
    ('armchair.png', True)
    >>> panel.search_button.click()
    >>> len(panel.state.results), len(panel.state.thumbnails), panel.state.busy, panel.state.last_error
    (5, 5, False, None)
    >>> client.close()
    """

    client = Instance(PatsnapClient, allow_none=True)
    credentials_help = Unicode(None, allow_none=True)
    # the query
    query_url = Unicode("")
    views = List(Instance(QueryView))
    image_error = Unicode(None, allow_none=True)
    # the filter form, as typed
    loc = Unicode("")
    country = Tuple()
    country_other = Unicode("")
    assignees = Unicode("")
    main_field = Unicode("")
    legal_status = Tuple()
    simple_legal_status = Tuple()
    apply_start = Instance(dt.date, allow_none=True)
    apply_end = Instance(dt.date, allow_none=True)
    public_start = Instance(dt.date, allow_none=True)
    public_end = Instance(dt.date, allow_none=True)
    sort_field = Unicode("score")
    sort_order = Enum(("desc", "asc"), default_value="desc")
    limit = Int(codes.LIMIT_DEFAULT, min=codes.LIMIT_MIN, max=codes.LIMIT_MAX)
    field_errors = Dict(value_trait=Unicode(), key_trait=Unicode())
    # the results and the local tools
    results = Instance(pd.DataFrame, allow_none=True)
    thumbnails = List(Bytes())
    min_score = Float(0.0, min=0.0, max=1.0)
    text_filter = Unicode("")
    order = Int(0, min=0, max=len(CARD_ORDERS) - 1)
    shown = Instance(pd.DataFrame, allow_none=True)
    marks = Dict(value_trait=Tuple(), key_trait=Unicode())
    mark_stamps = Dict(value_trait=Tuple(), key_trait=Unicode())
    reviewer = Unicode()
    open_row = Int(None, allow_none=True)
    marks_query = Unicode(None, allow_none=True)
    search_count = Int(0)
    enriched = List(Unicode())
    # export
    export_format = Enum(tuple(EXPORT_FORMATS), default_value="html")
    export_include = Enum(("all", "marked", "relevant"), default_value="all")
    export_folder = Unicode()
    export_html = Unicode("")
    last_report = Instance(Path, allow_none=True)
    # what the last action did
    busy = Bool(False)
    message = Unicode("")
    last_error = Unicode(None, allow_none=True)
    last_exception = Instance(BaseException, allow_none=True)
    notes = List(Unicode())

    #: When a mark is made (tests give a fixed clock; no trait: nothing observes it).
    clock: Callable[[], dt.datetime] = staticmethod(lambda: dt.datetime.now(dt.timezone.utc))

    @default("export_folder")
    def _default_export_folder(self) -> str:
        return display_path(default_export_dir())

    @default("reviewer")
    def _default_reviewer(self) -> str:
        try:
            return config.reviewer()
        except InvalidInputError:  # no login name and no PATSNAP_REVIEWER: the mark says "an unnamed reviewer"
            return ""

    @validate("reviewer")
    def _check_reviewer(self, proposal: Any) -> str:
        return check_reviewer(proposal["value"], "reviewer") if proposal["value"] else ""

    # --- the query ------------------------------------------------------------------------------------

    @property
    def query_bytes(self) -> bytes | None:
        return self.views[0].data if self.views else None

    @property
    def query_name(self) -> str | None:
        return self.views[0].name if self.views else None

    @property
    def query_thumb(self) -> bytes | None:
        return self.views[0].thumb if self.views else None

    def choose_files(self, files: list[tuple[bytes, str]]) -> None:
        """Make ``(bytes, name)`` files the query (the URL box is emptied); checked locally, no call.

        Unreadable files, and files beyond :data:`views.MAX_VIEWS`, are left out and said
        in ``image_error``.
        """
        problems = []
        if len(files) > MAX_VIEWS:
            problems.append(too_many_views(len(files), MAX_VIEWS))
            files = files[:MAX_VIEWS]
        views = []
        for data, name in files:
            thumb = preview_of(data, name)
            if thumb is None:
                problems.insert(0, image_message(name))
            else:
                views.append(QueryView(name, data, thumb))
        with self.hold_trait_notifications():
            self.views = views
            self.image_error = " ".join(problems) or None
            self.query_url = ""

    def set_image(self, image: Any, name: str | None = None) -> None:
        """The query: an http(s) URL (into ``query_url``) or a file's path or bytes; a list: several views."""
        if isinstance(image, (list, tuple)):
            if not image:
                raise InvalidInputError("image=[] is not valid: give one image, or a list of 1 to "
                                        f"{MAX_VIEWS} views of one product.")
            if all(isinstance(item, str) and url_message(item) is None for item in image):
                self.query_url = " ".join(item.strip() for item in image)
            else:
                self.choose_files([read_image(item, None) for item in image])
        elif isinstance(image, str) and url_message(image) is None:
            self.query_url = image.strip()
        else:
            self.choose_files([read_image(image, name)])

    def remove_view(self, number: int) -> None:
        """Remove view ``number`` (1-based, as the strip shows it) from the query; no call."""
        urls = split_urls(self.query_url) if self.query_url.strip() else []
        count = len(urls) if urls else len(self.views)
        number = check_int(number, "number", 1, count, too_high=f"the query has {count} view(s)")
        if urls:
            del urls[number - 1]
            self.query_url = " ".join(urls)
        else:
            self.choose_files([(v.data, v.name) for i, v in enumerate(self.views, start=1) if i != number])

    def query(self) -> tuple[Any, str | None]:
        """What ``search_designs`` is given: one image and its label, or a list of views (labels: file names)."""
        urls = split_urls(self.query_url)
        if len(urls) == 1:
            return urls[0], None
        if urls:
            return urls, None
        views = self.views
        if not views:
            raise InvalidInputError("no query image: choose an image file or paste an image URL.")
        if len(views) == 1:
            return views[0].data, views[0].name
        return [_named_file(v.data, v.name) for v in views], None

    def query_identity(self) -> str:
        """The query's URLs or the digests of its files: marks belong to one query."""
        urls = split_urls(self.query_url)
        if urls:
            return "url:" + " ".join(urls)
        digests = [hashlib.sha256(v.data).hexdigest() for v in self.views]
        return "sha256:" + " ".join(digests or [hashlib.sha256(b"").hexdigest()])

    # --- the filter form ------------------------------------------------------------------------------

    def filter_values(self) -> dict[str, Any]:
        """The form's values by filter name, as :meth:`SearchFilters.from_kwargs` takes them."""
        others = [part.strip() for part in self.country_other.split(",") if part.strip()]
        return {
            "loc": self.loc, "country": list(self.country) + others,
            "legal_status": list(self.legal_status), "simple_legal_status": list(self.simple_legal_status),
            "assignees": self.assignees, "main_field": self.main_field,
            "apply_start_time": self.apply_start, "apply_end_time": self.apply_end,
            "public_start_time": self.public_start, "public_end_time": self.public_end,
            "field": self.sort_field,
            # "desc" is PatSnap's default: leaving it out keeps the cache key of a plain search.
            "order": None if self.sort_order == "desc" else self.sort_order,
        }

    def filters(self) -> SearchFilters:
        """The filters the form holds now, validated (raises :class:`FilterError`)."""
        return SearchFilters.from_kwargs(**self.filter_values())

    def set_filters(self, params: Mapping[str, str]) -> None:
        """Put normalised filter values (``SearchFilters.to_params()``) into the form's traits."""
        countries = [c for c in params.get("country", "").split(",") if c]
        with self.hold_trait_notifications():
            self.loc = params.get("loc", "")
            self.country = tuple(c for c in countries if c in COMMON_AUTHORITIES)
            self.country_other = ", ".join(c for c in countries if c not in COMMON_AUTHORITIES)
            self.assignees = params.get("assignees", "")
            self.main_field = params.get("main_field", "")
            self.legal_status = _codes(params.get("legal_status"))
            self.simple_legal_status = _codes(params.get("simple_legal_status"))
            self.apply_start = _date(params.get("apply_start_time"))
            self.apply_end = _date(params.get("apply_end_time"))
            self.public_start = _date(params.get("public_start_time"))
            self.public_end = _date(params.get("public_end_time"))
            self.sort_field = params.get("field", "score")
            self.sort_order = params.get("order", "desc")

    @observe(*FILTER_TRAITS, "query_url")
    def _validate(self, _change: Any = None) -> None:
        self.field_errors = check_fields(self.filter_values(), self.country_other, self.query_url)

    def search_blocker(self) -> str | None:
        """Why Search cannot run now, as a hint next to it (None when it can)."""
        url = self.query_url.strip()
        if self.field_errors or self.job_errors or self.image_error and not url and not self.views:
            return "Correct the field marked in red to search."
        if not url and not self.views:
            return "Choose an image file or paste an image URL to search."
        return None

    # --- results and the local tools ------------------------------------------------------------------

    @observe("results", "min_score", "text_filter", "order", "marks")
    def _filter_rows(self, _change: Any = None) -> None:
        df = self.results
        shown = None if df is None else shown_rows(df, self.min_score, self.text_filter, self.order)
        if self.open_row is not None and (shown is None or self.open_row not in shown.index):
            self.open_row = None
        self.shown = shown

    def thumb(self, index: int) -> bytes | None:
        """The thumbnail of row ``index`` of ``results`` (None when there is none)."""
        return self.thumbnails[index] if 0 <= index < len(self.thumbnails) else None

    def local_filter_notes(self) -> dict[str, str]:
        """The local tools in words, for the report's provenance."""
        notes = {}
        if self.min_score > 0:
            notes["Minimum score (set in the panel)"] = f"{self.min_score:.2f}"
        if self.text_filter.strip():
            notes["Text filter (set in the panel)"] = f"hits containing \u201c{self.text_filter.strip()}\u201d"
        notes["Sort order"] = f"{CARD_ORDERS[self.order][0].lower()}, as the panel shows them"
        return notes

    def _row_of(self, row: int, rows: bool = True) -> int:
        """The ``results`` row of position ``row`` of ``shown``, checked (``rows``: name the valid ones)."""
        shown = self.shown
        count = 0 if shown is None else len(shown)
        if shown is None or not 0 <= row < count:
            allowed = f" (rows 0 to {count - 1})" if rows else ""
            raise InvalidInputError(f"row={row!r} is not valid: the panel shows {count} hits{allowed}.")
        return int(shown.index[row])

    # --- marks and the comparison view ----------------------------------------------------------------

    def mark(self, row: int, relevance: str | None, note: str | None = None) -> None:
        """Mark hit ``row`` of ``shown`` (``"relevant"``, ``"not relevant"``, ``"unsure"`` or None); no call."""
        relevance = check_choice(relevance, "relevance", RELEVANCE_CHOICES, allow_none=True)
        self.set_mark(self._row_of(row, rows=False), relevance, note)

    def mark_of(self, index: int | None) -> tuple[str | None, str]:
        """``(relevance, note)`` of row ``index`` of ``results`` (``(None, "")`` when unmarked)."""
        df = self.results
        if df is None or index is None:
            return None, ""
        return self.marks.get(str(df.at[index, "patent_id"]), (None, ""))

    def set_mark(self, index: int, relevance: str | None, note: str | None) -> None:
        """Mark row ``index`` of ``results`` (``note=None`` keeps the note there is): see :func:`.actions.set_mark`."""
        actions.set_mark(self, index, relevance, note)

    def open_hit(self, row: int) -> None:
        """Open hit ``row`` of ``shown`` (the order of the cards) in the comparison view; no call."""
        self.open_row = self._row_of(row)

    def open_patent(self, patent_id: str) -> None:
        """Open the hit ``patent_id`` of ``results`` in the comparison view."""
        df = self.results
        if df is None:
            return
        matches = df.index[(df["patent_id"].astype("string") == patent_id).to_numpy()]
        if len(matches):
            self.open_row = int(matches[0])

    def close_hit(self) -> None:
        """Back to all hits."""
        self.open_row = None

    def step(self, delta: int) -> None:
        """Open the previous (-1) or next (+1) card's hit."""
        order = [] if self.shown is None else list(self.shown.index)
        if self.open_row not in order:
            return
        position = order.index(self.open_row) + delta
        if 0 <= position < len(order):
            self.open_row = int(order[position])

    # --- the actions that call the API or write a file (see .actions) ---------------------------------

    @property
    def export_dir(self) -> Path:
        """The folder exports are saved to (``export_folder``, or the default when empty)."""
        return Path(self.export_folder.strip() or str(default_export_dir())).expanduser()

    def export_blocker(self) -> str | None:
        """Why Export cannot run now (None when it can)."""
        shown = self.shown
        if shown is None:
            return "Nothing to export yet: search first."
        if not len(shown):
            return "Nothing to export: no hit passes the minimum score and text filter."
        relevance = shown["relevance"].astype("string")
        if self.export_include == "marked" and not relevance.notna().any():
            return "No marked hits yet: open a hit to mark it, or export all shown hits."
        if self.export_include == "relevant" and not (relevance == "relevant").any():
            return "No hit is marked relevant yet: open a hit to mark it, or export all shown hits."
        return None

    def find_client(self) -> PatsnapClient | None:
        """The client of the ``PATSNAP_*`` environment variables (None and ``credentials_help`` without them)."""
        return actions.find_client(self)

    def search(self) -> None:
        """Search PatSnap (billed) with the query and filters; any failure goes to ``last_error``."""
        actions.run(self, "Searching\u2026", "Search", actions.search)

    def load_more(self) -> None:
        """The next ``limit`` hits of the same search (billed); any failure goes to ``last_error``."""
        actions.run(self, "Loading more\u2026", "Load more", actions.load_more)

    def add_owners(self) -> None:
        """Add owners and legal status to the shown hits (billed, cached; see :mod:`.enrich`)."""
        actions.run(self, "Looking up owners and legal status\u2026", "Add owners and legal status", enrich.enrich)

    def export(self) -> None:
        """Write the report of ``shown`` into ``export_dir`` (no call); any failure goes to ``last_error``."""
        actions.run(self, "Writing the report\u2026", "Export", actions.export)
