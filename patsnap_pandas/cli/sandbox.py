"""``patsnap-pandas sandbox`` and ``demo``: the offline sandbox server, and the demo run against it.

The corpus and fault flags both commands share (named as :func:`patsnap_pandas.sandbox.start_sandbox`
options), and the corpus setting: ``--sandbox-corpus``, else ``$PATSNAP_SANDBOX_CORPUS``, else the
generated corpus. The demo itself is :mod:`patsnap_pandas.cli.demo`.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from .. import config
from .common import EXIT_FAILED, EXIT_OK, PROG, UsageError, _check_limit, _one_line


def _check_sandbox_corpus(value: str | None, flag: str = "--sandbox-corpus") -> str | None:
    if value in (None, "generated"):
        return None
    folder = Path(value).expanduser()
    if not (folder / "manifest.csv").is_file():
        shown = f"{flag}{value}" if flag.endswith("=") else f"{flag} {value}"
        raise UsageError(f"{shown}: no manifest.csv in that folder "
                         "(expected a folder of drawings with a manifest.csv, or 'generated')")
    return str(folder)


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
    clock = parser.add_argument_group("clock (service time, UTC+8)")
    clock.add_argument("--now", default=None, metavar="TIME", help="set the sandbox's clock, e.g. '2026-12-07 15:00' "
                       "(service time; it runs on from there; default: the real time)")
    clock.add_argument("--batch-runs-at", default="window", metavar="WHEN", help="when overnight (P062) jobs run: "
                       "'window' (22:00, results after 08:00; the default), 'immediately' or a time 'HH:MM'")


def _sandbox_options(args: argparse.Namespace) -> dict:
    names = ("corpus_size", "corpus_seed", "seed", "latency", "latency_jitter", "failure_rate", "drop_rate",
             "quota", "quota_code", "token_lifetime", "image_url_lifetime", "search_id_lifetime", "now",
             "batch_runs_at")
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
