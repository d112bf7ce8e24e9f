"""Clearance and prior-art reports: the report model's two job variants, built from the jobs' frames.

The jobs (``clearance(...)``, ``prior_art(...)``) and ``df.patsnap.in_force(...)`` make frames;
this module turns them into a :class:`~.model.Report` with a :class:`~.model.Job` part, which
the three writers lay out (HTML, PDF, Excel). It takes the data, never the jobs:

* :func:`clearance_report` ``(kept, excluded, provenance)``: the registered designs in force
  (or pending) in the markets on the date, each with its expiry and the rule behind it; what
  was excluded and why; the blind spots every clearance has; not a legal opinion.
* :func:`prior_art_report` ``(evidence, excluded, provenance)``: what was published before the
  cutoff, designs and utility models (marked); three-way comparisons; the blind spots.
* :func:`comparison`: the registered design, the accused product and the closest prior art
  side by side (:func:`patsnap_pandas.frame.compare.three_way`) from images and frames.

The columns read (all optional but the frame schema's): ``in_force``, ``in_force_reason``,
``expiry_estimate``, ``expiry_rule``, ``expiry_certainty``, ``expiry_patsnap``,
``next_renewal``, ``patent_type`` (``U``: a utility model) and, on excluded rows, the reason
(the first of :data:`REASON_COLUMNS`). The provenance keys read: :data:`PROVENANCE_KEYS`.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InvalidInputError
from ..frame import parties, words
from ..frame.compare import HEIGHT, ThreeWay, three_way
from ..frame.format import format_value, is_missing
from ..frame.links import public_record_url
from .job_model import Exclusion, Job
from .model import CARD_PX, REQUIRED_COLUMNS, Hit, Report, _date, _hit, _text, build_report
from .why import why_counted_over

__all__ = ["DISAGREE_DAYS", "JOB_TITLES", "PROVENANCE_KEYS", "REASON_COLUMNS", "clearance_report", "comparison",
           "expiry_words", "hit_picture", "markets_in_words", "prior_art_report"]

#: The default title of each report.
JOB_TITLES = {"clearance": "Design clearance", "prior_art": "Prior-art search"}
#: Where an excluded row's reason is read from: the first of these columns the frame has.
REASON_COLUMNS: tuple[str, ...] = ("excluded_reason", "exclusion_reason", "reason", "dropped_reason")
#: The provenance read (``provenance=`` or the frame's ``attrs``): key -> what it holds.
PROVENANCE_KEYS: dict[str, str] = {
    "markets": "the markets, as authority codes (clearance)",
    "on": "the date the designs are in force on (clearance; also 'date')",
    "before": "the cutoff: evidence published before it (prior art; also 'cutoff')",
    "dropped": "excluded hits by reason, reason -> count (also 'counts'); else counted from the excluded frame",
    "utility_models": "whether utility models were searched (prior art)",
    "registered": "the registered design's P069 record (prior art by number): named under 'What was searched'",
}
#: Our expiry and PatSnap's (P012 ``exdt``) differ by more than this: the report says so.
DISAGREE_DAYS = 31
_COUNTED_AS = "_report_counted_as"  # how the report counts a row it moved to the excluded (never shown)


# --- the two reports ---------------------------------------------------------------------------------


def clearance_report(kept: pd.DataFrame, excluded: pd.DataFrame | None = None,
                     provenance: Mapping[str, Any] | None = None, *, title: str | None = None,
                     subtitle: str | None = None, author: str | None = None, organisation: str | None = None,
                     comparisons: ThreeWay | Sequence[ThreeWay] | None = None,
                     notes: Mapping[str, str] | None = None) -> Report:
    """The clearance report of a clearance job's frames: in-force designs, exclusions, blind spots.

    Parameters
    ----------
    kept : DataFrame
        The designs in force or pending in the markets on the date (a result frame with the
        columns ``in_force``, ``in_force_reason``, ``expiry_estimate``, ``expiry_rule``...).
    excluded : DataFrame, optional
        The hits the job left out, with their reason (:data:`REASON_COLUMNS`, else ``in_force``
        and ``in_force_reason``).
    provenance : mapping, optional
        ``markets`` and ``on`` (the date), ``dropped`` (reason -> count), over ``kept.attrs``
        (the search's own provenance: query, filters, source, when fetched).
    title, subtitle, author, organisation : str, optional
        The cover; the title defaults to "Design clearance".
    comparisons : ThreeWay or list of them, optional
        Three-way comparisons (:func:`comparison`) shown after the table.
    notes : mapping of str to str, optional
        Further provenance shown under "What was searched".

    Returns
    -------
    Report
        Written by :func:`~patsnap_pandas.report.write_html`, ``write_pdf``, ``write_excel``.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> hits = search_designs(samples.image("armchair"), client=client, limit=4)
    >>> kept = hits.head(2).assign(in_force="in force", expiry_estimate="2036-03-02",
    ...                            expiry_rule="US design patent: 15 years from grant (35 USC 173)")
    >>> gone = hits.tail(2).assign(in_force="expired", in_force_reason="the term ended on 2020-01-02")
    >>> report = clearance_report(kept, gone, {"markets": ["US", "EM"], "on": "2027-01-01"})
    >>> report.job.date_label, report.job.date, len(report.job.rows), [e.reason for e in report.job.excluded][0]
    ('In force on', datetime.date(2027, 1, 1), 2, 'expired: the term ended on 2020-01-02')
    >>> report.job.markets, report.banner is not None
    (['US', 'EM'], True)
    >>> client.close()
    """
    attrs = _provenance(kept, provenance)
    on = _day(attrs, ("on", "date", "in_force_on"), "on")
    markets = _markets(attrs.get("markets"))
    base, rows, exclusions, counts = _common(kept, excluded, attrs, "clearance", title, subtitle, author,
                                             organisation, notes)
    scope = [("Purpose", "clearance: the registered designs that may stand in the way of the product, "
                         "in force or pending in the markets on the date"),
             ("Markets", markets_in_words(markets) or "not recorded"),
             ("In force on", on.isoformat()), *_method(base, len(rows) + len(exclusions), "clearance")]
    counts = [("Hits the image search returned", f"{len(rows) + len(exclusions):,}"),
              ("In force or pending in the markets on the date", f"{len(rows):,}"),
              ("Excluded", f"{len(exclusions):,}"), *counts]
    base.job = Job("clearance", "Clearance", "In force on", on, markets, scope, counts,
                   f"Registered designs in force or pending on {on.isoformat()}", rows, exclusions,
                   words.CLEARANCE_BLIND_SPOTS, words.NOT_LEGAL_OPINION, _comparisons(comparisons))
    return base


def prior_art_report(evidence: pd.DataFrame, excluded: pd.DataFrame | None = None,
                     provenance: Mapping[str, Any] | None = None, *, title: str | None = None,
                     subtitle: str | None = None, author: str | None = None, organisation: str | None = None,
                     comparisons: ThreeWay | Sequence[ThreeWay] | None = None,
                     notes: Mapping[str, str] | None = None) -> Report:
    """The prior-art report of a prior-art job's frames: the cutoff, the evidence, three-way comparisons.

    Parameters
    ----------
    evidence : DataFrame
        What was published before the cutoff, every status; utility models have
        ``patent_type`` ``"U"`` and are marked in every table. A row published on or after the
        cutoff, or without a publication date (``publication_date`` or ``pbdt``), is not shown
        as evidence: it is listed with the excluded hits, saying why.
    excluded : DataFrame, optional
        Hits left out (published on or after the cutoff, ...), with their reason.
    provenance : mapping, optional
        ``before`` (the cutoff), ``utility_models``, ``dropped``, over ``evidence.attrs``.
    title, subtitle, author, organisation, comparisons, notes
        As for :func:`clearance_report`; the title defaults to "Prior-art search".

    Returns
    -------
    Report

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> hits = search_designs(samples.image("armchair"), client=client, limit=3).patsnap.enrich()
    >>> report = prior_art_report(hits.assign(patent_type=["D", "U", "D"]), None, {"before": "2030-01-01"})
    >>> report.job.date_label, [h.utility_model for h in report.job.rows]
    ('Published before', [False, True, False])
    >>> [e.reason[:23] for e in prior_art_report(hits, None, {"before": "2014-01-01"}).job.excluded]
    ['published on 2025-03-22', 'published on 2022-02-10']
    >>> client.close()
    """
    attrs = _provenance(evidence, provenance)
    before = _day(attrs, ("before", "cutoff"), "before")
    evidence, excluded = _before_cutoff(evidence, excluded, before)
    base, rows, exclusions, counts = _common(evidence, excluded, attrs, "prior_art", title, subtitle, author,
                                             organisation, notes)
    models = sum(h.utility_model for h in rows)
    searched = attrs.get("utility_models")
    kinds = ("registered designs and utility models (utility models are marked)" if searched or models
             else "registered designs")
    scope = [("Purpose", "prior art: designs made public before the cutoff, every legal status"),
             *_registered_scope(attrs.get("registered"), before),
             ("Published before", f"{before.isoformat()} (nothing published on or after it is evidence here)"),
             ("Searched for", kinds), *_method(base, len(rows) + len(exclusions), "prior-art search")]
    counts = [("Hits the image search returned", f"{len(rows) + len(exclusions):,}"),
              ("Evidence: published before the cutoff", f"{len(rows):,}"),
              ("of which utility models", f"{models:,}"),
              ("Excluded", f"{len(exclusions):,}"), *counts]
    base.job = Job("prior_art", "Prior art", "Published before", before, [], scope, counts,
                   f"Evidence published before {before.isoformat()}", rows, exclusions,
                   words.PRIOR_ART_BLIND_SPOTS, words.NOT_LEGAL_OPINION_PRIOR_ART, _comparisons(comparisons))
    return base


# --- the three-way comparison ------------------------------------------------------------------------


def comparison(registered: Any, accused: Any, prior_art: Any = None, *, accused_label: str | None = None,
               registered_label: str | None = None, prior_art_image: bytes | None = None,
               registered_image: Any = None, before: Any = None, height: int = HEIGHT) -> ThreeWay:
    """The registered design, the accused product and the closest prior art, side by side at one height.

    Parameters
    ----------
    registered : bytes, path, row, one-row frame or mapping
        The registered design: its image (bytes or a file), its row of a result frame
        (number, dates, in force and expiry under the picture; its image from the thumbnail store),
        or its P069 record (``prior_art(..., registered=NUMBER).provenance["registered"]``: number,
        filing date and owner under the picture; P069 has no image: give ``registered_image``,
        else its picture among the rows of ``prior_art`` when it is one of them).
    accused : bytes or path
        The accused product's image.
    prior_art : DataFrame, row or bytes, optional
        The prior-art evidence: the closest (best score) that is not the registered design
        itself; or one row; or an image. None: the third place says there is none.
    accused_label, registered_label : str, optional
        Captions (default: the file name, or the design's number).
    prior_art_image : bytes, optional
        The prior art's picture when ``prior_art`` is a row and the picture is at hand (not loaded again).
    registered_image : bytes or path, optional
        The registered design's picture (the image searched, a drawing of the registration), over
        the one a row or record would give.
    before : date or "YYYY-MM-DD", optional
        The cutoff: the closest prior art is taken among the rows of ``prior_art`` published before it.
    height : int
        The pictures' common height in pixels.

    Returns
    -------
    ThreeWay
        For :func:`clearance_report` / :func:`prior_art_report` (``comparisons=``) and the panel.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> hits = search_designs(samples.image("armchair"), client=client, limit=5)
    >>> tw = comparison(hits.iloc[[0]], samples.image("armchair"), hits)
    >>> [p.caption for p in tw.pictures] == [hits["patent_pn"][0], "armchair.png", hits["patent_pn"][1]]
    True
    >>> record = {"pn": "CN305007919S", "apdt": 20180224, "pbdt": 20180821, "current_assignee": "Acme Ltd"}
    >>> tw = comparison(record, samples.image("armchair"), hits, registered_image=samples.image("armchair"))
    >>> tw.pictures[0].caption, tw.pictures[0].facts[:3]
    ('CN305007919S', (('Office', 'China'), ('Filed', '2018-02-24'), ('Owner', 'Acme Ltd')))
    >>> client.close()
    """
    if isinstance(registered, Mapping):
        registered, registered_image = _from_record(registered, registered_image, prior_art)
    reg_image, reg_caption, reg_facts, reg_number = _side(registered, "registered", _image(registered_image))
    acc_image, acc_caption, _, _ = _side(accused, "accused")
    if isinstance(prior_art, pd.DataFrame):
        if before is not None:
            prior_art, _ = _before_cutoff(prior_art, None, _day({"before": before}, ("before",), "before"))
        prior_art = _closest(prior_art, reg_number)
    pa_image, pa_caption, pa_facts, _ = (_side(prior_art, "prior_art", prior_art_image) if prior_art is not None
                                         else (None, "", [], ""))
    return three_way(reg_image, acc_image, pa_image, height=height,
                     captions=(registered_label or reg_caption, accused_label or acc_caption or "accused product",
                               pa_caption if prior_art is not None else "none found"),
                     facts=(reg_facts, [], pa_facts))


def hit_picture(df: pd.DataFrame, index: Any, fallback: bytes | None = None, size: int = CARD_PX) -> bytes | None:
    """The picture of row ``index`` at ``size`` px when its link still works, else ``fallback`` or the stored thumbnail.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> with PatsnapClient.sandbox() as client:
    ...     hits = search_designs(samples.image("armchair"), client=client, limit=2)
    ...     hit_picture(hits, 0)[:4]
    b'\\x89PNG'
    """
    import warnings

    from ..jobs.images import load_row_thumbnails, load_thumbnails
    from ..store.thumbnails import ThumbnailStore

    large: bytes | None = None
    if not is_missing(df.at[index, "image_url"]):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                large = load_thumbnails(df.loc[[index]], size=size)[0]
            if large == ThumbnailStore(size=size).placeholder():  # the link expired: no image at this size
                large = None
        except Exception:  # noqa: BLE001 - the stored thumbnail is a fine fallback (URL expired, offline)
            large = None
    if large is not None and _long_side(large) > _long_side(fallback):
        return large
    if fallback is not None:
        return fallback
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_row_thumbnails(df.loc[[index]])[0] if not is_missing(df.at[index, "image_url"]) else None


# --- words ---------------------------------------------------------------------------------------------


def markets_in_words(markets: Sequence[str]) -> str:
    """Authority codes as a reader says them.

    Examples
    --------
    >>> markets_in_words(["US", "EM", "CN"])
    'United States, EUIPO (EU designs), China'
    """
    return ", ".join(words.authority_name(code) for code in markets)


def expiry_words(hit: Hit) -> list[tuple[str, str]]:
    """A hit's expiry in words: the estimate and how sure it is, PatSnap's estimate (and whether they differ).

    Examples
    --------
    >>> from patsnap_pandas.report.model import Hit
    >>> hit = Hit(None, None, "EM1", "", "", "EM", "", "", "", "", "", "", None, None, "", "", "",
    ...           expiry=_dt.date(2040, 3, 10), expiry_certainty="rule", expiry_patsnap=_dt.date(2040, 6, 1))
    >>> expiry_words(hit)
    [('Expires', '2040-03-10 (estimate)'), ('PatSnap estimates', '2040-06-01: 83 days apart, check the register')]
    """
    out = []
    if hit.expiry is not None:
        sure = "" if hit.expiry_certainty in ("", "rule") else f", {hit.expiry_certainty}"
        out.append(("Expires", f"{hit.expiry.isoformat()} (estimate{sure})"))
    elif hit.expiry_certainty:
        out.append(("Expires", hit.expiry_certainty))
    if hit.expiry_patsnap is not None:
        text = hit.expiry_patsnap.isoformat()
        if hit.expiry is not None and abs((hit.expiry_patsnap - hit.expiry).days) > DISAGREE_DAYS:
            text += f": {abs((hit.expiry_patsnap - hit.expiry).days):,} days apart, check the register"
        out.append(("PatSnap estimates", text))
    return out


# --- pieces ------------------------------------------------------------------------------------------


def _provenance(df: Any, provenance: Mapping[str, Any] | None) -> dict[str, Any]:
    if not isinstance(df, pd.DataFrame):
        raise InvalidInputError(f"kept={type(df).__name__} is not valid: expected the job's frame of hits.")
    if provenance is not None and not isinstance(provenance, Mapping):
        raise InvalidInputError(f"provenance={type(provenance).__name__} is not valid: expected a mapping "
                                f"(keys: {', '.join(PROVENANCE_KEYS)}).")
    return {**df.attrs, **(provenance or {})}


def _day(attrs: Mapping[str, Any], keys: tuple[str, ...], name: str) -> _dt.date:
    for key in keys:
        day = _date(attrs.get(key))
        if day is not None:
            return day
    given = next((attrs[k] for k in keys if k in attrs), None)
    raise InvalidInputError(f"provenance[{name!r}]={given!r} is not valid: the report needs the date "
                            f"(a date or YYYY-MM-DD), in provenance= or the frame's attrs.")


def _markets(value: Any) -> list[str]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [str(item).strip().upper() for item in items if str(item).strip()]


def _frame(df: pd.DataFrame, attrs: Mapping[str, Any]) -> pd.DataFrame:
    """``df`` with every column the report needs (an empty frame may lack some) and ``attrs``."""
    out = df.copy()
    for column in REQUIRED_COLUMNS:
        if column not in out.columns:
            out[column] = pd.Series([None] * len(out), index=out.index, dtype="object")
    out.attrs = dict(attrs)
    return out


def _common(kept: pd.DataFrame, excluded: pd.DataFrame | None, attrs: dict[str, Any], kind: str,
            title: str | None, subtitle: str | None, author: str | None, organisation: str | None,
            notes: Mapping[str, str] | None) -> tuple[Report, list[Hit], list[Exclusion], list[tuple[str, str]]]:
    """The search report of ``kept`` (cover, query, chart, cards, about), its rows, the exclusions and their counts."""
    if excluded is not None and not isinstance(excluded, pd.DataFrame):
        raise InvalidInputError(f"excluded={type(excluded).__name__} is not valid: expected the job's frame of "
                                "excluded hits, or None.")
    shown = why_counted_over(kept, excluded)  # a hit's place among every hit of the search, not the kept ones
    base = build_report(_frame(shown, attrs), title=title or JOB_TITLES[kind], subtitle=subtitle, author=author,
                        organisation=organisation, notes=notes, landscape=False)  # a job report has no landscape
    rows = [h for s in base.sections for h in s.hits]
    exclusions = [_exclusion(r) for r in ([] if excluded is None else excluded.to_dict("records"))]
    records = [] if excluded is None else excluded.to_dict("records")
    dropped = attrs.get("dropped", attrs.get("counts"))
    if isinstance(dropped, Mapping) and dropped and all(isinstance(v, int) for v in dropped.values()):
        # the job's own counts, and those of the rows the report itself set aside (after the cutoff)
        moved = Counter(_category(r) for r in records if _text(r.get(_COUNTED_AS)))
        by_reason = [(str(k), int(v)) for k, v in dropped.items()] + sorted(moved.items())
    else:
        by_reason = sorted(Counter(_category(r) for r in records).items(), key=lambda kv: (-kv[1], kv[0]))
    counts = [(f"of which {reason}", f"{n:,}") for reason, n in by_reason]
    return base, rows, exclusions, counts


def _before_cutoff(evidence: pd.DataFrame, excluded: pd.DataFrame | None,
                   before: _dt.date) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Evidence rows published before ``before``; the others join the excluded rows with their reason."""
    def published(row: Mapping[str, Any]) -> _dt.date | None:
        return _date(row.get("publication_date")) or _date(row.get("pbdt"))

    days = [published(row) for row in evidence.to_dict("records")]
    late = [day is None or day >= before for day in days]
    if not any(late):
        return evidence, excluded
    moved = evidence[late].copy()
    moved["excluded_reason"] = [
        "no publication date: it cannot be shown to be earlier than the cutoff" if day is None
        else f"published on {day.isoformat()}, not before the cutoff" for day, is_late in zip(days, late, strict=True)
        if is_late]
    moved[_COUNTED_AS] = ["without a publication date" if day is None else "published on or after the cutoff"
                          for day, is_late in zip(days, late, strict=True) if is_late]
    kept = evidence[[not x for x in late]]
    kept.attrs = dict(evidence.attrs)
    return kept, moved if excluded is None else pd.concat([excluded, moved], ignore_index=True)


def _registered_scope(record: Any, before: _dt.date) -> list[tuple[str, str]]:
    """The "What was searched" row of the registered design at issue (``prior_art(..., registered=)``'s record)."""
    if not isinstance(record, Mapping) or not _text(record.get("pn")):
        return []
    filed = _date(record.get("apdt"))
    owner = parties.owner_of(record)
    words_ = [_text(record.get("pn")), *([f"filed {filed.isoformat()}"] if filed else []), *([owner] if owner else [])]
    cutoff = ("the cutoff is its filing date (PatSnap's record gives no priority date: a claimed priority "
              "needs an earlier cutoff)" if filed == before
              else "the cutoff was given")
    return [("Registered design", f"{', '.join(words_)}: {cutoff}; never counted as its own prior art")]


def _method(report: Report, checked: int, job: str) -> list[tuple[str, str]]:
    """The search report's method rows, but its hit count (the job's counts say it) and its source (the cover
    does); the designs the search ranked are said as what they are: only the most similar were checked."""
    rows = []
    for key, value in report.method:
        if key in ("Hits in this report", "Data source"):
            continue
        if key == "Designs matching":
            key, value = "Hits checked", (f"the {checked:,} most similar of the {value} designs the image search "
                                          f"ranked: a design ranked lower is not in this {job}; search again with "
                                          "a higher limit to check more")
        elif key == "Filter: Published" and job == "prior-art search":
            value += " (the search's bound; what was published on the cutoff day itself is then left out here)"
        rows.append((key, value))
    return rows


def _reason(row: Mapping[str, Any]) -> str:
    for column in REASON_COLUMNS:
        if column in row and not is_missing(row[column]) and format_value(row[column]).strip():
            return format_value(row[column]).strip()
    status, why = _text(row.get("in_force")), _text(row.get("in_force_reason"))
    return f"{status}: {why}" if status and why else status or why or "not recorded"


def _category(row: Mapping[str, Any]) -> str:
    """What an excluded row counts as: the status that ended it (expired, lapsed, ...), else its reason
    (a design in force set aside for another reason: outside the markets, published too late)."""
    if _text(row.get(_COUNTED_AS)):
        return _text(row.get(_COUNTED_AS))
    status = _text(row.get("in_force")).lower()
    return status if status not in ("", "in force", "pending") else _reason(row)


def _exclusion(row: Mapping[str, Any]) -> Exclusion:
    number, code = _text(row.get("patent_pn")), _text(row.get("authority")).upper()
    return Exclusion(number, words.authority_name(code) if code else "", _text(row.get("title")), _reason(row),
                     public_record_url(number, code) if number else None, _date(row.get("expiry_estimate")))


def _comparisons(value: Any) -> list[ThreeWay]:
    if value is None:
        return []
    items = [value] if isinstance(value, ThreeWay) else list(value)
    if not all(isinstance(item, ThreeWay) for item in items):
        raise InvalidInputError(f"comparisons={value!r} is not valid: expected a ThreeWay (report.comparison(...)) "
                                "or a list of them.")
    return items


def _long_side(png: bytes | None) -> int:
    if not png:
        return 0
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(png)) as im:
            return max(im.size)
    except Exception:  # noqa: BLE001 - unreadable counts as no image
        return 0


def _closest(df: pd.DataFrame, not_number: str) -> pd.DataFrame | None:
    """The best-scored row of ``df`` that is not the design ``not_number`` (None when there is none)."""
    if not len(df):
        return None
    others = df[df["patent_pn"].astype("string").fillna("") != not_number] if not_number else df
    if not len(others):
        return None
    score = pd.to_numeric(others["score"], errors="coerce").fillna(-1.0)
    return others.loc[[score.idxmax()]]


def _image(value: Any) -> bytes | None:
    """An optional picture given as bytes or a path (``registered_image=``)."""
    if value is None or isinstance(value, (bytes, bytearray, memoryview)):
        return None if value is None else bytes(value)
    return _side(value, "registered_image")[0]


def _from_record(record: Mapping[str, Any], image: Any, hits: Any) -> tuple[pd.DataFrame, Any]:
    """A P069 record as a one-row frame for :func:`_side`, and its picture: ``image``, else its row's in ``hits``."""
    number = _text(record.get("pn") or record.get("patent_pn"))
    if not number:
        raise InvalidInputError(f"registered={dict(record)!r} is not valid: a record needs its publication number "
                                "('pn', as P069 gives it).")
    code = "".join(itertools.takewhile(str.isalpha, number))[:2].upper()
    owner = parties.owner_of(record)
    row = {"patent_pn": number, "authority": _text(record.get("authority")) or code,
           "apply_date": record.get("apdt"), "publication_date": record.get("pbdt"),
           "title": _text(record.get("title")), "owner": owner, "image_url": None}
    if image is None and isinstance(hits, pd.DataFrame) and "patent_pn" in hits.columns:
        same = hits[hits["patent_pn"].astype("string").str.upper() == number.upper()]
        if len(same) and "image_url" in same.columns:
            image = hit_picture(same, same.index[0])
    return pd.DataFrame([row]), image


def _side(value: Any, role: str, image: bytes | None = None) -> tuple[bytes | None, str, list[tuple[str, str]], str]:
    """(image, caption, facts, number) of one side of a comparison."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value), "", [], ""
    if isinstance(value, (str, Path)):
        path = Path(value)
        try:
            return path.read_bytes(), path.name, [], ""
        except OSError as exc:
            raise InvalidInputError(f"{role}={str(value)!r} is not valid: {exc.strerror or exc}. Allowed: image "
                                    "bytes, a path to an image file, or a row of a result frame.") from None
    if isinstance(value, pd.Series):
        value = value.to_frame().T
    if isinstance(value, pd.DataFrame) and len(value) >= 1 and "patent_pn" in value.columns:
        index = value.index[0]
        if image is None and "image_url" in value.columns and not is_missing(value.at[index, "image_url"]):
            image = hit_picture(value, index)
        row = value.loc[index].to_dict()
        hit = _hit(row, image)
        facts = _facts(hit, role)
        if _text(row.get("owner")) and role == "registered":
            facts.append(("Owner", _text(row.get("owner"))))
        return image, hit.number, facts, hit.number
    raise InvalidInputError(f"{role}={type(value).__name__} is not valid: expected image bytes, a path to an image "
                            "file, or a row of a result frame (with patent_pn).")


def _facts(hit: Hit, role: str) -> list[tuple[str, str]]:
    """What stands under a design's picture in a comparison."""
    facts = [("Office", hit.authority)] if hit.authority else []
    if hit.utility_model:
        facts.append(("Kind", "utility model"))
    for label, value in (("Filed", hit.applied), ("Published", hit.published), ("Granted", hit.granted)):
        if value and (role == "prior_art" or label != "Published"):
            facts.append((label, value))
    if hit.in_force:
        facts.append(("Status", f"{hit.in_force}" + (f" ({hit.in_force_reason})" if hit.in_force_reason else "")))
    facts.extend(expiry_words(hit)[:1])
    if role == "prior_art" and hit.score is not None:
        facts.append(("Score", f"{hit.score:.3f}"))
    return facts
