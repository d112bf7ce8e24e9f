"""Benchmark of interrupts: how soon a batch stops after ``_thread.interrupt_main()``, next to a real SIGINT.

Jupyter interrupts a kernel on Windows with ``_thread.interrupt_main()``, which only sets a
flag the main thread checks between bytecodes: it wakes no wait. A real SIGINT (Ctrl-C in a
terminal, Jupyter on Linux and macOS) wakes the waiting main thread at once. Both are sent
here to the same batch, in this one run, alternating:

* the batch: ``search_each`` of 8 distinct images over the offline sandbox on 127.0.0.1,
  4 workers, ``rate_limit=2`` (so workers wait for their turn), a fresh cache each run;
* the interrupt is sent once the sandbox's ledger holds 3 billed calls;
* measured: seconds from sending the interrupt to ``BatchInterrupted`` in the main thread,
  and the billed calls that reached the sandbox more than 50 ms after it (a call already
  on the wire may arrive that late).

Target: ``interrupt_main`` stops the batch within 1 s (median), with no billed call after it.
Before issue 21 it was seen only when a search finished (about 2 s here) and calls went on.

Run: ``.venv/bin/python bench/interrupt_bench.py [--runs N]``.
"""

from __future__ import annotations

import _thread
import argparse
import io
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

IMAGES = 8
TARGET_S = 1.0
LATE_S = 0.05


def _figure(name: str, values: list[float], unit: str, target: str = "-", ok: bool = True, **extra) -> dict:
    return {"name": name, "unit": unit, "min": min(values), "median": statistics.median(values),
            "max": max(values), "runs": len(values), "target": target, "ok": ok, **extra}


def _images(server, run: int) -> list[bytes]:
    """``IMAGES`` distinct PNGs for this run (a corner pixel encodes run and image)."""
    from PIL import Image

    corpus, out = server.corpus, []
    for k in range(IMAGES):
        design = corpus.designs[k]
        im = Image.open(io.BytesIO(corpus.image_png(design.image_keys[0]))).convert("L")
        im.putpixel((0, 0), 250 - run % 50)
        im.putpixel((1, 0), 250 - k)
        buf = io.BytesIO()
        im.save(buf, format="PNG")
        out.append(buf.getvalue())
    return out


def _send(kind: str) -> None:
    if kind == "interrupt_main":
        _thread.interrupt_main()
    else:  # a real SIGINT, delivered to the main thread (as a terminal's Ctrl-C reaches it)
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)


def _one(server, kind: str, run: int) -> tuple[float, int]:
    """(seconds from the interrupt to BatchInterrupted, billed calls after the interrupt)."""
    import pandas as pd

    from patsnap_pandas import BatchInterrupted, PatsnapClient

    catalogue = pd.DataFrame({"photo": _images(server, run)})
    server.ledger.clear()
    sent: list[float] = []

    def interrupter() -> None:
        while len(server.ledger) < 3:
            time.sleep(0.002)
        sent.append(time.time())
        _send(kind)

    with tempfile.TemporaryDirectory() as folder, \
            PatsnapClient(base_url=server.base_url, api_key=server.credentials.api_key, cache_dir=folder) as client:
        threading.Thread(target=interrupter, daemon=True).start()
        try:
            catalogue.patsnap.search_each("photo", rate_limit=2, max_workers=4, progress=False, client=client,
                                          thumbnails=False)
            raise RuntimeError("the batch finished before the interrupt")
        except BatchInterrupted:
            seen = time.time()
    late = sum(1 for entry in server.ledger.entries() if entry.time > sent[0] + LATE_S)
    return seen - sent[0], late


def run(runs: int = 5, out=None) -> list[dict]:
    """The figures (bench/run_all.py's shape: name, unit, min, median, max, runs, target, ok)."""
    import patsnap_pandas  # noqa: F401  (registers df.patsnap)
    from patsnap_pandas.sandbox import start_sandbox

    seen: dict[str, list[float]] = {"sigint": [], "interrupt_main": []}
    late: dict[str, list[float]] = {"sigint": [], "interrupt_main": []}
    with start_sandbox(corpus_size=60) as server:
        for r in range(runs):
            for kind in ("sigint", "interrupt_main"):
                delay, after = _one(server, kind, 2 * r + (kind == "interrupt_main"))
                seen[kind].append(delay)
                late[kind].append(after)
    base = statistics.median(seen["sigint"])
    baseline = f"a real SIGINT ({base:.3f} s)"
    median = statistics.median(seen["interrupt_main"])
    figures = [
        _figure("SIGINT to BatchInterrupted", seen["sigint"], "s", is_baseline=True),
        _figure("interrupt_main() to BatchInterrupted", seen["interrupt_main"], "s", f"< {TARGET_S:g} s",
                median < TARGET_S, ratio=median / base if base else float("nan"), baseline=baseline),
        _figure("billed calls after SIGINT", late["sigint"], "calls", "0", max(late["sigint"]) == 0),
        _figure("billed calls after interrupt_main()", late["interrupt_main"], "calls", "0",
                max(late["interrupt_main"]) == 0),
    ]
    if out is not None:
        print(f"{runs} runs each, alternating; seconds from the interrupt to BatchInterrupted", file=out)
        for f in figures:
            print(f"  {f['name']:40s} min {f['min']:.3f}  median {f['median']:.3f}  max {f['max']:.3f} {f['unit']}",
                  file=out)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    figures = run(args.runs, out=sys.stdout)
    return 0 if all(f["ok"] for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
