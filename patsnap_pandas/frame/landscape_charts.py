"""The landscape's charts (matplotlib) and its tables as escaped HTML, for notebooks, reports and the panel.

:func:`timeline_png` draws filings per year of the top owners (stacked bars, the legend
outside the plot, owners in the order of their counts); :func:`heatmap_png` the product x
owner matrix of best scores (colours spanning the scores there are, each cell labelled).
Both say SANDBOX in the title for sandbox data and show CJK names in an installed CJK font
(:func:`charts.configure_cjk_font`). :func:`table_html` is the one HTML rendering of a
landscape table, every text escaped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._html import breakable, data_uri, escape
from .._validate import check_int
from .charts import _check_cjk_font, _colors, _column_values, _figure_png, _legend_outside, _mpl_text, _no_data, _sandbox_title
from .format import is_missing

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .landscape import Landscape

__all__ = ["heatmap_png", "landscape_html", "plot_risk_matrix", "plot_timeline", "table_html", "timeline_png"]


def plot_timeline(table: pd.DataFrame, ax: Axes, *, top: int = 8) -> Axes:
    """Draw a :func:`landscape.timeline` table on ``ax``: stacked bars per period, one colour per owner.

    The first ``top`` columns (the owners with most filings, bottom up, and :data:`landscape.OTHER_OWNERS`
    in grey when the table has it); the legend lists them outside the plot, top to bottom as stacked.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> table = pd.DataFrame({"Acme": [2, 0, 1], "Beta": [0, 1, 1]}, index=pd.Index([2019, 2020, 2021], name="Year"))
    >>> ax = plot_timeline(table, Figure().subplots())
    >>> len(ax.patches), [t.get_text() for t in ax.get_legend().get_texts()]
    (6, ['Beta', 'Acme'])
    """
    from matplotlib.ticker import MaxNLocator

    if table.empty:
        return _no_data(ax, "no dated filings to plot")
    shown = table.iloc[:, :top]
    owners = [str(c) for c in shown.columns]
    _check_cjk_font(owners)
    x = np.arange(len(shown))
    bottom = np.zeros(len(shown))
    for owner, color in zip(owners, _colors(len(owners)), strict=True):  # the owner with most filings at the bottom
        counts = shown[owner].to_numpy(dtype="float64")
        ax.bar(x, counts, bottom=bottom, width=0.75, color="0.75" if owner == "other owners" else color,
               edgecolor="white", linewidth=0.5, label=_mpl_text(owner, 32))
        bottom += counts
    labels = [str(p) for p in shown.index]
    step = max(1, len(labels) // 12)  # at most about 12 labels along the axis
    ax.set_xticks(x[::step], labels=labels[::step], rotation=0 if step == 1 and len(labels) <= 12 else 30)
    ax.set_xlim(-0.4, len(x) - 0.6)
    peak = float(bottom.max()) if bottom.size else 0.0
    ax.set_ylim(0, max(1.0, peak) * 1.08)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("designs filed")
    ax.set_xlabel(str(table.index.name or "period"))
    ax.grid(axis="y", color="0.9")
    handles, names = ax.get_legend_handles_labels()
    _legend_outside(ax, handles[::-1], title="owner (stacked as shown)")
    return ax


def timeline_png(table: pd.DataFrame, *, top: int = 8, width_px: int = 900, dpi: int = 100) -> bytes:
    """A PNG of :func:`plot_timeline` (title "Filings per year", SANDBOX marked for sandbox data).

    Examples
    --------
    >>> table = pd.DataFrame({"Acme": [1, 0, 2], "Beta": [0, 1, 1]}, index=[2019, 2020, 2021])
    >>> timeline_png(table)[:4] == b"\\x89PNG"
    True
    """
    top = check_int(top, "top", 1, 50)
    width_px = check_int(width_px, "width_px", 300, 3000)
    dpi = check_int(dpi, "dpi", 50, 300)
    period = str(table.index.name or "year").lower()
    frame = pd.DataFrame(index=[0])
    frame.attrs = dict(table.attrs)

    def draw(ax: Axes) -> None:
        plot_timeline(table, ax, top=top)
        _sandbox_title(ax, frame, f"Filings per {period} of the top {min(top, table.shape[1])} owners")

    from . import words

    shows = ("timeline", top, words.is_sandbox(frame), _column_values(table))
    return _figure_png(draw, 4.2, width=width_px / dpi, dpi=dpi, shows=shows)


def plot_risk_matrix(matrix: pd.DataFrame, ax: Axes, *, top: int = 8) -> Axes:
    """Draw a :func:`landscape.risk_matrix` as a heat map on ``ax``: products down, ``top`` owners across (each
    product's closest owner, then the highest best scores), empty cells grey.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> matrix = pd.DataFrame({"Beta": [0.93, None], "Acme": [0.71, 0.88]}, index=["lamp", "chair"])
    >>> ax = plot_risk_matrix(matrix, Figure().subplots())
    >>> [t.get_text() for t in ax.texts]            # a label per cell with a score, none where none matched
    ['0.93', '0.71', '0.88']
    """
    shown = matrix[_heat_columns(matrix, top)]
    values = shown.to_numpy(dtype="float64")
    if not np.isfinite(values).any():
        return _no_data(ax)
    from matplotlib import colormaps

    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    low = min(low, high - 0.01)
    cmap = colormaps["YlOrRd"].with_extremes(bad="#f3f4f6")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=low, vmax=high, aspect="auto")
    owners = [_mpl_text(c, 24) for c in shown.columns]
    products = [_mpl_text(p, 28) for p in shown.index]
    _check_cjk_font(owners + products)
    ax.set_xticks(np.arange(len(owners)), labels=owners, rotation=35, ha="right", rotation_mode="anchor", fontsize=8)
    ax.set_yticks(np.arange(len(products)), labels=products, fontsize=8)
    ax.tick_params(length=0)
    for (i, j), value in np.ndenumerate(values):
        if np.isfinite(value):
            dark = (value - low) / (high - low) > 0.6
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7.5, color="white" if dark else "black")
    ax.set_xlabel("owner (highest best score first)")
    ax.set_ylabel("product")
    bar = ax.figure.colorbar(image, ax=ax, shrink=0.8, pad=0.02)
    bar.set_label(f"best score (colours from {low:.2f} to {high:.2f})", fontsize=8)
    return ax


def _heat_columns(matrix: pd.DataFrame, top: int) -> list[Any]:
    """The ``top`` owners a heat map shows: each product's closest owner first (so no product row is empty),
    then the owners with the highest best score; in the matrix's order (highest best score first)."""
    chosen = list(dict.fromkeys(matrix.idxmax(axis=1, skipna=True).dropna().tolist()))[:top]
    chosen += [c for c in matrix.columns if c not in chosen][:top - len(chosen)]
    return [c for c in matrix.columns if c in set(chosen)]


def heatmap_png(matrix: pd.DataFrame, *, top: int = 8, width_px: int = 900, dpi: int = 100) -> bytes:
    """A PNG heat map of a product x owner risk matrix (title "Best score per product and owner").

    Examples
    --------
    >>> matrix = pd.DataFrame({"Beta": [0.93, None], "Acme": [0.71, 0.88]}, index=["lamp", "chair"])
    >>> heatmap_png(matrix)[:4] == b"\\x89PNG"
    True
    """
    top = check_int(top, "top", 1, 50)
    width_px = check_int(width_px, "width_px", 300, 3000)
    dpi = check_int(dpi, "dpi", 50, 300)
    frame = pd.DataFrame(index=[0])
    frame.attrs = dict(matrix.attrs)
    height = 1.9 + 0.32 * len(matrix) + 0.06 * max((len(str(c)) for c in _heat_columns(matrix, top)), default=0)

    def draw(ax: Axes) -> None:
        plot_risk_matrix(matrix, ax, top=top)
        _sandbox_title(ax, frame, f"Best score per product and owner (top {min(top, matrix.shape[1])} owners)")

    from . import words

    shows = ("heat map", top, words.is_sandbox(frame), _column_values(matrix))
    return _figure_png(draw, min(max(height, 2.8), 12.0), width=width_px / dpi, dpi=dpi, shows=shows)


def _cell(value: Any, kind: str) -> str:
    if is_missing(value):
        return '<td class="num muted">\u2013</td>'
    if kind == "score":
        return f'<td class="num">{float(value):.3f}</td>'
    if isinstance(value, (int, np.integer)):
        return f'<td class="num">{int(value)}</td>' if value else '<td class="num zero">0</td>'
    return f'<td class="code">{escape(value)}</td>' if kind == "code" else f"<td>{breakable(value)}</td>"


def table_html(table: pd.DataFrame, *, kind: str = "count", max_columns: int = 12, cls: str = "landscape") -> str:
    """A landscape table as an escaped HTML ``<table>`` (the first ``max_columns`` columns, a note when more).

    ``kind``: ``"count"`` (integers, zeros grey), ``"score"`` (three decimals) or ``"rows"``
    (a plain list such as :func:`landscape.top_risks`).

    Examples
    --------
    >>> print(table_html(pd.DataFrame({"A & B": [1, 0]}, index=pd.Index([2020, 2021], name="Year"))))
    <table class="landscape"><thead><tr><th class="label">Year</th><th class="col">A &amp; B</th></tr></thead><tbody><tr><th class="code">2020</th><td class="num">1</td></tr><tr><th class="code">2021</th><td class="num zero">0</td></tr></tbody></table>
    """
    if table.empty:
        return '<p class="muted">Nothing to show.</p>'
    shown = table.iloc[:, :max_columns]
    if kind == "rows":
        head = "".join(f"<th>{escape(c)}</th>" for c in shown.columns)
        kinds = ["code" if c in ("patent_pn", "Number") else "text" for c in shown.columns]
        body = "".join("<tr>" + "".join(_cell(v, "score" if isinstance(v, float) else k)
                                        for v, k in zip(row, kinds, strict=True))
                       + "</tr>" for row in shown.to_numpy(dtype=object).tolist())
        return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    head = f'<th class="label">{escape(table.index.name or "")}</th>' + "".join(
        f'<th class="col">{breakable(c)}</th>' for c in shown.columns)
    body = "".join(f'<tr><th class="{"code" if isinstance(label, (int, np.integer)) else "label"}">'
                   f"{breakable(label)}</th>" + "".join(_cell(v, kind) for v in row) + "</tr>"
                   for label, row in zip(shown.index, shown.to_numpy(dtype=object).tolist(), strict=True))
    more = (f'<p class="muted">and {table.shape[1] - max_columns} more column(s) in the data frame.</p>'
            if table.shape[1] > max_columns else "")
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}'


_NOTEBOOK_CSS = ("<style>.psl table.landscape{border-collapse:collapse;margin:4px 0 12px}"
                 ".psl th,.psl td{border:1px solid #d0d7de;padding:3px 7px}.psl .num{text-align:right}"
                 ".psl .zero,.psl .muted{color:#8c959f}.psl .code{white-space:nowrap}.psl th.col{text-align:right}"
                 ".psl .banner{background:#b00020;color:#fff;font-weight:700;padding:4px 8px}"
                 ".psl img{max-width:100%;height:auto}</style>")


def landscape_html(land: Landscape) -> str:
    """The whole landscape as one escaped HTML fragment (a notebook shows it; images embedded).

    Examples
    --------
    >>> from patsnap_pandas.frame.landscape import landscape
    >>> hits = pd.DataFrame({"patent_pn": ["A1"], "owner": ["<b>Acme</b>"], "score": [0.9], "apdt": [20200101]})
    >>> html = landscape_html(landscape(hits, charts=False))
    >>> "&lt;b&gt;Acme&lt;/b&gt;" in html, "<b>Acme" in html
    (True, False)
    """
    from .words import SANDBOX_BANNER

    parts = [_NOTEBOOK_CSS, '<div class="psl">']
    if land.sandbox:
        parts.append(f'<div class="banner">{escape(SANDBOX_BANNER)}</div>')
    parts.extend(f'<p class="muted">{breakable(note)}</p>' for note in land.notes)
    for png, alt in ((land.timeline_png, "filings per year of the top owners"),
                     (land.heatmap_png, "heat map of the best score per product and owner")):
        if png:
            parts.append(f'<img src="{data_uri(png)}" alt="{escape(alt)}">')
    if land.batch:
        parts.append("<h4>Top risks: product and owner with the highest best score</h4>"
                     + table_html(land.top_risks, kind="rows"))
    for title, table in (("Owner and Locarno class", land.owner_classes), ("Office and year", land.office_years)):
        parts.append(f"<h4>{escape(title)}</h4>" + table_html(table))
    parts.append("</div>")
    return "".join(parts)
