"""The score chart of the shown hits (:func:`charts.score_chart_png`), drawn again only when they change."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import pandas as pd

from .._html import data_uri
from ..frame import charts
from ._layout import classed
from .state import PanelState

__all__ = ["CHART_BARS", "CHART_PX", "ScoreChart"]

CHART_BARS = 30
CHART_PX = 760  # the chart's width in pixels (shown at most as wide as the panel)


class ScoreChart:
    """The ``psp-chart`` image of the top :data:`CHART_BARS` scores of ``shown``.

    Parameters
    ----------
    state : PanelState

    Attributes
    ----------
    chart : ipywidgets.HTML

    Examples
    --------
    >>> import pandas as pd
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> state = PanelState()
    >>> chart = ScoreChart(state)
    >>> state.results = pd.DataFrame({"patent_id": ["a", "b"], "patent_pn": ["US1", "US2"], "rank": [1, 2],
    ...                               "score": [0.9, 0.8]})
    >>> 'alt="Top 2 similarity scores"' in chart.chart.value
    True
    >>> state.min_score = 0.95
    >>> chart.chart.value
    ''
    """

    def __init__(self, state: PanelState) -> None:
        self.state = state
        self.chart = classed(W.HTML(), "psp-chart")
        self._cache: tuple[Any, str] | None = None
        state.observe(self.draw, names=["shown"])
        self.draw()

    def draw(self, _change: Any = None) -> None:
        shown = self.state.shown
        if shown is not None:
            self.chart.value = self._chart_html(shown)

    def _chart_html(self, shown: pd.DataFrame) -> str:
        scores = pd.to_numeric(shown["score"], errors="coerce")
        if not scores.notna().any():
            return ""
        key = (tuple(shown["patent_id"].astype(str)), tuple(scores.fillna(-1.0)))
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        bars = min(CHART_BARS, int(scores.notna().sum()))
        png = charts.score_chart_png(shown, n=bars, width_px=CHART_PX)
        markup = (f'<img class="psp-chart-img" src="{data_uri(png)}" '
                  f'alt="Top {bars} similarity scores" title="Top {bars} similarity scores">')
        self._cache = (key, markup)
        return markup
