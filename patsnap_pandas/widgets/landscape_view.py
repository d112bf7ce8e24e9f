"""The panel's Landscape tab: who owns the hits shown, where and when they were filed (no call).

A closed ``Landscape`` section under the score chart; opened, it draws the timeline of
filings per year of the top owners, designs per owner and Locarno class, and designs per
year and office (:mod:`patsnap_pandas.frame.landscape`), for the hits the local tools show.
It is drawn only while open and again only when the shown hits change. Hits that name no
owner (a search's hits before owners are added) get a sentence saying how to add them.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import pandas as pd

from .._html import breakable, data_uri, escape
from ..frame import landscape, parties
from ..frame.landscape_charts import table_html, timeline_png
from ._layout import classed, full
from .state import PanelState

__all__ = ["LANDSCAPE_PX", "NO_OWNERS", "LandscapeView", "landscape_html"]

LANDSCAPE_PX = 760  # the timeline's width in pixels (shown at most as wide as the panel)
#: What the tab says while the hits name no owner.
NO_OWNERS = ("These hits name no owner yet, so there is no landscape to draw: add owners and legal status "
             "first (df.patsnap.enrich() in a notebook).")
_CSS = ("<style>.psp-land table.landscape{table-layout:fixed;width:100%;border-collapse:collapse;"
        "font-size:12px;margin:2px 0 10px}.psp-land th,.psp-land td{border:1px solid #d0d7de;"
        "padding:2px 5px;overflow-wrap:anywhere}.psp-land th.label{width:30%;text-align:left}"
        ".psp-land th.col,.psp-land .num{text-align:right}.psp-land .code,.psp-land .num"
        "{white-space:nowrap}.psp-land .zero,.psp-land .muted{color:#8c959f}"
        ".psp-land tbody th{font-weight:400;text-align:left}.psp-land img{max-width:100%;height:auto}.psp-land h4{margin:8px 0 2px}</style>")


class LandscapeView:
    """The ``psp-landscape`` accordion (closed at first) drawing the landscape of ``shown``.

    Parameters
    ----------
    state : PanelState

    Attributes
    ----------
    html : ipywidgets.HTML
    box : ipywidgets.Accordion

    Examples
    --------
    >>> import pandas as pd
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> state = PanelState()
    >>> view = LandscapeView(state)
    >>> state.results = pd.DataFrame({"patent_id": ["a", "b"], "patent_pn": ["CN1S", "US1S"], "rank": [1, 2],
    ...                               "score": [0.9, 0.8], "authority": ["CN", "US"], "apdt": [20200101, 20210101],
    ...                               "current_assignee": ["Acme Ltd", "ACME LIMITED"], "loc": ["26-05", "26-05"]})
    >>> view.html.value                                 # closed: nothing drawn
    ''
    >>> view.box.selected_index = 0                     # opened
    >>> "Designs per owner and Locarno class" in view.html.value, "Acme Ltd" in view.html.value
    (True, True)
    """

    def __init__(self, state: PanelState) -> None:
        self.state = state
        self.html = classed(W.HTML(), "psp-landscape")
        self.box = classed(W.Accordion(children=[self.html], titles=("Landscape: owners, classes, offices, years",),
                                       selected_index=None, layout=full()), "psp-landscape-box")
        self._drawn: tuple[Any, ...] | None = None
        state.observe(self.draw, names=["shown"])
        self.box.observe(self.draw, names=["selected_index"])

    def draw(self, _change: Any = None) -> None:
        """Draw the landscape of ``shown`` when the tab is open and the shown hits changed."""
        shown = self.state.shown
        if self.box.selected_index is None or shown is None:
            return
        key = (tuple(shown["patent_pn"].astype(str)), len(shown.columns))
        if key != self._drawn:
            self.html.value = f'{_CSS}<div class="psp-land">{landscape_html(shown)}</div>'
            self._drawn = key


def landscape_html(shown: pd.DataFrame) -> str:
    """The tab's markup for ``shown``: a sentence when no hit names an owner, else the chart and two tables.

    Examples
    --------
    >>> landscape_html(pd.DataFrame({"patent_id": ["a"], "patent_pn": ["CN1S"], "score": [0.9]})) == (
    ...     f'<p class="muted">{NO_OWNERS}</p>')
    True
    """
    hits = shown[shown["patent_id"].notna()] if "patent_id" in shown.columns else shown
    if hits.empty or not parties.owners(hits):
        return f'<p class="muted">{escape(NO_OWNERS)}</p>'
    timeline = landscape.timeline(hits, top=8)
    parts = [f'<p class="muted">{breakable(note)}</p>' for note in timeline.attrs.get("notes", [])]
    if not timeline.empty:
        png = timeline_png(timeline, width_px=LANDSCAPE_PX)
        parts.append(f'<img src="{data_uri(png)}" alt="filings per year of the top owners">')
    years = landscape.office_years(hits).T
    years.index.name, years.columns.name = "Year", "office"
    parts.append("<h4>Designs per owner and Locarno class</h4>"
                 + table_html(landscape.owner_classes(hits, top=15), max_columns=6))
    parts.append("<h4>Designs per year and office</h4>" + table_html(years, max_columns=6))
    return "".join(parts)
