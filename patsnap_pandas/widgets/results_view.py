"""The results section: the summary, the local tools (order, minimum score, text), cards, chart, comparison, export.

Hidden until a search filled ``results``. The local tools are linked to ``order``,
``min_score`` and ``text_filter`` of the state (no call): the state keeps the rows they
let through as ``shown``, which the summary, the cards and the chart draw.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
from traitlets import link

from .._html import escape
from ..frame.words import views_in_words
from ._layout import STYLE, classed, full, row
from .card_grid import CardGrid
from .cards import set_aside_html
from .messages import searched_views, total_in_words
from .score_chart import ScoreChart
from .state import CARD_ORDERS, PanelState

__all__ = ["ResultsView"]


class ResultsView:
    """The ``psp-results`` box: heading, summary, tools, comparison, cards, chart and export.

    Parameters
    ----------
    state : PanelState
    compare, export, landscape : ipywidgets.Widget, optional
        The comparison view's and the export's boxes, placed above the cards and at the end; the
        Landscape tab's, under the score chart.

    Attributes
    ----------
    summary : ipywidgets.HTML
    aside, aside_table : ipywidgets.Accordion, ipywidgets.HTML
        The hits a clearance or prior-art search set aside, each with its reason (closed at first).
    order, min_score, text_filter : ipywidgets widgets
        The local tools.
    tools : ipywidgets.Box
    cards : CardGrid
    score_chart : ScoreChart
    results_box : ipywidgets.VBox

    Examples
    --------
    >>> import pandas as pd
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> state = PanelState()
    >>> view = ResultsView(state)
    >>> view.results_box.layout.display
    'none'
    >>> state.results = pd.DataFrame({"patent_id": ["a", "b"], "patent_pn": ["US1", "US2"], "rank": [1, 2],
    ...                               "score": [0.9, 0.5]})
    >>> view.min_score.value = 0.6                      # a local tool: into the state, no call
    >>> view.results_box.layout.display, "Showing <b>1</b> of 2 fetched hits" in view.summary.value
    ('flex', True)
    """

    def __init__(self, state: PanelState, compare: W.Widget | None = None, export: W.Widget | None = None,
                 landscape: W.Widget | None = None) -> None:
        self.state = state
        # observers run in the order they were added: the box is shown, then the chart, then the cards
        state.observe(self.draw, names=["shown"])
        self.score_chart = ScoreChart(state)
        self.cards = CardGrid(state)
        self.order = classed(W.Dropdown(options=[(name, i) for i, (name, _, _) in enumerate(CARD_ORDERS)], value=0,
                                        description="Order", style=STYLE, layout=W.Layout(width="auto", max_width="100%")),
                             "psp-order")
        self.min_score = classed(W.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.01, readout_format=".2f",
                                               description="Min score", continuous_update=False, style=STYLE,
                                               layout=W.Layout(width="340px", max_width="100%")), "psp-min-score")
        self.text_filter = classed(W.Text(placeholder="number, title, assignee\u2026", description="Show only",
                                          continuous_update=False, style=STYLE,
                                          layout=W.Layout(width="auto", max_width="100%")), "psp-text-filter")
        self.tools = row([self.order, self.min_score, self.text_filter])
        self.summary = classed(W.HTML(), "psp-summary")
        self.aside_table = classed(W.HTML(), "psp-aside-table")
        self.aside = classed(W.Accordion(children=[self.aside_table], titles=("Set aside, and why",),
                                         selected_index=None, layout=full(display="none")), "psp-aside-box")
        state.observe(self.draw_aside, names=["excluded"])
        children = [W.HTML('<div class="psp-h">Results</div>'), self.summary, self.tools,
                    *([compare] if compare is not None else []), self.cards.card_box, self.cards.cards_note,
                    self.aside,
                    W.Accordion(children=[self.score_chart.chart], titles=("Score chart",), selected_index=0,
                                layout=full()),
                    *([landscape] if landscape is not None else []),  # the Landscape tab (landscape_view)
                    *([export] if export is not None else [])]
        self.results_box = classed(W.VBox(children, layout=full(display="none")), "psp-results")
        for name in ("order", "min_score", "text_filter"):
            link((state, name), (getattr(self, name), "value"))
        self.draw()
        self.draw_aside()

    def draw_aside(self, _change: Any = None) -> None:
        """The hits the clearance or prior-art search set aside, with their reasons (closed; hidden when none)."""
        excluded = self.state.excluded
        self.aside_table.value = set_aside_html(excluded)
        self.aside.set_title(0, f"Set aside, and why ({len(excluded) if excluded is not None else 0})")
        self.aside.layout.display = "flex" if self.aside_table.value else "none"

    def draw(self, _change: Any = None) -> None:
        """Shown once there are results; the summary of what is shown."""
        df, shown = self.state.results, self.state.shown
        if df is None or shown is None:
            self.results_box.layout.display = "none"
            return
        self.results_box.layout.display = "flex"
        attrs = df.attrs
        views = searched_views(attrs)
        query = (f"{len(views)} views of one product" if len(views) > 1 else escape(attrs.get("query")))
        combined = views_in_words({**attrs, "views": views})
        self.summary.value = (
            f"Showing <b>{len(shown)}</b> of {len(df)} fetched hits "
            f"({escape(total_in_words(attrs))} in all) for {query}."
            + (f' <span class="psp-msg-hint">How: {escape(combined)}.</span>' if combined else ""))
