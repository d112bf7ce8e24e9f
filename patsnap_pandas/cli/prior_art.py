"""``patsnap-pandas prior-art``: designs and utility models published before a date, as evidence.

Everything is checked before any call (the images, ``--before`` / ``--registered``, ``--limit``,
the filters, ``--out``, ``--report``, ``--accused``); then :func:`patsnap_pandas.jobs.prior_art.prior_art`
runs. The summary and the billed calls go to stderr, the evidence table to stdout (unless
``--out``), every hit to ``--out`` (data: CSV, parquet, Excel) and the prior-art report to
``--report`` (HTML, PDF, Excel), with the three-way comparison when ``--accused`` is given.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .._validate import check_date
from ..errors import InvalidInputError
from ..jobs.prior_art import check_registered, prior_art
from ..jobs.result import JobResult
from .common import EXIT_OK, UsageError, _check_limit, _count, _info, check_page_size, check_pdf_engine, format_table
from .job_files import add_job_arguments, as_option, check_accused, check_data_out, check_report, job_report, write_job_report, write_result
from .search import _add_client_arguments, _add_filter_arguments, _check_image, _filters, _is_url, _open_client

#: The columns of the table on stdout (the title last: it is clipped).
TABLE_COLUMNS = ["rank", "score", "patent_pn", "kind", "authority", "publication_date", "owner", "record_url", "title"]

DESCRIPTION = (
    "Search the registered designs, and the utility models, that look like IMAGE (several files: views of "
    "one product) and were published before --before, whatever their legal status. Only what was published "
    "strictly before the date is kept (checked on each record's publication date, not left to the search's "
    "date filter); the rest is counted with its reason. With --registered NUMBER the registered design is "
    "looked up first (P069, one billed call): its filing date is the cutoff unless --before is given, and it "
    "is never its own prior art. Absence is no proof: deferred and unpublished applications are not in any "
    "search. Not a legal opinion."
    "\n\nexample:\n  patsnap-pandas prior-art chair.png --before 2019-06-01 --report prior-art.html\n"
    "  patsnap-pandas prior-art chair.png --registered USD907292S --accused their-chair.jpg --report three-way.pdf\n"
    "  patsnap-pandas prior-art front.png side.png --before 2019-06-01 --no-utility-models --out prior-art.csv")


def add_prior_art_command(commands: Any, command: Callable[..., argparse.ArgumentParser]) -> None:
    """Register ``prior-art`` with ``command`` (cli.main's ``_command``) in the ``commands`` subparsers."""
    parser = command(commands, "prior-art", run_prior_art,
                     "designs and utility models published before a date (evidence table)", DESCRIPTION)
    parser.add_argument("images", nargs="+", metavar="IMAGE",
                        help="image file(s) or http(s) URL(s): views of one product (with --registered: its drawing)")
    parser.add_argument("--before", metavar="DATE",
                        help="the cutoff, YYYY-MM-DD: keep only what was published before it "
                             "(required unless --registered: then its filing date)")
    parser.add_argument("--registered", metavar="NUMBER",
                        help="the publication number of the registered design at issue (looked up through P069)")
    parser.add_argument("--accused", metavar="IMAGE",
                        help="the accused product's image: the report shows the three-way comparison")
    parser.add_argument("--no-utility-models", dest="utility_models", action="store_false",
                        help="search registered designs only (default: utility models too, one more billed search)")
    add_job_arguments(parser, limit="hits of each search", shown="the evidence",
                      report="the prior-art report (evidence, utility models marked, excluded and why, the "
                             "three-way comparison with --accused)",
                      title="Prior art before DATE: <query>; with --registered, Prior art against NUMBER "
                            "(published before DATE)")
    _add_filter_arguments(parser)
    _add_client_arguments(parser)


def _check_before(value: str | None, registered: str | None) -> str | None:
    if value is None:
        if registered is None:
            raise UsageError("--before: give the cutoff (YYYY-MM-DD), or --registered NUMBER (its filing date)")
        return None
    try:
        return check_date(value, "--before").isoformat()
    except InvalidInputError as exc:
        raise UsageError(str(exc)) from None


def _check_registered(value: str | None) -> str | None:
    return as_option(value, check_registered, "--registered")


def _comparison(result: JobResult, accused: Path, first_image: str) -> Any:
    """The three-way comparison of the report: the registered design (its record, the first IMAGE's picture),
    the accused product, the closest evidence."""
    from ..report import comparison

    registered: Any = result.provenance.get("registered")
    picture = None if _is_url(first_image) else Path(first_image).read_bytes()
    if registered is None:  # no number: the first IMAGE is the registered design, a picture only
        return comparison(picture or b"", accused, result.evidence, registered_label=Path(first_image).name)
    return comparison(registered, accused, result.hits, registered_image=picture,
                      before=result.provenance["before"])


def run_prior_art(args: argparse.Namespace) -> int:
    registered = _check_registered(args.registered)
    before = _check_before(args.before, registered)
    out = check_data_out(args.out)
    report = check_report(args.report)
    page_size = check_page_size(args.page_size)
    engine = check_pdf_engine(args.pdf_engine)
    accused = check_accused(args.accused, report)
    filters = _filters(args)
    limit = _check_limit(args.limit)
    images = [_check_image(value) for value in args.images]
    query = images[0] if len(images) == 1 else images
    with _open_client(args) as client:
        billed = client.usage.billed_calls
        try:
            result = prior_art(query, before=before, registered=registered, utility_models=args.utility_models,
                               client=client, limit=limit, label=args.label, thumbnails=report is not None,
                               **filters)
        except InvalidInputError as exc:  # a number P069 does not know: said before the image search is paid
            if registered is None or "registered=" not in str(exc):
                raise
            raise UsageError(str(exc).replace("registered=", "--registered=", 1)) from None
        billed = client.usage.billed_calls - billed
        evidence = result.evidence
        model = None if report is None else job_report(
            result, title=args.title or _title(result), author=args.author,
            comparisons=None if accused is None else _comparison(result, accused, images[0]))
    if out is None and len(evidence):
        table = evidence.assign(publication_date=evidence["publication_date"].dt.date)
        print(format_table(table, TABLE_COLUMNS), flush=True)
    _info(f"{result.summary} ({_count(billed, 'billed call')})")
    if out is not None:
        write_result(result, out)
        _info(f"wrote {out} ({_count(len(result.hits), 'row')}: {len(evidence):,} kept as evidence)")
    if report is not None:
        write_job_report(model, report, page_size, engine)
        _info(f"wrote {report[0]} (the prior-art report" + (", with the three-way comparison)" if accused else ")"))
    return EXIT_OK


def _title(result: JobResult) -> str:
    """The report's default title: the registered design it is about, when given, else the query."""
    before, registered = result.provenance["before"], result.provenance.get("registered")
    if registered and registered.get("pn"):
        return f"Prior art against {registered['pn']} (published before {before})"
    return f"Prior art before {before}: {result.evidence.attrs.get('query')}"
