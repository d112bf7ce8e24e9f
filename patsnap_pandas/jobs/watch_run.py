"""How a watch runs: one billed run a day, resumed after a failure, one run for a whole team.

A run has a date (``as_of``, default today in UTC). Its steps, in order:

1. Every product's images are checked; gone ones raise
   :class:`~patsnap_pandas.jobs.watch.WatchImagesMissingError` naming them, before any call.
2. The run takes the watch's single-flight lock for that date (the store's, as identical
   searches do): a second process running the same watch waits, then finds the day's run done
   and bills nothing. One team, one set of billed calls.
3. The day's round (kept in the store) says which products are done. Each product not done yet
   is searched anew (``refresh=True``: last week's cached answer would miss this week's
   designs) and its hits are kept at once, so a run killed midway resumes billing only the
   products it had not finished.
4. The hits get ``first_seen``, ``last_seen``, ``new`` and the marks counsel gave; what the watch
   has seen and the run's line of history (when, billed calls, hits, new) are kept.

Examples
--------
>>> from patsnap_pandas import PatsnapClient, Watch, samples
>>> client = PatsnapClient.sandbox(corpus_size=60)
>>> watch = Watch("chairs", {"C-100": samples.image("armchair")}, limit=3).save(client=client)
>>> first = watch.run(client=client)
>>> again = watch.run(client=client)                      # the same day: nothing billed, nothing new
>>> int(first["new"].sum()), int(again["new"].sum())
(3, 0)
>>> watch.history(client=client)[["billed_calls", "hits", "new"]].values.tolist()
[[2, 3, 3], [0, 3, 0]]
>>> client.close()
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._validate import check_date
from ..errors import InvalidInputError
from ..frame.watch import by_product, carry_marks, frame_from_json, frame_to_json, updated_seen, with_watch_columns
from ..store.locks import flight_key
from .watch import Product, Watch, forget_rounds, kept_rounds, records, round_key, today_utc

if TYPE_CHECKING:
    from ..api.client import PatsnapClient
    from ..store.base import Store

__all__ = ["MAX_HISTORY", "last_hits", "resolve_day", "run_watch"]

#: Runs a watch's history keeps (the oldest are dropped).
MAX_HISTORY = 500


def run_day(client: PatsnapClient) -> dt.date:
    """A run's date by default: today in UTC; on the sandbox, the sandbox's today (its clock)."""
    server = getattr(client, "sandbox_server", None)
    return server.today if server is not None else today_utc()


def _search(product: Product, watch: Watch, client: PatsnapClient, thumbnails: bool) -> pd.DataFrame:
    from .search import search_designs

    image: Any = list(product.views) if len(product.views) > 1 else product.views[0]
    filters: dict[str, Any] = dict(watch.filters)
    return search_designs(image, client=client, limit=watch.limit, label=product.name, thumbnails=thumbnails,
                          refresh=True, **filters)


def _searched(watch: Watch, client: PatsnapClient, day: str, thumbnails: bool) -> pd.DataFrame:
    """The day's hits of every product (searching those not done yet: each kept at once, so a run killed
    after a product resumes after it)."""
    rounds = records(client, "round")
    frames = {}
    for product in watch.products:
        key = round_key(watch.name, day, product.name)
        kept = rounds.get(key)
        if kept is None:  # not searched yet today
            frames[product.name] = _search(product, watch, client, thumbnails)
            rounds.put(key, frame_to_json(frames[product.name]))
        else:
            frames[product.name] = frame_from_json(kept)
    forget_rounds(client, watch.name, keep=day)  # earlier runs live on in the history and what was seen
    return by_product(frames, name=watch.name)


def _new_and_seen(watch: Watch, client: PatsnapClient, hits: pd.DataFrame, day: str) -> pd.DataFrame:
    """``hits`` with first/last seen and ``new``; what the watch has seen kept.

    The store keeps, by watch: ``seen`` (patent number -> [first, last] run date), ``day`` (the last
    run's date), ``today`` (the designs reported on that date) and ``before`` (those of the last run
    of an earlier date: what ``report_once=False`` compares with)."""
    store = records(client, "seen")
    kept = store.get(watch.name) or {}
    seen = kept.get("seen", {})
    same_day = kept.get("day") == day
    before = kept.get("before", []) if same_day else kept.get("today", [])
    today = kept.get("today", []) if same_day else []
    out = with_watch_columns(hits, seen, day=day, report_once=watch.report_once, previous=[*before, *today])
    numbers = set(out["patent_pn"].astype("string").str.strip().str.upper().dropna())
    store.put(watch.name, {"seen": updated_seen(seen, out, day), "day": day,
                           "today": sorted(numbers | set(today)), "before": sorted(before)})
    return out


def resolve_day(client: PatsnapClient, as_of: Any) -> str:
    """The run's date as ISO text: ``as_of`` checked, else :func:`run_day`.

    Examples
    --------
    >>> resolve_day(None, "20261207")
    '2026-12-07'
    """
    return (run_day(client) if as_of is None else check_date(as_of, "as_of")).isoformat()


def run_watch(watch: Watch, client: PatsnapClient, *, as_of: Any = None, thumbnails: bool = True,
              collected: str | None = None) -> pd.DataFrame:
    """Run ``watch`` for the date ``as_of`` (default today, UTC): see the module docstring. ``collected``:
    the overnight submission whose results were kept as the day's round (they are not searched again).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, Watch, samples
    >>> with PatsnapClient.sandbox(corpus_size=60) as client:
    ...     hits = run_watch(Watch("lamps", {"L-200": samples.image("desk-lamp")}, limit=2), client, as_of="2026-12-07")
    >>> hits.attrs["watch_day"], hits.attrs["billed_calls"], hits["new"].tolist()
    ('2026-12-07', 2, [True, True])
    """
    day = resolve_day(client, as_of)
    if collected is None:
        watch.check_images()
    started, billed_before = stamp(), client.usage.billed_calls
    with client.store.single_flight().hold(flight_key("watch", watch.name, day)):
        try:
            hits = _searched(watch, client, day, thumbnails)
        except BaseException as exc:
            record_run(watch, client, started, day, client.usage.billed_calls - billed_before, None, None,
                    f"stopped: {type(exc).__name__}")
            raise
        out = _new_and_seen(watch, client, hits, day)
        marks = (records(client, "marks").get(watch.name) or {}).get("marks", {})
        out = carry_marks(out, marks)
        billed = client.usage.billed_calls - billed_before
        outcome = "done" if collected is None else f"collected overnight: {collected}"
        record_run(watch, client, started, day, billed, len(out), int(out["new"].sum()), outcome)
    out.attrs.update({"watch": watch.name, "watch_day": day, "billed_calls": billed})
    return out


def stamp() -> str:
    """UTC now, to the millisecond (two runs of a team start within a second)."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def record_run(watch: Watch, client: PatsnapClient, started: str, day: str, billed: int, hits: int | None,
            new: int | None, outcome: str) -> None:
    """One line of the watch's history."""
    store = records(client, "history")
    runs = (store.get(watch.name) or {}).get("runs", [])
    runs.append({"started": started, "finished": stamp(), "day": day, "billed_calls": billed, "hits": hits,
                 "new": new, "outcome": outcome})
    store.put(watch.name, {"runs": runs[-MAX_HISTORY:]})


def last_hits(watch: Watch, client: PatsnapClient | Store) -> pd.DataFrame:
    """The hits of the watch's last run, as it returned them then (``new``: first seen that day); no call.

    InvalidInputError when the watch has not run yet.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, Watch, samples
    >>> with PatsnapClient.sandbox(corpus_size=60) as client:
    ...     watch = Watch("lamps", {"L-200": samples.image("desk-lamp")}, limit=2)
    ...     ran = watch.run(client=client)
    ...     again = last_hits(watch, client)                     # no call
    >>> again["patent_pn"].tolist() == ran["patent_pn"].tolist(), again["new"].tolist()
    (True, [True, True])
    """
    kept = kept_rounds(client, watch.name)
    days = sorted(day for day, products in kept.items() if {p.name for p in watch.products} <= set(products))
    if not days:
        raise InvalidInputError(f"watch {watch.name!r} has no finished run to report yet: run it first "
                                "(Watch.run(), or patsnap-pandas watch run).")
    day, rounds = days[-1], records(client, "round")
    hits = by_product({p.name: frame_from_json(rounds.get(round_key(watch.name, day, p.name)) or {})
                       for p in watch.products}, name=watch.name)
    seen = (records(client, "seen").get(watch.name) or {}).get("seen", {})
    out = with_watch_columns(hits, seen, day=day, report_once=True)
    out["new"] = pd.array((out["first_seen"] == day).fillna(False).tolist(), dtype="bool")
    out["last_seen"] = pd.array([day] * len(out), dtype="string")
    out = carry_marks(out, (records(client, "marks").get(watch.name) or {}).get("marks", {}))
    out.attrs.update({"watch": watch.name, "watch_day": day, "billed_calls": 0})
    return out
