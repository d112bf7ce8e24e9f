"""Why it matched, in a report: the sentence of each hit and the overlay of each comparison card.

:func:`attach_why` gives every hit of the model its sentence (:func:`patsnap_pandas.frame.why.why_frame`,
places counted among all the search's hits, not only those the report includes);
:func:`attach_overlays` gives each comparison card the query and the hit aligned and blended
(:func:`patsnap_pandas.frame.overlay.overlay`), the query view that matched where there are
several. The writers show both beside the card, the overlay captioned as a visual aid, not a
legal test (:data:`patsnap_pandas.frame.overlay.CAPTION`); the Excel workbook has the sentence as a column.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._recent import Recent
from .._validate import check_int
from ..errors import InvalidInputError
from ..frame.format import format_value, is_missing
from ..frame.overlay import Overlay, overlay
from ..frame.why import why_frame

if TYPE_CHECKING:
    from .model import Hit, Section

__all__ = ["OVERLAY_PX", "WHY_LABEL", "attach_overlays", "attach_why", "overlay_of", "why_counted_over"]

#: The overlay's longest side in a report (shown at up to 240 px; 34 mm in print).
OVERLAY_PX = 280
#: Images are aligned at this size: enough for a card, quick for a batch of many products.
_WORK_PX = 256
#: The label of the sentence wherever a report shows it.
WHY_LABEL = "Why it matched"
#: Card overlays made lately, by the two pictures' digests: a report exported to several formats aligns each
#: pair once (about 10 ms a card; a 50-product batch has hundreds of cards).
_MADE: Recent[bytes | None] = Recent(keep=2048)


def attach_why(df: pd.DataFrame, keep: np.ndarray, hits: list[Hit]) -> None:
    """Set ``hit.why`` of the report's hits (one per kept row of ``df``, in order) from the whole frame.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> from patsnap_pandas.report import build_report
    >>> with PatsnapClient.sandbox() as client:
    ...     report = build_report(search_designs(samples.image("armchair"), client=client, limit=3))
    >>> [hit.why.split(";")[-1] for hit in report.sections[0].hits]       # build_report calls it
    [' 1st of 3.', ' 2nd of 3.', ' 3rd of 3.']
    """
    if "score" not in df.columns or not hits:
        return
    sentences = (df["why"] if "why" in df.columns else why_frame(df)["why"]).to_numpy()[np.asarray(keep, dtype=bool)]
    for hit, text in zip(hits, sentences, strict=True):
        hit.why = "" if text is None or text is pd.NA else str(text)


def why_counted_over(part: pd.DataFrame, *rest: pd.DataFrame | None) -> pd.DataFrame:
    """``part`` with a ``why`` column counted over the whole search: ``part`` and the ``rest`` of its hits.

    A job keeps some hits of a search (clearance: those in force; a watch digest: the new ones);
    a hit's place, its gap to the next hit and "the last hit fetched" are facts of the search,
    so they are counted over every hit it returned, not over the rows a report shows.

    Examples
    --------
    >>> import pandas as pd
    >>> search = pd.DataFrame({"patent_id": ["a", "b", "c"], "patent_pn": ["A", "B", "C"], "score": [0.9, 0.8, 0.5]})
    >>> why_counted_over(search.iloc[[1]], search.iloc[[0, 2]])["why"].tolist()
    ['0.30 above the next hit; 2nd of 3.']
    """
    others = [r for r in rest if r is not None and len(r) and "score" in r.columns]
    if "score" not in part.columns:
        return part
    whole = pd.concat([part.drop(columns=["why"], errors="ignore"),
                       *(r.drop(columns=["why"], errors="ignore") for r in others)], ignore_index=True)
    whole.attrs = dict(part.attrs)
    out = part.copy()
    out["why"] = why_frame(whole)["why"].to_numpy()[:len(part)]
    return out


def attach_overlays(sections: list[Section]) -> None:
    """Set ``hit.overlay`` (PNG) of each card that has both pictures: the query (its matched view) and the hit.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> from patsnap_pandas.report import build_report
    >>> with PatsnapClient.sandbox() as client:
    ...     report = build_report(search_designs(samples.image("armchair"), client=client, limit=3))
    >>> all(card.overlay[:4] == b"\\x89PNG" for card in report.sections[0].cards)   # build_report calls it
    True
    """
    for section in sections:
        for hit in section.cards:
            view, _ = section.view_of(hit)
            query = view.image if view is not None and section.multi_view else \
                (section.query_image or section.query_large)  # the card's size is enough
            if query is None or hit.image is None or hit.overlay is not None:
                continue
            hit.overlay = _card_overlay(query, hit.image)


def _card_overlay(query: bytes, hit: bytes) -> bytes | None:
    """The card's overlay PNG, None for an unreadable picture (the card stands without it); made once per pair."""
    def made() -> bytes | None:
        try:
            return overlay(query, hit, size=OVERLAY_PX, work_px=_WORK_PX).png
        except Exception:  # noqa: BLE001 - any picture Pillow cannot read or align
            return None

    return _MADE.get_or_make((hashlib.sha256(query).digest(), hashlib.sha256(hit).digest()), made)


def overlay_of(df: pd.DataFrame, position: int, *, size: int | None = None) -> Overlay:
    """The overlay of the hit at ``position`` (0-based row) with its query: a visual aid, not a legal test.

    The query is the search's image (several views: the view that matched the hit; a
    batch: the hit's product); both pictures come from the thumbnail store, not the network.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> with PatsnapClient.sandbox() as client:
    ...     hits = search_designs(samples.image("desk-lamp"), client=client, limit=3)
    ...     result = overlay_of(hits, 0, size=200)
    >>> result.png[:4], 0.0 <= result.overlap <= 1.0
    (b'\\x89PNG', True)
    """
    from ..jobs.images import load_query_image_of, load_query_images, load_row_thumbnails

    position = check_int(position, "position", 0, len(df) - 1)
    row = df.iloc[position]
    attrs, folder = df.attrs, df.attrs.get("thumbnail_dir")
    folder = folder if isinstance(folder, str) else None
    view = row.get("matched_view")
    if "query_index" in df.columns:
        label = format_value(row.get("query"))
        views = (attrs.get("query_urls_by_label") or {}).get(label) or []
        url = views[int(view) - 1] if not is_missing(view) and 0 < int(view) <= len(views) else \
            (attrs.get("query_url_by_label") or {}).get(label)
        query = load_query_image_of(url, folder, large=True)
    elif isinstance(attrs.get("views"), list) and len(attrs["views"]) > 1 and not is_missing(view):
        query = load_query_images(df)[int(view) - 1]
    else:
        query = load_query_image_of(attrs.get("query_url"), folder, large=True)
    hit = load_row_thumbnails(df.iloc[[position]])[0]
    if query is None or hit is None:
        missing = "query image" if query is None else "hit's image"
        raise InvalidInputError(f"position={position}: the {missing} is not in the thumbnail store; "
                                "search with thumbnails=True (the default) to keep it.")
    return overlay(query, hit, size=size)
