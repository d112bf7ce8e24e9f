"""``patsnap-pandas clearance``: the designs like a product in force (or pending) in the markets on a date.

Everything is checked before any call (``--markets``, ``--on``, ``--out``, the images, the
filters). The summary and the billed calls go to stderr, the kept hits to stdout as a table, or
every hit to ``--out``: a CSV (one row per hit, ``kept`` and ``excluded_reason`` columns) or an
Excel workbook (sheets Kept, Excluded and About). The clearance report with thumbnails
(``--report``) belongs to the reports' work and is not offered here yet.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .. import codes
from ..errors import InvalidInputError
from ..frame.csv_file import write_csv
from ..frame.legal import check_on
from ..jobs.clearance import clearance
from ..jobs.legal import check_markets
from ..jobs.result import JobResult
from .common import EXIT_OK, UsageError, _check_limit, _count, _info, format_table
from .search import (
    _add_client_arguments,
    _add_filter_arguments,
    _check_image,
    _check_out,
    _filters,
    _flat_lists,
    _open_client,
)

#: The --out file types of a clearance.
CLEARANCE_SUFFIXES = (".csv", ".xlsx")
#: The columns of the kept table on stdout.
TABLE_COLUMNS = ["rank", "score", "patent_pn", "authority", "in_force", "expiry_estimate", "title"]


def add_clearance_command(commands: Any, command: Any) -> argparse.ArgumentParser:
    """Add ``clearance`` to the sub-commands (``command``: main's helper that makes a sub-parser)."""
    parser = command(
        commands, "clearance", run_clearance, "the designs like a product in force in the markets on a date",
        "Search the registered designs like IMAGE (several IMAGEs: views of one product), look up the "
        "bibliography and legal status of the hits in the markets (cached), and keep those in force, pending "
        "or of unknown status in --markets on --on; the others are excluded with their reason. Not a legal "
        "opinion: the statuses are PatSnap's, the expiry dates an estimate.\n\nexample:\n  patsnap-pandas "
        "clearance chair.png --markets US,EM,CN --on 2027-01-01 --out clearance.xlsx")
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="image file or http(s) URL; several: views of one product")
    parser.add_argument("--markets", required=True, metavar="CODES",
                        help="authority codes, comma-separated (e.g. US,EM,CN; EU is read as EM)")
    parser.add_argument("--on", metavar="DATE", help="the date of the clearance, YYYY-MM-DD (default: today)")
    parser.add_argument("--limit", type=int, default=codes.LIMIT_DEFAULT, metavar="N",
                        help=f"hits to search, {codes.LIMIT_MIN}..{codes.LIMIT_MAX} (default {codes.LIMIT_DEFAULT})")
    parser.add_argument("--label", help="name of the query in the results (default: the file name)")
    parser.add_argument("--out", metavar="FILE",
                        help="write every hit to this file: .csv (with kept and excluded_reason) or .xlsx "
                             "(sheets Kept, Excluded, About); default: the kept hits as a table on stdout")
    _add_filter_arguments(parser)
    _add_client_arguments(parser)
    return parser


def _checked(value: Any, check: Any, flag: str) -> Any:
    try:
        return check(value)
    except InvalidInputError as exc:
        raise UsageError(str(exc).replace(f"{flag[2:]}=", f"{flag}=", 1)) from None


def _check_clearance_out(value: str | None) -> Path | None:
    out = _check_out(value)
    if out is None:
        return None
    if out[1].suffix not in CLEARANCE_SUFFIXES:
        raise UsageError(f"--out {value}: a clearance writes {' or '.join(CLEARANCE_SUFFIXES)} files")
    return out[0]


def write_result(result: JobResult, path: Path) -> None:
    """Every hit of ``result`` to ``path``: a CSV (``kept``, ``excluded_reason``) or a workbook (Kept, Excluded, About)."""
    if path.suffix.lower() == ".csv":
        write_csv(_flat_lists(result.hits), path)
        return
    import pandas as pd

    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    about = pd.DataFrame({"": ["summary", *result.provenance],
                          "value": [result.summary, *map(str, result.provenance.values())]})
    with pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": options}) as book:
        _flat_lists(result.kept).to_excel(book, sheet_name="Kept", index=False)
        _flat_lists(result.excluded).to_excel(book, sheet_name="Excluded", index=False)
        about.to_excel(book, sheet_name="About", index=False)


def run_clearance(args: argparse.Namespace) -> int:
    """Run ``patsnap-pandas clearance`` with the parsed ``args``: check every option, then search and look up.

    Examples
    --------
    >>> from patsnap_pandas import samples
    >>> from patsnap_pandas.cli.main import build_parser
    >>> args = build_parser().parse_args(["clearance", str(samples.image("armchair")), "--markets", "US,Atlantis"])
    >>> run_clearance(args)
    Traceback (most recent call last):
    ...
    patsnap_pandas.cli.common.UsageError: --markets='US,Atlantis' is not valid: 'Atlantis' is not an authority code. ...
    """
    markets = _checked(args.markets, check_markets, "--markets")
    on = _checked(args.on, check_on, "--on")
    out = _check_clearance_out(args.out)
    filters = _filters(args)
    limit = _check_limit(args.limit)
    images = [_check_image(value) for value in args.images]
    with _open_client(args) as client:
        billed = client.usage.billed_calls
        result = clearance(images[0] if len(images) == 1 else images, markets=markets, on=on, client=client,
                           limit=limit, label=args.label, thumbnails=False, **filters)
        billed = client.usage.billed_calls - billed
    kept = result.kept
    if out is None and len(kept):
        shown = kept.assign(expiry_estimate=kept["expiry_estimate"].dt.strftime("%Y-%m-%d"))
        print(format_table(shown, TABLE_COLUMNS), flush=True)
    _info(f"{result.summary} ({_count(billed, 'billed call')}; legal look-ups: {result.provenance['estimate']})")
    _info("not a legal opinion: statuses are PatSnap's, expiry dates an estimate by the offices' term rules")
    if out is not None:
        write_result(result, out)
        _info(f"wrote {out}")
    return EXIT_OK
