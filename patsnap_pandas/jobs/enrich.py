"""Enrichment: PatSnap bibliography (P011) and legal status (P041) as typed columns.

:func:`enrich` asks the client for the bibliography of the frame's distinct patent
ids (the client batches them by 100 and caches the answers, so enriching the same
hits again is free) and adds one typed column per requested field:

============================  ==================  ===========================================
column                        dtype               from P011 ``bibliographic_data``
============================  ==================  ===========================================
``assignees``                 string ``"A; B"``   ``parties.assignees[].name`` (current owners)
``applicants``                string ``"A; B"``   ``parties.applicants[].name``
``apply_date``                datetime64[ns]      ``application_reference.date``
``publication_date``          datetime64[ns]      ``publication_reference.date``
``grant_date``                datetime64[ns]      ``dates_of_public_availability.printed_with_granted``
``loc``                       string ``"A; B"``   ``classification_data.classification_loc``
``authority``                 string              ``publication_reference.country``
``simple_legal_status``       string ``"A; B"``   P041 ``simple_legal_status`` (``legal_status=True``)
============================  ==================  ===========================================

Patents PatSnap does not return (and rows without a patent id) get missing values.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._validate import check_flag, check_frame
from ..errors import InvalidInputError
from .clients import client_for

if TYPE_CHECKING:
    from ..api.client import PatsnapClient

__all__ = ["FIELDS", "LEGAL_STATUS_COLUMN", "NAME_SEPARATOR", "bibliography_record", "enrich"]

#: Enrichment column -> dtype, in the order the columns are added.
FIELDS: dict[str, str] = {
    "assignees": "string",
    "applicants": "string",
    "apply_date": "datetime64[ns]",
    "publication_date": "datetime64[ns]",
    "grant_date": "datetime64[ns]",
    "loc": "string",
    "authority": "string",
}
LEGAL_STATUS_COLUMN = "simple_legal_status"
NAME_SEPARATOR = "; "

_COMPACT_DATE = re.compile(r"^\d{8}$")


def enrich(df: pd.DataFrame, fields: str | Iterable[str] | None = None, *, legal_status: bool = False,
           client: PatsnapClient | None = None) -> pd.DataFrame:
    """Add bibliographic columns (P011) and optionally the simple legal status (P041).

    Parameters
    ----------
    df : DataFrame
        A result frame; needs a ``patent_id`` column.
    fields : str or list of str, optional
        Which of :data:`FIELDS` to add (default: all of them). Validated before any call.
    legal_status : bool, default False
        Also add ``simple_legal_status`` (P041, e.g. ``"Active"``).
    client : PatsnapClient, optional
        Default: the client that made the search (see ``clients.client_for``).

    Returns
    -------
    DataFrame
        A new frame (``df`` is not changed) with the same rows, index and ``attrs``;
        a requested column that already exists (e.g. ``authority``, or the ``loc``
        list the search returned) is replaced in place, the others are appended.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> with PatsnapClient.sandbox() as client:
    ...     hits = search_designs(samples.image("desk-lamp"), client=client, limit=3)
    ...     rich = enrich(hits, ["assignees", "grant_date"], legal_status=True)
    >>> rich[["assignees", "grant_date", "simple_legal_status"]].dtypes.astype(str).tolist()
    ['string', 'datetime64[ns]', 'string']
    """
    check_frame(df, ("patent_id",))
    wanted = _check_fields(fields)
    legal_status = check_flag(legal_status, "legal_status")
    if not wanted and not legal_status:
        raise InvalidInputError("fields=[] with legal_status=False adds nothing: name at least one of "
                                f"{', '.join(FIELDS)}, or pass legal_status=True.")

    ids = _distinct_ids(df["patent_id"])
    out = df.copy()
    out.attrs = copy.deepcopy(df.attrs)
    if not ids:
        records: dict[str, dict] = {}
        statuses: dict[str, str | None] = {}
    else:
        api = client_for(df, client)  # a batch's list of search ids works too
        records = ({item["patent_id"]: bibliography_record(item) for item in api.bibliography(ids)
                    if isinstance(item.get("patent_id"), str)} if wanted else {})
        statuses = ({item["patent_id"]: _joined(item.get("simple_legal_status")) for item in api.legal_status(ids)
                     if isinstance(item.get("patent_id"), str)} if legal_status else {})

    keys = [k.strip() if isinstance(k, str) else None for k in df["patent_id"]]
    for name in wanted:
        values = [records.get(k, {}).get(name) if isinstance(k, str) else None for k in keys]
        if name == "authority" and "authority" in df.columns:
            # keep what the frame knew (from the publication number) where PatSnap says nothing
            values = [v if v is not None else (None if pd.isna(old) else old)
                      for v, old in zip(values, df["authority"], strict=True)]
        out[name] = pd.Series(values, index=df.index, dtype=FIELDS[name])
    if legal_status:
        values = [statuses.get(k) if isinstance(k, str) else None for k in keys]
        out[LEGAL_STATUS_COLUMN] = pd.Series(values, index=df.index, dtype="string")
    return out


def bibliography_record(item: Mapping[str, Any]) -> dict[str, Any]:
    """One P011 item -> ``{field: value}`` for every field of :data:`FIELDS`.

    Names and LOC codes are joined with ``"; "`` (None when there are none);
    dates are ``pandas.Timestamp`` (None when absent or unreadable).

    Examples
    --------
    >>> bibliography_record({"patent_id": "p1", "bibliographic_data": {
    ...     "parties": {"assignees": [{"name": "ACME"}, {"name": "Beta"}]},
    ...     "application_reference": {"date": 20200131}}})["assignees"]
    'ACME; Beta'
    """
    bib = _mapping(item.get("bibliographic_data"))
    parties = _mapping(bib.get("parties"))
    publication = _mapping(bib.get("publication_reference"))
    country = publication.get("country")
    return {
        "assignees": _joined(parties.get("assignees")),
        "applicants": _joined(parties.get("applicants")),
        "apply_date": _date(_mapping(bib.get("application_reference")).get("date")),
        "publication_date": _date(publication.get("date")),
        "grant_date": _date(_mapping(bib.get("dates_of_public_availability")).get("printed_with_granted")),
        "loc": _joined(_mapping(bib.get("classification_data")).get("classification_loc")),
        "authority": country.strip().upper() if isinstance(country, str) and country.strip() else None,
    }


# --- helpers ----------------------------------------------------------------------------------


def _check_fields(fields: Any) -> list[str]:
    allowed = ", ".join(FIELDS)
    if fields is None:
        return list(FIELDS)
    items = [fields] if isinstance(fields, str) else fields
    if not isinstance(items, Iterable) or isinstance(items, (bytes, Mapping)):
        raise InvalidInputError(f"fields={fields!r} is not valid: expected a field name or a list of them. "
                                f"Allowed: {allowed}.")
    items = list(items)
    bad = [f for f in items if not isinstance(f, str) or f not in FIELDS]
    if bad:
        hint = (" For the legal status pass legal_status=True." if any(
            isinstance(f, str) and "legal" in f for f in bad) else "")
        raise InvalidInputError(f"fields={fields!r} is not valid: unknown field(s) {bad}. Allowed: {allowed}.{hint}")
    return list(dict.fromkeys(items))


def _distinct_ids(column: pd.Series) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in column if isinstance(v, str) and v.strip()))


def _mapping(value: Any) -> Mapping:
    return value if isinstance(value, Mapping) else {}


def _joined(values: Any) -> str | None:
    """Names ({"name": ...} items or plain strings) joined with "; ", or None."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, (list, tuple)):
        return None
    names = []
    for value in values:
        if isinstance(value, Mapping):
            value = value.get("name")
        if isinstance(value, str) and value.strip() and value.strip() not in names:
            names.append(value.strip())
    return NAME_SEPARATOR.join(names) or None


def _date(value: Any) -> pd.Timestamp | None:
    """PatSnap's int YYYYMMDD (or "YYYYMMDD" / ISO text) -> Timestamp; None when absent or invalid."""
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    try:
        if _COMPACT_DATE.match(text):
            day = dt.datetime.strptime(text, "%Y%m%d")
        else:
            day = dt.datetime.combine(dt.date.fromisoformat(text[:10]), dt.time())
    except ValueError:
        return None
    # 99991231 and 00010101 are "no date" markers in patent data; datetime64[ns] can't hold them anyway.
    if not pd.Timestamp.min <= day <= pd.Timestamp.max:
        return None
    return pd.Timestamp(day)
