"""Who owns a hit and when it was filed, published and granted: one decision, from every field PatSnap gives.

A hit's owner and dates come from several places: the bibliography of ``enrich()``
(``assignees``, ``apply_date``, ``publication_date``, ``grant_date``), the hit itself as
P009/P060/P061/P062 and live PatSnap send it (``current_assignee``, ``original_assignee``,
``apdt``, ``pbdt``, ``inventor``), or a prior-art table (``owner``). Reports, summaries and
the panel ask this module and no one else, so they name the same owner and date for a hit.

"The owner" is the first of :data:`OWNER_FIELDS` that holds a name: the enriched
``assignees`` (the register's current owners), else ``current_assignee``, else the
``original_assignee`` (the owner at filing, when nothing newer is known). When no field
holds one, :data:`NO_OWNER` says so in words.

Examples
--------
>>> hit = {"current_assignee": "Acme Ltd; Beta GmbH", "pbdt": 20210105, "apdt": 20200302, "inventor": "Li Wei"}
>>> owner_of(hit), date_of(hit, "published"), inventors_of(hit)
('Acme Ltd; Beta GmbH', datetime.date(2021, 1, 5), 'Li Wei')
>>> owner_names({"original_assignee": ["Xinghe", "Xinghe"]})
['Xinghe']
>>> owner_of({"title": "Lamp"}) == ""
True
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .format import format_value, is_missing

__all__ = ["DATE_FIELDS", "NO_OWNER", "NO_OWNERS_SENTENCE", "OWNER_FIELDS", "date_of", "inventors_of",
           "owner_column", "owner_names", "owner_of", "owners"]

#: The fields that may name a hit's owner, most authoritative first.
OWNER_FIELDS: tuple[str, ...] = ("assignees", "current_assignee", "assignee", "owner", "original_assignee")
#: Each date of a hit and the fields that may hold it, the enriched one first.
DATE_FIELDS: dict[str, tuple[str, ...]] = {
    "applied": ("apply_date", "apdt"),
    "published": ("publication_date", "pbdt"),
    "granted": ("grant_date", "isd"),
}
#: A hit whose owner no field names, in words.
NO_OWNER = "owner not given by PatSnap"
#: What a report says when none of its hits names an owner.
NO_OWNERS_SENTENCE = ("Owners unknown: PatSnap gave no assignee (current or original) for these hits, so the "
                      "report cannot say who owns them. Check the public record of each design.")


def _names(value: Any) -> list[str]:
    """The names of one cell: a ``"; "``-joined text or a list; empty names and repeats left out."""
    if isinstance(value, (list, tuple, set, np.ndarray)):
        parts = [format_value(v) for v in value if not is_missing(v)]
    elif is_missing(value):
        return []
    else:
        parts = str(value).split(";")
    return list(dict.fromkeys(" ".join(p.split()) for p in parts if p and p.strip()))


def owner_names(row: Mapping[str, Any]) -> list[str]:
    """The owner's names of one hit (a row as a mapping), from the first of :data:`OWNER_FIELDS` that has any.

    Examples
    --------
    >>> owner_names({"assignees": None, "current_assignee": "Acme; Beta", "original_assignee": "Gamma"})
    ['Acme', 'Beta']
    """
    for field in OWNER_FIELDS:
        names = _names(row.get(field))
        if names:
            return names
    return []


def owner_of(row: Mapping[str, Any]) -> str:
    """The owner of one hit as text (names joined by ``"; "``), or ``""`` when no field names one.

    Examples
    --------
    >>> owner_of({"owner": "Xinghe", "original_assignee": "Old Co"})
    'Xinghe'
    """
    return "; ".join(owner_names(row))


def owner_column(df: pd.DataFrame) -> pd.Series:
    """The owner of every row of ``df`` (string dtype, NA where no field names one), index kept.

    Examples
    --------
    >>> df = pd.DataFrame({"current_assignee": ["Acme", None], "original_assignee": ["Old", None]})
    >>> owner_column(df).tolist()
    ['Acme', <NA>]
    """
    present = [f for f in OWNER_FIELDS if f in df.columns]
    if not present:
        return pd.Series(pd.array([None] * len(df), dtype="string"), index=df.index)
    rows = df[present].to_dict("records")
    return pd.Series(pd.array([owner_of(r) or None for r in rows], dtype="string"), index=df.index)


def owners(df: pd.DataFrame) -> bool:
    """Whether any row of ``df`` names an owner (in any of :data:`OWNER_FIELDS`).

    Examples
    --------
    >>> owners(pd.DataFrame({"pbdt": [20210105]})), owners(pd.DataFrame({"current_assignee": ["Acme"]}))
    (False, True)
    """
    return bool(owner_column(df).notna().any())


def _as_date(value: Any) -> _dt.date | None:
    if is_missing(value) or isinstance(value, bool):
        return None
    if isinstance(value, (pd.Timestamp, _dt.datetime)):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    text = str(value).strip()
    try:
        if len(text) == 8 and text.isdigit():  # PatSnap's YYYYMMDD
            return _dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        return _dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def date_of(row: Mapping[str, Any], which: str) -> _dt.date | None:
    """The ``"applied"``, ``"published"`` or ``"granted"`` date of one hit, from the first field that has it.

    Examples
    --------
    >>> date_of({"apply_date": None, "apdt": 20200302}, "applied")
    datetime.date(2020, 3, 2)
    >>> date_of({"publication_date": pd.Timestamp("2021-01-05"), "pbdt": 20990101}, "published")
    datetime.date(2021, 1, 5)
    """
    for field in DATE_FIELDS[which]:
        found = _as_date(row.get(field))
        if found is not None:
            return found
    return None


def inventors_of(row: Mapping[str, Any]) -> str:
    """The inventors of one hit (``inventor`` or ``inventors``), joined by ``"; "``; ``""`` when none.

    Examples
    --------
    >>> inventors_of({"inventor": ["Li Wei", "Ann Smith"]})
    'Li Wei; Ann Smith'
    """
    for field in ("inventor", "inventors"):
        names = _names(row.get(field))
        if names:
            return "; ".join(names)
    return ""
