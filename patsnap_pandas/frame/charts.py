"""Score charts and the thumbnail gallery (matplotlib), with CJK names shown in an installed CJK font.

:func:`plot_scores` draws on an Axes (notebooks), :func:`score_chart_png` makes the PNG of
reports and the panel, :func:`gallery` a figure of thumbnails (given as bytes, one per row).
Axes start where the data is, ranks are sorted, legends sit outside the data, and sandbox
data says so in the title. matplotlib (the ``[reports]`` extra) is imported on first use.
"""

from __future__ import annotations

import io
import math
import threading
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._extras import require
from .._recent import Recent
from .._validate import check_choice, check_frame, check_int
from ..errors import InvalidInputError
from ..imaging import thumbnail_png_or_none
from ..safe_text import display_safe, valid_score
from .format import MISSING_GROUP, format_value, truncate
from .grids import COLUMNS_RANGE, _check_images

if TYPE_CHECKING:  # matplotlib is imported lazily: importing the package stays cheap
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["configure_cjk_font", "gallery", "plot_scores", "score_chart_png"]

PLOT_KINDS: tuple[str, ...] = ("bar", "hist", "strip")
CHARTS = "Drawing charts (plot_scores, score_chart_png, gallery, reports)"  # what needs the [reports] extra


def _mpl_text(text: Any, limit: int = 40) -> str:
    """Text safe for matplotlib: display-safe, truncated, and '$' escaped so it is never parsed as mathtext."""
    return truncate(display_safe(format_value(text)), limit).replace("$", r"\$")


def _group_labels(series: pd.Series) -> list[str]:
    return [format_value(v) or MISSING_GROUP for v in series]


# --------------------------------------------------------------------------
# matplotlib
# --------------------------------------------------------------------------


#: PNGs drawn lately, by what they show: a report exported to HTML, PDF, Excel and Word draws its charts once.
_DRAWN: Recent[bytes] = Recent(keep=64)


def _figure_png(draw: Callable[[Axes], Any], height: float, *, width: float = 8, dpi: int = 100,
                shows: tuple | None = None) -> bytes:
    """PNG bytes of a new (pyplot-free) figure with one Axes that ``draw`` fills.

    ``shows``, when given, is everything the drawing depends on (data, labels, title, options) as plain values:
    the same ``shows`` at the same size, matplotlib settings and fonts gives the PNG drawn before."""
    matplotlib = require("matplotlib", CHARTS)
    figure = require("matplotlib.figure", CHARTS)
    configure_cjk_font()

    def png() -> bytes:
        fig = figure.Figure(figsize=(width, height), dpi=dpi, layout="constrained")
        draw(fig.subplots())
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return buf.getvalue()

    if shows is None:
        return png()
    key = (shows, height, width, dpi, _FONT_STATE["family"], repr(sorted(matplotlib.rcParams.items())))
    return _DRAWN.get_or_make(key, png)


def _column_values(frame: pd.DataFrame) -> tuple:
    """A frame's names and values as plain, comparable values (the ``shows`` of :func:`_figure_png`)."""
    values = tuple(frame[c].to_numpy(dtype="float64", na_value=np.nan).tobytes() if pd.api.types.is_numeric_dtype(frame[c])
                   else tuple(format_value(v) for v in frame[c]) for c in frame.columns)
    return (tuple(map(str, frame.columns)), tuple(map(str, frame.index)), str(frame.index.name), values)


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

    from . import words

    shows = ("scores", n, by, title, words.is_sandbox(df),
             _column_values(data[["score", "patent_pn", *(["_group"] if by is not None else [])]].reset_index(drop=True)))
    return _figure_png(draw, height, width=width_px / dpi, dpi=dpi, shows=shows)


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
    >>> from patsnap_pandas.jobs.images import load_thumbnails
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
