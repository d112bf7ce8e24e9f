"""The query column: file chooser, URL box, the preview of one image or the numbered strip of several views.

It draws ``query_url``, ``views``, ``image_error`` and the URL's message of
:class:`~patsnap_pandas.widgets.state.PanelState`; a file chosen or a URL typed goes
into the state (checked locally: no call).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
from traitlets import link

from .._html import data_uri, escape
from ..jobs.views import MAX_VIEWS
from ._layout import classed, column, error_html, hint_html, label, message_slot, text_box
from .messages import UPLOAD_ACCEPT, split_urls, url_message, urls_message
from .state import PanelState

__all__ = ["ORDER_HINT", "STRIP_PX", "QueryInput"]

#: What the strip of several views says about their order (PatSnap's smart recommendation reads view 1).
ORDER_HINT = ("The search uses all views, in this order. Order matters: the smart recommendation predicts "
              "the design class from view 1, so put the most telling view first.")
STRIP_PX = 120  # the views' thumbnails in the form's strip


def strip_views(state: PanelState) -> list[tuple[str, str]]:
    """The views of a query of several images as (label, img src), in order; [] for one image."""
    url = state.query_url.strip()
    if url:
        urls = split_urls(url)
        if len(urls) < 2 or urls_message(url, MAX_VIEWS):
            return []
        return [(u, u) for u in urls]
    views = state.views
    return [(v.name, data_uri(v.thumb)) for v in views] if len(views) >= 2 else []


class QueryInput:
    """The query image column (``psp-col``): upload, URL box, preview or strip, and their messages.

    Parameters
    ----------
    state : PanelState
        What it draws and where a chosen file or typed URL goes.

    Attributes
    ----------
    upload, url : ipywidgets.FileUpload, ipywidgets.Text
    image_msg, url_msg, preview, views_hint : ipywidgets.HTML
    views_box : ipywidgets.Box
        The numbered strip of several views, each with its Remove button.
    box : ipywidgets.VBox
        The column.

    Examples
    --------
    >>> from patsnap_pandas import samples
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> state = PanelState()
    >>> view = QueryInput(state)
    >>> state.set_image([samples.image("sneaker"), samples.image("sneaker-drawing")])
    >>> len(view.views_box.children), view.views_box.layout.display, view.preview.value
    (2, 'flex', '')
    >>> view.url.value = "ftp://example.com/a.png"      # typed in the box: into the state, checked there
    >>> state.query_url, "psp-msg-error" in view.url_msg.value
    ('ftp://example.com/a.png', True)
    """

    def __init__(self, state: PanelState) -> None:
        self.state = state
        # several files at once: several views of one product (a new choice replaces the last)
        self.upload = classed(W.FileUpload(accept=UPLOAD_ACCEPT, multiple=True, description="Choose image files",
                                           layout=W.Layout(width="auto")), "psp-upload")
        self.image_msg = message_slot("image")
        # not on every keystroke: the preview <img> would make the browser fetch each partial URL
        self.url = text_box("https://\u2026 JPG or PNG, one or more", "psp-url", continuous_update=False)
        self.url_msg = message_slot("url")
        self.preview = classed(W.HTML(), "psp-preview")
        # several views: a numbered strip of thumbnails, each removable, and what the order means
        self.views_box = classed(W.Box(layout=W.Layout(display="none", flex_flow="row wrap", grid_gap="8px",
                                                       width="auto", max_width="100%")), "psp-views")
        self.views_hint = classed(W.HTML(), "psp-views-hint")
        self._strip_key: tuple | None = None
        self.box = column([W.HTML('<div class="psp-h">Query image (or several views of one product)</div>'),
                           self.upload, self.image_msg, label("or image URL"), self.url, self.url_msg,
                           self.preview, self.views_box, self.views_hint], "psp-col")
        link((state, "query_url"), (self.url, "value"))
        self.upload.observe(self._on_upload, names="value")
        state.observe(self.draw, names=["query_url", "views", "image_error", "field_errors"])
        self.draw()

    def _on_upload(self, change: Any) -> None:
        files = change["new"]
        if files:
            self.state.choose_files([(bytes(item["content"]), item["name"]) for item in files])

    def draw(self, _change: Any = None) -> None:
        """Preview or strip, and the messages of the image and the URL."""
        state = self.state
        url_error = state.field_errors.get("url")
        self.url_msg.value = error_html(url_error) if url_error else ""
        self.image_msg.value = error_html(state.image_error) if state.image_error else ""
        strip = strip_views(state)
        self._draw_strip(strip)
        self.preview.value = "" if strip else self._preview_html()

    def _preview_html(self) -> str:
        url, state = self.state.query_url.strip(), self.state
        if url and not url_message(url):
            return (f'<img src="{escape(url)}" alt="query image" referrerpolicy="no-referrer" '
                    f'style="max-width:100%;max-height:200px;border:1px solid #ccc">')
        if state.query_thumb is not None and not url:
            return (f'<img src="{data_uri(state.query_thumb)}" alt="query image" '
                    f'style="max-width:100%;max-height:200px;border:1px solid #ccc">'
                    f'<div class="psp-msg-hint">{escape(state.query_name)}</div>')
        return ""

    def _draw_strip(self, views: list[tuple[str, str]]) -> None:
        """The numbered, removable thumbnails of several views (rebuilt only when the views change)."""
        key = tuple(views)
        if key == self._strip_key:
            return
        self._strip_key = key
        old = list(self.views_box.children)
        items = [self._strip_item(i, len(views), name, src) for i, (name, src) in enumerate(views, start=1)]
        self.views_box.children = items
        for widget in old:
            for child in widget.children:
                child.close()
            widget.close()
        self.views_box.layout.display = "flex" if items else "none"
        self.views_hint.value = hint_html(ORDER_HINT) if items else ""

    def _strip_item(self, i: int, n: int, name: str, src: str) -> W.VBox:
        picture = W.HTML(
            f'<figure class="psp-view"><img src="{escape(src)}" alt="view {i} of {n}" '
            f'referrerpolicy="no-referrer"><figcaption><b class="psp-nowrap">View {i} of {n}</b>'
            f'<span class="psp-view-name">{escape(name)}</span></figcaption></figure>')
        remove = W.Button(description="Remove", icon="times", tooltip=f"Remove view {i} from the query",
                          layout=W.Layout(width="auto"))
        remove.add_class("psp-remove-view")
        remove.on_click(lambda _b, i=i: self.state.remove_view(i))
        item = W.VBox([picture, remove], layout=W.Layout(width=f"{STRIP_PX + 16}px", align_items="center",
                                                         justify_content="space-between"))  # Remove in line
        item.add_class("psp-view-item")
        return item
