"""Benchmark of "Why it matched": the overlay's cost and accuracy, and what it adds to building a report.

Figures, measured in this one run:

* one overlay at the reports' size (query and hit thumbnails of 480 px, aligned at 256 px, a
  280 px blend): median milliseconds;
* the alignment error over drawings moved by random shifts (up to a fifth of the canvas) and
  scales (0.5 to 1.6) on a 256 px canvas: the median and the worst distance, in pixels, between
  where the found and the true transforms put the drawing's ink;
* building the report model of a 100-hit search and of a batch of products x 10 hits, with the
  overlays (as shipped) and without (``attach_overlays`` replaced by nothing): the ratio.

The overlays and charts are memoised per process (``report.why._MADE``, ``frame.charts._DRAWN``);
both memos are emptied before each build, so every run draws them, as a new process would.

Run: ``.venv/bin/python bench/why_bench.py [--products N] [--runs N]``; ``run()`` returns the
figures for bench/run_all.py.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time

import numpy as np
import pandas as pd


def overlay_ms(runs: int) -> float:
    from patsnap_pandas import samples
    from patsnap_pandas.frame.overlay import overlay
    from patsnap_pandas.imaging import thumbnail_png

    a = thumbnail_png(open(samples.image("desk-lamp"), "rb").read(), 480)
    b = thumbnail_png(open(samples.image("armchair"), "rb").read(), 480)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        overlay(a, b, size=280, work_px=256)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def alignment_error(cases: int, seed: int = 0) -> tuple[float, float]:
    from PIL import Image, ImageDraw

    from patsnap_pandas.frame.overlay import Transform, foreground, overlay

    rng = np.random.default_rng(seed)
    errors = []
    for k in range(cases):
        im = Image.new("L", (256, 256), 255)
        d = ImageDraw.Draw(im)
        d.rectangle((90, 80, 170, 190), outline=0, width=3)
        d.ellipse((100 + k % 20, 60, 150, 110 + k % 15), outline=0, width=3)
        d.line((90, 190, 60 + k % 30, 130), fill=0, width=3)
        scale = float(rng.uniform(0.5, 1.6))
        cx, cy = 128 * (1 - scale), 128 * (1 - scale)   # about the centre, then a shift within the canvas
        dx = cx + float(rng.uniform(-1, 1)) * min(51, max(0.0, 128 - 70 * scale))
        dy = cy + float(rng.uniform(-1, 1)) * min(51, max(0.0, 128 - 70 * scale))
        moved = im.transform(im.size, Image.Transform.AFFINE, (1 / scale, 0, -dx / scale, 0, 1 / scale, -dy / scale),
                             Image.Resampling.BILINEAR, fillcolor=255)
        query, hit = io.BytesIO(), io.BytesIO()
        im.save(query, "PNG")
        moved.save(hit, "PNG")
        found = overlay(query.getvalue(), hit.getvalue()).transform
        true = Transform(1 / scale, -dx / scale, -dy / scale)
        ys, xs = np.nonzero(foreground(np.asarray(moved, dtype=np.float64)) >= 0.5)
        fx, fy = found.apply(xs + 0.5, ys + 0.5)
        tx, ty = true.apply(xs + 0.5, ys + 0.5)
        errors.append(float(np.hypot(fx - tx, fy - ty).max()))
    return statistics.median(errors), max(errors)


def report_ratio(products: int, runs: int, out=None) -> dict[str, tuple[list[float], list[float]]]:
    """{frame: (seconds with overlays, seconds without)} of building the report model, ``runs`` each."""
    from patsnap_pandas import PatsnapClient, samples, search_designs
    from patsnap_pandas.frame import charts
    from patsnap_pandas.report import model, why

    def timed(df: pd.DataFrame) -> list[float]:
        times = []
        for _ in range(runs):
            why._MADE.clear()  # each build draws its overlays and charts, as in a new process
            charts._DRAWN.clear()
            start = time.perf_counter()
            model.build_report(df)
            times.append(time.perf_counter() - start)
        return times

    out_ = {}
    with PatsnapClient.sandbox(corpus_size=600) as client:
        search = search_designs(samples.image("armchair"), client=client, max_results=100)
        names = ["armchair", "desk-lamp", "sneaker", "sneaker-drawing"]
        catalogue = pd.DataFrame({"sku": [f"P-{i}" for i in range(products)],
                                  "photo": [samples.image(names[i % len(names)]) for i in range(products)]})
        batch = catalogue.patsnap.search_each("photo", label_column="sku", limit=10, client=client, progress=False)
        for name, df in (("search of 100 hits", search), (f"batch of {products} products x 10 hits", batch)):
            with_overlays = timed(df)
            shipped = why.attach_overlays
            why.attach_overlays = lambda sections: None  # type: ignore[assignment]
            try:
                without = timed(df)
            finally:
                why.attach_overlays = shipped
            out_[name] = (with_overlays, without)
            if out is not None:
                print(f"  build_report, {name}: {statistics.median(with_overlays):.2f} s with overlays, "
                      f"{statistics.median(without):.2f} s without", file=out, flush=True)
    return out_


def _figure(name: str, values: list[float], unit: str, **extra) -> dict:
    return {"name": name, "unit": unit, "min": min(values), "median": statistics.median(values),
            "max": max(values), "runs": len(values), "target": "-", "ok": True, **extra}


def run(runs: int = 3, products: int = 20, out=None) -> list[dict]:
    """The figures for bench/run_all.py (and printed to ``out``)."""
    overlays = [overlay_ms(20) for _ in range(runs)]
    median, worst = alignment_error(40)
    figures = [_figure("one overlay at the reports' size (480 px thumbnails aligned at 256 px, a 280 px blend; "
                       "median of 20 per run)", overlays, "ms"),
               _figure("alignment error over 40 moved drawings (shifts, scales 0.5-1.6; 256 px canvas): the median",
                       [median], "px"),
               _figure("the same: the worst of the 40", [worst], "px", target="<= 2 px", ok=worst <= 2)]
    for name, (with_overlays, without) in report_ratio(products, runs, out).items():
        base = statistics.median(without)
        figures.append(_figure(f"build_report of a {name}, without overlays", without, "s", is_baseline=True))
        figures.append(_figure(f"build_report of a {name}, with overlays (as shipped)", with_overlays, "s",
                               ratio=statistics.median(with_overlays) / base,
                               baseline=f"the same build without overlays ({base:.2f} s)"))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    for f in run(args.runs, args.products, out=sys.stdout):
        ratio = f" ({f['ratio']:.2f}x)" if f.get("ratio") else ""
        print(f"{f['name']}: median {f['median']:.2f} {f['unit']}{ratio}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
