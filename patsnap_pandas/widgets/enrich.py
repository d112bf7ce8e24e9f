"""Owners and legal status for the shown hits: the billed calls said first, the look-up, and what it found.

The panel's *Add owners and legal status* button runs :func:`enrich` through
:func:`.actions.run`: the bibliography (P011: owners, dates, office) and the simple legal
status (P041) of the shown hits not looked up yet, by :func:`patsnap_pandas.jobs.enrich.enrich`
(cached: the same hits again cost nothing), and whether each is in force by the office's
term rule (:func:`patsnap_pandas.frame.legal.simple_status_frame`). Before the click,
:func:`offer_words` says how many billed calls it will make (``client.estimate_lookup``,
0 when cached); after it, the status line says what was fetched. The columns go into
``results``, so the cards, the comparison and every export carry them.

Examples
--------
>>> from patsnap_pandas import PatsnapClient, samples
>>> from patsnap_pandas.widgets.state import PanelState
>>> with PatsnapClient.sandbox() as client:
...     state = PanelState(client=client, limit=3)
...     state.set_image(samples.image("armchair"))
...     state.search()
...     before = offer_words(state)
...     state.add_owners()                       # billed: 2 calls, said before
...     after = offer_words(state)
>>> print(before)
Owners and legal status of the 3 shown hits: 2 billed calls (1 P011 bibliography batch, 1 P041 legal-status batch).
>>> print(after)
Owners and legal status are shown for every hit.
>>> state.message.startswith("Added owners and legal status to 3 hits (2 billed calls)")
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..api.models import Estimate
from ..frame.legal import simple_status_frame
from ..frame.parties import owner_column
from ..jobs.enrich import LEGAL_STATUS_COLUMN
from ..jobs.enrich import enrich as enrich_frame
from .messages import plural

if TYPE_CHECKING:
    from .state import PanelState

__all__ = ["ENDPOINTS", "FIELDS", "enrich", "estimate", "offer_words", "to_look_up"]

#: The bibliography fields the button adds (all come with one P011 call).
FIELDS: tuple[str, ...] = ("assignees", "applicants", "apply_date", "publication_date", "grant_date", "authority")
#: The endpoints it asks, as ``client.estimate_lookup`` names them.
ENDPOINTS: tuple[str, ...] = ("bibliography", "legal_status")


def to_look_up(state: PanelState) -> list[str]:
    """The patent ids of the shown hits not looked up yet, in card order, each once.

    Looked up: by the button since the search (``state.enriched``), or by the search's job (a clearance
    gives each hit's owners and ``in_force`` from P012/P013 already).

    Examples
    --------
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> state = PanelState()
    >>> state.results = pd.DataFrame({"patent_id": ["a", "b", "a", "c"], "rank": [1, 2, 3, 4],
    ...                               "score": [0.9, 0.8, 0.7, 0.6], "in_force": [None, None, None, "lapsed"]})
    >>> state.enriched = ["b"]
    >>> to_look_up(state)                    # b: looked up by the button; c: its in force came with the search
    ['a']
    """
    shown = state.shown
    if shown is None or "patent_id" not in shown.columns:
        return []
    done = set(state.enriched)
    known = shown["in_force"].notna().to_numpy() if "in_force" in shown.columns else [False] * len(shown)
    ids = (v.strip() for v, k in zip(shown["patent_id"], known, strict=True) if isinstance(v, str) and v.strip()
           and not k)
    return [pid for pid in dict.fromkeys(ids) if pid not in done]


def estimate(state: PanelState) -> Estimate | None:
    """The billed calls the button would make now (0 for what the cache holds); None without a client. No call.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> with PatsnapClient.sandbox() as client:
    ...     state = PanelState(client=client, limit=3)
    ...     state.set_image(samples.image("armchair"))
    ...     state.search()
    ...     calls = client.usage.billed_calls
    ...     print(estimate(state), client.usage.billed_calls == calls)
    2 billed calls: 1 P011 bibliography batch, 1 P041 legal-status batch True
    """
    ids = to_look_up(state)
    if state.client is None:
        return None
    return state.client.estimate_lookup(ids, ENDPOINTS) if ids else Estimate({})


def offer_words(state: PanelState) -> str:
    """What the button will do and what it costs, in a sentence ("" before a search). No call.

    Examples
    --------
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> offer_words(PanelState())
    ''
    """
    if state.shown is None or not len(state.shown):
        return ""
    ids = to_look_up(state)
    if not ids:
        return "Owners and legal status are shown for every hit."
    found = estimate(state)
    hits = f"the {plural(len(ids), 'shown hit')}" if len(ids) == len(state.shown) else \
        f"{plural(len(ids), 'shown hit')} not looked up yet"
    if found is None:
        return f"Owners and legal status of {hits}: billed calls to PatSnap once connected."
    if not found.total:
        return f"Owners and legal status of {hits}: no billed call (PatSnap's answers are in the cache)."
    calls, _, parts = str(found).partition(": ")
    return f"Owners and legal status of {hits}: {calls} ({parts})."


def enrich(state: PanelState) -> dict[str, Any]:
    """Look up the owners and legal status of the shown hits not looked up yet (billed, cached), into ``results``.

    A value the search or a job already gave (a clearance's in force, the search's office) is kept;
    the look-up fills what is missing. It decides and changes nothing: :func:`.actions.run` applies
    what it returns.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> with PatsnapClient.sandbox() as client:
    ...     state = PanelState(client=client, limit=3)
    ...     state.set_image(samples.image("armchair"))
    ...     state.search()
    ...     changes = enrich(state)                  # billed (2 calls); the state is not changed yet
    >>> sorted(changes), changes["results"][["assignees", "in_force"]].notna().all().tolist()
    (['enriched', 'message', 'results'], [True, True])
    """
    df = state.results
    ids = to_look_up(state)
    if df is None or not ids:
        return {"message": "Owners and legal status are already shown for every hit."}
    client = state.client or state.find_client()
    rows = df[df["patent_id"].isin(ids).to_numpy()]
    billed = client.usage.billed_calls if client is not None else 0
    looked = enrich_frame(rows, list(FIELDS), legal_status=True, client=client)
    billed = (client.usage.billed_calls if client is not None else 0) - billed
    legal = simple_status_frame(looked, state.clock().date()).drop(columns=[LEGAL_STATUS_COLUMN])
    looked = pd.concat([looked[[*FIELDS, LEGAL_STATUS_COLUMN]], legal], axis=1)
    out = df.copy()
    out.attrs = df.attrs
    for column in looked.columns:
        if column not in out.columns:
            out[column] = pd.Series(pd.NA, index=out.index, dtype=looked[column].dtype)
        missing = out.loc[looked.index, column].isna()
        out.loc[missing.index[missing.to_numpy()], column] = looked.loc[missing.to_numpy(), column]
    return {"results": out, "enriched": [*state.enriched, *ids],
            "message": found_words(out.loc[looked.index], billed)}


def found_words(rows: pd.DataFrame, billed: int) -> str:
    """What the look-up found, in a sentence: the hits, the billed calls, owners named, and the states.

    Examples
    --------
    >>> rows = pd.DataFrame({"assignees": ["Acme", None], "in_force": ["in force", "lapsed"]})
    >>> found_words(rows, 2)
    'Added owners and legal status to 2 hits (2 billed calls): 1 names an owner; 1 in force, 1 lapsed.'
    """
    cost = "from the cache: no billed call" if not billed else plural(billed, "billed call")
    named = int(owner_column(rows).notna().sum())
    owners = f"{named} names an owner" if named == 1 else f"{named} name an owner"
    states = rows["in_force"].fillna("not known").value_counts() if "in_force" in rows.columns else pd.Series()
    said = ", ".join(f"{count} {state}" for state, count in states.items())
    return f"Added owners and legal status to {plural(len(rows), 'hit')} ({cost}): {owners}" + \
        (f"; {said}." if said else ".")
