"""Why it matched, in the comparison view: the sentence, and an onion skin of the query and the open hit.

The open hit's reasons (:func:`patsnap_pandas.frame.why.why_frame`: the matched view, the
predicted Locarno class, its place and gap among the scores) in one sentence, and the query and
the hit aligned by their outlines (:func:`patsnap_pandas.frame.overlay.overlay`): a slider moves
from the query alone to the hit strongest. The frames are made once per open hit
(:data:`STEPS`), so the slider only swaps pictures. Captioned as a visual aid, not a legal test.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import pandas as pd

from .._html import escape
from ..frame.overlay import CAPTION, Overlay, onion_frames, overlay
from ..frame.why import why_frame
from ..report.clearance import hit_picture
from ._layout import classed, row
from .state import PanelState

__all__ = ["OVERLAY_PX", "STEPS", "WhyView"]

#: The slider's stops: the hit's weight in the onion skin, 0 (the query alone) to 1 (the hit strongest).
STEPS: tuple[float, ...] = tuple(round(i / 10, 1) for i in range(11))
#: The onion skin's longest side in the panel.
OVERLAY_PX = 240
_HIT_PX = 512  # the hit's picture it is made from (as the comparison shows it)
_WORK_PX = 320


class WhyView:
    """The ``psp-why`` box under the comparison: the sentence, the onion skin and its slider.

    Attributes
    ----------
    sentence : ipywidgets.HTML
        "Why it matched: ..." for the open hit.
    picture : ipywidgets.Image
        The onion-skin frame at the slider's value.
    slider : ipywidgets.FloatSlider
        The hit's weight, 0 (the query alone) to 1.
    box : ipywidgets.VBox
        Hidden while no hit is open or a picture is missing.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> with PatsnapClient.sandbox() as client:
    ...     state = PanelState(client=client, limit=3)
    ...     view = WhyView(state)
    ...     state.set_image(samples.image("desk-lamp"))
    ...     state.search()
    ...     state.open_hit(0)
    ...     view.slider.value = 0.0                     # the query alone
    >>> "1st of 3" in view.sentence.value, view.picture.value == view.frames[0], len(view.frames)
    (True, True, 11)
    """

    def __init__(self, state: PanelState) -> None:
        self.state = state
        self.sentence = classed(W.HTML(), "psp-why-sentence")
        self.picture = classed(W.Image(format="png", layout=W.Layout(width=f"{OVERLAY_PX}px", max_width="100%",
                                                                     height="auto")), "psp-why-picture")
        self.slider = classed(W.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.1, readout=False,
                                            continuous_update=True, layout=W.Layout(width="160px")),
                              "psp-why-slider")
        self.caption = classed(W.HTML(f'<span class="psp-msg-hint">{escape(CAPTION)}</span>'), "psp-why-caption")
        ends = row([W.HTML("Query"), self.slider, W.HTML("Hit")], grid_gap="4px 6px")
        side = W.VBox([self.sentence, ends, self.caption], layout=W.Layout(min_width="0", flex="1 1 220px"))
        self.box = classed(W.Box([self.picture, side], layout=W.Layout(
            display="none", flex_flow="row wrap", align_items="flex-start", grid_gap="8px 16px", width="auto",
            max_width="100%", margin="8px 0 0 0")), "psp-why")
        self.frames: list[bytes] = []
        self.result: Overlay | None = None
        self._why: tuple[int, pd.DataFrame] | None = None
        self.slider.observe(self._show, names="value")
        state.observe(self.draw, names=["open_row"])

    def draw(self, _change: Any = None) -> None:
        """The open hit's sentence and onion skin; the box hidden when no hit is open."""
        df, index = self.state.results, self.state.open_row
        if df is None or index is None:
            self.box.layout.display = "none"
            return
        self.sentence.value = f"<b>Why it matched:</b> {escape(self._sentence(df, index))}"
        query, hit = self._query_picture(df, index), hit_picture(df, index, self.state.thumb(index), size=_HIT_PX)
        self.result, self.frames = None, []
        if query is not None and hit is not None:
            try:
                self.result = overlay(query, hit, work_px=_WORK_PX)
                self.frames = onion_frames(self.result, STEPS, size=OVERLAY_PX)
            except Exception:  # noqa: BLE001 - an unreadable picture: the sentence stands alone
                self.result = None
        self.picture.layout.display = "" if self.frames else "none"
        self.caption.layout.display = "" if self.frames else "none"
        self.box.layout.display = "flex"
        self._show()

    def _show(self, _change: Any = None) -> None:
        if self.frames:
            self.picture.value = self.frames[STEPS.index(round(float(self.slider.value), 1))]

    def _sentence(self, df: pd.DataFrame, index: int) -> str:
        if self._why is None or self._why[0] != id(df):
            self._why = (id(df), why_frame(df))
        return str(self._why[1].at[index, "why"])

    def _query_picture(self, df: pd.DataFrame, index: int) -> bytes | None:
        """The query view the hit matched (several views), else the query; from the panel, else the store."""
        from ..jobs.images import load_query_images

        views, matched = self.state.views, df.at[index, "matched_view"] if "matched_view" in df.columns else None
        at = int(matched) - 1 if matched is not None and not pd.isna(matched) else 0
        if 0 <= at < len(views) and views[at].thumb is not None:
            return views[at].thumb
        stored = load_query_images(df)
        return stored[at] if 0 <= at < len(stored) else None
