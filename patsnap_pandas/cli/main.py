"""The `patsnap-pandas` command line: search, batch, clearance, prior-art, watch, demo, sandbox, cache.

Results go to stdout (a table) or to the --out file; everything else (what ran,
billed calls, warnings, errors) goes to stderr. Exit codes: 0 success, 1 the API
or the disk failed, 2 bad arguments or input, 130 interrupted (Ctrl-C); `watch run`
also 3: new designs found.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import textwrap
from collections.abc import Callable
from typing import NoReturn

from .. import codes
from .._version import __version__
from ..api.filters import MAX_RESULTS_CAP
from ..errors import BatchInterrupted, CacheError, PatsnapError
from ..redaction import redact
from .cache import run_cache_clear, run_cache_info, run_cache_repair, run_cache_restore_spending
from .clearance import add_clearance_command
from .common import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, PROG, UsageError, _one_line, _warnings_as_lines
from .prior_art import add_prior_art_command
from .sandbox import _add_sandbox_arguments, run_demo, run_sandbox
from .search import OUTPUT_FORMATS, _add_client_arguments, _add_filter_arguments, _add_report_arguments, run_batch, run_search
from .watch import add_watch_command

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
                + " (.xlsx, .html, .pdf and .docx are reports with thumbnails; they need the [reports] "
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

    add_clearance_command(commands, _command)
    add_prior_art_command(commands, _command)
    add_watch_command(commands, _command)

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
