"""Frame summaries and self-contained reports (HTML and Excel) of design-search results.

Pure: a DataFrame in the frame schema plus one thumbnail per row (PNG/JPEG bytes,
or ``None``) in; pandas objects or files out. Nothing here does HTTP.

The HTML report is one file: no JavaScript, no external URL, no link. Thumbnails
and charts are embedded as ``data:`` URIs, so it still opens after PatSnap's
signed image URLs expired (``image_url`` is never used as an image source nor
shown). Only whitelisted ``df.attrs`` keys are shown, never secrets.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .render import (
    MISSING_GROUP,
    TOOLTIP_MAX_CHARS,
    _check_frame,
    _check_image_bytes,
    _check_images,
    _check_int,
    _data_uri,
    _esc,
    _figure_png,
    _format_value,
    _html_page,
    _is_missing,
    _png_thumbnail,
    _truncate,
    plot_scores,
    top,
)

__all__ = ["top", "summary", "overlap", "html_report", "write_html_report", "write_excel"]

REPORT_COLUMNS: tuple[str, ...] = ("rank", "score", "patent_pn", "title", "authority")
# Never shown in report tables: signed URLs expire, ids are noise for readers.
HIDDEN_COLUMNS: tuple[str, ...] = ("image_url", "patent_id", "search_id", "query_index")
# df.attrs keys a report may show, with their labels; everything else stays out.
PROVENANCE_LABELS: dict[str, str] = {
    "query": "Query",
    "queries": "Queries",
    "filters": "Filters",
    "search_id": "Search id",
    "total": "Total results",
    "fetched_at": "Results fetched",
    "from_cache": "From cache",
    "endpoint_version": "Endpoint",
    "source": "Source",
}
COLUMN_LABELS: dict[str, str] = {
    "rank": "Rank",
    "score": "Score",
    "patent_pn": "Number",
    "title": "Title",
    "authority": "Authority",
    "query": "Query",
    "assignees": "Assignees",
    "n_queries": "Queries matched",
    "queries": "Queries",
    "scores": "Scores",
    "best_score": "Best score",
    "mean_score": "Mean score",
}
CELL_MAX_CHARS = 300
EXCEL_MAX_CHARS = 32767  # Excel's limit for one cell
ASSIGNEE_COLUMNS: tuple[str, ...] = ("assignees", "assignee")

_SECRET_KEY = re.compile(r"secret|token|password|passwd|api[_-]?key|apikey|authori[sz]ation|credential|cookie", re.I)
_SECRET_VALUE = re.compile(r"\bsk-[A-Za-z0-9_\-]{6,}|\bBearer\s+\S+", re.I)
_DATE_NAME = re.compile(r"(date|_dt|_time)$|^(apdt|pbdt|isdt|apd|pbd|isd)$", re.I)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COMPACT_DATE = re.compile(r"^\d{8}$")


# --------------------------------------------------------------------------
# summaries
# --------------------------------------------------------------------------


def _split_names(value: Any) -> list[str]:
    if isinstance(value, (list, tuple, set, np.ndarray)):
        names = [_format_value(v).strip() for v in value]
    elif _is_missing(value):
        names = []
    else:
        names = [part.strip() for part in str(value).split(";")]
    return [name for name in names if name] or [MISSING_GROUP]


def _group_stats(keys: Sequence[str], patent_ids: pd.Series, scores: pd.Series, name: str) -> pd.DataFrame:
    work = pd.DataFrame(
        {
            name: list(keys),
            "patent_id": list(patent_ids),
            "score": pd.to_numeric(pd.Series(list(scores)), errors="coerce").astype("float64"),
        }
    )
    grouped = work.groupby(name, sort=False)
    out = pd.DataFrame(
        {
            "hits": grouped.size().astype("int64"),
            "patents": grouped["patent_id"].nunique().astype("int64"),
            "best_score": grouped["score"].max(),
            "mean_score": grouped["score"].mean(),
        }
    )
    out = out.reset_index().sort_values(
        ["hits", "best_score", name], ascending=[False, False, True], kind="stable", na_position="last"
    )
    out[name] = out[name].astype("string")
    return out.set_index(name)


def summary(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Hits per authority and per assignee, with the best score.

    Parameters
    ----------
    df : DataFrame in the frame schema (columns ``authority``, ``patent_id``, ``score``).
        After enrichment it has ``assignees``: names joined by ``"; "``; a column
        ``assignee`` (one name, or ``"; "``-joined) or list values work too.

    Returns
    -------
    dict[str, DataFrame]
        ``"authority"``: one row per authority; ``"assignee"``: one row per assignee name
        (only when the frame has an assignee column; a hit with several assignees counts
        for each). Each frame is indexed by the name (string) and has the columns
        ``hits`` (rows), ``patents`` (distinct patent_id), ``best_score`` and ``mean_score``,
        sorted by hits, then best score (both descending), then name. Missing values
        are grouped as ``"(missing)"``. Rows without a ``patent_id`` (a batch's
        ``"error"`` and ``"no_hits"`` rows) are not hits and are not counted.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> df = search_designs(samples.image("armchair"), client=client, limit=50).patsnap.enrich()
    >>> tables = summary(df)
    >>> sorted(tables), tables["authority"].columns.tolist()
    (['assignee', 'authority'], ['hits', 'patents', 'best_score', 'mean_score'])
    >>> int(tables["authority"]["hits"].sum())
    50
    >>> client.close()
    """
    _check_frame(df, ("authority", "patent_id", "score"))
    # Rows without a patent are not hits (a batch's "error" and "no_hits" rows): not counted.
    df = df.loc[np.array([not (_is_missing(p) or (isinstance(p, str) and not p.strip()))
                          for p in df["patent_id"]], dtype=bool)]
    result = {
        "authority": _group_stats(
            [_format_value(v) or MISSING_GROUP for v in df["authority"]], df["patent_id"], df["score"], "authority"
        )
    }
    column = next((c for c in ASSIGNEE_COLUMNS if c in df.columns), None)
    if column is not None:
        keys, ids, scores = [], [], []
        for value, pid, score in zip(df[column], df["patent_id"], df["score"]):
            for name in _split_names(value):
                keys.append(name)
                ids.append(pid)
                scores.append(score)
        result["assignee"] = _group_stats(
            keys, pd.Series(ids, dtype=object), pd.Series(scores, dtype=object), "assignee"
        )
    return result


def overlap(df: pd.DataFrame) -> pd.DataFrame:
    """Patents matched by several queries of a batch search (which designs match several of my products).

    Parameters
    ----------
    df : batch results: the frame schema with a ``query`` and/or ``query_index`` column.
        Queries are told apart by ``query_index`` when present (two products may share a label),
        else by ``query``.

    Returns
    -------
    DataFrame
        One row per ``patent_id`` matched by >= 2 distinct queries, columns ``patent_id``,
        ``patent_pn``, ``title``, ``authority`` (those present in ``df``), ``n_queries``,
        ``best_score``, ``queries`` (list of query labels, in query order), ``scores``
        (best score per query, same order) and, with ``query_index``, ``query_indices``.
        Sorted by ``n_queries`` then ``best_score`` (descending), then ``patent_pn``.
        A patent found twice for the same query counts once (its best score).

    Examples
    --------
    Two photos of our chair (the second one a little rotated) share most of their hits:

    >>> import pandas as pd
    >>> from PIL import Image
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> chair = samples.image("armchair")
    >>> Image.open(chair).rotate(3, fillcolor=255).save("chair-side.png")
    >>> catalogue = pd.DataFrame({"sku": ["C-1", "C-1b", "L-2"],
    ...                           "photo": [chair, "chair-side.png", samples.image("desk-lamp")]})
    >>> client = PatsnapClient.sandbox()
    >>> hits = catalogue.patsnap.search_each("photo", label_column="sku", progress=False, client=client)
    >>> shared = overlap(hits)
    >>> shared["queries"].iloc[0], int(shared["n_queries"].iloc[0])
    (['C-1', 'C-1b'], 2)
    >>> client.close()
    """
    _check_frame(df, ("patent_id", "score"))
    if "query_index" not in df.columns and "query" not in df.columns:
        raise ValueError(
            "df is missing required column(s) ['query' or 'query_index']: overlap() needs batch results; "
            f"it has {list(map(str, df.columns))}"
        )
    info = [c for c in ("patent_pn", "title", "authority") if c in df.columns]
    has_index = "query_index" in df.columns
    key = df["query_index"] if has_index else df["query"]
    labels = df["query"] if "query" in df.columns else df["query_index"]
    work = pd.DataFrame(
        {
            "patent_id": list(df["patent_id"]),
            "score": pd.to_numeric(df["score"], errors="coerce").astype("float64").to_numpy(),
            "_key": list(key),
            "_label": [_format_value(v) for v in labels],
            **{c: list(df[c]) for c in info},
        }
    )
    keep = [not (_is_missing(p) or _is_missing(k)) for p, k in zip(work["patent_id"], work["_key"])]
    work = work.loc[np.array(keep, dtype=bool)]
    if has_index and pd.api.types.is_numeric_dtype(df["query_index"]):
        work["_order"] = pd.to_numeric(work["_key"]).astype("float64")
    else:
        work["_order"] = pd.factorize(work["_key"])[0]
    work = work.sort_values("score", ascending=False, kind="stable", na_position="last")
    work = work.drop_duplicates(["patent_id", "_key"])
    counts = work.groupby("patent_id", sort=False)["_key"].nunique()
    shared = work[work["patent_id"].isin(counts[counts >= 2].index)]

    columns = ["patent_id", *info, "n_queries", "best_score", "queries", "scores"]
    if has_index:
        columns.append("query_indices")
    rows = []
    for pid, group in shared.groupby("patent_id", sort=False):
        group = group.sort_values("_order", kind="stable")
        row = {"patent_id": pid}
        for c in info:
            present = [v for v in group[c] if not _is_missing(v)]
            row[c] = present[0] if present else pd.NA
        row["n_queries"] = len(group)
        row["best_score"] = float(group["score"].max())
        row["queries"] = list(group["_label"])
        row["scores"] = [float(s) for s in group["score"]]
        if has_index:
            row["query_indices"] = [_as_int(k) for k in group["_key"]]
        rows.append(row)
    out = pd.DataFrame(rows, columns=columns)
    for c in ("patent_id", *info):
        out[c] = out[c].astype("string")
    out["n_queries"] = out["n_queries"].astype("int64")
    out["best_score"] = out["best_score"].astype("float64")
    sort = ["n_queries", "best_score"] + (["patent_pn"] if "patent_pn" in info else ["patent_id"])
    out = out.sort_values(sort, ascending=[False, False, True], kind="stable").reset_index(drop=True)
    out.attrs = {k: v for k, v in df.attrs.items() if k in PROVENANCE_LABELS}
    return out


def _as_int(value: Any) -> Any:
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    return value


# --------------------------------------------------------------------------
# provenance (whitelisted, scrubbed)
# --------------------------------------------------------------------------


def _scrub(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _scrub(v) for k, v in value.items() if not _SECRET_KEY.search(str(k))}
    if isinstance(value, (list, tuple)):
        return [_scrub(v) for v in value]
    if isinstance(value, str):
        return _SECRET_VALUE.sub("[redacted]", value)
    return value


def _provenance(attrs: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, text) pairs for the whitelisted attrs present (merged batch attrs hold lists)."""
    rows = []
    for key, label in PROVENANCE_LABELS.items():
        if key not in attrs or (key != "filters" and _is_missing_deep(attrs[key])):
            continue
        value = _scrub(attrs[key])
        if key == "filters":
            searches = value if isinstance(value, list) and all(isinstance(v, Mapping) for v in value) else [value]
            text = " | ".join(_filters_text(v) for v in searches) or "none"
        else:
            text = _format_value(value)
        rows.append((label, text))
    return rows


def _filters_text(value: Any) -> str:
    if not isinstance(value, Mapping):
        return _format_value(value) or "none"
    parts = [
        f"{k}: {', '.join(map(_format_value, v)) if isinstance(v, (list, tuple)) else _format_value(v)}"
        for k, v in value.items()
        if not _is_missing_deep(v)
    ]
    return "; ".join(parts) or "none"


def _is_missing_deep(value: Any) -> bool:
    if isinstance(value, (list, tuple, dict)):
        return len(value) == 0
    return _is_missing(value)


def _version() -> str:
    from . import __version__  # lazy: the package __init__ may import this module

    return __version__


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --------------------------------------------------------------------------
# HTML report
# --------------------------------------------------------------------------

_REPORT_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans CJK SC','Noto Color Emoji',sans-serif;
 margin:24px;color:#1b1f24;background:#fff;font-size:14px;line-height:1.4}
h1{font-size:22px;margin:0 0 12px}
h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.head{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
.qimg{margin:0;border:1px solid #d0d7de;padding:6px;background:#fff}
.qimg img{display:block;max-width:220px;max-height:220px}
.qimg figcaption{font-size:12px;color:#57606a;margin-top:4px}
table{border-collapse:collapse;margin:4px 0}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f3f6;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.prov th{background:none;font-weight:600;white-space:nowrap}
td.thumb{width:104px;height:104px;padding:3px;background:#fff;text-align:center;vertical-align:middle}
td.thumb img{max-width:96px;max-height:96px}
td.noimg{color:#8c959f;font-size:12px}
.charts img{max-width:100%;height:auto;border:1px solid #d0d7de;margin:0 12px 12px 0}
.note{color:#57606a;font-size:12px}
@media print{body{margin:0} tr{break-inside:avoid}}
"""


def _cell(value: Any, column: str) -> str:
    text = _format_value(value, column)
    numeric = not _is_missing(value) and (
        column in ("rank", "score")
        or (isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)))
    )
    shown = _truncate(text, CELL_MAX_CHARS)
    tip = f' title="{_esc(_truncate(text, TOOLTIP_MAX_CHARS))}"' if shown != text else ""
    cls = ' class="num"' if numeric else ""
    return f'<td{cls} dir="auto"{tip}>{_esc(shown)}</td>'


def _label(column: Any) -> str:
    return COLUMN_LABELS.get(str(column), str(column).replace("_", " ").capitalize())


def _table(frame: pd.DataFrame, index_label: str | None = None) -> str:
    head = ([f"<th>{_esc(index_label)}</th>"] if index_label is not None else []) + [
        f"<th>{_esc(_label(c))}</th>" for c in frame.columns
    ]
    body = []
    for idx, row in zip(frame.index, frame.itertuples(index=False, name=None)):
        cells = [_cell(idx, "")] if index_label is not None else []
        cells += [_cell(v, "score" if str(c).endswith("score") else str(c)) for c, v in zip(frame.columns, row)]
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{''.join(head)}</tr></thead><tbody>\n" + "\n".join(body) + "\n</tbody></table>"


def _hit_columns(df: pd.DataFrame) -> list[str]:
    hidden = set(HIDDEN_COLUMNS)
    if "query" in df.columns and df["query"].nunique(dropna=True) <= 1:
        hidden.add("query")  # one query: it is in the header
    extras = [c for c in df.columns if c not in REPORT_COLUMNS and c not in hidden]
    return [*REPORT_COLUMNS, *extras]


def _hits_table(df: pd.DataFrame, thumbs: list[bytes | None]) -> str:
    columns = _hit_columns(df)
    head = "<th>Thumbnail</th>" + "".join(f"<th>{_esc(_label(c))}</th>" for c in columns)
    body = []
    for i in range(len(df)):
        row = df.iloc[i]
        pn = _esc(_truncate(_format_value(row["patent_pn"]), 80))
        if thumbs[i] is not None:
            thumb = f'<td class="thumb"><img src="{_data_uri(thumbs[i])}" alt="{pn}"></td>'
        else:
            thumb = '<td class="thumb noimg">no image</td>'
        body.append("<tr>" + thumb + "".join(_cell(row[c], str(c)) for c in columns) + "</tr>")
    return (
        f'<table class="hits"><thead><tr>{head}</tr></thead><tbody>\n' + "\n".join(body) + "\n</tbody></table>"
    )


def _charts(df: pd.DataFrame) -> list[tuple[str, bytes]]:
    scores = pd.to_numeric(df["score"], errors="coerce")
    count = int(scores.notna().sum())
    if count == 0:
        return []
    by = None
    if "query" in df.columns and df["query"].nunique(dropna=True) > 1:
        by = "query"
    elif df["authority"].nunique(dropna=True) > 1:
        by = "authority"
    bars = min(20, count)
    return [
        ("Top scores", _figure_png(lambda ax: plot_scores(df, "bar", by=by, ax=ax, n=bars), max(2.5, 0.3 * bars + 1.2))),
        ("Score distribution", _figure_png(lambda ax: plot_scores(df, "hist", by=by, ax=ax), 3.5)),
    ]


def html_report(
    df: pd.DataFrame,
    images: Sequence[bytes | None] | None,
    *,
    title: str = "Design search report",
    include_plots: bool = True,
    query_image: bytes | None = None,
) -> str:
    """The HTML text of :func:`write_html_report` (same arguments, without ``path``).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> from patsnap_pandas.search import load_thumbnails
    >>> client = PatsnapClient.sandbox()
    >>> df = search_designs(samples.image("armchair"), client=client, limit=5)
    >>> page = html_report(df, load_thumbnails(df), title="Chairs", include_plots=False)
    >>> page.startswith("<!DOCTYPE html>"), "<script" in page, page.count("data:image/png;base64,")
    (True, False, 5)
    >>> client.close()
    """
    _check_frame(df, REPORT_COLUMNS)
    thumbs = _check_images(images, df)
    if not isinstance(title, str):
        raise ValueError(f"title={title!r} must be a string")
    if not isinstance(include_plots, (bool, np.bool_)):
        raise ValueError(f"include_plots={include_plots!r} must be True or False")
    query_image = _check_image_bytes(query_image, "query_image")

    prov = _provenance(df.attrs)
    prov.append(("Hits in this report", str(len(df))))
    prov.append(("Report generated", _now()))
    parts = [f"<h1 dir=\"auto\">{_esc(title)}</h1>", '<div class="head">']
    if query_image is not None:
        label = _esc(_truncate(_format_value(df.attrs.get("query", "")), 80)) or "query image"
        parts.append(
            f'<figure class="qimg"><img src="{_data_uri(query_image)}" alt="{label}">'
            f'<figcaption dir="auto">Query image</figcaption></figure>'
        )
    parts.append(
        '<table class="prov"><tbody>'
        + "".join(
            f'<tr><th>{_esc(k)}</th><td dir="auto">{_esc(_truncate(v, CELL_MAX_CHARS))}</td></tr>' for k, v in prov
        )
        + "</tbody></table></div>"
    )

    if len(df):
        parts.append("<h2>Summary</h2>")
        stats = summary(df)
        parts.append("<h3>Hits per authority</h3>" + _table(stats["authority"], "Authority"))
        if "assignee" in stats:
            shown = stats["assignee"].head(25)
            more = len(stats["assignee"]) - len(shown)
            note = f'<p class="note">and {more} more assignee(s)</p>' if more > 0 else ""
            parts.append("<h3>Hits per assignee</h3>" + _table(shown, "Assignee") + note)
        if ("query_index" in df.columns or "query" in df.columns) and (
            df["query_index" if "query_index" in df.columns else "query"].nunique(dropna=True) > 1
        ):
            shared = overlap(df)
            parts.append("<h3>Designs matched by several queries</h3>")
            if len(shared):
                parts.append(_table(shared.drop(columns=["patent_id", "query_indices"], errors="ignore")))
            else:
                parts.append('<p class="note">No design matches more than one query.</p>')
        if include_plots:
            charts = _charts(df)
            if charts:
                parts.append('<h2>Charts</h2><div class="charts">')
                parts += [f'<img src="{_data_uri(png)}" alt="{_esc(name)}">' for name, png in charts]
                parts.append("</div>")
        parts.append("<h2>Hits</h2>" + _hits_table(df, thumbs))
    else:
        parts.append('<h2>Hits</h2><p class="note">No hits.</p>')
    parts.append(
        f'<p class="note">Generated by patsnap-pandas {_esc(_version())}. Thumbnails are embedded; '
        "PatSnap image URLs expire after 9 hours and are not linked.</p>"
    )
    return _html_page("\n".join(parts), title, head_extra=f"<style>{_REPORT_CSS}</style>\n")


def write_html_report(
    df: pd.DataFrame,
    path: str | Path,
    images: Sequence[bytes | None] | None,
    *,
    title: str = "Design search report",
    include_plots: bool = True,
    query_image: bytes | None = None,
) -> Path:
    """Write a self-contained HTML report of search results.

    Parameters
    ----------
    df : DataFrame in the frame schema (needs rank, score, patent_pn, title, authority).
    path : file to write (UTF-8); its folder must exist.
    images : one PNG/JPEG ``bytes`` per row (``None`` where missing), in row order;
        ``None`` for a report without thumbnails.
    title : page heading.
    include_plots : add a top-scores bar chart and a score histogram (PNG, embedded),
        grouped by query for batch results, else by authority when there are several.
    query_image : PNG/JPEG bytes of the query image, shown in the header.

    Returns
    -------
    Path
        ``path``. The file holds no script, no external URL and no link: header with the
        whitelisted provenance of ``df.attrs`` (query, filters, search id, total, fetch date,
        cache flag, endpoint version), summary tables, overlap (batch results), charts and a
        table of hits (rank, score, number, title, authority, then extra columns such as
        assignees and dates; image_url, patent_id, search_id, query_index are left out) with
        each row's thumbnail.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> from patsnap_pandas.search import load_thumbnails
    >>> client = PatsnapClient.sandbox()
    >>> df = search_designs(samples.image("armchair"), client=client, limit=20).patsnap.enrich()
    >>> path = write_html_report(df, "report.html", load_thumbnails(df), title="Chairs like ours",
    ...                          query_image=open(samples.image("armchair"), "rb").read())
    >>> path.name, path.stat().st_size > 10_000
    ('report.html', True)
    >>> client.close()

    ``df.patsnap.to_html("report.html")`` does the same, loading the thumbnails itself.
    """
    text = html_report(df, images, title=title, include_plots=include_plots, query_image=query_image)
    path = Path(path)
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------


def _to_excel_datetime(value: Any) -> _dt.date | _dt.datetime | None:
    if _is_missing(value):
        return None
    if isinstance(value, _dt.datetime):  # includes pd.Timestamp
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).to_pydatetime()
    return None


def _date_values(series: pd.Series, name: str) -> list[_dt.date | _dt.datetime | None] | None:
    """The column as dates, when it holds dates: datetime dtype, date objects, or
    ISO / yyyymmdd strings in a column whose name says date."""
    values = list(series)
    present = [v for v in values if not _is_missing(v)]
    if pd.api.types.is_datetime64_any_dtype(series.dtype) or (
        present and all(isinstance(v, (_dt.date, np.datetime64)) for v in present)
    ):
        return [_to_excel_datetime(v) for v in values]
    if not present or not _DATE_NAME.search(name):
        return None
    texts = [str(v).strip() for v in present]
    if all(_ISO_DATE.match(t) for t in texts):
        parse = _dt.date.fromisoformat
    elif all(_COMPACT_DATE.match(t) for t in texts):
        parse = lambda t: _dt.datetime.strptime(t, "%Y%m%d").date()  # noqa: E731
    else:
        return None
    try:
        return [None if _is_missing(v) else parse(str(v).strip()) for v in values]
    except ValueError:
        return None


def write_excel(
    df: pd.DataFrame,
    path: str | Path,
    images: Sequence[bytes | None] | None,
    *,
    thumbnail_size: int = 96,
) -> Path:
    """Write search results to an .xlsx workbook, one row per hit with its thumbnail.

    Parameters
    ----------
    df : DataFrame in the frame schema (needs rank, score, patent_pn, title, authority).
    path : .xlsx file to write; its folder must exist.
    images : one PNG/JPEG ``bytes`` per row (``None`` where missing), in row order;
        ``None`` for no thumbnails.
    thumbnail_size : thumbnail box in pixels (16..512); rows are made tall enough.

    Returns
    -------
    Path
        ``path``. Sheet ``hits``: column A the thumbnail (embedded in its row, moves and
        sizes with the cell), then every column of ``df`` except ``image_url`` (signed, expiring).
        Scores and ranks are numbers, date columns real dates, everything else is written
        as text, so a title such as ``=HYPERLINK(...)`` stays text (no formula, no link).
        Header formatted, autofilter, frozen header row. Sheet ``about``: provenance from
        whitelisted ``df.attrs`` keys.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> from patsnap_pandas.search import load_thumbnails
    >>> client = PatsnapClient.sandbox()
    >>> df = search_designs(samples.image("armchair"), client=client, limit=20).patsnap.enrich()
    >>> path = write_excel(df, "hits.xlsx", load_thumbnails(df))
    >>> import zipfile
    >>> sum(name.startswith("xl/media/") for name in zipfile.ZipFile(path).namelist())
    20
    >>> client.close()

    ``df.patsnap.to_excel("hits.xlsx")`` does the same, loading the thumbnails itself.
    """
    import xlsxwriter

    _check_frame(df, REPORT_COLUMNS)
    thumbs = _check_images(images, df)
    size = _check_int(thumbnail_size, "thumbnail_size", 16, 512)
    path = Path(path)
    columns = [c for c in df.columns if c != "image_url"]
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with xlsxwriter.Workbook(str(path), options) as book:
        base = {"valign": "top"}
        fmt = {
            "header": book.add_format(
                {"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True, "valign": "vcenter"}
            ),
            "text": book.add_format({**base, "text_wrap": True}),
            "score": book.add_format({**base, "num_format": "0.000"}),
            "int": book.add_format({**base, "num_format": "0"}),
            "number": book.add_format({**base, "num_format": "General"}),
            "date": book.add_format({**base, "num_format": "yyyy-mm-dd"}),
            "datetime": book.add_format({**base, "num_format": "yyyy-mm-dd hh:mm:ss"}),
        }
        sheet = book.add_worksheet("hits")
        sheet.write_string(0, 0, "thumbnail", fmt["header"])
        for j, column in enumerate(columns, start=1):
            sheet.write_string(0, j, str(column), fmt["header"])
            _write_column(sheet, df[column], str(column), j, fmt)
        sheet.set_column_pixels(0, 0, size + 10)
        if any(t is not None for t in thumbs):
            for i in range(len(df)):
                sheet.set_row_pixels(i + 1, size + 10)
        for i, data in enumerate(thumbs):
            if data is None:
                continue
            png = _png_thumbnail(data, size)
            if png is None:
                warnings.warn(f"images[{i}] could not be decoded; row {i + 2} has no thumbnail", stacklevel=2)
                continue
            sheet.insert_image(
                i + 1, 0, f"thumbnail_{i + 1}.png",
                {"image_data": io.BytesIO(png), "x_offset": 5, "y_offset": 5, "object_position": 1,
                 "description": _truncate(_format_value(df["patent_pn"].iloc[i]), 255)},
            )
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, len(df), len(columns))

        about = book.add_worksheet("about")
        about.set_column(0, 0, 22)
        about.set_column(1, 1, 80)
        prov = _provenance(df.attrs) + [("Hits", str(len(df))), ("Generated", _now()),
                                        ("Generator", f"patsnap-pandas {_version()}")]
        for r, (label, text) in enumerate(prov):
            about.write_string(r, 0, label, fmt["header"])
            about.write_string(r, 1, _truncate(text, EXCEL_MAX_CHARS), fmt["text"])
    return path


def _write_column(sheet: Any, series: pd.Series, name: str, col: int, fmt: dict) -> None:
    values = list(series)
    dates = _date_values(series, name)
    numeric = pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)
    width = len(name) + 2
    for i, value in enumerate(values, start=1):
        if dates is not None:
            when = dates[i - 1]
            if when is None:
                sheet.write_blank(i, col, None, fmt["date"])
            else:
                timed = isinstance(when, _dt.datetime) and when.time() != _dt.time(0)
                sheet.write_datetime(i, col, when, fmt["datetime" if timed else "date"])
                width = max(width, 20 if timed else 12)
        elif numeric:
            if _is_missing(value) or not np.isfinite(float(value)):
                sheet.write_blank(i, col, None, fmt["number"])
            else:
                integer = pd.api.types.is_integer_dtype(series.dtype)
                kind = "score" if name == "score" else "int" if integer else "number"
                sheet.write_number(i, col, float(value), fmt[kind])
                width = max(width, 10)
        elif isinstance(value, (bool, np.bool_)):
            sheet.write_boolean(i, col, bool(value), fmt["text"])
        else:
            text = _truncate(_format_value(value), EXCEL_MAX_CHARS)
            if text:
                sheet.write_string(i, col, text, fmt["text"])  # always a string: no formula injection
            width = max(width, min(len(text), 60 if name == "title" else 40) + 2)
    sheet.set_column(col, col, max(8, width))
