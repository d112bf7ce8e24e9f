"""Benchmark of "Why it matched": the overlay's cost and accuracy, and what it adds to building a report.

Figures, measured in this one run:

* one overlay at the reports' size (query and hit thumbnails of 480 px, aligned at 256 px, a
  280 px blend): median milliseconds;
* the alignment error over drawings moved by random shifts (up to a fifth of the canvas) and
  scales (0.5 to 1.6) on a 256 px canvas: the median and the worst distance, in pixels, between
  where the found and the true transforms put the drawing's ink;
* building the report model of a 100-hit search and of a batch of products x 10 hits, with the
  overlays (as shipped) and without (``attach_overlays`` replaced by nothing): the ratio.

Run: ``.venv/bin/python bench/why_bench.py [--products N] [--runs N]``.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
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


def report_ratio(products: int, runs: int) -> dict[str, float]:
    from patsnap_pandas import PatsnapClient, samples, search_designs
    from patsnap_pandas.report import model, why

    def timed(df: pd.DataFrame) -> float:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            model.build_report(df)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    out = {}
    with PatsnapClient.sandbox(corpus_size=600) as client:
        search = search_designs(samples.image("armchair"), client=client, max_results=100)
        names = ["armchair", "desk-lamp", "sneaker", "sneaker-drawing"]
        catalogue = pd.DataFrame({"sku": [f"P-{i}" for i in range(products)],
                                  "photo": [samples.image(names[i % len(names)]) for i in range(products)]})
        batch = catalogue.patsnap.search_each("photo", label_column="sku", limit=10, client=client, progress=False)
        for name, df in (("search of 100 hits", search), (f"batch of {products} products", batch)):
            with_overlays = timed(df)
            shipped = why.attach_overlays
            why.attach_overlays = lambda sections: None  # type: ignore[assignment]
            try:
                without = timed(df)
            finally:
                why.attach_overlays = shipped
            out[name] = with_overlays / without
            print(f"build_report, {name}: {with_overlays:.2f} s with overlays, {without:.2f} s without, "
                  f"ratio {with_overlays / without:.2f}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print(f"one overlay at report size: {overlay_ms(20):.1f} ms (median of 20)")
    median, worst = alignment_error(40)
    print(f"alignment error over 40 moved drawings: median {median:.2f} px, worst {worst:.2f} px (256 px canvas)")
    report_ratio(args.products, args.runs)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
