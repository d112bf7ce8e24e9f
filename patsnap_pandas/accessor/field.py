"""The accessor's verbs about the field around a search: owners folded, families, the landscape, and why each hit
matched. They delegate to ``frame.owners``, ``frame.families``, ``frame.landscape``, ``frame.why`` and
``report.why``; :class:`patsnap_pandas.accessor.PatsnapAccessor` inherits them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..frame import landscape as _land  # light: no optional part (tests/test_extras.py)
from .base import AccessorBase, thumbnails_of

if TYPE_CHECKING:
    from ..frame.overlay import Overlay

__all__ = ["FieldVerbs"]

_EXAMPLE = {"patent_pn": ["A1", "B1"], "score": [0.9, 0.8], "owner": ["Acme", "Beta"], "authority": ["CN", "US"],
            "apdt": [20200101, 20210101], "loc": ["26-05", None], "query_index": [0, 1], "query": ["lamp", "chair"]}


class FieldVerbs(AccessorBase):
    """``owners``, ``families``, ``with_families``, ``why``, ``overlay``, ``timeline``, ``owner_classes``,
    ``office_years``, ``risk_matrix``, ``top_risks`` and ``landscape`` of ``df.patsnap``.

    Examples
    --------
    >>> pd.DataFrame(_EXAMPLE).patsnap.office_years().index.tolist()
    ['China', 'United States']
    """

    def owners(self, aliases: Mapping[str, str] | str | Path | None = None) -> pd.DataFrame:
        """One row per owner, spellings folded (``frame.owners``): hits, patents, families, best score, offices,
        and the names seen. ``aliases``: a dict ``{name: group}`` or a CSV file (columns ``name``, ``group``)
        joining groups, subsidiaries and Latin/CJK names. Families compare the stored thumbnails.

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient, samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("armchair"), client=client, limit=30).patsnap.enrich(["assignees"])
        >>> owners = hits.patsnap.owners()
        >>> owners.columns.tolist()
        ['hits', 'patents', 'families', 'best_score', 'offices', 'names']
        >>> int(owners["hits"].sum()) >= 30, bool((owners["families"] <= owners["patents"]).all())
        (True, True)
        >>> client.close()
        """
        from ..frame import owners

        df = self._need("owners", "patent_id")
        table = owners.alias_table(aliases)  # a bad table is refused before any thumbnail is loaded
        return owners.owner_table(df, table, family=self._family(df, table))

    def families(self, aliases: Mapping[str, str] | str | Path | None = None, *, similarity: float = 0.99,
                 days: int = 365) -> pd.DataFrame:
        """The same design registered in several offices as one row (``frame.families``): ``family`` (the number
        of its first filing), ``owner``, ``offices``, ``members`` (patent numbers by filing date), ``first_filed``,
        ``hits`` and ``best_score``. Same owner, other offices, filed within ``days``, near-identical thumbnails.

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient, samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("armchair"), client=client, limit=50).patsnap.enrich(["assignees"])
        >>> families = hits.patsnap.families()
        >>> len(families) <= len(hits), families.columns.tolist()[:4]
        (True, ['family', 'owner', 'offices', 'members'])
        >>> client.close()
        """
        from ..frame import families, owners

        df = self._need("families", "patent_id")
        table = owners.alias_table(aliases)
        ids = self._family(df, table, similarity=similarity, days=days)
        return families.family_table(df, ids, owners.owner_series(df, table))

    def with_families(self, aliases: Mapping[str, str] | str | Path | None = None, *, similarity: float = 0.99,
                      days: int = 365) -> pd.DataFrame:
        """A copy with ``canonical_owner`` and ``family`` columns (every per-office row kept); ``summary()`` and
        reports then count families and use these owners.

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient, samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("armchair"), client=client, limit=20).patsnap.enrich(["assignees"])
        >>> hits = hits.patsnap.with_families()
        >>> len(hits), hits["family"].nunique() <= 20, "families" in hits.patsnap.summary()["assignee"]
        (20, True, True)
        >>> client.close()
        """
        from ..frame import owners

        df = self._need("with_families", "patent_id")
        table = owners.alias_table(aliases)
        out = df.copy()
        out["canonical_owner"] = owners.owner_series(df, table).astype("string")
        out["family"] = self._family(df, table, similarity=similarity, days=days).astype("string")
        return out

    @staticmethod
    def _family(df: pd.DataFrame, aliases: Mapping[str, str], **options: Any) -> pd.Series:
        from ..frame import families

        return families.family_ids(df, images=thumbnails_of(df) if "image_url" in df.columns else None,
                                   aliases=aliases, **options)

    def why(self) -> pd.DataFrame:
        """Why each hit matched: the matched view, ``loc_match``, its place and gap among the scores, a sentence.

        See :func:`patsnap_pandas.frame.why.why_frame` (a batch's places are counted per product).

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient, samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("desk-lamp"), client=client, limit=10, model=1)
        >>> why = hits.patsnap.why()
        >>> int(why.loc[0, "score_place"]), bool(why.loc[0, "loc_match"]), why.loc[0, "predicted_loc"]
        (1, True, '26-05')
        >>> why.loc[0, "why"].split(";")[0]
        "In the query's predicted Locarno class 26-05"
        >>> client.close()
        """
        from ..frame.why import why_frame

        return why_frame(self._need("why", "score"))

    def overlay(self, position: int = 0, *, size: int | None = None) -> Overlay:
        """The hit at row ``position`` laid over its query, aligned by their outlines: a visual aid, not a legal test.

        Returns an :class:`patsnap_pandas.frame.overlay.Overlay`: ``.png`` (query ink blue, hit
        ink orange), ``.transform`` (scale and shift of the hit), ``.overlap`` (shared ink, 0-1).

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient, samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("desk-lamp"), client=client, limit=5)
        >>> result = hits.patsnap.overlay(0, size=240)
        >>> result.png[:4], result.caption.endswith("a visual aid, not a legal test.")
        (b'\\x89PNG', True)
        >>> client.close()
        """
        from ..report.why import overlay_of

        return overlay_of(self._need("overlay", "patent_id", "image_url"), position, size=size)

    def timeline(self, freq: str = "year", **options: Any) -> pd.DataFrame:
        """Filings per year (or ``freq="quarter"``) per owner, owners by count; ``options``: ``date``, ``top``,
        ``aliases`` (see :func:`patsnap_pandas.frame.landscape.timeline` and docs/landscape.md).

        Examples
        --------
        >>> pd.DataFrame(_EXAMPLE).patsnap.timeline().to_dict("index")
        {2020: {'Acme': 1, 'Beta': 0}, 2021: {'Acme': 0, 'Beta': 1}}
        """
        return _land.timeline(self._need("timeline", "patent_pn"), freq=freq, **options)

    def owner_classes(self, **options: Any) -> pd.DataFrame:
        """Designs per owner and Locarno class (``"26 Lighting apparatus"``), owners by count; ``top``, ``aliases``.

        Examples
        --------
        >>> pd.DataFrame(_EXAMPLE).patsnap.owner_classes().columns.tolist()
        ['26 Lighting apparatus', 'class not given']
        """
        return _land.owner_classes(self._need("owner_classes", "patent_pn"), **options)

    def office_years(self, date: str = "applied") -> pd.DataFrame:
        """Designs per office (by name) and year, offices by count, years ascending.

        Examples
        --------
        >>> pd.DataFrame(_EXAMPLE).patsnap.office_years().index.tolist()
        ['China', 'United States']
        """
        return _land.office_years(self._need("office_years", "patent_pn"), date=date)

    def risk_matrix(self, **options: Any) -> pd.DataFrame:
        """Product x owner: the best score of each owner's designs for each product; ``top``, ``aliases``.

        Examples
        --------
        >>> pd.DataFrame(_EXAMPLE).patsnap.risk_matrix().to_dict("index")
        {'lamp': {'Acme': 0.9, 'Beta': nan}, 'chair': {'Acme': nan, 'Beta': 0.8}}
        """
        return _land.risk_matrix(self._need("risk_matrix", "patent_pn", "score"), **options)

    def top_risks(self, n: int = 10, **options: Any) -> pd.DataFrame:
        """The ``n`` (product, owner) pairs with the highest best score, with the hit behind each; ``aliases``.

        Examples
        --------
        >>> pd.DataFrame(_EXAMPLE).patsnap.top_risks(1)[["product", "owner", "patent_pn"]].values.tolist()
        [['lamp', 'Acme', 'A1']]
        """
        return _land.top_risks(self._need("top_risks", "patent_pn", "score"), n, **options)

    def landscape(self, **options: Any) -> _land.Landscape:
        """The five tables, notes, timeline and heat-map PNGs; ``top``, ``freq``, ``date``, ``aliases``, ``charts``.

        Examples
        --------
        >>> land = pd.DataFrame(_EXAMPLE).patsnap.landscape()
        >>> land.risk_matrix.shape, land.timeline_png[:4], land.heatmap_png[:4]
        ((2, 2), b'\\x89PNG', b'\\x89PNG')
        """
        return _land.landscape(self._need("landscape", "patent_pn", "score"), **options)
