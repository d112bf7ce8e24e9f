"""Benchmark of the sandbox corpus and similarity engine.

Builds generated corpora of 600 (the default), 1,000 and 10,000 designs in a
temporary cache dir and prints, per size: corpus build time (metadata +
fingerprint), indexing throughput (images/s), total first-use build time, and
the median / 90th-percentile latency of ``ImageIndex.match`` for recompressed
uploads (a corpus drawing, halved and saved as JPEG). Then the 10k/1k ratios
(latency should grow no worse than linearly: ratio <= 10).

Run: ``.venv/bin/python bench/sandbox_bench.py [--sizes 600,1000,10000] [--queries 40]``
(about 1.5 minutes on a 2-core machine); ``run()`` returns the figures as dicts.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image

from patsnap_pandas.sandbox import features
from patsnap_pandas.sandbox.corpus import generated_corpus
from patsnap_pandas.sandbox.index import ImageIndex


def _upload_like(img: Image.Image) -> Image.Image:
    """What a client sends: the drawing halved and saved as JPEG."""
    small = img.convert("RGB").resize((img.width // 2, img.height // 2), Image.Resampling.BILINEAR)
    buf = io.BytesIO()
    small.save(buf, format="JPEG", quality=85)
    return Image.open(io.BytesIO(buf.getvalue()))


def bench(size: int, queries: int, cache: Path) -> dict:
    t0 = time.perf_counter()
    corpus = generated_corpus(size, seed=0, cache_dir=cache)
    t1 = time.perf_counter()
    index = ImageIndex(corpus, cache_dir=cache)
    t2 = time.perf_counter()
    assert index.computed == len(index.keys)
    step = max(1, len(corpus.designs) // queries)
    uploads = [_upload_like(corpus.image(d.image_keys[0])) for d in corpus.designs[::step][:queries]]
    for img in uploads:
        img.load()
    index.match(uploads[0])  # warm-up
    lat = []
    for img in uploads:
        q0 = time.perf_counter()
        index.match(img)
        lat.append(time.perf_counter() - q0)
    lat.sort()
    t3 = time.perf_counter()
    ImageIndex(corpus, cache_dir=cache)  # second use: features read from the cache
    reload_s = time.perf_counter() - t3
    return {
        "designs": size,
        "images": len(index.keys),
        "corpus_s": t1 - t0,
        "index_s": t2 - t1,
        "img_per_s": len(index.keys) / (t2 - t1),
        "build_s": t2 - t0,
        "reload_s": reload_s,
        "median_ms": 1000 * statistics.median(lat),
        "p90_ms": 1000 * lat[int(0.9 * (len(lat) - 1))],
    }


def cli_startup(runs: int = 3, cache: Path | None = None) -> list[float]:
    """Seconds from launching `patsnap-pandas sandbox` to its first token answer (warm cache).

    The first launch warms the corpus and feature caches and is not counted.
    """
    import requests

    env = dict(os.environ)
    if cache is not None:
        env["PATSNAP_SANDBOX_CACHE_DIR"] = str(cache)
    times = []
    for i in range(runs + 1):
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "patsnap_pandas.cli.main", "sandbox", "--port", "0"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        try:
            banner: dict[str, str] = {}
            patterns = {"url": r"on (http://\S+)", "id": r"client id\s+(\S+)", "secret": r"client secret\s+(\S+)"}
            while len(banner) < len(patterns):
                line = proc.stdout.readline()
                if not line:
                    raise RuntimeError("the sandbox exited before printing its banner")
                for name, pattern in patterns.items():
                    if (m := re.search(pattern, line)) and name not in banner:
                        banner[name] = m.group(1)
            while True:
                try:
                    answer = requests.post(banner["url"] + "/oauth/token", auth=(banner["id"], banner["secret"]),
                                           data={"grant_type": "client_credentials"}, timeout=2)
                    if answer.ok:
                        break
                except requests.ConnectionError:
                    pass
                time.sleep(0.02)
            if i:  # launch 0 warmed the caches
                times.append(time.perf_counter() - started)
        finally:
            proc.terminate()
            proc.wait(10)
    return times


def run(sizes: tuple[int, ...] = (600, 1000, 10000), queries: int = 40, verbose: bool = False) -> list[dict]:
    """Benchmark each corpus size in a fresh temp cache dir; one dict of figures per size."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="patsnap-sandbox-bench-") as tmp:
        for size in sizes:
            rows.append(bench(size, queries, Path(tmp)))
            if verbose:
                print(f"  {size} designs done in {rows[-1]['build_s']:.1f} s", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="600,1000,10000", help="comma-separated corpus sizes (designs)")
    ap.add_argument("--queries", type=int, default=40, help="queries per size")
    args = ap.parse_args(argv)
    sizes = tuple(int(x) for x in args.sizes.split(","))
    print(f"descriptor {features.DESCRIPTOR_VERSION}, {features.SIZE}px ink map, 8 query poses, {os.cpu_count()} CPUs")
    rows = run(sizes, args.queries, verbose=True)
    head = f"{'designs':>8} {'images':>7} {'corpus s':>9} {'index s':>8} {'img/s':>7} {'build s':>8} {'reload s':>9} {'median ms':>10} {'p90 ms':>7}"
    print()
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['designs']:>8} {r['images']:>7} {r['corpus_s']:>9.2f} {r['index_s']:>8.2f} {r['img_per_s']:>7.0f} "
            f"{r['build_s']:>8.2f} {r['reload_s']:>9.3f} {r['median_ms']:>10.1f} {r['p90_ms']:>7.1f}"
        )
    by = {r["designs"]: r for r in rows}
    if 1000 in by and 10000 in by:
        a, b = by[1000], by[10000]
        print()
        print(f"ratio 10k/1k: designs x10.0, build x{b['build_s'] / a['build_s']:.1f}, median query x{b['median_ms'] / a['median_ms']:.1f}")
        print(f"10k median query {b['median_ms']:.1f} ms (target <= 100 ms): {'OK' if b['median_ms'] <= 100 else 'SLOW'}")
    startup = cli_startup()
    print(f"`patsnap-pandas sandbox` start to first token answer (warm cache): median "
          f"{statistics.median(startup):.2f} s over {len(startup)} launches (target <= 3 s)")
    if 600 in by:
        print(f"default corpus (600) first-use build {by[600]['build_s']:.1f} s (target <= 10 s): {'OK' if by[600]['build_s'] <= 10 else 'SLOW'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
