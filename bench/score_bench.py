"""Held-out benchmark of the sandbox's scores: does a match stand out from the noise?

For each patent (design) with at least two images, one drawing sheet is held out
of the corpus and used as the query; the patent's other images stay in. The
query is what a user would upload: the sheet as the server hands it out (at most
1,024 px). Every design is scored against it as the sandbox scores a search (best
image per design, held-out image excluded), and the figures are:

* hit@10: share of queries whose true patent is among the 10 best designs (in a
  generated corpus: a design of its family, the near variants drawn from the same
  parameters, which match a held-out view as well as the patent itself does);
* MRR@10: mean of 1 / rank of the true patent (0 beyond rank 10);
* the true patent's median score, the best non-matching design's median score,
  the 10th hit's median score;
* the median gap: per query, the true patent's score minus the best
  non-matching design's score, then the median over queries;
* an identical image's score: each held-out sheet sent again with its own image
  left in the corpus (min and median).

Which sheet is held out: the first drawing sheet (``image_keys[1]``; the front
page ``image_keys[0]`` repeats FIG. 1 and stays in the corpus). ``--sheet N``
picks another one (the last sheet when a patent has fewer).

Run: ``.venv/bin/python bench/score_bench.py --corpus DIR`` (a folder in the
``real-designs`` format, e.g. ``--corpus ../shared/real-designs``) or
``--corpus generated`` (the 600-design generated corpus). ``run(out=...)`` is
what ``bench/run_all.py --only scores`` calls: both corpora, the real one only
when ``../shared/real-designs`` is there.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from patsnap_pandas.sandbox import features  # noqa: E402
from patsnap_pandas.sandbox.corpus import load_corpus  # noqa: E402
from patsnap_pandas.sandbox.index import ImageIndex  # noqa: E402

REAL_DESIGNS = ROOT.parent / "shared" / "real-designs"  # the bench may name it; the package never does
TOP = 10
SHEET = 3  # the third drawing sheet (the last one when a patent has fewer)


def _held_out_keys(design, sheet: int | str) -> list[str]:
    if sheet == "all":  # every drawing sheet in turn (the front page stays in)
        return list(design.image_keys[1:])
    return [design.image_keys[min(int(sheet), len(design.image_keys) - 1)]]


def held_out(corpus_arg: str | Path | None, sheet: int | str = SHEET, cache_dir: str | Path | None = None) -> dict:
    """The figures of the held-out protocol on one corpus (None or "generated": the generated corpus)."""
    corpus = load_corpus(None if corpus_arg in (None, "generated") else Path(corpus_arg), cache_dir=cache_dir)
    index = ImageIndex(corpus, cache_dir=cache_dir)
    row_of = {key: r for r, key in enumerate(index.keys)}
    designs = corpus.designs
    owner = np.array([i for i, d in enumerate(designs) for _ in d.image_keys])
    # what counts as the true match: the patent itself; in a generated corpus its family (near
    # variants drawn from the same parameters, which match a held-out view as well as the patent does)
    if corpus.families:
        family = np.array([corpus.families[d.patent_id] for d in designs])
        relevant = [family == family[i] for i in range(len(designs))]
    else:
        relevant = [np.arange(len(designs)) == i for i in range(len(designs))]
    order_pn = np.argsort(np.argsort([d.patent_pn for d in designs]))  # ties: patent number, as the sandbox
    ranks, true_scores, best_other, tenth, gaps, identical = [], [], [], [], [], []
    started = time.perf_counter()
    for i, design in enumerate(designs):
        if len(design.image_keys) < 2:
            continue
        for key in _held_out_keys(design, sheet):
            query = corpus.reduced_image(key)
            sims = index.image_similarities(query)
            identical.append(float(sims[row_of[key]]))
            sims = sims.copy()
            sims[row_of[key]] = -1.0  # held out of the corpus
            per_design = np.full(len(designs), -1.0)
            np.maximum.at(per_design, owner, sims)
            ranking = np.lexsort((order_pn, -per_design))  # as the server ranks: exact score, then number
            per_design = np.round(per_design, 4)  # as it reports them (SCORE_DECIMALS)
            truth = relevant[i]
            rank = int(np.flatnonzero(truth[ranking])[0]) + 1
            others = per_design[~truth]
            ranks.append(rank)
            true_scores.append(float(per_design[truth].max()))
            best_other.append(float(others.max()))
            tenth.append(float(per_design[ranking[TOP - 1]]) if len(designs) >= TOP else float("nan"))
            gaps.append(true_scores[-1] - best_other[-1])
    took = time.perf_counter() - started
    hits = [r <= TOP for r in ranks]
    return {
        "corpus": corpus.name if not corpus.name.startswith("dir:") else f"dir:{Path(corpus.name[4:]).name}",
        "designs": len(designs),
        "images": len(index.keys),
        "queries": len(ranks),
        "hit_at_10": sum(hits) / len(ranks),
        "mrr_at_10": sum(1.0 / r for r in ranks if r <= TOP) / len(ranks),
        "true_median": statistics.median(true_scores),
        "best_other_median": statistics.median(best_other),
        "tenth_median": statistics.median(tenth),
        "gap_median": statistics.median(gaps),
        "gap_of_medians": statistics.median(true_scores) - statistics.median(best_other),
        "identical_min": min(identical),
        "identical_median": statistics.median(identical),
        "seconds": took,
    }


def report(r: dict) -> str:
    return (f"{r['corpus']}: {r['designs']} designs, {r['images']} images, {r['queries']} held-out queries\n"
            f"  hit@10 {r['hit_at_10']:.3f}   MRR@10 {r['mrr_at_10']:.3f}\n"
            f"  median score: true patent {r['true_median']:.3f}, best non-matching {r['best_other_median']:.3f}, "
            f"10th hit {r['tenth_median']:.3f}\n"
            f"  median gap (true - best non-matching, per query) {r['gap_median']:.3f}; "
            f"gap of the medians {r['gap_of_medians']:.3f}\n"
            f"  identical image: min {r['identical_min']:.3f}, median {r['identical_median']:.3f}\n"
            f"  score mapping: {features.SCORE_MAPPING}")


def _figure(name: str, value: float, unit: str = "", target: str = "-", ok: bool = True) -> dict:
    return {"name": name, "unit": unit, "min": value, "median": value, "max": value, "runs": 1,
            "target": target, "ok": ok, "ratio": None}


def figures_of(r: dict, real: bool) -> list[dict]:
    """Rows for docs/benchmarks.md; the targets apply to the real drawings."""
    label = f"{r['corpus']} ({r['queries']} queries)"
    return [
        _figure(f"hit@10, {label}", r["hit_at_10"], "", ">= 0.86" if real else "-", r["hit_at_10"] >= 0.86),
        _figure(f"MRR@10, {label}", r["mrr_at_10"]),
        _figure(f"median score of the true patent, {label}", r["true_median"]),
        _figure(f"median score of the best non-matching design, {label}", r["best_other_median"]),
        _figure(f"median gap true - best non-matching, {label}", r["gap_median"], "",
                ">= 0.15" if real else "-", r["gap_median"] >= 0.15),
        _figure(f"identical image score (min), {label}", r["identical_min"], "", ">= 0.95",
                r["identical_min"] >= 0.95),
    ]


def run(out=sys.stdout) -> list[dict]:
    """Both corpora (the real one when ../shared/real-designs is there), in a temp sandbox cache."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="patsnap-score-bench-") as tmp:
        if (REAL_DESIGNS / "manifest.csv").is_file():
            r = held_out(REAL_DESIGNS, cache_dir=tmp)
            print(report(r), file=out, flush=True)
            rows += figures_of(r, real=True)
        r = held_out("generated", cache_dir=tmp)
        print(report(r), file=out, flush=True)
        rows += figures_of(r, real=False)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="generated",
                    help="a folder with a manifest.csv (real-designs format), or 'generated' (default)")
    ap.add_argument("--sheet", default=str(SHEET), help=f"which image of each patent to hold out (default {SHEET}: "
                    "the third drawing sheet, or the last when fewer; 0 is the front page), or 'all': "
                    "every drawing sheet in turn")
    args = ap.parse_args(argv)
    if args.corpus != "generated" and not (Path(args.corpus) / "manifest.csv").is_file():
        ap.error(f"--corpus {args.corpus!r}: no manifest.csv in that folder (or use 'generated')")
    sheet = args.sheet if args.sheet == "all" else int(args.sheet)
    print(report(held_out(args.corpus, sheet=sheet)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
