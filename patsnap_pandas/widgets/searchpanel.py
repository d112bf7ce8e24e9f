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

:class:`SearchPanel` composes a state and the views that draw it: everything the panel
knows is a trait of :class:`~patsnap_pandas.widgets.state.PanelState` (its actions
change it, and it is tested without a browser), and each part of the page is a small
view observing it (:mod:`.query_input`, :mod:`.filter_form`, :mod:`.action_bar`,
:mod:`.status_line`, :mod:`.results_view` with :mod:`.card_grid` and :mod:`.score_chart`,
:mod:`.compare_view`, :mod:`.export_view`).

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

from pathlib import Path
from typing import Any

import ipywidgets as W
import pandas as pd

from .. import codes
from ..api.client import PatsnapClient
from ..api.filters import SearchFilters, check_limit
from ..errors import InvalidInputError
from ._layout import classed
from .action_bar import ActionBar
from .cards import CSS
from .compare_view import CompareView
from .enrich_view import EnrichView
from .export import default_export_dir, display_path
from .export_view import ExportView
from .filter_form import FilterForm
from .landscape_view import LandscapeView
from .purpose_view import PurposeView
from .query_input import QueryInput
from .results_view import ResultsView
from .state import PanelState
from .status_line import StatusLine

__all__ = ["SearchPanel", "panel"]

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
        or files, up to :data:`views.MAX_VIEWS`).
    limit : int, default 10
        Hits per Search and per Load more, 1..100 (the slider's start value).
    purpose : {"explore", "clearance", "prior_art"}, default "explore"
        What the search is for (the panel's purpose choice): every design that looks alike; the
        designs in force in ``markets`` on the date ``on`` (default today); or the designs and
        utility models published before ``before``.
    markets : list of str, optional
        Clearance: office codes (``"US"``, ``"EM"``, ``"CN"``...).
    on, before : date or "YYYY-MM-DD", optional
        Clearance: the date the designs must be in force on; prior art: the cutoff.
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
        Everything the panel knows, as traits; the views draw it.
    results : DataFrame or None
        Every hit fetched so far, with ``attrs`` and the ``relevance`` and ``note`` columns.
    shown : DataFrame or None
        The rows of ``results`` the minimum-score slider and the text filter let through,
        in the order of the cards.
    widget : ipywidgets.VBox
        The root widget (the panel displays itself as it).
    query_input, purpose_view, filter_form, action_bar, enrich_view, status_line, results_view, card_grid, score_chart, compare_view, export_view,
    landscape_view,
        The views; their widgets are attributes of the panel too (``search_button``, ``loc``,
        ``card_box``, ``compare``, ``export_button``, ...).

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
                 purpose: str = "explore", markets: Any = (), on: Any = None, before: Any = None,
                 **initial_filters: Any) -> None:
        if client is not None and not isinstance(client, PatsnapClient):
            raise InvalidInputError(f"client={client!r} is not valid: expected a PatsnapClient "
                                    "(PatsnapClient.from_env() or PatsnapClient.sandbox()) or None.")
        limit = check_limit(limit)
        initial = SearchFilters.from_kwargs(**initial_filters).to_params()  # fail early on bad filters
        folder = Path(export_dir).expanduser() if export_dir is not None else default_export_dir()
        self.state = PanelState(client=client, limit=limit, export_folder=display_path(folder))
        if client is None:
            self.state.find_client()
        self.state.set_filters(initial)
        self.state.set_purpose(purpose, markets=markets, on=on, before=before)
        self._build(initial)
        if image is not None:
            self.set_image(image)

    # --- public ------------------------------------------------------------------------------------

    @property
    def client(self) -> PatsnapClient | None:
        """The client every call goes through (None while no credentials are found)."""
        return self.state.client

    @client.setter
    def client(self, client: PatsnapClient | None) -> None:
        self.state.client = client

    @property
    def results(self) -> pd.DataFrame | None:
        """Every hit fetched (with ``attrs`` and the ``relevance``/``note`` marks), or None before a search."""
        return self.state.results

    @property
    def shown(self) -> pd.DataFrame | None:
        """The rows of :attr:`results` the local filters keep, in the order of the cards."""
        return self.state.shown

    @property
    def export_dir(self) -> Path:
        """The folder exports are saved to (what the *Save in folder* box holds)."""
        return self.state.export_dir

    def filters(self) -> SearchFilters:
        """The filters the widgets hold now, validated (raises :class:`FilterError`)."""
        return self.state.filters()

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
        self.state.set_image(image, name)

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
        self.state.open_hit(row)

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
        self.state.mark(row, relevance, note)

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
        self.state.remove_view(number)

    def close(self) -> None:
        """Close every widget of the panel (the client stays open: it is not the panel's)."""
        cards = [w for card in self.card_grid.cards for w in (card, *self._descendants(card))]
        for widget in {id(w): w for w in [*self._widgets, *cards]}.values():
            widget.close()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        rows = "no results" if self.state.results is None else f"{len(self.state.results)} hits"
        return f"<SearchPanel: {rows}, client={self.client!r}>"

    # --- building ----------------------------------------------------------------------------------

    def _build(self, initial: dict[str, str]) -> None:
        """The views, each observing the state, and the page they make together."""
        state = self.state
        self.query_input = QueryInput(state)
        self.filter_form = FilterForm(state, initial)
        self.action_bar = ActionBar(state)
        self.enrich_view = EnrichView(state)
        self.status_line = StatusLine(state)
        self.purpose_view = PurposeView(state)
        self.compare_view = CompareView(state)
        self.export_view = ExportView(state)
        self.landscape_view = LandscapeView(state)
        self.results_view = ResultsView(state, compare=self.compare_view.compare_box, export=self.export_view.box,
                                        landscape=self.landscape_view.box)
        self.card_grid, self.score_chart = self.results_view.cards, self.results_view.score_chart
        self.css = W.HTML(f"<style>{CSS}</style>", layout=W.Layout(display="none"))
        self.title = classed(W.HTML('<div class="psp-h" style="font-size:1.25em">PatSnap design search</div>'),
                             "psp-title")
        # the form stops growing at 1200 px (fields wider than that only spread the words apart)
        form = W.Box([self.query_input.box, self.filter_form.box],
                     layout=W.Layout(display="flex", flex_flow="row wrap", grid_gap="8px 24px", width="auto",
                                     max_width="1200px"))
        self.widget = classed(W.VBox([self.css, self.title, self.status_line.status, self.purpose_view.box, form,
                                      self.action_bar.box, self.enrich_view.box,
                                      self.results_view.results_box],
                                     layout=W.Layout(width="auto", max_width="100%", min_width="0",
                                                     overflow="hidden", padding="4px")), "psp-panel")
        self._name_widgets()

    def _name_widgets(self) -> None:
        """The views' widgets as attributes of the panel (code written against the earlier panel uses them)."""
        q, f, a, p = self.query_input, self.filter_form, self.action_bar, self.purpose_view
        self.purpose, self.markets, self.in_force_on, self.published_before = (p.purpose, p.markets, p.in_force_on,
                                                                               p.published_before)
        self.purpose_words, self.accused_upload = p.words, p.accused_upload
        self.status = self.status_line.status
        self.upload, self.image_msg, self.url, self.url_msg = q.upload, q.image_msg, q.url, q.url_msg
        self.preview, self.views_box, self.views_hint = q.preview, q.views_box, q.views_hint
        self.loc, self.loc_msg, self.assignees, self.main_field = f.loc, f.loc_msg, f.assignees, f.main_field
        self.country, self.country_other, self.country_msg = f.country, f.country_other, f.country_msg
        self.legal_status, self.simple_legal_status = f.legal_status, f.simple_legal_status
        self.apply_start, self.apply_end, self.apply_msg = f.apply_start, f.apply_end, f.apply_msg
        self.public_start, self.public_end, self.public_msg = f.public_start, f.public_end, f.public_msg
        self.sort_field, self.sort_order, self.sort_msg = f.sort_field, f.sort_order, f.sort_msg
        self.limit, self.more_filters = f.limit, f.more_filters
        self.search_button, self.more_button, self.hint = a.search_button, a.more_button, a.hint
        self.enrich_button, self.enrich_offer = self.enrich_view.button, self.enrich_view.offer
        r, g, c, e = self.results_view, self.card_grid, self.compare_view, self.export_view
        self.order, self.min_score, self.text_filter, self.tools = r.order, r.min_score, r.text_filter, r.tools
        self.summary, self.results_box, self.chart = r.summary, r.results_box, self.score_chart.chart
        self.card_box, self.cards_note = g.card_box, g.cards_note
        self.back_button, self.prev_button, self.next_button = c.back_button, c.prev_button, c.next_button
        self.compare, self.compare_box, self.mark_msg = c.compare, c.compare_box, c.mark_msg
        self.relevance, self.note, self.clear_mark = c.relevance, c.note, c.clear_mark
        self.export_format, self.export_include, self.export_folder = e.export_format, e.export_include, e.export_folder
        self.export_button, self.export_msg, self.export_box = e.export_button, e.export_msg, e.box
        self.report_link = e.export_msg  # kept for code written against the earlier panel: the last export's link

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
