"""The `patsnap-pandas` command line: search, batch, demo, sandbox, cache.

Results go to stdout (a table) or to the --out file; everything else (what ran,
billed calls, warnings, errors) goes to stderr. Exit codes: 0 success, 1 the API
or the disk failed, 2 bad arguments or input, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import math
import os
import re
import signal
import sys
import textwrap
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from .. import codes, config
from .._extras import extra_for
from .._validate import check_int, check_rate
from .._version import __version__
from ..api.client import PatsnapClient
from ..api.filters import FILTER_NAMES, MAX_RESULTS_CAP, SearchFilters, check_limit
from ..errors import BatchInterrupted, CacheError, InvalidInputError, MissingCredentialsError, PatsnapError
from ..frame.csv_file import write_csv
from ..jobs.search import search_designs
from ..redaction import redact
from ..safe_text import terminal_safe
from ..store.budget import Budget, LocalUsageCounter, RedisUsageCounter, spending
from ..store.cache import cache_info as client_cache_info
from ..store.cache import clear_cache as client_clear_cache
from ..store.cache import clear_plan as client_clear_plan
from ..store.cache import repair_cache as client_repair_cache
from ..store.files import USAGE_FILE

PROG = "patsnap-pandas"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
TITLE_WIDTH = 60  # characters of a title shown in the stdout table


class UsageError(Exception):
    """Bad input found by the command line itself (exit code 2)."""


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
    parser.add_argument("--title", help="title of the report (.html, .pdf, .xlsx)")
    parser.add_argument("--author", help="author named on the report's cover")
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
}
REPORT_SUFFIXES = (".xlsx", ".html", ".pdf")


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
        raise UsageError(f"--out {value}: writing {fmt.suffix} files needs the [{extra}] extra ({module} is not "
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


def _write(df, out: tuple[Path, OutputFormat], model=None) -> None:
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
            report.write_pdf(model, path)
        else:
            report.write_html(model, path)


def _enriched(df, args: argparse.Namespace, client: PatsnapClient):
    """The hits with assignees, dates, classes (--enrich) and the legal status (--with-legal-status).

    (``--legal-status VALUE`` is the search filter of that name.)"""
    if not (args.enrich or args.with_legal_status):
        return df
    from ..jobs.enrich import enrich

    return enrich(df, legal_status=bool(args.with_legal_status), client=client)


# --- tables on stdout ---------------------------------------------------------------------------------

def _clip(text: str, width: int = TITLE_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"


def _cell(value: Any) -> str:
    import pandas as pd

    if value is None or (not pd.api.types.is_list_like(value) and pd.isna(value)):
        return ""
    if isinstance(value, float):  # a score: 3 decimals; inf or 1e308 (no similarity) short, not 309 digits
        return f"{value:.3f}" if math.isfinite(value) and abs(value) < 1e6 else f"{value:.3g}"
    if pd.api.types.is_list_like(value) and not isinstance(value, (str, bytes)):
        value = ", ".join(map(str, value))
    # Titles come from the API: an escape sequence or a bidi override must not reach the terminal.
    return terminal_safe(str(value))


def format_table(df, columns: list[str]) -> str:
    """A plain-text table of ``columns``; the last column is left-aligned and clipped."""
    rows = [columns] + [[_cell(v) for v in values] for values in zip(*(df[c].tolist() for c in columns), strict=True)]
    rows = [row[:-1] + [_clip(row[-1])] for row in rows]
    numeric = {c for c in columns if c in ("rank", "score")}
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns) - 1)]
    lines = []
    for row in rows:
        cells = [cell.rjust(w) if col in numeric else cell.ljust(w)
                 for cell, w, col in zip(row, widths, columns, strict=False)]  # no width for the last column
        lines.append("  ".join(cells + [row[-1]]).rstrip())
    return "\n".join(lines)


# --- messages -----------------------------------------------------------------------------------------

def _info(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


@contextlib.contextmanager
def _warnings_as_lines() -> Iterator[None]:
    """Library warnings (fewer hits than asked, thumbnails that failed...) as `warning: ...` lines."""
    def show(message, category, filename, lineno, file=None, line=None):
        print(f"{PROG}: warning: {redact(_one_line(message))}", file=sys.stderr, flush=True)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


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


def _check_sandbox_corpus(value: str | None, flag: str = "--sandbox-corpus") -> str | None:
    if value in (None, "generated"):
        return None
    folder = Path(value).expanduser()
    if not (folder / "manifest.csv").is_file():
        shown = f"{flag}{value}" if flag.endswith("=") else f"{flag} {value}"
        raise UsageError(f"{shown}: no manifest.csv in that folder "
                         "(expected a folder of drawings with a manifest.csv, or 'generated')")
    return str(folder)


@contextlib.contextmanager
def _open_client(args: argparse.Namespace) -> Iterator[PatsnapClient]:
    """A client from the PATSNAP_* environment, or an embedded sandbox with --sandbox."""
    cache = not args.no_cache
    if args.sandbox:
        corpus = _check_sandbox_corpus(args.sandbox_corpus)  # default: $PATSNAP_SANDBOX_CORPUS
        started = time.perf_counter()
        client = PatsnapClient.sandbox(corpus=corpus, cache=cache)
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


def _check_limit(value: int) -> int:
    """--limit checked by the library's own rule, reported as a usage error."""
    try:
        return check_limit(value, name="--limit")
    except InvalidInputError as exc:
        raise UsageError(str(exc)) from None


def _check_count(value: int | None, flag: str, high: int) -> int | None:
    """A count flag checked by the library's own rule, reported as a usage error."""
    try:
        return None if value is None else check_int(value, flag, 1, high)
    except InvalidInputError as exc:
        raise UsageError(str(exc)) from None


def _check_rate(value: float | None) -> float | None:
    """--rate-limit checked by the library's own rule, reported as a usage error."""
    try:
        return check_rate(value, "--rate-limit")
    except InvalidInputError as exc:
        raise UsageError(str(exc)) from None


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
    _write(df, out, model)
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
        _write(df, out, model)
        _info(f"wrote {out[0]}" + (" (thumbnails embedded)" if thumbs else ""))
    return EXIT_FAILED if (args.strict and len(failed)) else EXIT_OK


# --- cache --------------------------------------------------------------------------------------------

def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"  # pragma: no cover


def _spending(folder: str) -> dict[str, Any]:
    """Billed calls of today and this month counted in the folder, and the budget of ``$PATSNAP_BUDGET``."""
    try:
        return LocalUsageCounter(folder).report(Budget.parse(None))
    except CacheError as exc:
        return {"problem": str(exc)}


def _shared_backend() -> Any:
    """The team's Redis of $PATSNAP_CACHE_URL, or None (CacheUnavailableError when it cannot be reached)."""
    url = config.resolve("cache_url")
    if url is None:
        return None
    from ..store.redis_backend import RedisBackend

    return RedisBackend(url)


def run_cache_info(args: argparse.Namespace) -> int:
    state = client_cache_info()
    state["usage"] = _spending(state["cache_dir"])
    shared = _shared_backend()
    if shared is not None:
        with contextlib.closing(shared):
            state["shared"] = shared.info()
            counter = RedisUsageCounter(shared.connection, shared.namespace, guard=shared.guard,
                                        location=shared.shown_url, record=state["cache_dir"])
            state["usage"] = spending(counter, Budget.parse(None))  # counts the Redis lost: said, not shown as 0
    if args.json:
        print(json.dumps(state, indent=2))
        return EXIT_OK
    source = config.env_name("cache_dir") if os.environ.get(config.env_name("cache_dir"), "").strip() \
        else "platform default"
    http, uploads, thumbs = state["http_cache"], state["uploads"], state["thumbnails"]
    print(f"cache folder  {state['cache_dir']} ({source})"
          + ("" if state["exists"] else ": does not exist yet, nothing cached"))
    if http.get("problem"):
        print(f"HTTP cache    unreadable: {http['problem']}")
    else:
        print(f"HTTP cache    {_count(http['responses'], 'response')}, {_size(http['bytes'])} ({http['file']})")
    if uploads.get("problem"):
        print(f"uploads       unreadable: {uploads['problem']}")
    else:
        print(f"uploads       {_count(uploads['remembered'], 'remembered upload URL')} ({uploads['file']})")
    print(f"thumbnails    {_count(thumbs['files'], 'file')}, {_size(thumbs['bytes'])} ({thumbs['directory']})")
    if "shared" in state:
        team = state["shared"]
        print(f"shared cache  {team['url']} ({config.env_name('cache_url')}): "
              f"{_count(team['http_responses'], 'response')}, {_count(team['uploads'], 'remembered upload URL')}, "
              f"{_count(team['thumbnails'], 'thumbnail')} ({_size(team['thumbnail_bytes'])} of "
              f"{_size(team['thumbnail_max_bytes'])})")
    usage, env = state["usage"], config.env_name("budget")
    if usage.get("problem"):
        print(f"billed calls  unreadable: {usage['problem']}")
        return EXIT_OK
    print(f"billed calls  {usage['spent_today']} today, {usage['spent_this_month']} this month (UTC; by everyone "
          f"sharing this {'Redis' if 'shared' in state else 'folder'})")
    budget = usage["budget"]
    if budget is None:
        print(f"budget        none set ({env}=500/day or 10000/month sets one)")
    else:
        ends = budget["resets_at"][:16].replace("T", " ")
        print(f"budget        {usage['budget_left']}: {_count(budget['limit'], 'billed call')} per "
              f"{budget['window']}, resets at {ends} UTC ({env})")
    return EXIT_OK


def _plan_lines(plan: dict[str, Any], team: dict[str, Any] | None) -> list[str]:
    """One line per part `cache clear` would delete: what, how much, where."""
    lines = []
    for part in plan["parts"]:
        if part["problem"]:
            what = f"damaged, deleted as it is: {part['problem']}"
        else:
            what = _count(part["count"], part["unit"]) + (f", {_size(part['bytes'])}" if part["bytes"] else "")
        lines.append(f"{part['part']:<14} {what} ({part['path']})")
    if team is not None and (team["http_responses"] or team["uploads"] or team["thumbnails"]):
        lines.append(f"{'shared cache':<14} {team['url']}: {_count(team['http_responses'], 'paid answer')}, "
                     f"{_count(team['uploads'], 'remembered upload')}, {_count(team['thumbnails'], 'thumbnail')} "
                     "for everyone sharing it")
    return lines


def _confirmed(question: str) -> bool:
    """The user's yes to ``question`` on a terminal; UsageError when there is no terminal to ask on."""
    if not (sys.stdin and sys.stdin.isatty()):
        raise UsageError("nothing was deleted: `cache clear` asks before deleting, and there is no terminal "
                         "to ask on; add --yes to delete without asking.")
    try:
        answer = input(question)
    except EOFError:
        answer = ""
    return answer.strip().lower() in ("y", "yes")


def run_cache_clear(args: argparse.Namespace) -> int:
    plan = client_clear_plan()
    if plan["refused"] is not None:
        raise CacheError(**plan["refused"])
    folder = plan["cache_dir"]
    shared = _shared_backend()
    with contextlib.closing(shared) if shared is not None else contextlib.nullcontext():
        team = shared.info() if shared is not None else None
        lines = _plan_lines(plan, team)
        if not lines:
            print(f"nothing to clear in {folder}" + (f" or {team['url']}" if team else ""))
            return EXIT_OK
        print("`cache clear` deletes:")
        for line in lines:
            print("  " + line)
        print("It keeps the counts of billed calls (usage.sqlite). The next search of each image is billed again.")
        if not args.yes and not _confirmed("Delete them? [y/N] "):
            print("nothing was deleted")
            return EXIT_FAILED
        before = client_cache_info(folder)
        client_clear_cache(folder)
        if shared is not None and team is not None:
            shared.clear()
            print(f"cleared {team['url']}: {_count(team['http_responses'], 'cached response')}, "
                  f"{_count(team['uploads'], 'remembered upload')}, {_count(team['thumbnails'], 'thumbnail')} "
                  "(the usage counters and the budget stay)")
    damaged = [name for name, part in (("HTTP cache", before["http_cache"]), ("uploads", before["uploads"]))
               if part.get("problem")]
    print(f"cleared {folder}: {_count(before['http_cache']['responses'] or 0, 'cached response')}, "
          f"{_count(before['uploads']['remembered'] or 0, 'remembered upload')}, "
          f"{_count(before['thumbnails']['files'], 'thumbnail')} ({_size(before['thumbnails']['bytes'])})"
          + (f"; removed the damaged {' and '.join(damaged)} file" + ("s" if len(damaged) > 1 else "")
             if damaged else ""))
    return EXIT_OK


def run_cache_restore_spending(args: argparse.Namespace) -> int:
    from ..store.budget import restore_spending

    after = restore_spending(spent_today=args.spent_today, spent_this_month=args.spent_this_month)
    print(f"restored the count of billed calls in {config.env_name('cache_url')}: {after['spent_today']} today, "
          f"{after['spent_this_month']} this month (UTC); billed calls go on from there")
    return EXIT_OK


def run_cache_repair(args: argparse.Namespace) -> int:
    folder = config.cache_dir()
    repaired = client_repair_cache(folder)
    if not repaired:
        print(f"nothing to repair in {folder}: every cache file is readable")
        return EXIT_OK
    for item in repaired:
        print(f"set aside {item['file']} (it {item['problem']}) as {Path(item['kept_as']).name}")
    if any(Path(item["file"]).name == USAGE_FILE for item in repaired):
        print("the counts of billed calls of today and this month start again from 0")
    print("every readable cached answer is kept; `cache clear` deletes the damaged copies")
    return EXIT_OK


# --- demo and sandbox -----------------------------------------------------------------------------------

def _add_sandbox_arguments(parser: argparse.ArgumentParser) -> None:
    """Corpus and fault flags shared by `sandbox` and `demo` (names = start_sandbox options)."""
    corpus = parser.add_argument_group("corpus")
    corpus.add_argument("--sandbox-corpus", "--corpus", dest="corpus", metavar="DIR",
                        help="a folder of drawings with a manifest.csv, or 'generated' "
                             f"(default: ${config.env_name('sandbox_corpus')}, else the generated corpus)")
    corpus.add_argument("--corpus-size", type=int, default=600, metavar="N", help="designs in the generated corpus (default 600)")
    corpus.add_argument("--corpus-seed", type=int, default=0, metavar="N", help="seed of the generated corpus (default 0)")
    faults = parser.add_argument_group("faults (seeded, reproducible)")
    faults.add_argument("--seed", type=int, default=0, help="seed of the fault generators (default 0)")
    faults.add_argument("--latency", type=float, default=0.0, metavar="S", help="seconds added to every API call")
    faults.add_argument("--latency-jitter", type=float, default=0.0, metavar="S", help="plus uniform 0..S seconds")
    faults.add_argument("--failure-rate", type=float, default=0.0, metavar="P", help="share of billable calls failing with HTTP 500/502/503, 68300008 or a dropped connection")
    faults.add_argument("--drop-rate", type=float, default=None, metavar="P", help="separate share of dropped connections (then --failure-rate excludes drops)")
    faults.add_argument("--quota", type=int, default=None, metavar="N", help="billable calls served before every further one gets --quota-code")
    faults.add_argument("--quota-code", type=int, default=67200002, metavar="CODE", help="67200002 (default) or 67200007, 67200001, 67200004, 67200005")
    faults.add_argument("--token-lifetime", type=float, default=1800, metavar="S", help="token lifetime (default 1800)")
    faults.add_argument("--image-url-lifetime", type=float, default=32400, metavar="S", help="upload and hit image URL lifetime (default 32400)")
    faults.add_argument("--search-id-lifetime", type=float, default=1200, metavar="S", help="search id lifetime (default 1200)")


def _sandbox_options(args: argparse.Namespace) -> dict:
    names = ("corpus_size", "corpus_seed", "seed", "latency", "latency_jitter", "failure_rate", "drop_rate",
             "quota", "quota_code", "token_lifetime", "image_url_lifetime", "search_id_lifetime")
    return {name: getattr(args, name) for name in names}


def run_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo as demo

    limit = _check_limit(args.limit)
    return demo(sys.stdout, corpus=_corpus_setting(args), limit=limit, **_sandbox_options(args))


def _corpus_setting(args: argparse.Namespace) -> str:
    """--sandbox-corpus, else $PATSNAP_SANDBOX_CORPUS: a checked folder, or "generated"."""
    if args.corpus is not None:
        return _check_sandbox_corpus(args.corpus) or "generated"
    folder = config.sandbox_corpus()
    if folder is None:
        return "generated"
    return _check_sandbox_corpus(str(folder), config.env_name("sandbox_corpus") + "=") or "generated"


def run_sandbox(args: argparse.Namespace) -> int:
    from ..sandbox import start_sandbox

    corpus = _corpus_setting(args)
    sandbox = start_sandbox(
        None if corpus == "generated" else corpus,
        host=args.host,
        port=args.port,
        client_id=args.client_id,
        client_secret=args.client_secret,
        api_key=args.api_key,
        hit_extras=not args.no_extras,
        log_requests=args.log_requests,
        wait=False,  # answer token requests at once; business calls wait for the corpus
        **_sandbox_options(args),
    )
    creds = sandbox.credentials
    # The sandbox's own throwaway credentials: printing them is the point (they are not secrets).
    print(f"PatSnap sandbox (local test server, throwaway credentials) on {sandbox.base_url}", flush=True)
    print(f"  client id      {creds.client_id}")
    print(f"  client secret  {creds.client_secret}")
    print(f"  API key        {creds.api_key}")
    print(f"  export PATSNAP_BASE_URL={sandbox.base_url} PATSNAP_API_KEY={creds.api_key}", flush=True)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"  warning: listening on {args.host}: other machines can reach this test server", flush=True)

    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    try:
        started = time.monotonic()
        print("  loading corpus ...", flush=True)
        try:
            sandbox.wait_ready()
        except (RuntimeError, TimeoutError) as exc:
            print(f"{PROG} sandbox: error: {_one_line(exc)}", file=sys.stderr, flush=True)
            return EXIT_FAILED
        corpus = sandbox.corpus
        print(f"  ready: {corpus.name}, {len(corpus.designs)} designs ({time.monotonic() - started:.1f} s). Ctrl-C stops.", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return EXIT_OK


# --- the parser ------------------------------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: `patsnap-pandas search: error: ... (see --help)`, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {_one_line(message)} (see {self.prog} --help)\n")


def _command(commands, name: str, func: Callable, help: str, description: str) -> argparse.ArgumentParser:
    # Prose paragraphs wrapped, "example:" blocks kept as written.
    description = "\n\n".join(part if part.startswith("example") else textwrap.fill(part, 78)
                              for part in description.split("\n\n"))
    parser = commands.add_parser(name, help=help, description=description,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(func=func)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the traceback of unexpected errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    out_help = ("write the results to this file: " + ", ".join(OUTPUT_FORMATS)
                + " (.xlsx, .html and .pdf are reports with thumbnails; they need the [reports] "
                "extra, .pdf also [pdf], .parquet pyarrow); default: a table on stdout")

    search = _command(
        commands, "search", run_search, "search the registered designs that look like an image",
        "Search registered designs similar to IMAGE (a local image file in any format Pillow reads, "
        "or an http(s) URL).\n\nexample:\n  patsnap-pandas search chair.png --country CN,US --limit 20 "
        "--out hits.xlsx\n  patsnap-pandas search drawing.tif --loc 02-04 --sandbox")
    search.add_argument("image", metavar="IMAGE", help="image file or http(s) URL")
    search.add_argument("--limit", type=int, default=codes.LIMIT_DEFAULT, metavar="N",
                        help=f"hits to return, {codes.LIMIT_MIN}..{codes.LIMIT_MAX} (default {codes.LIMIT_DEFAULT})")
    search.add_argument("--max-results", type=int, metavar="N",
                        help=f"hits to return, 1..{MAX_RESULTS_CAP}, paged by {codes.LIMIT_MAX} (overrides --limit)")
    search.add_argument("--label", help="name of the query in the results (default: the file name)")
    search.add_argument("--out", metavar="FILE", help=out_help)
    _add_report_arguments(search)
    _add_filter_arguments(search)
    _add_client_arguments(search)

    batch = _command(
        commands, "batch", run_batch, "search every image listed in a CSV file",
        "Search the image of every row of CSV (column --image-column: file paths, relative to the "
        "CSV's folder, or http(s) URLs). Identical images are searched once. A row that fails (missing "
        "file, API error) is kept with status 'error' and its reason; the command still exits 0 "
        "(use --strict to exit 1).\n\nexample:\n  patsnap-pandas batch catalogue.csv --image-column "
        "photo --label-column sku --limit 5 --out hits.xlsx")
    batch.add_argument("csv", metavar="CSV", help="CSV file with a header row")
    batch.add_argument("--image-column", required=True, metavar="COL", help="column with the image paths or URLs")
    batch.add_argument("--label-column", metavar="COL", help="column naming each row in 'query' (default: the image cell)")
    batch.add_argument("--limit", type=int, default=codes.LIMIT_DEFAULT, metavar="N",
                       help=f"hits per image, {codes.LIMIT_MIN}..{codes.LIMIT_MAX} (default {codes.LIMIT_DEFAULT})")
    batch.add_argument("--workers", type=int, default=4, metavar="N", help="searches at the same time (default 4)")
    batch.add_argument("--rate-limit", type=float, metavar="PER_S", help="at most this many network calls per second")
    batch.add_argument("--out", metavar="FILE", help=out_help)
    _add_report_arguments(batch)
    batch.add_argument("--strict", action="store_true", help="exit 1 when any row failed")
    batch.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                       help="progress bar on stderr (default: when stderr is a terminal)")
    _add_filter_arguments(batch)
    _add_client_arguments(batch)

    demo = _command(
        commands, "demo", run_demo, "search a sample drawing in the offline sandbox, twice",
        "Start the offline sandbox, search a scan-like copy of a sample drawing, print the top hits, "
        "then repeat the search to show the cache answers it with zero billed calls. The sandbox serves "
        "--sandbox-corpus DIR (or $PATSNAP_SANDBOX_CORPUS), else the generated corpus.")
    demo.add_argument("--limit", type=int, default=codes.LIMIT_DEFAULT, metavar="N",
                      help=f"hits to show (default {codes.LIMIT_DEFAULT})")
    _add_sandbox_arguments(demo)

    sandbox = _command(
        commands, "sandbox", run_sandbox, "run the offline PatSnap sandbox server in the foreground",
        "Run the offline PatSnap-compatible sandbox server until Ctrl-C. "
        "It prints its base URL and its own throwaway credentials.")
    sandbox.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    sandbox.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    sandbox.add_argument("--client-id", help="fixed client id (default: random)")
    sandbox.add_argument("--client-secret", help="fixed client secret (default: random)")
    sandbox.add_argument("--api-key", help="fixed sk- API key (default: random)")
    sandbox.add_argument("--no-extras", action="store_true", help="hits carry only the five documented fields (no loc/apdt)")
    sandbox.add_argument("--log-requests", action="store_true", help="print one line per request")
    _add_sandbox_arguments(sandbox)

    cache = _command(
        commands, "cache", run_cache_info,
        "show, clear or repair the local cache (HTTP answers, uploads, thumbnails)",
        "The cache folder is $PATSNAP_CACHE_DIR, else the platform's user cache folder; with "
        "$PATSNAP_CACHE_URL set, the team's shared Redis too.")
    actions = cache.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser, required=True)
    info = _command(actions, "info", run_cache_info, "where the cache is and what it holds",
                    "Show the cache folder, the cached HTTP answers, remembered uploads and thumbnails.")
    info.add_argument("--json", action="store_true", help="print JSON")
    clear = _command(actions, "clear", run_cache_clear, "delete every cached answer, upload URL and thumbnail",
                     "Show what it would delete (cached HTTP answers, remembered upload URLs, thumbnails, lock "
                     "files), ask, then delete them: the next search of each image is billed again. The counts of "
                     "billed calls stay. It refuses, deleting nothing, when that would not help: a damaged "
                     "usage.sqlite (run `cache repair`), or a folder that cannot be written.")
    clear.add_argument("--yes", "-y", action="store_true", help="delete without asking (needed without a terminal)")
    _command(actions, "repair", run_cache_repair, "set damaged cache files aside, keeping every readable answer",
             "Check http_cache.sqlite, uploads.sqlite and usage.sqlite in full and rename only a damaged one "
             "to <name>.damaged; every readable cached answer is kept. A damaged usage.sqlite loses its counts "
             "(today's and this month's start again from 0).")
    restore = _command(
        actions, "restore-spending", run_cache_restore_spending,
        "write the count of billed calls back into a shared cache that lost it",
        "After SpendingLostError (the team's Redis was flushed or restarted empty): raise today's and this "
        "month's count of billed calls in $PATSNAP_CACHE_URL to what this machine last saw (kept in "
        "$PATSNAP_CACHE_DIR), or to the counts given, so the budget holds; counts are never lowered.")
    restore.add_argument("--spent-today", type=int, metavar="N", help="billed calls spent today (UTC), if you know better")
    restore.add_argument("--spent-this-month", type=int, metavar="N", help="billed calls spent this month (UTC)")
    return parser


# --- entry point --------------------------------------------------------------------------------------------

INTERRUPTED_MESSAGE = ("interrupted; no new billed call was made after it. Searches that finished are "
                       "cached: run the same command again to continue from the cache at no cost.")


def _error(args: argparse.Namespace | None, message: str) -> None:
    command = getattr(args, "command", None)
    prefix = f"{PROG} {command}" if command else PROG
    # redact(): an unexpected exception's text may quote a request; registered secrets never show
    print(f"{prefix}: error: {redact(_one_line(message))}", file=sys.stderr, flush=True)


def _safe_streams() -> None:
    """Titles in any script must not crash a terminal with a narrow encoding."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, io.UnsupportedOperation):
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]  # a TextIOWrapper; others raise AttributeError


def main(argv: list[str] | None = None) -> int:
    """Run the ``patsnap-pandas`` command line; the console script exits with the returned code.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 done; 1 the API refused or failed a call, or a file could not be written;
        2 bad arguments or input (one line on stderr says which); 130 interrupted.

    Examples
    --------
    >>> from patsnap_pandas import samples
    >>> main(["search", str(samples.image("armchair")), "--sandbox", "--limit", "5", "--out", "hits.csv"])
    0
    >>> import pandas as pd
    >>> pd.read_csv("hits.csv")["rank"].tolist()
    [1, 2, 3, 4, 5]
    >>> main(["search", str(samples.image("armchair")), "--limit", "0"])  # stderr: ... --limit=0 is not valid ...
    2
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    _safe_streams()
    try:
        with _warnings_as_lines():
            return args.func(args)
    except KeyboardInterrupt as exc:
        _error(args, str(exc) if isinstance(exc, BatchInterrupted) else INTERRUPTED_MESSAGE)
        return EXIT_INTERRUPTED
    except UsageError as exc:
        _error(args, str(exc))
        return EXIT_USAGE
    except CacheError as exc:  # a damaged or locked cache file: the message names it and the fix
        _error(args, f"{type(exc).__name__}: {exc}")
        return EXIT_FAILED
    except PatsnapError as exc:  # the API refused or failed; messages never hold secrets
        _error(args, f"{type(exc).__name__}: {exc}")
        return EXIT_FAILED
    except ValueError as exc:  # InvalidInputError and other bad values found by the library
        _error(args, str(exc))
        return EXIT_USAGE
    except OSError as exc:  # writing --out, reading a cache file
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        _error(args, f"{where}{exc.strerror or exc}")
        return EXIT_FAILED
    except Exception as exc:
        if args.debug:
            raise
        _error(args, f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)")
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
