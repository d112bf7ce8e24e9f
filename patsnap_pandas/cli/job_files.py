"""The files of the job commands (``clearance``, ``prior-art``): ``--out`` data, ``--report`` the job's report.

Both commands write the same way, and check their options before any billed call:

* ``--out FILE``: the data, every hit with ``kept`` and ``excluded_reason``: ``.csv``, ``.parquet``,
  or an ``.xlsx`` workbook with the sheets Kept, Excluded and About (the summary and the provenance);
* ``--report FILE``: the job's report for counsel (``.html``, ``.pdf``, ``.xlsx``, ``.docx``):
  :func:`~patsnap_pandas.report.clearance_report` or :func:`~patsnap_pandas.report.prior_art_report`
  of the result's kept and excluded hits and its provenance, with thumbnails;
* ``--accused IMAGE`` (prior-art): the accused product's picture of the three-way comparison.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..jobs.result import JobResult
from .common import UsageError, add_page_size_argument
from .search import REPORT_SUFFIXES, OutputFormat, _check_image, _check_out, _flat_lists, _is_url

__all__ = ["DATA_SUFFIXES", "check_accused", "check_data_out", "check_report", "write_job_report", "write_result"]

#: The --out file types of a job: data, every hit (the report is --report).
DATA_SUFFIXES = (".csv", ".parquet", ".xlsx")


def add_job_arguments(parser: Any, *, limit: str, shown: str, report: str, title: str) -> None:
    """The options both job commands share (after their own): ``--limit``, ``--label``, ``--out``, ``--report``,
    ``--title``, ``--author``; ``limit``, ``shown``, ``report`` and ``title`` are the words that differ."""
    from .. import codes

    parser.add_argument("--limit", type=int, default=codes.LIMIT_DEFAULT, metavar="N",
                        help=f"{limit}, {codes.LIMIT_MIN}..{codes.LIMIT_MAX} (default {codes.LIMIT_DEFAULT})")
    parser.add_argument("--label", help="name of the query in the results (default: the file name)")
    parser.add_argument("--out", metavar="FILE",
                        help="write every hit to this file: .csv or .parquet (with kept and excluded_reason) or "
                             f".xlsx (sheets Kept, Excluded, About); default: {shown} as a table on stdout")
    parser.add_argument("--report", metavar="FILE", help=f"write {report}: .html, .pdf, .xlsx or .docx (Word)")
    parser.add_argument("--title", help=f"title of the report (default: {title})")
    parser.add_argument("--author", help="author named on the report's cover")
    add_page_size_argument(parser)


def as_option(value: Any, check: Any, option: str) -> Any:
    """``check(value)``, its ``InvalidInputError`` said as a usage error of ``option`` (``--on='x' ...``)."""
    from ..errors import InvalidInputError

    try:
        return check(value)
    except InvalidInputError as exc:
        raise UsageError(str(exc).replace(f"{option[2:]}=", f"{option}=", 1)) from None


def _renamed(error: UsageError, option: str) -> UsageError:
    return UsageError(str(error).replace("--out ", f"{option} ", 1).replace("IMAGE ", f"{option} ", 1))


def check_data_out(value: str | None) -> Path | None:
    """``--out`` of a job checked before any call: a data file (:data:`DATA_SUFFIXES`) in an existing folder.

    Examples
    --------
    >>> check_data_out("hits.pdf")
    Traceback (most recent call last):
    ...
    patsnap_pandas.cli.common.UsageError: --out hits.pdf: --out writes the data, .csv, .parquet or .xlsx; the report is --report FILE (.xlsx, .html, .pdf, .docx)
    """
    if value is None:
        return None
    if Path(value).suffix.lower() not in DATA_SUFFIXES:
        raise UsageError(f"--out {value}: --out writes the data, {', '.join(DATA_SUFFIXES[:-1])} or "
                         f"{DATA_SUFFIXES[-1]}; the report is --report FILE ({', '.join(REPORT_SUFFIXES)})")
    out = _check_out(value)
    return None if out is None else out[0]


def check_report(value: str | None) -> tuple[Path, OutputFormat] | None:
    """``--report`` checked before any call: ``.html``, ``.pdf``, ``.xlsx`` or ``.docx``, its folder, its packages.

    Examples
    --------
    >>> check_report("report.doc")
    Traceback (most recent call last):
    ...
    patsnap_pandas.cli.common.UsageError: --report report.doc: unsupported file type '.doc'; allowed: .xlsx, .html, .pdf, .docx
    """
    if value is None:
        return None
    suffix = Path(value).suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise UsageError(f"--report {value}: unsupported file type {suffix or '(no extension)'!r}; "
                         f"allowed: {', '.join(REPORT_SUFFIXES)}")
    try:
        return _check_out(value)
    except UsageError as exc:
        raise _renamed(exc, "--report") from None


def check_accused(value: str | None, report: Any) -> Path | None:
    """``--accused`` checked before any call: a readable local image, and a ``--report`` to show it in.

    Examples
    --------
    >>> check_accused("no-such-photo.jpg", ("report.html", None))
    Traceback (most recent call last):
    ...
    patsnap_pandas.cli.common.UsageError: --accused no-such-photo.jpg: no such file
    """
    if value is None:
        return None
    if _is_url(value):
        raise UsageError(f"--accused {value}: give a local image file (the report embeds it)")
    try:
        path = Path(_check_image(value))
    except UsageError as exc:
        raise _renamed(exc, "--accused") from None
    if report is None:
        raise UsageError(f"--accused {value}: the three-way comparison is shown in the report: give --report FILE")
    return path


def write_result(result: JobResult, path: Path) -> None:
    """Every hit of ``result`` to ``path``: a CSV or parquet (``kept``, ``excluded_reason``), or a workbook
    (sheets Kept, Excluded, About).

    Examples
    --------
    >>> import pandas as pd
    >>> from pathlib import Path
    >>> import tempfile
    >>> result = JobResult.split("prior_art", pd.DataFrame({"patent_pn": ["A1", "B2"]}), {1: "undated: no date"},
    ...                          before="2019-06-01")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_result(result, Path(folder) / "hits.csv")
    ...     pd.read_csv(Path(folder) / "hits.csv")[["patent_pn", "kept", "excluded_reason"]].values.tolist()
    [['A1', True, nan], ['B2', False, 'undated: no date']]
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        from ..frame.csv_file import write_csv

        write_csv(_flat_lists(result.hits), path)
        return
    if suffix == ".parquet":
        hits = result.hits.copy()
        hits.attrs = json.loads(json.dumps(hits.attrs, default=str))  # stored as JSON in the file's metadata
        hits.to_parquet(path, index=False)
        return
    import pandas as pd

    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    about = pd.DataFrame({"": ["summary", *result.provenance],
                          "value": [result.summary, *map(str, result.provenance.values())]})
    with pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": options}) as book:
        _flat_lists(result.kept).to_excel(book, sheet_name="Kept", index=False)
        _flat_lists(result.excluded).to_excel(book, sheet_name="Excluded", index=False)
        about.to_excel(book, sheet_name="About", index=False)


def job_report(result: JobResult, *, title: str | None, author: str | None, comparisons: Any = None) -> Any:
    """The report model of ``result`` (build it while the client, and its thumbnail store, is open):
    :func:`~patsnap_pandas.report.clearance_report` or :func:`~patsnap_pandas.report.prior_art_report`.
    Example: :func:`write_job_report`."""
    from .. import report

    build = report.clearance_report if result.job == "clearance" else report.prior_art_report
    return build(result.kept, result.excluded, result.provenance, title=title, author=author,
                 comparisons=comparisons)


def write_job_report(model: Any, out: tuple[Path, OutputFormat], page_size: str = "A4", engine: str = "auto") -> None:
    """Write the report ``model`` to ``out`` by its suffix (HTML, PDF or Word on ``page_size`` paper, or Excel;
    a PDF laid out by ``engine``).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from patsnap_pandas import PatsnapClient, prior_art, samples
    >>> with PatsnapClient.sandbox(today="2026-12-07") as client, tempfile.TemporaryDirectory() as folder:
    ...     result = prior_art(samples.image("armchair"), before="2019-06-01", client=client, limit=3)
    ...     out = check_report(str(Path(folder) / "prior-art.html"))
    ...     write_job_report(job_report(result, title="Prior art", author=None), out)
    ...     "Evidence published before" in out[0].read_text(encoding="utf-8")
    True
    """
    from .. import report

    path, fmt = out
    if fmt.suffix == ".pdf":
        report.write_pdf(model, path, page_size=page_size, engine=engine)
        return
    if fmt.suffix == ".docx":
        report.write_docx(model, path, page_size=page_size)
        return
    writers = {".html": report.write_html, ".xlsx": report.write_excel}
    writers[fmt.suffix](model, path)
