"""A watch run overnight: its products submitted as P062 jobs in the evening, collected the next morning.

``Watch.run(overnight=True)`` submits every view of every product through
:func:`patsnap_pandas.jobs.overnight.submit` (jobs of up to 10 query images, billed per image; the
upload-lifetime rule and the refusals are that module's) and keeps the submission's id with the
watch in the store. ``Watch.collect()`` -- or the watch's next ``run()`` -- fetches the results
after 08:00 service time (before: :class:`~patsnap_pandas.errors.BatchNotReadyError`, nothing
billed), and they become the run of that day, with ``new``, ``first_seen`` and the marks as a
daytime run's. A product of several views is searched view by view overnight; its hits are
fused per design (the best view's score).

Examples
--------
>>> from patsnap_pandas import PatsnapClient, Watch, samples
>>> client = PatsnapClient.sandbox(corpus_size=60, now="2026-12-07 15:00")
>>> watch = Watch("chairs", {"C-100": samples.image("armchair")}, limit=3).save(client=client)
>>> submitted = watch.run(client=client, overnight=True)
>>> len(submitted), submitted.attrs["watch_overnight"]["state"]
(0, 'submitted')
>>> client.sandbox_server.advance(hours=17)               # 08:00 the next morning, service time
>>> hits = watch.collect(client=client)
>>> len(hits), hits.attrs["watch_day"], int(hits["new"].sum())
(3, '2026-12-08', 3)
>>> client.close()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import InvalidInputError
from ..frame.schema import empty_frame
from ..frame.watch import frame_to_json
from ..store.locks import flight_key
from .watch import Watch, records, round_key

if TYPE_CHECKING:
    from ..api.client import PatsnapClient

__all__ = ["collect_watch", "pending_submission", "submit_watch"]

_VIEW = " · view "


def _labels(watch: Watch) -> dict[str, str]:
    """Query label -> view path: a product's name, or ``name · view i`` for each of several views."""
    out = {}
    for product in watch.products:
        for i, view in enumerate(product.views, start=1):
            out[product.name if len(product.views) == 1 else f"{product.name}{_VIEW}{i}"] = view
    return out


def pending_submission(watch: Watch, client: PatsnapClient) -> dict[str, Any] | None:
    """The watch's overnight submission not collected yet (``{"submission", "day"}``), or None.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, Watch, samples
    >>> with PatsnapClient.sandbox(corpus_size=60) as client:
    ...     print(pending_submission(Watch("lamps", {"L-200": samples.image("desk-lamp")}), client))
    None
    """
    return records(client, "overnight").get(watch.name)


def submit_watch(watch: Watch, client: PatsnapClient, day: str) -> pd.DataFrame:
    """Submit the watch's products overnight (one submission at a time); an empty frame saying what was done.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, Watch, samples
    >>> with PatsnapClient.sandbox(corpus_size=60, now="2026-12-07 15:00") as client:
    ...     done = submit_watch(Watch("lamps", {"L-200": samples.image("desk-lamp")}), client, "2026-12-07")
    >>> done.attrs["watch_overnight"]["state"], done.attrs["billed_calls"]
    ('submitted', 2)
    """
    from . import overnight
    from .watch_run import record_run, stamp

    watch.check_images()
    started, billed_before = stamp(), client.usage.billed_calls
    with client.store.single_flight().hold(flight_key("watch-overnight", watch.name)):
        kept = pending_submission(watch, client)
        if kept is not None:
            state = "already submitted"
        else:
            filters: dict[str, Any] = dict(watch.filters)
            sub = overnight.submit(_labels(watch), client=client, name=f"watch {watch.name} {day}",
                                   limit=watch.limit, **filters)
            kept = {"submission": sub.id, "day": day}
            records(client, "overnight").put(watch.name, kept)
            state = "submitted"
        billed = client.usage.billed_calls - billed_before
        record_run(watch, client, started, day, billed, None, None, f"{state} overnight: {kept['submission']}")
    out = empty_frame()
    out.attrs.update({"watch": watch.name, "watch_day": day, "billed_calls": billed,
                      "watch_overnight": {"state": state, **kept}})
    return out


def collect_watch(watch: Watch, client: PatsnapClient, day: str, thumbnails: bool = True) -> pd.DataFrame:
    """The watch's overnight results as the run of ``day`` (BatchNotReadyError before 08:00 service time).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, Watch, samples
    >>> with PatsnapClient.sandbox(corpus_size=60, now="2026-12-07 15:00") as client:
    ...     watch = Watch("lamps", {"L-200": samples.image("desk-lamp")}, limit=2)
    ...     _ = submit_watch(watch, client, "2026-12-07")
    ...     collect_watch(watch, client, "2026-12-07")
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.BatchNotReadyError: ... is not ready to collect (nothing was billed)...
    """
    from . import overnight
    from .watch_run import run_watch

    kept = pending_submission(watch, client)
    if kept is None:
        raise InvalidInputError(f"watch {watch.name!r} has no overnight submission to collect: submit one first "
                                "(Watch.run(overnight=True), or patsnap-pandas watch run NAME --overnight).")
    hits = overnight.collect(kept["submission"], client=client, thumbnails=thumbnails)  # not ready: raises here
    rounds = records(client, "round")
    for product in watch.products:  # the day's run: kept, so the run below searches nothing
        rounds.put(round_key(watch.name, day, product.name), frame_to_json(_product_hits(hits, product.name, watch.limit)))
    records(client, "overnight").delete(watch.name)
    return run_watch(watch, client, as_of=day, thumbnails=thumbnails, collected=kept["submission"])


def _product_hits(hits: pd.DataFrame, name: str, limit: int) -> pd.DataFrame:
    """One product's hits: its query's, or its views' fused per design (the best score), ranked anew."""
    labels = hits["query"].astype("string")
    mine = hits[((labels == name) | labels.str.startswith(name + _VIEW)).fillna(False).to_numpy()]
    mine = mine.sort_values("score", ascending=False, kind="stable").drop_duplicates("patent_pn").head(limit)
    mine = mine.reset_index(drop=True)
    mine["rank"] = pd.array(range(1, len(mine) + 1), dtype="Int64")
    mine["query"] = pd.array([name] * len(mine), dtype="string")
    mine.attrs = {**hits.attrs, "query": name}
    return mine
