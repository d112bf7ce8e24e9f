"""The panel's export: a report file saved in a folder the user chose, and offered as a browser download.

The download is an HTML anchor with the file as a ``data:`` URI and the ``download``
attribute, inside an ``ipywidgets.HTML`` value: the browser saves it like any
download, in JupyterLab, Notebook 7 and Voila alike, with no server route and no
JavaScript. The same file is kept on the server in the chosen folder (by default
:func:`default_export_dir`: ``patsnap-reports`` in the user's Documents folder, never
the notebook server's working folder).

Examples
--------
>>> default_export_dir().name
'patsnap-reports'
>>> download_link(b"hello", "r.html")
'<a class="psp-download" download="r.html" href="data:application/octet-stream;base64,aGVsbG8=">Download r.html (5 bytes)</a>'
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import platformdirs

from .._html import escape
from .._validate import check_choice

__all__ = ["EXPORT_FORMATS", "Export", "default_export_dir", "display_path", "download_link", "export_report",
           "unique_path"]

#: Format -> (file suffix, what the user reads).
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "html": (".html", "HTML"),
    "pdf": (".pdf", "PDF"),
    "xlsx": (".xlsx", "Excel"),
    "docx": (".docx", "Word"),
}
#: The type of every download link: the browser saves the bytes under the file's name and never
#: renders them in the page (no ``data:text/html`` link, even for an HTML report).
DOWNLOAD_MIME = "application/octet-stream"
#: Larger files are saved but not offered as a download link (a browser keeps a data: link in memory).
MAX_DOWNLOAD_BYTES = 64 * 2**20


def default_export_dir() -> Path:
    """Where the panel saves reports unless told otherwise: ``<Documents>/patsnap-reports``.

    ``<Documents>`` is the user's documents folder as :func:`platformdirs.user_documents_dir`
    finds it (``XDG_DOCUMENTS_DIR`` or ``~/Documents`` on Linux). The folder is created on
    the first export.

    Examples
    --------
    >>> default_export_dir().parent == Path(platformdirs.user_documents_dir())
    True
    """
    return Path(platformdirs.user_documents_dir()) / "patsnap-reports"


def display_path(path: str | Path) -> str:
    """``path`` as a person reads it: ``~/...`` under the home folder, else absolute.

    Examples
    --------
    >>> display_path(Path.home() / "Documents" / "patsnap-reports")
    '~/Documents/patsnap-reports'
    """
    path = Path(path).expanduser()
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except ValueError:
        return str(path)


def unique_path(folder: Path, stem: str, suffix: str) -> Path:
    """``folder/stem+suffix``, or ``stem-2``, ``stem-3``... if taken: an export never overwrites one.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "r.html").write_text("x")
    >>> unique_path(folder, "r", ".html").name
    'r-2.html'
    """
    path, n = folder / f"{stem}{suffix}", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}{suffix}"
    return path


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 2**20:
        return f"{n / 1024:.0f} KB"
    return f"{n / 2**20:.1f} MB"


def download_link(data: bytes, filename: str) -> str:
    """An anchor that makes the browser download ``data`` as ``filename`` (no server, no script).

    Examples
    --------
    >>> 'download="a &amp; b.pdf"' in download_link(b"%PDF", "a & b.pdf")
    True
    """
    uri = f"data:{DOWNLOAD_MIME};base64," + base64.b64encode(data).decode("ascii")
    return (f'<a class="psp-download" download="{escape(filename)}" href="{uri}">'
            f"Download {escape(filename)} ({_size(len(data))})</a>")


@dataclasses.dataclass(frozen=True)
class Export:
    """What one export did: the file written, its download markup and a sentence for the status line.

    Examples
    --------
    >>> Export(Path("r.html"), "<a>", "Report written.").path.name
    'r.html'
    """

    path: Path
    html: str
    message: str


def _report(df: pd.DataFrame, include: str, notes: Mapping[str, str] | None, title: str | None,
            job: Mapping[str, Any] | None, fetched: int | None = None) -> Any:
    """The report model of the export: a search report, or a clearance or prior-art report."""
    from ..report import build_report, clearance_report, prior_art_report

    query = df.attrs.get("query") or "query image"
    if job is None:
        return build_report(df, title=title or f"Design search: {query}", include=include, notes=dict(notes or {}),
                            fetched=fetched)
    check_choice(include, "include", ("all", "marked", "relevant"), what="choice")
    if include != "all":
        marks = df["relevance"].astype("string").str.strip().fillna("")
        df = df[((marks == "relevant") if include == "relevant" else (marks != "")).to_numpy()]
    make = clearance_report if job["kind"] == "clearance" else prior_art_report
    words = "Clearance" if job["kind"] == "clearance" else "Prior art"
    return make(df, job.get("excluded"), job.get("provenance"), title=title or f"{words}: {query}",
                notes=dict(notes or {}), comparisons=job.get("comparisons") or None)


def export_report(df: pd.DataFrame, *, fmt: str, include: str, folder: str | Path,
                  notes: Mapping[str, str] | None = None, title: str | None = None,
                  job: Mapping[str, Any] | None = None, fetched: int | None = None) -> Export:
    """Build the report of ``df`` (:func:`patsnap_pandas.report.build_report`), save it in ``folder``, offer it.

    Parameters
    ----------
    df : DataFrame
        The hits the panel shows (after its local filters), with ``relevance`` and ``note``.
    fmt : {"html", "pdf", "xlsx", "docx"}
    include : {"all", "marked", "relevant"}
        Which hits go into the report.
    folder : str or Path
        Created when missing.
    notes : mapping, optional
        The panel's local filters in words, for the report's provenance.
    title : str, optional
        Default: "Design search: <query>" (a clearance or prior-art report: "Clearance: <query>" ...).
    job : mapping, optional
        A clearance or prior-art search (:func:`.actions.job_of`): ``kind``, ``excluded``,
        ``provenance``, ``comparisons``; the report is then
        :func:`~patsnap_pandas.report.clearance_report` or :func:`~patsnap_pandas.report.prior_art_report`.
    fetched : int, optional
        How many hits the panel fetched (``df`` is what its local filters left): the report says
        how many it holds of how many were fetched. Default ``len(df)``.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> import tempfile
    >>> with PatsnapClient.sandbox() as client:
    ...     hits = search_designs(samples.image("armchair"), client=client, limit=3)
    ...     done = export_report(hits, fmt="html", include="all", folder=tempfile.mkdtemp(),
    ...                          notes={"Minimum score": "0.50"})
    >>> done.path.suffix, done.path.exists(), 'download="' in done.html
    ('.html', True, True)
    """
    from ..report import write_docx, write_excel, write_html, write_pdf

    check_choice(fmt, "fmt", EXPORT_FORMATS, what="format")
    suffix, word = EXPORT_FORMATS[fmt]
    report = _report(df, include, notes, title, job, fetched)
    folder = Path(folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    kind = {"clearance": "clearance", "prior_art": "prior-art"}.get(str((job or {}).get("kind")), "design-search")
    path = unique_path(folder, f"{kind}-{dt.datetime.now():%Y%m%d-%H%M%S}", suffix).resolve()
    {"html": write_html, "pdf": write_pdf, "xlsx": write_excel, "docx": write_docx}[fmt](report, path)
    data = path.read_bytes()
    link = (download_link(data, path.name) if len(data) <= MAX_DOWNLOAD_BYTES
            else f"{escape(path.name)} is {_size(len(data))}: too large to offer as a download; open it from the folder.")
    shown = display_path(path)
    html = (f'<div>{link}</div><div class="psp-msg-hint">Saved to <span style="overflow-wrap:anywhere">'
            f"{escape(shown)}</span></div>")
    return Export(path, html, f"{word} report saved to {shown}.")
