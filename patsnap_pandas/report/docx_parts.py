"""The parts of a Word report, drawn from the report model: front matter, tables, comparisons, notes.

:class:`Parts` holds the document being written (:class:`.docx_xml.Body`) and the page's
content width, and draws each part of a report the way counsel reads it. Every fact comes
from the :class:`~.model.Report`: nothing is computed here that the HTML writer does not show.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from ..frame import words
from ..frame.families import DESIGNS_NOTE
from ..frame.format import truncate
from ..frame.overlay import CAPTION as OVERLAY_CAPTION
from ..frame.parties import NO_OWNER
from .clearance import expiry_words
from .docx_xml import CM, Body, para, run, table
from .model import GroupRow, Hit, Report, Section
from .pdf import PDF_TEXT_MAX
from .why import WHY_LABEL

__all__ = ["Parts", "closest", "mark_cell", "marks_in_words", "short"]

MUTED = "57606A"
RED = "B00020"
THUMB_BOX = round(2.2 * CM)     # table thumbnails (256 px: about 300 dpi)
SMALL_BOX = round(1.6 * CM)     # a summary's or the products overview's pictures
CARD_BOX = round(6.6 * CM)      # the query and the hit side by side in a comparison
SUMMARY_TOP = 5                 # the closest matches named in the executive summary


def marks_in_words(hits: Sequence[Hit]) -> str:
    """How many hits carry each mark, in words ("2 marked relevant, 1 not relevant, 9 not marked").

    Examples
    --------
    >>> from patsnap_pandas.report.model import Hit
    >>> hit = Hit(1, 0.9, "US1", "", "", "US", "", "", "", "", "", "", None, None, "relevant", "", "")
    >>> marks_in_words([hit, dataclasses.replace(hit, relevance="")])
    '1 marked relevant, 1 not marked'
    """
    counts = {value: sum(1 for h in hits if h.relevance == value) for value in ("relevant", "not relevant", "unsure")}
    said = [f"{n} marked {value}" if not i else f"{n} {value}"
            for i, (value, n) in enumerate(counts.items()) if n or not i]
    unmarked = sum(1 for h in hits if not h.relevance)
    return ", ".join(said + ([f"{unmarked} not marked"] if unmarked else []))


def closest(hits: Sequence[Hit], n: int = SUMMARY_TOP) -> list[Hit]:
    """The ``n`` best-scored hits (ties keep their order).

    Examples
    --------
    >>> from patsnap_pandas.report.model import Hit
    >>> hits = [Hit(i, s, f"US{i}", "", "", "US", "", "", "", "", "", "", None, None, "", "", "")
    ...         for i, s in enumerate([0.5, None, 0.9], start=1)]
    >>> [h.number for h in closest(hits, 2)]
    ['US3', 'US1']
    """
    return sorted(hits, key=lambda h: -(h.score if h.score is not None else -1))[:n]


def mark_cell(hit: Hit) -> str:
    """The relevance mark, and who made it and when, as a table cell's paragraphs ("" when unmarked).

    Examples
    --------
    >>> import datetime as dt
    >>> from patsnap_pandas.report.model import Hit
    >>> hit = Hit(1, 0.9, "US1", "", "", "US", "", "", "", "", "", "", None, None, "unsure", "legs?", "",
    ...           marked_by="B. Counsel", marked_at=dt.datetime(2026, 12, 3, 16, 5, tzinfo=dt.timezone.utc))
    >>> "unsure" in mark_cell(hit), "by B. Counsel" in mark_cell(hit), mark_cell(dataclasses.replace(hit, relevance=""))
    (True, True, '')
    """
    if not hit.relevance:
        return ""
    when = ""
    if hit.marked_at is not None:  # the seconds as hidden text, so read_triage gets the time back exactly
        seconds = (f'<w:r><w:rPr><w:vanish/><w:color w:val="{MUTED}"/><w:sz w:val="15"/></w:rPr><w:t>'
                   f':{hit.marked_at:%S}</w:t></w:r>') if hit.marked_at.second else ""
        when = (run(f", {hit.marked_at:%Y-%m-%d %H:%M}", color=MUTED, size=7.5, keep=True) + seconds
                + run(" UTC", color=MUTED, size=7.5))
    by = (para(run(f"by {hit.marked_by or 'an unnamed reviewer'}", color=MUTED, size=7.5) + when,
               style="Cell") if hit.marked else "")
    return para(run(hit.relevance, bold=hit.relevance in ("relevant", "unsure"),
                    color=_MARK_COLOURS.get(hit.relevance)), style="Cell") + by


def short(text: str, where: str = "") -> str:
    """``text`` for a table row, which must fit on a page: at most :data:`~.pdf.PDF_TEXT_MAX` characters.

    Examples
    --------
    >>> short("Lamp"), short("x" * 5000, "in the comment")[499:]
    ('Lamp', '… [5,000 characters in all: the full text is in the comment]')
    """
    if len(text) <= PDF_TEXT_MAX:
        return text
    rest = f"the full text is {where}" if where else "the HTML and Excel reports have the full text"
    return f"{truncate(text, PDF_TEXT_MAX)} [{len(text):,} characters in all: {rest}]"


def _score(hit: Hit) -> str:
    return "" if hit.score is None else f"{hit.score:.3f}"


@dataclasses.dataclass
class Parts:
    """Draws the parts of ``report`` into ``body``; ``width`` is the current section's content width (twips).

    Examples
    --------
    >>> import docx
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> from patsnap_pandas.report import build_report
    >>> client = PatsnapClient.sandbox()
    >>> report = build_report(search_designs(samples.image("armchair"), client=client, limit=3))
    >>> document = docx.Document()
    >>> parts = Parts(Body(document), report, 9000)
    >>> parts.heading("Executive summary"); parts.kv([("Hits", "3 of 3 fetched")])
    >>> document.paragraphs[-1].text, document.tables[-1].cell(0, 1).text
    ('Executive summary', '3 of 3 fetched')
    >>> client.close()
    """

    body: Body
    report: Report
    width: int
    comments: list[tuple[Any, Hit]] = dataclasses.field(default_factory=list)  # (anchor run element, hit)

    # --- small pieces ---------------------------------------------------------------------------------

    def heading(self, value: str, level: int = 1) -> None:
        self.body.append(para(run(value), style=f"Heading{level}"))

    def text(self, value: str, *, muted: bool = False, bold: bool = False, style: str | None = None) -> None:
        self.body.append(para(run(value, color=MUTED if muted else None, bold=bold), style=style))

    def kv(self, rows: Sequence[tuple[str, str]], label_share: float = 0.3) -> None:
        """A two-column table of label and words, without header (method, scope, about)."""
        if not rows:
            return
        left = round(self.width * label_share)
        last = len(rows) - 1  # every row kept with the next: the table stays on one page
        cells = [[para(run(k, bold=True, color=MUTED), style="Cell", keep_next=i < last),
                  para(run(v), style="Cell", keep_next=i < last)] for i, (k, v) in enumerate(rows)]
        self.body.append(table([left, self.width - left], cells, borders=False))

    # --- front matter -------------------------------------------------------------------------------

    def cover(self) -> None:
        r = self.report
        self.body.append(para(run(r.title), style="Title"))
        if r.subtitle:
            self.body.append(para(run(r.subtitle), style="Subtitle"))
        self.kv([(k, v) for k, v in (("Author", r.author), ("Organisation", r.organisation),
                                     ("Search run", r.searched_at), ("Report made", r.created_at),
                                     ("Data source", r.source)) if v], 0.22)

    def summary(self, rows: Sequence[tuple[str, str]], hits: Sequence[Hit]) -> None:
        """The executive summary: ``rows`` (what, where, when, how many) then the closest matches and owners."""
        self.heading("Executive summary")
        self.kv([*rows, ("Marks", marks_in_words(hits) if hits else "no hits")], 0.22)
        top = closest(hits)
        if not top:
            return
        self.body.append(para(run(f"The {len(top)} closest matches and their owners", bold=True), keep_next=True,
                              space_before=160))
        batch = self.report.batch
        widths = self._shares([10, 14, 16, 24, 36] if batch else [12, 16, 30, 42])
        cells = [[*([para(run(h.query), style="Cell")] if batch else []),
                  para(run(_score(h), keep=True), style="Cell", align="right"),
                  para(self.body.link(h.number, h.link), style="Cell"),
                  para(run(h.title), style="Cell"),
                  para(run(h.assignees or NO_OWNER,
                           color=None if h.assignees else MUTED)
                       + (run(f"  ({h.relevance})", italic=True, color=MUTED) if h.relevance else ""), style="Cell")]
                 for h in top]
        heads = (*(("Product",) if batch else ()), "Score", "Number", "Title", "Owner")
        self.body.append(table(widths, cells, header=[self._head(x, right=x == "Score") for x in heads]))

    def search_rows(self, hits: Sequence[Hit]) -> list[tuple[str, str]]:
        """What was searched, for which markets and dates, how many hits: from the method rows."""
        method = dict(self.report.method)
        markets = method.get("Filter: Authority", "every office PatSnap covers (no office filter)")
        dates = [f"{k.removeprefix('Filter: ')} {v}" for k, v in self.report.method
                 if k in ("Filter: Applied", "Filter: Published")]
        out = [("What was searched", method.get("Searched", "")), ("Markets", markets),
               ("Dates", "; ".join(dates) or "no date limit"),
               ("Hits", method.get("Hits in this report", str(len(hits))))]
        if "Designs matching" in method:
            out.append(("Designs matching", method["Designs matching"]))
        return out

    def picture(self, png: bytes | None, box: int, alt: str, caption: str = "") -> None:
        self.body.append(para(self.body.picture(png, box, box, alt), align="center", keep_next=bool(caption),
                              space_after=0 if caption else None),
                         *([para(run(caption, color=MUTED, size=9), align="center")] if caption else []))

    def query(self, section: Section, box: int = round(8 * CM)) -> None:
        if section.multi_view:
            self.heading(f"Query images: {len(section.views)} views of one product", 2)
            self.views(section)
            return
        self.heading("Query image", 2)
        self.picture(section.query_large or section.query_image, box, "the query image", section.query)

    def views(self, section: Section) -> None:
        """The views side by side, numbered in search order (four to a row)."""
        n = len(section.views)
        per_row = min(4, n)
        widths = [self.width // per_row] * per_row
        cells = [para(self.body.picture(v.image, widths[0] - 200, widths[0] - 200, f"view {i} of {n}: {v.label}"),
                      align="center", space_after=0)
                 + para(run(f"View {i} of {n}", bold=True, size=9), align="center", space_after=0)
                 + para(run(v.label, color=MUTED, size=8.5), align="center")
                 for i, v in enumerate(section.views, start=1)]
        rows = [cells[i:i + per_row] for i in range(0, n, per_row)]
        rows[-1] += [""] * (per_row - len(rows[-1]))
        self.body.append(table(widths, rows, borders=False))

    def chart(self) -> None:
        if self.report.chart_png:
            self.heading("Scores", 2)
            self.picture(self.report.chart_png, self.width, "bar chart of the closest scores")

    def overview(self) -> None:
        """A batch's products: each product's image, its closest hit and score."""
        self.heading("Products")
        widths = self._shares([16, 16, 7, 16, 17, 8, 20])
        rows = []
        for row in self.report.overview:
            first = [para(self.body.picture(row.query_image, SMALL_BOX, SMALL_BOX, row.query), style="Cell"),
                     para(run(row.query), style="Cell"), para(run(str(row.hits)), style="Cell", align="right")]
            best = row.best
            if best is None:
                status = {"no_hits": "no hits", "error": f"not searched: {row.error}"}.get(row.status, row.status)
                rows.append([*first, para(run(status, color=MUTED), style="Cell"), "", "", ""])
                continue
            rows.append([*first, para(self.body.picture(best.image, SMALL_BOX, SMALL_BOX, best.number), style="Cell"),
                         para(self.body.link(best.number, best.link), style="Cell"),
                         para(run(_score(best)), style="Cell", align="right"), para(run(best.title), style="Cell")])
        if not rows:
            self.text(words.NO_PRODUCTS_SHOWN, muted=True)
            return
        heads = ("Product image", "Product", "Hits", "Closest hit", "Number", "Score", "Title")
        self.body.append(table(widths, rows, header=[self._head(h) for h in heads]))

    # --- the candidate table ---------------------------------------------------------------------------

    #: The columns: header, share of the width, and the model fields each shows.
    COLUMNS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
        ("Image", 10, ("image",)), ("Rank", 5, ("rank",)), ("Score", 6, ("score",)),
        ("Number and office", 13, ("number", "authority")), ("Title and owner", 22, ("title", "assignees")),
        ("Dates", 14, ("applied", "published", "granted")), ("Class and status", 13, ("loc", "legal_status")),
        ("Relevance and note", 17, ("relevance", "note")),
    )

    def candidates(self, section: Section, heading: str) -> None:
        """Every hit of ``section`` in one table (a table per relevance group when grouped)."""
        self.heading(heading)
        if not section.hits:
            self.text("No hits.", muted=True)
            return
        keys = {c.key for c in self.report.columns}
        columns = [c for c in self.COLUMNS if any(k in keys for k in c[2])]
        widths = self._shares([share for _h, share, _k in columns])
        head = [self._head(h, right=h in ("Rank", "Score")) for h, _s, _k in columns]
        number_col = next(i for i, c in enumerate(columns) if c[0].startswith("Number"))
        for title, members in section.groups(self.report.group_by_relevance):
            if title:
                self.heading(f"{title} ({len(members)})", 3)
            rows = [[self._cell(hit, fields, keys, section) for _h, _s, fields in columns] for hit in members]
            (element,) = self.body.append(table(widths, rows, header=head))
            self.note_anchors(element, members, number_col)

    def note_anchors(self, element: Any, hits: Sequence[Hit], number_col: int) -> None:
        """Remember where each noted hit's comment goes: the first run of its number in its row of ``element``
        (the table, header row first), else the row's first run."""
        for hit, tr in zip(hits, element.findall(f"{{{_W}}}tr")[1:], strict=True):
            if hit.note:
                anchor = tr.findall(f"{{{_W}}}tc")[number_col].find(f".//{{{_W}}}r")
                self.comments.append((tr.find(f".//{{{_W}}}r") if anchor is None else anchor, hit))

    def _cell(self, hit: Hit, fields: tuple[str, ...], keys: set[str], section: Section) -> str:
        b = self.body
        if fields == ("image",):
            return para(b.picture(hit.image, THUMB_BOX, THUMB_BOX, hit.number), style="Cell", align="center")
        if fields == ("rank",):
            return para(run("" if hit.rank is None else str(hit.rank)), style="Cell", align="right")
        if fields == ("score",):
            view = (run(f"\nview {hit.matched_view}", color=MUTED, size=7.5)
                    if hit.matched_view is not None and section.multi_view else "")
            return para(run(_score(hit)) + view, style="Cell", align="right")
        if fields == ("number", "authority"):
            return para(b.link(hit.number, hit.link), style="Cell") + self._sub(hit.authority)
        if fields == ("title", "assignees"):
            return para(run(short(hit.title)), style="Cell") + self._sub(short(hit.assignees))
        if fields == ("relevance", "note"):
            return mark_cell(hit) + self._sub(short(hit.note, "in the comment"))
        if fields == ("loc", "legal_status"):
            return para(run(short(hit.loc)), style="Cell") + self._sub(hit.legal_status)
        lines = [para(run(f"{words.COLUMN_LABELS[_DATE_COLUMNS[k]]} ", color=MUTED) + run(getattr(hit, k), keep=True),
                      style="Cell") for k in fields if getattr(hit, k) and k in keys]
        return "".join(lines)

    # --- comparisons --------------------------------------------------------------------------------

    def cards(self, section: Section, heading: str) -> None:
        """One comparison per close hit: the query (view) and the hit side by side, then the facts counsel needs."""
        self.heading(heading)
        if not section.cards:
            self.text("No hits.", muted=True)
            return
        note = f" {section.views_note}" if section.views_note else ""
        self.body.append(para(run(f"The query beside each of the {len(section.cards)} closest hits.{note}",
                                  color=MUTED), keep_next=True))
        for hit in section.cards:
            self.card(section, hit)

    def card(self, section: Section, hit: Hit) -> None:
        """The query (view) left, the hit right with the facts under it: one table row, never split across pages."""
        b, half = self.body, self.width // 2
        box = min(CARD_BOX, half - 300)
        view, caption = section.view_of(hit)
        if view is None:  # every view beside the hit: small, two to a row
            n = len(section.views)
            left = "".join(para(b.picture(v.image, box // 2, box // 2, f"view {i} of {n}"), align="center",
                                space_after=0, space_before=60)
                           + para(run(f"View {i} of {n}", size=8, color=MUTED), align="center")
                           for i, v in enumerate(section.views, start=1))
        else:
            left = para(b.picture(view.image, box, box, caption), align="center", space_after=0, space_before=100)
        left += para(run(caption, color=MUTED, size=8.5), align="center")
        if hit.overlay is not None:  # the query and the hit aligned: a visual aid, not a legal test
            left += para(b.picture(hit.overlay, box // 2, box // 2, "overlay of the query and the hit"),
                         align="center", space_after=0, space_before=100)
            left += para(run(OVERLAY_CAPTION, color=MUTED, size=8), align="center")
        facts = "".join(para(run(f"{k}: ", color=MUTED) + run(v, keep=k in _KEEP), style="Cell")
                        for k, v in self.facts(section, hit))
        right = (para(b.picture(hit.image, box, box, hit.number), align="center", space_after=0, space_before=100)
                 + para(run(f"Hit: {hit.number}", color=MUTED, size=8.5, keep=True), align="center") + facts)
        rank = f"Rank {hit.rank}" if hit.rank is not None else "Unranked"
        head = para(run(f"{rank} \u00b7 score {_score(hit)} \u00b7 ", bold=True) + b.link(hit.number, hit.link, bold=True),
                    keep_next=True, space_after=60)
        b.append(head, table([half, self.width - half], [[left, right]]), para(space_after=0))

    def facts(self, section: Section, hit: Hit) -> list[tuple[str, str]]:
        """The fields counsel needs, in words, only those with a value."""
        out = [("Title", hit.title), ("Owner", hit.assignees), ("Inventors", hit.inventors), ("Office", hit.authority),
               ("Applied", hit.applied), ("Published", hit.published), ("Granted", hit.granted),
               ("Locarno class", hit.loc), ("Legal status", hit.legal_status),
               ("Kind", "utility model" if hit.utility_model else ""),
               ("In force", f"{hit.in_force}: {hit.in_force_reason}" if hit.in_force_reason else hit.in_force),
               *expiry_words(hit), ("Next renewal", hit.next_renewal),
               ("Relevance", hit.relevance), ("Note", hit.note), ("Marked", hit.marked.removeprefix("by "))]
        if hit.why:
            out.insert(0, (WHY_LABEL, hit.why))
        if hit.matched_view is not None and section.multi_view:
            out.insert(0, ("Matched view", f"{hit.matched_view} of {len(section.views)}"))
        if section.multi_view and hit.view_scores:
            out.append(("Score per view", ", ".join(f"view {i}: {'' if s is None else f'{s:.3f}'}"
                                                    for i, s in enumerate(hit.view_scores, start=1))))
        if not hit.assignees:
            out.insert(1, ("Owner", NO_OWNER))
        return [(k, short(v, "in the comment" if k == "Note" else "")) for k, v in out if v]

    # --- closing parts --------------------------------------------------------------------------------

    def groups(self) -> None:
        r = self.report
        self.heading("Summaries")
        if not r.by_assignee:
            self.text(r.no_owners_note, muted=True)
        for title, name, rows in (("Per owner", "Owner", r.by_assignee), ("Per office", "Office", r.by_authority)):
            if rows:
                self.heading(title, 2)
                self._group_table(rows, name)

    def _group_table(self, rows: list[GroupRow], name: str) -> None:
        designs = any(g.families is not None for g in rows)  # per owner: one design in several offices once
        widths = self._shares([14, 38, 10, 12, 16, 10] if designs else [14, 44, 10, 14, 18])
        cells = [[para(self.body.picture(g.best_image, SMALL_BOX, SMALL_BOX, g.best_number), style="Cell"),
                  para(run(g.name), style="Cell"), para(run(str(g.hits)), style="Cell", align="right"),
                  para(run("" if g.best_score is None else f"{g.best_score:.3f}"), style="Cell", align="right"),
                  para(run(g.best_number, keep=True), style="Cell")]
                 + ([para(run(str(g.families or "")), style="Cell", align="right")] if designs else []) for g in rows]
        heads = ("Best match", name, "Hits", "Best score", "Number") + (("Designs",) if designs else ())
        self.body.append(table(widths, cells, header=[self._head(h) for h in heads]))
        if designs:
            self.text(DESIGNS_NOTE, muted=True)

    def closing(self, disclaimer: str = words.NOT_LEGAL_OPINION) -> None:
        """The score note, not a legal opinion, and the about block."""
        self.heading("What a similarity score is and is not")
        self.text(self.report.score_note)
        self.heading("Not a legal opinion")
        self.body.append(para(run(disclaimer, bold=True), style="Disclaimer"))
        self.heading("About this report")
        self.kv(self.report.about, 0.3)

    # --- helpers ------------------------------------------------------------------------------------------

    def _shares(self, shares: Sequence[int]) -> list[int]:
        total = sum(shares)
        widths = [self.width * s // total for s in shares]
        widths[-1] += self.width - sum(widths)
        return widths

    def _head(self, label: str, right: bool = False) -> str:
        return para(run(label, bold=True), style="Cell", align="right" if right else None)

    def _sub(self, value: str) -> str:
        return para(run(value, color=MUTED, size=7.5), style="Cell") if value else ""


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DATE_COLUMNS = {"applied": "apply_date", "published": "publication_date", "granted": "grant_date"}
_MARK_COLOURS = {"relevant": "0A6B2D", "not relevant": "6E7781", "unsure": "9A6700"}
_KEEP = {"Applied", "Published", "Granted", "Expires", "PatSnap estimates", "Matched view"}
