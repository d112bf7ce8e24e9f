"""SearchPanel: an interactive design search for notebooks and Voila (ipywidgets).

The panel lives in :mod:`patsnap_pandas.widgets.searchpanel`; its messages
(:mod:`.messages`), result cards and comparison view (:mod:`.cards`) and export
(:mod:`.export`) each have a module of their own. ``patsnap_pandas.SearchPanel``
and ``patsnap_pandas.widgets.SearchPanel`` are the same class.

Examples
--------
>>> from patsnap_pandas import PatsnapClient, samples, SearchPanel
>>> with PatsnapClient.sandbox() as client:
...     panel = SearchPanel(client, image=samples.image("armchair"), limit=5)
...     panel.search_button.click()
...     len(panel.results), {"relevance", "note"} <= set(panel.results.columns)
(5, True)
"""

from .._extras import require

require("ipywidgets", "The search panel (SearchPanel, panel)")  # a missing [jupyter] extra, named

from .searchpanel import SearchPanel, panel  # noqa: E402
from .state import COMMON_AUTHORITIES, RELEVANCE_CHOICES, PanelState  # noqa: E402

__all__ = ["COMMON_AUTHORITIES", "RELEVANCE_CHOICES", "PanelState", "SearchPanel", "panel"]
