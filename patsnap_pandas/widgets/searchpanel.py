"""SearchPanel: an interactive design search for notebooks and Voila, from core ipywidgets.

The panel is a form around :func:`search.search_designs`: a query image (file upload
or URL, with a preview) or several views of one product (several files or URLs, shown
as a numbered strip: the search uses them all), the P009 filters (validated as you type, each message next
to its field), and the buttons that are the only things that call the API: *Search*
and *Load more* (:func:`search.continue_search`, same search id). Everything else is
local and free: the order of the cards, the minimum-score slider, the text filter,
the comparison view, the marks (relevant / not relevant / unsure + a note) and the
export of a report (HTML, PDF or Excel, offered as a browser download and saved in
a folder the user chose).

Results are drawn into HTML widget values, so the panel works the same in
JupyterLab, Notebook 7 and Voila, and every behaviour can be tested in plain
Python by setting widget values and calling ``button.click()``.

Examples
--------
>>> from patsnap_pandas import PatsnapClient, samples, SearchPanel
>>> client = PatsnapClient.sandbox()
>>> panel = SearchPanel(client, image=samples.image("armchair"), country=["CN", "US"], limit=20)
>>> panel.search_button.click()              # what a click in the browser does
>>> len(panel.results), set(panel.results["authority"]) <= {"CN", "US"}, panel.state.last_error
(20, True, None)
>>> client.close()
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import ipywidgets as W
import pandas as pd

from .. import codes, render
from .._html import data_uri, escape
from ..client import PatsnapClient
from ..errors import CacheError, FilterError, InvalidInputError, MissingCredentialsError, PatsnapError
from ..filters import FILTER_LABELS, SearchFilters
from ..frame import RELEVANCE_VALUES, concat_frames
from ..http import redact
from ..images import ImageSizeWarning, PreparedImage, prepare_image, thumbnail_png_or_none
from ..search import (
    MAX_RESULTS_CAP,
    MAX_VIEWS,
    SearchWarning,
    client_for,
    continue_search,
    data_source,
    load_query_images,
    load_thumbnails,
    search_designs,
)
from ..thumbnails import ThumbnailStore, ThumbnailWarning
from ..words import SANDBOX_BANNER, SANDBOX_SOURCE, views_in_words
from . import export as _export
from .cards import CSS, card_html, compare_html
from .messages import UPLOAD_ACCEPT, filter_message, image_message, split_urls, too_many_views, url_message, urls_message

__all__ = ["COMMON_AUTHORITIES", "RELEVANCE_CHOICES", "ORDER_HINT", "PanelState", "QueryView", "SearchPanel", "panel"]

_Widget = TypeVar("_Widget", bound=W.DOMWidget)  # any widget that takes CSS classes

#: Authorities offered in the country list (most design filings); others go in the free-entry box.
COMMON_AUTHORITIES: tuple[str, ...] = ("CN", "US", "EM", "JP", "KR", "WO", "DE", "FR", "GB", "IT",
                                       "ES", "HK", "TW", "AU", "CA", "IN", "BR", "RU")
#: The marks of the comparison view (the values of the ``relevance`` column).
RELEVANCE_CHOICES: tuple[str, ...] = RELEVANCE_VALUES
#: What the strip of several views says about their order (PatSnap's smart recommendation reads view 1).
ORDER_HINT = ("The search uses all views, in this order. Order matters: the smart recommendation predicts "
              "the design class from view 1, so put the most telling view first.")
STRIP_PX = 120  # the views' thumbnails in the form's strip
PREVIEW_PX = 640  # longest side of the stored query image (form preview, comparison view, reports)
COMPARE_FETCH_PX = 512  # the hit's image in the comparison view (falls back to the card thumbnail)
MAX_CARDS = 200  # cards drawn at once; the local filters narrow the rest
CHART_BARS = 30
CHART_PX = 760  # the chart's width in pixels (shown at most as wide as the panel)
# Columns the text filter does not search: identifiers and provenance, not content.
_NOT_SEARCHED = frozenset({"image_url", "patent_id", "search_id", "query", "rank", "score"})
# Warnings of the search modules that the status line repeats in plain words.
_SHOWN_WARNINGS = (SearchWarning, ThumbnailWarning, ImageSizeWarning)
#: Orders of the cards: (label, column, ascending).
CARD_ORDERS: tuple[tuple[str, str, bool], ...] = (
    ("Score, highest first", "score", False),
    ("Application date, newest first", "apdt", False),
    ("Application date, oldest first", "apdt", True),
    ("Publication date, newest first", "pbdt", False),
    ("Publication date, oldest first", "pbdt", True),
)
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


@dataclasses.dataclass
class PanelState:
    """Everything the panel knows between clicks; the widgets only display it.

    Attributes
    ----------
    results : DataFrame or None
        Every hit fetched for the current search (first page plus "Load more" pages),
        with the provenance ``attrs`` of :func:`search.search_designs` and the triage
        columns ``relevance`` and ``note``.
    thumbnails : list of bytes
        One PNG per row of ``results``, in row order.
    query_bytes, query_name : bytes, str
        The chosen image file (as uploaded) and its name (the first of several); None
        when none was chosen.
    query_thumb : bytes or None
        PNG of the chosen file, at most ``PREVIEW_PX`` on its long side.
    views : list of QueryView
        Every chosen file, in search order (several views of one product are searched
        together; see :func:`search.search_designs` with a list).
    image_error : str or None
        Why a chosen file cannot be used, or why some were left out (checked locally
        when they are chosen).
    field_errors : dict
        Message slot (``"loc"``, ``"country"``, ``"apply"``, ...) -> what is wrong there.
    marks : dict
        ``patent_id`` -> ``(relevance, note)``: the marks of this query, kept across
        searches with other filters and Load more.
    open_row : int or None
        Row of ``results`` shown in the comparison view.
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

    results: pd.DataFrame | None = None
    thumbnails: list[bytes] = dataclasses.field(default_factory=list)
    query_bytes: bytes | None = None
    query_name: str | None = None
    query_thumb: bytes | None = None
    views: list[QueryView] = dataclasses.field(default_factory=list)
    image_error: str | None = None
    field_errors: dict[str, str] = dataclasses.field(default_factory=dict)
    marks: dict[str, tuple[str | None, str]] = dataclasses.field(default_factory=dict)
    open_row: int | None = None
    busy: bool = False
    message: str = ""
    last_error: str | None = None
    last_exception: BaseException | None = None
    notes: list[str] = dataclasses.field(default_factory=list)
    last_report: Path | None = None


def _date(text: str | None) -> dt.date | None:
    return None if not text else dt.datetime.strptime(text, "%Y%m%d").date()


def _codes(text: str | None) -> tuple[int, ...]:
    return () if not text else tuple(int(part) for part in text.split(","))


def _plain_error(what: str, exc: BaseException) -> str:
    """One sentence a user can act on; never a traceback."""
    if isinstance(exc, MissingCredentialsError):
        return str(exc)
    if isinstance(exc, PatsnapError):
        code = f" (PatSnap error {exc.code})" if exc.code is not None else ""
        return f"{what} failed: {exc.message}{code}. {exc.hint}".strip()
    if isinstance(exc, InvalidInputError):
        return f"{what} was not started: {exc}"
    return f"{what} failed unexpectedly: {type(exc).__name__}: {redact(str(exc))}"


def _long_side(png: bytes | None) -> int:
    """The longest side of an image in pixels (0 when there is none or it cannot be read)."""
    if not png:
        return 0
    from PIL import Image

    try:
        with Image.open(io.BytesIO(png)) as im:
            return max(im.size)
    except Exception:  # noqa: BLE001 - anything unreadable counts as no image
        return 0


def _named_file(data: bytes, name: str) -> io.BytesIO:
    """The bytes of a chosen file as a file object with its name (so frames and reports name the view)."""
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def _classed(widget: _Widget, css_class: str) -> _Widget:
    """``widget`` with the CSS class ``css_class`` added (the panel's styles and tests find it by it)."""
    widget.add_class(css_class)
    return widget


def _label(text: str) -> W.HTML:
    return _classed(W.HTML(escape(text)), "psp-label")


def _message_slot(name: str) -> W.HTML:
    return _classed(_classed(W.HTML(""), "psp-msg"), f"psp-msg-{name}")


def _full(**kw: Any) -> W.Layout:
    """The column's full width (a stretched flex item: its margins stay inside the column)."""
    return W.Layout(width="auto", max_width="100%", **kw)


def _row(children: list[W.Widget], **kw: Any) -> W.Box:
    """A row that wraps onto the next line when the column is too narrow."""
    return W.Box(children, layout=W.Layout(display="flex", flex_flow="row wrap", align_items="center",
                                           grid_gap="6px 12px", width="auto", **kw))


class SearchPanel:
    """An interactive PatSnap design search: image, filters, result cards, comparison, marks, export.

    Parameters
    ----------
    client : PatsnapClient, optional
        The client every call goes through. Default: the client of the ``PATSNAP_*``
        environment variables. Without credentials the panel still opens: its status
        line says which variables to set (or to pass ``client=PatsnapClient.sandbox()``),
        and *Search* tries the environment again when clicked.
    image : str, path or bytes, or a list of them, optional
        A query to start with: an http(s) URL (put in the URL box) or an image file
        (path or bytes, as if uploaded); a list: several views of one product (URLs
        or files, up to :data:`search.MAX_VIEWS`).
    limit : int, default 10
        Hits per Search and per Load more, 1..100 (the slider's start value).
    export_dir : path, optional
        Folder the exported reports are saved to (the panel's *Save in folder* box; the
        user can change it). Default: :func:`patsnap_pandas.widgets.export.default_export_dir`,
        a ``patsnap-reports`` folder in the user's Documents folder, never the notebook
        server's working folder.
    **initial_filters
        Start values of the filters, as for :func:`search.search_designs`
        (``loc``, ``country``, ``legal_status``, ``simple_legal_status``, ``assignees``,
        ``main_field``, ``apply_start_time``, ..., ``field``, ``order``). Validated at once:
        a bad value raises :class:`FilterError` here.

    Attributes
    ----------
    client : PatsnapClient or None
    state : PanelState
    results : DataFrame or None
        Every hit fetched so far, with ``attrs`` and the ``relevance`` and ``note`` columns.
    shown : DataFrame or None
        The rows of ``results`` the minimum-score slider and the text filter let through,
        in the order of the cards.
    widget : ipywidgets.VBox
        The root widget (the panel displays itself as it).

    Examples
    --------
    >>> from patsnap_pandas import samples
    >>> with PatsnapClient.sandbox() as client:
    ...     panel = SearchPanel(client, image=samples.image("desk-lamp"), loc="6-1 or 6-2", limit=10)
    ...     panel.search_button.click()
    ...     calls = client.usage.billed_calls
    ...     panel.open_hit(0)                    # the comparison view of the first card: no call
    ...     panel.mark(0, "relevant", note="same silhouette")
    ...     panel.min_score.value = 0.9          # narrows the shown hits: no call
    ...     panel.loc.value = "06-01 AND"        # invalid: Search is disabled, no call
    ...     (len(panel.results), panel.results.loc[0, "relevance"], panel.search_button.disabled,
    ...      client.usage.billed_calls == calls)
    (10, 'relevant', True, True)
    """

    def __init__(self, client: PatsnapClient | None = None, *, image: Any = None,
                 limit: int = codes.LIMIT_DEFAULT, export_dir: str | Path | None = None,
                 **initial_filters: Any) -> None:
        if client is not None and not isinstance(client, PatsnapClient):
            raise InvalidInputError(f"client={client!r} is not valid: expected a PatsnapClient "
                                    "(PatsnapClient.from_env() or PatsnapClient.sandbox()) or None.")
        if isinstance(limit, bool) or not isinstance(limit, int) or not (
                codes.LIMIT_MIN <= limit <= codes.LIMIT_MAX):
            raise InvalidInputError(f"limit={limit!r} is not valid. Allowed: an integer from "
                                    f"{codes.LIMIT_MIN} to {codes.LIMIT_MAX}.")
        initial = SearchFilters.from_kwargs(**initial_filters).to_params()  # fail early on bad filters
        self.state = PanelState()
        self._chart_cache: tuple[Any, str] | None = None
        self._credentials_help: str | None = None
        self._cards: dict[str, W.VBox] = {}
        self._query_key: str | None = None
        self.client = client
        if client is None:
            self._find_client()

        self._build(limit, Path(export_dir).expanduser() if export_dir is not None
                    else _export.default_export_dir())
        self._set_filters(initial)
        self._wire()
        if image is not None:
            self.set_image(image)
        self._validate()
        self._refresh()

    # --- public ------------------------------------------------------------------------------------

    @property
    def results(self) -> pd.DataFrame | None:
        """Every hit fetched (with ``attrs`` and the ``relevance``/``note`` marks), or None before a search."""
        return self.state.results

    @property
    def shown(self) -> pd.DataFrame | None:
        """The rows of :attr:`results` the local filters keep, in the order of the cards."""
        return None if self.state.results is None else self._shown()[0]

    @property
    def export_dir(self) -> Path:
        """The folder exports are saved to (what the *Save in folder* box holds)."""
        return Path(self.export_folder.value.strip() or str(_export.default_export_dir())).expanduser()

    def filters(self) -> SearchFilters:
        """The filters the widgets hold now, validated (raises :class:`FilterError`)."""
        return SearchFilters.from_kwargs(**self._filter_values())

    def set_image(self, image: Any, name: str | None = None) -> None:
        """Choose the query: an http(s) URL (into the URL box) or a file's path or bytes; a list: several views.

        Examples
        --------
        >>> from patsnap_pandas import samples
        >>> with PatsnapClient.sandbox() as client:
        ...     panel = SearchPanel(client)
        ...     panel.set_image([samples.image("sneaker"), samples.image("sneaker-drawing")])
        ...     panel.search_button.click()
        >>> len(panel.state.views), panel.results.attrs["views"]
        (2, ['sneaker.png', 'sneaker-drawing.tiff'])
        """
        if isinstance(image, (list, tuple)):
            if not image:
                raise InvalidInputError("image=[] is not valid: give one image, or a list of 1 to "
                                        f"{MAX_VIEWS} views of one product.")
            if all(isinstance(item, str) and url_message(item) is None for item in image):
                self.url.value = " ".join(item.strip() for item in image)
                return
            self._choose_files([self._read_image(item, None) for item in image])
            self.url.value = ""
            self._validate()
            self._refresh()
            return
        if isinstance(image, str) and url_message(image) is None:
            self.url.value = image.strip()
            return
        self._choose_files([self._read_image(image, name)])
        self.url.value = ""
        self._validate()
        self._refresh()

    @staticmethod
    def _read_image(image: Any, name: str | None) -> tuple[bytes, str]:
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

    def open_hit(self, row: int) -> None:
        """Show hit ``row`` (a position in :attr:`shown`, i.e. the order of the cards) beside the query.

        Examples
        --------
        >>> from patsnap_pandas import samples
        >>> with PatsnapClient.sandbox() as client:
        ...     panel = SearchPanel(client, image=samples.image("armchair"), limit=3)
        ...     panel.search_button.click()
        ...     panel.open_hit(1)
        ...     panel.state.open_row == panel.shown.index[1], "Locarno class" in panel.compare.value
        (True, True)
        """
        shown, _ = self._shown()
        if not 0 <= row < len(shown):
            raise InvalidInputError(f"row={row!r} is not valid: the panel shows {len(shown)} hits "
                                    f"(rows 0 to {len(shown) - 1}).")
        self._open(int(shown.index[row]))

    def mark(self, row: int, relevance: str | None, note: str | None = None) -> None:
        """Mark hit ``row`` of :attr:`shown` (``"relevant"``, ``"not relevant"``, ``"unsure"`` or None).

        The mark goes into the ``relevance`` and ``note`` columns of :attr:`results` (and
        into reports); ``note=None`` keeps the note there is.

        Examples
        --------
        >>> from patsnap_pandas import samples
        >>> with PatsnapClient.sandbox() as client:
        ...     panel = SearchPanel(client, image=samples.image("armchair"), limit=3)
        ...     panel.search_button.click()
        ...     panel.mark(2, "unsure", note="check the handle")
        ...     panel.results.loc[panel.shown.index[2], ["relevance", "note"]].tolist()
        ['unsure', 'check the handle']
        """
        if relevance is not None and relevance not in RELEVANCE_CHOICES:
            raise InvalidInputError(f"relevance={relevance!r} is not valid. Allowed: "
                                    + ", ".join(repr(c) for c in RELEVANCE_CHOICES) + " or None.")
        shown, _ = self._shown()
        if not 0 <= row < len(shown):
            raise InvalidInputError(f"row={row!r} is not valid: the panel shows {len(shown)} hits.")
        self._set_mark(int(shown.index[row]), relevance, note)
        self._refresh()

    def close(self) -> None:
        """Close every widget of the panel (the client stays open: it is not the panel's)."""
        cards = [w for card in self._cards.values() for w in (card, *self._descendants(card))]
        for widget in {id(w): w for w in [*self._widgets, *cards]}.values():
            widget.close()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        rows = "no results" if self.state.results is None else f"{len(self.state.results)} hits"
        return f"<SearchPanel: {rows}, client={self.client!r}>"

    # --- building ----------------------------------------------------------------------------------

    def _build(self, limit: int, export_dir: Path) -> None:
        style = {"description_width": "initial"}

        def text(placeholder: str, cls: str, **kw: Any) -> W.Text:
            return _classed(W.Text(placeholder=placeholder, layout=_full(), **kw), cls)

        self.css = W.HTML(f"<style>{CSS}</style>", layout=W.Layout(display="none"))
        self.title = _classed(W.HTML('<div class="psp-h" style="font-size:1.25em">PatSnap design search</div>'), "psp-title")
        self.status = _classed(W.HTML(), "psp-status")
        # Query image
        # several files at once: several views of one product (a new choice replaces the last)
        self.upload = _classed(W.FileUpload(accept=UPLOAD_ACCEPT, multiple=True, description="Choose image files",
                                            layout=W.Layout(width="auto")), "psp-upload")
        self.image_msg = _message_slot("image")
        # not on every keystroke: the preview <img> would make the browser fetch each partial URL
        self.url = text("https://\u2026 JPG or PNG, one or more", "psp-url",
                        continuous_update=False)
        self.url_msg = _message_slot("url")
        self.preview = _classed(W.HTML(), "psp-preview")
        # several views: a numbered strip of thumbnails, each removable, and what the order means
        self.views_box = _classed(W.Box(layout=W.Layout(display="none", flex_flow="row wrap", grid_gap="8px",
                                                        width="auto", max_width="100%")), "psp-views")
        self.views_hint = _classed(W.HTML(), "psp-views-hint")
        self._strip_key: tuple | None = None
        # Filters
        self.loc = text("e.g. (06-01 OR 06-02) AND NOT 06-03", "psp-loc", continuous_update=False)
        self.loc_msg = _message_slot("loc")
        self.country = _classed(W.SelectMultiple(
            options=[(f"{code} \u2013 {codes.AUTHORITIES[code]}", code) for code in COMMON_AUTHORITIES],
            rows=5, layout=_full()), "psp-country")
        self.country_other = text("other codes, e.g. NZ, SG", "psp-country-other", continuous_update=False)
        self.country_msg = _message_slot("country")
        self.assignees = text("applicant or patentee", "psp-assignees", continuous_update=False)
        self.main_field = text("in title, abstract, claims\u2026", "psp-keyword", continuous_update=False)
        self.legal_status = _classed(W.SelectMultiple(
            options=[(name, code) for code, name in codes.LEGAL_STATUS.items()], rows=5, layout=_full()), "psp-legal-status")
        self.simple_legal_status = _classed(W.SelectMultiple(
            options=[(name, code) for code, name in codes.SIMPLE_LEGAL_STATUS.items()], rows=4, layout=_full()), "psp-simple-legal-status")
        date_layout = W.Layout(width="auto", max_width="100%")
        self.apply_start = W.DatePicker(description="from", layout=date_layout, style=style)
        self.apply_end = W.DatePicker(description="to", layout=date_layout, style=style)
        self.apply_msg = _message_slot("apply")
        self.public_start = W.DatePicker(description="from", layout=date_layout, style=style)
        self.public_end = W.DatePicker(description="to", layout=date_layout, style=style)
        self.public_msg = _message_slot("public")
        for picker, cls in ((self.apply_start, "psp-apply-start"), (self.apply_end, "psp-apply-end"),
                            (self.public_start, "psp-public-start"), (self.public_end, "psp-public-end")):
            picker.add_class(cls)
        self.limit = _classed(W.IntSlider(value=limit, min=codes.LIMIT_MIN, max=codes.LIMIT_MAX,
                                          description="Hits per Search / Load more", style=style,
                                          continuous_update=False, layout=W.Layout(width="420px", max_width="100%")), "psp-limit")
        self.sort_field = W.Dropdown(
            options=[("similarity score", "score")] + [(name, code) for code, name in codes.SORT_FIELDS.items()],
            value="score", description="PatSnap sorts by", style=style,
            layout=W.Layout(width="auto", max_width="100%"))
        self.sort_order = W.Dropdown(options=[("descending", "desc"), ("ascending", "asc")], value="desc",
                                     layout=W.Layout(width="auto"))
        self.sort_msg = _message_slot("sort")
        # Actions
        self.search_button = _classed(W.Button(description="Search", button_style="primary", icon="search",
                                               tooltip="Search designs like the image (billed API calls)"), "psp-search")
        self.more_button = _classed(W.Button(description="Load more", tooltip="The next hits of the same search"), "psp-more")
        self.hint = _classed(W.HTML(), "psp-hint")
        # Results: local tools (no calls)
        self.order = _classed(W.Dropdown(options=[(label, i) for i, (label, _, _) in enumerate(CARD_ORDERS)], value=0,
                                         description="Order", style=style, layout=W.Layout(width="auto", max_width="100%")), "psp-order")
        self.min_score = _classed(W.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.01, readout_format=".2f",
                                                description="Min score", continuous_update=False, style=style,
                                                layout=W.Layout(width="340px", max_width="100%")), "psp-min-score")
        self.text_filter = _classed(W.Text(placeholder="number, title, assignee\u2026", description="Show only",
                                           continuous_update=False, style=style,
                                           layout=W.Layout(width="auto", max_width="100%")), "psp-text-filter")
        self.summary = _classed(W.HTML(), "psp-summary")
        self.chart = _classed(W.HTML(), "psp-chart")
        self.card_box = _classed(W.Box(layout=W.Layout(display="flex", flex_flow="row wrap", grid_gap="12px",
                                                       width="auto", align_items="stretch")), "psp-cards")
        self.cards_note = _classed(W.HTML(), "psp-cards-note")
        # Comparison view
        self.back_button = _classed(W.Button(description="Back to all hits", icon="arrow-left"), "psp-back")
        self.prev_button = _classed(W.Button(description="Previous", icon="chevron-left"), "psp-prev")
        self.next_button = _classed(W.Button(description="Next", icon="chevron-right"), "psp-next")
        self.compare = _classed(W.HTML(), "psp-compare-body")
        self.relevance = _classed(W.ToggleButtons(options=list(RELEVANCE_CHOICES), value=None,
                                                  style={"button_width": "auto"}, layout=W.Layout(width="auto")), "psp-relevance")
        self.clear_mark = _classed(W.Button(description="Clear mark"), "psp-clear-mark")
        self.note = _classed(W.Textarea(placeholder="A note for this hit (goes into the reports)", rows=2,
                                        continuous_update=False, layout=_full()), "psp-note")
        self.mark_msg = _message_slot("mark")
        self.compare_box = W.VBox([
            _row([self.back_button, self.prev_button, self.next_button]),
            self.compare,
            _label("Your mark"),
            _row([self.relevance, self.clear_mark]),
            self.note, self.mark_msg,
        ], layout=_full(display="none", border="1px solid #c8c8c8", padding="10px"))
        self.compare_box.add_class("psp-compare")
        # Export (local: no call)
        self.export_format = _classed(W.Dropdown(options=[("HTML", "html"), ("PDF", "pdf"), ("Excel", "xlsx")],
                                                 value="html", description="Format", style=style,
                                                 layout=W.Layout(width="auto")), "psp-export-format")
        self.export_include = _classed(W.Dropdown(options=[("all shown hits", "all"), ("marked hits", "marked"),
                                                           ("relevant hits", "relevant")],
                                                  value="all", description="Hits", style=style,
                                                  layout=W.Layout(width="auto")), "psp-export-include")
        # a text area: a long path wraps instead of hiding its end
        self.export_folder = _classed(W.Textarea(value=_export.display_path(export_dir), rows=2, continuous_update=False,
                                                 layout=_full()), "psp-export-folder")
        self.export_button = _classed(W.Button(description="Export report", icon="download",
                                               tooltip="Write a report of the hits and offer it as a download (no API call)"), "psp-export")
        self.export_msg = _classed(W.HTML(), "psp-export-msg")
        # kept for code written against the earlier panel: the link of the last export
        self.report_link = self.export_msg

        def col(children: list[W.Widget], cls: str) -> W.VBox:
            return _classed(W.VBox(children, layout=W.Layout(min_width="0", max_width="100%")), cls)

        query_col = col([W.HTML('<div class="psp-h">Query image (or several views of one product)</div>'),
                         self.upload, self.image_msg, _label("or image URL"), self.url, self.url_msg,
                         self.preview, self.views_box, self.views_hint], "psp-col")
        more_filters = W.VBox([
            _label("Legal status"), self.legal_status,
            _label("Simple status"), self.simple_legal_status,
            _label(FILTER_LABELS["apply_start_time"].replace(" from", "")), _row([self.apply_start, self.apply_end]),
            self.apply_msg,
            _label(FILTER_LABELS["public_start_time"].replace(" from", "")), _row([self.public_start, self.public_end]),
            self.public_msg,
            _row([self.sort_field, self.sort_order]), self.sort_msg,
            self.limit,
        ], layout=_full())
        self.more_filters = _classed(W.Accordion(children=[more_filters], titles=("More filters: status, dates, sorting",),
                                                 selected_index=None, layout=_full()), "psp-more-filters")
        filter_col = col([W.HTML('<div class="psp-h">Filters</div>'),
                          _label(FILTER_LABELS["loc"]), self.loc, self.loc_msg,
                          _label(FILTER_LABELS["country"]), self.country, self.country_other, self.country_msg,
                          _label(FILTER_LABELS["assignees"]), self.assignees,
                          _label(FILTER_LABELS["main_field"]), self.main_field,
                          self.more_filters], "psp-col-wide")
        # the form stops growing at 1200 px (fields wider than that only spread the words apart)
        form = W.Box([query_col, filter_col], layout=W.Layout(display="flex", flex_flow="row wrap",
                                                              grid_gap="8px 24px", width="auto",
                                                              max_width="1200px"))
        actions = _row([self.search_button, self.more_button, self.hint], margin="8px 0")
        self.tools = _row([self.order, self.min_score, self.text_filter])
        self.export_box = W.VBox([
            W.HTML('<div class="psp-h">Export a report</div>'),
            _row([self.export_format, self.export_include, self.export_button]),
            _label("Save in folder (on the computer running Python)"), self.export_folder,
            self.export_msg,
        ], layout=_full(margin="12px 0 0 0"))
        self.export_box.add_class("psp-export-box")
        self.results_box = W.VBox([
            W.HTML('<div class="psp-h">Results</div>'), self.summary, self.tools,
            self.compare_box, self.card_box, self.cards_note,
            W.Accordion(children=[self.chart], titles=("Score chart",), selected_index=0, layout=_full()),
            self.export_box,
        ], layout=_full(display="none"))
        self.results_box.add_class("psp-results")
        self.widget = _classed(W.VBox([self.css, self.title, self.status, form, actions, self.results_box],
                                      layout=W.Layout(width="auto", max_width="100%", min_width="0",
                                                      overflow="hidden", padding="4px")), "psp-panel")

    @property
    def _widgets(self) -> list[W.Widget]:
        """Every widget on the panel now (the cards of the current results included)."""
        return [self.widget, *self._descendants(self.widget)]

    @staticmethod
    def _descendants(box: W.Box) -> list[W.Widget]:
        found = []
        for child in box.children:
            found.append(child)
            if isinstance(child, W.Box):
                found.extend(SearchPanel._descendants(child))
        return found

    def _wire(self) -> None:
        validating = (self.url, self.loc, self.country, self.country_other, self.assignees, self.main_field,
                      self.legal_status, self.simple_legal_status, self.apply_start, self.apply_end,
                      self.public_start, self.public_end, self.sort_field, self.sort_order)
        for widget in validating:
            widget.observe(self._on_input, names="value")
        self.upload.observe(self._on_upload, names="value")
        for widget in (self.min_score, self.text_filter, self.order):
            widget.observe(self._on_local_filter, names="value")
        self.export_include.observe(lambda _c: self._refresh_controls(), names="value")
        self.search_button.on_click(self._on_search)
        self.more_button.on_click(self._on_more)
        self.export_button.on_click(self._on_export)
        self.back_button.on_click(lambda _b: self._close_compare())
        self.prev_button.on_click(lambda _b: self._step(-1))
        self.next_button.on_click(lambda _b: self._step(+1))
        self.relevance.observe(self._on_relevance, names="value")
        self.note.observe(self._on_note, names="value")
        self.clear_mark.on_click(self._on_clear_mark)

    def _set_filters(self, params: Mapping[str, str]) -> None:
        """Put normalised filter values (``SearchFilters.to_params()``) into the widgets."""
        self.loc.value = params.get("loc", "")
        countries = [c for c in params.get("country", "").split(",") if c]
        self.country.value = tuple(c for c in countries if c in COMMON_AUTHORITIES)
        self.country_other.value = ", ".join(c for c in countries if c not in COMMON_AUTHORITIES)
        self.assignees.value = params.get("assignees", "")
        self.main_field.value = params.get("main_field", "")
        self.legal_status.value = _codes(params.get("legal_status"))
        self.simple_legal_status.value = _codes(params.get("simple_legal_status"))
        self.apply_start.value = _date(params.get("apply_start_time"))
        self.apply_end.value = _date(params.get("apply_end_time"))
        self.public_start.value = _date(params.get("public_start_time"))
        self.public_end.value = _date(params.get("public_end_time"))
        self.sort_field.value = params.get("field", "score")
        self.sort_order.value = params.get("order", "desc")
        if any(k in params for k in ("legal_status", "simple_legal_status", "apply_start_time", "apply_end_time",
                                      "public_start_time", "public_end_time", "field", "order")):
            self.more_filters.selected_index = 0  # filters set there are visible

    # --- inputs (local only: no call is ever made here) --------------------------------------------

    def _filter_values(self) -> dict[str, Any]:
        others = [part.strip() for part in self.country_other.value.split(",") if part.strip()]
        return {
            "loc": self.loc.value,
            "country": list(self.country.value) + others,
            "legal_status": list(self.legal_status.value),
            "simple_legal_status": list(self.simple_legal_status.value),
            "assignees": self.assignees.value,
            "main_field": self.main_field.value,
            "apply_start_time": self.apply_start.value,
            "apply_end_time": self.apply_end.value,
            "public_start_time": self.public_start.value,
            "public_end_time": self.public_end.value,
            "field": self.sort_field.value,
            # "desc" is PatSnap's default: leaving it out keeps the cache key of a plain search.
            "order": None if self.sort_order.value == "desc" else self.sort_order.value,
        }

    def _on_input(self, _change: Any = None) -> None:
        self._validate()
        self._refresh_preview()
        self._refresh_controls()

    def _validate(self) -> None:
        """Check each filter on its own (its message goes next to it), then the date ranges."""
        errors: dict[str, str] = {}
        values = self._filter_values()
        for name, value in values.items():
            if name == "country":  # only the free-entry box can hold a bad code
                value = [part.strip() for part in self.country_other.value.split(",") if part.strip()]
            try:
                SearchFilters(**{name: value})
            except FilterError as exc:
                _field, text = filter_message(exc)
                errors.setdefault(_SLOT.get(name, "form"), text)
        for start, end in (("apply_start_time", "apply_end_time"), ("public_start_time", "public_end_time")):
            try:
                SearchFilters(**{start: values[start], end: values[end]})
            except FilterError as exc:
                field, text = filter_message(exc)
                errors.setdefault(_SLOT.get(field or "", "form"), text)
        if not errors:
            try:
                SearchFilters.from_kwargs(**values)
            except FilterError as exc:
                field, text = filter_message(exc)
                errors[_SLOT.get(field or "", "form")] = text
        url = self.url.value.strip()
        if url and urls_message(url, MAX_VIEWS):
            errors["url"] = urls_message(url, MAX_VIEWS) or ""
        self.state.field_errors = errors
        self._show_field_messages()

    def _show_field_messages(self) -> None:
        errors = self.state.field_errors
        slots = {"loc": self.loc_msg, "country": self.country_msg, "apply": self.apply_msg,
                 "public": self.public_msg, "sort": self.sort_msg, "url": self.url_msg}
        for name, slot in slots.items():
            slot.value = f'<span class="psp-msg-error">{escape(errors[name])}</span>' if name in errors else ""
        loc = self.loc.value.strip()
        if loc and "loc" not in errors:
            self.loc_msg.value = (f'<span class="psp-msg-ok">&#10003; '
                                  f'<span class="psp-nowrap">{escape(SearchFilters(loc=loc).loc)}</span></span>')
        if any(k in errors for k in ("apply", "public", "sort")):
            self.more_filters.selected_index = 0  # never hide a message in a closed section
        image = self.state.image_error
        self.image_msg.value = f'<span class="psp-msg-error">{escape(image)}</span>' if image else ""

    def _on_upload(self, change: Mapping[str, Any]) -> None:
        files = change["new"]
        if not files:
            return
        self._choose_files([(bytes(item["content"]), item["name"]) for item in files])
        self.url.value = ""  # the files just chosen are the query
        self._validate()
        self._refresh()

    def _choose_files(self, files: list[tuple[bytes, str]]) -> None:
        """Check each file locally (decode, convert); keep the readable ones, in order, with a PNG preview.

        A new choice replaces the views there were. Files that are not images, and files
        beyond :data:`search.MAX_VIEWS`, are left out and said in one message.
        """
        problems = []
        if len(files) > MAX_VIEWS:
            problems.append(too_many_views(len(files), MAX_VIEWS))
            files = files[:MAX_VIEWS]
        views = []
        for data, name in files:
            thumb = self._preview_of(data, name)
            if thumb is None:
                problems.insert(0, image_message(name))
            else:
                views.append(QueryView(name, data, thumb))
        self.state.views = views
        first = views[0] if views else None
        self.state.query_bytes = first.data if first else None
        self.state.query_name = first.name if first else None
        self.state.query_thumb = first.thumb if first else None
        self.state.image_error = " ".join(problems) or None

    @staticmethod
    def _preview_of(data: bytes, name: str) -> bytes | None:
        """A PNG preview of a chosen file (None when it is not an image the panel can read)."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ImageSizeWarning)
                prepared = prepare_image(data, label=name)
        except (InvalidInputError, OSError, ValueError):
            return None
        assert isinstance(prepared, PreparedImage)  # bytes in: never passed through as a URL
        return thumbnail_png_or_none(prepared.data, PREVIEW_PX)  # None: not expected, prepare_image just wrote it

    def remove_view(self, number: int) -> None:
        """Remove view ``number`` (1-based, as the strip shows it) from the query; no call.

        Examples
        --------
        >>> from patsnap_pandas import samples
        >>> with PatsnapClient.sandbox() as client:
        ...     panel = SearchPanel(client, image=[samples.image("sneaker"), samples.image("sneaker-drawing")])
        ...     panel.remove_view(1)
        >>> [view.name for view in panel.state.views], panel.views_box.layout.display
        (['sneaker-drawing.tiff'], 'none')
        """
        urls = split_urls(self.url.value) if self.url.value.strip() else []
        count = len(urls) if urls else len(self.state.views)
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= count:
            raise InvalidInputError(f"number={number!r} is not valid: the query has {count} view(s) "
                                    f"(numbers 1 to {count}).")
        if urls:
            del urls[number - 1]
            self.url.value = " ".join(urls)  # validates and refreshes (observer)
            return
        kept = [(v.data, v.name) for i, v in enumerate(self.state.views, start=1) if i != number]
        self._choose_files(kept)
        self._validate()
        self._refresh()

    def _on_local_filter(self, _change: Any = None) -> None:
        self._render_results()
        self._refresh_controls()

    # --- marks --------------------------------------------------------------------------------------

    def _with_marks(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` with the ``relevance`` and ``note`` columns filled from the marks of this query."""
        marks = self.state.marks
        ids = df["patent_id"].astype("string").fillna("").tolist()
        df = df.copy()
        df["relevance"] = pd.array([marks.get(i, (None, ""))[0] for i in ids], dtype="string")
        df["note"] = pd.array([(marks.get(i, (None, ""))[1] or None) for i in ids], dtype="string")
        return df

    def _set_mark(self, index: int, relevance: str | None, note: str | None) -> None:
        df = self.state.results
        assert df is not None
        pid = str(df.at[index, "patent_id"])
        old_relevance, old_note = self.state.marks.get(pid, (None, ""))
        note = old_note if note is None else note.strip()
        if relevance is None and not note:
            self.state.marks.pop(pid, None)
        else:
            self.state.marks[pid] = (relevance, note)
        same = df["patent_id"].astype("string") == pid
        df.loc[same.to_numpy(), "relevance"] = relevance if relevance is not None else pd.NA
        df.loc[same.to_numpy(), "note"] = note or pd.NA
        card = self._cards.get(pid)
        if card is not None:
            card.children[0].value = card_html(df.loc[index], self._thumb(index))

    def _on_relevance(self, change: Mapping[str, Any]) -> None:
        if self._syncing or self.state.open_row is None:
            return
        self._set_mark(self.state.open_row, change["new"], None)
        self._show_mark_message()
        self._refresh_controls()

    def _on_note(self, change: Mapping[str, Any]) -> None:
        if self._syncing or self.state.open_row is None:
            return
        relevance = self.relevance.value
        self._set_mark(self.state.open_row, relevance, change["new"])
        self._show_mark_message()
        self._refresh_controls()

    def _on_clear_mark(self, _button: Any = None) -> None:
        if self.state.open_row is None:
            return
        self._set_mark(self.state.open_row, None, "")
        self._sync_triage()
        self._show_mark_message()
        self._refresh_controls()

    _syncing = False

    def _sync_triage(self) -> None:
        """Put the open hit's mark into the triage controls (without writing it back)."""
        df, index = self.state.results, self.state.open_row
        relevance, note = (None, "") if df is None or index is None else self.state.marks.get(
            str(df.at[index, "patent_id"]), (None, ""))
        self._syncing = True
        try:
            self.relevance.value = relevance
            self.note.value = note
        finally:
            self._syncing = False

    def _show_mark_message(self) -> None:
        df, index = self.state.results, self.state.open_row
        if df is None or index is None:
            self.mark_msg.value = ""
            return
        relevance, note = self.state.marks.get(str(df.at[index, "patent_id"]), (None, ""))
        marked = sum(1 for r, n in self.state.marks.values() if r)
        if relevance or note:
            what = f"marked <b>{escape(relevance)}</b>" if relevance else "not marked"
            with_note = " with a note" if note else ""
            self.mark_msg.value = (f'<span class="psp-msg-hint">{escape(df.at[index, "patent_pn"])} {what}{with_note}; '
                                   f"{_plural(marked, 'hit')} marked in all. Saved in panel.results.</span>")
        else:
            self.mark_msg.value = (f'<span class="psp-msg-hint">Not marked. {_plural(marked, "hit")} '
                                   "marked in all.</span>")

    # --- comparison view ----------------------------------------------------------------------------

    def _thumb(self, index: int) -> bytes | None:
        thumbs = self.state.thumbnails
        return thumbs[index] if 0 <= index < len(thumbs) else None

    def _open(self, index: int) -> None:
        df = self.state.results
        assert df is not None
        self.state.open_row = index
        row = df.loc[index]
        large = None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                large = load_thumbnails(df.loc[[index]], size=COMPARE_FETCH_PX)[0]
                if large == ThumbnailStore(size=COMPARE_FETCH_PX).placeholder():  # expired link: no image
                    large = None
        except Exception:  # noqa: BLE001 - the card's thumbnail is a fine fallback (URL expired, offline)
            large = None
        hit_image = large if _long_side(large) > _long_side(self._thumb(index)) else self._thumb(index)
        views = self._searched_views(df)
        if len(views) > 1:
            matched = row.get("matched_view")
            self.compare.value = compare_html(row, None, hit_image, views=views,
                                              matched_view=None if pd.isna(matched) else int(matched))
        else:
            url = self.url.value.strip()
            query_image: bytes | str | None = url if url else self.state.query_thumb
            label = url if url else (self.state.query_name or "query image")
            self.compare.value = compare_html(row, query_image, hit_image, query_label=label)
        self._sync_triage()
        self._show_mark_message()
        self.compare_box.layout.display = "flex"
        self.card_box.layout.display = "none"
        self._refresh_controls()

    def _searched_views(self, df: pd.DataFrame) -> list[tuple[str, bytes | str | None]]:
        """The views the results were searched with, as (label, picture), from the thumbnail store."""
        labels = df.attrs.get("views") or []
        if len(labels) < 2:
            return []
        if self._views_cache is None or self._views_cache[0] != tuple(df.attrs.get("query_urls") or ()):
            pictures = load_query_images(df)
            self._views_cache = (tuple(df.attrs.get("query_urls") or ()),
                                 [(str(label), png) for label, png in zip(labels, pictures, strict=False)])
        return self._views_cache[1]

    _views_cache: tuple[tuple, list] | None = None

    def _close_compare(self) -> None:
        self.state.open_row = None
        self.compare_box.layout.display = "none"
        self.card_box.layout.display = "flex"
        self._refresh_controls()

    def _step(self, delta: int) -> None:
        shown, _ = self._shown()
        order = list(shown.index)
        if self.state.open_row not in order:
            return
        position = order.index(self.state.open_row) + delta
        if 0 <= position < len(order):
            self._open(int(order[position]))

    # --- actions (the only places that call the API) ------------------------------------------------

    def _on_search(self, _button: Any = None) -> None:
        self._run("Searching\u2026", "Search", self._do_search)

    def _on_more(self, _button: Any = None) -> None:
        self._run("Loading more\u2026", "Load more", self._do_more)

    def _on_export(self, _button: Any = None) -> None:
        self._run("Writing the report\u2026", "Export", self._do_export)

    def _run(self, busy_text: str, what: str, action: Callable[[], None]) -> None:
        """Run one action with the buttons disabled; any failure is shown, never raised."""
        if self.state.busy:
            return
        self.state.busy, self.state.last_error, self.state.last_exception = True, None, None
        self.state.message, self.state.notes = busy_text, []
        self._refresh_controls()
        self._show_status()
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                action()
        except Exception as exc:  # noqa: BLE001 - a UI callback: show it, keep the panel usable
            if isinstance(exc, FilterError) and self.state.field_errors:
                self.state.last_error = f"{what} was not started: correct the field marked in red."
            else:
                self.state.last_error = _plain_error(what, exc)
            self.state.last_exception = exc
            self.state.message = f"{what} did not complete; the results shown are unchanged."
        finally:
            self.state.busy = False
        self.state.notes = [str(w.message) for w in caught if issubclass(w.category, _SHOWN_WARNINGS)]
        self._refresh()

    def _find_client(self) -> PatsnapClient | None:
        try:
            self.client = client_for(None, None)
        except MissingCredentialsError as exc:
            self._credentials_help = str(exc)
            return None
        self._credentials_help = None
        return self.client

    def _query(self) -> tuple[Any, str | None]:
        """What ``search_designs`` is given: one image and its label, or a list of views (labels: file names)."""
        urls = split_urls(self.url.value)
        if len(urls) == 1:
            return urls[0], None
        if urls:
            return urls, None
        views = self.state.views
        if not views:
            raise InvalidInputError("no query image: choose an image file or paste an image URL.")
        if len(views) == 1:
            return views[0].data, views[0].name
        return [_named_file(v.data, v.name) for v in views], None

    def _query_identity(self) -> str:
        urls = split_urls(self.url.value)
        if urls:
            return "url:" + " ".join(urls)
        digests = [hashlib.sha256(v.data).hexdigest() for v in self.state.views]
        return "sha256:" + " ".join(digests or [hashlib.sha256(b"").hexdigest()])

    def _do_search(self) -> None:
        filters = self.filters()
        image, label = self._query()
        client = self.client or self._find_client()
        if client is None:
            raise MissingCredentialsError(self._credentials_help or "No PatSnap credentials found.")
        by_name: dict[str, Any] = dict(filters.to_dict())  # filter names only: none of the named parameters
        df = search_designs(image, client=client, limit=self.limit.value, label=label, **by_name)
        thumbs = load_thumbnails(df)
        identity = self._query_identity()
        if identity != self._query_key:  # marks belong to one query image
            self.state.marks = {}
            self._query_key = identity
        self.state.results, self.state.thumbnails = self._with_marks(df.reset_index(drop=True)), thumbs
        self._chart_cache = None
        self._cards = {}
        self._close_compare()
        total = df.attrs.get("total")
        cached = " (from the cache: no billed call)" if df.attrs.get("from_cache") else ""
        self.state.message = f"Found {_plural(len(df), 'hit')} of {total} matching designs{cached}."

    def _do_more(self) -> None:
        df = self.state.results
        if df is None:
            raise InvalidInputError("nothing to continue: search first.")
        more = continue_search(df, n=self.limit.value, client=self.client, refresh=True)
        thumbs = load_thumbnails(more)
        combined = df
        if len(more):
            combined = self._with_marks(concat_frames([df, more]).reset_index(drop=True))
            self.state.results = combined
            self.state.thumbnails = self.state.thumbnails + thumbs
        self._chart_cache = None
        cached = " (from the cache)" if more.attrs.get("from_cache") else ""
        self.state.message = (f"Loaded {_plural(len(more), 'more hit', 'more hits')}{cached}; "
                              f"{len(combined)} of {combined.attrs.get('total')} fetched.")

    def _do_export(self) -> None:
        if self.state.results is None:
            raise InvalidInputError("nothing to export: search first.")
        shown, _ = self._shown()
        done = _export.export_report(shown, fmt=self.export_format.value, include=self.export_include.value,
                                     folder=self.export_dir, notes=self._local_filter_notes())
        self.state.last_report = done.path
        self.export_msg.value = done.html
        self.state.message = done.message

    def _local_filter_notes(self) -> dict[str, str]:
        """The panel's local filters in words, for the report's provenance."""
        notes = {}
        if self.min_score.value > 0:
            notes["Minimum score (set in the panel)"] = f"{self.min_score.value:.2f}"
        if self.text_filter.value.strip():
            notes["Text filter (set in the panel)"] = f"hits containing \u201c{self.text_filter.value.strip()}\u201d"
        if self.order.value:
            notes["Order"] = CARD_ORDERS[self.order.value][0]
        return notes

    # --- display ------------------------------------------------------------------------------------

    def _shown(self) -> tuple[pd.DataFrame, list[bytes]]:
        """The rows the local filters keep, in card order (index: rows of ``results``), and their thumbnails."""
        df = self.state.results
        assert df is not None
        keep = pd.Series(True, index=df.index)
        if self.min_score.value > 0:
            keep &= pd.to_numeric(df["score"], errors="coerce").fillna(-1.0) >= self.min_score.value
        needle = self.text_filter.value.strip().lower()
        if needle:
            found = pd.Series(False, index=df.index)
            for column in df.columns:
                if column not in _NOT_SEARCHED:
                    text = df[column].astype("string").fillna("").str.lower()
                    found |= text.str.contains(needle, regex=False).fillna(False).astype(bool)
            keep &= found
        shown = df[keep.to_numpy()]
        _label_, column, ascending = CARD_ORDERS[self.order.value]
        if column in shown.columns:
            key = pd.to_numeric(shown[column], errors="coerce")
            shown = shown.assign(_key=key).sort_values(["_key", "rank"], ascending=[ascending, True],
                                                        na_position="last", kind="stable").drop(columns="_key")
        shown.attrs = dict(df.attrs)
        thumbs = [self.state.thumbnails[i] for i in shown.index if i < len(self.state.thumbnails)]
        return shown, thumbs

    def _refresh(self) -> None:
        self._refresh_preview()
        self._show_field_messages()
        self._refresh_controls()
        self._show_status()
        self._render_results()

    def _strip_views(self) -> list[tuple[str, str]]:
        """The views of a query of several images as (label, img src), in order; [] for one image."""
        url = self.url.value.strip()
        if url:
            urls = split_urls(url)
            if len(urls) < 2 or urls_message(url, MAX_VIEWS):
                return []
            return [(u, u) for u in urls]
        views = self.state.views
        return [(v.name, data_uri(v.thumb)) for v in views] if len(views) >= 2 else []

    def _refresh_strip(self, views: list[tuple[str, str]]) -> None:
        """The numbered, removable thumbnails of several views (rebuilt only when the views change)."""
        key = tuple(views)
        if key == self._strip_key:
            return
        self._strip_key = key
        old = list(self.views_box.children)
        n = len(views)
        items = []
        for i, (label, src) in enumerate(views, start=1):
            picture = W.HTML(
                f'<figure class="psp-view"><img src="{escape(src)}" alt="view {i} of {n}" '
                f'referrerpolicy="no-referrer"><figcaption><b class="psp-nowrap">View {i} of {n}</b>'
                f'<span class="psp-view-name">{escape(label)}</span></figcaption></figure>')
            remove = W.Button(description="Remove", icon="times", tooltip=f"Remove view {i} from the query",
                              layout=W.Layout(width="auto"))
            remove.add_class("psp-remove-view")
            remove.on_click(lambda _b, i=i: self.remove_view(i))
            item = W.VBox([picture, remove], layout=W.Layout(width=f"{STRIP_PX + 16}px", align_items="center",
                                                             justify_content="space-between"))  # Remove in line
            item.add_class("psp-view-item")
            items.append(item)
        self.views_box.children = items
        for widget in old:
            for child in widget.children:
                child.close()
            widget.close()
        self.views_box.layout.display = "flex" if items else "none"
        self.views_hint.value = (f'<span class="psp-msg-hint">{escape(ORDER_HINT)}</span>' if items else "")

    def _refresh_preview(self) -> None:
        strip = self._strip_views()
        self._refresh_strip(strip)
        if strip:
            self.preview.value = ""
            return
        url = self.url.value.strip()
        if url and not url_message(url):
            self.preview.value = (f'<img src="{escape(url)}" alt="query image" referrerpolicy="no-referrer" '
                                  f'style="max-width:100%;max-height:200px;border:1px solid #ccc">')
        elif self.state.query_thumb is not None and not url:
            self.preview.value = (f'<img src="{data_uri(self.state.query_thumb)}" alt="query image" '
                                  f'style="max-width:100%;max-height:200px;border:1px solid #ccc">'
                                  f'<div class="psp-msg-hint">{escape(self.state.query_name)}</div>')
        else:
            self.preview.value = ""

    def _search_blocker(self) -> str | None:
        """Why Search cannot run now, as a hint next to it (None when it can)."""
        if self.state.field_errors or self.state.image_error and not self.url.value.strip() and not self.state.views:
            return "Correct the field marked in red to search."
        if not self.url.value.strip() and not self.state.views:
            return "Choose an image file or paste an image URL to search."
        return None

    def _export_blocker(self) -> str | None:
        df = self.state.results
        if df is None:
            return "Nothing to export yet: search first."
        shown, _ = self._shown()
        if not len(shown):
            return "Nothing to export: no hit passes the minimum score and text filter."
        include = self.export_include.value
        relevance = shown["relevance"].astype("string")
        if include == "marked" and not relevance.notna().any():
            return "No marked hits yet: open a hit to mark it, or export all shown hits."
        if include == "relevant" and not (relevance == "relevant").any():
            return "No hit is marked relevant yet: open a hit to mark it, or export all shown hits."
        return None

    def _refresh_controls(self) -> None:
        busy, df = self.state.busy, self.state.results
        blocker = self._search_blocker()
        self.search_button.disabled = busy or blocker is not None
        self.search_button.description = "Searching\u2026" if busy else "Search"
        offset = 0 if df is None else len(df)
        total = None if df is None else df.attrs.get("total")
        exhausted = isinstance(total, int) and offset >= total
        # a search of several views has no search id to continue: its hits come at once
        several = df is not None and len(df.attrs.get("views") or ()) > 1
        self.more_button.disabled = busy or df is None or exhausted or offset >= MAX_RESULTS_CAP or several
        self.more_button.layout.display = "none" if df is None or several else ""
        self.hint.value = f'<span class="psp-msg-hint">{escape(blocker)}</span>' if blocker else ""
        export_blocker = self._export_blocker()
        self.export_button.disabled = busy or export_blocker is not None
        self.export_button.tooltip = export_blocker or "Write the report and offer it as a download (no API call)"
        if export_blocker and df is not None:
            self.export_msg.value = f'<span class="psp-msg-hint">{escape(export_blocker)}</span>'
        elif self.export_msg.value.startswith('<span class="psp-msg-hint">'):
            self.export_msg.value = ""
        open_row = self.state.open_row
        if open_row is not None and df is not None:
            order = list(self._shown()[0].index)
            position = order.index(open_row) if open_row in order else -1
            self.prev_button.disabled = position <= 0
            self.next_button.disabled = position < 0 or position >= len(order) - 1

    def _show_status(self) -> None:
        parts = []
        if self.client is None:
            mode = '<span class="psp-live" style="background:#eef">Not connected</span>'
            if self._credentials_help:
                mode += f" {escape(self._credentials_help)}"
        elif data_source(self.client) == SANDBOX_SOURCE:
            mode = (f'<span class="psp-banner">{escape(SANDBOX_BANNER)}</span> '
                    '<span class="psp-msg-hint">To search PatSnap, set PATSNAP_CLIENT_ID and '
                    "PATSNAP_CLIENT_SECRET (or PATSNAP_API_KEY) before starting.</span>")
        else:
            mode = '<span class="psp-live">Live PatSnap data</span> <span class="psp-msg-hint">searches are billed</span>'
        parts.append(mode)
        if self.client is not None:
            usage = self.client.usage
            try:
                left = usage.as_dict().get("budget_left")  # "48 of 50 calls left today" with a budget
            except CacheError:  # a damaged usage file: the next search says so, next to the search
                left = None
            parts.append(f"This session: {_plural(usage.billed_calls, 'billed API call')}, "
                         f"{_plural(usage.cache_hits, 'answer')} from the cache (not billed)."
                         + (f' <span class="psp-budget psp-nowrap">Budget: {escape(left)}.</span>' if left else ""))
        if self.state.message:
            parts.append(f"<b>{escape(self.state.message)}</b>")
        if self.state.last_error:
            parts.append(f'<span class="psp-msg-error">{escape(self.state.last_error)}</span>')
        parts += [f'<span style="color:#8a5a00">Note: {escape(note)}</span>' for note in self.state.notes]
        self.status.value = "<div>" + "<br>".join(parts) + "</div>"

    def _render_results(self) -> None:
        df = self.state.results
        if df is None:
            self.results_box.layout.display = "none"
            return
        self.results_box.layout.display = "flex"
        shown, thumbs = self._shown()
        attrs = df.attrs
        views = attrs.get("views") or []
        query = (f"{len(views)} views of one product" if len(views) > 1 else escape(attrs.get("query")))
        combined = views_in_words(attrs)
        self.summary.value = (
            f"Showing <b>{len(shown)}</b> of {len(df)} fetched hits "
            f"({escape(attrs.get('total'))} match in all) for {query}."
            + (f' <span class="psp-msg-hint">How: {escape(combined)}.</span>' if combined else ""))
        self.chart.value = self._chart_html(shown)
        cards = []
        for index, thumb in zip(list(shown.index)[:MAX_CARDS], thumbs[:MAX_CARDS], strict=False):
            cards.append(self._card(int(index), thumb))
        self.card_box.children = cards
        if not len(shown):
            self.cards_note.value = '<span class="psp-msg-hint">No hits to show: lower the minimum score or clear the text filter.</span>'
        elif len(shown) > MAX_CARDS:
            self.cards_note.value = (f'<span class="psp-msg-hint">The first {MAX_CARDS} of {len(shown)} shown hits '
                                     "have cards; raise the minimum score or use the text filter to see others.</span>")
        else:
            self.cards_note.value = ""
        if self.state.open_row is not None and self.state.open_row not in shown.index:
            self._close_compare()

    def _card(self, index: int, thumb: bytes | None) -> W.VBox:
        df = self.state.results
        assert df is not None
        pid = str(df.at[index, "patent_id"])
        card = self._cards.get(pid)
        if card is None:
            button = W.Button(description="Compare with query", layout=W.Layout(width="auto"))
            button.add_class("psp-open")
            button.on_click(lambda _b, pid=pid: self._open_patent(pid))
            card = W.VBox([W.HTML(card_html(df.loc[index], thumb)), button],
                          layout=W.Layout(width="200px"))
            card.add_class("psp-card")
            self._cards[pid] = card
        return card

    def _open_patent(self, pid: str) -> None:
        df = self.state.results
        if df is None:
            return
        matches = df.index[(df["patent_id"].astype("string") == pid).to_numpy()]
        if len(matches):
            self._open(int(matches[0]))

    def _chart_html(self, shown: pd.DataFrame) -> str:
        scores = pd.to_numeric(shown["score"], errors="coerce")
        if not scores.notna().any():
            return ""
        key = (tuple(shown["patent_id"].astype(str)), tuple(scores.fillna(-1.0)))
        if self._chart_cache is not None and self._chart_cache[0] == key:
            return self._chart_cache[1]
        bars = min(CHART_BARS, int(scores.notna().sum()))
        png = render.score_chart_png(shown, n=bars, width_px=CHART_PX)
        markup = (f'<img class="psp-chart-img" src="{data_uri(png)}" '
                  f'alt="Top {bars} similarity scores" title="Top {bars} similarity scores">')
        self._chart_cache = (key, markup)
        return markup


def panel(client: PatsnapClient | None = None, **options: Any) -> SearchPanel:
    """Open a :class:`SearchPanel` (same arguments); display it as a cell's last expression.

    Examples
    --------
    >>> import patsnap_pandas as pp
    >>> with pp.PatsnapClient.sandbox() as client:
    ...     pp.panel(client, country="cn").country.value
    ('CN',)
    """
    return SearchPanel(client, **options)
