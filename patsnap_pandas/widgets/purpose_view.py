"""The purpose row: Explore / Clearance / Prior art, the markets and date each needs, and the purpose in words.

Each control is linked to its trait of :class:`~patsnap_pandas.widgets.purpose.PurposeTraits`
(part of the panel's state); the state checks them (``job_errors``) and the view draws the
messages next to the controls and one sentence saying what Search will look for.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
from traitlets import link

from .. import codes
from .._html import data_uri, escape
from ._layout import STYLE, classed, error_html, hint_html, label, message_slot, row
from .messages import UPLOAD_ACCEPT
from .purpose import PURPOSES
from .state import COMMON_AUTHORITIES, PanelState, preview_of

__all__ = ["PurposeView"]


class PurposeView:
    """The ``psp-purpose`` box: the purpose choice, markets and date (clearance), cutoff and accused product (prior art).

    Parameters
    ----------
    state : PanelState

    Attributes
    ----------
    purpose : ipywidgets.ToggleButtons
    markets : ipywidgets.SelectMultiple
    in_force_on, published_before : ipywidgets.DatePicker
    accused_upload : ipywidgets.FileUpload
    words, markets_msg, date_msg, accused_preview : ipywidgets.HTML
    clearance_box, prior_art_box, box : ipywidgets.Box

    Examples
    --------
    >>> import datetime as dt
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> state = PanelState()
    >>> view = PurposeView(state)
    >>> view.purpose.value = "prior_art"                 # chosen here: into the state
    >>> view.prior_art_box.layout.display, "psp-msg-error" in view.date_msg.value
    ('flex', True)
    >>> state.published_before = dt.date(2019, 6, 1)     # set in the state: drawn here
    >>> view.published_before.value, "published before 2019-06-01" in view.words.value
    (datetime.date(2019, 6, 1), True)
    """

    def __init__(self, state: PanelState) -> None:
        self.state = state
        self.purpose = classed(W.ToggleButtons(options=[(word, key) for key, word in PURPOSES.items()],
                                               value=state.purpose, style={"button_width": "auto"},
                                               tooltips=["Every design that looks alike, any status",
                                                         "Designs in force in your markets on a date",
                                                         "Designs and utility models published before a date"],
                                               layout=W.Layout(width="auto")), "psp-purpose-choice")
        self.words = classed(W.HTML(), "psp-purpose-words")
        self.markets = classed(W.SelectMultiple(
            options=[(f"{code} \u2013 {codes.AUTHORITIES[code]}", code) for code in COMMON_AUTHORITIES],
            rows=5, layout=W.Layout(width="auto", max_width="100%")), "psp-markets")
        self.markets_msg = message_slot("markets")
        self.in_force_on = classed(W.DatePicker(description="In force on", style=STYLE,
                                                layout=W.Layout(width="auto", max_width="100%")), "psp-in-force-on")
        self.published_before = classed(W.DatePicker(description="Published before", style=STYLE,
                                                     layout=W.Layout(width="auto", max_width="100%")),
                                        "psp-published-before")
        self.date_msg = message_slot("date")
        self.accused_upload = classed(W.FileUpload(accept=UPLOAD_ACCEPT, multiple=False,
                                                   description="Accused product image", layout=W.Layout(width="auto")),
                                      "psp-accused-upload")
        self.accused_preview = classed(W.HTML(), "psp-accused-preview")
        markets = W.VBox([label("Markets (where the product will be sold)"), self.markets, self.markets_msg],
                         layout=W.Layout(width="420px", max_width="100%", min_width="0"))
        self.clearance_box = row([markets, self.in_force_on], display="none", align_items="flex-start")
        accused = W.VBox([label("Accused product (optional: for the three-way comparison)"),
                          row([self.accused_upload, self.accused_preview])],
                         layout=W.Layout(width="auto", max_width="100%", min_width="0"))
        self.prior_art_box = row([self.published_before, accused], display="none", align_items="flex-start")
        self.box = classed(W.VBox([W.HTML('<div class="psp-h">What is this search for?</div>'),
                                   self.purpose, self.words, self.clearance_box, self.prior_art_box, self.date_msg],
                                  layout=W.Layout(width="auto", max_width="min(1200px, 100%)")), "psp-purpose")
        for name in ("purpose", "markets", "in_force_on", "published_before"):
            link((state, name), (getattr(self, name), "value"))
        self.accused_upload.observe(self._on_upload, names="value")
        state.observe(self.draw, names=["purpose", "job_errors", "markets", "in_force_on", "published_before",
                                        "accused_image"])
        self.draw()

    def _on_upload(self, change: Any) -> None:
        files = change["new"]
        if files:
            item = files[0]
            self.state.set_accused(bytes(item["content"]), item["name"])

    def draw(self, _change: Any = None) -> None:
        """The controls of the purpose, its messages and the sentence saying what Search will look for."""
        state = self.state
        self.clearance_box.layout.display = "flex" if state.purpose == "clearance" else "none"
        self.prior_art_box.layout.display = "flex" if state.purpose == "prior_art" else "none"
        errors = state.job_errors
        self.markets_msg.value = error_html(errors["markets"]) if "markets" in errors else ""
        self.date_msg.value = error_html(errors["date"]) if "date" in errors else ""
        self.words.value = "" if errors else hint_html(state.purpose_in_words())
        preview = preview_of(state.accused_image, state.accused_name) if state.accused_image else None
        self.accused_preview.value = (
            f'<img src="{data_uri(preview)}" alt="accused product" style="max-height:80px;border:1px solid #ccc">'
            f' <span class="psp-msg-hint">{escape(state.accused_name)}</span>' if preview else
            (error_html("This file is not an image the panel can read.") if state.accused_image else ""))
