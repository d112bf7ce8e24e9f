"""The *Add owners and legal status* button and, beside it, the billed calls it will make (0 when cached)."""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from ._layout import classed, hint_html, row
from .enrich import offer_words, to_look_up
from .state import PanelState

__all__ = ["EnrichView"]


class EnrichView:
    """The ``psp-enrich-box`` row: the button runs :meth:`PanelState.add_owners`; the hint says its cost first.

    Hidden until a search filled ``results``; the button is disabled while a call runs and once
    every shown hit has its owners and legal status.

    Parameters
    ----------
    state : PanelState

    Attributes
    ----------
    button : ipywidgets.Button
    offer : ipywidgets.HTML
        What the button will fetch and how many billed calls that makes (:func:`.enrich.offer_words`).
    box : ipywidgets.Box

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> with PatsnapClient.sandbox() as client:
    ...     state = PanelState(client=client, limit=3)
    ...     view = EnrichView(state)
    ...     state.set_image(samples.image("armchair"))
    ...     state.search()
    ...     offer = view.offer.value
    ...     view.button.click()
    >>> "2 billed calls" in offer, view.button.disabled, "in force" in state.message or "lapsed" in state.message
    (True, True, True)
    """

    def __init__(self, state: PanelState) -> None:
        self.state = state
        self.button = classed(W.Button(description="Add owners and legal status", icon="id-card",
                                       tooltip="Look up the owners and legal status of the shown hits "
                                               "(billed API calls, said beside the button; cached)"), "psp-enrich")
        self.offer = classed(W.HTML(), "psp-enrich-offer")
        self.box = classed(row([self.button, self.offer], margin="0 0 8px 0", display="none"), "psp-enrich-box")
        self.button.on_click(lambda _b: state.add_owners())
        state.observe(self.draw, names=["busy", "shown", "enriched", "client"])
        self.draw()

    def draw(self, _change: Any = None) -> None:
        """Shown with results; the offer in words (no call: the cache is asked, not PatSnap)."""
        state = self.state
        if state.shown is None:
            self.box.layout.display = "none"
            return
        self.box.layout.display = "flex"
        self.button.disabled = state.busy or not to_look_up(state)
        if not state.busy:
            self.offer.value = hint_html(offer_words(state))
