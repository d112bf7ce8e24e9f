"""The Word writer of the report model (python-docx, extra ``[reports]``): a report counsel can edit.

:func:`write_docx` lays out the same :class:`~.model.Report` the HTML, PDF and Excel writers
draw: an executive summary (what was searched, for which markets and dates, how many hits,
how many marked relevant, the closest matches and their owners), search coverage and method,
the candidate table (on landscape pages), one comparison per close hit, the summaries, the
score note and "not a legal opinion". Triage notes are real Word comments, anchored on the hit's
number in its row of the candidate table, so counsel can answer them in Word. Every page
header carries the sandbox banner for sandbox data (the data source otherwise) and the title;
every footer "Page N of M". CJK text carries an East Asian font Word has
(:func:`.docx_xml.east_asian_font`).

Tables and pictures are written as XML and parsed once (:mod:`.docx_xml`); python-docx makes
the package, the sections, the headers and the comments.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pandas as pd

from .._extras import require
from .._validate import check_choice, check_output_path
from ..errors import InvalidInputError
from ..frame import words
from ..safe_text import display_safe
from .clearance import expiry_words
from .docx_parts import MUTED, RED, THUMB_BOX, Parts, mark_cell, short
from .docx_xml import CJK_FONTS, CM, Body, para, run, table
from .job_model import Job
from .landscape import write_docx_part
from .model import Hit, Report, build_report
from .pdf import PAGE_SIZES

__all__ = ["write_docx"]

#: Page width and height in twips, portrait.
_PAGES = {"A4": (11906, 16838), "Letter": (12240, 15840)}
_MARGIN = round(1.8 * CM)
_THREE_WAY_PX = 360


def write_docx(report: Report | pd.DataFrame, path: str | Path, page_size: str = "A4", **options: Any) -> Path:
    """Write the report as a Word document (``.docx``) counsel can edit, with triage notes as comments.

    Parameters
    ----------
    report : Report or DataFrame
        From :func:`~patsnap_pandas.report.build_report` (or ``clearance_report``,
        ``prior_art_report``), or a result or batch frame, built into one with ``options``.
    path : str or Path
        The ``.docx`` file to write; its folder must exist.
    page_size : {"A4", "Letter"}
    **options
        With a frame: the options of :func:`~patsnap_pandas.report.build_report` (``title``...).

    Returns
    -------
    Path

    Examples
    --------
    >>> import docx
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> hits = search_designs(samples.image("armchair"), client=client, limit=5)
    >>> hits = hits.patsnap.mark(hits["rank"] == 1, relevance="relevant", note="same backrest")
    >>> document = docx.Document(write_docx(hits, "chairs.docx", title="Chairs"))
    >>> document.sections[0].header.paragraphs[0].text
    'SANDBOX — synthetic designs, not PatSnap data'
    >>> [c.text for c in document.comments]
    ['relevant: same backrest']
    >>> client.close()
    """
    target = check_output_path(path, "path", (".docx",))
    check_choice(page_size, "page_size", PAGE_SIZES, what="page size")
    if isinstance(report, pd.DataFrame):
        allowed = [name for name in inspect.signature(build_report).parameters if name != "df"]
        unknown = sorted(set(options) - set(allowed))
        if unknown:
            raise InvalidInputError(f"{unknown} are not options of a report. Allowed: {', '.join(allowed)}.")
        report = build_report(report, **options)
    elif not isinstance(report, Report):
        raise InvalidInputError(f"report={type(report).__name__} is not valid: expected a Report "
                                "(build_report, clearance_report, prior_art_report) or a result frame.")
    elif options:
        raise InvalidInputError(f"{sorted(options)} are options of a frame's report: the report is already built.")
    docx = require("docx", "Writing Word reports")
    doc = docx.Document()
    _styles(doc)
    writer = _Writer(doc, report, page_size)
    if report.job is not None:
        writer.job(report.job)
    else:
        writer.search()
    writer.add_comments()
    _properties(doc, report)
    doc.save(str(target))
    return target


class _Writer:
    """Writes ``report`` into ``doc``: sections (portrait, landscape for the wide tables), their headers, parts."""

    def __init__(self, doc: Any, report: Report, page_size: str) -> None:
        self.doc, self.report, self.page = doc, report, _PAGES[page_size]
        self.parts = Parts(Body(doc), report, 0)
        self._first = True

    # --- the report kinds -----------------------------------------------------------------------------

    def search(self) -> None:
        r, p = self.report, self.parts
        hits = [h for s in r.sections for h in s.hits]
        self.section(landscape=False)
        p.cover()
        rows = p.search_rows(hits)
        if r.batch:
            rows.insert(1, ("Products", f"{len(r.sections)}: " + ", ".join(s.query for s in r.sections[:12])
                            + (", ..." if len(r.sections) > 12 else "") if r.sections else words.NO_PRODUCTS_SHOWN))
        p.summary(rows, hits)
        p.heading("Search coverage and method")
        p.kv(r.method)
        if r.batch:
            p.overview()
        else:
            p.query(r.sections[0])
        p.chart()
        if r.batch:
            for section in r.sections:
                self.section(landscape=False)
                p.heading(f"Product: {section.query}")
                if section.multi_view:
                    p.views(section)
                else:
                    p.picture(section.query_image, round(6 * CM), section.query)
                p.text(f"{len(section.hits)} hit(s) in this report." + (f" {section.error}" if section.error else ""))
                p.cards(section, "Closest matches")
                if section.hits:
                    self.section(landscape=True)
                    p.candidates(section, f"Hits for {section.query}")
        else:
            section = r.sections[0]
            self.section(landscape=True)
            p.candidates(section, "Candidates: all hits")
            self.section(landscape=False)
            p.cards(section, "Closest matches: the query beside each hit")
        if r.batch:
            self.section(landscape=False)
        p.groups()
        if r.landscape is not None:
            write_docx_part(p, r.landscape)
        p.closing()

    def job(self, job: Job) -> None:
        r, p = self.report, self.parts
        section = r.sections[0]
        self.section(landscape=False)
        p.cover()
        scope = dict(job.scope)
        purpose = scope.get("Purpose") or job.purpose  # "clearance: the registered designs ...", named once
        rows = [("What was searched", purpose[:1].upper() + purpose[1:]),
                ("Markets", scope.get("Markets", "every office PatSnap covers")),
                (job.date_label, job.date.isoformat() if job.date else "not recorded"),
                *job.counts[:2]]
        p.summary(rows, job.rows)
        p.heading("Search coverage and method")
        p.kv(job.scope)
        p.heading("Counts", 2)
        p.kv(job.counts, 0.5)
        p.query(section, box=round(6 * CM))
        self.section(landscape=True)
        self.job_table(job)
        self.section(landscape=False)
        if job.comparisons:
            p.heading("Three-way comparison")
            for tw in job.comparisons:
                self.three_way(tw)
        self.excluded(job)
        p.heading("What this search cannot see")
        for line in job.blind_spots:
            p.body.append(para(run(line), style="ListBullet"))
        if section.cards:
            what = "in-force design" if job.kind == "clearance" else "piece of evidence"
            p.cards(section, f"Appendix: the query beside each closest {what}")
        p.closing(job.disclaimer or words.NOT_LEGAL_OPINION)

    # --- job pieces ---------------------------------------------------------------------------------

    def job_table(self, job: Job) -> None:
        p, b = self.parts, self.parts.body
        p.heading(f"{job.table_heading} ({len(job.rows)})")
        if not job.rows:
            p.text("None.", muted=True)
            return
        clearance = job.kind == "clearance"
        statuses = any(h.in_force or h.legal_status for h in job.rows)  # a prior-art job looks none up
        heads = (("Image", 10), ("Number and office", 14), ("Score", 6), ("Title and owner", 20), ("Dates", 14),
                 *((("In force", 12), ("Expiry", 12), ("Rule", 12)) if clearance else
                   (("Kind", 9), *((("Legal status", 12),) if statuses else ()), ("Relevance and note", 15))))
        widths = p._shares([s for _h, s in heads])
        rows = [[self.job_cell(hit, h, job) for h, _s in heads] for hit in job.rows]
        (element,) = b.append(table(widths, rows, header=[p._head(h, right=h == "Score") for h, _s in heads]))
        p.note_anchors(element, job.rows, 1)

    def job_cell(self, hit: Hit, header: str, job: Job) -> str:
        """One cell of the job table: the main words, and the reason or owner small under them."""
        p, b = self.parts, self.parts.body
        if header == "Image":
            return para(b.picture(hit.image, THUMB_BOX, THUMB_BOX, hit.number), style="Cell", align="center")
        if header == "Dates":
            keys = (("Filed", hit.applied), ("Granted", hit.granted)) if job.kind == "clearance" else \
                (("Published", hit.published), ("Filed", hit.applied))
            return "".join(para(run(f"{k} ", color=MUTED) + run(v, keep=True), style="Cell") for k, v in keys if v)
        if header == "Relevance and note":
            return mark_cell(hit) + p._sub(short(hit.note, "in the comment"))
        if header == "Expiry":
            lines = [f"{k}: {v}" for k, v in expiry_words(hit)]
            return para(run("\n".join(lines)), style="Cell") + p._sub(
                f"next renewal: {hit.next_renewal}" if hit.next_renewal else "")
        main, sub = {
            "Number and office": (b.link(hit.number, hit.link), hit.authority),
            "Score": (run("" if hit.score is None else f"{hit.score:.3f}"), ""),
            "Title and owner": (run(short(hit.title)), short(hit.assignees)),
            "In force": (run(hit.in_force, bold=True), hit.in_force_reason),
            "Rule": (run(hit.expiry_rule), ""),
            "Kind": (run("utility model" if hit.utility_model else "design", bold=hit.utility_model), ""),
            "Legal status": (run(hit.in_force or hit.legal_status), hit.in_force_reason),
        }[header]
        return para(main, style="Cell", align="right" if header == "Score" else None) + p._sub(sub)

    def three_way(self, tw: Any) -> None:
        p, b = self.parts, self.parts.body
        sizes = tw.sizes()
        total = sum(s.width for s in sizes)
        widths = [p.width * s.width // total for s in sizes]
        height = min(round(6 * CM), min(w * s.height // max(s.width, 1) for w, s in zip(widths, sizes, strict=True)) - 100)
        heads = [p._head(pic.role) for pic in tw.pictures]
        cells = [para(b.picture(pic.image, w - 140, height, pic.role), align="center", space_after=0)
                 + para(run(pic.caption, color=MUTED, size=8.5), align="center")
                 + "".join(para(run(f"{k}: ", color=MUTED) + run(v), style="Cell") for k, v in pic.facts)
                 for pic, w in zip(tw.pictures, widths, strict=True)]
        b.append(table(widths, [cells], header=heads), para(run(tw.note, color=MUTED, size=8.5)))

    def excluded(self, job: Job) -> None:
        p = self.parts
        if not job.excluded:
            p.heading("Excluded, and why")
            p.text("Nothing was excluded.", muted=True)
            return
        p.heading(f"Excluded, and why ({len(job.excluded)})")
        widths = p._shares([20, 16, 28, 36])
        rows = [[para(p.body.link(e.number, e.link), style="Cell"), para(run(e.authority), style="Cell"),
                 para(run(e.title), style="Cell"), para(run(e.reason), style="Cell")] for e in job.excluded]
        heads = ("Number", "Office", "Title", "Why it was excluded")
        p.body.append(table(widths, rows, header=[p._head(h) for h in heads]))

    # --- sections, headers, comments ------------------------------------------------------------------

    def section(self, *, landscape: bool) -> None:
        """Start a section (a new page), set its orientation and margins, and write its header and footer."""
        from docx.enum.section import WD_ORIENT, WD_SECTION

        sec = self.doc.sections[0] if self._first else self.doc.add_section(WD_SECTION.NEW_PAGE)
        self._first = False
        width, height = self.page
        if landscape:
            width, height = height, width
        sec.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        sec.page_width, sec.page_height = width * 635, height * 635
        margin = (_MARGIN * 3) // 4 if landscape else _MARGIN
        sec.left_margin = sec.right_margin = margin * 635
        sec.top_margin, sec.bottom_margin = round(2.2 * CM) * 635, round(1.8 * CM) * 635
        sec.header_distance = sec.footer_distance = round(0.8 * CM) * 635
        self.parts.width = width - 2 * margin
        self._header_footer(sec)

    def _header_footer(self, sec: Any) -> None:
        """The section's own header (banner and title) and footer (made, "Page N of M")."""
        r = self.report
        banner = (run(r.banner, bold=True, color=RED, size=10) if r.banner
                  else run(f"Source: {r.source}", color=MUTED, size=8.5))
        header = para(banner, align="center", space_after=0) + para(run(r.title, color=MUTED, size=8.5),
                                                                   align="center", space_after=0)
        field = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> {0} '
                 '</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r>'
                 '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
        footer = para(run(f"{r.title} \u2014 made {r.created_at}   ", color=MUTED, size=8) + run("Page ", size=8)
                      + field.format("PAGE") + run(" of ", size=8) + field.format("NUMPAGES"),
                      align="right", space_after=0, style="Footer")
        from docx.enum.section import WD_HEADER_FOOTER

        sect = sec._sectPr
        for ref in sect.xpath("w:headerReference|w:footerReference"):
            sect.remove(ref)
        sect.add_headerReference(WD_HEADER_FOOTER.PRIMARY, self.parts.body.part("header", header))
        sect.add_footerReference(WD_HEADER_FOOTER.PRIMARY, self.parts.body.part("footer", footer))

    def add_comments(self) -> None:
        """Each triage note as a Word comment on its hit's number in the candidate table, by its reviewer, dated."""
        from docx.text.run import Run

        for element, hit in self.parts.comments:
            author = hit.marked_by or self.report.author or "patsnap-pandas"
            initials = "".join(w[0] for w in re.findall(r"[^\W\d_]+", author)[:3]).upper() or "PP"
            text = f"{hit.relevance}: {hit.note}" if hit.relevance else hit.note
            comment = self.doc.add_comment(Run(element, self.doc), text=display_safe(text),
                                           author=display_safe(author)[:255], initials=initials)
            if hit.marked_at is not None:
                comment._comment_elm.date = hit.marked_at.replace(microsecond=0)


def _properties(doc: Any, report: Report) -> None:
    """The file's properties: the report's title, author and date (not python-docx's template's)."""
    import datetime as dt

    from .._version import __version__

    props = doc.core_properties
    props.title = display_safe(report.title)[:255]
    props.author = props.last_modified_by = display_safe(report.author or "")[:255]
    props.comments = f"Made with patsnap-pandas {__version__}" + (" from SANDBOX data" if report.sandbox else "")
    props.created = props.modified = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _styles(doc: Any) -> None:
    """Calibri 10 pt (Carlito in LibreOffice) with an East Asian font; table cells, a disclaimer, a tight title."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10)
    fonts = normal.element.rPr.rFonts
    fonts.set(qn("w:eastAsia"), CJK_FONTS["zh"][0])
    normal.paragraph_format.space_after = Pt(4)
    cell = doc.styles.add_style("Cell", WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = normal
    cell.font.size = Pt(8.5)
    cell.paragraph_format.space_after = Pt(0)
    cell.paragraph_format.space_before = Pt(0)
    cell.paragraph_format.line_spacing = 1.0
    disclaimer = doc.styles.add_style("Disclaimer", WD_STYLE_TYPE.PARAGRAPH)
    disclaimer.base_style = normal
    disclaimer.font.color.rgb = RGBColor.from_string(RED)
    for name in ("Heading 1", "Heading 2", "Heading 3", "Title", "Subtitle"):
        style = doc.styles[name]
        style.font.name = "Calibri"
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), CJK_FONTS["zh"][0])
    doc.styles["Title"].font.size = Pt(22)
    doc.styles["Heading 1"].font.size = Pt(14)
    doc.styles["Heading 2"].font.size = Pt(12)
    doc.styles["Footer"].font.size = Pt(8)
