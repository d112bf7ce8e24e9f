"""The result cards: one per shown hit (at most :data:`MAX_CARDS`), each with its *Compare with query* button.

A card is made once per hit of a search and kept (Load more and the local tools only
add, hide or reorder cards); a mark redraws the card of its hit.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from ._layout import classed
from .cards import card_html
from .state import PanelState

__all__ = ["MAX_CARDS", "CardGrid"]

MAX_CARDS = 200  # cards drawn at once; the local filters narrow the rest


class CardGrid:
    """The ``psp-cards`` box and the note under it, drawn from ``shown``, ``marks`` and ``open_row``.

    Parameters
    ----------
    state : PanelState

    Attributes
    ----------
    card_box : ipywidgets.Box
        The cards (hidden while a hit is open in the comparison view).
    cards_note : ipywidgets.HTML
        Why no card or not every card is shown.

    Examples
    --------
    >>> import pandas as pd
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> state = PanelState()
    >>> grid = CardGrid(state)
    >>> state.results = pd.DataFrame({"patent_id": ["a", "b"], "patent_pn": ["US1", "US2"], "rank": [1, 2],
    ...                               "score": [0.9, 0.8], "relevance": [None, None], "note": [None, None]})
    >>> len(grid.card_box.children)
    2
    >>> state.set_mark(1, "relevant", "")
    >>> "psp-mark-relevant" in grid.card_box.children[1].children[0].value
    True
    """

    def __init__(self, state: PanelState) -> None:
        self.state = state
        self.card_box = classed(W.Box(layout=W.Layout(display="flex", flex_flow="row wrap", grid_gap="12px",
                                                      width="auto", align_items="stretch")), "psp-cards")
        self.cards_note = classed(W.HTML(), "psp-cards-note")
        self._cards: dict[str, W.VBox] = {}
        self._search_count = state.search_count
        state.observe(self.draw, names=["shown"])
        state.observe(self._draw_marks, names=["marks", "enriched"])
        state.observe(self._draw_open, names=["open_row"])
        self.draw()

    @property
    def cards(self) -> list[W.VBox]:
        """Every card made for the current search (shown or not)."""
        return list(self._cards.values())

    def draw(self, _change: Any = None) -> None:
        """One card per shown hit, in the order of ``shown``; the note under them."""
        shown = self.state.shown
        if shown is None:
            return
        if self._search_count != self.state.search_count:  # a new search: new cards
            self._cards, self._search_count = {}, self.state.search_count
        self.card_box.children = [self._card(int(index)) for index in list(shown.index)[:MAX_CARDS]]
        if not len(shown):
            self.cards_note.value = ('<span class="psp-msg-hint">No hits to show: lower the minimum score or clear '
                                     "the text filter.</span>")
        elif len(shown) > MAX_CARDS:
            self.cards_note.value = (f'<span class="psp-msg-hint">The first {MAX_CARDS} of {len(shown)} shown hits '
                                     "have cards; raise the minimum score or use the text filter to see others.</span>")
        else:
            self.cards_note.value = ""

    def _card(self, index: int) -> W.VBox:
        df = self.state.results
        assert df is not None
        pid = str(df.at[index, "patent_id"])
        card = self._cards.get(pid)
        if card is None:
            button = W.Button(description="Compare with query", layout=W.Layout(width="auto"))
            button.add_class("psp-open")
            button.on_click(lambda _b, pid=pid: self.state.open_patent(pid))
            card = W.VBox([W.HTML(card_html(df.loc[index], self.state.thumb(index))), button],
                          layout=W.Layout(width="200px"))
            card.add_class("psp-card")
            self._cards[pid] = card
        return card

    def _draw_marks(self, change: Any) -> None:
        """The cards of the hits whose mark changed, or whose owners and legal status were looked up."""
        df = self.state.results
        if df is None:
            return
        if change["name"] == "enriched":  # owners and legal status looked up: those hits' cards
            changed = set(change["new"]) - set(change["old"] if isinstance(change["old"], list) else ())
        else:
            old, new = (value if isinstance(value, dict) else {} for value in (change["old"], change["new"]))
            changed = {pid for pid in {*old, *new} if old.get(pid) != new.get(pid)}
        ids = df["patent_id"].astype("string")
        for pid in changed & set(self._cards):
            rows = df.index[(ids == pid).to_numpy()]
            if len(rows):
                index = int(rows[0])
                self._cards[pid].children[0].value = card_html(df.loc[index], self.state.thumb(index))

    def _draw_open(self, _change: Any = None) -> None:
        self.card_box.layout.display = "none" if self.state.open_row is not None else "flex"
