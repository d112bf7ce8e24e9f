"""``patsnap-pandas search`` and ``batch``: one image, or every image of a CSV, to a table or a file.

Everything is checked before any call: the filters (one option per :class:`SearchFilters`
field, errors naming the option typed), ``--out`` (its type, folder and the extra it needs),
the image or the catalogue. The client comes from the ``PATSNAP_*`` environment, or is an
embedded sandbox with ``--sandbox``; the results go to stdout as a table or to the ``--out``
file (CSV, parquet, or a report with thumbnails: Excel, HTML, PDF).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import codes, config
from .._extras import DISTRIBUTIONS, extra_for
from ..api.client import PatsnapClient
from ..api.filters import FILTER_NAMES, MAX_RESULTS_CAP, SearchFilters
from ..errors import InvalidInputError, MissingCredentialsError
from ..frame.csv_file import write_csv
from ..jobs.search import search_designs
from .common import (
    EXIT_FAILED,
    EXIT_OK,
    PROG,
    UsageError,
    _check_count,
    _check_limit,
    _check_rate,
    _count,
    _info,
    _one_line,
    add_page_size_argument,
    check_page_size,
    check_pdf_engine,
    format_table,
)
from .sandbox import _check_sandbox_corpus

# --- the filter table: one CLI option per SearchFilters field ------------------------------------

_FLAG_RENAMES = {"field": "--sort-field"}  # "--field" alone would not say what it does


def _filter_flag(name: str) -> str:
    if name in _FLAG_RENAMES:
        return _FLAG_RENAMES[name]
    return "--" + name.removesuffix("_time").replace("_", "-")


_DATE = "YYYY-MM-DD or YYYYMMDD"
_FILTER_HELP: dict[str, str] = {
    "loc": "Locarno classes: a code (01-01), a comma list meaning OR (01-01,01-02) or an "
           "expression such as '(01-01 OR 01-02) AND NOT 02-03'",
    "assignees": "applicant or patentee name",
    "legal_status": "legal status codes or names, comma-separated (e.g. granted or 3,2)",
    "country": "authorities, comma-separated (e.g. CN,US; see codes.AUTHORITIES)",
    "simple_legal_status": "simple legal status codes or names: "
                           + ", ".join(f"{k}={v}" for k, v in list(codes.SIMPLE_LEGAL_STATUS.items())[:3]),
    "main_field": "keyword matched in title, abstract, claims, numbers, parties and classes",
    "apply_start_time": f"applied on or after this date ({_DATE})",
    "apply_end_time": f"applied on or before this date ({_DATE})",
    "public_start_time": f"published on or after this date ({_DATE})",
    "public_end_time": f"published on or before this date ({_DATE})",
    "field": "sort by: score (default) or " + ", ".join(
        f"{k} ({v})" for k, v in codes.SORT_FIELDS.items()),
    "order": " or ".join(codes.SORT_ORDERS) + " (PatSnap's default: desc)",
}

#: SearchFilters field -> command-line option. Built from the dataclass fields, so a new
#: filter gets an option (with a generic help text until it gets its own).
FILTER_OPTIONS: dict[str, str] = {name: _filter_flag(name) for name in FILTER_NAMES}
_FILTER_NAME_RE = re.compile(r"(?<![\w-])(" + "|".join(sorted(FILTER_NAMES, key=len, reverse=True)) + ")=")


def _add_report_arguments(parser: argparse.ArgumentParser) -> None:
    """The report and enrichment options that `search` and `batch` share."""
    parser.add_argument("--title", help="title of the report (.html, .pdf, .xlsx, .docx)")
    parser.add_argument("--author", help="author named on the report's cover")
    add_page_size_argument(parser)
    parser.add_argument("--enrich", action="store_true",
                        help="add assignees, dates and Locarno classes (bibliography calls, cached)")
    parser.add_argument("--with-legal-status", action="store_true",
                        help="add each hit's legal status (implies --enrich; legal-status calls, cached); "
                             "--legal-status is the filter")


def _add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("filters (validated before any call; see SearchFilters)")
    for name, flag in FILTER_OPTIONS.items():
        group.add_argument(flag, dest=f"filter_{name}", metavar="VALUE",
                           help=_FILTER_HELP.get(name, f"the {name} search filter"))


def _filters(args: argparse.Namespace) -> dict[str, Any]:  # filter name -> its text (search_designs(**filters))
    """The filters given on the command line, validated and normalised by SearchFilters."""
    given = {name: getattr(args, f"filter_{name}") for name in FILTER_NAMES
             if getattr(args, f"filter_{name}") is not None}
    try:
        return SearchFilters.from_kwargs(**given).to_dict()
    except InvalidInputError as exc:
        raise UsageError(_with_flags(str(exc))) from None


def _with_flags(message: str) -> str:
    """"country='XX' is not valid" -> "--country='XX' is not valid": name the option typed."""
    return _FILTER_NAME_RE.sub(lambda m: FILTER_OPTIONS[m.group(1)] + "=", message)


# --- output files -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class OutputFormat:
    """How --out writes one file type."""

    suffix: str
    thumbnails: bool               # embeds thumbnails (so the search prefetches them)
    requires: tuple[str, ...] = ()  # the optional modules it needs (of an extra, or pyarrow)


OUTPUT_FORMATS: dict[str, OutputFormat] = {
    ".csv": OutputFormat(".csv", thumbnails=False),
    ".parquet": OutputFormat(".parquet", thumbnails=False, requires=("pyarrow",)),
    ".xlsx": OutputFormat(".xlsx", thumbnails=True, requires=("xlsxwriter", "matplotlib")),  # [reports]
    ".html": OutputFormat(".html", thumbnails=True, requires=("matplotlib",)),  # the score chart: [reports]
    ".pdf": OutputFormat(".pdf", thumbnails=True, requires=("weasyprint", "matplotlib")),  # [pdf] + [reports]
    ".docx": OutputFormat(".docx", thumbnails=True, requires=("docx", "matplotlib")),  # [reports]: Word
}
REPORT_SUFFIXES = (".xlsx", ".html", ".pdf", ".docx")


def _check_out(value: str | None) -> tuple[Path, OutputFormat] | None:
    """--out checked before any call: known extension, existing folder, needed package installed."""
    if value is None:
        return None
    path = Path(value).expanduser()
    fmt = OUTPUT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(f"--out {value}: unsupported file type {path.suffix or '(no extension)'!r}; "
                         f"allowed: {', '.join(OUTPUT_FORMATS)}")
    if path.is_dir():
        raise UsageError(f"--out {value}: is a folder; give a file name such as hits{fmt.suffix}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"--out {value}: the folder {folder} does not exist")
    for module in fmt.requires:
        if _installed(module):
            continue
        extra = extra_for(module)
        if extra is None:
            raise UsageError(f"--out {value}: writing {fmt.suffix} files needs the package "
                             f"{module!r}, which is not installed (pip install {module})")
        raise UsageError(f"--out {value}: writing {fmt.suffix} files needs the [{extra}] extra "
                         f"({DISTRIBUTIONS.get(module, module)} is not "
                         f'installed): pip install "patsnap-pandas[{extra}]"')
    return path, fmt


def _installed(package: str) -> bool:
    # find_spec, not import: importing WeasyPrint changes Pillow's settings process-wide.
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


def _flat_lists(df):
    """List cells (loc codes, assignees) as "a; b" text, not Python's "['a', 'b']"."""
    out = df.copy()
    for column in out.columns:
        if out[column].dtype == object and out[column].map(lambda v: isinstance(v, (list, tuple))).any():
            out[column] = out[column].map(
                lambda v: "; ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
    return out


def _report(df, out: tuple[Path, OutputFormat] | None, *, title: str, author: str | None = None):
    """The report model for a report file (built while the client, and its thumbnail store, is open)."""
    if out is None or out[1].suffix not in REPORT_SUFFIXES:
        return None
    from .. import report

    return report.build_report(df, title=title, author=author)


def _write(df, out: tuple[Path, OutputFormat], model=None, page_size: str = "A4", engine: str = "auto") -> None:
    path, fmt = out
    if fmt.suffix == ".csv":
        write_csv(_flat_lists(df), path)  # no cell runs as a spreadsheet formula
    elif fmt.suffix == ".parquet":
        df.to_parquet(path, index=False)
    else:
        from .. import report

        if fmt.suffix == ".xlsx":
            report.write_excel(model, path)
        elif fmt.suffix == ".pdf":
            report.write_pdf(model, path, page_size=page_size, engine=engine)
        elif fmt.suffix == ".docx":
            report.write_docx(model, path, page_size=page_size)
        else:
            report.write_html(model, path)


def _enriched(df, args: argparse.Namespace, client: PatsnapClient):
    """The hits with assignees, dates, classes (--enrich) and the legal status (--with-legal-status).

    (``--legal-status VALUE`` is the search filter of that name.)"""
    if not (args.enrich or args.with_legal_status):
        return df
    from ..jobs.enrich import enrich

    return enrich(df, legal_status=bool(args.with_legal_status), client=client)


# --- clients ------------------------------------------------------------------------------------------

def _credentials_message() -> str:
    """Which variables to set (names only: values are never shown)."""
    cid, secret, key = (config.env_name(n) for n in ("client_id", "client_secret", "api_key"))
    given = [name for name in (cid, secret) if os.environ.get(name, "").strip()]
    how = (f"set {key} (an sk-... API key), or {cid} and {secret} (a client-credentials account); "
           "or add --sandbox to run against the offline sandbox (synthetic data, no account)")
    if len(given) == 1:
        missing = secret if given[0] == cid else cid
        return f"{given[0]} is set but {missing} is missing: {how}"
    return f"no PatSnap credentials in the environment: {how}"


@contextlib.contextmanager
def _open_client(args: argparse.Namespace, *, keep_cache: bool = False) -> Iterator[PatsnapClient]:
    """A client from the PATSNAP_* environment, or an embedded sandbox with --sandbox (its cache in a
    temporary folder, or with ``keep_cache`` in the cache folder, where watches are kept)."""
    cache = not args.no_cache
    if args.sandbox:
        corpus = _check_sandbox_corpus(args.sandbox_corpus)  # default: $PATSNAP_SANDBOX_CORPUS
        started = time.perf_counter()
        kept: dict[str, Any] = {"cache_dir": config.cache_dir(None)} if keep_cache else {}
        client = PatsnapClient.sandbox(corpus=corpus, cache=cache, **kept)
        server = client.sandbox_server
        name = server.corpus.name
        source = f"drawings from {name[4:]}" if name.startswith("dir:") else "generated corpus"
        _info(f"sandbox: using the offline PatSnap sandbox on {server.base_url} ({source}, "
              f"{len(server.corpus.designs)} designs, ready in {time.perf_counter() - started:.1f} s): "
              "synthetic data, not PatSnap's; no account, no cost")
    else:
        if args.sandbox_corpus is not None:
            raise UsageError("--sandbox-corpus needs --sandbox")
        try:
            client = PatsnapClient.from_env(cache=cache)
        except MissingCredentialsError:
            raise UsageError(_credentials_message()) from None
    with client:
        yield client


def _add_client_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "account", "Credentials and settings come from the PATSNAP_* environment variables "
        "(" + ", ".join(s.env for s in config.SETTINGS.values()) + ").")
    group.add_argument("--sandbox", action="store_true",
                       help="run against an embedded offline sandbox instead of PatSnap (no account needed)")
    group.add_argument("--sandbox-corpus", metavar="DIR",
                       help="with --sandbox: a folder of drawings with a manifest.csv, or 'generated' "
                            f"(default: ${config.env_name('sandbox_corpus')}, else 600 generated designs)")
    group.add_argument("--no-cache", action="store_true",
                       help="do not read or write the HTTP cache (every call is billed)")


# --- search -------------------------------------------------------------------------------------------

def _is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def _check_image(value: str) -> str:
    """An http(s) URL as given, or a readable image file (checked before any call)."""
    if _is_url(value):
        return value
    from PIL import Image, UnidentifiedImageError

    path = Path(value).expanduser()
    if not path.exists():
        raise UsageError(f"IMAGE {value}: no such file")
    if not path.is_file():
        raise UsageError(f"IMAGE {value}: not a file")
    try:
        with Image.open(path) as im:  # reads the header only; pixels are decoded later, once
            empty = not (im.width and im.height)
    except UnidentifiedImageError:
        raise UsageError(f"IMAGE {value}: not an image file Pillow can read "
                         "(JPG, PNG, TIFF, BMP, GIF, WebP, ...)") from None
    except OSError as exc:
        raise UsageError(f"IMAGE {value}: cannot be read ({exc.strerror or exc})") from None
    if empty:
        raise UsageError(f"IMAGE {value}: the image is empty (0 pixels)")
    return str(path)


def run_search(args: argparse.Namespace) -> int:
    out = _check_out(args.out)
    page_size = check_page_size(args.page_size)
    engine = check_pdf_engine(args.pdf_engine)
    filters = _filters(args)
    limit = _check_limit(args.limit)
    max_results = _check_count(args.max_results, "--max-results", MAX_RESULTS_CAP)
    image = _check_image(args.image)
    thumbnails = out is not None and out[1].thumbnails
    with _open_client(args) as client:
        billed = client.usage.billed_calls
        df = search_designs(image, client=client, limit=limit, max_results=max_results,
                            label=args.label, thumbnails=thumbnails, **filters)
        df = _enriched(df, args, client)
        billed = client.usage.billed_calls - billed
        thumbs = bool(thumbnails and len(df))
        model = _report(df, out, title=args.title or f"Design search: {df.attrs.get('query')}", author=args.author)
    if out is None and len(df):
        print(format_table(df, ["rank", "score", "patent_pn", "authority", "title"]), flush=True)
    cached = ", from the cache" if df.attrs.get("from_cache") else ""
    _info(f"{_count(len(df), 'hit')} of {df.attrs.get('total')} matching designs for {df.attrs.get('query')} "
          f"(search id {df.attrs.get('search_id')}, {_count(billed, 'billed call')}{cached})")
    if out is None:
        return EXIT_OK
    _write(df, out, model, page_size, engine)
    _info(f"wrote {out[0]}" + (" (thumbnails embedded)" if thumbs else ""))
    return EXIT_OK


# --- batch --------------------------------------------------------------------------------------------

_LABEL_COLUMN = "__patsnap_cli_label__"
MAX_ERRORS_SHOWN = 5


def _read_catalogue(value: str):
    import pandas as pd

    path = Path(value).expanduser()
    if not path.is_file():
        raise UsageError(f"CSV {value}: no such file" if not path.exists() else f"CSV {value}: not a file")
    try:
        return path, pd.read_csv(path, dtype=str, skipinitialspace=True)
    except (ValueError, pd.errors.ParserError) as exc:  # EmptyDataError and decoding errors too
        raise UsageError(f"CSV {value}: not a readable CSV file ({_one_line(exc)})") from None


def _check_column(catalogue, column: str | None, flag: str, csv: Path) -> None:
    if column is not None and column not in catalogue.columns:
        raise UsageError(f"{flag} {column!r} is not a column of {csv}; columns: "
                         + ", ".join(repr(str(c)) for c in catalogue.columns))


def _resolve_image(value: Any, folder: Path) -> Any:
    """A path relative to the CSV's folder made absolute; URLs and empty cells unchanged."""
    if not isinstance(value, str) or not value.strip() or _is_url(value.strip()):
        return value
    path = Path(value.strip()).expanduser()
    return str(path if path.is_absolute() else folder / path)


def run_batch(args: argparse.Namespace) -> int:
    from ..jobs.batch import MAX_WORKERS, search_each

    out = _check_out(args.out)
    page_size = check_page_size(args.page_size)
    engine = check_pdf_engine(args.pdf_engine)
    filters = _filters(args)
    limit = _check_limit(args.limit)
    _check_count(args.workers, "--workers", MAX_WORKERS)
    _check_rate(args.rate_limit)
    csv, catalogue = _read_catalogue(args.csv)
    _check_column(catalogue, args.image_column, "--image-column", csv)
    _check_column(catalogue, args.label_column, "--label-column", csv)
    if not len(catalogue):
        raise UsageError(f"CSV {args.csv}: no rows")

    folder = csv.resolve().parent
    original = catalogue[args.image_column]
    catalogue = catalogue.copy()
    catalogue[_LABEL_COLUMN] = catalogue[args.label_column] if args.label_column else original.fillna("")
    catalogue[args.image_column] = [_resolve_image(v, folder) for v in original.tolist()]
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    thumbnails = out is not None and out[1].thumbnails
    with _open_client(args) as client:
        billed = client.usage.billed_calls
        df = search_each(catalogue, args.image_column, limit=limit, max_workers=args.workers,
                         rate_limit=args.rate_limit, progress=progress, client=client,
                         label_column=_LABEL_COLUMN, thumbnails=thumbnails, **filters)
        df = _enriched(df, args, client)
        billed = client.usage.billed_calls - billed
        thumbs = bool(thumbnails and (df["status"] == "ok").any())
        model = _report(df, out, title=args.title or f"Batch design search: {csv.name}", author=args.author)

    counts = df.attrs.get("batch", {})
    _info(f"batch: {_count(counts.get('rows', len(catalogue)), 'row')}, {counts.get('ok', 0)} ok, "
          f"{counts.get('no_hits', 0)} without hits, {_count(counts.get('error', 0), 'error')}; "
          f"{_count(counts.get('distinct_images', 0), 'distinct image')} searched, "
          f"{_count(billed, 'billed call')}")
    failed = df[df["status"] == "error"]
    if len(failed):
        _info(f"{PROG}: warning: {len(failed)} of {len(catalogue)} rows failed; they are in the output "
              "with status 'error' and the reason in 'error':")
        for index, query, error in list(zip(failed["query_index"], failed["query"], failed["error"], strict=True))[
                :MAX_ERRORS_SHOWN]:
            _info(f"  data row {index} ({query or 'no label'}): {_one_line(error)}")
        if len(failed) > MAX_ERRORS_SHOWN:
            _info(f"  ... and {len(failed) - MAX_ERRORS_SHOWN} more")
    if out is None:
        shown = df.assign(title=[e if s == "error" else t for s, t, e in
                                 zip(df["status"], df["title"], df["error"], strict=True)])
        print(format_table(shown, ["query", "status", "rank", "score", "patent_pn", "title"]), flush=True)
    else:
        _write(df, out, model, page_size, engine)
        _info(f"wrote {out[0]}" + (" (thumbnails embedded)" if thumbs else ""))
    return EXIT_FAILED if (args.strict and len(failed)) else EXIT_OK
