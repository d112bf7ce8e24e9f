"""The Landscape section of a report: who files what, where and when, and (a catalogue) where the risk sits.

:func:`landscape_of` builds it for :func:`~patsnap_pandas.report.build_report` from the hits
in the report (:func:`patsnap_pandas.frame.landscape.landscape`), when they name owners (an
enriched frame; without owners or dates a landscape says nothing). The writers lay it out:
:func:`section_html` for HTML and PDF (charts, the top risks of a catalogue, owner x Locarno
class, year x office, each table cut to what fits a page, the whole tables being in the
workbook), :func:`write_sheet` the workbook's Landscape sheet (every table in full), :func:`write_docx_part` the Word report's section.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

from .._html import breakable, escape
from ..frame import landscape, parties
from ..frame.landscape_charts import table_html

__all__ = ["LANDSCAPE_CSS", "PAGE_COLUMNS", "PAGE_ROWS", "landscape_of", "section_html", "write_docx_part",
           "write_sheet"]

#: At most this many owners (rows) and classes or offices (columns) of a table on a page.
PAGE_ROWS, PAGE_COLUMNS = 15, 8
TOP_RISKS = 10

#: Screen and print: the tables fill the page's width with fixed columns, numbers never wrap.
LANDSCAPE_CSS = """
table.landscape{table-layout:fixed;width:100%;font-size:12.5px;margin:0 0 10px}
table.landscape th{overflow-wrap:anywhere;font-weight:600;white-space:normal}
table.landscape th.label{width:26%}
table.landscape thead th.col{font-size:11.5px;vertical-align:bottom;text-align:right;hyphens:auto}
table.landscape td.num{white-space:nowrap}
table.landscape .zero{color:#8c959f}
table.landscape tbody th{background:none;font-weight:400}
table.landscape.risks{table-layout:auto}
table.landscape.risks td{overflow-wrap:break-word}
.landscape-chart img{max-width:100%;height:auto;border:1px solid #d0d7de}
@media print{table.landscape{font-size:8pt}table.landscape.risks{table-layout:fixed}table.landscape thead th.col{font-size:7.5pt}
 .landscape-chart img{width:auto;max-width:100%;max-height:150mm}
 table.landscape tr{break-inside:avoid}}
"""


def landscape_of(df: pd.DataFrame) -> landscape.Landscape | None:
    """The landscape of the report's hits, or None when no hit names an owner (nothing to say).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> hits = search_designs(samples.image("desk-lamp"), client=client, limit=20)
    >>> landscape_of(hits) is None, landscape_of(hits.patsnap.enrich()).timeline.index.is_monotonic_increasing
    (True, True)
    >>> client.close()
    """
    hits = df[df["patent_id"].notna()] if "patent_id" in df.columns else df
    if hits.empty or not parties.owners(hits):
        return None
    return landscape.landscape(df, top=8)


def _plural(noun: str) -> str:
    noun = str(noun).lower()
    return noun + ("es" if noun.endswith("s") else "s")


def _shown(table: pd.DataFrame, rows: int, columns: int) -> tuple[pd.DataFrame, str]:
    """The part of ``table`` a page shows and a sentence naming what is left out ("" when nothing is)."""
    left = [f"{n} more {_plural(what)}" for n, what in ((table.shape[0] - rows, table.index.name or "row"),
                                                       (table.shape[1] - columns, table.columns.name or "column"))
            if n > 0]
    out = table.iloc[:rows, :columns]
    out.index.name, out.columns.name = table.index.name, table.columns.name
    return out, (f"Not shown here: {' and '.join(left)} (the workbook's Landscape sheet has them all)." if left
                 else "")


def _table(title: str, table: pd.DataFrame, kind: str = "count", cls: str = "landscape",
           rows: int = PAGE_ROWS, columns: int = PAGE_COLUMNS) -> str:
    shown, left = _shown(table, rows, columns)
    note = f'<p class="muted">{breakable(left)}</p>' if left else ""
    return f"<h3>{breakable(title)}</h3>{table_html(shown, kind=kind, max_columns=columns, cls=cls)}{note}"


def _chart(png: bytes | None, alt: str, src: Any) -> str:
    return f'<p class="landscape-chart"><img src="{src(png)}" alt="{escape(alt)}"></p>' if png else ""


def section_html(land: landscape.Landscape, src: Any) -> str:
    """The Landscape section's markup; ``src`` turns image bytes into an ``src`` (the HTML writer's).

    Examples
    --------
    >>> hits = pd.DataFrame({"patent_pn": ["CN1S", "US2S"], "owner": ["Acme", "Beta"], "score": [0.9, 0.8],
    ...                      "apdt": [20200101, 20210101], "authority": ["CN", "US"], "loc": ["26-05", "26-05"]})
    >>> html = section_html(landscape.landscape(hits, charts=False), src=lambda png: "")
    >>> "<h2>Landscape</h2>" in html, "Designs per year and office" in html
    (True, True)
    """
    years = land.office_years.T
    years.index.name, years.columns.name = "Year", "office"
    parts = ['<section class="landscape"><h2>Landscape</h2>',
             '<p class="muted">Who owns the designs found, where and when they were filed. A design counts once '
             "(a family of several offices once, where families are known); a design with two owners counts "
             "for each.</p>"]
    parts.extend(f'<p class="muted">{breakable(note)}</p>' for note in land.notes)
    parts.append(_chart(land.timeline_png, "filings per year of the top owners", src))
    if land.batch:
        parts.append(_chart(land.heatmap_png, "heat map of the best score per product and owner", src))
        risks = land.top_risks.rename(columns={"product": "Product", "owner": "Owner", "best_score": "Best score",
                                               "patent_pn": "Number", "title": "Title", "office": "Office"})
        parts.append(_table("Top risks: the product and owner pairs with the highest best score", risks, "rows",
                            "landscape risks", rows=TOP_RISKS, columns=6))
    parts.append(_table("Designs per owner and Locarno class", land.owner_classes))
    parts.append(_table("Designs per year and office", years, rows=40))
    parts.append("</section>")
    return "".join(parts)


def write_sheet(report: Any, land: landscape.Landscape, sheet: Any, fmt: dict) -> None:
    """The workbook's Landscape sheet: every table in full, one under the other, and the two charts.

    Examples
    --------
    >>> import openpyxl
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> from patsnap_pandas.report import build_report, write_excel
    >>> client = PatsnapClient.sandbox()
    >>> hits = search_designs(samples.image("desk-lamp"), client=client, limit=20).patsnap.enrich()
    >>> sheet = openpyxl.load_workbook(write_excel(build_report(hits), "lamps.xlsx"))["Landscape"]
    >>> [row[0].value for row in sheet.iter_rows() if row[0].value and row[0].value.startswith("Designs per")]
    ['Designs per owner and Locarno class', 'Designs per office and year']
    >>> client.close()
    """
    from .excel import _banner, _text

    row = _banner(report, sheet, fmt, 8)
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 40, 12)
    for note in land.notes:
        _text(sheet, row, 0, note, fmt["muted"])
        row += 1
    tables: list[tuple[str, pd.DataFrame, str]] = [("Filings per year and owner", land.timeline, "int")]
    if land.batch:
        tables += [("Best score per product and owner", land.risk_matrix, "score")]
    tables += [("Designs per owner and Locarno class", land.owner_classes, "int"),
               ("Designs per office and year", land.office_years, "int")]
    for title, table, style in tables:
        row = _sheet_table(sheet, row + 1, title, table, style, fmt)
    if land.batch:
        row = _sheet_rows(sheet, row + 1, land.top_risks, fmt)
    for name, png in (("timeline", land.timeline_png), ("heat map", land.heatmap_png if land.batch else None)):
        if png:
            row = _picture(sheet, row + 1, name, png)


def _picture(sheet: Any, row: int, name: str, png: bytes) -> int:
    """A chart at ``row``, column A; returns the first row under it (rows are 20 px high)."""
    from .excel import _png_height

    sheet.insert_image(row, 0, f"{name}.png", {"image_data": io.BytesIO(png), "object_position": 1,
                                               "description": f"{name} chart"})
    return row + _png_height(png) // 20 + 2


def _sheet_table(sheet: Any, row: int, title: str, table: pd.DataFrame, style: str, fmt: dict) -> int:
    from .excel import _text

    sheet.write_string(row, 0, title, fmt["h2"])
    row += 1
    if table.empty:
        _text(sheet, row, 0, "Nothing to show.", fmt["muted"])
        return row + 1
    sheet.write_string(row, 0, str(table.index.name or ""), fmt["header"])
    for col, name in enumerate(table.columns, start=1):
        sheet.write_string(row, col, str(name), fmt["header"])
    for label, values in zip(table.index, table.to_numpy(dtype=object).tolist(), strict=True):
        row += 1
        sheet.write_string(row, 0, str(label), fmt["text"])
        for col, value in enumerate(values, start=1):
            if not pd.isna(value):
                sheet.write_number(row, col, float(value), fmt[style])
    return row + 1


def _sheet_rows(sheet: Any, row: int, risks: pd.DataFrame, fmt: dict) -> int:
    from .excel import _text

    sheet.write_string(row, 0, "Top risks: the product and owner pairs with the highest best score", fmt["h2"])
    row += 1
    headers = ("Product", "Owner", "Best score", "Number", "Title", "Office")
    for col, name in enumerate(headers):
        sheet.write_string(row, col, name, fmt["header"])
    for record in risks.to_dict("records"):
        row += 1
        for col, key in enumerate(("product", "owner", "best_score", "patent_pn", "title", "office")):
            if key == "best_score":
                sheet.write_number(row, col, float(record[key]), fmt["score"])
            else:
                _text(sheet, row, col, "" if pd.isna(record[key]) else str(record[key]), fmt["text"])
    return row + 1


def write_docx_part(parts: Any, land: landscape.Landscape) -> None:
    """The Landscape section of the Word report, drawn with the Word writer's ``parts`` (:class:`docx_parts.Parts`).

    Examples
    --------
    >>> import docx
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> from patsnap_pandas.report import write_docx
    >>> client = PatsnapClient.sandbox()
    >>> hits = search_designs(samples.image("desk-lamp"), client=client, limit=20).patsnap.enrich()
    >>> document = docx.Document(write_docx(hits, "lamps.docx"))
    >>> [p.text for p in document.paragraphs if p.text.startswith("Designs per")]
    ['Designs per owner and Locarno class', 'Designs per year and office']
    >>> client.close()
    """
    from .docx_xml import para, run, table

    parts.heading("Landscape")
    parts.text("Who owns the designs found, where and when they were filed. A design counts once (a family of "
               "several offices once, where families are known); a design with two owners counts for each.",
               muted=True)
    for note in land.notes:
        parts.text(note, muted=True)
    if land.timeline_png:
        parts.picture(land.timeline_png, parts.width, "filings per year of the top owners")
    years = land.office_years.T
    years.index.name, years.columns.name = "Year", "office"
    tables = [("Designs per owner and Locarno class", land.owner_classes),
              ("Designs per year and office", years)]
    if land.batch and land.heatmap_png:
        parts.picture(land.heatmap_png, parts.width, "heat map of the best score per product and owner")
        risks = land.top_risks
        parts.heading("Top risks: the product and owner pairs with the highest best score", 2)
        cells = [[para(run(str(r["product"])), style="Cell"), para(run(str(r["owner"])), style="Cell"),
                  para(run(f"{r['best_score']:.3f}", keep=True), style="Cell", align="right"),
                  para(run(str(r["patent_pn"]), keep=True), style="Cell"),
                  para(run("" if pd.isna(r["title"]) else str(r["title"])), style="Cell"),
                  para(run(str(r["office"])), style="Cell")] for r in risks.to_dict("records")]
        heads = ("Product", "Owner", "Best score", "Number", "Title", "Office")
        parts.body.append(table(parts._shares([14, 20, 10, 20, 18, 18]), cells,
                                header=[parts._head(h, right=h == "Best score") for h in heads]))
    for title, full in tables:
        shown, left = _shown(full, PAGE_ROWS if title.startswith("Designs per owner") else 40, PAGE_COLUMNS)
        parts.heading(title, 2)
        if shown.empty:
            parts.text("Nothing to show.", muted=True)
            continue
        widths = parts._shares([26] + [74 // shown.shape[1]] * shown.shape[1])
        cells = [[para(run(str(label), keep=True), style="Cell")]
                 + [para(run(str(int(v)), keep=True, color=None if v else "8C959F"), style="Cell", align="right")
                    for v in values]
                 for label, values in zip(shown.index, shown.to_numpy().tolist(), strict=True)]
        header = [parts._head(str(shown.index.name or ""))] + [parts._head(str(c), right=True) for c in shown.columns]
        parts.body.append(table(widths, cells, header=header))
        if left:
            parts.text(left, muted=True)
