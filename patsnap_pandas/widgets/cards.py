"""HTML of the panel's result cards and comparison view: plain markup, every text escaped.

The panel puts these strings into ``ipywidgets.HTML`` values, so they look the same
in JupyterLab, Notebook 7 and Voila and survive a notebook export. Images are data
URIs (thumbnails kept by patent, so they still show after the image URLs expired).

Examples
--------
>>> import pandas as pd
>>> import pandas as pd
>>> row = pd.Series({"rank": 1, "score": 0.912, "patent_pn": "USD900001S", "title": "Chair <b>",
...                  "authority": "US", "apdt": 20200131})
>>> html = card_html(row, None)
>>> "USD900001S" in html and "Chair &lt;b&gt;" in html and "0.912" in html
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from .._html import data_uri, escape
from ..frame import parties
from ..frame.compare import three_way_css
from ..frame.format import format_value, is_missing, optional_float, optional_int
from ..frame.links import public_record_url
from ..frame.words import authority_name, column_label, date_in_words, loc_in_words

__all__ = ["CSS", "CARD_PX", "card_html", "compare_html", "date_text", "assignee_of", "status_html",
           "three_way_html"]

#: Side of a card's thumbnail, in CSS pixels.
CARD_PX = 180
#: Longest side of the images in the comparison view, in CSS pixels.
COMPARE_PX = 420
#: Columns that describe the search rather than the hit (shown in the comparison's header).
SEARCH_COLUMNS = ("search_id", "query")
TRIAGE_COLUMNS = ("relevance", "note", "marked_by", "marked_at")  # the mark and who/when: said under the controls
DATE_COLUMNS = ("apdt", "pbdt", "isd", "apply_date", "publication_date", "grant_date", "expiry_estimate",
                "expiry_patsnap")

#: The panel's style sheet. Wrapping rules: long text wraps inside its column, numbers,
#: dates and codes never break (``.psp-nowrap``).
CSS = """
.psp-panel { box-sizing: border-box; max-width: 100%; min-width: 0; }
.psp-panel * { box-sizing: border-box; }
.psp-panel .widget-html-content, .psp-panel .widget-html { white-space: normal; overflow-wrap: anywhere;
  line-height: 1.4; }
.psp-panel .psp-col { flex: 1 1 280px; min-width: 0; max-width: 100%; }
.psp-panel .psp-col-wide { flex: 2 1 340px; min-width: 0; max-width: 100%; }
.psp-panel .psp-label { font-weight: 600; margin: 6px 2px 0 2px; }
.psp-panel .psp-h { font-weight: 700; font-size: 1.05em; margin: 4px 2px; }
.psp-nowrap { white-space: nowrap; }
.psp-panel a, .psp-panel a:visited { color: #0b57d0; text-decoration: underline; cursor: pointer; }
.psp-panel a:hover { color: #083c91; }
.psp-msg-error { color: #b00020; }
.psp-msg-ok { color: #1b7f3b; }
.psp-msg-hint { color: #555; }
.psp-banner { display: inline-block; background: #fff3cd; color: #5c4400; border: 1px solid #e0b000;
  border-radius: 3px; padding: 1px 6px; font-weight: 700; }
.psp-live { display: inline-block; background: #e6f4ea; color: #12502a; border: 1px solid #7bc08f;
  border-radius: 3px; padding: 1px 6px; font-weight: 700; }
.psp-card { width: 200px; border: 1px solid #d0d0d0; border-radius: 4px; padding: 8px; margin: 0;
  background: #fff; }
.psp-card .psp-thumb { width: 180px; height: 180px; object-fit: contain; display: block; background: #fafafa;
  border: 1px solid #eee; }
.psp-card .psp-score { font-size: 1.15em; font-weight: 700; }
.psp-card .psp-title { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical;
  overflow: hidden; }
.psp-card .psp-sub { color: #555; font-size: 0.92em; }
.psp-mark { display: inline-block; border-radius: 3px; padding: 0 5px; font-size: 0.9em; }
.psp-mark-relevant { background: #e6f4ea; color: #12502a; }
.psp-mark-not-relevant { background: #eee; color: #333; }
.psp-mark-unsure { background: #fff3cd; color: #5c4400; }
.psp-pair { display: flex; flex-wrap: wrap; gap: 16px; }
.psp-pair figure { flex: 1 1 260px; max-width: 440px; margin: 0; min-width: 0; }
.psp-pair img { width: 100%; height: 380px; object-fit: contain; display: block; border: 1px solid #ddd;
  background: #fafafa; }
.psp-pair figcaption { margin-top: 4px; font-weight: 600; }
.psp-fields { border-collapse: collapse; margin-top: 8px; max-width: 100%; }
.psp-fields th { text-align: left; vertical-align: top; padding: 2px 12px 2px 0; color: #444; font-weight: 600;
  overflow-wrap: normal; }  /* a long label wraps between words (narrow widths), never inside one */
.psp-fields td { vertical-align: top; padding: 2px 0; overflow-wrap: anywhere; }
.psp-ids { margin-top: 6px; color: #555; }
.psp-ids summary { cursor: pointer; }
.psp-chart-img { max-width: 100%; height: auto; }
.psp-views { margin-top: 6px; }
.psp-view { margin: 0; text-align: center; }
.psp-view img { width: 120px; height: 120px; object-fit: contain; display: block; border: 1px solid #ccc;
  background: #fafafa; }
.psp-view figcaption { font-size: 0.9em; line-height: 1.3; }
.psp-view-name { display: block; color: #555; overflow-wrap: anywhere; }
.psp-others { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 6px; }
.psp-others figure { flex: 0 0 auto; max-width: none; margin: 0; text-align: center; font-size: 0.85em; }
.psp-pair .psp-others img { width: 64px; height: 64px; border: 1px solid #ddd; }
.psp-pair .psp-others .psp-on img { outline: 2px solid #0b57d0; }
.psp-allviews { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 6px; }
.psp-allviews figure { margin: 0; text-align: center; font-size: 0.85em; min-width: 0; }
.psp-pair .psp-allviews img { width: 100%; height: auto; aspect-ratio: 1 / 1; }
.psp-state { font-weight: 700; white-space: nowrap; }
.psp-state-in-force, .psp-state-pending { color: #1b7f3b; }
.psp-state-expired, .psp-state-lapsed { color: #555; }
.psp-state-unknown { color: #8a5a00; }
.psp-um { display: inline-block; background: #fff3cd; color: #5c4400; border: 1px solid #e0b000;
  border-radius: 3px; padding: 0 5px; font-size: 0.9em; font-weight: 600; white-space: nowrap; }
.psp-aside { border-collapse: collapse; width: 100%; max-width: 1100px; }
.psp-aside th, .psp-aside td { text-align: left; vertical-align: top; padding: 3px 10px 3px 0;
  border-bottom: 1px solid #eee; }
.psp-aside td.psp-why { overflow-wrap: anywhere; }
.psp-panel .widget-button { width: auto; min-width: max-content; }
.psp-panel .widget-toggle-buttons .widget-toggle-button { width: auto; min-width: max-content; }
""" + three_way_css(".psp-panel")


def date_text(value: Any) -> str:
    """A date cell as ``YYYY-MM-DD`` (API dates come as ``20200131``); "" when missing.

    Examples
    --------
    >>> date_text(20200131), date_text("2021-05-04"), date_text(None)
    ('2020-01-31', '2021-05-04', '')
    """
    if is_missing(value):
        return ""
    return date_in_words(value if isinstance(value, (str, dt.date)) else str(value))


def assignee_of(row: Mapping[str, Any]) -> str:
    """The owner of a hit as :func:`patsnap_pandas.frame.parties.owner_of` decides it ("" when no field names one).

    Examples
    --------
    >>> assignee_of({"current_assignee": ["Acme Corp"], "title": "Lamp"})
    'Acme Corp'
    """
    return parties.owner_of(row)


def _mark_badge(relevance: Any) -> str:
    if is_missing(relevance) or not str(relevance):
        return ""
    slug = str(relevance).replace(" ", "-")
    return f'<span class="psp-mark psp-mark-{escape(slug)}">{escape(relevance)}</span>'


def _date_line(row: Mapping[str, Any]) -> str:
    parts = []
    for which, word in (("applied", "applied"), ("published", "published")):
        day = parties.date_of(row, which)
        text = day.isoformat() if day else ""
        if text:
            parts.append(f'{word} <span class="psp-nowrap">{escape(text)}</span>')
    return ", ".join(parts)


def card_html(row: Mapping[str, Any], thumbnail: bytes | None) -> str:
    """One hit as a card: thumbnail (180 px), score, number, title, assignee, authority, mark.

    Examples
    --------
    >>> card_html({"score": 0.5, "patent_pn": "CN1", "authority": "CN", "relevance": "unsure"}, None).count("unsure")
    2
    """
    score = optional_float(row.get("score"))
    score_text = "" if score is None else f"{score:.3f}"
    image = (f'<img class="psp-thumb" src="{data_uri(thumbnail)}" alt="drawing of {escape(row.get("patent_pn"))}">'
             if thumbnail else '<div class="psp-thumb psp-msg-hint">no image</div>')
    rank = optional_int(row.get("rank"))
    rank_text = "" if rank is None else f'<span class="psp-sub psp-nowrap">#{rank}</span> '
    authority = row.get("authority")
    lines = [
        image,
        f'<div>{rank_text}<span class="psp-score psp-nowrap" title="similarity score">{score_text}</span> '
        f'{_mark_badge(row.get("relevance"))}</div>',
        f'<div class="psp-nowrap"><b>{escape(format_value(row.get("patent_pn")))}</b></div>',
        f'<div class="psp-title">{escape(format_value(row.get("title")))}</div>',
    ]
    assignee = assignee_of(row)
    if assignee:
        lines.append(f'<div class="psp-sub psp-title">{escape(assignee)}</div>')
    if not is_missing(authority):
        lines.append(f'<div class="psp-sub">{escape(authority_name(authority))}</div>')
    dates = _date_line(row)
    if dates:
        lines.append(f'<div class="psp-sub">{dates}</div>')
    matched = optional_int(row.get("matched_view"))
    if matched is not None:
        lines.append(f'<div class="psp-sub psp-nowrap">matched view {matched}</div>')
    status = status_html(row)
    if status:
        lines.append(f'<div class="psp-card-status">{status}</div>')
    return "".join(lines)


def status_html(row: Mapping[str, Any]) -> str:
    """A hit's clearance or prior-art words: in force and until when, or utility model ("" for neither).

    Examples
    --------
    >>> status_html({"in_force": "in force", "expiry_estimate": "2036-03-02"})
    '<span class="psp-state psp-state-in-force">in force</span> until <span class="psp-nowrap">2036-03-02</span> (estimate)'
    >>> status_html({"in_force": "expired", "patent_type": "U"})
    '<span class="psp-um">utility model</span> <span class="psp-state psp-state-expired">expired</span>'
    """
    parts = []
    if str(row.get("patent_type") or "").strip().upper() == "U":
        parts.append('<span class="psp-um">utility model</span>')
    state = "" if is_missing(row.get("in_force")) else str(row.get("in_force")).strip().lower()
    if state:
        slug = escape(state.replace(" ", "-"))
        text = f'<span class="psp-state psp-state-{slug}">{escape(state)}</span>'
        expiry = date_text(row.get("expiry_estimate"))
        if expiry and state in ("in force", "pending"):
            text += f' until <span class="psp-nowrap">{escape(expiry)}</span> (estimate)'
        parts.append(text)
    return " ".join(parts)


def three_way_html(row: Mapping[str, Any], comparison: Any) -> str:
    """The three-way comparison (``frame.compare.ThreeWay``), then every field of the hit and its record link.

    Examples
    --------
    >>> from patsnap_pandas.frame.compare import three_way
    >>> html = three_way_html({"patent_pn": "CN1", "authority": "CN"}, three_way(None, None, None))
    >>> html.count('<th scope="col">'), "no image of the accused product" in html
    (3, True)
    """
    pn = format_value(row.get("patent_pn"))
    return comparison.html() + _fields_table(row) + _record_link(pn, str(row.get("authority") or ""),
                                                             row.get("record_url"))


def _field_value(column: str, value: Any) -> str:
    if column in DATE_COLUMNS:
        return f'<span class="psp-nowrap">{escape(date_text(value))}</span>'
    if (column in ("score", "fused_score") or column.startswith("score_view")) and not is_missing(value):
        return f'<span class="psp-nowrap">{float(value):.3f}</span>'
    if column == "loc" and not is_missing(value):
        codes_ = [format_value(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
        return "; ".join(f'<span class="psp-nowrap">{escape(loc_in_words(c))}</span>' for c in codes_ if c)
    if column == "authority" and not is_missing(value):
        return f'{escape(authority_name(value))} (<span class="psp-nowrap">{escape(value)}</span>)'
    if column == "image_url" and not is_missing(value):
        return (f'<a href="{escape(value)}" target="_blank" rel="noopener noreferrer">image file</a> '
                '<span class="psp-msg-hint">(a signed link: it expires)</span>')
    return escape(format_value(value, column))


def compare_html(row: Mapping[str, Any], query_image: bytes | str | None, hit_image: bytes | None,
                 *, query_label: str = "query image",
                 views: Sequence[tuple[str, bytes | str | None]] | None = None,
                 matched_view: int | None = None) -> str:
    """The query and one hit side by side, then every field of the hit and its public record link.

    With several ``views``, the view that matched (``matched_view``, 1-based) stands
    beside the hit, captioned "Matched view 2 of 3", and every view is shown small
    under it. When the search does not say which view matched, all views stand beside
    the hit, together (no view is singled out).

    Parameters
    ----------
    row : mapping
        One row of a result frame.
    query_image : bytes or str or None
        PNG/JPEG bytes of the query, or its http(s) URL.
    hit_image : bytes or None
        The hit's image (PNG/JPEG bytes).
    query_label : str
        Caption of the query image (its file name or URL).
    views : sequence of (label, picture), optional
        Several views of one product, in search order (PNG/JPEG bytes or URL each);
        ``query_image`` and ``query_label`` are then not used.
    matched_view : int, optional
        The view that matched this hit (the frame's ``matched_view``).

    Examples
    --------
    >>> html = compare_html({"patent_pn": "USD900001S", "authority": "US", "score": 0.9}, None, None)
    >>> '<th scope="row">Number</th>' in html and "United States (" in html
    True
    >>> views = [("front.png", None), ("side.png", None), ("top.png", None)]
    >>> "Matched view 2 of 3: side.png" in compare_html({"patent_pn": "CN1"}, None, None, views=views, matched_view=2)
    True
    >>> "All 3 views, scored together" in compare_html({"patent_pn": "CN1"}, None, None, views=views)
    True
    """
    pn = format_value(row.get("patent_pn"))
    query_figure = None
    if views and len(views) > 1 and not (matched_view is not None and 1 <= matched_view <= len(views)):
        query_figure = _all_views_figure(views)
    elif views and len(views) > 1:
        query_figure = _matched_view_figure(views, int(matched_view))  # type: ignore[arg-type]
    score = optional_float(row.get("score"))
    score_text = "" if score is None else f' \u00b7 score <span class="psp-nowrap">{score:.3f}</span>'
    if str(row.get("patent_type") or "").strip().upper() == "U":  # its state: first in the table under it
        score_text += '<br><span class="psp-um">utility model</span>'
    pair = ('<div class="psp-pair">'
            + (query_figure or _figure(_src_of(query_image), f"Query: {escape(query_label)}", "query image"))
            + _figure(data_uri(hit_image) if hit_image else None,
                      f'<span class="psp-nowrap">{escape(pn)}</span>{score_text}', f"drawing of {pn}")
            + "</div>")
    return pair + _fields_table(row) + _record_link(pn, str(row.get("authority") or ""),
                                                             row.get("record_url"))


def _src_of(picture: bytes | str | None) -> str | None:
    """An <img> src for a picture: its data URI (bytes) or its URL (str)."""
    return data_uri(picture) if isinstance(picture, bytes) else picture if isinstance(picture, str) else None


def _figure(src: str | None, caption: str, alt: str, extra: str = "") -> str:
    body = (f'<img src="{escape(src)}" alt="{escape(alt)}" referrerpolicy="no-referrer">' if src
            else '<div class="psp-msg-hint">no image</div>')
    return f'<figure>{body}<figcaption>{caption}</figcaption>{extra}</figure>'


def _view_tile(i: int, n: int, label: str, picture: bytes | str | None, on: bool = False) -> str:
    """View ``i`` of ``n``, small, captioned "view i" (``on``: the matched one)."""
    src = _src_of(picture)
    img = (f'<img src="{escape(src)}" alt="view {i} of {n}" referrerpolicy="no-referrer">' if src
           else '<div class="psp-msg-hint">no image</div>')
    on_class = ' class="psp-on"' if on else ""
    return (f'<figure{on_class} title="{escape(label)}">{img}'
            f'<figcaption class="psp-nowrap">view {i}</figcaption></figure>')


def _all_views_figure(views: Sequence[tuple[str, bytes | str | None]]) -> str:
    """Every view beside the hit, together: the search does not say which one matched."""
    n = len(views)
    tiles = "".join(_view_tile(i, n, label, picture) for i, (label, picture) in enumerate(views, start=1))
    return (f'<figure><div class="psp-allviews">{tiles}</div><figcaption>All {n} views, '
            'scored together <span class="psp-msg-hint">(the search does not say which view '
            "matched)</span></figcaption></figure>")


def _matched_view_figure(views: Sequence[tuple[str, bytes | str | None]], matched: int) -> str:
    """The matched view beside the hit, every view small under it (the matched one marked)."""
    n = len(views)
    label, picture = views[matched - 1]
    small = "".join(_view_tile(i, n, label_i, picture_i, on=i == matched)
                    for i, (label_i, picture_i) in enumerate(views, start=1))
    return _figure(_src_of(picture), f"Matched view {matched} of {n}: {escape(label)}", "query image",
                   '<div class="psp-others">' + small + "</div>")


#: PatSnap's own identifiers and the signed image link: under "Identifiers", closed (not what a reader needs).
ID_COLUMNS = ("patent_id", "img_id", "image_url")
#: What the enrich button fills, said where the comparison lacks it.
NOT_LOOKED_UP = "not looked up yet: use \u201cAdd owners and legal status\u201d"


def _key_facts(row: Mapping[str, Any]) -> tuple[list[tuple[str, str]], set[str]]:
    """Owner, legal status and in force first (those not looked up yet in one row, with the hint), and the
    columns they used.

    Examples
    --------
    >>> facts, used = _key_facts({"current_assignee": "Acme", "original_assignee": "Acme"})
    >>> [label for label, _ in facts], sorted(used)
    (['Owner', 'Legal status, in force'], ['current_assignee', 'in_force', 'original_assignee'])
    """
    field = next((f for f in parties.OWNER_FIELDS if parties.owner_names({f: row.get(f)})), None)
    status_field = next((f for f in ("legal_status", "simple_legal_status") if not is_missing(row.get(f))), None)
    state = status_html({"in_force": row.get("in_force"), "expiry_estimate": row.get("expiry_estimate")})
    facts = [("Owner", escape(assignee_of(row)) if field else ""),
             (column_label("simple_legal_status"), escape(format_value(row.get(status_field))) if status_field else ""),
             (column_label("in_force"), state)]
    missing = [label for label, text in facts if not text]
    shown = [(label, text) for label, text in facts if text]
    if missing:
        label = ", ".join([missing[0], *(m.lower() for m in missing[1:])])
        shown.append((label, f'<span class="psp-msg-hint">{escape(NOT_LOOKED_UP)}</span>'))
    same = [f for f in parties.OWNER_FIELDS if field and parties.owner_of({f: row.get(f)}) == assignee_of(row)]
    return shown, {*same, *([status_field] if status_field else []), "in_force"}  # said here: not again below


def _fields_table(row: Mapping[str, Any]) -> str:
    """Owner, legal status and in force, then every field of the hit with its label for people (not the search's
    provenance, not the marks), each once; PatSnap's identifiers and the signed image link in a closed toggle.

    A job's columns repeat the search's under the same label (``apdt`` and ``apply_date`` are both
    "Applied"): a label and value already shown is not shown again, and an empty field not at all;
    ``patent_type`` is said by ``kind``, and the record link follows the table.

    Examples
    --------
    >>> table = _fields_table({"apdt": "2019-01-16", "apply_date": "2019-01-16", "assignee": None,
    ...                        "assignees": "Vantage", "patent_type": "U", "kind": "utility model", "loc": []})
    >>> table.count("Applied"), ">Assignee<" in table, table.count("Kind"), "Locarno" in table
    (1, False, 1, False)
    >>> table.count("Vantage"), table.count("not looked up yet"), "Legal status, in force" in table
    (1, 1, True)
    >>> table = _fields_table({"patent_id": "0b7e-uuid", "image_url": "https://x/i.png?sig=1", "title": "Lamp"})
    >>> table.index("<details") < table.index("0b7e-uuid"), "<details open" in table
    (True, False)
    """
    facts, used = _key_facts(row)
    fields, ids = list(facts), list[tuple[str, str]]()
    for column, value in row.items():
        if column in SEARCH_COLUMNS or column in TRIAGE_COLUMNS or column == "record_url" or column in used:
            continue
        if column == "patent_type" and not is_missing(row.get("kind")):
            continue
        if column.startswith("score_view") and is_missing(value):  # a view's score: missing says something
            fields.append((column_label(column), '<span class="psp-msg-hint">not among this view\'s hits</span>'))
        elif not is_missing(value) and (text := _field_value(column, value)):  # (no class: no row)
            (ids if column in ID_COLUMNS else fields).append((column_label(column), text))
    rows = [f'<tr><th scope="row">{escape(label)}</th><td>{text}</td></tr>'
            for label, text in dict.fromkeys(fields)]  # each (label, value) once, in order
    hidden = ('<details class="psp-ids"><summary>Identifiers (PatSnap\'s own) and the image link</summary>'
              '<table class="psp-fields">' + "".join(f'<tr><th scope="row">{escape(label)}</th><td>{text}</td></tr>'
                                                     for label, text in ids) + "</table></details>") if ids else ""
    return '<table class="psp-fields">' + "".join(rows) + "</table>" + hidden


def _record_link(pn: str, authority: str, record_url: Any = None) -> str:
    link = record_url if isinstance(record_url, str) and record_url.startswith("https://") else \
        public_record_url(pn, authority)
    return (f'<p><a href="{escape(link)}" target="_blank" rel="noopener noreferrer">Public record of '
            f'{escape(pn)}</a></p>' if link else
            '<p class="psp-msg-hint">No public record link is known for this authority.</p>')


def set_aside_html(excluded: Any) -> str:
    """The hits a clearance or prior-art search set aside, one line each: number, office, title and why.

    Examples
    --------
    >>> import pandas as pd
    >>> aside = pd.DataFrame({"patent_pn": ["JP1480134S"], "authority": ["JP"], "title": ["<chair>"],
    ...                       "excluded_reason": ["not in the markets: JP"]})
    >>> html = set_aside_html(aside)
    >>> "not in the markets: JP" in html and "&lt;chair&gt;" in html and "Japan" in html
    True
    >>> set_aside_html(aside.iloc[0:0])
    ''
    """
    if excluded is None or not len(excluded):
        return ""
    lines = []
    for row in excluded.to_dict("records"):
        authority = format_value(row.get("authority"))
        office = f'{escape(authority_name(authority))} (<span class="psp-nowrap">{escape(authority)}</span>)' \
            if authority else ""
        lines.append(f'<tr><td class="psp-nowrap"><b>{escape(format_value(row.get("patent_pn")))}</b></td>'
                     f'<td>{office}</td><td>{escape(format_value(row.get("title")))}</td>'
                     f'<td class="psp-why">{escape(format_value(row.get("excluded_reason")))}</td></tr>')
    return ('<table class="psp-aside"><thead><tr><th scope="col">Number</th><th scope="col">Office</th>'
            '<th scope="col">Title</th><th scope="col">Why it was set aside</th></tr></thead><tbody>'
            + "".join(lines) + "</tbody></table>")
