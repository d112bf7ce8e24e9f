"""A watch's digest: the report of a run's new hits (or every hit), written like any other report.

:func:`digest_report` builds the report model (:func:`~patsnap_pandas.report.model.build_report`)
of the rows of a watch run that are ``new``, with the watch, the run's date and what was
watched in the method section; the writers (HTML, PDF, Excel; the one chosen by the file's
suffix, see ``cli/job_files.write_job_report``) write it. A run with nothing new gives a report
that says so, for a team that wants to see every week's run.

Examples
--------
>>> from patsnap_pandas import PatsnapClient, Watch, samples
>>> from patsnap_pandas.report import write_html
>>> with PatsnapClient.sandbox(corpus_size=60) as client:
...     hits = Watch("chairs", {"C-100": samples.image("armchair")}, limit=3).run(client=client)
...     model = digest_report(hits)
...     path = write_html(model, "digest.html")
>>> model.title, model.hit_count
("Watch 'chairs': 3 new designs", 3)
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..errors import InvalidInputError
from .model import Report, build_report
from .why import why_counted_over

__all__ = ["digest_report", "digest_title"]


def digest_title(name: str, new: int) -> str:
    """The digest's title: the watch and how many new designs.

    Examples
    --------
    >>> digest_title("our chairs", 0), digest_title("our chairs", 1)
    ("Watch 'our chairs': nothing new", "Watch 'our chairs': 1 new design")
    """
    if new == 0:
        return f"Watch {name!r}: nothing new"
    return f"Watch {name!r}: {new} new design{'s' if new != 1 else ''}"


def digest_report(hits: pd.DataFrame, *, everything: bool = False, title: str | None = None,
                  author: str | None = None) -> Report:
    """The report of a watch run's new hits (``everything``: all its hits, new ones marked in the notes).

    Parameters
    ----------
    hits : DataFrame
        What :meth:`~patsnap_pandas.jobs.watch.Watch.run` returned (``new``, ``first_seen``; attrs
        ``watch`` and ``watch_day``).
    everything : bool, default False
        Every hit of the run, not only the new ones.
    title, author : str, optional
        Default title: the watch and the number of new designs.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, Watch, samples
    >>> with PatsnapClient.sandbox(corpus_size=60) as client:
    ...     watch = Watch("lamps", {"L-200": samples.image("desk-lamp")}, limit=2)
    ...     first, again = watch.run(client=client), watch.run(client=client)
    ...     nothing_new, everything = digest_report(again), digest_report(again, everything=True)
    >>> nothing_new.title, everything.hit_count
    ("Watch 'lamps': nothing new", 2)
    """
    if not isinstance(hits, pd.DataFrame) or "new" not in hits.columns or "watch" not in hits.attrs:
        raise InvalidInputError("hits is not valid: expected the frame a watch run returned (Watch.run()), "
                                "with the column 'new'.")
    new = hits["new"].fillna(False).astype(bool)
    old = None if everything else hits[~new.to_numpy()]
    shown = why_counted_over(hits if everything else hits[new.to_numpy()], old)  # places among all the run's hits
    shown = shown.reset_index(drop=True)
    shown.attrs = dict(hits.attrs)
    name, day = str(hits.attrs["watch"]), str(hits.attrs.get("watch_day", ""))
    products = list(dict.fromkeys(hits["query"].astype(str))) if "query" in hits.columns else []
    notes: dict[str, Any] = {
        "Watch": f"{name}: {len(products)} product{'s' if len(products) != 1 else ''}"
                 + (f" ({', '.join(products)})" if products else ""),
        "Run": f"{day}: {len(hits)} hits, {int(new.sum())} new (not reported by an earlier run)",
    }
    if everything:
        notes["Shown"] = "every hit of the run; new ones have first seen = the run's date"
    subtitle = f"Run of {day}" if day else None
    model = build_report(shown, title=title or digest_title(name, int(new.sum())), subtitle=subtitle,
                         author=author, notes=notes)
    if not everything:  # the report's count of the frame it was given: say which hits of the run those are
        said = f"{len(shown)} new of the {len(hits)} the run found"
        model.method = [(label, said if label == "Hits in this report" else text) for label, text in model.method]
    return model
