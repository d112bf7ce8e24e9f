"""The paged (print) layout of the HTML report, which the PDF writer lays out with WeasyPrint.

What it decides, in one place:

* every table has a fixed layout (``table-layout:fixed``, column widths given as shares of the
  page's width): nothing is wider than the page, whatever a cell holds, and WeasyPrint does not
  measure every cell twice for an automatic layout (most of its time, before);
* no flex or grid layout in print (WeasyPrint lays them out several times slower);
* images keep their shape and print at :data:`PRINT_DPI` or finer: ``image-resolution`` makes an
  image's natural size its pixels at that resolution, and boxes only cap it (``max-width`` and
  ``max-height``, never a fixed width and height), so a 256 px thumbnail prints at most 32.5 mm wide.

Examples
--------
>>> column_widths(["Image", "Rank", "Score", "Number", "Title", "Relevance and note"])
[14, 7, 10, 23, 20, 26]
>>> "table-layout:fixed" in print_css("Letter", "sans-serif", "SANDBOX", "Made today")
True
"""

from __future__ import annotations

__all__ = ["HIT_COLUMN_SHARES", "PRINT_DPI", "column_widths", "print_css"]

#: The lowest resolution an image prints at, in dots per inch.
PRINT_DPI = 200

#: The share of the page's width each column of a hits table takes in print (normalised over the
#: columns a table has); "Relevance and note" always keeps a column wide enough for counsel's marks, and
#: "Class and status" one for the longest word of a Locarno class ("telecommunication", 72 pt at 7.5 pt in
#: DejaVu Sans: 16 % of A4's 527 pt less the padding), which neither engine hyphenates.
HIT_COLUMN_SHARES: dict[str, int] = {
    "Image": 10, "Product": 11, "Rank": 5, "Score": 7, "Number": 15, "Title": 14, "Dates": 16,
    "Class and status": 16, "Relevance and note": 17,
}


def column_widths(headers: list[str], shares: dict[str, int] | None = None) -> list[int]:
    """Whole percentages, one per header, summing to 100 (the print widths of a fixed table).

    Examples
    --------
    >>> column_widths(["Image", "Title", "Relevance and note"])
    [24, 34, 42]
    >>> column_widths(["Best match", "Name"], {"Best match": 1, "Name": 3})
    [25, 75]
    """
    table = HIT_COLUMN_SHARES if shares is None else shares
    raw = [table.get(h, 10) for h in headers]
    total = sum(raw)
    out = [share * 100 // total for share in raw]
    for i in sorted(range(len(out)), key=lambda i: -raw[i])[:100 - sum(out)]:
        out[i] += 1
    return out


_PRINT_CSS = """
@page{size:%(page)s;margin:20mm 12mm 16mm 12mm;
 @top-left{content:"%(title)s";font-size:9pt;color:#444c56;font-family:%(fonts)s}
 @top-right{content:"%(banner)s";font-size:9pt;font-weight:700;color:#b00020;font-family:%(fonts)s}
 @bottom-right{content:"Page " counter(page) " of " counter(pages);font-size:9pt;color:#444c56;font-family:%(fonts)s;
  white-space:nowrap}
 @bottom-left{content:"%(made)s";font-size:8pt;color:#57606a;font-family:%(fonts)s}}
body{font-size:9.5pt}
main{padding:0;max-width:none}
img{image-resolution:%(dpi)ddpi}
.banner{position:static;font-size:11pt}
h1{font-size:20pt}
h2{font-size:13pt;break-after:avoid}
h3{break-after:avoid}
th,td{padding:3px 5px}
table.kv{table-layout:fixed;width:100%%}
table.kv th{width:32%%;white-space:normal}
table.hits,table.groups,table.overview,table.excluded{table-layout:fixed;width:100%%}
table.hits{font-size:7.5pt}
table.hits th.product-row{font-size:9pt;background:#fff}
table.overview th:nth-child(1),table.overview th:nth-child(4){width:13%%}
table.overview th:nth-child(2){width:15%%}
table.overview th:nth-child(3){width:6%%}
table.overview th:nth-child(5){width:20%%}
table.overview th:nth-child(6){width:8%%}
table.groups th:nth-child(1){width:14%%}
table.groups th:nth-child(3){width:8%%}
table.groups th:nth-child(4){width:12%%}
table.groups th:nth-child(5){width:26%%}
table.excluded th:nth-child(1){width:22%%}
table.excluded th:nth-child(2){width:16%%}
table.excluded th:nth-child(3){width:28%%}
table.hits td.text{min-width:0}
td.image{width:auto;padding:2px}
td.image img{width:auto;height:auto;max-width:100%%;max-height:22mm;margin:auto}
.line{white-space:normal}
.line .lbl{display:inline;min-width:0}
.line .date{white-space:nowrap}
.query-image img{width:auto;height:auto;max-width:100mm;max-height:100mm}
.chart img{width:auto;height:auto;max-width:100%%;max-height:200mm}
.cards{display:block}
.card{display:table;table-layout:fixed;width:100%%;margin:0 0 6px;padding:4px;border-spacing:0}
.card figure{display:table-cell;width:36mm;vertical-align:top;padding:0 4px 0 0}
.card figure img{width:auto;height:auto;max-width:34mm;max-height:34mm}
.card .facts{display:table-cell;vertical-align:top}
.card .facts table{table-layout:fixed;width:100%%}
.card .facts th{width:26mm;white-space:normal}
.card .head{font-size:11pt}
.card .others{display:block;margin-top:2px}
.card .others img{width:auto;height:auto;max-width:9mm;max-height:9mm}
.card .others span{display:inline;margin-right:1mm}
.card .allviews{display:block;width:34mm}
.card .allviews > span{display:inline-block;width:16mm;vertical-align:top}
.card .allviews img{width:auto;height:auto;max-width:15mm;max-height:15mm}
.product-head{display:block}
.product-head > *{display:inline-block;vertical-align:top;margin-right:16px}
.product-head img{width:auto;height:auto;max-width:40mm;max-height:40mm}
.strip{display:block}
.strip li{display:inline-block;width:42mm;vertical-align:top;margin:0 3mm 3mm 0}
.strip img{width:auto;height:auto;max-width:40mm;max-height:40mm;aspect-ratio:auto}
.product-head .strip img{width:auto}
.product{break-before:page;border:none}
section.appendix,section.landscape{break-before:page}
table.job td.image img{max-height:20mm}
.sub{font-size:.92em}
.badge{font-size:.92em}
.comparison table.tw{font-size:8.5pt}
table.hits tr,table.groups tr,table.overview tr,table.counts,.disclaimer,ul.blind li,table.excluded tr{
 break-inside:avoid;page-break-inside:avoid}
"""


def print_css(page_size: str, fonts: str, banner: str, made: str, title: str = "") -> str:
    """The paged CSS: page size and margins, the running header and footer, fixed tables, image sizes.

    ``banner``, ``made`` and ``title`` (the running header's) must already be safe inside a CSS string (no
    quote, no backslash). The title is written in, not taken from the page (``string-set``): Chromium has no
    ``string-set``, and both PDF engines print the same header.

    Examples
    --------
    >>> css = print_css("A4", "sans-serif", "SANDBOX", "Chairs - made today")
    >>> "size:A4" in css, "image-resolution:200dpi" in css, "flex" in css
    (True, True, False)
    """
    return _PRINT_CSS % {"page": page_size, "fonts": fonts, "banner": banner, "made": made, "dpi": PRINT_DPI,
                        "title": title}
