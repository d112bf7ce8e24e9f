"""The filter form: the P009 filters, each field linked to its trait of the state, each message next to its field.

A value typed here goes into :class:`~patsnap_pandas.widgets.state.PanelState`, which
checks it at once (no call); the form draws ``field_errors`` back next to the fields,
and a green tick with the Locarno expression as PatSnap will read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ipywidgets as W
from traitlets import link

from .. import codes
from .._html import escape
from ..api.filters import SearchFilters
from ..codes import FILTER_LABELS
from ._layout import STYLE, classed, column, error_html, full, label, message_slot, row, text_box
from .state import COMMON_AUTHORITIES, FILTER_TRAITS, PanelState

__all__ = ["MORE_FILTER_PARAMS", "FilterForm"]

#: The filters of the "More filters" section (it opens when one of them is set or has a message).
MORE_FILTER_PARAMS = ("legal_status", "simple_legal_status", "apply_start_time", "apply_end_time",
                      "public_start_time", "public_end_time", "field", "order")
_MORE_SLOTS = ("apply", "public", "sort")


class FilterForm:
    """The filter column (``psp-col-wide``): Locarno class, authority, assignee, keyword, and More filters.

    Parameters
    ----------
    state : PanelState
        Every field is linked to its trait (:data:`~patsnap_pandas.widgets.state.FILTER_TRAITS`, ``limit``).
    params : mapping, optional
        The filters the panel was opened with (``SearchFilters.to_params()``): the More filters
        section starts open when one of its filters is among them.

    Attributes
    ----------
    loc, country, country_other, assignees, main_field, legal_status, simple_legal_status : ipywidgets widgets
    apply_start, apply_end, public_start, public_end : ipywidgets.DatePicker
    sort_field, sort_order, limit : ipywidgets widgets
    loc_msg, country_msg, apply_msg, public_msg, sort_msg : ipywidgets.HTML
        The message slots next to the fields.
    more_filters : ipywidgets.Accordion
    box : ipywidgets.VBox
        The column.

    Examples
    --------
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> state = PanelState()
    >>> form = FilterForm(state)
    >>> form.loc.value = "06-01 AMD"                   # typed: checked by the state, drawn by the form
    >>> "psp-msg-error" in form.loc_msg.value, state.loc
    (True, '06-01 AMD')
    >>> state.country = ("US", "EM")                   # set in the state: shown in the form
    >>> form.country.value
    ('US', 'EM')
    """

    def __init__(self, state: PanelState, params: Mapping[str, str] | None = None) -> None:
        self.state = state
        self._build_main()
        self._build_more()
        self.box = column([W.HTML('<div class="psp-h">Filters</div>'),
                           label(FILTER_LABELS["loc"]), self.loc, self.loc_msg,
                           label(FILTER_LABELS["country"]), self.country, self.country_other, self.country_msg,
                           label(FILTER_LABELS["assignees"]), self.assignees,
                           label(FILTER_LABELS["main_field"]), self.main_field,
                           self.more_filters], "psp-col-wide")
        for name in (*FILTER_TRAITS, "limit"):
            link((state, name), (getattr(self, name), "value"))
        if any(k in (params or {}) for k in MORE_FILTER_PARAMS):
            self.more_filters.selected_index = 0  # filters set there are visible
        state.observe(self.draw, names=["field_errors", *FILTER_TRAITS])
        self.draw()

    def _build_main(self) -> None:
        self.loc = text_box("e.g. (06-01 OR 06-02) AND NOT 06-03", "psp-loc", continuous_update=False)
        self.loc_msg = message_slot("loc")
        self.country = classed(W.SelectMultiple(
            options=[(f"{code} \u2013 {codes.AUTHORITIES[code]}", code) for code in COMMON_AUTHORITIES],
            rows=5, layout=full()), "psp-country")
        self.country_other = text_box("other codes, e.g. NZ, SG", "psp-country-other", continuous_update=False)
        self.country_msg = message_slot("country")
        self.assignees = text_box("applicant or patentee", "psp-assignees", continuous_update=False)
        self.main_field = text_box("in title, abstract, claims\u2026", "psp-keyword", continuous_update=False)

    def _build_more(self) -> None:
        self.legal_status = classed(W.SelectMultiple(
            options=[(name, code) for code, name in codes.LEGAL_STATUS.items()], rows=5, layout=full()),
            "psp-legal-status")
        self.simple_legal_status = classed(W.SelectMultiple(
            options=[(name, code) for code, name in codes.SIMPLE_LEGAL_STATUS.items()], rows=4, layout=full()),
            "psp-simple-legal-status")
        dates = {name: classed(W.DatePicker(description=word, layout=W.Layout(width="auto", max_width="100%"),
                                            style=STYLE), f"psp-{name.replace('_', '-')}")
                 for name, word in (("apply_start", "from"), ("apply_end", "to"),
                                    ("public_start", "from"), ("public_end", "to"))}
        self.apply_start, self.apply_end = dates["apply_start"], dates["apply_end"]
        self.public_start, self.public_end = dates["public_start"], dates["public_end"]
        self.apply_msg, self.public_msg = message_slot("apply"), message_slot("public")
        self.limit = classed(W.IntSlider(value=self.state.limit, min=codes.LIMIT_MIN, max=codes.LIMIT_MAX,
                                         description="Hits per Search / Load more", style=STYLE,
                                         continuous_update=False, layout=W.Layout(width="420px", max_width="100%")),
                             "psp-limit")
        self.sort_field = W.Dropdown(
            options=[("similarity score", "score")] + [(name, code) for code, name in codes.SORT_FIELDS.items()],
            value="score", description="PatSnap sorts by", style=STYLE, layout=W.Layout(width="auto", max_width="100%"))
        self.sort_order = W.Dropdown(options=[("descending", "desc"), ("ascending", "asc")], value="desc",
                                     layout=W.Layout(width="auto"))
        self.sort_msg = message_slot("sort")
        more = W.VBox([
            label("Legal status"), self.legal_status,
            label("Simple status"), self.simple_legal_status,
            label(FILTER_LABELS["apply_start_time"].replace(" from", "")), row([self.apply_start, self.apply_end]),
            self.apply_msg,
            label(FILTER_LABELS["public_start_time"].replace(" from", "")), row([self.public_start, self.public_end]),
            self.public_msg,
            row([self.sort_field, self.sort_order]), self.sort_msg,
            self.limit,
        ], layout=full())
        self.more_filters = classed(W.Accordion(children=[more], titles=("More filters: status, dates, sorting",),
                                                selected_index=None, layout=full()), "psp-more-filters")

    def draw(self, _change: Any = None) -> None:
        """Each message next to its field; the More filters section opens when it holds one."""
        errors = self.state.field_errors
        slots = {"loc": self.loc_msg, "country": self.country_msg, "apply": self.apply_msg,
                 "public": self.public_msg, "sort": self.sort_msg}
        for name, slot in slots.items():
            slot.value = error_html(errors[name]) if name in errors else ""
        loc = self.state.loc.strip()
        if loc and "loc" not in errors:
            self.loc_msg.value = (f'<span class="psp-msg-ok">&#10003; '
                                  f'<span class="psp-nowrap">{escape(SearchFilters(loc=loc).loc)}</span></span>')
        if any(k in errors for k in _MORE_SLOTS):
            self.more_filters.selected_index = 0  # never hide a message in a closed section
