"""One catalogue across many worker processes or machines, on a Dask cluster, sharing one Redis.

Each part of the catalogue is searched by :func:`~patsnap_pandas.jobs.batch.search_each` in a
worker, with a :class:`~patsnap_pandas.PatsnapClient` the worker makes itself from its
own ``PATSNAP_*`` environment (credentials never travel with the tasks). Pointed at the
team's Redis (``PATSNAP_CACHE_URL`` or ``cache_url=``), the workers share the HTTP cache,
the upload memo, the thumbnails, the single-flight locks, the rate limit and the budget:
an image two workers (or two machines) hold is uploaded and searched once, and the
cluster as a whole keeps to one rate limit.

A part that fails on the cluster (its worker killed, its task raising) costs only its own
rows: they come back with status ``"error"`` naming the part and what to do, beside the
rows of every part that finished (see :func:`search_each_on_cluster`).

Needs ``dask[distributed]`` (not an extra of this package: install it where your cluster
runs). See docs/caching.md, "Teams".
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping
from typing import Any

import pandas as pd

from .._validate import check_frame, check_int
from ..errors import InvalidInputError
from ..frame import schema as frame
from .batch import _describe, _labels, search_each

__all__ = ["PartFailedWarning", "search_each_on_cluster"]


class PartFailedWarning(UserWarning):
    """Parts of a catalogue failed on the cluster; their rows have status ``"error"``, the rest is complete.

    Examples
    --------
    >>> issubclass(PartFailedWarning, UserWarning)
    True
    """

#: Client options a task may carry: settings, never credentials (workers read those from their environment).
CLIENT_OPTIONS = ("cache_url", "cache_dir", "rate_limit", "budget", "result_max_age", "timeout", "max_retries",
                  "backoff_factor", "base_url")


def search_each_on_cluster(catalogue: pd.DataFrame, image_column: Hashable, *, dask_client: Any,
                           partitions: int | None = None, client_options: Mapping[str, Any] | None = None,
                           **search_options: Any) -> pd.DataFrame:
    """``search_each`` over ``catalogue``, split into ``partitions`` parts run on a Dask cluster.

    Parameters
    ----------
    catalogue : DataFrame
        As :func:`~patsnap_pandas.jobs.batch.search_each`; images must be readable where the
        workers run (URLs, bytes, or paths on a shared disk).
    image_column : column label or list of labels
        As ``search_each``.
    dask_client : dask.distributed.Client
        The cluster's client.
    partitions : int, optional
        Parts to split the catalogue into (default: one per worker).
    client_options : dict, optional
        Settings of each worker's client, e.g. ``{"cache_url": "redis://cache:6379/0",
        "rate_limit": 10, "budget": "5000/month"}``; no credentials (each worker reads
        ``PATSNAP_CLIENT_ID``/``PATSNAP_CLIENT_SECRET`` or ``PATSNAP_API_KEY`` from its
        environment).
    **search_options
        ``limit``, ``label_column``, ``thumbnails``, filters...: as ``search_each``
        (``progress`` is off in workers).

    Returns
    -------
    DataFrame
        The parts' results in catalogue order, as ``search_each`` returns them. A part
        that failed on the cluster (a worker killed, a task that raised) does not take the
        others' results with it: each of its rows comes back with status ``"error"`` and
        an ``error`` naming the part and what to do (run the same call again on those
        rows: searches that finished are in the workers' shared cache and cost nothing
        again), ``attrs["failed_parts"]`` lists the failed parts, and a
        :class:`PartFailedWarning` says so once.

    Raises
    ------
    InvalidInputError
        For a bad argument: before any task, or when every part refused it in its worker
        (before any billed call).

    Examples
    --------
    Two local worker processes against the sandbox (docs/caching.md, "Teams", adds the team's
    shared Redis):

    >>> import os
    >>> from dask.distributed import Client, LocalCluster
    >>> from patsnap_pandas import samples
    >>> from patsnap_pandas.sandbox import start_sandbox
    >>> sandbox = start_sandbox()
    >>> os.environ.update(PATSNAP_BASE_URL=sandbox.base_url, PATSNAP_API_KEY=sandbox.credentials.api_key)
    >>> catalogue = pd.DataFrame({"photo": [samples.image("armchair").read_bytes(), samples.image("desk-lamp").read_bytes()]})
    >>> with LocalCluster(n_workers=2, processes=True, host="127.0.0.1", dashboard_address=None) as cluster:
    ...     with Client(cluster) as dask:
    ...         hits = search_each_on_cluster(catalogue, "photo", dask_client=dask, limit=3, thumbnails=False,
    ...                                       client_options={"cache_dir": "worker-cache"})
    >>> hits["query_index"].tolist(), hits.attrs["batch"]["ok"]
    ([0, 0, 0, 1, 1, 1], 2)
    >>> del os.environ["PATSNAP_BASE_URL"], os.environ["PATSNAP_API_KEY"]; sandbox.stop()
    """
    check_frame(catalogue, param="catalogue")
    options = dict(client_options or {})
    unknown = sorted(set(options) - set(CLIENT_OPTIONS))
    if unknown:
        raise InvalidInputError(f"client_options has {unknown!r}: not allowed. Allowed: {', '.join(CLIENT_OPTIONS)}; "
                                "credentials come from each worker's PATSNAP_* environment, never with the tasks.")
    if "progress" in search_options:
        raise InvalidInputError("progress is not allowed here: workers show no progress bar.")
    if partitions is None:
        partitions = max(1, len(dask_client.scheduler_info().get("workers", {})))
    partitions = check_int(partitions, "partitions", 1, 10_000)
    count = max(1, min(partitions, len(catalogue)))  # an empty catalogue still makes one (empty) part
    parts = [catalogue.iloc[i::count] for i in range(count)]
    futures = dask_client.map(_search_part, parts, image_column=image_column, client_options=options,
                              search_options=search_options, pure=False)
    results, failures = _gather(futures)
    if failures and len(failures) == count and all(isinstance(e, InvalidInputError) for e in failures.values()):
        raise failures[0]  # a bad argument every worker refused before any billed call
    failed = [_failed_rows(parts[k], k, count, exc, image_column, search_options.get("label_column"))
              for k, exc in failures.items()]
    out = pd.concat([*[r for r in results if r is not None], *failed], ignore_index=True)
    position = pd.Series(range(len(catalogue)), index=catalogue.index)
    out = out.iloc[position.loc[out["query_index"]].to_numpy().argsort(kind="stable")].reset_index(drop=True)
    done = [r.attrs for r in results if r is not None]
    out.attrs = _merged_attrs(done, len(catalogue)) if done else _no_part_attrs(len(catalogue))
    if failures:
        _note_failures(out, failures, parts, count)
    return out


def _gather(futures: list[Any]) -> tuple[list[pd.DataFrame | None], dict[int, BaseException]]:
    """Each part's frame, or its failure by part number: one failed part never hides the others."""
    results: list[pd.DataFrame | None] = [None] * len(futures)
    failures: dict[int, BaseException] = {}
    for k, future in enumerate(futures):
        try:
            results[k] = future.result()
        except Exception as exc:  # noqa: BLE001  (KilledWorker, the task's own error, a lost connection...)
            failures[k] = exc
    return results, failures


def _failure_text(k: int, count: int, exc: BaseException) -> str:
    why = _describe(exc)
    return (f"{type(exc).__name__}: part {k + 1} of {count} failed on the cluster ({why[:300]}); this row was not "
            "searched, or its result was lost with the worker. Run search_each_on_cluster again on the rows with "
            "status 'error': the searches that finished are in the cache the workers share and cost nothing again.")


def _failed_rows(part: pd.DataFrame, k: int, count: int, exc: BaseException, image_column: Hashable,
                 label_column: Hashable | None) -> pd.DataFrame:
    """One ``"error"`` row per catalogue row of a failed part, shaped as search_each's error rows."""
    if isinstance(image_column, list):  # views: the row's non-empty cells
        values: list[Any] = [[v for v in row if v is not None] for row in part[image_column].itertuples(
            index=False, name=None)]
    else:
        values = part[image_column].tolist()
    known = isinstance(label_column, Hashable) and label_column is not None and label_column in part.columns
    labels = _labels(part, values, label_column if known else None)
    n, at = len(part), len(frame.SCHEMA)
    out = frame.empty_frame().reindex(range(n))
    out["query"] = pd.array(labels, dtype="string")
    out.insert(at, "query_index", part.index)
    out.insert(at + 1, "status", pd.array(["error"] * n, dtype="string"))
    out.insert(at + 2, "error", pd.array([_failure_text(k, count, exc)] * n, dtype="string"))
    return out


def _no_part_attrs(rows: int) -> dict[str, Any]:
    """The provenance when no part finished: the frame's defaults and empty batch counts."""
    attrs = dict(frame.empty_frame().attrs)
    attrs.update(query=f"{rows} catalogue images", search_id=[], from_cache=False,
                 batch={"rows": 0, "distinct_images": 0, "ok": 0, "no_hits": 0, "error": 0})
    return attrs


def _note_failures(out: pd.DataFrame, failures: dict[int, BaseException], parts: list[pd.DataFrame],
                   count: int) -> None:
    """Count the failed parts' rows in attrs, list the parts, warn once."""
    lost = sum(len(parts[k]) for k in failures)
    batch = dict(out.attrs.get("batch") or {})
    batch["rows"] = batch.get("rows", 0) + lost
    batch["error"] = batch.get("error", 0) + lost
    out.attrs.update(batch=batch, from_cache=False, failed_parts=[
        {"part": k + 1, "of": count, "rows": len(parts[k]), "error": _describe(exc)[:300]}
        for k, exc in failures.items()])
    first = next(iter(failures.values()))
    warnings.warn(PartFailedWarning(
        f"{len(failures)} of {count} parts failed on the cluster ({type(first).__name__}); their {lost} catalogue "
        "row(s) have status 'error', every other row is complete. Run search_each_on_cluster again on "
        "out[out['status'] == 'error']: finished searches come from the workers' shared cache at no cost."),
        stacklevel=3)


def _merged_attrs(parts: list[dict[str, Any]], rows: int) -> dict[str, Any]:
    """The provenance of the whole catalogue from its parts': lists joined, maps merged, counts added."""
    merged = dict(parts[0])
    for attrs in parts[1:]:
        for key, value in attrs.items():
            if isinstance(value, list) and isinstance(merged.get(key), list):
                merged[key] = list(dict.fromkeys([*merged[key], *value])) if key == "queries" else merged[key] + value
            elif isinstance(value, dict) and isinstance(merged.get(key), dict):
                both = dict(merged[key])
                for k, v in value.items():
                    both[k] = both[k] + v if key == "batch" and isinstance(v, int) and k in both else both.get(k, v)
                merged[key] = both
        merged["from_cache"] = bool(merged.get("from_cache")) and bool(attrs.get("from_cache"))
    merged["query"] = f"{rows} catalogue images"
    return merged


def _search_part(part: pd.DataFrame, *, image_column: Hashable, client_options: Mapping[str, Any],
                 search_options: Mapping[str, Any]) -> pd.DataFrame:
    """One task: a client from the worker's environment (plus settings), search_each over one part."""
    from ..api.client import PatsnapClient

    with PatsnapClient.from_env(**client_options) as client:
        return search_each(part, image_column, client=client, progress=False, **search_options)
