"""P062 for the sandbox: overnight batch jobs of up to 10 query images, run in the service window.

``POST /search/patent/image-search/single-batch-create`` takes ``urls`` (1 to 10 image
URLs), the P060 parameters (``patent_type``, ``model``, filters, ``limit`` up to 100, ...)
and an optional ``threshold`` (0..1: hits scoring below it are dropped; with ``limit``
the smaller applies) and answers ``data.job_id``. It is billed per query image.

When a job runs is the ``batch_runs_at`` knob, read on the sandbox's clock (service time,
UTC+8): ``"window"`` (default) when the next service window opens (22:00; at once when
created inside the window), results from the 08:00 after; ``"immediately"``; or ``"HH:MM"``.
The job searches each image *as of its run time*: an uploaded image URL that expired
before the run is a ``FAILED`` image with no hits, as PatSnap cannot fetch it either.

``POST /search/patent/image-search/single-batch-result`` with ``task_id`` answers
``data.status`` (``FINISHED``), ``data.search_result[]`` = {``status``, ``search_url``,
``result_count``, ``patent_messages[]``} and ``data.total`` (query images). Before the
results are ready it answers error ``codes.BATCH_NOT_READY_CODE`` saying the status and
from when; an unknown ``task_id`` is error ``codes.BATCH_UNKNOWN_CODE``. Not billed.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import codes
from .clock import SERVICE_TZ
from .multiview import ImageQuery, parse_body
from .params import ParamError


@dataclass
class BatchJob:
    """One P062 job: its query (``query.urls`` the images), when it runs and when its results are ready."""

    job_id: str
    query: ImageQuery
    threshold: float | None
    runs_at: float
    ready_at: float
    results: list[dict] | None = field(default=None)  # per image: status, url, answer (filled when run)

    def status(self, now: float) -> str:
        if now < self.runs_at:
            return "WAITING"
        return "FINISHED" if now >= self.ready_at else "RUNNING"


def parse_create(body: Any, *, day: dt.date, published: Mapping[str, dt.date] | None = None,
                 ) -> tuple[ImageQuery, float | None]:
    """The job's query (P060 parameters, ``urls`` 1..10) and its threshold; ParamError otherwise.

    Examples
    --------
    >>> q, t = parse_create({"urls": ["http://x/1.png"] * 3, "patent_type": "D", "model": 2, "threshold": 0.5},
    ...                     day=dt.date(2026, 12, 7))
    >>> len(q.urls), q.limit, t
    (3, 10, 0.5)
    >>> parse_create({"urls": [], "patent_type": "D", "model": 2}, day=dt.date(2026, 12, 7))
    Traceback (most recent call last):
    ...
    patsnap_pandas.sandbox.params.ParamError: urls=[] is invalid: required: a JSON array of 1 to 10 image URLs
    """
    if not isinstance(body, Mapping):
        raise ParamError("body", type(body).__name__, "a JSON object")
    urls = body.get("urls")
    if not isinstance(urls, list) or not 1 <= len(urls) <= codes.BATCH_IMAGE_MAX:
        raise ParamError("urls", urls, f"required: a JSON array of 1 to {codes.BATCH_IMAGE_MAX} image URLs")
    if "url" in body:
        raise ParamError("url", body["url"], "not a parameter of single-batch-create (send urls)")
    for u in urls:
        if not isinstance(u, str) or not u.strip():
            raise ParamError("urls", u, "required: the URL of a JPG or PNG image")
    threshold = body.get(codes.BATCH_THRESHOLD_PARAM)
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float))
                                  or not 0.0 <= threshold <= 1.0):
        raise ParamError(codes.BATCH_THRESHOLD_PARAM, threshold, "a similarity from 0 to 1")
    rest = {k: v for k, v in body.items() if k not in ("urls", codes.BATCH_THRESHOLD_PARAM)}
    single = parse_body({**rest, "url": urls[0]}, multiple=False, day=day, published=published)
    query = ImageQuery(**{**single.__dict__, "urls": tuple(u.strip() for u in urls)})
    return query, None if threshold is None else float(threshold)


def _at(day: dt.date, hm: tuple[int, int]) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hm[0], hm[1], tzinfo=SERVICE_TZ)


def schedule(created: float, runs_at: str) -> tuple[float, float]:
    """(run time, results-ready time), epoch seconds on the sandbox clock, for a job created at ``created``.

    Examples
    --------
    >>> t = dt.datetime(2026, 12, 7, 15, 0, tzinfo=SERVICE_TZ).timestamp()
    >>> [dt.datetime.fromtimestamp(x, SERVICE_TZ).strftime("%d %H:%M") for x in schedule(t, "window")]
    ['07 22:00', '08 08:00']
    >>> [dt.datetime.fromtimestamp(x, SERVICE_TZ).strftime("%d %H:%M") for x in schedule(t, "03:30")]
    ['08 03:30', '08 08:00']
    >>> schedule(t, "immediately") == (t, t)
    True
    """
    if runs_at == "immediately":
        return created, created
    now = dt.datetime.fromtimestamp(created, SERVICE_TZ)
    opens, closes = codes.BATCH_WINDOW_OPENS, codes.BATCH_WINDOW_CLOSES
    in_window = (now.hour, now.minute) >= opens or (now.hour, now.minute) < closes
    if runs_at == "window":
        start = now if in_window else _at(now.date(), opens)
    else:
        start = _at(now.date(), (int(runs_at[:2]), int(runs_at[3:])))
        if start < now:
            start += dt.timedelta(days=1)
    hm = (start.hour, start.minute)
    if runs_at != "window" and closes <= hm < opens:  # a run outside the window (a test's knob): ready at once
        return start.timestamp(), start.timestamp()
    ready = _at(start.date(), closes)
    if ready <= start:
        ready += dt.timedelta(days=1)
    return start.timestamp(), ready.timestamp()


def service_time(epoch: float) -> str:
    """``2026-12-08 08:00`` (service time) for messages."""
    return dt.datetime.fromtimestamp(epoch, SERVICE_TZ).strftime("%Y-%m-%d %H:%M")


class BatchJobs:
    """The sandbox's P062 jobs (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, BatchJob] = {}

    def create(self, query: ImageQuery, threshold: float | None, created: float, runs_at: str) -> BatchJob:
        start, ready = schedule(created, runs_at)
        job = BatchJob(uuid.uuid4().hex.upper() + "-B", query, threshold, start, ready)
        with self._lock:
            self._jobs[job.job_id] = job
        return job

    def get(self, job_id: str) -> BatchJob | None:
        with self._lock:
            return self._jobs.get(job_id)


def run(app, request, job: BatchJob) -> list[dict[str, Any]]:
    """Search each image of ``job`` as of its run time, once (``app``: the SandboxApp); the per-image results."""
    if job.results is None:
        results: list[dict[str, Any]] = []
        for url in job.query.urls:
            try:
                image = app.query_image(request, url, at=job.runs_at)
            except ParamError:  # expired (or gone) when the job ran: PatSnap could not fetch it either
                results.append({"url": url, "status": "FAILED", "answer": None})
                continue
            results.append({"url": url, "status": "SUCCESS", "answer": app.multiview_answer(job.query, [image])})
        job.results = results
    return job.results


def result_data(app, request, job: BatchJob) -> dict:
    """The ``data`` of a finished job's result: per image its status, URL, hit count and hits (URLs signed now)."""
    items = []
    for result in run(app, request, job):
        messages: list[dict] = []
        if result["answer"] is not None:
            engine, answer = result["answer"]
            hits = [h for h in answer.ranking.hits if job.threshold is None or h.score >= job.threshold]
            messages = app.full_hits(request, engine, answer, job.query, hits[: job.query.limit])
        items.append({"status": result["status"], "search_url": result["url"], "result_count": len(messages),
                      "patent_messages": messages})
    return {"task_id": job.job_id, "status": "FINISHED", "search_result": items, "total": len(items)}
