"""``patsnap-pandas prior-art``: designs and utility models published before a date, as evidence.

Everything is checked before any call (the images, ``--before``, ``--limit``, the filters,
``--out``); then :func:`patsnap_pandas.jobs.prior_art.prior_art` runs. The summary and the
billed calls go to stderr, the evidence table to stdout (or the evidence to the ``--out`` file).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from .. import codes
from .._validate import check_date
from ..errors import InvalidInputError
from ..jobs.prior_art import prior_art
from .common import EXIT_OK, UsageError, _check_limit, _count, _info, format_table
from .search import _add_client_arguments, _add_filter_arguments, _check_image, _check_out, _filters, _open_client, _report, _write

#: The columns of the table on stdout (the title last: it is clipped).
TABLE_COLUMNS = ["rank", "score", "patent_pn", "kind", "authority", "publication_date", "owner", "record_url", "title"]

DESCRIPTION = (
    "Search the registered designs, and the utility models, that look like IMAGE (several files: views of "
    "one product) and were published before --before, whatever their legal status. Only what was published "
    "strictly before the date is kept (checked on each record's publication date, not left to the search's "
    "date filter); the rest is counted with its reason. Absence is no proof: deferred and unpublished "
    "applications are not in any search. Not a legal opinion."
    "\n\nexample:\n  patsnap-pandas prior-art chair.png --before 2019-06-01 --out prior-art.xlsx\n"
    "  patsnap-pandas prior-art front.png side.png --before 2019-06-01 --no-utility-models --sandbox")


def add_prior_art_command(commands, command: Callable[..., argparse.ArgumentParser], out_help: str) -> None:
    """Register ``prior-art`` with ``command`` (cli.main's ``_command``) in the ``commands`` subparsers."""
    parser = command(commands, "prior-art", run_prior_art,
                     "designs and utility models published before a date (evidence table)", DESCRIPTION)
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="image file(s) or http(s) URL(s): views of one product")
    parser.add_argument("--before", required=True, metavar="DATE",
                        help="the cutoff, YYYY-MM-DD: keep only what was published before it")
    parser.add_argument("--no-utility-models", dest="utility_models", action="store_false",
                        help="search registered designs only (default: utility models too, one more billed search)")
    parser.add_argument("--limit", type=int, default=codes.LIMIT_DEFAULT, metavar="N",
                        help=f"hits of each search, {codes.LIMIT_MIN}..{codes.LIMIT_MAX} (default {codes.LIMIT_DEFAULT})")
    parser.add_argument("--label", help="name of the query in the results (default: the file name)")
    parser.add_argument("--out", metavar="FILE", help=out_help)
    parser.add_argument("--title", help="title of the report (.html, .pdf, .xlsx)")
    parser.add_argument("--author", help="author named on the report's cover")
    _add_filter_arguments(parser)
    _add_client_arguments(parser)


def _check_before(value: str) -> str:
    try:
        return check_date(value, "--before").isoformat()
    except InvalidInputError as exc:
        raise UsageError(str(exc)) from None


def run_prior_art(args: argparse.Namespace) -> int:
    out = _check_out(args.out)
    before = _check_before(args.before)
    filters = _filters(args)
    limit = _check_limit(args.limit)
    images = [_check_image(value) for value in args.images]
    query = images[0] if len(images) == 1 else images
    thumbnails = out is not None and out[1].thumbnails
    with _open_client(args) as client:
        billed = client.usage.billed_calls
        result = prior_art(query, before=before, utility_models=args.utility_models, client=client, limit=limit,
                           label=args.label, thumbnails=thumbnails, **filters)
        billed = client.usage.billed_calls - billed
        evidence = result.evidence
        model = _report(evidence, out, title=args.title or f"Prior art before {before}: {evidence.attrs.get('query')}",
                        author=args.author)
    if out is None and len(evidence):
        table = evidence.assign(publication_date=evidence["publication_date"].dt.date)
        print(format_table(table, TABLE_COLUMNS), flush=True)
    _info(f"{result.summary} ({_count(billed, 'billed call')})")
    if out is None:
        return EXIT_OK
    _write(evidence, out, model)
    _info(f"wrote {out[0]} ({_count(len(evidence), 'row')} of evidence)")
    return EXIT_OK
