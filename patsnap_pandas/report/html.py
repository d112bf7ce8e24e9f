"""The HTML writer of the report model: one self-contained file (no script, images embedded).

The same markup feeds the PDF writer (``medium="print"``): paged CSS there adds
the page header (banner and title) and page numbers. Every text is escaped; the
only links are the public records of designs (see :mod:`patsnap_pandas.frame.links`).
"""

from __future__ import annotations

from contextvars import ContextVar
from pathlib import Path

from .._html import breakable, data_uri, escape, numbers_whole, page
from .._validate import check_output_path
from ..frame import words
from ..frame.compare import THREE_WAY_CSS
from ..frame.families import DESIGNS_NOTE
from ..frame.format import truncate
from ..frame.overlay import CAPTION as OVERLAY_CAPTION
from .clearance import expiry_words
from .job_model import Exclusion, Job
from .landscape import LANDSCAPE_CSS, section_html
from .model import GroupRow, Hit, Report, Section
from .paged import column_widths, print_css
from .why import WHY_LABEL

__all__ = ["IMAGE_SCHEME", "render_html", "write_html"]

#: The scheme of the image references of a page rendered with ``images=`` (the PDF writer serves them).
IMAGE_SCHEME = "report-image:"
# The images of the page being rendered with ``images=`` (bytes -> reference), else None (data: URIs).
_IMAGES: ContextVar[dict[bytes, str] | None] = ContextVar("_IMAGES", default=None)

_FONTS = ("system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans CJK JP','Noto Sans CJK SC',"
          "'Noto Sans CJK KR','WenQuanYi Zen Hei',sans-serif")

_CSS = """
*{box-sizing:border-box}
body{font-family:%(fonts)s;margin:0;color:#1b1f24;background:#fff;font-size:14px;line-height:1.45}
main{max-width:1500px;margin:0 auto;padding:16px 24px 40px}
.banner{position:sticky;top:0;z-index:10;background:#b00020;color:#fff;font-weight:700;text-align:center;
 padding:8px 12px;font-size:15px;letter-spacing:.02em}
h1{font-size:26px;margin:8px 0 4px}
.subtitle{font-size:17px;color:#444c56;margin:0 0 12px}
h2{font-size:19px;margin:32px 0 10px;border-bottom:2px solid #d0d7de;padding-bottom:4px}
h3{font-size:16px;margin:20px 0 8px}
table{border-collapse:collapse}
th,td{border:1px solid #d0d7de;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f0f3f6;font-weight:600}
table.kv{max-width:100%%}
table.kv th{background:none;white-space:nowrap;padding-right:16px}
table.kv td{overflow-wrap:anywhere}
.nowrap,.num,.code,.date{white-space:nowrap}
.num{text-align:right;font-variant-numeric:tabular-nums}
td.image{width:138px;padding:4px;text-align:center;vertical-align:middle;background:#fff}
td.image img{width:128px;height:128px;object-fit:contain;display:block;margin:auto}
.noimg{color:#8c959f;font-size:12px}
.query-image img{width:auto;max-width:min(480px,100%%);height:auto;border:1px solid #d0d7de;padding:6px;background:#fff}
.strip{display:flex;flex-wrap:wrap;gap:12px;margin:0;padding:0;list-style:none}
.strip li{margin:0;width:min(220px,100%%);text-align:center}
.strip img{width:100%%;aspect-ratio:1/1;height:auto;object-fit:contain;border:1px solid #d0d7de;padding:4px;
 background:#fff;display:block}
.strip .vnum{font-weight:600;white-space:nowrap}
.strip .vlabel{display:block;font-size:12.5px;color:#57606a;overflow-wrap:anywhere}
.card .others{display:flex;flex-wrap:wrap;gap:4px;justify-content:center;margin-top:4px}
.card .others img{width:42px;height:42px;border:1px solid #eaeef2;object-fit:contain;background:#fff}
.card .others .on{outline:2px solid #0550ae}
.product-head .strip img{width:100%%;height:auto}
.card .allviews{display:grid;grid-template-columns:repeat(2,1fr);gap:4px;width:240px}
.card .allviews img{width:100%%;height:auto;aspect-ratio:1/1}
.card .allviews .vnum{display:block;font-size:11.5px;color:#57606a}
.cards{display:flex;flex-direction:column;gap:14px}
.card{border:1px solid #d0d7de;border-radius:6px;padding:10px;display:flex;flex-wrap:wrap;gap:12px;
 break-inside:avoid;page-break-inside:avoid}
.card figure{margin:0;width:250px;text-align:center}
.card figure img{width:240px;height:240px;object-fit:contain;border:1px solid #eaeef2;background:#fff}
.card figcaption{font-size:12px;color:#57606a}
.card figure.overlay figcaption{font-size:11.5px;text-align:left}
.card .facts{flex:1 1 260px;min-width:0}
.card .facts table{border:none}
.card .facts th,.card .facts td{border:none;padding:1px 12px 1px 0;background:none}
.card .facts th{color:#57606a;font-weight:400;white-space:nowrap}
.card .facts td{overflow-wrap:anywhere}
.card .head{font-size:16px;font-weight:600;margin-bottom:4px}
.score{font-variant-numeric:tabular-nums;font-weight:700}
.chart img{max-width:100%%;height:auto;border:1px solid #d0d7de}
table.hits{width:100%%}
table.hits td.text{overflow-wrap:anywhere;min-width:9em}
.sub{display:block;color:#57606a;font-size:12.5px}
.line{display:block;white-space:nowrap}
.line .lbl{color:#57606a;display:inline-block;min-width:5.2em}
table.hits tr,table.groups tr,table.overview tr{break-inside:avoid;page-break-inside:avoid}
.rel-relevant{color:#0a6b2d;font-weight:600}.rel-not-relevant{color:#6e7781}.rel-unsure{color:#9a6700;font-weight:600}
.note,.muted{color:#57606a;font-size:13px}
.product{border-top:3px solid #d0d7de;margin-top:28px}
.product-head{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
.product-head img{width:240px;height:240px;object-fit:contain;border:1px solid #d0d7de;background:#fff}
a{color:#0550ae}
table.counts td.num{min-width:5em}
.state{font-weight:600;white-space:nowrap}
.state-in-force,.state-pending{color:#0a6b2d}
.state-expired,.state-lapsed{color:#6e7781}
.state-unknown{color:#9a6700}
.badge{display:inline-block;border-radius:3px;padding:0 5px;font-size:12px;font-weight:600}
.badge-um{background:#fff3cd;color:#5c4400;border:1px solid #e0b000}
.flag{color:#9a6700}
table.excluded{width:100%%}
table.excluded td.text{overflow-wrap:anywhere}
ul.blind li{margin:4px 0}
.disclaimer{border:2px solid #b00020;border-radius:6px;padding:10px 14px;font-weight:600;max-width:60em}
.comparison{break-inside:avoid;page-break-inside:avoid;margin:0 0 18px}
"""

# Narrow screens: the hits table becomes one block per hit (image left, fields right), so
# nothing is wider than the page and no number, date or code has to wrap.
_NARROW_CSS = """
@media screen and (min-width:1500px){
 .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(660px,1fr))}
}
@media screen and (max-width:1100px){
 table.hits thead{display:none}
 table.hits,table.hits tbody{display:block;width:100%%}
 table.hits tr{display:grid;grid-template-columns:140px minmax(0,1fr);column-gap:10px;border:1px solid #d0d7de;
  border-radius:6px;margin:0 0 10px;padding:6px}
 table.hits td{display:block;border:none;padding:1px 0}
 table.hits td.image{grid-row:1 / span 20;width:auto}
 table.hits td[data-label]::before{content:attr(data-label) ": ";color:#57606a;font-weight:400}
 table.hits td:empty{display:none}
 table.hits td.num{text-align:left}
}
"""


def render_html(report: Report, *, medium: str = "screen", page_size: str = "A4",
                images: dict[bytes, str] | None = None) -> str:
    """The report as one HTML page (``medium="print"`` adds paged CSS for the PDF writer).

    With ``images`` (an empty dict), each distinct image is referenced as ``report-image:N`` and put in
    the dict (bytes -> reference) instead of being embedded as a ``data:`` URI: the PDF writer
    serves them to WeasyPrint, which then neither parses nor decodes the same picture twice.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> from patsnap_pandas.report import build_report
    >>> client = PatsnapClient.sandbox()
    >>> report = build_report(search_designs(samples.image("armchair"), client=client, limit=5), title="Chairs")
    >>> page = render_html(report)
    >>> "SANDBOX" in page, "<script" in page
    (True, False)
    >>> client.close()
    """
    token = _IMAGES.set(images)
    try:
        return _render(report, medium, page_size)
    finally:
        _IMAGES.reset(token)


def _render(report: Report, medium: str, page_size: str) -> str:
    paged = medium == "print"
    css = (_CSS + (_NARROW_CSS if medium == "screen" else "")) % {"fonts": _FONTS} + THREE_WAY_CSS + LANDSCAPE_CSS
    if medium == "print":
        banner = (report.banner or "Source: PatSnap design image search").replace('"', "'")
        made = f"{truncate(report.title, 90)} \u2014 made {report.created_at}".replace('"', "'").replace("\\", "/")
        css += print_css(page_size, _FONTS, _css_text(banner), _css_text(made), _css_text(truncate(report.title, 90)))
    parts = []
    if report.banner:
        parts.append(f'<div class="banner" role="alert">{escape(report.banner)}</div>')
    parts.append("<main>")
    parts.append(_cover(report))
    if report.job is not None:
        parts.extend(_job_parts(report, report.job))
        parts.append("</main>")
        return page("\n".join(parts), report.title, head_extra=f"<style>{css}</style>\n")
    parts.append(_method(report))
    if report.batch:
        parts.append(_overview(report))
    else:
        parts.append(_query(report.sections[0]))
    if report.chart_png:
        parts.append(f'<section class="chart"><h2>Scores</h2><img src="{_src(report.chart_png)}" '
                     f'alt="bar chart of the closest scores"></section>')
    if report.batch:
        for section in report.sections:
            parts.append(_product(report, section, paged))
    else:
        section = report.sections[0]
        parts.append(_cards(section, "Closest matches"))
        parts.append(_hits(report, section, "All hits", paged))
    parts.append(_summaries(report))
    if report.landscape is not None:
        parts.append(section_html(report.landscape, _src))
    parts.append(_notes(report))
    parts.append("</main>")
    return page("\n".join(parts), report.title, head_extra=f"<style>{css}</style>\n")


def write_html(report: Report, path: str | Path) -> Path:
    """Write the report as a self-contained HTML file (UTF-8) and return its path.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> from patsnap_pandas.report import build_report
    >>> client = PatsnapClient.sandbox()
    >>> report = build_report(search_designs(samples.image("armchair"), client=client, limit=5), title="Chairs")
    >>> write_html(report, "chairs.html").stat().st_size > 10_000
    True
    >>> client.close()
    """
    target = check_output_path(path, "path", (".html", ".htm"))
    target.write_text(render_html(report), encoding="utf-8")
    return target


# --- pieces ---------------------------------------------------------------------------------------------


def _css_text(text: str) -> str:
    return "".join(ch if ch.isprintable() and ch not in '"\\' else " " for ch in text)


def _img(data: bytes | None, alt: str, cls: str = "") -> str:
    if data is None:
        return '<span class="noimg">no image</span>'
    klass = f' class="{cls}"' if cls else ""
    return f'<img{klass} src="{_src(data)}" alt="{escape(alt)}">'


def _src(data: bytes) -> str:
    """The ``src`` of an image: a ``data:`` URI, or its ``report-image:N`` reference (see :func:`render_html`)."""
    images = _IMAGES.get()
    if images is None:
        return data_uri(data)
    return images.setdefault(data, f"{IMAGE_SCHEME}{len(images)}")


def _kv(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{breakable(k)}</th><td>{breakable(v)}</td></tr>" for k, v in rows)
    return f'<table class="kv">{body}</table>'


def _cover(report: Report) -> str:
    rows = [(label, value) for label, value in (("Author", report.author), ("Organisation", report.organisation),
                                                ("Search run", report.searched_at),
                                                ("Report made", report.created_at),
                                                ("Data source", report.source)) if value]
    sub = f'<p class="subtitle">{breakable(report.subtitle)}</p>' if report.subtitle else ""
    return f'<section class="cover"><h1 dir="auto">{breakable(report.title)}</h1>{sub}{_kv(rows)}</section>'


def _method(report: Report) -> str:
    return f'<section class="method"><h2>Method and coverage</h2>{_kv(report.method)}</section>'


def _query(section: Section) -> str:
    if section.multi_view:
        return (f'<section class="query-image"><h2>Query images: {len(section.views)} views of one product</h2>'
                f'{_strip(section)}</section>')
    return ('<section class="query-image"><h2>Query image</h2>'
            f'{_img(section.query_large or section.query_image, "the query image")}'
            f'<p class="muted">{breakable(section.query)}</p></section>')


def _strip(section: Section) -> str:
    """The query views side by side, numbered in search order (wrapping on narrow pages)."""
    n = len(section.views)
    items = "".join(
        f'<li>{_img(view.image, f"view {i} of {n}: {view.label}")}'
        f'<span class="vnum">View {i} of {n}</span><span class="vlabel">{breakable(view.label)}</span></li>'
        for i, view in enumerate(section.views, start=1))
    return f'<ol class="strip">{items}</ol>'


def _number(hit: Hit) -> str:
    return _number_of(hit.number, hit.link)


def _score(hit: Hit) -> str:
    return "" if hit.score is None else f"{hit.score:.3f}"


def _relevance(hit: Hit) -> str:
    if not hit.relevance:
        return ""
    return f'<span class="rel-{hit.relevance.replace(" ", "-")}">{breakable(hit.relevance)}</span>'


def _marked(hit: Hit) -> str:
    """Who marked the hit and when, the time on one line ("" when not recorded)."""
    if not hit.marked:
        return ""
    day, _, time = hit.marked_when.partition(" ")  # the date and the time each on one line (a narrow column)
    when = f', <span class="date">{escape(day)}</span> <span class="date">{escape(time)}</span>' if day else ""
    return f"by {breakable(hit.marked_by or 'an unnamed reviewer')}{when}"


def _card(section: Section, hit: Hit) -> str:
    details = [("Score", f'<span class="score">{_score(hit)}</span>'), ("Number", f'<span class="code">'
                                                                          f'{_number(hit)}</span>')]
    for label, value, cls in (("Title", hit.title, ""), ("Assignees", hit.assignees, ""), ("Inventors", hit.inventors, ""),
                              ("Authority", hit.authority, ""), ("Applied", hit.applied, "date"),
                              ("Published", hit.published, "date"), ("Granted", hit.granted, "date"),
                              ("Locarno class", hit.loc, ""), ("Legal status", hit.legal_status, ""),
                              ("Kind", _kind(hit) if hit.utility_model else "", "html"),
                              ("In force", _state(hit), "html"), ("Expiry", _expiry(hit), "html"),
                              ("Relevance", hit.relevance, ""), ("Note", hit.note, ""),
                              ("Marked", _marked(hit), "html")):
        if value and cls == "html":  # already markup
            details.append((label, value))
        elif value:
            details.append((label, f'<span class="{cls}">{breakable(value)}</span>' if cls else breakable(value)))
    if hit.why:
        details.insert(1, (WHY_LABEL, numbers_whole(hit.why)))
    if hit.matched_view is not None and section.multi_view:
        details.insert(1, ("Matched view", f'<span class="nowrap">{hit.matched_view} of {len(section.views)}</span>'))
    found = [f'<span class="nowrap">view {i}: {score:.3f}</span>'
             for i, score in enumerate(hit.view_scores, start=1) if score is not None]
    if found:
        details.insert(2, ("Score per view", ", ".join(found)))
    facts = "".join(f"<tr><th>{breakable(k)}</th><td>{v}</td></tr>" for k, v in details)
    rank = f"Rank {hit.rank}" if hit.rank is not None else "Hit"
    view, caption = section.view_of(hit)
    others = query = ""
    if section.multi_view and view is None:  # scored together: all views beside the hit
        n = len(section.views)
        tiles = "".join(f'<span title="view {i} of {n}">{_img(v.image, f"view {i} of {n}")}'
                        f'<span class="vnum">view {i}</span></span>' for i, v in enumerate(section.views, start=1))
        query = f'<figure><div class="allviews">{tiles}</div><figcaption>{breakable(caption)}</figcaption></figure>'
    elif section.multi_view:
        n = len(section.views)
        others = '<div class="others">' + "".join(
            f'<span title="view {i} of {n}">'
            f'{_img(v.image, f"view {i} of {n}", "on" if v is view else "")}</span>'
            for i, v in enumerate(section.views, start=1)) + "</div>"
    if not query:
        query = (f'<figure>{_img(view.image if view else None, "query image")}<figcaption>{breakable(caption)}'
                 f'</figcaption>{others}</figure>')
    return (f'<article class="card">{query}'
            f'<figure>{_img(hit.image, hit.number)}<figcaption>{escape(hit.number)}</figcaption></figure>{_overlay(hit)}'
            f'<div class="facts"><div class="head">{breakable(rank)} \u00b7 score {_score(hit)}</div>'
            f'<table>{facts}</table></div></article>')


def _overlay(hit: Hit) -> str:
    """The card's overlay of query and hit, captioned as a visual aid ("" without one)."""
    if hit.overlay is None:
        return ""
    return (f'<figure class="overlay">{_img(hit.overlay, "overlay of the query and " + hit.number)}'
            f'<figcaption>{breakable(OVERLAY_CAPTION)}</figcaption></figure>')


def _cards(section: Section, heading: str, appendix: bool = False) -> str:
    if not section.cards:
        return f'<section><h2>{breakable(heading)}</h2><p class="muted">No hits.</p></section>'
    cards = "".join(_card(section, h) for h in section.cards)
    note = f' {breakable(section.views_note)}' if section.views_note else ""
    klass = ' class="appendix"' if appendix else ""  # printed from a new page: its heading never ends one
    return (f'<section{klass}><h2>{breakable(heading)}</h2><p class="muted">The query beside each of the '
            f'{len(section.cards)} closest hits.{note}</p><div class="cards">{cards}</div></section>')


#: The HTML table's compound columns: header, the model columns each one shows, cell class.
_HTML_COLUMNS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("Image", ("image",), "image"),
    ("Product", ("query",), "text"),
    ("Rank", ("rank",), "num"),
    ("Score", ("score",), "num"),
    ("Number", ("number", "authority"), "code"),
    ("Title", ("title", "assignees"), "text"),
    ("Dates", ("applied", "published", "granted"), "dates"),
    ("Class and status", ("loc", "legal_status"), "text"),
    ("Relevance and note", ("relevance", "note", "marked_by"), "text"),
)


def _cell(hit: Hit, keys: tuple[str, ...], kind: str, labels: dict[str, str]) -> str:
    if kind == "image":
        return f'<td class="image">{_img(hit.image, hit.number)}</td>'
    inner = "".join(_cell_part(hit, key, labels) for key in keys if key in labels)
    header = next(h for h, k, _ in _HTML_COLUMNS if k == keys)
    label = f' data-label="{escape(header)}"' if inner and kind != "dates" else ""
    return f'<td class="{kind}"{label}>{inner}</td>'


def _cell_part(hit: Hit, key: str, labels: dict[str, str]) -> str:
    """The HTML of one field of a hit inside its table cell ("" when the hit has no value)."""
    if key == "rank":
        return "" if hit.rank is None else str(hit.rank)
    if key == "score":
        if hit.matched_view is not None and "matched_view" in labels:
            return f'{_score(hit)}<span class="sub nowrap">view {hit.matched_view}</span>'
        return _score(hit)
    if key == "number":
        return f'<span class="code">{_number(hit)}</span>'
    if key in ("applied", "published", "granted"):
        return (f'<span class="line"><span class="lbl">{breakable(labels[key])}</span> '
                f'<span class="date">{breakable(getattr(hit, key))}</span></span>') if getattr(hit, key) else ""
    if key in ("title", "query"):
        return breakable(getattr(hit, key))
    value = getattr(hit, key, None)
    if not value:
        return ""
    if key == "loc":
        return f'<span class="line-wrap">{_loc_html(hit.loc)}</span>'
    if key == "relevance":
        return _relevance(hit)
    if key == "marked_by":
        return f'<span class="sub marked">{_marked(hit)}</span>' if hit.marked else ""
    if key in ("authority", "assignees", "legal_status", "note"):
        return f'<span class="sub">{breakable(value)}</span>'
    return ""


def _loc_html(loc: str) -> str:
    out = []
    for part in [p.strip() for p in loc.split(";") if p.strip()]:
        code, _, rest = part.partition(" ")
        out.append(f'<span class="code">{breakable(code)}</span> {breakable(rest)}' if rest else
                   f'<span class="code">{breakable(code)}</span>')
    return "; ".join(out)


def _hits(report: Report, section: Section, heading: str, paged: bool = False) -> str:
    """A section's hits table; in print with fixed column widths (:mod:`.paged`). A batch's table sits under
    its product's heading, so it has no product column."""
    labels = {c.key: c.label for c in report.columns if c.key != "query"}
    columns = [(h, k, kind) for h, k, kind in _HTML_COLUMNS if any(key in labels for key in k)]
    head = "".join(f'<th class="{"num" if kind == "num" else ""}">{breakable(h)}</th>' for h, _, kind in columns)
    cols = "".join(f'<col style="width:{w}%">' for w in column_widths([h for h, _, _ in columns])) if paged else ""
    # in print, a batch's table names its product in the header row repeated on every page it runs over
    product = (f'<tr><th class="product-row" colspan="{len(columns)}">Product: {breakable(section.query)}</th></tr>'
               if paged and report.batch else "")
    head = (f"<colgroup>{cols}</colgroup>" if cols else "") + f"<thead>{product}<tr>{head}</tr></thead>"
    blocks = []
    for title, members in section.groups(report.group_by_relevance):
        rows = "".join("<tr>" + "".join(_cell(hit, keys, kind, labels) for _, keys, kind in columns) + "</tr>"
                       for hit in members)
        sub = f"<h3>{breakable(title)} ({len(members)})</h3>" if title else ""
        blocks.append(f'{sub}<table class="hits">{head}<tbody>{rows}</tbody></table>')
    if not section.hits:
        blocks.append('<p class="muted">No hits.</p>')
    return f'<section><h2>{breakable(heading)}</h2>{"".join(blocks)}</section>'


def _groups(rows: list[GroupRow], name: str) -> str:
    designs = any(r.families is not None for r in rows)  # per owner: one design in several offices counted once
    body = "".join(
        f'<tr><td class="image">{_img(r.best_image, r.best_number)}</td><td>{breakable(r.name)}</td>'
        f'<td class="num">{r.hits}</td>' + (f'<td class="num">{r.families or ""}</td>' if designs else "")
        + f'<td class="num">{"" if r.best_score is None else f"{r.best_score:.3f}"}</td>'
        f'<td class="code">{escape(r.best_number)}</td></tr>' for r in rows)
    return (f'<table class="groups"><thead><tr><th>Best match</th><th>{breakable(name)}</th><th class="num">Hits</th>'
            + ('<th class="num">Designs</th>' if designs else "")
            + f'<th class="num">Best score</th><th>Number</th></tr></thead><tbody>{body}</tbody></table>'
            + (f'<p class="muted">{escape(DESIGNS_NOTE)}</p>' if designs else ""))


def _summaries(report: Report) -> str:
    parts = ["<section><h2>Summaries</h2>"]
    if report.by_assignee:
        parts.append("<h3>Per assignee</h3>" + _groups(report.by_assignee, "Assignee"))
    else:
        parts.append(f'<p class="muted">{breakable(report.no_owners_note)}</p>')
    if report.by_authority:
        parts.append("<h3>Per authority</h3>" + _groups(report.by_authority, "Authority"))
    parts.append("</section>")
    return "".join(parts)


def _overview(report: Report) -> str:
    rows = []
    for row in report.overview:
        best = row.best
        if best is None:
            status = {"no_hits": "no hits", "error": f"not searched: {row.error}"}.get(row.status, row.status)
            tail = f'<td colspan="4" class="muted">{breakable(status)}</td>'
        else:
            tail = (f'<td class="image">{_img(best.image, best.number)}</td><td class="code">{_number(best)}</td>'
                    f'<td class="num">{_score(best)}</td><td class="text">{breakable(best.title)}</td>')
        rows.append(f'<tr><td class="image">{_img(row.query_image, row.query)}</td><td>{breakable(row.query)}</td>'
                    f'<td class="num">{row.hits}</td>{tail}</tr>')
    if not rows:
        return f'<section><h2>Products</h2><p class="muted">{escape(words.NO_PRODUCTS_SHOWN)}</p></section>'
    return ('<section><h2>Products</h2><table class="overview"><thead><tr><th>Product image</th><th>Product</th>'
            '<th class="num">Hits</th><th>Closest hit</th><th>Number</th><th class="num">Score</th><th>Title</th>'
            f'</tr></thead><tbody>{"".join(rows)}</tbody></table></section>')


def _product(report: Report, section: Section, paged: bool) -> str:
    picture = _strip(section) if section.multi_view else _img(section.query_image, section.query)
    head = (f'<div class="product-head">{picture}'
            f'<div><p><b>{len(section.hits)}</b> hit(s) in this report.</p>'
            + (f'<p class="muted">{breakable(section.error)}</p>' if section.error else "") + "</div></div>")
    return (f'<section class="product"><h2>Product: {breakable(section.query)}</h2>{head}'
            f'{_cards(section, "Closest matches")}{_hits(report, section, "Hits", paged)}</section>')


def _notes(report: Report) -> str:
    return (f'<section><h2>What a similarity score is and is not</h2><p>{breakable(report.score_note)}</p></section>'
            f'<section><h2>About this report</h2>{_kv(report.about)}</section>')


# --- clearance and prior-art reports (report.clearance) ---------------------------------------------------


def _job_parts(report: Report, job: Job) -> list[str]:
    """The sections of a job report, in the order counsel reads them."""
    section = report.sections[0]
    parts = [f'<section class="scope"><h2>What was searched</h2>{_kv(job.scope)}</section>', _query(section),
             f'<section><h2>Counts</h2>{_counts(job.counts)}</section>',
             _job_table(job)]
    if job.comparisons:
        items = "".join(f'<div class="comparison">{c.html()}</div>' for c in job.comparisons)
        parts.append(f"<section><h2>Three-way comparison</h2>{items}</section>")
    parts.append(_excluded(job.excluded))
    items = "".join(f"<li>{breakable(text)}</li>" for text in job.blind_spots)
    parts.append(f'<section><h2>What this search cannot see</h2><ul class="blind">{items}</ul></section>')
    parts.append(f'<section><h2>Not a legal opinion</h2><p class="disclaimer">{breakable(job.disclaimer)}</p>'
                 f'<p>{breakable(report.score_note)}</p></section>')
    if section.cards:
        what = "in-force design" if job.kind == "clearance" else "piece of evidence"
        parts.append(_cards(section, f"Appendix: the query beside each closest {what}", appendix=True))
    parts.append(f'<section><h2>About this report</h2>{_kv(report.about)}</section>')
    return parts


def _counts(rows: list[tuple[str, str]]) -> str:
    body = "".join(f'<tr><th>{breakable(k)}</th><td class="num">{escape(v)}</td></tr>' for k, v in rows)
    return f'<table class="kv counts">{body}</table>'


def _state(hit: Hit) -> str:
    if not hit.in_force:
        return ""
    slug = hit.in_force.replace(" ", "-")
    state = f'<span class="state state-{escape(slug)}">{escape(hit.in_force)}</span>'
    why = f'<span class="sub">{breakable(hit.in_force_reason)}</span>' if hit.in_force_reason else ""
    return state + why


def _expiry(hit: Hit) -> str:
    out = []
    for label, text in expiry_words(hit):
        day, _, rest = text.partition(" ")
        flag = ' class="sub flag"' if "apart" in text else ' class="sub"'
        if label == "Expires" and hit.expiry is not None:
            out.append(f'<span class="date">{escape(day)}</span><span class="sub">{breakable(rest.strip("()"))}</span>')
        elif hit.expiry_patsnap is not None and label != "Expires":
            out.append(f'<span{flag}>PatSnap: <span class="date">{escape(day.rstrip(":"))}</span> '
                       f"{breakable(rest)}</span>")
        else:
            out.append(f'<span class="sub">{breakable(text)}</span>')
    if hit.next_renewal:
        out.append(f'<span class="sub">next renewal: {numbers_whole(hit.next_renewal)}</span>')
    return "".join(out)


def _kind(hit: Hit) -> str:
    return '<span class="badge badge-um">utility model</span>' if hit.utility_model else "design"


def _dates(hit: Hit, keys: tuple[str, ...]) -> str:
    words = {"applied": "Filed", "published": "Published", "granted": "Granted"}
    return "".join(f'<span class="line"><span class="lbl">{words[k]}</span> <span class="date">{escape(getattr(hit, k))}'
                   f"</span></span>" for k in keys if getattr(hit, k))


#: The job tables' columns: header, cell class, share of the page's width (the PDF lays them out fixed).
_JOB_COLUMNS = {
    "clearance": (("Image", "image", 11), ("Number", "code", 15), ("Score", "num", 6), ("Title and owner", "text", 12),
                  ("Dates", "dates", 18), ("In force", "text", 13), ("Expiry", "text", 12), ("Rule", "text", 13)),
    "prior_art": (("Image", "image", 11), ("Number", "code", 16), ("Score", "num", 6), ("Kind", "text", 10),
                  ("Dates", "dates", 18), ("Title and owner", "text", 22), ("Legal status", "text", 17)),
}
_JOB_DATES = {"clearance": ("applied", "granted"), "prior_art": ("published", "applied")}


def _job_cell(hit: Hit, header: str, kind: str, job: Job) -> str:
    if kind == "image":
        return f'<td class="image">{_img(hit.image, hit.number)}</td>'
    if kind == "dates":
        return f'<td class="dates">{_dates(hit, _JOB_DATES[job.kind])}</td>'
    inner = {
        "Number": lambda: f'<span class="code">{_number(hit)}</span>'
                          + (f'<span class="sub">{breakable(hit.authority)}</span>' if hit.authority else ""),
        "Title and owner": lambda: breakable(hit.title)
                                   + (f'<span class="sub">{breakable(hit.assignees)}</span>' if hit.assignees else ""),
        "In force": lambda: _state(hit),
        "Expiry": lambda: _expiry(hit),
        "Rule": lambda: breakable(hit.expiry_rule),
        "Score": lambda: _score(hit),
        "Kind": lambda: _kind(hit),
        "Legal status": lambda: _state(hit) or breakable(hit.legal_status),
    }[header]()
    label = f' data-label="{escape(header)}"' if inner else ""
    return f'<td class="{kind}"{label}>{inner}</td>'


def _job_columns(job: Job) -> tuple[tuple[str, str, int], ...]:
    """The job table's columns; a prior art's "Legal status" only when a row has one (the job looks none up),
    its width given to the kind and the titles."""
    columns = _JOB_COLUMNS[job.kind]
    if job.kind != "prior_art" or any(h.in_force or h.legal_status for h in job.rows):
        return columns
    spare = next(share for header, _k, share in columns if header == "Legal status")
    more = {"Kind": 4, "Title and owner": spare - 4}  # the badge "utility model" on one line, the rest to the titles
    return tuple((h, k, share + more.get(h, 0)) for h, k, share in columns if h != "Legal status")


def _job_table(job: Job) -> str:
    columns = _job_columns(job)
    cols = "".join(f'<col style="width:{share}%">' for _h, _k, share in columns)
    head = "".join(f'<th class="{"num" if kind == "num" else ""}">{escape(h)}</th>' for h, kind, _s in columns)
    rows = "".join("<tr>" + "".join(_job_cell(hit, h, kind, job) for h, kind, _s in columns) + "</tr>"
                   for hit in job.rows)
    body = (f'<table class="hits job"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>'
            "</table>" if rows else '<p class="muted">None.</p>')
    return f"<section><h2>{breakable(job.table_heading)} ({len(job.rows)})</h2>{body}</section>"


def _excluded(rows: list[Exclusion]) -> str:
    if not rows:
        return '<section><h2>Excluded, and why</h2><p class="muted">Nothing was excluded.</p></section>'
    body = "".join(
        f'<tr><td class="code">{_number_of(r.number, r.link)}</td><td class="text">{breakable(r.authority)}</td>'
        f'<td class="text">{breakable(r.title)}</td><td class="text">{numbers_whole(r.reason)}</td></tr>'
        for r in rows)
    return (f'<section><h2>Excluded, and why ({len(rows)})</h2><table class="excluded"><thead><tr><th>Number</th>'
            f'<th>Office</th><th>Title</th><th>Why it was excluded</th></tr></thead><tbody>{body}</tbody></table>'
            "</section>")


def _number_of(number: str, link: str | None) -> str:
    if link:
        return f'<a href="{escape(link)}" rel="noopener noreferrer">{escape(number)}</a>'
    return escape(number)
