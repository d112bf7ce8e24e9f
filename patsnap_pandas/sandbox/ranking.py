"""Filter, rank and sort the corpus for one image search (what P009 computes).

Filters go first; the designs that pass are ranked by image similarity
(``ImageIndex.match``, by the exact score; hits report it rounded to
``SCORE_DECIMALS``), the ranked list is capped at ``STORED_HITS`` and, when a
sort field is given, re-sorted by that date. Ties break on score, then patent
number, so the same query always gives the same list.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

from .params import Filters

# offset may reach 1000 and limit 100: keep enough of the ranking for the last page.
STORED_HITS = 1100
SCORE_DECIMALS = 4
_MATCH_CACHE_SIZE = 64


class RankFilters(Protocol):
    """What :meth:`SearchEngine.rank` needs of filters: ``params.Filters`` or the image endpoints' filters plus text."""

    @property
    def field(self) -> str | None: ...

    @property
    def order(self) -> str: ...

    def matches(self, design: Any) -> bool: ...


@dataclass(frozen=True)
class RankedHit:
    design_index: int
    score: float  # as reported: SCORE_DECIMALS decimals
    image_key: str
    similarity: float = 0.0  # the exact score: the ranking key (near-identical designs differ below 1e-4)


@dataclass(frozen=True)
class Ranking:
    hits: tuple[RankedHit, ...]  # at most STORED_HITS
    total: int  # designs passing the filters


def _date_key(design, field: str):
    if field == "APD":
        return design.apply_date
    if field == "PBD":
        return design.publication_date
    return design.grant_date  # ISD; None when not granted


def by_score(hits, designs) -> list[RankedHit]:
    """Best (exact) score first; ties break on patent number."""
    return sorted(hits, key=lambda h: (-h.similarity, designs[h.design_index].patent_pn))


def sort_hits(hits, designs, field: str | None, order: str) -> list[RankedHit]:
    """Similarity order (score desc), or by APD/PBD/ISD in ``order``; designs without the date last."""
    ranked = by_score(hits, designs)
    if field is None:
        return ranked if order == "desc" else ranked[::-1]
    dated = [h for h in ranked if _date_key(designs[h.design_index], field) is not None]
    undated = [h for h in ranked if _date_key(designs[h.design_index], field) is None]
    # stable sorts keep the similarity order among equal dates
    dated.sort(key=lambda h: _date_key(designs[h.design_index], field), reverse=(order == "desc"))
    return dated + undated


class SearchEngine:
    """The corpus, its image index and a small cache of query matches."""

    def __init__(self, corpus, index) -> None:
        self.corpus = corpus
        self.index = index
        self.designs = list(corpus.designs)
        self.by_id = {d.patent_id: i for i, d in enumerate(self.designs)}
        self.by_pn = {d.patent_pn.upper(): i for i, d in enumerate(self.designs)}
        # image key -> (design index, position in its image_keys)
        self.image_slots = {
            key: (i, n) for i, d in enumerate(self.designs) for n, key in enumerate(d.image_keys)
        }
        self._matches: OrderedDict[str, object] = OrderedDict()
        self._lock = threading.Lock()

    def match(self, image, cache_key: str | None = None):
        """``ImageIndex.match`` memoised by ``cache_key`` (e.g. the sha256 of the query bytes)."""
        if cache_key is not None:
            with self._lock:
                if cache_key in self._matches:
                    self._matches.move_to_end(cache_key)
                    return self._matches[cache_key]
        result = self.index.match(image)
        if cache_key is not None:
            with self._lock:
                self._matches[cache_key] = result
                while len(self._matches) > _MATCH_CACHE_SIZE:
                    self._matches.popitem(last=False)
        return result

    def rank(self, matches, filters: RankFilters) -> Ranking:
        """Apply the filters, rank by similarity, cap, then sort by date when asked."""
        hits = []
        for i, design in enumerate(self.designs):
            if filters.matches(design):
                exact = min(1.0, max(0.0, float(matches.scores[i])))
                hits.append(RankedHit(i, round(exact, SCORE_DECIMALS), matches.best_image[i], exact))
        top = by_score(hits, self.designs)[:STORED_HITS]
        return Ranking(tuple(sort_hits(top, self.designs, filters.field, filters.order)), len(hits))

    def narrow(self, ranking: Ranking, filters: Filters, *, refilter: bool, resort: bool) -> Ranking:
        """Filters sent with a results call: keep the stored hits that pass, re-sort when asked."""
        hits = list(ranking.hits)
        total = ranking.total
        if refilter:
            kept = [h for h in hits if filters.matches(self.designs[h.design_index])]
            if len(kept) != len(hits):
                hits, total = kept, len(kept)
        if resort:
            hits = sort_hits(hits, self.designs, filters.field, filters.order)
        return Ranking(tuple(hits), total)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
