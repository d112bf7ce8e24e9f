"""Benchmark: does searching with several views of one product find it more often?

Held-out protocol on a folder of real design drawings (``--corpus DIR``, the
format of ``../shared/real-designs``): for every patent with at least
``1 + QUERY_VIEWS + 1`` images, its drawing sheets 2, 3 and 4 are the query views
and are removed from the corpus the sandbox serves; the patent's other images
(the front page, sheet 1, sheets 5 and up) stay in it. The front page repeats
FIG. 1, so sheet 1 is never a query. A query is a hit when the patent is among
the first 10 results; MRR@10 is the mean of ``1 / rank`` (0 beyond 10).

Each configuration runs over HTTP against the sandbox, through ``search_designs``:

* 1 view (P060): each of the three query views on its own (a user holding one
  photo holds any one of them), averaged;
* 2 views (P061), in one call: each of the three pairs, in sheet order, averaged;
* 3 views (P061), in one call;
* 3 views searched one by one (P060) and fused on the client (best score, and
  reciprocal-rank fusion).

Both design models are measured (1 smart recommendation, 2 plain). Target: 2 or
more views beat 1 view by at least 0.05 hit@10 (model 1, the default).

Run: ``.venv/bin/python bench/multiview_bench.py --corpus ../shared/real-designs``;
``run()`` returns the figures as dicts for bench/run_all.py.
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import sys
import tempfile
import time
import warnings
from pathlib import Path

QUERY_SHEETS = ("drawing_sheet_2", "drawing_sheet_3", "drawing_sheet_4")
TOP = 10
TARGET_GAIN = 0.05
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "real-designs"
#: name -> (number of views, search_designs options)
CONFIGS: dict[str, tuple[int, dict]] = {
    "1 view (P060)": (1, {"endpoint": "P060"}),
    "2 views (P061)": (2, {}),
    "3 views (P061)": (3, {}),
    "3 views (P060 + fusion, best)": (3, {"endpoint": "P060", "fusion": "best"}),
    "3 views (P060 + fusion, rrf)": (3, {"endpoint": "P060", "fusion": "rrf"}),
}


def held_out(corpus: Path, folder: Path) -> dict[str, list[Path]]:
    """Write a manifest without the query views into ``folder``; return patent number -> query view files.

    The images stay where they are (the manifest names them by absolute path).
    """
    text = (corpus / "manifest.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row.get("group_id") or row["patent_number"], []).append(row)
    queries: dict[str, list[Path]] = {}
    kept = []
    for gid, members in groups.items():
        views = {r["view"]: r for r in members}
        eligible = all(v in views for v in QUERY_SHEETS) and len(members) >= len(QUERY_SHEETS) + 2
        for row in members:
            if eligible and row["view"] in QUERY_SHEETS:
                continue
            kept.append({**row, "file": str((corpus / row["file"]).resolve())})
        if eligible:
            queries[gid] = [corpus / views[v]["file"] for v in QUERY_SHEETS]
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "manifest.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    return queries


def _rank_of(df, pn: str) -> int | None:
    found = df.index[df["patent_pn"] == pn].tolist()
    return int(df.loc[found[0], "rank"]) if found else None


def run(corpus: str | Path = DEFAULT_CORPUS, models: tuple[int, ...] = (1, 2), out=None) -> list[dict]:
    """Measure every configuration; return figures (hit@10 and MRR@10 per configuration and model)."""
    from patsnap_pandas import PatsnapClient, search_designs
    from patsnap_pandas.sandbox.folder_corpus import format_pn

    def say(text: str) -> None:
        if out is not None:
            print(text, file=out, flush=True)

    corpus = Path(corpus).expanduser().resolve()
    if not (corpus / "manifest.csv").is_file():
        raise SystemExit(f"--corpus {corpus}: no manifest.csv there (expected the format of ../shared/real-designs)")
    figures = []
    with tempfile.TemporaryDirectory(prefix="multiview-bench-") as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        queries = held_out(corpus, Path(tmp) / "corpus")
        started = time.perf_counter()
        with PatsnapClient.sandbox(corpus=Path(tmp) / "corpus", cache_dir=Path(tmp) / "cache") as client:
            client.sandbox_server.wait_ready()
            say(f"multiview_bench: {len(queries)} patents, query views {', '.join(QUERY_SHEETS)} held out of "
                f"{corpus} (sandbox ready in {time.perf_counter() - started:.1f} s)")
            for model in models:
                base = base_mrr = None
                for name, (n_views, options) in CONFIGS.items():
                    hits, rr, t0 = 0, 0.0, time.perf_counter()
                    n = 0
                    for gid, files in queries.items():
                        pn = format_pn(gid)[0]
                        for combo in itertools.combinations([str(p) for p in files], n_views):
                            image = combo[0] if n_views == 1 else list(combo)
                            df = search_designs(image, client=client, limit=TOP, model=model,
                                                thumbnails=False, **options)
                            rank = _rank_of(df, pn)
                            n += 1
                            if rank is not None and rank <= TOP:
                                hits += 1
                                rr += 1 / rank
                    hit, mrr = hits / n, rr / n
                    if base is None:
                        base, base_mrr = hit, mrr
                    gain = hit - base
                    ok = True if n_views == 1 else gain >= TARGET_GAIN
                    say(f"  model {model}, {name:32s} hit@{TOP} {hit:.3f}  MRR@{TOP} {mrr:.3f}  "
                        f"(gain over 1 view {gain:+.3f}; {time.perf_counter() - t0:.1f} s)")
                    target = "-" if n_views == 1 else f">= 1 view + {TARGET_GAIN}"
                    one = n_views == 1
                    figures.append({"name": f"model {model}, {name}: hit@{TOP}", "unit": "", "min": hit,
                                    "median": hit, "max": hit, "runs": n, "target": target, "ok": ok,
                                    "ratio": None if one or not base else hit / base,
                                    "baseline": None if one else f"1 view ({base:.3f})"})
                    figures.append({"name": f"model {model}, {name}: MRR@{TOP}", "unit": "", "min": mrr,
                                    "median": mrr, "max": mrr, "runs": n, "target": "-", "ok": True,
                                    "ratio": None if one or not base_mrr else mrr / base_mrr,
                                    "baseline": None if one else f"1 view ({base_mrr:.3f})"})
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="folder of real drawings with manifest.csv")
    parser.add_argument("--models", default="1,2", help="design models to measure, e.g. 1,2")
    args = parser.parse_args(argv)
    figures = run(args.corpus, tuple(int(m) for m in args.models.split(",")), out=sys.stdout)
    missed = [f["name"] for f in figures if not f["ok"]]
    print("targets missed: " + ("; ".join(missed) if missed else "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
