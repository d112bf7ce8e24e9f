"""Thumbnail grids: a result frame and one image per row (bytes, given) in, escaped HTML out.

The grid gets its images as PNG/JPEG bytes, matched to rows by position (``images[i]``
belongs to ``df.iloc[i]``); it never fetches them (the jobs load them from the store:
:func:`patsnap_pandas.jobs.images.load_thumbnails`). Every text that reaches HTML is
escaped, images are embedded as ``data:`` URIs, and the markup holds no ``<script>``, no
event-handler attribute and no external URL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .._html import data_uri, escape, page
from .._validate import check_frame, check_int, check_optional_int
from ..errors import InvalidInputError, InvalidTypeError
from ..imaging import image_mime
from .format import format_value, truncate

__all__ = ["ThumbnailGrid", "thumbnail_grid"]

CAPTION_DEFAULT: tuple[str, ...] = ("score", "patent_pn", "title")
COLUMNS_RANGE = (1, 20)
SIZE_RANGE = (32, 1024)
CAPTION_MAX_CHARS = 80  # visible caption text; CSS ellipsis trims it further
TOOLTIP_MAX_CHARS = 500  # the title= attribute carries the full text up to this


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
    >>> from patsnap_pandas.jobs.images import load_thumbnails
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
