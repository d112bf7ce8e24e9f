"""The status line: which data the panel searches, the session's billed calls, and what the last action did."""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from .._html import escape
from ..errors import CacheError
from ..frame.words import SANDBOX_BANNER, SANDBOX_SOURCE
from ..jobs.clients import data_source
from ._layout import classed
from .messages import plural
from .state import PanelState

__all__ = ["StatusLine"]


class StatusLine:
    """The ``psp-status`` line, drawn from ``client``, ``message``, ``last_error`` and ``notes`` of the state.

    Parameters
    ----------
    state : PanelState

    Attributes
    ----------
    status : ipywidgets.HTML

    Examples
    --------
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> state = PanelState(credentials_help="Set PATSNAP_API_KEY.")
    >>> line = StatusLine(state)
    >>> state.message = "Found 3 hits of 40 matching designs."
    >>> "Not connected" in line.status.value, "<b>Found 3 hits of 40 matching designs.</b>" in line.status.value
    (True, True)
    """

    def __init__(self, state: PanelState) -> None:
        self.state = state
        self.status = classed(W.HTML(), "psp-status")
        state.observe(self.draw, names=["client", "credentials_help", "message", "last_error", "notes"])
        self.draw()

    def _mode(self) -> str:
        client = self.state.client
        if client is None:
            mode = '<span class="psp-live" style="background:#eef">Not connected</span>'
            if self.state.credentials_help:
                mode += f" {escape(self.state.credentials_help)}"
            return mode
        if data_source(client) == SANDBOX_SOURCE:
            return (f'<span class="psp-banner">{escape(SANDBOX_BANNER)}</span> '
                    '<span class="psp-msg-hint">To search PatSnap, set PATSNAP_CLIENT_ID and '
                    "PATSNAP_CLIENT_SECRET (or PATSNAP_API_KEY) before starting.</span>")
        return '<span class="psp-live">Live PatSnap data</span> <span class="psp-msg-hint">searches are billed</span>'

    def _usage(self) -> str | None:
        if self.state.client is None:
            return None
        usage = self.state.client.usage
        try:
            left = usage.as_dict().get("budget_left")  # "48 of 50 calls left today" with a budget
        except CacheError:  # a damaged usage file: the next search says so, next to the search
            left = None
        return (f"This session: {plural(usage.billed_calls, 'billed API call')}, "
                f"{plural(usage.cache_hits, 'answer')} from the cache (not billed)."
                + (f' <span class="psp-budget psp-nowrap">Budget: {escape(left)}.</span>' if left else ""))

    def draw(self, _change: Any = None) -> None:
        """The whole line again (the session's counts included)."""
        state = self.state
        parts = [self._mode()]
        usage = self._usage()
        if usage is not None:
            parts.append(usage)
        if state.message:
            parts.append(f"<b>{escape(state.message)}</b>")
        if state.last_error:
            parts.append(f'<span class="psp-msg-error">{escape(state.last_error)}</span>')
        parts += [f'<span class="psp-note" style="color:#8a5a00">{escape(note)}</span>' for note in state.notes]
        self.status.value = "<div>" + "<br>".join(parts) + "</div>"
