"""SearchPanel: an interactive design search for notebooks and Voila, from core ipywidgets.

The panel is a form around :func:`search.search_designs`: a query image (file upload
or URL, with a preview), the P009 filters (validated as you type, by
:class:`filters.SearchFilters`), and three buttons that are the only things that
call the API: *Search*, *Load more* (:func:`search.continue_search`, same search id)
and *Export report* (:func:`report.write_html`, which makes no call at all).
Everything else (typing a filter, the minimum-score slider, the text filter over the
shown hits) is local and free.

Results are drawn into HTML widget values (:func:`render.thumbnail_grid`, and
:func:`render.plot_scores` as an embedded PNG), so the panel works the same in
JupyterLab, classic Notebook and Voila, and every behaviour can be tested in plain
Python by setting widget values and calling ``button.click()``.

State lives in one dataclass, :class:`PanelState` (``panel.state``); the widgets
only hold what the user typed. ``panel.results`` is the DataFrame of every hit
fetched so far (``attrs`` included); ``panel.shown`` is the part the local filters
let through.

Examples
--------
>>> from patsnap_pandas import PatsnapClient, SearchPanel
>>> client = PatsnapClient.sandbox()
>>> panel = SearchPanel(client, image="chair.png", country=["CN", "US"], limit=20)
>>> panel.search_button.click()              # what a click in the browser does
>>> len(panel.results), set(panel.results["authority"]) <= {"CN", "US"}, panel.state.last_error
(20, True, None)
>>> client.close()

In a notebook, ``panel`` as the last expression of a cell displays the panel.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import ipywidgets as W
import pandas as pd

from . import codes, render, report
from .client import PatsnapClient
from .errors import InvalidInputError, MissingCredentialsError, PatsnapError
from .filters import SearchFilters
from .frame import concat_frames
from .http import redact
from .images import ImageSizeWarning, ThumbnailWarning, prepare_image
from .render import _data_uri, _esc, _figure_png, _png_thumbnail
from .search import MAX_RESULTS_CAP, SearchWarning, client_for, continue_search, load_thumbnails, search_designs

__all__ = ["COMMON_AUTHORITIES", "PanelState", "SearchPanel", "panel"]

#: Authorities offered in the country list (most design filings); others go in the free-entry box.
COMMON_AUTHORITIES: tuple[str, ...] = ("CN", "US", "EM", "JP", "KR", "WO", "DE", "FR", "GB", "IT",
                                       "ES", "HK", "TW", "AU", "CA", "IN", "BR", "RU")
#: What the file chooser offers; anything Pillow reads is converted before upload anyway.
UPLOAD_ACCEPT = ".jpg,.jpeg,.png,.tif,.tiff,image/jpeg,image/png,image/tiff"
PREVIEW_PX = 320  # longest side of the stored query thumbnail (shown at half size, embedded in reports)
GRID_COLUMNS, GRID_SIZE = 5, 128
CHART_BARS = 20
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
# Columns the text filter does not search: identifiers and provenance, not content.
_NOT_SEARCHED = frozenset({"image_url", "patent_id", "search_id", "query", "rank", "score"})
# Warnings of the search modules that the status line repeats in plain words.
_SHOWN_WARNINGS = (SearchWarning, ThumbnailWarning, ImageSizeWarning)


@dataclasses.dataclass
class PanelState:
    """Everything the panel knows between clicks; the widgets only display it.

    Attributes
    ----------
    results : DataFrame or None
        Every hit fetched for the current search (first page plus "Load more" pages),
        with the provenance ``attrs`` of :func:`search.search_designs`.
    thumbnails : list of bytes
        One PNG per row of ``results``, in row order.
    query_bytes, query_name : bytes, str
        The chosen image file (as uploaded) and its name; None when none was chosen.
    query_thumb : bytes or None
        PNG of the chosen file, at most ``PREVIEW_PX`` on its long side (preview, report header).
    image_error : str or None
        Why the chosen file cannot be used (checked locally when it is chosen).
    filter_error : str or None
        Why the current filter values are invalid (Search is disabled meanwhile).
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
    >>> from patsnap_pandas import PatsnapClient, SearchPanel
    >>> client = PatsnapClient.sandbox()
    >>> panel = SearchPanel(client, image="chair.png", limit=5)
    >>> panel.state.query_name, panel.state.results is None
    ('chair.png', True)
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
    image_error: str | None = None
    filter_error: str | None = None
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


class SearchPanel:
    """An interactive PatSnap design search: image, filters, results, report.

    Parameters
    ----------
    client : PatsnapClient, optional
        The client every call goes through. Default: the client of the ``PATSNAP_*``
        environment variables. Without credentials the panel still opens: its status
        line says which variables to set (or to pass ``client=PatsnapClient.sandbox()``),
        and *Search* tries the environment again when clicked.
    image : str, path or bytes, optional
        A query to start with: an http(s) URL (put in the URL box) or an image file
        (path or bytes, as if uploaded).
    limit : int, default 10
        Hits per Search and per Load more, 1..100 (the slider's start value).
    export_dir : path, optional
        Folder the reports are written to (default: the current folder).
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
        Every hit fetched so far, with ``attrs``.
    shown : DataFrame or None
        The rows of ``results`` the minimum-score slider and the text filter let through.
    widget : ipywidgets.VBox
        The root widget (the panel displays itself as it).

    Examples
    --------
    >>> with PatsnapClient.sandbox() as client:
    ...     panel = SearchPanel(client, image="lamp.png", loc="6-1 or 6-2", limit=10)
    ...     panel.search_button.click()
    ...     calls = client.usage.billed_calls
    ...     panel.min_score.value = 0.9          # narrows the shown hits: no call
    ...     panel.loc.value = "06-01 AND"        # invalid: Search is disabled, no call
    ...     (len(panel.results), len(panel.shown) <= 10, panel.search_button.disabled,
    ...      client.usage.billed_calls == calls)
    (10, True, True, True)
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
        self.export_dir = Path(export_dir) if export_dir is not None else None
        self.state = PanelState()
        self._chart_cache: tuple[Any, str] | None = None
        self._credentials_help: str | None = None
        self.client = client
        if client is None:
            self._find_client()

        self._build(limit)
        self._set_filters(initial)
        self._wire()
        if image is not None:
            self.set_image(image)
        self._validate()
        self._refresh()

    # --- public ------------------------------------------------------------------------------------

    @property
    def results(self) -> pd.DataFrame | None:
        """Every hit fetched for the current search (with ``attrs``), or None before a search."""
        return self.state.results

    @property
    def shown(self) -> pd.DataFrame | None:
        """The rows of :attr:`results` the minimum-score slider and the text filter keep."""
        return None if self.state.results is None else self._shown()[0]

    def filters(self) -> SearchFilters:
        """The filters the widgets hold now, validated (raises :class:`FilterError`)."""
        return SearchFilters.from_kwargs(**self._filter_values())

    def set_image(self, image: Any, name: str | None = None) -> None:
        """Choose the query: an http(s) URL (into the URL box) or a file's path or bytes."""
        if isinstance(image, str) and _URL.match(image.strip()):
            self.url.value = image.strip()
            return
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
        self._choose_file(data, name)
        self.url.value = ""
        self._validate()
        self._refresh()

    def close(self) -> None:
        """Close every widget of the panel (the client stays open: it is not the panel's)."""
        for widget in self._widgets:
            widget.close()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        rows = "no results" if self.state.results is None else f"{len(self.state.results)} hits"
        return f"<SearchPanel: {rows}, client={self.client!r}>"

    # --- building ----------------------------------------------------------------------------------

    def _build(self, limit: int) -> None:
        wide = W.Layout(width="330px")
        style = {"description_width": "110px"}

        def text(description: str, placeholder: str, cls: str, **kw: Any) -> W.Text:
            box = W.Text(description=description, placeholder=placeholder, layout=wide, style=style, **kw)
            box.add_class(cls)
            return box

        self.title = W.HTML()
        self.title.add_class("psp-title")
        # Image
        self.upload = W.FileUpload(accept=UPLOAD_ACCEPT, multiple=False, description="Image file")
        self.upload.add_class("psp-upload")
        # not on every keystroke: the preview <img> would make the browser fetch each partial URL
        self.url = text("Image URL", "https://... (JPG or PNG)", "psp-url", continuous_update=False)
        self.preview = W.HTML()
        self.preview.add_class("psp-preview")
        # Filters
        self.loc = text("LOC", "e.g. (06-01 OR 06-02) AND NOT 06-03", "psp-loc")
        self.loc_check = W.HTML()
        self.loc_check.add_class("psp-loc-check")
        self.country = W.SelectMultiple(
            options=[(f"{code} {codes.AUTHORITIES[code]}", code) for code in COMMON_AUTHORITIES],
            description="Country", rows=6, layout=wide, style=style)
        self.country.add_class("psp-country")
        self.country_other = text("Other countries", "codes, e.g. NZ, SG", "psp-country-other",
                                  continuous_update=False)
        self.assignees = text("Assignee", "applicant or patentee", "psp-assignees", continuous_update=False)
        self.main_field = text("Keyword", "in title, abstract, claims...", "psp-keyword",
                               continuous_update=False)
        self.legal_status = W.SelectMultiple(
            options=[(name, code) for code, name in codes.LEGAL_STATUS.items()],
            description="Legal status", rows=5, layout=wide, style=style)
        self.legal_status.add_class("psp-legal-status")
        self.simple_legal_status = W.SelectMultiple(
            options=[(name, code) for code, name in codes.SIMPLE_LEGAL_STATUS.items()],
            description="Simple status", rows=4, layout=wide, style=style)
        self.simple_legal_status.add_class("psp-simple-legal-status")
        date_layout, end_style = W.Layout(width="250px"), {"description_width": "24px"}
        self.apply_start = W.DatePicker(description="Applied from", layout=date_layout, style=style)
        self.apply_end = W.DatePicker(description="to", layout=W.Layout(width="190px"), style=end_style)
        self.public_start = W.DatePicker(description="Published from", layout=date_layout, style=style)
        self.public_end = W.DatePicker(description="to", layout=W.Layout(width="190px"), style=end_style)
        self.limit = W.IntSlider(value=limit, min=codes.LIMIT_MIN, max=codes.LIMIT_MAX,
                                 description="Hits per call", layout=wide, style=style,
                                 continuous_update=False)
        self.limit.add_class("psp-limit")
        self.sort_field = W.Dropdown(
            options=[("similarity score", "score")] + [(name, code) for code, name in codes.SORT_FIELDS.items()],
            value="score", description="Sort by", layout=W.Layout(width="260px"), style=style)
        self.sort_order = W.Dropdown(options=[("descending", "desc"), ("ascending", "asc")], value="desc",
                                     layout=W.Layout(width="120px"))
        # Actions and status
        self.search_button = W.Button(description="Search", button_style="primary",
                                      tooltip="Search designs like the image (API calls)")
        self.search_button.add_class("psp-search")
        self.more_button = W.Button(description="Load more", tooltip="The next hits of the same search")
        self.more_button.add_class("psp-more")
        self.export_button = W.Button(description="Export report",
                                      tooltip="Write the shown hits to a self-contained HTML report")
        self.export_button.add_class("psp-export")
        self.problem = W.HTML()
        self.problem.add_class("psp-problem")
        self.status = W.HTML()
        self.status.add_class("psp-status")
        # Local result filters (no calls)
        self.min_score = W.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.01, readout_format=".2f",
                                       description="Min score", continuous_update=False,
                                       layout=W.Layout(width="330px"), style=style)
        self.min_score.add_class("psp-min-score")
        self.text_filter = text("Show only", "text in number, title, ...", "psp-text-filter",
                                continuous_update=False)
        self.summary = W.HTML()
        self.summary.add_class("psp-summary")
        self.chart = W.HTML()
        self.chart.add_class("psp-chart")
        self.grid = W.HTML()
        self.grid.add_class("psp-grid")
        self.report_link = W.HTML()
        self.report_link.add_class("psp-report")

        column = W.Layout(margin="0 16px 0 0")
        image_box = W.VBox([W.HTML("<b>Query image</b>"), self.upload, self.url, self.preview], layout=column)
        filters_a = W.VBox([W.HTML("<b>Filters</b>"), self.loc, self.loc_check, self.country,
                            self.country_other, self.assignees, self.main_field], layout=column)
        filters_b = W.VBox([W.HTML("&nbsp;"), self.legal_status, self.simple_legal_status,
                            W.HBox([self.apply_start, self.apply_end]),
                            W.HBox([self.public_start, self.public_end]),
                            self.limit, W.HBox([self.sort_field, self.sort_order])])
        actions = W.HBox([self.search_button, self.more_button, self.export_button])
        local = W.HBox([self.min_score, self.text_filter])
        self.widget = W.VBox([
            self.title,
            W.HBox([image_box, filters_a, filters_b]),
            actions, self.problem, self.status,
            W.HTML("<b>Results</b> <i>(the two filters below narrow the shown hits, with no call)</i>"),
            local, self.summary, self.chart, self.grid, self.report_link,
        ])
        self.widget.add_class("psp-panel")
        self._widgets = [self.widget, *self._descendants(self.widget)]

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
        self.min_score.observe(self._on_local_filter, names="value")
        self.text_filter.observe(self._on_local_filter, names="value")
        self.search_button.on_click(self._on_search)
        self.more_button.on_click(self._on_more)
        self.export_button.on_click(self._on_export)

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
        """Check the filters (Search is disabled while they are invalid); LOC gets its own verdict."""
        loc = self.loc.value.strip()
        if not loc:
            self.loc_check.value = ""
        else:
            try:
                normalised = SearchFilters(loc=loc).loc
            except InvalidInputError as exc:
                self.loc_check.value = f'<span style="color:#b00020">&#10007; {_esc(exc)}</span>'
            else:
                self.loc_check.value = f'<span style="color:#1b7f3b">&#10003; {_esc(normalised)}</span>'
        try:
            self.filters()
        except InvalidInputError as exc:
            self.state.filter_error = str(exc)
        else:
            self.state.filter_error = None

    def _on_upload(self, change: Mapping[str, Any]) -> None:
        files = change["new"]
        if not files:
            return
        item = files[0]
        self._choose_file(bytes(item["content"]), item["name"])
        self.url.value = ""  # the file just chosen is the query
        self._validate()
        self._refresh()

    def _choose_file(self, data: bytes, name: str) -> None:
        """Check the file locally (decode, convert) and keep it with a small PNG for the preview."""
        self.state.query_bytes, self.state.query_name, self.state.query_thumb = None, None, None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ImageSizeWarning)
                prepared = prepare_image(data, label=name)
        except (InvalidInputError, OSError, ValueError) as exc:
            self.state.image_error = f"The file {name!r} cannot be used: {exc}"
            return
        thumb = _png_thumbnail(prepared.data, PREVIEW_PX)
        if thumb is None:  # prepare_image just wrote it: not expected
            self.state.image_error = f"The file {name!r} cannot be used: its preview could not be made"
            return
        self.state.query_bytes, self.state.query_name, self.state.query_thumb = data, name, thumb
        self.state.image_error = None

    def _on_local_filter(self, _change: Any = None) -> None:
        self._render_results()
        self._refresh_controls()

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
            self.state.last_error = _plain_error(what, exc)
            self.state.last_exception = exc
            self.state.message = f"{what} failed; the results shown are unchanged."
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
        url = self.url.value.strip()
        if url:
            return url, None
        if self.state.query_bytes is None:
            raise InvalidInputError("no query image: choose an image file or paste an image URL.")
        return self.state.query_bytes, self.state.query_name

    def _do_search(self) -> None:
        filters = self.filters()
        image, label = self._query()
        client = self.client or self._find_client()
        if client is None:
            raise MissingCredentialsError(self._credentials_help or "No PatSnap credentials found.")
        df = search_designs(image, client=client, limit=self.limit.value, label=label, **filters.to_dict())
        thumbs = load_thumbnails(df)
        self.state.results, self.state.thumbnails = df, thumbs
        self._chart_cache = None
        total = df.attrs.get("total")
        cached = " (from the cache: no billed call)" if df.attrs.get("from_cache") else ""
        self.state.message = f"Found {len(df)} hits of {total} matching designs{cached}."

    def _do_more(self) -> None:
        df = self.state.results
        if df is None:
            raise InvalidInputError("nothing to continue: search first.")
        more = continue_search(df, n=self.limit.value, client=self.client, refresh=True)
        thumbs = load_thumbnails(more)
        self.state.results = concat_frames([df, more]) if len(more) else df
        self.state.thumbnails = self.state.thumbnails + thumbs if len(more) else self.state.thumbnails
        self._chart_cache = None
        cached = " (from the cache)" if more.attrs.get("from_cache") else ""
        self.state.message = (f"Loaded {len(more)} more hits{cached}; {len(self.state.results)} of "
                              f"{self.state.results.attrs.get('total')} fetched.")

    def _do_export(self) -> None:
        if self.state.results is None:
            raise InvalidInputError("nothing to export: search first.")
        shown, thumbs = self._shown()
        path = self._report_path()
        query = self.state.results.attrs.get("query") or "query image"
        report.write_html(report.build_report(shown, title=f"Design search: {query}"), path)
        self.state.last_report = path
        self.state.message = f"Report of the {len(shown)} shown hits written to {path}."

    def _report_path(self) -> Path:
        folder = self.export_dir if self.export_dir is not None else Path.cwd()
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"design-search-{dt.datetime.now():%Y%m%d-%H%M%S}"
        path, n = folder / f"{stem}.html", 1
        while path.exists():
            n += 1
            path = folder / f"{stem}-{n}.html"
        return path.resolve()

    # --- display ------------------------------------------------------------------------------------

    def _shown(self) -> tuple[pd.DataFrame, list[bytes]]:
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
        shown = df[keep.to_numpy()].reset_index(drop=True)
        shown.attrs = dict(df.attrs)
        thumbs = [t for t, k in zip(self.state.thumbnails, keep.to_numpy()) if k]
        return shown, thumbs

    def _refresh(self) -> None:
        self._refresh_title()
        self._refresh_preview()
        self._refresh_controls()
        self._show_status()
        self._render_results()

    def _refresh_title(self) -> None:
        if self.client is None:
            mode = '<span style="color:#b00020">no PatSnap credentials</span>'
        elif self.client.sandbox_server is not None:
            mode = ('<span style="color:#8a5a00">offline sandbox: generated designs, '
                    'not PatSnap data</span>')
        else:
            mode = f"PatSnap API at {_esc(self.client.base_url)}"
        self.title.value = f'<h3 style="margin:4px 0">PatSnap design search <small>({mode})</small></h3>'

    def _refresh_preview(self) -> None:
        url = self.url.value.strip()
        if url and _URL.match(url):
            self.preview.value = (f'<img src="{_esc(url)}" alt="query image" referrerpolicy="no-referrer" '
                                  f'style="max-width:160px;max-height:160px;border:1px solid #ccc">')
        elif self.state.query_thumb is not None and not url:
            self.preview.value = (f'<img src="{_data_uri(self.state.query_thumb)}" alt="query image" '
                                  f'style="max-width:160px;max-height:160px;border:1px solid #ccc">'
                                  f'<div style="font-size:11px">{_esc(self.state.query_name)}</div>')
        else:
            self.preview.value = '<div style="color:#777;font-size:12px">No image chosen yet.</div>'

    def _problems(self) -> list[str]:
        """Why Search cannot run now (empty when it can)."""
        problems = []
        if self.state.filter_error:
            problems.append(self.state.filter_error)
        url = self.url.value.strip()
        if url:
            if not _URL.match(url):
                problems.append(f"Image URL {url!r} is not an http(s) URL: paste a link starting with "
                                "https:// or choose a file.")
        elif self.state.image_error:
            problems.append(self.state.image_error)
        elif self.state.query_bytes is None:
            problems.append("Choose an image file or paste an image URL.")
        return problems

    def _refresh_controls(self) -> None:
        busy, df = self.state.busy, self.state.results
        problems = self._problems()
        self.search_button.disabled = busy or bool(problems)
        self.search_button.description = "Searching\u2026" if busy else "Search"
        offset = 0 if df is None else len(df)
        total = None if df is None else df.attrs.get("total")
        exhausted = isinstance(total, int) and offset >= total
        self.more_button.disabled = busy or df is None or exhausted or offset >= MAX_RESULTS_CAP
        self.export_button.disabled = busy or df is None
        if problems:
            self.problem.value = ('<div style="color:#b00020">Search is disabled: '
                                  + "<br>".join(_esc(p) for p in problems) + "</div>")
        else:
            self.problem.value = ""

    def _show_status(self) -> None:
        parts = []
        if self.state.message:
            parts.append(f"<b>{_esc(self.state.message)}</b>")
        if self.client is not None:
            usage = self.client.usage
            parts.append(f"API calls this session: {usage.billed_calls} billed, "
                         f"{usage.cache_hits} cache hits")
        elif self._credentials_help:
            parts.append(f'<span style="color:#b00020">{_esc(self._credentials_help)}</span>')
        if self.state.last_error:
            parts.append(f'<span style="color:#b00020">Last error: {_esc(self.state.last_error)}</span>')
        parts += [f'<span style="color:#8a5a00">Note: {_esc(note)}</span>' for note in self.state.notes]
        self.status.value = '<div style="line-height:1.5">' + "<br>".join(parts) + "</div>"
        if self.state.last_report is not None:
            self.report_link.value = (f"Last report: <code>{_esc(self.state.last_report)}</code>")

    def _render_results(self) -> None:
        if self.state.results is None:
            self.summary.value = self.chart.value = self.grid.value = ""
            return
        df = self.state.results
        shown, thumbs = self._shown()
        attrs = df.attrs
        self.summary.value = (
            f"Showing <b>{len(shown)}</b> of {len(df)} fetched hits "
            f"({_esc(attrs.get('total'))} match in all) for <code>{_esc(attrs.get('query'))}</code>"
            f" &middot; search id <code>{_esc(attrs.get('search_id'))}</code>")
        self.chart.value = self._chart_html(shown)
        self.grid.value = render.thumbnail_grid(shown, thumbs, columns=GRID_COLUMNS, size=GRID_SIZE).html

    def _chart_html(self, shown: pd.DataFrame) -> str:
        scores = pd.to_numeric(shown["score"], errors="coerce")
        if not scores.notna().any():
            return ""
        key = (tuple(shown["patent_id"].astype(str)), tuple(scores.fillna(-1.0)))
        if self._chart_cache is not None and self._chart_cache[0] == key:
            return self._chart_cache[1]
        bars = min(CHART_BARS, int(scores.notna().sum()))
        by = "authority" if shown["authority"].nunique(dropna=True) > 1 else None
        png = _figure_png(lambda ax: render.plot_scores(shown, "bar", by=by, ax=ax, n=bars),
                          max(2.5, 0.28 * bars + 1.2), width=6.5, dpi=80)
        markup = (f'<img class="psp-chart-img" src="{_data_uri(png)}" '
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
