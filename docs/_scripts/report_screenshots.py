"""Regenerate the report images of docs/reports.md from the offline sandbox.

    .venv/bin/python docs/_scripts/report_screenshots.py

Writes docs/img/report-html.png (the HTML report in Chromium, 1280 px wide),
docs/img/report-views.png (a report of three views of one product: the strip and the
first comparison cards with the matched view),
docs/img/report-pdf-page1.png (page 1 of the A4 PDF, via pdftoppm) and
docs/img/report-excel-summary.png (the workbook's Summary sheet). LibreOffice is
not installed here, so the Summary sheet is drawn from the saved .xlsx by
reading it back with openpyxl (cell texts, merged banner, embedded thumbnails)
into a plain HTML grid and photographing that in Chromium: a preview of the
sheet's content and layout, not Excel's own rendering.
"""

from __future__ import annotations

import base64
import html
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
IMG = ROOT / "docs" / "img"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def sample_chair(folder: Path, view: int | None = None) -> Path:
    """A scan-like drawing of a chair of the sandbox corpus (as the doctests use); ``view``: which of its views."""
    from patsnap_pandas.sandbox.corpus import generated_corpus

    corpus = generated_corpus(600, seed=0)
    design = next(d for d in corpus.designs if corpus.kinds[d.patent_id] == "chair" and len(d.image_keys) >= 3)
    image = corpus.image(design.image_keys[view or 0]).convert("L").rotate(1.5, expand=True, fillcolor=255)
    path = folder / ("chair.png" if view is None else ("chair-front.png", "chair-three-quarter.png", "chair-top.png")[view])
    image.save(path)
    return path


def excel_preview(xlsx: Path, sheet_name: str, out_html: Path) -> None:
    import openpyxl

    book = openpyxl.load_workbook(xlsx)
    sheet = book[sheet_name]
    images = {}
    for image in sheet._images:
        anchor = image.anchor._from
        images[(anchor.row + 1, anchor.col + 1)] = base64.b64encode(image._data()).decode()
    merged = {str(r).split(":")[0]: r for r in sheet.merged_cells.ranges}
    widths = {k: v.width for k, v in sheet.column_dimensions.items()}
    rows = []
    for r in range(1, min(sheet.max_row, 60) + 1):
        cells = []
        c = 1
        while c <= min(sheet.max_column, 6):
            cell = sheet.cell(r, c)
            span = 1
            rng = merged.get(cell.coordinate)
            if rng is not None:
                span = rng.max_col - rng.min_col + 1
            style = []
            if cell.font and cell.font.b:
                style.append("font-weight:600")
            if cell.fill and cell.fill.fgColor and cell.fill.fgColor.rgb not in (None, "00000000"):
                rgb = str(cell.fill.fgColor.rgb)[-6:]
                style.append(f"background:#{rgb}")
            if cell.font and cell.font.color is not None and cell.font.color.rgb and \
                    isinstance(cell.font.color.rgb, str):
                style.append(f"color:#{cell.font.color.rgb[-6:]}")
            if cell.font and cell.font.sz:
                style.append(f"font-size:{cell.font.sz * 1.33:.0f}px")
            value = cell.value
            if isinstance(value, float):
                text = f"{value:.3f}"
            else:
                text = html.escape("" if value is None else str(value))
            if (r, c) in images:
                text = f'<img src="data:image/png;base64,{images[(r, c)]}" style="max-width:110px">' + text
            letter = cell.column_letter
            width = widths.get(letter, 13) * 7.5
            if span == 1:  # Excel lets text run over empty neighbours; a merged cell wraps
                style.append("white-space:nowrap")
            cells.append(f'<td colspan="{span}" style="{";".join(style)};min-width:{width:.0f}px;'
                         f'max-width:{width * span:.0f}px">{text}</td>')
            c += span
        rows.append("<tr><th>" + str(r) + "</th>" + "".join(cells) + "</tr>")
    head = "".join(f"<th>{chr(64 + c)}</th>" for c in range(1, 7))
    out_html.write_text(
        "<!DOCTYPE html><meta charset='utf-8'><style>body{margin:0;font:13px 'DejaVu Sans','Noto Sans CJK JP',"
        "sans-serif}table{border-collapse:collapse}td,th{border:1px solid #d4d4d4;padding:2px 5px;"
        "vertical-align:top;text-align:left}th{background:#f3f3f3;color:#555;font-weight:400}"
        ".tabs{padding:6px;background:#f3f3f3;border-top:1px solid #ccc}.tabs b{background:#fff;padding:3px 10px}"
        f"</style><table><tr><th></th>{head}</tr>{''.join(rows)}</table>"
        f"<div class='tabs'>{' '.join(f'<b>{n}</b>' if n == sheet_name else n for n in book.sheetnames)}</div>",
        encoding="utf-8")


def main() -> int:
    from playwright.sync_api import sync_playwright

    from patsnap_pandas import PatsnapClient, search_designs
    from patsnap_pandas.report import build_report, write_excel, write_html, write_pdf

    IMG.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        chair = sample_chair(folder)
        with PatsnapClient.sandbox() as client:
            hits = search_designs(chair, client=client, limit=30).patsnap.enrich(legal_status=True)
            hits = hits.patsnap.mark(hits["rank"] <= 2, relevance="relevant", note="Same backrest and armrests")
            hits = hits.patsnap.mark(hits["rank"] == 3, relevance="unsure", note="Check the legs")
            report = build_report(hits, title="Chairs like our C-100", subtitle="Prior-art screen before launch",
                                  author="A. Analyst", organisation="Acme Furniture")
            write_html(report, folder / "report.html")
            write_pdf(report, folder / "report.pdf")
            write_excel(report, folder / "report.xlsx")
            views = [sample_chair(folder, view=i) for i in range(3)]
            fused = search_designs(views, client=client, limit=10, endpoint="P060").patsnap.enrich(client=client)
            write_html(build_report(fused, title="Chair C-100, three views", author="A. Analyst"),
                       folder / "views.html")
        subprocess.run(["pdftoppm", "-r", "80", "-f", "1", "-l", "1", "-png", "-singlefile",
                        str(folder / "report.pdf"), str(IMG / "report-pdf-page1")], check=True)
        excel_preview(folder / "report.xlsx", "Summary", folder / "summary.html")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1280, "height": 1500})
            page.goto((folder / "report.html").as_uri())
            page.evaluate("document.querySelector('h2:nth-of-type(1)') && 0")
            # the cover, method and the first comparison cards
            cards = page.evaluate("document.querySelector('.cards').getBoundingClientRect().top + window.scrollY")
            page.screenshot(path=str(IMG / "report-html.png"), full_page=True,
                            clip={"x": 0, "y": 0, "width": 1280, "height": min(cards + 560, 3200)})
            page.close()
            page = browser.new_page(viewport={"width": 1280, "height": 1500})
            page.goto((folder / "views.html").as_uri())
            top = page.evaluate("document.querySelector('.query-image').getBoundingClientRect().top + window.scrollY")
            cards = page.evaluate("document.querySelector('.cards').getBoundingClientRect().top + window.scrollY")
            page.screenshot(path=str(IMG / "report-views.png"), full_page=True,
                            clip={"x": 0, "y": top - 12, "width": 1280, "height": cards - top + 12 + 420})
            page.close()
            page = browser.new_page(viewport={"width": 1100, "height": 1000})
            page.goto((folder / "summary.html").as_uri())
            page.screenshot(path=str(IMG / "report-excel-summary.png"), full_page=True)
            browser.close()
    for name in ("report-html.png", "report-views.png", "report-pdf-page1.png", "report-excel-summary.png"):
        with Image.open(IMG / name) as im:
            print(f"{IMG / name}: {im.size[0]}x{im.size[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
