"""The export section: format, which hits, the folder, and the button that writes the report (no API call).

Its fields are linked to ``export_format``, ``export_include`` and ``export_folder`` of the
state; the button runs :meth:`PanelState.export`, and the download link of the last
report (``export_html``) or the reason the button is disabled is shown under it.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
from traitlets import link

from ._layout import STYLE, classed, full, hint_html, label, row
from .export import EXPORT_FORMATS
from .state import PanelState

__all__ = ["ExportView"]

_HINT = '<span class="psp-msg-hint">'


class ExportView:
    """The ``psp-export-box``: format, hits, folder, *Export report*, and the download link.

    Parameters
    ----------
    state : PanelState

    Attributes
    ----------
    export_format, export_include : ipywidgets.Dropdown
    export_folder : ipywidgets.Textarea
        *Save in folder* (a text area: a long path wraps instead of hiding its end).
    export_button : ipywidgets.Button
    export_msg : ipywidgets.HTML
        The download link and saved path of the last report, or why there is nothing to export.
    box : ipywidgets.VBox

    Examples
    --------
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> state = PanelState()
    >>> view = ExportView(state)
    >>> view.export_button.disabled, view.export_button.tooltip
    (True, 'Nothing to export yet: search first.')
    >>> view.export_format.value = "xlsx"
    >>> state.export_format
    'xlsx'
    """

    def __init__(self, state: PanelState) -> None:
        self.state = state
        self.export_format = classed(W.Dropdown(options=[(word, fmt) for fmt, (_s, word) in EXPORT_FORMATS.items()],
                                                value="html", description="Format", style=STYLE,
                                                layout=W.Layout(width="auto")), "psp-export-format")
        self.export_include = classed(W.Dropdown(options=[("all shown hits", "all"), ("marked hits", "marked"),
                                                          ("relevant hits", "relevant")],
                                                 value="all", description="Hits", style=STYLE,
                                                 layout=W.Layout(width="auto")), "psp-export-include")
        self.export_folder = classed(W.Textarea(rows=2, continuous_update=False, layout=full()), "psp-export-folder")
        self.export_button = classed(W.Button(description="Export report", icon="download",
                                              tooltip="Write a report of the hits and offer it as a download (no API call)"),
                                     "psp-export")
        self.export_msg = classed(W.HTML(), "psp-export-msg")
        self.box = classed(W.VBox([
            W.HTML('<div class="psp-h">Export a report</div>'),
            row([self.export_format, self.export_include, self.export_button]),
            label("Save in folder (on the computer running Python)"), self.export_folder,
            self.export_msg,
        ], layout=full(margin="12px 0 0 0")), "psp-export-box")
        for name in ("export_format", "export_include", "export_folder"):
            link((state, name), (getattr(self, name), "value"))
        self.export_button.on_click(lambda _b: state.export())
        state.observe(self._draw_link, names=["export_html"])
        state.observe(self.draw, names=["busy", "results", "shown", "export_include"])
        self.draw()

    def _draw_link(self, _change: Any = None) -> None:
        self.export_msg.value = self.state.export_html

    def draw(self, _change: Any = None) -> None:
        """Enabled when there is something to export; otherwise the reason, as the tooltip and under it."""
        state = self.state
        blocker = state.export_blocker()
        self.export_button.disabled = state.busy or blocker is not None
        self.export_button.tooltip = blocker or "Write the report and offer it as a download (no API call)"
        if blocker and state.results is not None:
            self.export_msg.value = hint_html(blocker)
        elif self.export_msg.value.startswith(_HINT):
            self.export_msg.value = ""
