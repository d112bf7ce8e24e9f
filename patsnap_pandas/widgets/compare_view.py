"""The comparison view: the open hit beside the query (or all its views), every field, and the hit's mark.

It draws ``open_row`` (the hit, fetched at :data:`COMPARE_FETCH_PX` when its link still
works, else the card's thumbnail) and the hit's mark from ``marks``; a mark or note set
here goes into the state (no call).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import pandas as pd

from .._html import escape
from ..jobs.images import load_query_images
from ..report.clearance import comparison
from ..report.clearance import hit_picture as report_picture
from ._layout import classed, full, label, message_slot, row
from .cards import compare_html, three_way_html
from .messages import plural, searched_views
from .state import RELEVANCE_CHOICES, PanelState
from .why_view import WhyView

__all__ = ["COMPARE_FETCH_PX", "CompareView"]

COMPARE_FETCH_PX = 512  # the hit's image in the comparison view (falls back to the card thumbnail)


def hit_picture(df: pd.DataFrame, index: int, thumb: bytes | None) -> bytes | None:
    """The hit's picture at :data:`COMPARE_FETCH_PX` when its link still works, else its card thumbnail."""
    return report_picture(df, index, thumb, size=COMPARE_FETCH_PX)


class CompareView:
    """The ``psp-compare`` box: Back / Previous / Next, the pictures with the fields, and the mark.

    The open hit stands beside the query; in a prior-art search with an accused product's image,
    the query (the registered design), the accused product and the open hit (the prior art)
    stand side by side at one height (:func:`patsnap_pandas.report.comparison`).

    Parameters
    ----------
    state : PanelState

    Attributes
    ----------
    back_button, prev_button, next_button, clear_mark : ipywidgets.Button
    compare, mark_msg : ipywidgets.HTML
    relevance : ipywidgets.ToggleButtons
    note : ipywidgets.Textarea
    compare_box : ipywidgets.VBox
        Shown while a hit is open.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> with PatsnapClient.sandbox() as client:
    ...     state = PanelState(client=client, limit=3)
    ...     view = CompareView(state)
    ...     state.set_image(samples.image("armchair"))
    ...     state.search()
    ...     state.open_hit(1)                          # the state changes; the view draws it
    ...     view.relevance.value = "relevant"          # a mark set here goes into the state
    >>> view.compare_box.layout.display, "Locarno class" in view.compare.value, state.mark_of(state.open_row)
    ('flex', True, ('relevant', ''))
    """

    def __init__(self, state: PanelState) -> None:
        self.state = state
        self.back_button = classed(W.Button(description="Back to all hits", icon="arrow-left"), "psp-back")
        self.prev_button = classed(W.Button(description="Previous", icon="chevron-left"), "psp-prev")
        self.next_button = classed(W.Button(description="Next", icon="chevron-right"), "psp-next")
        self.compare = classed(W.HTML(), "psp-compare-body")
        self.relevance = classed(W.ToggleButtons(options=list(RELEVANCE_CHOICES), value=None,
                                                 style={"button_width": "auto"}, layout=W.Layout(width="auto")),
                                 "psp-relevance")
        self.clear_mark = classed(W.Button(description="Clear mark"), "psp-clear-mark")
        self.note = classed(W.Textarea(placeholder="A note for this hit (goes into the reports)", rows=2,
                                       continuous_update=False, layout=full()), "psp-note")
        self.mark_msg = message_slot("mark")
        self.why = WhyView(state)  # why it matched: the sentence and the onion skin (widgets/why_view.py)
        self.compare_box = classed(W.VBox([
            row([self.back_button, self.prev_button, self.next_button]),
            self.compare, self.why.box,
            label("Your mark"),
            row([self.relevance, self.clear_mark]),
            self.note, self.mark_msg,
        ], layout=full(display="none", border="1px solid #c8c8c8", padding="10px")), "psp-compare")
        self._syncing = False
        self._views_cache: tuple[tuple, list] | None = None
        self._wire()

    def _wire(self) -> None:
        state = self.state
        self.back_button.on_click(lambda _b: state.close_hit())
        self.prev_button.on_click(lambda _b: state.step(-1))
        self.next_button.on_click(lambda _b: state.step(+1))
        self.clear_mark.on_click(self._clear)
        self.relevance.observe(lambda change: self._mark(change["new"], None), names="value")
        self.note.observe(lambda change: self._mark(self.relevance.value, change["new"]), names="value")
        state.observe(self.draw, names=["open_row", "accused_image", "purpose", "enriched"])
        state.observe(self._draw_nav, names=["shown"])
        state.observe(self._draw_mark, names=["marks"])

    def _clear(self, _button: Any = None) -> None:
        if self.state.open_row is not None:
            self._mark(None, "")
            self._draw_mark(sync=True)

    def _mark(self, relevance: str | None, note: str | None) -> None:
        if not self._syncing and self.state.open_row is not None:
            self.state.set_mark(self.state.open_row, relevance, note)

    def draw(self, _change: Any = None) -> None:
        """The open hit beside the query, its mark, and the buttons; hidden when none is open."""
        index, df = self.state.open_row, self.state.results
        if index is None or df is None:
            self.compare_box.layout.display = "none"
            return
        self.compare.value = self._body(df, index)
        self._draw_mark(sync=True)
        self.compare_box.layout.display = "flex"
        self._draw_nav()

    def _body(self, df: pd.DataFrame, index: int) -> str:
        row_ = df.loc[index]
        hit_image = hit_picture(df, index, self.state.thumb(index))
        state = self.state
        if state.purpose == "prior_art" and state.accused_image and state.query_thumb:
            # the query is the registered design; the open hit is the prior art
            return three_way_html(row_, comparison(state.query_thumb, state.accused_image, df.loc[[index]],
                                                   prior_art_image=hit_image, accused_label=state.accused_name,
                                                   registered_label=state.query_name or "registered design"))
        views = self._searched_views(df)
        if len(views) > 1:
            matched = row_.get("matched_view")
            return compare_html(row_, None, hit_image, views=views,
                                matched_view=None if pd.isna(matched) else int(matched))
        url = self.state.query_url.strip()
        query_image: bytes | str | None = url if url else self.state.query_thumb
        query_label = url if url else (self.state.query_name or "query image")
        return compare_html(row_, query_image, hit_image, query_label=query_label)

    def _searched_views(self, df: pd.DataFrame) -> list[tuple[str, bytes | str | None]]:
        """The views the results were searched with, as (label, picture), from the thumbnail store."""
        labels = searched_views(df.attrs)
        if len(labels) < 2:
            return []
        urls = tuple(searched_views(df.attrs, "query_urls"))
        if self._views_cache is None or self._views_cache[0] != urls:
            searched = df.iloc[0:0].copy()
            searched.attrs = {**df.attrs, "query_urls": list(urls)}  # a merged frame's: one search's views
            pictures = load_query_images(searched)
            self._views_cache = (urls, [(str(name), png) for name, png in zip(labels, pictures, strict=False)])
        return self._views_cache[1]

    def _draw_nav(self, _change: Any = None) -> None:
        """Previous / Next walk the cards in their order."""
        open_row, shown = self.state.open_row, self.state.shown
        if open_row is None or shown is None:
            return
        order = list(shown.index)
        position = order.index(open_row) if open_row in order else -1
        self.prev_button.disabled = position <= 0
        self.next_button.disabled = position < 0 or position >= len(order) - 1

    def _draw_mark(self, _change: Any = None, *, sync: bool = False) -> None:
        """The open hit's mark in the controls (when it changed elsewhere) and in words under them."""
        df, index = self.state.results, self.state.open_row
        if df is None or index is None:
            self.mark_msg.value = ""
            return
        relevance, note = self.state.mark_of(index)
        if sync or (self.relevance.value, self.note.value.strip()) != (relevance, note):
            self._syncing = True
            try:
                self.relevance.value, self.note.value = relevance, note
            finally:
                self._syncing = False
        marked = sum(1 for r, _n in self.state.marks.values() if r)
        if relevance or note:
            what = f"marked <b>{escape(relevance)}</b>" if relevance else "not marked"
            with_note = " with a note" if note else ""
            who, when = self.state.mark_stamps.get(str(df.at[index, "patent_id"]), ("", ""))
            stamp = (f' by {escape(who or "an unnamed reviewer")}' if who or when else "") + (
                f', <span class="psp-nowrap">{escape(when.replace("T", " ")[:16])} UTC</span>' if when else "")
            self.mark_msg.value = (f'<span class="psp-msg-hint">{escape(df.at[index, "patent_pn"])} {what}{with_note}'
                                   f"{stamp}; {plural(marked, 'hit')} marked in all. Saved in panel.results.</span>")
        else:
            self.mark_msg.value = (f'<span class="psp-msg-hint">Not marked. {plural(marked, "hit")} '
                                   "marked in all.</span>")
