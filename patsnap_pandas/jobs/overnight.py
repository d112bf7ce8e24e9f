"""Overnight batches (P062): submit query images as jobs of up to 10, collect their hits after the night.

PatSnap runs P062 jobs once a day between 22:00 and 08:00 service time (UTC+8), results after
08:00, billed per query image. Two calls, usable from two different processes (a scheduler's
evening run and its morning run)::

    from patsnap_pandas.jobs import overnight
    submitted = overnight.submit(["chair.png", "lamp.png"], client=client, limit=20, country="CN")
    ...                                   # after 08:00 service time, here or in another process
    hits = overnight.collect(submitted.id, client=client)

* ``submit(images, *, client=None, name=None, limit=10, threshold=None, model=None,
  patent_type=None, lang=None, **filters) -> Submission``: ``images`` is a list of query images
  (local files, bytes, PIL images: uploaded; http(s) URLs: sent as they are) or a dict
  ``{label: image}``. Everything is checked before any billed call; the budget must hold every
  upload and every query image. The submission (its id, each job's id and which queries it covers)
  is written to the client's store before the first job is created and after each one, so a later
  process can collect and no billed job is lost when a later step fails.
* ``collect(submission, *, client=None, thumbnails=True) -> pandas.DataFrame``: the hits, in the
  schema of ``search_designs`` laid out as ``search_each``'s batch frame (``query_index``,
  ``status``, ``error`` after the schema; each query's hits ranked from 1, or one row saying why
  it has none), ``attrs["overnight"]`` the submission; hit images are downloaded into the thumbnail store at once (their URLs expire too).
  Before the results are ready it raises :class:`~patsnap_pandas.errors.BatchNotReadyError`
  saying from when (nothing billed). Collecting again costs nothing (finished results are cached).
* ``pending(client=None) -> list[Submission]``: the submissions not collected yet.
* ``collect_ready(client=None, thumbnails=True) -> dict[str, pandas.DataFrame]``: every pending
  submission whose results are ready, collected (by id); those not ready yet are left pending.
  What a scheduler's morning run calls.

**Image URL lifetime.** An uploaded image's URL lives 9 hours, and PatSnap does not say when
within the window a job runs. This module uploads at submit time (anew, so the 9 hours start
then) only when the upload will still be alive for the first hour of the window (until 23:00
service time); otherwise the submit is **refused before any billed call**, with a message saying
from when to submit or that an http(s) URL of your own, reachable until 08:00, is needed. URLs
you give are sent as they are (they are yours to keep alive). A job that could not read an
image when it ran reports it ``FAILED``: ``collect`` warns naming it (see docs/overnight.md).

Examples
--------
>>> from patsnap_pandas import PatsnapClient, samples
>>> client = PatsnapClient.sandbox(corpus_size=60, now="2026-12-07 15:00")
>>> submitted = submit([samples.image("armchair")], client=client, limit=3)
>>> print(submitted)
Overnight submission ...: 1 query image in 1 job, submitted 2026-12-07 15:00 (service time, UTC+8)
>>> client.sandbox_server.advance(hours=17)            # the sandbox's clock: 08:00 next morning
>>> hits = collect(submitted.id, client=client, thumbnails=False)
>>> len(hits), hits.attrs["endpoint_version"], [s.id for s in pending(client)]
(3, 'P062', [])
>>> client.close()
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .. import codes
from .._validate import check_flag, shorten
from ..api import images
from ..api.batches import body as batch_body
from ..api.batches import estimate_batch
from ..api.client import PatsnapClient
from ..api.image_params import ImageSearchOptions
from ..api.models import Estimate
from ..errors import BatchNotReadyError, BatchUnknownError, BudgetExceededError, InvalidInputError
from ..frame import schema as frame
from ..store.locks import flight_key
from .clients import client_for, data_source
from .images import _prefetch, _store_query_image, _thumbnail_store, thumbnail_dir
from .prepare import _prepare

__all__ = ["Submission", "OvernightWarning", "UploadTooEarlyError", "submit", "collect", "collect_ready", "pending",
           "estimate", "service_now", "RECORD_KIND"]

#: The kind of the store's records holding the submissions (``client.store.records(RECORD_KIND)``).
RECORD_KIND = "overnight"
SERVICE_TZ = dt.timezone(dt.timedelta(hours=codes.SERVICE_UTC_OFFSET_H), "UTC+8")
#: An upload must stay alive this long into the service window (PatSnap does not say when a job runs in it).
WINDOW_MARGIN = dt.timedelta(hours=1)
_MAX_QUERIES = 1000


class OvernightWarning(UserWarning):
    """Some query images of an overnight submission gave no hits: not readable when the job ran, or not submitted.

    Examples
    --------
    >>> issubclass(OvernightWarning, UserWarning)
    True
    """


class UploadTooEarlyError(InvalidInputError):
    """An overnight submit refused before any billed call: uploaded now, the images' URLs would expire too soon.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> client = PatsnapClient.sandbox(corpus_size=60, now="2026-12-07 12:00")
    >>> try:
    ...     submit([samples.image("armchair")], client=client)
    ... except UploadTooEarlyError as err:
    ...     print(str(err)[:60], "..." , client.usage.billed_calls)
    Not submitted (nothing was billed): the image armchair.png w ... 0
    >>> client.close()
    """


@dataclass(frozen=True)
class Submission:
    """An overnight submission as the store keeps it: its id, when, its queries and its jobs.

    ``queries``: one dict per query image (``label``, ``url``); ``jobs``: one dict per P062 job
    (``job_id``, ``queries``: the indices it covers). ``collected_at`` is None until collected.

    Examples
    --------
    >>> sub = Submission("catalogue", "2026-12-07T15:00:00+08:00", ({"label": "chair", "url": "https://x/c.png"},),
    ...                  ({"job_id": "J1", "queries": [0]},), {"patent_type": "D", "model": 1}, {}, 10, None)
    >>> Submission.from_record(sub.to_record()) == sub
    True
    >>> print(sub)
    Overnight submission catalogue: 1 query image in 1 job, submitted 2026-12-07 15:00 (service time, UTC+8)
    """

    id: str
    submitted_at: str
    queries: tuple[dict, ...]
    jobs: tuple[dict, ...]
    options: dict
    filters: dict
    limit: int
    threshold: float | None
    collected_at: str | None = None

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Submission:
        return cls(record["id"], record["submitted_at"], tuple(record["queries"]), tuple(record["jobs"]),
                   dict(record["options"]), dict(record["filters"]), int(record["limit"]), record.get("threshold"),
                   record.get("collected_at"))

    def to_record(self) -> dict[str, Any]:
        return {"id": self.id, "submitted_at": self.submitted_at, "queries": list(self.queries),
                "jobs": list(self.jobs), "options": self.options, "filters": self.filters, "limit": self.limit,
                "threshold": self.threshold, "collected_at": self.collected_at}

    def replace(self, **changes: Any) -> Submission:
        return dataclasses.replace(self, **changes)

    def __str__(self) -> str:
        n, jobs = len(self.queries), len(self.jobs)
        return (f"Overnight submission {self.id}: {n} query image{'s' * (n != 1)} in {jobs} job{'s' * (jobs != 1)}, "
                f"submitted {self.submitted_at[:16].replace('T', ' ')} (service time, UTC+8)")


def service_now(client: PatsnapClient) -> dt.datetime:
    """PatSnap's service time now (UTC+8): the sandbox's clock for a sandbox client, else the real time.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient
    >>> with PatsnapClient.sandbox(corpus_size=60, now="2026-12-07 15:00") as client:
    ...     service_now(client).strftime("%Y-%m-%d %H:%M %z")
    '2026-12-07 15:00 +0800'
    """
    if data_source(client) == "sandbox":
        import requests

        status = requests.get(client.base_url.rstrip("/") + "/_sandbox/status", timeout=10).json()
        return dt.datetime.fromisoformat(status["now"]).astimezone(SERVICE_TZ)
    return dt.datetime.now(SERVICE_TZ)


def needed_until(now: dt.datetime) -> dt.datetime:
    """Until when a query image must stay reachable for a job submitted at ``now`` (service time).

    Examples
    --------
    >>> at = lambda h: dt.datetime(2026, 12, 7, h, 0, tzinfo=SERVICE_TZ)
    >>> needed_until(at(15)).strftime("%d %H:%M"), needed_until(at(23)).strftime("%d %H:%M")
    ('07 23:00', '08 00:00')
    """
    opens, closes = codes.BATCH_WINDOW_OPENS, codes.BATCH_WINDOW_CLOSES
    hm = (now.hour, now.minute)
    if hm >= opens or hm < closes:  # inside the window: the job may run at once
        return now + WINDOW_MARGIN
    return now.replace(hour=opens[0], minute=opens[1], second=0, microsecond=0) + WINDOW_MARGIN


def _when(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _check_timing(now: dt.datetime, labels: list[str]) -> None:
    """Refuse (before any billed call) uploads that would expire before :func:`needed_until`."""
    lifetime = dt.timedelta(seconds=codes.UPLOAD_URL_LIFETIME_S)
    needed = needed_until(now)
    if now + lifetime >= needed:
        return
    earliest = needed - lifetime
    shown = ", ".join(labels[:3]) + (f" and {len(labels) - 3} more" if len(labels) > 3 else "")
    raise UploadTooEarlyError(
        f"Not submitted (nothing was billed): the image{'s' * (len(labels) != 1)} {shown} would be uploaded now, at {_when(now)} service time "
        f"(UTC+8), and an uploaded image's URL lives 9 hours: it would expire at {_when(now + lifetime)}, before "
        f"the overnight window is safely under way (it opens at 22:00; the job must still find the image at "
        f"{_when(needed)}). Submit after {earliest.strftime('%H:%M')} service time, or give http(s) URLs of your "
        "own that stay reachable until 08:00 service time.")


def _queries(given: Any) -> list[tuple[str | None, Any]]:
    pairs: list[tuple[str | None, Any]]
    if isinstance(given, Mapping):
        pairs = [(str(label), image) for label, image in given.items()]
    elif isinstance(given, Sequence) and not isinstance(given, (str, bytes, bytearray)):
        pairs = [(None, image) for image in given]
    else:
        raise InvalidInputError(f"images={shorten(given)} is not valid: expected a list of query images or a dict "
                                "{label: image}.")
    if not 1 <= len(pairs) <= _MAX_QUERIES:
        raise InvalidInputError(f"images has {len(pairs)} query images: not valid. Allowed: 1 to {_MAX_QUERIES}.")
    return pairs


def estimate(images_: Any, *, client: PatsnapClient | None = None) -> Estimate:
    """What submitting ``images_`` would bill: an upload per local image, a P062 query image per image.

    Examples
    --------
    >>> from patsnap_pandas import samples
    >>> print(estimate([samples.image("armchair"), "https://example.com/lamp.png"]))
    3 billed calls: 1 upload, 2 P062 overnight query images
    """
    pairs = _queries(images_)
    uploads = sum(1 for _, image in pairs if not (isinstance(image, str) and image.startswith(("http://", "https://"))))
    return estimate_batch(len(pairs), uploads=uploads)


def _check_budget(client: PatsnapClient, cost: Estimate) -> None:
    budget = client.usage.budget
    if budget is not None and budget.get("remaining") is not None and cost.total > budget["remaining"]:
        raise BudgetExceededError(f"Not submitted (nothing was billed): it would bill {cost}, and the budget has "
                                  f"{budget['remaining']} billed calls left {budget.get('window', '')}.".rstrip())


def submit(images_: Any, *, client: PatsnapClient | None = None, name: str | None = None,
           limit: int = codes.LIMIT_DEFAULT, threshold: float | None = None, model: int | None = None,
           patent_type: str | None = None, lang: str | None = None, **filters: Any) -> Submission:
    """Submit query images as overnight jobs of up to 10 (P062); the submission, kept in the store.

    ``limit`` (1..100) hits per image, ``threshold`` (0..1) drops weaker hits; ``model``,
    ``patent_type``, ``lang`` and ``filters`` as ``search_designs(endpoint="P060")``. ``name``:
    the submission's id (default: a new one). See the module docstring for the URL-lifetime rule.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> client = PatsnapClient.sandbox(corpus_size=60, now="2026-12-07 16:00")
    >>> sub = submit({"chair": samples.image("armchair"), "lamp": samples.image("desk-lamp")}, client=client,
    ...              limit=5, name="evening")
    >>> sub.id, [job["queries"] for job in sub.jobs], client.usage.billed_calls     # 2 uploads + 2 images
    ('evening', [[0, 1]], 4)
    >>> client.close()
    """
    pairs = _queries(images_)
    options = ImageSearchOptions(patent_type=patent_type or "D", model=model, lang=lang or "original", **filters)
    batch_body(["https://check.invalid/x.png"], options, limit, threshold)  # every option checked before any call
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise InvalidInputError(f"name={shorten(name)} is not valid: expected a non-empty string.")
    targets = [_prepare(image, label) for label, image in pairs]
    labels = [images.query_label(t, label) if isinstance(t, str) else t.label
              for (label, _), t in zip(pairs, targets, strict=True)]
    client = client_for(None, client)
    sub_id = (name or uuid.uuid4().hex[:12]).strip()
    with client.store.single_flight().hold(flight_key("overnight", sub_id)):  # one submit of a name at a time
        return _submit(client, sub_id, targets, labels, options, limit, threshold)


def _submit(client: PatsnapClient, sub_id: str, targets: list, labels: list[str], options: ImageSearchOptions,
            limit: int, threshold: float | None) -> Submission:
    """Check the name, the timing and the budget; keep the submission; upload; create the jobs (each kept)."""
    book = client.store.records(RECORD_KIND)
    if book.get(sub_id) is not None:
        raise InvalidInputError(f"name={sub_id!r} is not valid: a submission of that name is already kept. "
                                "Allowed: a new name (collect or remove the old one first).")
    now = service_now(client)
    local = [label for label, t in zip(labels, targets, strict=True) if not isinstance(t, str)]
    if local:
        _check_timing(now, local)
    _check_budget(client, estimate_batch(len(targets), uploads=len(local)))
    queries: list[dict[str, Any]] = [{"label": label, "url": t if isinstance(t, str) else None}
                                     for label, t in zip(labels, targets, strict=True)]
    sub = Submission(sub_id, now.isoformat(timespec="seconds"), tuple(queries), (), options.to_dict(),
                     options.filter_dict(), limit, threshold)
    book.put(sub_id, sub.to_record())  # kept before the first billed call
    store = _thumbnail_store(client)
    for i, target in enumerate(targets):
        if not isinstance(target, str):
            queries[i]["url"] = client.upload_image(target.data, target.filename, refresh=True).url
            _store_query_image(store, target, queries[i]["url"], stacklevel=2)  # reports show it after expiry
            queries[i]["stored"] = True
    jobs: list[dict] = []
    for start in range(0, len(queries), codes.BATCH_IMAGE_MAX):
        covered = list(range(start, min(start + codes.BATCH_IMAGE_MAX, len(queries))))
        job_id = client.batch_create([queries[i]["url"] for i in covered], options, limit=limit, threshold=threshold)
        jobs.append({"job_id": job_id, "queries": covered})
        sub = sub.replace(queries=tuple(queries), jobs=tuple(jobs))
        book.put(sub_id, sub.to_record())  # each billed job kept as soon as it exists
    return sub


def pending(client: PatsnapClient | None = None) -> list[Submission]:
    """The submissions kept in the client's store and not collected yet, oldest first.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> client = PatsnapClient.sandbox(corpus_size=60, now="2026-12-07 16:00")
    >>> _ = submit([samples.image("armchair")], client=client, name="tonight")
    >>> [sub.id for sub in pending(client)]
    ['tonight']
    >>> client.close()
    """
    client = client_for(None, client)
    book = client.store.records(RECORD_KIND)
    found = [Submission.from_record(r) for r in (book.get(k) for k in book.keys()) if r is not None]
    return sorted((s for s in found if s.collected_at is None), key=lambda s: s.submitted_at)


def collect(submission: Submission | str, *, client: PatsnapClient | None = None,
            thumbnails: bool = True) -> pd.DataFrame:
    """The hits of a submission whose jobs have finished, as ``search_each`` would give them (the schema, then
    ``query_index``, ``status``, ``error``); hit images downloaded into the thumbnail store now. Not billed.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> client = PatsnapClient.sandbox(corpus_size=60, now="2026-12-07 16:00")
    >>> _ = submit({"chair": samples.image("armchair")}, client=client, limit=4, name="tonight")
    >>> client.sandbox_server.advance(hours=16)                 # 08:00 the next morning
    >>> hits = collect("tonight", client=client)
    >>> hits[["rank", "query"]].values.tolist(), hits.attrs["overnight"]["failed"]
    ([[1, 'chair'], [2, 'chair'], [3, 'chair'], [4, 'chair']], [])
    >>> client.close()
    """
    thumbnails = check_flag(thumbnails, "thumbnails")
    client = client_for(None, client)
    book = client.store.records(RECORD_KIND)
    sub_id = submission.id if isinstance(submission, Submission) else submission
    record = book.get(sub_id) if isinstance(sub_id, str) else None
    if record is None:
        raise InvalidInputError(f"submission={shorten(sub_id)} is not valid: no overnight submission of that id is "
                                f"kept in {client.store.location}. Allowed: an id that submit() returned "
                                "(pending() lists them).")
    sub = Submission.from_record(record)
    results = _results(client, sub)
    df = _frame(sub, results)
    failed = df.loc[df["error"].eq(_FAILED).fillna(False), "query"].tolist()
    missing = df.loc[df["error"].eq(_NOT_SUBMITTED).fillna(False), "query"].tolist()
    df.attrs = frame.empty_frame(_attrs(client, sub, all(r.from_cache for r in results), df, failed,
                                        missing)).attrs
    _warn_gaps(failed, missing)
    if thumbnails:
        store = _thumbnail_store(client)
        for query in sub.queries:
            if query.get("stored") is None and query["url"] is not None:  # a URL of the user's: fetched now
                _store_query_image(store, query["url"], query["url"], stacklevel=2)
        _prefetch(store, df[df["patent_id"].notna()])
    book.put(sub_id, {**sub.to_record(), "collected_at": service_now(client).isoformat(timespec="seconds")})
    return df


_FAILED = "the image could not be read when the overnight job ran (its URL had expired or pointed to no image)"
_NOT_SUBMITTED = "not submitted: the submit stopped before this image's job was created (no query image billed)"


def _frame(sub: Submission, results: list) -> pd.DataFrame:
    """The batch layout of ``search_each``: each query's hits (ranked from 1), or one row saying why it has none."""
    found: dict[int, tuple[str, tuple]] = {}
    for job, result in zip(sub.jobs, results, strict=True):
        for i, image in zip(job["queries"], result.images, strict=False):
            found[i] = (image.status, image.hits)
    parts, status, error = [], [], []
    for i, query in enumerate(sub.queries):
        state, hits = found.get(i, (None, ()))
        part = frame.hits_to_frame(hits, search_id=None, query=query["label"])
        if not len(part):
            part = frame.empty_frame().reindex(range(1))
            part["query"] = query["label"]
        why = _NOT_SUBMITTED if state is None else (_FAILED if state != "SUCCESS" else None)
        status += [("error" if why else "ok") if len(hits) or why else "no_hits"] * len(part)
        error += [why] * len(part)
        parts.append(part.assign(query_index=i))
    df = frame.concat_frames(parts).reset_index(drop=True)
    index = df.pop("query_index")
    df.insert(len(frame.SCHEMA), "query_index", index.astype("int64"))
    df.insert(len(frame.SCHEMA) + 1, "status", pd.array(status, dtype="string"))
    df.insert(len(frame.SCHEMA) + 2, "error", pd.array(error, dtype="string"))
    df["query"] = df["query"].astype("string")
    return df


def collect_ready(client: PatsnapClient | None = None, *, thumbnails: bool = True) -> dict[str, pd.DataFrame]:
    """Collect every pending submission whose results are ready; those not ready yet stay pending. Not billed.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> client = PatsnapClient.sandbox(corpus_size=60, now="2026-12-07 16:00")
    >>> _ = submit([samples.image("armchair")], client=client, limit=2, name="monday")
    >>> collect_ready(client)                                    # 16:00: nothing is ready
    {}
    >>> client.sandbox_server.advance(hours=16)
    >>> {name: len(hits) for name, hits in collect_ready(client, thumbnails=False).items()}
    {'monday': 2}
    >>> client.close()
    """
    thumbnails = check_flag(thumbnails, "thumbnails")
    client = client_for(None, client)
    found: dict[str, pd.DataFrame] = {}
    for sub in pending(client):
        try:
            found[sub.id] = collect(sub, client=client, thumbnails=thumbnails)
        except BatchNotReadyError:
            continue
    return found


def _results(client: PatsnapClient, sub: Submission) -> list:
    """Each job's result; BatchNotReadyError (in words) when any is not ready."""
    found = []
    for job in sub.jobs:
        try:
            found.append(client.batch_result(job["job_id"]))
        except BatchNotReadyError as err:
            raise BatchNotReadyError(
                f"Overnight submission {sub.id} is not ready to collect (nothing was billed): PatSnap runs "
                f"overnight jobs between 22:00 and 08:00 service time (UTC+8). {err.message}.",
                endpoint=err.endpoint, code=err.code) from None
        except BatchUnknownError as err:
            raise BatchUnknownError(
                f"Overnight submission {sub.id}: PatSnap does not know its job {job['job_id']} (a job of another "
                f"account or server, or one PatSnap no longer keeps); nothing was billed. {err.message}",
                endpoint=err.endpoint, code=err.code) from None
    return found


def _attrs(client: PatsnapClient, sub: Submission, from_cache: bool, df: pd.DataFrame, failed: list[str],
           missing: list[str]) -> dict[str, Any]:
    labels = [q["label"] for q in sub.queries]
    per_query = df.groupby("query_index", sort=True)["status"].first().tolist()
    return {"query": f"{len(labels)} query images (overnight)", "filters": sub.filters, "search_id": None,
            "total": None, "from_cache": from_cache, "endpoint_version": "P062",
            "thumbnail_dir": thumbnail_dir(client), "source": data_source(client), "queries": labels,
            "query_urls": [q["url"] for q in sub.queries],
            "query_url_by_label": {q["label"]: q["url"] for q in sub.queries if q["url"]},
            "options": sub.options, "limit": sub.limit,
            "batch": {"rows": len(labels), "distinct_images": len(labels),
                      **{state: per_query.count(state) for state in ("ok", "no_hits", "error")}},
            "overnight": {"submission": sub.id, "submitted_at": sub.submitted_at,
                          "jobs": [job["job_id"] for job in sub.jobs], "failed": failed, "not_submitted": missing}}


def _warn_gaps(failed: list[str], missing: list[str]) -> None:
    if failed:
        warnings.warn(OvernightWarning(
            f"{len(failed)} query image{'s' * (len(failed) != 1)} could not be read when the overnight job ran "
            f"(the image URL had expired or pointed to no image), so no hits: {', '.join(failed)}. Submit them "
            "again after 14:00 service time, or with http(s) URLs of your own reachable until 08:00."), stacklevel=3)
    if missing:
        warnings.warn(OvernightWarning(
            f"{len(missing)} query image{'s' * (len(missing) != 1)} of this submission were never submitted (the "
            f"submit stopped before their job was created; nothing was billed for them): {', '.join(missing)}."),
            stacklevel=3)
