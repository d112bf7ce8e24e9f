"""``patsnap-pandas clearance``: the designs like a product in force (or pending) in the markets on a date.

Everything is checked before any call (``--markets``, ``--on``, ``--out``, ``--report``, the
images, the filters). The summary and the billed calls go to stderr, the kept hits to stdout as a
table (unless ``--out``), every hit to ``--out`` (:mod:`.job_files`: CSV, parquet or an Excel
workbook of the data), and the clearance report with thumbnails to ``--report`` (HTML, PDF, Excel).
"""

from __future__ import annotations

import argparse
from typing import Any

from ..frame.legal import check_on
from ..jobs.clearance import clearance
from ..jobs.legal import check_markets
from .common import EXIT_OK, _check_limit, _count, _info, check_page_size, check_pdf_engine, format_table
from .job_files import add_job_arguments, as_option, check_data_out, check_report, job_report, write_job_report, write_result
from .search import _add_client_arguments, _add_filter_arguments, _check_image, _filters, _open_client

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
        "clearance chair.png --markets US,EM,CN --on 2027-01-01 --report clearance.pdf")
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="image file or http(s) URL; several: views of one product")
    parser.add_argument("--markets", required=True, metavar="CODES",
                        help="authority codes, comma-separated (e.g. US,EM,CN; EU is read as EM)")
    parser.add_argument("--on", metavar="DATE", help="the date of the clearance, YYYY-MM-DD (default: today)")
    add_job_arguments(parser, limit="hits to search", shown="the kept hits",
                      report="the clearance report (in force, expiry and its rule, excluded and why, with thumbnails)",
                      title="Design clearance: <query>")
    _add_filter_arguments(parser)
    _add_client_arguments(parser)
    return parser


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
    markets = as_option(args.markets, check_markets, "--markets")
    on = as_option(args.on, check_on, "--on")
    out = check_data_out(args.out)
    report = check_report(args.report)
    page_size = check_page_size(args.page_size)
    engine = check_pdf_engine(args.pdf_engine)
    filters = _filters(args)
    limit = _check_limit(args.limit)
    images = [_check_image(value) for value in args.images]
    with _open_client(args) as client:
        billed = client.usage.billed_calls
        result = clearance(images[0] if len(images) == 1 else images, markets=markets, on=on, client=client,
                           limit=limit, label=args.label, thumbnails=report is not None, **filters)
        billed = client.usage.billed_calls - billed
        model = None if report is None else job_report(
            result, title=args.title or f"Design clearance: {result.hits.attrs.get('query')}", author=args.author)
    kept = result.kept
    if out is None and len(kept):
        shown = kept.assign(expiry_estimate=kept["expiry_estimate"].dt.strftime("%Y-%m-%d"))
        print(format_table(shown, TABLE_COLUMNS), flush=True)
    _info(f"{result.summary} ({_count(billed, 'billed call')}; legal look-ups: {result.provenance['estimate']})")
    _info(f"checked: the {len(result.hits)} most similar hits (--limit {args.limit}); a design ranked lower is not "
          "in this clearance: raise --limit to check more")
    _info("not a legal opinion: statuses are PatSnap's, expiry dates an estimate by the offices' term rules")
    if out is not None:
        write_result(result, out)
        _info(f"wrote {out}")
    if report is not None:
        write_job_report(model, report, page_size, engine)
        _info(f"wrote {report[0]} (the clearance report)")
    return EXIT_OK
