"""Thumbnail grids and score charts for design-search frames.

Pure rendering: a DataFrame in the frame schema (see ``frame.py``) plus one
thumbnail per row (PNG/JPEG bytes, or ``None`` where missing) in; HTML strings
or matplotlib objects out. Nothing here does HTTP. Thumbnails are matched to
rows by position: ``images[i]`` belongs to ``df.iloc[i]``.

Every text that reaches HTML goes through :func:`html.escape` (``quote=True``),
images are embedded as ``data:`` URIs, and the markup holds no ``<script>``,
no event-handler attribute and no external URL.
"""

from __future__ import annotations

import copy
import datetime as _dt
import io
import math
import threading
import unicodedata
import uuid
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._extras import require
from .._html import data_uri, escape, page
from .._validate import check_choice, check_column, check_frame, check_int, check_optional_int
from ..errors import InvalidInputError, InvalidTypeError
from ..imaging import image_mime, thumbnail_png_or_none
from ..safe_text import GLYPH_JOINERS, display_safe, valid_score

if TYPE_CHECKING:  # matplotlib is imported lazily: importing the package stays cheap
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["ThumbnailGrid", "configure_cjk_font", "thumbnail_grid", "plot_scores", "score_chart_png",
           "gallery", "top"]

CAPTION_DEFAULT: tuple[str, ...] = ("score", "patent_pn", "title")
COLUMNS_RANGE = (1, 20)
SIZE_RANGE = (32, 1024)
PLOT_KINDS: tuple[str, ...] = ("bar", "hist", "strip")
CAPTION_MAX_CHARS = 80  # visible caption text; CSS ellipsis trims it further
TOOLTIP_MAX_CHARS = 500  # the title= attribute carries the full text up to this
MISSING_GROUP = "(missing)"
CHARTS = "Drawing charts (plot_scores, score_chart_png, gallery, reports)"  # what needs the [reports] extra



# --------------------------------------------------------------------------
# validation of the images handed in
# --------------------------------------------------------------------------


def _check_image_bytes(item: Any, name: str) -> bytes | None:
    if item is None:
        return None
    if not isinstance(item, (bytes, bytearray, memoryview)):
        raise InvalidTypeError(f"{name} must be PNG/JPEG bytes or None, got {type(item).__name__}")
    data = bytes(item)
    if image_mime(data) is None:
        raise InvalidInputError(f"{name} is not PNG or JPEG data (starts with {data[:8]!r}); pass PNG/JPEG bytes or None")
    return data


def _check_images(images: Any, df: pd.DataFrame, *, param: str = "images") -> list[bytes | None]:
    """One PNG/JPEG ``bytes`` (or ``None``) per row of ``df``; ``images=None`` means none at all."""
    if images is None:
        return [None] * len(df)
    if isinstance(images, (str, bytes, bytearray, memoryview)) or not isinstance(images, Iterable):
        raise InvalidTypeError(
            f"{param} must be a list with one thumbnail (PNG/JPEG bytes or None) per row, got {type(images).__name__}"
        )
    items = list(images)
    if len(items) != len(df):
        raise InvalidInputError(
            f"{param} has {len(items)} item(s) but df has {len(df)} row(s); "
            "pass one thumbnail (PNG/JPEG bytes or None) per row, in row order"
        )
    return [_check_image_bytes(item, f"{param}[{i}]") for i, item in enumerate(items)]


# --------------------------------------------------------------------------
# text helpers shared with report and widgets
# --------------------------------------------------------------------------


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        result = pd.isna(value)
    except (TypeError, ValueError):
        return False
    return isinstance(result, (bool, np.bool_)) and bool(result)


def optional_float(value: Any) -> float | None:
    """``float(value)``, or None for a missing cell (None, NaN, ``pd.NA``, ``NaT``).

    Examples
    --------
    >>> optional_float("0.5"), optional_float(float("nan")), optional_float(None)
    (0.5, None, None)
    """
    return None if is_missing(value) else float(value)


def optional_int(value: Any) -> int | None:
    """``int(value)``, or None for a missing cell (a rank or view number of a row that is not a hit).

    Examples
    --------
    >>> import pandas as pd
    >>> optional_int(3.0), optional_int(pd.NA)
    (3, None)
    """
    return None if is_missing(value) else int(value)


def format_value(value: Any, column: str | None = None) -> str:
    """Plain text for one cell: scores to 3 decimals, dates ISO, lists joined by '; '."""
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray, pd.Series)):
        return "; ".join(t for t in (format_value(v, column) for v in value) if t)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {format_value(v)}" for k, v in value.items() if not is_missing(v))
    if is_missing(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if column in ("score", "scores") and isinstance(value, (int, float, np.integer, np.floating)):
        score = valid_score(value)  # 1e308 or inf is no similarity: shown as nothing
        return "" if score is None else f"{score:.3f}"
    if isinstance(value, _dt.datetime):  # includes pd.Timestamp
        if value.tzinfo is None and value.time() == _dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    # do not leave a dangling joiner, variation selector or combining mark
    while cut and (cut[-1] in GLYPH_JOINERS or unicodedata.combining(cut[-1])):
        cut = cut[:-1]
    return cut.rstrip() + "\u2026"


def _mpl_text(text: Any, limit: int = 40) -> str:
    """Text safe for matplotlib: display-safe, truncated, and '$' escaped so it is never parsed as mathtext."""
    return truncate(display_safe(format_value(text)), limit).replace("$", r"\$")


def _group_labels(series: pd.Series) -> list[str]:
    return [format_value(v) or MISSING_GROUP for v in series]


def top(df: pd.DataFrame, n: int, by: str = "score", *, ascending: bool | None = None) -> pd.DataFrame:
    """The ``n`` best rows of ``df`` by one column.

    Parameters
    ----------
    df : DataFrame in the frame schema.
    n : int, number of rows to keep (>= 1).
    by : column to rank by, default ``"score"``.
    ascending : sort order; default descending, except ascending for ``by="rank"``.

    Returns
    -------
    DataFrame
        A copy (attrs kept), stable sort so ties keep their frame order, missing values last.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> df = search_designs(samples.image("armchair"), client=client, limit=20)
    >>> best = top(df, 5)                       # the five highest scores
    >>> len(best), best["score"].is_monotonic_decreasing, best.attrs == df.attrs
    (5, True, True)
    >>> top(df, 3, by="rank")["rank"].tolist()
    [1, 2, 3]
    >>> client.close()
    """
    check_frame(df)
    n = check_int(n, "n", 1)
    check_column(df, by, "by", what="df")
    if ascending is None:
        ascending = by == "rank"
    out = df.sort_values(by, ascending=bool(ascending), na_position="last", kind="stable").head(n).copy()
    out.attrs = copy.deepcopy(df.attrs)
    return out


# --------------------------------------------------------------------------
# HTML thumbnail grid
# --------------------------------------------------------------------------


def _new_prefix() -> str:
    return "psg-" + uuid.uuid4().hex[:12]


class ThumbnailGrid:
    """An HTML grid of patent thumbnails, displayable in Jupyter.

    Attributes
    ----------
    html : str
        The HTML fragment (an inline ``<style>`` scoped by :attr:`prefix`, then the grid).
    prefix : str
        The CSS class prefix, unique per render.
    count : int
        Number of cells in the grid.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> grid = search_designs(samples.image("armchair"), client=client, limit=8).patsnap.thumbnails()
    >>> grid                                    # in a notebook, the grid itself
    <ThumbnailGrid: 8 thumbnail(s), css prefix psg-...>
    >>> "<script" in grid.html, grid.save("chair-hits.html").name
    (False, 'chair-hits.html')
    >>> client.close()
    """

    __slots__ = ("html", "prefix", "count")

    def __init__(self, html: str, prefix: str, count: int) -> None:
        self.html = html
        self.prefix = prefix
        self.count = count

    def _repr_html_(self) -> str:
        return self.html

    def __len__(self) -> int:
        return self.count

    def __repr__(self) -> str:
        return f"<ThumbnailGrid: {self.count} thumbnail(s), css prefix {self.prefix}>"

    def save(self, path: str | Path, *, title: str = "Design search thumbnails") -> Path:
        """Write the grid as a standalone HTML page (UTF-8) and return its path."""
        path = Path(path)
        path.write_text(page(self.html, title), encoding="utf-8")
        return path


def _cell_width(size: int, pad: int) -> int:
    return size + 2 * pad + 2  # + border


def _grid_css(p: str, columns: int, size: int, pad: int, gap: int) -> str:
    cell = _cell_width(size, pad)
    return (
        f".{p}{{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans CJK SC',"
        f"'Noto Color Emoji',sans-serif;font-size:12px;line-height:1.35;color:inherit}}\n"
        f".{p}-grid{{display:flex;flex-wrap:wrap;gap:{gap}px}}\n"
        f"@supports (display:grid){{.{p} .{p}-grid{{display:grid !important;"
        f"grid-template-columns:repeat({columns},{cell}px)}}}}\n"
        f".{p}-cell{{box-sizing:border-box;width:{cell}px;margin:0;padding:{pad}px;"
        f"border:1px solid rgba(127,127,127,.35);border-radius:4px;overflow:hidden}}\n"
        f".{p}-frame{{width:{size}px;height:{size}px;display:flex;align-items:center;"
        f"justify-content:center;background:#fff;overflow:hidden}}\n"
        f".{p}-img{{display:block;max-width:{size}px;max-height:{size}px;width:auto;height:auto;object-fit:contain}}\n"
        f".{p}-missing{{color:#777;font-size:11px}}\n"
        f".{p}-cap{{margin-top:3px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;unicode-bidi:plaintext}}\n"
        f".{p}-score{{font-weight:600;font-variant-numeric:tabular-nums}}\n"
        f".{p}-empty{{color:#777;font-style:italic}}\n"
    )


def _grid_cell(p: str, row: pd.Series, image: bytes | None, caption: Sequence[str], size: int, pad: int) -> str:
    cell = _cell_width(size, pad)
    pn = format_value(row["patent_pn"])
    alt = escape(truncate(pn or "patent drawing", CAPTION_MAX_CHARS))
    if image is not None:
        picture = (
            f'<img class="{p}-img" src="{data_uri(image)}" alt="{alt}" '
            f'style="max-width:{size}px;max-height:{size}px">'
        )
    else:
        picture = f'<span class="{p}-missing">no image</span>'
    lines = []
    for j, column in enumerate(caption):
        text = format_value(row[column], column)
        extra = f" {p}-score" if column == "score" else ""
        tip = escape(f"{column}: {truncate(text, TOOLTIP_MAX_CHARS)}")
        lines.append(
            f'<div class="{p}-cap {p}-c{j}{extra}" dir="auto" title="{tip}" '
            f'style="overflow:hidden;text-overflow:ellipsis;white-space:nowrap">'
            f"{escape(truncate(text, CAPTION_MAX_CHARS))}</div>"
        )
    return (
        f'<figure class="{p}-cell" style="box-sizing:border-box;width:{cell}px;margin:0;padding:{pad}px">'
        f'<div class="{p}-frame" style="width:{size}px;height:{size}px;background:#fff;'
        f'display:flex;align-items:center;justify-content:center;overflow:hidden">{picture}</div>'
        f'<figcaption>{"".join(lines)}</figcaption></figure>'
    )


def thumbnail_grid(
    df: pd.DataFrame,
    images: Sequence[bytes | None] | None,
    *,
    n: int | None = None,
    columns: int = 5,
    size: int = 160,
    caption: Sequence[str] = CAPTION_DEFAULT,
) -> ThumbnailGrid:
    """Render hits as an HTML grid of thumbnails with captions.

    Parameters
    ----------
    df : DataFrame in the frame schema.
    images : one PNG/JPEG ``bytes`` per row (``None`` where missing), in row order;
        ``None`` for no thumbnails at all.
    n : show the first ``n`` rows (frame order); ``None`` shows all.
    columns : thumbnails per line, 1..20.
    size : thumbnail box in CSS pixels, 32..1024.
    caption : columns shown under each thumbnail, one line each
        (``score`` to 3 decimals; long texts end with an ellipsis, the full text is in the tooltip).

    Returns
    -------
    ThumbnailGrid
        Displays itself in Jupyter (``_repr_html_``); ``.html`` is the markup, ``.save(path)`` writes a page.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> from patsnap_pandas.jobs.search import load_thumbnails
    >>> client = PatsnapClient.sandbox()
    >>> df = search_designs(samples.image("armchair"), client=client, limit=10)
    >>> grid = thumbnail_grid(df, load_thumbnails(df), n=10, caption=("score", "patent_pn", "authority"))
    >>> grid          # in a notebook cell: the thumbnails
    <ThumbnailGrid: 10 thumbnail(s), css prefix psg-...>
    >>> grid.html.count("data:image/png;base64,")
    10
    >>> client.close()
    """
    check_frame(df, ("patent_pn",))
    n = check_optional_int(n, "n", 1)
    columns = check_int(columns, "columns", *COLUMNS_RANGE)
    size = check_int(size, "size", *SIZE_RANGE)
    if isinstance(caption, str) or not isinstance(caption, Iterable):
        raise InvalidInputError(f"caption={caption!r} must be a sequence of column names, e.g. {CAPTION_DEFAULT}")
    caption = tuple(caption)
    bad = [c for c in caption if not isinstance(c, str) or c not in df.columns]
    if bad:
        raise InvalidInputError(
            f"caption={caption!r} names {bad}, which are not columns of df; allowed: {list(map(str, df.columns))}"
        )
    thumbs = _check_images(images, df)

    count = len(df) if n is None else min(n, len(df))
    p, pad, gap = _new_prefix(), 6, 10
    cell = _cell_width(size, pad)
    parts = [f'<div class="{p}">', f"<style>\n{_grid_css(p, columns, size, pad, gap)}</style>"]
    if count == 0:
        parts.append(f'<p class="{p}-empty">No hits to show.</p>')
    else:
        width = columns * cell + (columns - 1) * gap
        parts.append(
            f'<div class="{p}-grid" style="display:flex;flex-wrap:wrap;gap:{gap}px;max-width:{width}px">'
        )
        for i in range(count):
            parts.append(_grid_cell(p, df.iloc[i], thumbs[i], caption, size, pad))
        parts.append("</div>")
    parts.append("</div>")
    return ThumbnailGrid("\n".join(parts), p, count)


# --------------------------------------------------------------------------
# matplotlib
# --------------------------------------------------------------------------


def _figure_png(draw: Callable[[Axes], Any], height: float, *, width: float = 8, dpi: int = 100) -> bytes:
    """PNG bytes of a new (pyplot-free) figure with one Axes that ``draw`` fills."""
    Figure = require("matplotlib.figure", CHARTS).Figure

    configure_cjk_font()
    fig = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    draw(fig.subplots())
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


# --------------------------------------------------------------------------
# fonts: CJK names in charts
# --------------------------------------------------------------------------

#: Font families tried, in order, as the fallback for Chinese, Japanese and Korean text.
CJK_FONT_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK KR", "Noto Sans CJK HK",
    "Source Han Sans", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
)
CJK_FONT_INSTALL_HINT = "sudo apt-get install fonts-noto-cjk   (Debian/Ubuntu; or install Noto Sans CJK)"
_FONT_STATE: dict[str, Any] = {"done": False, "family": None, "warned": False}
_FONT_LOCK = threading.Lock()
_CJK_RANGES = ((0x1100, 0x11FF), (0x2E80, 0x9FFF), (0xA960, 0xA97F), (0xAC00, 0xD7FF), (0xF900, 0xFAFF),
               (0xFF00, 0xFFEF), (0x20000, 0x2FA1F))


def configure_cjk_font() -> str | None:
    """Make matplotlib fall back to an installed CJK font; once per process.

    Chinese, Japanese and Korean names then show in every chart (matplotlib's own
    and this package's) without the user doing anything. The first installed family
    of :data:`CJK_FONT_FAMILIES` is appended to ``rcParams["font.sans-serif"]``
    after the current fonts, so Latin text keeps its font.

    Returns
    -------
    str or None
        The family used, or None when none is installed (charts with CJK text then
        warn once, naming :data:`CJK_FONT_INSTALL_HINT`).

    Examples
    --------
    >>> family = configure_cjk_font()
    >>> family is None or family in CJK_FONT_FAMILIES
    True
    """
    with _FONT_LOCK:
        if _FONT_STATE["done"]:
            return _FONT_STATE["family"]
        matplotlib = require("matplotlib", CHARTS)
        from matplotlib import font_manager

        installed = {f.name for f in font_manager.fontManager.ttflist}
        family = next((f for f in CJK_FONT_FAMILIES if f in installed), None)
        if family is not None:
            # matplotlib falls back glyph by glyph along rcParams["font.family"] (>= 3.6)
            families = [str(f) for f in matplotlib.rcParams["font.family"]]
            if family not in families:
                matplotlib.rcParams["font.family"] = [*families, family]
            current = list(matplotlib.rcParams["font.sans-serif"])
            if family not in current:
                matplotlib.rcParams["font.sans-serif"] = [*current, family]
        _FONT_STATE.update(done=True, family=family)
        return family


def _has_cjk(texts: Iterable[Any]) -> bool:
    for text in texts:
        for ch in str(text):
            code = ord(ch)
            if code >= 0x1100 and any(lo <= code <= hi for lo, hi in _CJK_RANGES):
                return True
    return False


def _check_cjk_font(texts: Iterable[Any]) -> None:
    """Warn once when a chart has CJK text and no CJK font is installed."""
    if configure_cjk_font() is None and _has_cjk(texts) and not _FONT_STATE["warned"]:
        _FONT_STATE["warned"] = True
        warnings.warn("Chinese, Japanese or Korean text in this chart shows as boxes: no CJK font is "
                      f"installed. Install one: {CJK_FONT_INSTALL_HINT}", UserWarning, stacklevel=3)


def _colors(k: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if k <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(k)]


def _scored(df: pd.DataFrame) -> pd.DataFrame:
    """The rows with a similarity score (in 0..1: ``inf`` or ``1e308`` in a hand-made frame is none)."""
    out = df.copy()
    scores = pd.to_numeric(out["score"], errors="coerce").astype("float64")
    out["score"] = np.array([valid_score(s) for s in scores.tolist()], dtype="float64")
    return out[out["score"].notna()]


def _no_data(ax: Axes, text: str = "no scores to plot") -> Axes:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="0.4")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def plot_scores(
    df: pd.DataFrame,
    kind: str = "bar",
    by: str | None = None,
    ax: Axes | None = None,
    n: int = 20,
) -> Axes:
    """Plot similarity scores.

    Parameters
    ----------
    df : DataFrame in the frame schema.
    kind : ``"bar"`` (top ``n`` scores, one horizontal bar per hit, labelled by patent number,
        best on top), ``"hist"`` (score distribution) or ``"strip"`` (every score as a dot, jittered).
    by : ``None`` or a column to group by, typically ``"query"`` (batch results) or ``"authority"``.
        bar: bars coloured and grouped by group (groups ordered by their best score), with a legend;
        hist: one histogram per group, overlaid, with a legend; strip: one row per group.
    ax : Axes to draw on; default a new pyplot figure (so it shows in notebooks). Never calls ``show()``.
    n : number of bars for ``kind="bar"`` (the top ``n`` scores overall); ignored by hist and strip.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> df = search_designs(samples.image("armchair"), client=client, max_results=100)
    >>> ax = plot_scores(df, "hist", by="authority")
    >>> ax.get_xlabel(), ax.get_legend() is not None
    ('similarity score (axis from 0.11 to 0.96)', True)
    >>> ax = plot_scores(df, "bar", n=10)                   # the ten best, best on top
    >>> len(ax.patches)
    10
    >>> client.close()
    """
    check_frame(df, ("score", "patent_pn"))
    check_choice(kind, "kind", PLOT_KINDS)
    if by is not None and (not isinstance(by, str) or by not in df.columns or by == "score"):
        allowed = [c for c in ("query", "authority") if c in df.columns] or "any column but score"
        raise InvalidInputError(f"by={by!r} is not a column of df to group by; allowed: None or {allowed}")
    n = check_int(n, "n", 1)

    data = _scored(df)
    groups: list[str] = []
    if by is not None:
        data = data.assign(_group=_group_labels(data[by]))
        groups = list(dict.fromkeys(data["_group"]))

    if ax is None:
        plt = require("matplotlib.pyplot", CHARTS)

        configure_cjk_font()
        if kind == "bar":
            height = max(2.5, 0.24 * min(n, len(data)) + 1.4)
        elif kind == "strip":
            height = max(2.5, 0.5 * max(len(groups), 1) + 1.5)
        else:
            height = 4.0
        _, ax = plt.subplots(figsize=(8, height), layout="constrained")  # long labels are not clipped
    if data.empty:
        return _no_data(ax)

    configure_cjk_font()
    if kind == "bar":
        _bar(ax, data, by, n)
        _sandbox_title(ax, df, f"Top {min(n, len(data))} scores")
    elif kind == "hist":
        _hist(ax, data, by, groups)
        _sandbox_title(ax, df, "Score distribution")
    else:
        _strip(ax, data, by, groups)
        _sandbox_title(ax, df, "Scores" if by is None else f"Scores by {_mpl_text(by)}")
    return ax


def _axis_floor(low: float, high: float) -> float:
    """Where a score axis starts: a little below the lowest score shown, on a round value, >= 0."""
    span = max(high - low, 0.02)
    return max(0.0, math.floor((low - 0.15 * span) * 100) / 100)


def _score_label(start: float) -> str:
    return "similarity score" if start <= 0 else f"similarity score (axis starts at {start:.2f}, not 0)"


def _legend_outside(ax: Axes, handles: list | None = None, title: str | None = None) -> None:
    kwargs = {"handles": handles} if handles is not None else {}
    ax.legend(**kwargs, title=title, fontsize=8, title_fontsize=8, loc="upper left",
              bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False)


def _sandbox_title(ax: Axes, df: pd.DataFrame, title: str) -> None:
    from . import words

    if words.is_sandbox(df):
        ax.set_title(f"{title}\n{words.SANDBOX_BANNER}", color="#b00020", fontsize=10)
    else:
        ax.set_title(title)


def _bar(ax: Axes, data: pd.DataFrame, by: str | None, n: int) -> None:
    from matplotlib.patches import Patch

    best = data.sort_values("score", ascending=False, kind="stable").head(n)  # ranked by score, best on top
    if by is None:
        colors = [_colors(1)[0]] * len(best)
        order: list[str] = []
    else:
        order = list(dict.fromkeys(best["_group"]))  # legend: groups by their best score
        palette = dict(zip(order, _colors(len(order)), strict=True))
        colors = [palette[g] for g in best["_group"]]
    scores = best["score"].to_numpy()
    start = _axis_floor(float(scores.min()), float(scores.max()))
    y = np.arange(len(best))
    bars = ax.barh(y, scores - start, left=start, color=colors, height=0.75)
    labels = [_mpl_text(v, 30) for v in best["patent_pn"]]
    _check_cjk_font(labels + order)
    ax.set_yticks(y, labels=labels, fontsize=8 if len(best) > 40 else 9)
    ax.bar_label(bars, labels=[f"{s:.3f}" for s in scores], padding=2, fontsize=7 if len(best) > 40 else 8)
    ax.invert_yaxis()
    ax.set_ylim(len(best) - 0.5, -0.5)
    top = float(scores.max())
    ax.set_xlim(start, top + (top - start) * 0.12 + 0.005)
    ax.set_xlabel(_score_label(start))
    if by is not None:
        _legend_outside(ax, [Patch(color=palette[g], label=_mpl_text(g)) for g in order], _mpl_text(by))


def _hist(ax: Axes, data: pd.DataFrame, by: str | None, groups: list[str]) -> None:
    scores = data["score"].to_numpy()
    low, high = float(scores.min()), float(scores.max())
    if high - low < 1e-9:
        low, high = low - 0.005, high + 0.005
    edges = np.linspace(low, high, 21)
    _check_cjk_font(groups)
    if by is None:
        ax.hist(scores, bins=edges.tolist(), color=_colors(1)[0], edgecolor="white")
    else:
        for group, color in zip(groups, _colors(len(groups)), strict=True):
            values = data.loc[data["_group"] == group, "score"].to_numpy()
            ax.hist(values, bins=edges.tolist(), color=color, alpha=0.45, edgecolor=color, label=_mpl_text(group))
        _legend_outside(ax, title=_mpl_text(by))
    ax.set_xlim(low - (high - low) * 0.02, high + (high - low) * 0.02)
    ax.set_xlabel(f"similarity score (axis from {low:.2f} to {high:.2f})")
    ax.set_ylabel("hits")


def _strip(ax: Axes, data: pd.DataFrame, by: str | None, groups: list[str]) -> None:
    rng = np.random.default_rng(0)  # deterministic jitter: same data, same picture
    if by is None:
        groups = ["all hits"]
        codes = np.zeros(len(data), dtype=int)
    else:
        index = {g: i for i, g in enumerate(groups)}
        codes = data["_group"].map(index).to_numpy(dtype=int)
    _check_cjk_font(groups)
    palette = _colors(len(groups))
    y = codes + rng.uniform(-0.25, 0.25, size=len(data))
    scores = data["score"].to_numpy()
    ax.scatter(scores, y, s=18, alpha=0.75, c=[palette[c] for c in codes], linewidths=0)
    ax.set_yticks(np.arange(len(groups)), labels=[_mpl_text(g, 30) for g in groups])
    ax.set_ylim(len(groups) - 0.5, -0.5)  # first group on top
    start = _axis_floor(float(scores.min()), float(scores.max()))
    ax.set_xlim(start, float(scores.max()) + 0.01)
    ax.set_xlabel(_score_label(start))


def score_chart_png(df: pd.DataFrame, *, n: int = 30, width_px: int = 900, by: str | None = None,
                    title: str | None = None, dpi: int = 100) -> bytes:
    """A PNG bar chart of the best scores, for reports and the panel.

    Bars are sorted by score (best on top) and labelled with the patent number and
    the score; the axis starts a little below the lowest score shown and says so;
    a legend (when ``by`` groups the bars) sits outside the plot. Sandbox data says
    so in the title. CJK names use an installed CJK font (:func:`configure_cjk_font`).

    Parameters
    ----------
    df : DataFrame in the frame schema (``score``, ``patent_pn``).
    n : number of bars (the ``n`` best scores), 1..200.
    width_px : image width in pixels, 300..3000; the height follows the number of bars.
    by : None or a column to colour the bars by (e.g. ``"query"`` for a batch).
    title : chart title; default ``"Top N scores"``.
    dpi : resolution, 50..300 (``width_px`` stays the pixel width).

    Returns
    -------
    bytes
        PNG data.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> df = search_designs(samples.image("armchair"), client=client, limit=30)
    >>> png = score_chart_png(df, n=30, width_px=900)
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    >>> client.close()
    """
    check_frame(df, ("score", "patent_pn"))
    n = check_int(n, "n", 1, 200)
    width_px = check_int(width_px, "width_px", 300, 3000)
    dpi = check_int(dpi, "dpi", 50, 300)
    if by is not None and (not isinstance(by, str) or by not in df.columns or by == "score"):
        raise InvalidInputError(f"by={by!r} is not a column of df to colour by; allowed: None or "
                         f"{[c for c in ('query', 'authority') if c in df.columns]}")
    if title is not None and not isinstance(title, str):
        raise InvalidInputError(f"title={title!r} is not valid: expected text or None")
    data = _scored(df)
    if by is not None:
        data = data.assign(_group=_group_labels(data[by]))
    shown = min(n, len(data))
    height = max(2.2, 0.24 * shown + 1.3)

    def draw(ax: Axes) -> None:
        if data.empty:
            _no_data(ax)
            _sandbox_title(ax, df, title or "Scores")
            return
        _bar(ax, data, by, n)
        _sandbox_title(ax, df, title or f"Top {shown} scores")

    return _figure_png(draw, height, width=width_px / dpi, dpi=dpi)


def _decode_rgb(data: bytes, limit: int = 512) -> np.ndarray | None:
    """RGB array of a thumbnail (transparency flattened on white), or None if unreadable."""
    from PIL import Image

    png = thumbnail_png_or_none(data, limit)  # transparency already flattened on white
    if png is None:
        return None
    with Image.open(io.BytesIO(png)) as im:
        return np.asarray(im.convert("RGB"))


def gallery(df: pd.DataFrame, images: Sequence[bytes | None] | None, n: int = 12, cols: int = 4) -> Figure:
    """A matplotlib figure of thumbnails captioned with patent number and score, for PNG/PDF reports.

    Parameters
    ----------
    df : DataFrame in the frame schema.
    images : one PNG/JPEG ``bytes`` per row (``None`` where missing), in row order.
    n : number of thumbnails (the first ``n`` rows, frame order), >= 1.
    cols : thumbnails per row, 1..20.

    Returns
    -------
    matplotlib.figure.Figure
        Not attached to pyplot (no global state); 2.4 x 2.8 inches per cell at 100 dpi.
        Save with ``fig.savefig("gallery.pdf")``.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> from patsnap_pandas.jobs.search import load_thumbnails
    >>> client = PatsnapClient.sandbox()
    >>> df = search_designs(samples.image("armchair"), client=client, limit=8)
    >>> fig = gallery(df, load_thumbnails(df), n=8, cols=4)
    >>> fig.savefig("gallery.png")
    >>> len(fig.axes), fig.get_size_inches().tolist()
    (8, [9.6, 5.6])
    >>> client.close()
    """
    Figure = require("matplotlib.figure", CHARTS).Figure

    check_frame(df, ("score", "patent_pn"))
    n = check_int(n, "n", 1)
    cols = check_int(cols, "cols", *COLUMNS_RANGE)
    thumbs = _check_images(images, df)
    count = min(n, len(df))
    rows = max(1, math.ceil(count / cols))
    fig = Figure(figsize=(cols * 2.4, rows * 2.8), dpi=100)
    axes = fig.subplots(rows, cols, squeeze=False)
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=1 - 0.45 / (rows * 2.8), wspace=0.08, hspace=0.3)
    for k, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if k >= count:
            continue
        row = df.iloc[k]
        thumb = thumbs[k]
        pixels = _decode_rgb(thumb) if thumb is not None else None
        if pixels is not None:
            ax.imshow(pixels, interpolation="antialiased")
        else:
            ax.text(0.5, 0.5, "no image", transform=ax.transAxes, ha="center", va="center", color="0.4")
        ax.set_title(f"{_mpl_text(row['patent_pn'], 28)}\n{format_value(row['score'], 'score')}", fontsize=9)
    if count == 0:
        axes[0, 0].text(0.5, 0.5, "no hits", transform=axes[0, 0].transAxes, ha="center", va="center")
    return fig
