"""``patsnap-pandas watch``: watch lists for schedulers (add, list, show, run, collect, report, mark, remove).

Watches live in the store: the cache folder (``$PATSNAP_CACHE_DIR``), or the team's Redis with
``$PATSNAP_CACHE_URL``. ``watch run`` is what a crontab line or a systemd timer calls; its exit
code says what happened:

* 0: the run went well and found nothing new;
* 3 (:data:`EXIT_NEW_HITS`): it found new designs (the digest, if asked for, lists them);
* 1: the API or the disk failed; 2: bad arguments, an unknown watch, or images that are gone;
  130: interrupted. A failed run resumes at the next one without paying twice for what finished.
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import codes
from ..errors import InvalidInputError
from ..jobs.legal import check_markets
from ..jobs.watch import Watch
from .common import EXIT_OK, UsageError, _check_limit, _count, _info, format_table
from .job_files import as_option, check_report, write_job_report
from .search import _add_client_arguments, _add_filter_arguments, _filters, _open_client, _read_catalogue, _resolve_image

#: The exit code of ``watch run`` when the run found new designs.
EXIT_NEW_HITS = 3
#: The columns of a run's new hits on stdout.
TABLE_COLUMNS = ["query", "rank", "score", "patent_pn", "first_seen", "relevance", "title"]


def add_watch_command(commands: Any, command: Any) -> argparse.ArgumentParser:
    """Add ``watch`` and its actions to the sub-commands (``command``: main's helper that makes a sub-parser)."""
    parser = command(
        commands, "watch", _run_list, "watch lists: report new designs like your products, run after run",
        "A watch names products (images), filters and markets. Each `watch run` searches them anew (one billed "
        "run a day; a second run the same day, here or on a teammate's machine sharing the cache, bills "
        "nothing) and reports each new design once. Exit codes of `watch run`: 0 nothing new, "
        f"{EXIT_NEW_HITS} new designs found, 1 the API or the disk failed, 2 bad arguments or images gone."
        "\n\nexample:\n  patsnap-pandas watch add \"our chairs\" --product C-100=c100.png "
        "--product C-200=front.png,side.png --markets CN,US\n  patsnap-pandas watch run \"our chairs\" "
        "--digest digest-{day}.html")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = command(actions, "add", _run_add, "keep a new watch (or replace one of the same name)",
                  "Products: IMAGE files (each a product named by its file name), --product NAME=IMAGE[,IMAGE...] "
                  "(1-4 views of one product), or --catalogue CSV (one product a row).")
    add.add_argument("name", metavar="NAME", help="the watch's name")
    add.add_argument("images", nargs="*", metavar="IMAGE", help="image file or http(s) URL: one product each")
    add.add_argument("--product", action="append", default=[], metavar="NAME=IMAGE[,IMAGE]",
                     help="a product and its 1-4 views (repeat for more products)")
    add.add_argument("--catalogue", metavar="CSV", help="a CSV of products, one a row (paths relative to the CSV)")
    add.add_argument("--image-column", metavar="COL", help="with --catalogue: the column of image paths or URLs")
    add.add_argument("--label-column", metavar="COL", help="with --catalogue: the column naming each product")
    add.add_argument("--limit", type=int, default=codes.LIMIT_DEFAULT, metavar="N",
                     help=f"hits per product, {codes.LIMIT_MIN}..{codes.LIMIT_MAX} (default {codes.LIMIT_DEFAULT})")
    add.add_argument("--markets", metavar="CODES", help="offices to watch, comma-separated (e.g. CN,US,EM)")
    add.add_argument("--report-every-time", action="store_true",
                     help="a design is new again whenever it was not in the previous run (default: once, ever)")
    _add_filter_arguments(add)
    command(actions, "list", _run_list, "the watches kept, with their last run", "The watches kept in the store.")
    show = command(actions, "show", _run_show, "a watch: products, filters and its run history",
                   "A watch's products, filters and every run (when, billed calls, hits, new).")
    show.add_argument("name", metavar="NAME")
    remove = command(actions, "remove", _run_remove, "forget a watch, what it reported and its marks",
                     "Forget the watch, what it has reported, counsel's marks and its history.")
    remove.add_argument("name", metavar="NAME")
    run = command(actions, "run", _run_run, "search a watch's products and report the new designs (or --overnight)",
                  f"Exit code 0: nothing new; {EXIT_NEW_HITS}: new designs; 1 or 2: an error (stderr says which).")
    run.add_argument("name", metavar="NAME")
    run.add_argument("--as-of", metavar="DATE", help="the run's date, YYYY-MM-DD (default: today, UTC)")
    _add_digest_arguments(run, "--digest", "the digest of the new designs: a report file as --report takes (.html, .pdf, .xlsx, .docx); {day} in the "
                          "name becomes the run's date; written only when there is something new, unless --always")
    run.add_argument("--always", action="store_true", help="write the digest even when nothing is new (it says so)")
    run.add_argument("--overnight", action="store_true",
                     help="submit the products as overnight (P062) jobs instead; `watch collect` (or the next run) "
                          "fetches them after 08:00 service time (UTC+8)")
    _add_client_arguments(run)
    collect = command(actions, "collect", _run_run, "fetch a watch's overnight results (after 08:00 service time)",
                      f"The run of an overnight submission: exit 0 nothing new, {EXIT_NEW_HITS} new designs; before "
                      "08:00 service time (UTC+8) it says when the results are ready (exit 1, nothing billed).")
    collect.add_argument("name", metavar="NAME")
    collect.add_argument("--as-of", metavar="DATE", help="the run's date, YYYY-MM-DD (default: today, UTC)")
    _add_digest_arguments(collect, "--digest", "the digest of the new designs, as for `watch run`")
    collect.add_argument("--always", action="store_true", help="write the digest even when nothing is new")
    _add_client_arguments(collect)
    report = command(actions, "report", _run_report, "the report of a watch's last run (no call)",
                     "Write the report of the last run again: its new designs, or with --all every hit.")
    report.add_argument("name", metavar="NAME")
    _add_digest_arguments(report, "--out", "the report file: .html, .pdf, .xlsx or .docx ({day}: the run's date)")
    report.add_argument("--all", action="store_true", help="every hit of the run, not only the new designs")
    mark = command(actions, "mark", _run_mark, "keep counsel's marks from a marked digest workbook",
                   "Read the relevance marks and notes of FILE (the digest .xlsx counsel marked, a CSV or "
                   "parquet with patent_pn, relevance, note): later runs carry them.")
    mark.add_argument("name", metavar="NAME")
    mark.add_argument("file", metavar="FILE")
    return parser


def _add_digest_arguments(parser: argparse.ArgumentParser, flag: str, help: str) -> None:
    parser.add_argument(flag, dest="digest", metavar="FILE", required=flag == "--out", help=help)
    parser.add_argument("--title", help="title of the report (default: the watch and how many new designs)")
    parser.add_argument("--author", help="author named on the report's cover")


@contextlib.contextmanager
def _store() -> Iterator[Any]:
    """The store watches are kept in (the cache folder, or $PATSNAP_CACHE_URL): no credentials needed."""
    from ..store.base import open_store

    store = open_store()
    try:
        yield store
    finally:
        store.close()


def _views(text: str, folder: Path | None = None) -> list[str]:
    return [str(_resolve_image(v.strip(), folder or Path("."))) for v in text.split(",") if v.strip()]


def _products(args: argparse.Namespace) -> Any:
    products: dict[str, Any] = {}
    for image in args.images:
        products[Path(image).stem] = image
    for given in args.product:
        name, sep, views = given.partition("=")
        if not sep or not name.strip() or not views.strip():
            raise UsageError(f"--product {given!r}: expected NAME=IMAGE or NAME=IMAGE,IMAGE (up to 4 views)")
        products[name.strip()] = _views(views)
    if args.catalogue is not None:
        if args.image_column is None:
            raise UsageError("--catalogue needs --image-column (the column of image paths or URLs)")
        csv, catalogue = _read_catalogue(args.catalogue)
        labels = catalogue[args.label_column] if args.label_column else catalogue[args.image_column]
        for label, cell in zip(labels, catalogue[args.image_column], strict=True):
            products[str(label)] = _views(str(cell), csv.parent)
    if not products:
        raise UsageError("no products: give IMAGE files, --product NAME=IMAGE or --catalogue CSV")
    return products


def _load(name: str, store: Any) -> Watch:
    """The kept watch ``name``; an unknown name is a usage error naming the kept ones and how to add one."""
    kept = Watch.names(client=store)
    if name not in kept:
        known = f"the watches kept are {', '.join(map(repr, kept))}" if kept else "no watch is kept there yet"
        raise UsageError(f"no watch named {name!r} in {store.location}: {known} "
                         "(add one: patsnap-pandas watch add NAME IMAGE)")
    return Watch.load(name, client=store)


def _run_add(args: argparse.Namespace) -> int:
    try:
        markets = check_markets(args.markets, required=False, name="--markets")
    except InvalidInputError as exc:
        raise UsageError(str(exc)) from None
    watch = Watch(args.name, _products(args), limit=_check_limit(args.limit), markets=markets,
                  report_once=not args.report_every_time, **_filters(args))
    with _store() as store:
        replaced = args.name in Watch.names(client=store)
        watch.save(client=store)
        _info(f"watch {watch.name!r} {'replaced' if replaced else 'kept'} in {store.location}: "
              f"{_count(len(watch.products), 'product')}")
    return EXIT_OK


def _run_list(args: argparse.Namespace) -> int:
    with _store() as store:
        names = Watch.names(client=store)
        if not names:
            _info(f"no watches kept in {store.location} (add one: patsnap-pandas watch add NAME IMAGE)")
            return EXIT_OK
        for name in names:
            watch = Watch.load(name, client=store)
            history = watch.history(client=store)
            last = ("never run" if history.empty else
                    f"last run {history['day'].iloc[-1]}: {history['new'].iloc[-1]} new, {history['outcome'].iloc[-1]}")
            print(f"{name}\t{_count(len(watch.products), 'product')}\t{last}")
    return EXIT_OK


def _run_show(args: argparse.Namespace) -> int:
    with _store() as store:
        watch = _load(args.name, store)
        print(watch.describe())
        history = watch.history(client=store)
        if history.empty:
            print("runs: none yet")
            return EXIT_OK
        history["started"] = history["started"].str[:19].str.replace("T", " ") + " UTC"
        print(format_table(history, ["day", "started", "billed_calls", "hits", "new", "outcome"]))
    return EXIT_OK


def _run_remove(args: argparse.Namespace) -> int:
    with _store() as store:
        _load(args.name, store)
        Watch.remove(args.name, client=store)
        _info(f"watch {args.name!r} removed, with what it reported, its marks and its history")
    return EXIT_OK


def _digest_out(args: argparse.Namespace, day: str) -> Any:
    if args.digest is None:
        return None
    flag = "--out" if args.action == "report" else "--digest"
    try:
        return check_report(args.digest.replace("{day}", day))
    except UsageError as exc:
        raise UsageError(str(exc).replace("--report ", f"{flag} ", 1)) from None


def _write_digest(hits: Any, out: Any, args: argparse.Namespace, *, everything: bool = False) -> None:
    from ..report.watch import digest_report

    write_job_report(digest_report(hits, everything=everything, title=args.title, author=args.author), out)
    _info(f"wrote {out[0]}")


def _run_run(args: argparse.Namespace) -> int:
    from .._validate import check_date
    from ..jobs.watch import today_utc

    day = (as_option(args.as_of, lambda v: check_date(v, "as-of"), "--as-of") if args.as_of else today_utc()).isoformat()
    out = _digest_out(args, day)  # checked before any call
    with _store() as store:
        watch = _load(args.name, store)
    watch.check_images()  # before the client (and any call)
    with _open_client(args, keep_cache=True) as client:
        if args.action == "collect":
            hits = watch.collect(client=client, as_of=day)
        else:
            hits = watch.run(client=client, as_of=day, overnight=args.overnight)
        if "watch_overnight" in hits.attrs:  # submitted: nothing to report until collected
            sub = hits.attrs["watch_overnight"]
            _info(f"watch {watch.name!r}: {sub['state']} overnight as {sub['submission']!r} "
                  f"({_count(hits.attrs['billed_calls'], 'billed call')}); collect after 08:00 service time (UTC+8): "
                  f"patsnap-pandas watch collect {shlex.quote(watch.name)}")
            return EXIT_OK
        new = int(hits["new"].sum())
        _info(f"watch {watch.name!r} run of {day}: {_count(len(hits), 'hit')}, {new} new; "
              f"{_count(hits.attrs['billed_calls'], 'billed call')}")
        if new:
            print(format_table(hits[hits["new"]], [c for c in TABLE_COLUMNS if c in hits.columns]))
        if out is not None and (new or args.always):
            _write_digest(hits, out, args)
    return EXIT_NEW_HITS if new else EXIT_OK


def _run_report(args: argparse.Namespace) -> int:
    with _store() as store:
        watch = _load(args.name, store)
        hits = watch.last_hits(client=store)
        out = _digest_out(args, str(hits.attrs["watch_day"]))
        _write_digest(hits, out, args, everything=args.all)
    return EXIT_OK


def _run_mark(args: argparse.Namespace) -> int:
    from ..frame.triage import read_triage

    with _store() as store:
        watch = _load(args.name, store)
        marked = watch.mark(read_triage(args.file), client=store)
        _info(f"watch {watch.name!r}: {_count(marked, 'design')} marked; later runs carry the marks")
    return EXIT_OK

