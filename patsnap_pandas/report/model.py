"""The report model: everything a report says, built once from a result frame, written by any writer.

:func:`build_report` turns one result frame (from ``search_designs``) or a batch
frame (from ``search_each``) into a :class:`Report`: plain values and words, the
thumbnails and charts as PNG bytes. The writers (:mod:`.html`, :mod:`.pdf`,
:mod:`.excel`) only lay it out, so the HTML, the PDF and the workbook say the same.

Nothing internal reaches a report unless asked: no search ids, UUIDs, signed URLs
or endpoint codes; ``df.attrs`` is read through a whitelist and secrets never
appear. Thumbnails come from the thumbnail store (no API call).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._validate import check_choice, check_flag, check_int
from ..errors import InvalidInputError
from ..frame import families, owners, parties, words
from ..frame.charts import score_chart_png
from ..frame.format import format_value, is_missing, optional_int
from ..frame.links import public_record_url
from ..frame.schema import RELEVANCE_VALUES
from ..safe_text import valid_score
from . import why
from .provenance import about_rows, method_rows, when_text

if TYPE_CHECKING:
    from ..frame.landscape import Landscape
    from .job_model import Job

__all__ = ["INCLUDE_CHOICES", "REQUIRED_COLUMNS", "Column", "GroupRow", "Hit", "OverviewRow", "Report", "Section",
           "View", "build_report"]

#: What a report includes: every hit, only marked ones, or only those marked relevant.
INCLUDE_CHOICES: tuple[str, ...] = ("all", "marked", "relevant")
#: The columns a frame needs for a report.
REQUIRED_COLUMNS: tuple[str, ...] = ("rank", "score", "patent_pn", "title", "authority", "patent_id", "image_url")
CARDS_SINGLE = 10      # comparison cards of a single search
CARDS_PER_PRODUCT = 3  # comparison cards per product of a batch
CHART_BARS = 30
CARD_PX = 480          # card images are stored this large (shown at 240 px or more)
THUMB_PX = 256         # table thumbnails (shown at 120 px or more)
_RELEVANCE_ORDER = (*RELEVANCE_VALUES, "")
_RELEVANCE_HEADINGS = {"relevant": "Marked relevant", "not relevant": "Marked not relevant",
                       "unsure": "Marked unsure", "": "Not marked"}


@dataclasses.dataclass
class Hit:
    """One hit as a report shows it: words, not codes.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> report = build_report(search_designs(samples.image("armchair"), client=client, limit=5).patsnap.enrich())
    >>> hit = report.sections[0].hits[0]; hit.rank, hit.loc.endswith("(Furnishing)"), hit.image is not None
    (1, True, True)
    >>> client.close()
    """

    rank: int | None
    score: float | None
    number: str
    title: str
    authority: str          # name, e.g. "United States"
    authority_code: str
    assignees: str
    applied: str            # YYYY-MM-DD or ""
    published: str
    granted: str
    loc: str                # "06-01 (Furnishing)"
    legal_status: str       # "Active"
    link: str | None        # public record, when a pattern is known
    image: bytes | None     # PNG
    relevance: str          # one of RELEVANCE_VALUES or ""
    note: str
    query: str
    dates: dict[str, _dt.date | None] = dataclasses.field(default_factory=dict)
    matched_view: int | None = None   # 1-based: the query view whose score is the hit's (several views)
    view_scores: tuple[float | None, ...] = ()  # each view's score (views searched one by one, then fused)
    # clearance and prior art (the columns of df.patsnap.in_force, clearance() and prior_art())
    in_force: str = ""                 # "in force", "expired", "lapsed", "pending", "unknown" on the report's date
    in_force_reason: str = ""          # why, in words
    expiry: _dt.date | None = None     # the estimated expiry (the office's term rule)
    expiry_rule: str = ""              # the rule, in words
    expiry_certainty: str = ""         # "rule", "rule, transition assumed", "unknown: ..."
    expiry_patsnap: _dt.date | None = None  # PatSnap's own estimate (P012 exdt)
    next_renewal: str = ""             # the next renewal due, in words
    utility_model: bool = False        # a utility model (prior art), not a registered design
    # who made the latest mark and when (df.patsnap.mark / the panel / an Excel round trip)
    marked_by: str = ""                # the reviewer's name, "" when not recorded
    marked_at: _dt.datetime | None = None  # UTC (tz-aware), None when not recorded
    inventors: str = ""                # names joined by "; " (PatSnap's inventor field)
    why: str = ""                      # why it matched, one sentence (report.why)
    overlay: bytes | None = None       # a card's query and hit aligned and blended, PNG (report.why)
    owner_group: str = ""              # the frame's canonical_owner (with_families(aliases)), "; "-joined

    @property
    def marked(self) -> str:
        """Who marked the hit and when, in words ("" for an unmarked hit or one marked before names were kept).

        Examples
        --------
        >>> Hit(None, None, "USD1S", "", "", "", "", "", "", "", "", "", None, None, "relevant", "", "",
        ...     marked_by="A. Analyst", marked_at=_dt.datetime(2026, 12, 7, 9, 30, tzinfo=_dt.timezone.utc)).marked
        'by A. Analyst, 2026-12-07 09:30 UTC'
        """
        if not (self.relevance or self.note) or not (self.marked_by or self.marked_at):
            return ""
        return f"by {self.marked_by or 'an unnamed reviewer'}" + (f", {self.marked_when}" if self.marked_when else "")

    @property
    def marked_when(self) -> str:
        """When the hit was marked, ``"2026-12-07 09:30 UTC"`` ("" when not recorded)."""
        return f"{self.marked_at:%Y-%m-%d %H:%M} UTC" if self.marked_at else ""


@dataclasses.dataclass
class Column:
    """A column of the hits table: frame-independent key, header words, kind (for alignment/no-wrap).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> report = build_report(search_designs(samples.image("armchair"), client=client, limit=5).patsnap.enrich())
    >>> [(c.label, c.kind) for c in report.columns[:4]]
    [('Image', 'image'), ('Rank', 'num'), ('Score', 'num'), ('Number', 'code')]
    >>> client.close()
    """

    key: str
    label: str
    kind: str  # "image", "num", "code", "date", "text"


@dataclasses.dataclass
class GroupRow:
    """One row of a per-assignee or per-authority summary, with its best match.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> report = build_report(search_designs(samples.image("armchair"), client=client, limit=5).patsnap.enrich())
    >>> sum(row.hits for row in report.by_authority)
    5
    >>> client.close()
    """

    name: str
    hits: int
    best_score: float | None
    best_number: str
    best_image: bytes | None
    families: int | None = None  # per owner: designs, one registered in several offices counted once


@dataclasses.dataclass
class View:
    """One query image of a multi-view search: its label and its picture (PNG).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> df = search_designs([samples.image("armchair"), samples.image("desk-lamp")], client=client, limit=3)
    >>> [(v.label, v.image is not None) for v in build_report(df).sections[0].views]
    [('armchair.png', True), ('desk-lamp.png', True)]
    >>> client.close()
    """

    label: str
    image: bytes | None


@dataclasses.dataclass
class Section:
    """One query and its hits (the whole report for one search; one product of a batch).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> report = build_report(search_designs(samples.image("armchair"), client=client, limit=5).patsnap.enrich())
    >>> section = report.sections[0]; section.query, len(section.cards), section.query_image is not None
    ('armchair.png', 5, True)
    >>> client.close()
    """

    query: str
    query_image: bytes | None
    query_digest: str | None
    hits: list[Hit]
    cards: list[Hit]
    status: str = "ok"       # batch: "ok", "no_hits" or "error"
    error: str = ""
    views: list[View] = dataclasses.field(default_factory=list)  # several views of one product, in order
    query_large: bytes | None = None  # the query image kept large (up to 1024 px), where a report shows it large

    @property
    def multi_view(self) -> bool:
        """True when the query was several views of one product."""
        return len(self.views) > 1

    def view_of(self, hit: Hit) -> tuple[View | None, str]:
        """The query view to show beside ``hit`` and its caption in words.

        One image: that image, "Query: <label>". Several views: the view that matched,
        "Matched view 2 of 3: <label>"; ``(None, "All 3 views, scored together")`` when
        the search does not say which view matched (all views stand beside the hit).
        """
        if not self.multi_view:
            return View(self.query, self.query_image), f"Query: {self.query}"
        n = len(self.views)
        if hit.matched_view is not None and 1 <= hit.matched_view <= n:
            view = self.views[hit.matched_view - 1]
            return view, f"Matched view {hit.matched_view} of {n}: {view.label}"
        return None, f"All {n} views, scored together"

    @property
    def views_note(self) -> str:
        """What the comparison cards of a multi-view search show, said once above them ("" otherwise)."""
        if not self.multi_view:
            return ""
        if any(h.matched_view is not None for h in self.cards):
            return ("The query view that matched each hit is beside it (view numbers are the search order); "
                    + ("the other view is" if len(self.views) == 2 else f"the other {len(self.views) - 1} views are")
                    + " shown small under it.")
        return (f"The search scored each design against all {len(self.views)} views together and does not say "
                "which view matched; each card shows all views beside the hit.")

    def groups(self, by_relevance: bool) -> list[tuple[str, list[Hit]]]:
        """The hits as (heading, hits) groups: one group, or one per relevance value."""
        if not by_relevance:
            return [("", self.hits)]
        out = []
        for value in _RELEVANCE_ORDER:
            members = [h for h in self.hits if h.relevance == value]
            if members:
                out.append((_RELEVANCE_HEADINGS[value], members))
        return out


@dataclasses.dataclass
class OverviewRow:
    """A product of a batch: its image, its closest hit and score.

    Examples
    --------
    >>> import pandas as pd
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> catalogue = pd.DataFrame({"sku": ["C-1", "L-2"], "photo": [samples.image("armchair"), samples.image("desk-lamp")]})
    >>> client = PatsnapClient.sandbox()
    >>> batch = catalogue.patsnap.search_each("photo", label_column="sku", limit=3, client=client, progress=False)
    >>> [(row.query, row.hits, row.best.rank) for row in build_report(batch).overview]
    [('C-1', 3, 1), ('L-2', 3, 1)]
    >>> client.close()
    """

    query: str
    query_image: bytes | None
    hits: int
    best: Hit | None
    status: str
    error: str


@dataclasses.dataclass
class Report:
    """Everything a report says; see :func:`build_report`.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> report = build_report(search_designs(samples.image("armchair"), client=client, limit=5).patsnap.enrich())
    >>> report.sandbox, report.batch, report.hit_count
    (True, False, 5)
    >>> client.close()
    """

    title: str
    subtitle: str | None
    author: str | None
    organisation: str | None
    created_at: str
    searched_at: str
    source: str
    sandbox: bool
    batch: bool
    method: list[tuple[str, str]]
    columns: list[Column]
    sections: list[Section]
    overview: list[OverviewRow]
    by_assignee: list[GroupRow]
    by_authority: list[GroupRow]
    chart_png: bytes | None
    score_note: str
    about: list[tuple[str, str]]
    include: str
    group_by_relevance: bool
    job: Job | None = None  # a clearance or prior-art report (report.clearance)
    landscape: Landscape | None = None  # who files what, where, when (report.landscape); None without owners

    @property
    def banner(self) -> str | None:
        """The sandbox banner, or None for live data (see the class example)."""
        return words.SANDBOX_BANNER if self.sandbox else None

    @property
    def hit_count(self) -> int:
        return sum(len(s.hits) for s in self.sections)

    @property
    def no_owners_note(self) -> str:
        """What the summaries say when they list no owner: none given, or no hit to summarise."""
        return parties.NO_OWNERS_SENTENCE if self.hit_count else words.NO_HITS_TO_SUMMARISE


def build_report(df: pd.DataFrame, *, title: str = "Design search report", subtitle: str | None = None,
                 author: str | None = None, organisation: str | None = None, include: str = "all",
                 group_by_relevance: bool = False, notes: Mapping[str, str] | None = None,
                 fetched: int | None = None, landscape: bool = True) -> Report:
    """Build the report of a result frame or a batch frame, for :func:`write_html` and the others.

    Parameters
    ----------
    df : DataFrame
        A result frame (``search_designs``, ``more``, ``enrich``) or a batch frame
        (``search_each``, which has ``query_index``). Enrich it first for assignees,
        dates, Locarno classes and (``legal_status=True``) the legal status.
    title : str
        The report's title.
    subtitle, author, organisation : str, optional
        Shown on the cover.
    include : {"all", "marked", "relevant"}
        Every hit, only hits with a relevance mark, or only those marked relevant.
    group_by_relevance : bool
        Group each hits table by relevance (relevant, not relevant, unsure, not marked).
    notes : mapping of str to str, optional
        Further provenance shown under method and coverage (e.g. a panel's local
        minimum score or text filter): label -> text. A note whose label is already a
        row there (``"Sort order"``) takes that row's place: each fact is said once.
    fetched : int, optional
        How many hits were fetched when ``df`` is what local filters left of them (the
        panel passes all its results' count): the report then says how many it holds of
        how many were fetched, and that the filters left the rest out. Default ``len(df)``.
    landscape : bool
        Add the Landscape section (``report.landscape``) when the hits name their owners.

    Returns
    -------
    Report

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> df = search_designs(samples.image("armchair"), client=client, limit=20).patsnap.enrich()
    >>> report = build_report(df, title="Chairs like ours", author="A. Analyst")
    >>> report.banner
    'SANDBOX — synthetic designs, not PatSnap data'
    >>> len(report.sections), len(report.sections[0].cards), report.hit_count
    (1, 10, 20)
    >>> dict(report.method)["Hits in this report"]
    '20 of 20 fetched'
    >>> client.close()
    """
    from ..jobs.images import load_query_image_of, load_row_thumbnails
    from .landscape import landscape_of

    _check_text(title, "title", required=True)
    for name, value in (("subtitle", subtitle), ("author", author), ("organisation", organisation)):
        _check_text(value, name)
    check_choice(include, "include", INCLUDE_CHOICES, what="choice")
    check_flag(group_by_relevance, "group_by_relevance")
    check_flag(landscape, "landscape")
    method_notes = _check_notes(notes)
    if not isinstance(df, pd.DataFrame):
        raise InvalidInputError(f"df={type(df).__name__} is not valid: expected a result frame.")
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise InvalidInputError(f"df is not a result frame: it lacks the column(s) {missing}.")

    attrs = df.attrs
    batch = "query_index" in df.columns
    passed = len(df) if not batch else int(df["patent_id"].notna().sum())
    fetched = passed if fetched is None else check_int(fetched, "fetched", passed)
    keep = _included(df, include)
    shown = df.loc[keep]
    images = load_row_thumbnails(shown)
    hits_by_row = [_hit(row, image) for row, image in zip(shown.to_dict("records"), images, strict=True)]
    why.attach_why(df, keep, hits_by_row)

    url_by_label = attrs.get("query_url_by_label") or {}
    digest_by_label = attrs.get("query_sha256_by_label") or {}
    urls_by_label = attrs.get("query_urls_by_label") or {}
    thumbnail_dir = attrs.get("thumbnail_dir")
    thumbnail_dir = thumbnail_dir if isinstance(thumbnail_dir, str) else None
    sections: list[Section] = []
    overview: list[OverviewRow] = []
    if batch:
        statuses = df.groupby("query", sort=False, dropna=False)
        for label, group in statuses:
            label = format_value(label)
            seen: set[str] = set()  # two catalogue rows with the same image and label: one section
            members: list[Hit] = []
            for h, q in zip(hits_by_row, shown["query"], strict=True):
                if format_value(q) == label and h.number and h.number not in seen:
                    seen.add(h.number)
                    members.append(h)
            status = format_value(group["status"].iloc[0]) if "status" in group else "ok"
            error = format_value(group["error"].iloc[0]) if "error" in group else ""
            image = load_query_image_of(url_by_label.get(label), thumbnail_dir)
            view_urls = urls_by_label.get(label) or []
            views = [View(f"View {i}", image if i == 1 else load_query_image_of(url, thumbnail_dir))
                     for i, url in enumerate(view_urls, start=1)]
            label = label or "(no label)"
            members.sort(key=lambda h: -(h.score if h.score is not None else -1))
            section = Section(label, image, digest_by_label.get(label), members,
                              members[:CARDS_PER_PRODUCT], status, error, views=views)
            sections.append(section)
            overview.append(OverviewRow(label, section.query_image, len(members), members[0] if members else None,
                                        status, error))
    else:
        image = load_query_image_of(attrs.get("query_url"), thumbnail_dir)
        members = [h for h in hits_by_row if h.number]
        ranked = sorted(members, key=lambda h: -(h.score if h.score is not None else -1))
        sections.append(Section(format_value(attrs.get("query")) or "query image", image,
                                attrs.get("query_sha256") if isinstance(attrs.get("query_sha256"), str) else None,
                                members, ranked[:CARDS_SINGLE], views=_views(df),
                                query_large=load_query_image_of(attrs.get("query_url"), thumbnail_dir, large=True)))

    why.attach_overlays(sections)
    all_hits = [h for s in sections for h in s.hits]
    chart = None
    if all_hits:
        chart_df = shown[shown["patent_id"].notna()]
        if batch and chart_df["query"].nunique() > 1:
            # one bar a product (its closest hit): the top hits of all products would hide the products whose
            # scores are lower, and scores of different queries rank nothing between them
            best = chart_df.sort_values("score", ascending=False, kind="stable").drop_duplicates("query")
            best = best.assign(patent_pn=[f"{q}: {pn}" for q, pn in zip(best["query"], best["patent_pn"], strict=True)])
            n = min(CHART_BARS, len(best))
            heading = (f"Each product's closest hit ({n} products)" if n == len(best)
                       else f"The closest hit of {n} of the {len(best)} products (the highest scores)")
            chart = score_chart_png(best, n=CHART_BARS, width_px=900, title=heading)
        else:
            chart = score_chart_png(chart_df, n=CHART_BARS, width_px=900,
                                    title=f"Closest {min(CHART_BARS, len(chart_df))} hits by score")
    now = _dt.datetime.now(_dt.timezone.utc)
    return Report(
        title=title, subtitle=subtitle, author=author, organisation=organisation,
        created_at=now.strftime("%Y-%m-%d %H:%M UTC"),
        searched_at=when_text(attrs.get("fetched_at")),
        source=words.source_in_words(attrs), sandbox=words.is_sandbox(attrs), batch=batch,
        method=method_rows(attrs, df, (fetched, passed), len(all_hits), include, batch, method_notes),
        columns=_columns(all_hits, batch),
        sections=sections, overview=overview,
        by_assignee=_groups(all_hits, "assignees"), by_authority=_groups(all_hits, "authority"),
        chart_png=chart, score_note=words.SCORE_NOTE,
        about=about_rows(attrs, sections), include=include, group_by_relevance=group_by_relevance,
        landscape=landscape_of(shown) if landscape else None,
    )


# --- pieces ------------------------------------------------------------------------------------------


def _check_text(value: Any, name: str, *, required: bool = False) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidInputError(f"{name}={value!r} is not valid: expected {'non-empty ' if required else ''}text.")


def _check_notes(notes: Any) -> list[tuple[str, str]]:
    if notes is None:
        return []
    if not isinstance(notes, Mapping) or not all(isinstance(k, str) and isinstance(v, str)
                                                 for k, v in notes.items()):
        raise InvalidInputError(f"notes={notes!r} is not valid: expected a mapping of label to text (str -> str).")
    return [(k, v) for k, v in notes.items()]


def _included(df: pd.DataFrame, include: str) -> np.ndarray:
    is_hit = df["patent_id"].notna().to_numpy()
    if include == "all" or "relevance" not in df.columns:
        if include != "all":
            return np.zeros(len(df), dtype=bool) | (~is_hit if "query_index" in df.columns else False)
        return np.ones(len(df), dtype=bool)
    relevance = df["relevance"].astype("string").str.strip().str.lower().fillna("")
    marked = (relevance != "").to_numpy() if include == "marked" else (relevance == "relevant").to_numpy()
    # a batch keeps its products without hits (so each still has its section)
    return marked | (~is_hit if "query_index" in df.columns else False)


def _text(value: Any) -> str:
    return "" if is_missing(value) else format_value(value).strip()


def _date(value: Any) -> _dt.date | None:
    if is_missing(value):
        return None
    if isinstance(value, (pd.Timestamp, _dt.datetime)):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    text = str(value).strip()
    try:
        if len(text) == 8 and text.isdigit():
            return _dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        return _dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _hit(row: Mapping[str, Any], image: bytes | None) -> Hit:
    number = _text(row.get("patent_pn"))
    code = _text(row.get("authority")).upper()
    score = valid_score(row.get("score"))
    applied, published, granted = (parties.date_of(row, which) for which in ("applied", "published", "granted"))
    relevance = _text(row.get("relevance")).lower()
    return Hit(
        rank=optional_int(row.get("rank")), score=score, number=number,
        title=_text(row.get("title")), authority=words.authority_name(code) if code else "",
        authority_code=code, assignees=parties.owner_of(row), inventors=parties.inventors_of(row),
        applied=applied.isoformat() if applied else "", published=published.isoformat() if published else "",
        granted=granted.isoformat() if granted else "",
        loc=words.loc_in_words(_text(row.get("loc"))),
        legal_status=words.legal_status_in_words(_text(row.get("simple_legal_status"))),
        link=public_record_url(number, code), image=image,
        relevance=relevance if relevance in RELEVANCE_VALUES else "", note=_text(row.get("note")),
        query=_text(row.get("query")),
        dates={"applied": applied, "published": published, "granted": granted},
        matched_view=optional_int(row.get("matched_view")), owner_group=_text(row.get("canonical_owner")),
        view_scores=tuple(valid_score(row.get(c)) for c in _view_score_columns(row)),
        marked_by=_text(row.get("marked_by")), marked_at=_marked_at(row.get("marked_at")),
        **_legal_fields(row),
    )


def _marked_at(value: Any) -> _dt.datetime | None:
    """A ``marked_at`` cell (UTC ISO text or a timestamp) as a UTC datetime; None when empty or unreadable."""
    if is_missing(value):
        return None
    try:
        when = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    if pd.isna(when):
        return None
    when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
    return when.to_pydatetime()


#: The term rules mark an assumed point with a yellow circle (frame.term_rules); a report says "assumed" in
#: words next to it already, and the circle is a blank box where no emoji font is installed (PDF, most servers).
_MARKS = str.maketrans({"\U0001f7e1": None})


def _words(value: Any) -> str:
    return " ".join(_text(value).translate(_MARKS).split())


def _legal_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """The clearance and prior-art fields of a hit (empty when the frame has none of their columns)."""
    kind = _text(row.get("patent_type")).lower()
    return {
        "in_force": _text(row.get("in_force")).lower(), "in_force_reason": _words(row.get("in_force_reason")),
        "expiry": _date(row.get("expiry_estimate")), "expiry_rule": _words(row.get("expiry_rule")),
        "expiry_certainty": _words(row.get("expiry_certainty")), "expiry_patsnap": _date(row.get("expiry_patsnap")),
        "next_renewal": _words(row.get("next_renewal")),
        "utility_model": kind in ("u", "utility model", "utility") or _flag(row.get("utility_model")),
    }


def _flag(value: Any) -> bool:
    """A yes/no cell: True only for a true value (a gap is no)."""
    return not is_missing(value) and isinstance(value, (bool, np.bool_)) and bool(value)


def _view_score_columns(row: Mapping[str, Any]) -> list[str]:
    """``score_view1`` .. ``score_viewN`` of a fused row, in view order."""
    found = [c for c in row if isinstance(c, str) and c.startswith("score_view") and c[10:].isdigit()]
    return sorted(found, key=lambda c: int(c[10:]))


def _views(df: pd.DataFrame) -> list[View]:
    """The query views of a multi-view search frame, in order (empty for one image)."""
    from ..jobs.images import load_query_images

    labels = df.attrs.get("views")
    if not isinstance(labels, list) or len(labels) < 2:
        return []
    pictures = load_query_images(df)
    return [View(format_value(label) or f"View {i}", png)
            for i, (label, png) in enumerate(zip(labels, pictures, strict=False), start=1)]


def _columns(hits: list[Hit], batch: bool) -> list[Column]:
    """The hits table's columns: only those with a value somewhere (no empty columns)."""
    candidates = [
        Column("image", "Image", "image"),
        *([Column("query", "Product", "text")] if batch else []),
        Column("rank", "Rank", "num"),
        Column("score", "Score", "num"),
        Column("number", "Number", "code"),
        Column("title", "Title", "text"),
        Column("assignees", words.COLUMN_LABELS["assignees"], "text"),
        Column("inventors", words.COLUMN_LABELS["inventor"], "text"),
        Column("authority", words.COLUMN_LABELS["authority"], "text"),
        Column("applied", words.COLUMN_LABELS["apply_date"], "date"),
        Column("published", words.COLUMN_LABELS["publication_date"], "date"),
        Column("granted", words.COLUMN_LABELS["grant_date"], "date"),
        Column("loc", words.COLUMN_LABELS["loc"], "code"),
        Column("legal_status", words.COLUMN_LABELS["simple_legal_status"], "text"),
        Column("in_force", words.COLUMN_LABELS["in_force"], "text"),  # the panel's owners-and-status look-up
        Column("why", why.WHY_LABEL, "text"),
        Column("relevance", words.COLUMN_LABELS["relevance"], "text"),
        Column("note", words.COLUMN_LABELS["note"], "text"),
        Column("marked_by", words.COLUMN_LABELS["marked_by"], "text"),
        Column("marked_at", words.COLUMN_LABELS["marked_at"], "date"),
    ]
    always = {"image", "rank", "score", "number", "title", "relevance", "note", "query"}
    out = [c for c in candidates if c.key in always or any(getattr(h, c.key) for h in hits)]
    # the matched view beside the score; each view's score before the marks (a fused search)
    at = next(i for i, c in enumerate(out) if c.key == "score") + 1
    if any(h.matched_view is not None for h in hits):
        out.insert(at, Column("matched_view", words.COLUMN_LABELS["matched_view"], "num"))
    at = next(i for i, c in enumerate(out) if c.key == "relevance")
    views = [Column(f"score_view{i}", words.column_label(f"score_view{i}"), "num")
             for i in range(1, max((len(h.view_scores) for h in hits), default=0) + 1)]
    return out[:at] + views + out[at:]


def _groups(hits: list[Hit], by: str) -> list[GroupRow]:
    groups: dict[str, list[Hit]] = {}
    # owners with their spellings folded (frame.owners: "ACME CO LTD" and "Acme Co., Ltd." are one owner)
    # (or as the frame's canonical_owner column says, which carries an alias table of with_families(aliases))
    canonical = owners.owner_lists(pd.DataFrame({"current_assignee": [h.assignees for h in hits],
                                                 "canonical_owner": [h.owner_group for h in hits]}, dtype=object))
    for h, folded in zip(hits, canonical, strict=True):
        names = folded if by == "assignees" else [h.authority]
        for name in names or []:
            groups.setdefault(name, []).append(h)
    family = _families_of(hits) if by == "assignees" else {}
    rows = []
    for name, members in groups.items():
        best = max(members, key=lambda h: h.score if h.score is not None else -1)
        designs = len({family.get(h.number, h.number) for h in members}) if family else None
        rows.append(GroupRow(name, len(members), best.score, best.number, best.image, designs))
    rows.sort(key=lambda r: (-r.hits, -(r.best_score or 0), r.name))
    return rows


def _families_of(hits: list[Hit]) -> dict[str, str]:
    """The family label of each hit's number (frame.families: one design registered in several offices)."""
    if not hits:
        return {}
    frame = pd.DataFrame({"patent_pn": [h.number for h in hits], "authority": [h.authority_code for h in hits],
                          "current_assignee": [h.assignees for h in hits], "apdt": [h.applied for h in hits]},
                         dtype=object)
    labels = families.family_ids(frame, images=[h.image for h in hits])
    return {h.number: label for h, label in zip(hits, labels, strict=True) if label}
