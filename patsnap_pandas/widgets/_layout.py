"""Small helpers the panel's views share: CSS classes, labels, message slots, rows and columns.

Every view finds its widgets' places in the page by the ``psp-*`` classes added here
(the panel's style sheet and the browser tests use them too).

Examples
--------
>>> slot = message_slot("loc")
>>> sorted(slot._dom_classes), error_html("a < b")
(['psp-msg', 'psp-msg-loc'], '<span class="psp-msg-error">a &lt; b</span>')
"""

from __future__ import annotations

from typing import Any, TypeVar

import ipywidgets as W

from .._html import escape

__all__ = ["STYLE", "classed", "column", "error_html", "full", "hint_html", "label", "message_slot", "row",
           "text_box"]

_Widget = TypeVar("_Widget", bound=W.DOMWidget)  # any widget that takes CSS classes

#: Descriptions of labelled controls take the width they need (never cut).
STYLE = {"description_width": "initial"}


def classed(widget: _Widget, css_class: str) -> _Widget:
    """``widget`` with the CSS class ``css_class`` added (the panel's styles and tests find it by it)."""
    widget.add_class(css_class)
    return widget


def label(text: str) -> W.HTML:
    """A field's label above it."""
    return classed(W.HTML(escape(text)), "psp-label")


def message_slot(name: str) -> W.HTML:
    """The place next to a field where its message goes (``psp-msg-<name>``)."""
    return classed(classed(W.HTML(""), "psp-msg"), f"psp-msg-{name}")


def hint_html(text: str) -> str:
    """A grey hint (not an error): what to do next."""
    return f'<span class="psp-msg-hint">{escape(text)}</span>'


def error_html(text: str) -> str:
    """A red message next to the field it is about."""
    return f'<span class="psp-msg-error">{escape(text)}</span>'


def full(**kw: Any) -> W.Layout:
    """The column's full width (a stretched flex item: its margins stay inside the column)."""
    return W.Layout(width="auto", max_width="100%", **kw)


def row(children: list[W.Widget], **kw: Any) -> W.Box:
    """A row that wraps onto the next line when the column is too narrow (``kw``: more or other layout values)."""
    layout = {"display": "flex", "flex_flow": "row wrap", "align_items": "center", "grid_gap": "6px 12px",
              "width": "auto", **kw}
    return W.Box(children, layout=W.Layout(**layout))


def column(children: list[W.Widget], css_class: str) -> W.VBox:
    """One column of the form (``psp-col`` or ``psp-col-wide``: side by side when wide, stacked when narrow)."""
    return classed(W.VBox(children, layout=W.Layout(min_width="0", max_width="100%")), css_class)


def text_box(placeholder: str, css_class: str, **kw: Any) -> W.Text:
    """A text box as wide as its column."""
    return classed(W.Text(placeholder=placeholder, layout=full(), **kw), css_class)
