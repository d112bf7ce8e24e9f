"""What a clearance or prior-art job returns: the hits kept, the hits set aside with their reasons, and counts.

One object for both jobs (docs/clearance.md, "What the jobs return"), so a notebook, the CLI,
the reports and the panel read them the same way.

Examples
--------
>>> import pandas as pd
>>> hits = pd.DataFrame({"patent_id": ["a", "b", "c"], "score": [0.9, 0.8, 0.7]})
>>> result = JobResult.split("clearance", hits, {1: "expired: the term ended on 2020-01-02"},
...                          markets=["US", "EM"], on="2027-01-01")
>>> result.kept["patent_id"].tolist(), result.excluded["excluded_reason"].tolist()
(['a', 'c'], ['expired: the term ended on 2020-01-02'])
>>> result.dropped
{'expired': 1}
>>> print(result)
clearance in US, EM on 2027-01-01: 2 of 3 hits kept; 1 excluded (expired: 1)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .._validate import check_choice

__all__ = ["JobResult"]

#: The jobs a result can come from.
JOBS = ("clearance", "prior_art", "in_force")


def _reason_key(reason: str) -> str:
    """The reason a row is counted under: the words before the first colon (``"expired: ..."`` -> ``expired``)."""
    return reason.split(":", 1)[0].strip()


@dataclass(frozen=True)
class JobResult:
    """The hits of a job, split: ``kept`` (what the job is for), ``excluded`` (the rest, each with its reason).

    Attributes
    ----------
    job : {"clearance", "prior_art", "in_force"}
    hits : DataFrame
        Every hit in rank order, with ``kept`` (bool) and ``excluded_reason`` (missing where kept).
    kept, excluded : DataFrame
        The two parts of ``hits``, in rank order; both carry the search's ``attrs`` plus :attr:`provenance`.
    dropped : dict
        reason -> how many hits were excluded for it.
    provenance : dict
        JSON-safe: job, the job's parameters (markets, on, before, ...), dropped, counts.

    Examples
    --------
    >>> hits = pd.DataFrame({"patent_id": ["a", "b"], "in_force": ["in force", "lapsed"]})
    >>> result = JobResult.split("clearance", hits, {1: "lapsed: legal status: annual fee unpaid"},
    ...                          markets=["CN"], on="2026-12-07")
    >>> len(result), result.provenance["counts"], result.excluded["excluded_reason"].tolist()
    (1, {'hits': 2, 'kept': 1, 'excluded': 1}, ['lapsed: legal status: annual fee unpaid'])
    """

    job: str
    hits: pd.DataFrame
    provenance: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def split(cls, job: str, hits: pd.DataFrame, reasons: Mapping[Any, str], **parameters: Any) -> JobResult:
        """The result of ``job`` over ``hits``: the rows named in ``reasons`` (index label -> reason in words)
        are excluded, the others kept. ``parameters`` (JSON-safe: markets, on, before, ...) go into provenance."""
        job = check_choice(job, "job", JOBS)
        frame = hits.copy()
        frame["excluded_reason"] = pd.Series([reasons.get(i) for i in frame.index], index=frame.index,
                                             dtype="string")
        frame["kept"] = frame["excluded_reason"].isna().to_numpy()
        dropped: dict[str, int] = {}
        for reason in frame["excluded_reason"].dropna():
            key = _reason_key(str(reason))
            dropped[key] = dropped.get(key, 0) + 1
        kept = int(frame["kept"].sum())
        provenance = {"job": job, **parameters, "dropped": dropped,
                      "counts": {"hits": len(frame), "kept": kept, "excluded": len(frame) - kept}}
        frame.attrs = {**hits.attrs, **provenance}
        return cls(job=job, hits=frame, provenance=provenance)

    @property
    def kept(self) -> pd.DataFrame:
        part = self.hits[self.hits["kept"]].drop(columns=["kept", "excluded_reason"])
        part.attrs = dict(self.hits.attrs)
        return part

    @property
    def excluded(self) -> pd.DataFrame:
        part = self.hits[~self.hits["kept"]].drop(columns=["kept"])
        part.attrs = dict(self.hits.attrs)
        return part

    @property
    def evidence(self) -> pd.DataFrame:
        """Prior art's name for :attr:`kept`."""
        return self.kept

    @property
    def dropped(self) -> dict[str, int]:
        return dict(self.provenance.get("dropped", {}))

    @property
    def summary(self) -> str:
        """The result in one line of words."""
        p = self.provenance
        counts = p.get("counts", {})
        if self.job == "prior_art":
            scope = f"prior art published before {p.get('before')}"
        else:
            scope = f"{self.job.replace('_', ' ')} in {', '.join(p.get('markets') or [])} on {p.get('on')}"
        line = f"{scope}: {counts.get('kept', 0)} of {counts.get('hits', 0)} hits kept"
        if counts.get("excluded"):
            reasons = ", ".join(f"{k}: {v}" for k, v in self.dropped.items())
            line += f"; {counts['excluded']} excluded ({reasons})"
        return line

    def __str__(self) -> str:
        return self.summary

    def __repr__(self) -> str:
        return f"<JobResult {self.summary}>"

    def __len__(self) -> int:
        return int(self.hits["kept"].sum())
