"""Related designs collapsed: the same design registered in several offices, grouped as one family.

PatSnap's documented endpoints give no design family data (no priority claims, no family
id for designs; see docs/owners-and-families.md), so a family here is inferred from what
every hit carries. Two hits are registrations of one design when all of these hold:

- the same owner (:func:`~patsnap_pandas.frame.owners.owner_lists`: spellings folded, the
  alias table applied; a hit that names no owner is a family of its own);
- different offices (a family holds at most one registration per office);
- filed within ``days`` of each other (365 by default: the Paris Convention gives designs six
  months of priority; a year also catches a later filing made under the 12-month grace periods
  of offices such as the US, EU, JP and KR);
- near-identical images: the two thumbnails, cropped to their drawing and compared in grey at 128 x 128 px, correlate at ``similarity`` (0.99) or more. A hit without an image is a family
  of its own.

Candidate pairs are joined most similar first, as long as the joined family keeps one hit
per office and all its filings within ``days`` of each other. The label of a family is the
patent number of its first filing (the earliest applied; the smallest number on a tie), so it
stays the same from one run to the next. The function is pure: images come in as bytes (the
accessor loads them from the store's thumbnails).

Examples
--------
>>> import io, pandas as pd
>>> from PIL import Image, ImageDraw
>>> def drawing(box):
...     img = Image.new("L", (120, 120), 255); ImageDraw.Draw(img).rectangle(box, outline=0, width=3)
...     out = io.BytesIO(); img.save(out, "PNG"); return out.getvalue()
>>> df = pd.DataFrame({"patent_pn": ["CN301S", "USD9S", "EM5-0001"], "authority": ["CN", "US", "EM"],
...                    "current_assignee": ["Acme Co., Ltd.", "ACME CO LTD", "Acme Ltd"],
...                    "apdt": [20200105, 20200610, 20200301]})
>>> images = [drawing((20, 20, 100, 100)), drawing((20, 20, 100, 100)), drawing((10, 40, 110, 80))]
>>> family_ids(df, images=images).tolist()
['CN301S', 'CN301S', 'EM5-0001']
"""

from __future__ import annotations

import datetime as _dt
import io
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._validate import check_int, check_number, invalid
from . import owners, parties
from .format import format_value, is_missing

__all__ = ["DESIGNS_NOTE", "PRIORITY_DAYS", "SIMILARITY", "family_ids", "family_table", "image_similarity"]

#: Filings of one family lie within this many days of each other (six months of priority, widened to a year).
PRIORITY_DAYS = 365
#: Two thumbnails at least this similar (correlation of their cropped grey 128 x 128 px) show one design.
SIMILARITY = 0.99
_SIDE = 128
#: What a report says of its "Designs" count.
DESIGNS_NOTE = ("Designs: a design registered in several offices counts once (the same owner, a near-identical "
                "drawing, filed within a year in another office). The package infers this from the hits; "
                "PatSnap gives no design family data.")

Images = Sequence[bytes | None] | Mapping[str, bytes | None] | None


def _signature(data: bytes | None) -> np.ndarray | None:
    """The unit-length, zero-mean grey 128 x 128 px of an image cropped to its drawing (None when unreadable)."""
    if not data:
        return None
    from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            grey = ImageOps.autocontrast(ImageOps.exif_transpose(img).convert("L"))  # a lighter print: the same
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    ink = ImageOps.invert(grey).point(lambda v: 255 if v > 100 else 0)
    box = ink.getbbox()
    if box is not None:
        grey = grey.crop(box)
    sheet = int(np.argmax(grey.histogram()))  # the paper's grey: the margins added are paper too
    small = ImageOps.pad(grey, (_SIDE, _SIDE), color=sheet).filter(ImageFilter.GaussianBlur(0.8))
    vec = 255.0 - np.asarray(small, dtype=np.float64).ravel()
    vec -= vec.mean()
    norm = float(np.linalg.norm(vec))
    return vec / norm if norm > 0 else None


def image_similarity(a: bytes | None, b: bytes | None) -> float | None:
    """How alike two images are for :func:`family_ids` (1.0 the same drawing; None if either is unreadable).

    Examples
    --------
    >>> import io
    >>> from PIL import Image, ImageDraw
    >>> img = Image.new("L", (100, 100), 255); ImageDraw.Draw(img).ellipse((10, 10, 90, 90), outline=0, width=3)
    >>> png = io.BytesIO(); img.save(png, "PNG")
    >>> round(image_similarity(png.getvalue(), png.getvalue()), 3), image_similarity(png.getvalue(), b"no image")
    (1.0, None)
    """
    sa, sb = _signature(a), _signature(b)
    if sa is None or sb is None:
        return None
    return float(np.dot(sa, sb))


def _images_by_row(df: pd.DataFrame, images: Images) -> list[bytes | None]:
    allowed = "a list of image bytes (one per row, None for none), a dict patent_id -> bytes, or None"
    if images is None:
        return [None] * len(df)
    if isinstance(images, Mapping):
        ids = df["patent_id"] if "patent_id" in df.columns else pd.Series([None] * len(df))
        return [images.get(format_value(i)) if not is_missing(i) else None for i in ids]
    if isinstance(images, (str, bytes)) or not isinstance(images, Sequence):
        raise invalid("images", images, "not one image per row", allowed)
    if len(images) != len(df):
        raise invalid("images", f"{len(images)} images", f"the frame has {len(df)} rows", allowed)
    return list(images)


class _Families:
    """Union-find over hits whose families keep one hit per office and all filings within ``days``."""

    def __init__(self, offices: list[str], dates: list[_dt.date | None], days: int) -> None:
        self.parent = list(range(len(offices)))
        self.offices = [{o} for o in offices]
        self.dates = [[d] if d else [] for d in dates]
        self.days = days

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a == b or self.offices[a] & self.offices[b]:
            return
        dates = self.dates[a] + self.dates[b]
        if dates and (max(dates) - min(dates)).days > self.days:
            return
        self.parent[b] = a
        self.offices[a] |= self.offices[b]
        self.dates[a] = dates


def _candidates(owner: list[str], offices: list[str], dates: list, days: int) -> Iterator[tuple[int, int]]:
    """Pairs of hits that may be one design: the same owner, different offices, filed within ``days``."""
    for a in range(len(owner)):
        for b in range(a + 1, len(owner)):
            day_a, day_b = dates[a], dates[b]
            if (owner[a] and owner[a] == owner[b] and offices[a] != offices[b]
                    and day_a is not None and day_b is not None and abs((day_a - day_b).days) <= days):
                yield a, b


def family_ids(df: pd.DataFrame, images: Images = None, aliases: owners.Aliases = None, *,
               similarity: float = SIMILARITY, days: int = PRIORITY_DAYS) -> pd.Series:
    """A family label per hit: the patent number of the family's first filing (see the module's rules).

    Parameters
    ----------
    df : DataFrame of hits (``patent_pn`` or ``patent_id``, ``authority``, an owner field, ``apdt`` or
        ``apply_date``). Rows of one patent (a batch's several queries) share their family.
    images : one image (bytes) per row in order, or a dict ``patent_id -> bytes``; a row without an image
        is a family of its own.
    aliases : the alias table of :func:`~patsnap_pandas.frame.owners.owner_series` (dict or CSV path).
    similarity : float in 0..1, default 0.99. days : int, default 365.

    Returns
    -------
    Series of str, index of ``df``, named ``"family"`` (``""`` for rows that are not hits).

    Examples
    --------
    Without images no two hits can be shown to be one design: each is a family of its own.

    >>> df = pd.DataFrame({"patent_pn": ["CN1S", "USD2S"], "authority": ["CN", "US"],
    ...                    "current_assignee": ["Acme Ltd", "ACME LIMITED"], "apdt": [20200105, 20200610]})
    >>> family_ids(df).tolist()
    ['CN1S', 'USD2S']
    """
    similarity = check_number(similarity, "similarity", minimum=0.0, maximum=1.0)
    days = check_int(days, "days", 0, 3660)
    pictures = _images_by_row(df, images)
    lists = owners.owner_lists(df, aliases)
    rows = df.to_dict("records")
    ids = [_ident(r) for r in rows]
    first: dict[str, int] = {}  # one entry per patent: its first row
    for i, ident in enumerate(ids):
        if ident and ident not in first:
            first[ident] = i
    hits = list(first.values())
    offices = [format_value(rows[i].get("authority")).upper() for i in hits]
    dates = [parties.date_of(rows[i], "applied") for i in hits]
    owner = ["; ".join(lists.iloc[i]) for i in hits]
    sigs: dict[int, np.ndarray | None] = {}  # drawn only for hits that have a candidate (most have none)

    def signature(k: int) -> np.ndarray | None:
        if k not in sigs:
            sigs[k] = _signature(pictures[hits[k]])
        return sigs[k]

    pairs = []
    for a, b in _candidates(owner, offices, dates, days):
        sig_a, sig_b = signature(a), signature(b)
        if sig_a is not None and sig_b is not None:
            score = float(np.dot(sig_a, sig_b))
            if score >= similarity:
                pairs.append((-score, a, b))
    groups = _Families(offices, dates, days)
    for _, a, b in sorted(pairs):
        groups.join(a, b)
    members: dict[int, list[int]] = {}
    for k in range(len(hits)):
        members.setdefault(groups.find(k), []).append(k)
    label_of_hit: dict[int, str] = {}
    for group in members.values():
        head = min(group, key=lambda k: (dates[k] or _dt.date.max, ids[hits[k]]))
        for k in group:
            label_of_hit[k] = ids[hits[head]]
    by_ident = {ids[hits[k]]: label for k, label in label_of_hit.items()}
    return pd.Series([by_ident.get(i, "") if i else "" for i in ids], index=df.index, dtype=object, name="family")


def _ident(row: Mapping[str, Any]) -> str:
    for field in ("patent_pn", "patent_id"):
        value = row.get(field)
        if not is_missing(value) and format_value(value).strip():
            return format_value(value).strip()
    return ""


def family_table(df: pd.DataFrame, family: pd.Series, owner: pd.Series) -> pd.DataFrame:
    """One row per family: ``family``, ``owner``, ``offices`` and ``members`` (by filing date), ``first_filed``,
    ``hits`` (rows), ``best_score``; sorted by best score (descending), then family.

    Examples
    --------
    >>> df = pd.DataFrame({"patent_pn": ["CN1S", "USD2S", "EM3"], "authority": ["CN", "US", "EM"],
    ...                    "apdt": [20200105, 20200610, 20210101], "score": [0.8, 0.9, 0.5]})
    >>> table = family_table(df, pd.Series(["CN1S", "CN1S", "EM3"]), pd.Series(["Acme", "Acme", "Beta"]))
    >>> table[["family", "offices", "members", "best_score"]].values.tolist()
    [['CN1S', ['CN', 'US'], ['CN1S', 'USD2S'], 0.9], ['EM3', ['EM'], ['EM3'], 0.5]]
    """
    columns = ["family", "owner", "offices", "members", "first_filed", "hits", "best_score"]
    rows = df.to_dict("records")
    scores = pd.to_numeric(df["score"], errors="coerce") if "score" in df.columns else pd.Series([np.nan] * len(df))
    groups: dict[str, list[int]] = {}
    for i, label in enumerate(family):
        if label:
            groups.setdefault(label, []).append(i)
    out = []
    for label, idx in groups.items():
        filings: dict[str, tuple[_dt.date, str, str]] = {}
        for i in idx:
            ident = _ident(rows[i])
            filings.setdefault(ident, (parties.date_of(rows[i], "applied") or _dt.date.max, ident,
                                       format_value(rows[i].get("authority")).upper()))
        ordered = sorted(filings.values())
        best = scores.iloc[idx].max()
        out.append({"family": label, "owner": owner.iloc[idx[0]], "offices": list(dict.fromkeys(o for *_, o in ordered)),
                    "members": [m for _, m, _ in ordered],
                    "first_filed": ordered[0][0] if ordered[0][0] != _dt.date.max else None,
                    "hits": len(idx), "best_score": None if pd.isna(best) else float(best)})
    table = pd.DataFrame(out, columns=columns)
    if len(table):
        table = table.sort_values(["best_score", "family"], ascending=[False, True], kind="stable",
                                  na_position="last").reset_index(drop=True)
    table["hits"] = table["hits"].astype("int64")
    table["best_score"] = table["best_score"].astype("float64")
    return table
