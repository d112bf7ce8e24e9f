"""The two buttons that call the API, Search and Load more, and the hint that says why Search is disabled."""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from ..api.filters import MAX_RESULTS_CAP
from ._layout import classed, hint_html, row
from .state import PanelState

__all__ = ["ActionBar"]


class ActionBar:
    """The row under the form: *Search*, *Load more* and the hint; the buttons run the state's actions.

    Parameters
    ----------
    state : PanelState

    Attributes
    ----------
    search_button, more_button : ipywidgets.Button
    hint : ipywidgets.HTML
    box : ipywidgets.Box

    Examples
    --------
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> state = PanelState()
    >>> bar = ActionBar(state)
    >>> bar.search_button.disabled, bar.hint.value
    (True, '<span class="psp-msg-hint">Choose an image file or paste an image URL to search.</span>')
    >>> state.query_url = "https://example.com/chair.png"
    >>> bar.search_button.disabled, bar.hint.value, bar.more_button.layout.display
    (False, '', 'none')
    """

    def __init__(self, state: PanelState) -> None:
        self.state = state
        self.search_button = classed(W.Button(description="Search", button_style="primary", icon="search",
                                              tooltip="Search designs like the image (billed API calls)"), "psp-search")
        self.more_button = classed(W.Button(description="Load more", tooltip="The next hits of the same search"),
                                   "psp-more")
        self.hint = classed(W.HTML(), "psp-hint")
        self.box = row([self.search_button, self.more_button, self.hint], margin="8px 0")
        self.search_button.on_click(lambda _b: state.search())
        self.more_button.on_click(lambda _b: state.load_more())
        state.observe(self.draw, names=["busy", "results", "field_errors", "image_error", "query_url", "views",
                                        "job_errors"])
        self.draw()

    def draw(self, _change: Any = None) -> None:
        """Enable what can run now; say why Search cannot."""
        state = self.state
        busy, df = state.busy, state.results
        blocker = state.search_blocker()
        self.search_button.disabled = busy or blocker is not None
        self.search_button.description = "Searching\u2026" if busy else "Search"
        offset = 0 if df is None else len(df)
        total = None if df is None else df.attrs.get("total")
        exhausted = isinstance(total, int) and offset >= total
        # a search of several views has no search id to continue: its hits come at once; so do a job's
        several = df is not None and (len(df.attrs.get("views") or ()) > 1 or state.excluded is not None)
        self.more_button.disabled = busy or df is None or exhausted or offset >= MAX_RESULTS_CAP or several
        self.more_button.layout.display = "none" if df is None or several else ""
        self.hint.value = hint_html(blocker) if blocker else ""
