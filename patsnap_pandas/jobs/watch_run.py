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
from .watch import Product, Watch, records, today_utc

if TYPE_CHECKING:
    from ..api.client import PatsnapClient
    from ..store.base import Store

__all__ = ["MAX_HISTORY", "last_hits", "run_watch"]

#: Runs a watch's history keeps (the oldest are dropped).
MAX_HISTORY = 500


def run_day(client: PatsnapClient) -> dt.date:
    """A run's date by default: today in UTC; on the sandbox, the sandbox's today (its clock)."""
    server = getattr(client, "sandbox_server", None)
    return server.today if server is not None else today_utc()


def round_key(name: str, day: str) -> str:
    """The store key of a watch's run on ``day``."""
    return f"{name}|{day}"


def _search(product: Product, watch: Watch, client: PatsnapClient, thumbnails: bool) -> pd.DataFrame:
    from .search import search_designs

    image: Any = list(product.views) if len(product.views) > 1 else product.views[0]
    filters: dict[str, Any] = dict(watch.filters)
    return search_designs(image, client=client, limit=watch.limit, label=product.name, thumbnails=thumbnails,
                          refresh=True, **filters)


def _searched(watch: Watch, client: PatsnapClient, day: str, thumbnails: bool) -> pd.DataFrame:
    """The day's hits of every product (searching those not done yet)."""
    rounds = records(client, "round")
    key = round_key(watch.name, day)
    kept = rounds.get(key) or {"day": day, "products": {}}
    for product in watch.products:
        if product.name in kept["products"]:
            continue  # searched earlier today: kept, not billed again
        hits = _search(product, watch, client, thumbnails)
        kept["products"][product.name] = frame_to_json(hits)
        rounds.put(key, kept)  # at once: a run killed after this product resumes after it
    _forget_old_rounds(rounds, watch.name, day)
    return by_product({p.name: frame_from_json(kept["products"][p.name]) for p in watch.products}, name=watch.name)


def _forget_old_rounds(rounds: Any, name: str, day: str) -> None:
    """Keep the day's round only: earlier ones are in the history and the seen ledger."""
    for key in rounds.keys():
        if key.startswith(name + "|") and key != round_key(name, day):
            rounds.delete(key)


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


def run_watch(watch: Watch, client: PatsnapClient, *, as_of: Any = None, thumbnails: bool = True) -> pd.DataFrame:
    """Run ``watch`` for the date ``as_of`` (default today, UTC): see the module docstring."""
    day = (run_day(client) if as_of is None else check_date(as_of, "as_of")).isoformat()
    watch.check_images()
    started, billed_before = _now(), client.usage.billed_calls
    with client.store.single_flight().hold(flight_key("watch", watch.name, day)):
        try:
            hits = _searched(watch, client, day, thumbnails)
        except BaseException as exc:
            _record(watch, client, started, day, client.usage.billed_calls - billed_before, None, None,
                    f"stopped: {type(exc).__name__}")
            raise
        out = _new_and_seen(watch, client, hits, day)
        marks = (records(client, "marks").get(watch.name) or {}).get("marks", {})
        out = carry_marks(out, marks)
        billed = client.usage.billed_calls - billed_before
        _record(watch, client, started, day, billed, len(out), int(out["new"].sum()), "done")
    out.attrs.update({"watch": watch.name, "watch_day": day, "billed_calls": billed})
    return out


def _now() -> str:
    """UTC now, to the millisecond (two runs of a team start within a second)."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def _record(watch: Watch, client: PatsnapClient, started: str, day: str, billed: int, hits: int | None,
            new: int | None, outcome: str) -> None:
    """One line of the watch's history."""
    store = records(client, "history")
    runs = (store.get(watch.name) or {}).get("runs", [])
    runs.append({"started": started, "finished": _now(), "day": day, "billed_calls": billed, "hits": hits,
                 "new": new, "outcome": outcome})
    store.put(watch.name, {"runs": runs[-MAX_HISTORY:]})


def last_hits(watch: Watch, client: PatsnapClient | Store) -> pd.DataFrame:
    """The hits of the watch's last run, as it returned them then (``new``: first seen that day); no call.

    InvalidInputError when the watch has not run yet.
    """
    rounds = records(client, "round")
    days = sorted(key.split("|", 1)[1] for key in rounds.keys() if key.startswith(watch.name + "|"))
    kept = rounds.get(round_key(watch.name, days[-1])) if days else None
    if kept is None or any(p.name not in kept["products"] for p in watch.products):
        raise InvalidInputError(f"watch {watch.name!r} has no finished run to report yet: run it first "
                                "(Watch.run(), or patsnap-pandas watch run).")
    day = days[-1]
    hits = by_product({p.name: frame_from_json(kept["products"][p.name]) for p in watch.products}, name=watch.name)
    seen = (records(client, "seen").get(watch.name) or {}).get("seen", {})
    out = with_watch_columns(hits, seen, day=day, report_once=True)
    out["new"] = pd.array((out["first_seen"] == day).fillna(False).tolist(), dtype="bool")
    out["last_seen"] = pd.array([day] * len(out), dtype="string")
    out = carry_marks(out, (records(client, "marks").get(watch.name) or {}).get("marks", {}))
    out.attrs.update({"watch": watch.name, "watch_day": day, "billed_calls": 0})
    return out
