"""`make demo`: an image search against the offline sandbox, then the same search again for free.

It starts the sandbox (``PatsnapClient.sandbox()``), searches with a drawing,
prints the top hits, and repeats the search to show that the cache answers it
with zero billed calls, then says what to open next. The sandbox serves the
corpus of the setting (``corpus=``, ``--sandbox-corpus DIR`` or
``PATSNAP_SANDBOX_CORPUS``), else its generated corpus:

* a folder of real drawings: the query is one drawing sheet of one of its
  patents, rotated, cropped and speckled first as a scan would be, so the search
  has to find it rather than match identical bytes;
* the generated corpus: the query is the sample drawing ``samples.image("desk-lamp")``,
  a new design that the corpus does not hold: the search finds the lamps that look like it.

Examples
--------
>>> import io
>>> run_demo(io.StringIO(), corpus="generated")
0
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from PIL import Image, ImageOps

from .. import config, samples
from ..api.client import PatsnapClient
from ..jobs.search import search_designs

__all__ = ["NEXT_STEPS", "perturb", "run_demo"]

#: In a folder of real drawings: a shoe with four sheets, and three other shoes to find next to it.
DEMO_PATENT = "USD917866S"
DEMO_SHEET = 2  # image_keys[0] is the front page, then drawing sheets 1, 2, ...
DEMO_SAMPLE = "desk-lamp"  # the query on the generated corpus
PERTURBATION: dict[str, Any] = {"angle": 2.0, "crop": 0.04, "noise": 12.0}

#: What the demo suggests next (paths relative to a clone of the repository).
NEXT_STEPS = (
    "Next (make install first: it adds Jupyter, the report tools and the docs to .venv):",
    "  notebooks   .venv/bin/jupyter lab notebooks/01_quickstart.ipynb   (then 02 competitors, 03 report)",
    "  the panel   .venv/bin/voila notebooks/04_panel.ipynb              (interactive search in the browser)",
    "  the docs    .venv/bin/mkdocs serve  ->  http://127.0.0.1:8000     (or docs/getting-started.md)",
    "  your own drawings: make demo DEMO_ARGS='--sandbox-corpus DIR' (a folder with a manifest.csv)",
)


def perturb(image: Image.Image, *, seed: int = 0, angle: float = 2.0, crop: float = 0.04,
            noise: float = 12.0, max_side: int = 1200) -> Image.Image:
    """A scan-like copy of ``image``: rotated ``angle`` degrees, ``crop`` of each margin cut, gray noise.

    Deterministic for a given ``seed``.

    Examples
    --------
    >>> from PIL import Image
    >>> from patsnap_pandas import samples
    >>> drawing = Image.open(samples.image("armchair"))
    >>> scan = perturb(drawing, seed=1, angle=2.0, noise=8.0)
    >>> scan.mode, scan.size != drawing.size, perturb(drawing, seed=1, angle=2.0, noise=8.0) == scan
    ('L', True, True)
    """
    im = ImageOps.exif_transpose(image).convert("L")
    im = im.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    w, h = im.size
    im = im.crop((round(w * crop), round(h * crop), round(w * (1 - crop)), round(h * (1 - crop))))
    im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    pixels = np.asarray(im, dtype=np.float32)
    speckled = pixels + np.random.default_rng(seed).normal(0.0, noise, pixels.shape)
    return Image.fromarray(np.clip(np.rint(speckled), 0, 255).astype(np.uint8))


def _pick_query(corpus) -> tuple[Any, str, str]:
    """(design, image key, description) of the demo query in a folder corpus."""
    design = next((d for d in corpus.designs if d.patent_pn == DEMO_PATENT), None)
    if design is None:  # another folder of real designs: the patent with the most sheets
        design = max(corpus.designs, key=lambda d: len(d.image_keys))
    sheet = min(DEMO_SHEET, len(design.image_keys) - 1)
    what = f"drawing sheet {sheet}" if sheet else "front page"
    return design, design.image_keys[sheet], f"{what} of {design.patent_pn} ({design.title!r})"


def _table(df) -> str:
    rows = [("rank", "score", "patent_pn", "authority", "title")]
    for rank, score, pn, authority, title in zip(df["rank"], df["score"], df["patent_pn"],
                                                 df["authority"], df["title"], strict=True):
        title = str(title)
        rows.append((str(rank), f"{score:.3f}", str(pn), str(authority),
                     title if len(title) <= 48 else title[:47] + "…"))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for row in rows:
        cells = [row[0].rjust(widths[0]), row[1].rjust(widths[1]), row[2].ljust(widths[2]),
                 row[3].ljust(widths[3]), row[4]]
        lines.append("  " + "  ".join(cells).rstrip())
    return "\n".join(lines)


def _timed_search(client: PatsnapClient, query: Image.Image | Path, limit: int,
                  label: str) -> tuple[Any, float, int, int]:
    """(hits, seconds, billed calls, new sandbox ledger entries) of one search."""
    server = client.sandbox_server
    assert server is not None  # the demo's client is always a sandbox client
    billed, ledger = client.usage.billed_calls, len(server.ledger)
    t0 = time.perf_counter()
    df = search_designs(query, client=client, limit=limit, label=label)
    took = time.perf_counter() - t0
    return df, took, client.usage.billed_calls - billed, len(server.ledger) - ledger


def run_demo(out: TextIO = sys.stdout, *, corpus: str | Path | None = None, limit: int = 10,
             **sandbox_options: Any) -> int:
    """Run the demo, printing to ``out``; 0 when the repeated search billed nothing.

    Parameters
    ----------
    out : text stream
        Where to print (default stdout).
    corpus : str or path, optional
        A folder of drawings with a ``manifest.csv``, or ``"generated"``; default: the
        ``PATSNAP_SANDBOX_CORPUS`` setting, else the generated corpus.
    limit : int
        Hits to show.
    **sandbox_options
        Passed to :meth:`PatsnapClient.sandbox` (e.g. ``latency=0.15``).

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> run_demo(out, corpus="generated", limit=3)
    0
    >>> print(out.getvalue())
    patsnap-pandas demo: design image search against the offline sandbox ...
    Same search again: 0 billed calls (client usage: 0, sandbox ledger: 0 new entries), same hits, ...
    Next (make install first: it adds Jupyter, the report tools and the docs to .venv):
    ...
    """
    def say(text: str = "") -> None:
        print(text, file=out, flush=True)

    folder = config.sandbox_corpus(corpus)  # None: the generated corpus
    say("patsnap-pandas demo: design image search against the offline sandbox "
        "(a local PatSnap look-alike: no account, no quota).")
    started = time.perf_counter()
    with PatsnapClient.sandbox(corpus=corpus, **sandbox_options) as client:  # None: the setting
        server = client.sandbox_server
        assert server is not None  # PatsnapClient.sandbox() always has one
        designs = server.corpus.designs
        images_count = sum(len(d.image_keys) for d in designs)
        if folder is not None:
            source = f"{len(designs)} designs ({images_count} drawings) from the folder {folder}"
        else:
            source = f"{len(designs)} generated designs (--sandbox-corpus DIR serves a folder of your own)"
        say(f"Data source: {source}; sandbox ready in {time.perf_counter() - started:.1f} s.")

        if folder is not None:
            design, key, description = _pick_query(server.corpus)
            query: Any = perturb(server.corpus.image(key), **PERTURBATION)
            say(f"Query: {description}, rotated {PERTURBATION['angle']:g}°, cropped and speckled like a scan.")
            label = f"{design.patent_pn} sheet"
        else:
            design, query, label = None, samples.image(DEMO_SAMPLE), DEMO_SAMPLE
            say(f'Query: samples.image("{DEMO_SAMPLE}"), a drawing of a new desk lamp made by the package '
                "(not one of the corpus's designs).")

        df, took, first_billed, _ = _timed_search(client, query, limit, label)
        say(f"\nTop {len(df)} of {df.attrs['total']} designs ({took:.2f} s, {first_billed} billed calls: "
            "upload + search):")
        say(_table(df))
        if design is not None and len(df) and df["patent_pn"].iloc[0] == design.patent_pn:
            say(f"  -> rank 1 is the patent the query was drawn from ({design.patent_pn}).")

        again, took, rerun_billed, rerun_ledger = _timed_search(client, query, limit, label)
        same = again[["patent_id", "score"]].equals(df[["patent_id", "score"]])
        say(f"\nSame search again: {rerun_billed} billed calls (client usage: {rerun_billed}, "
            f"sandbox ledger: {rerun_ledger} new entries), {'same hits, ' if same else ''}"
            f"served from the cache in {took * 1000:.0f} ms.")
    say()
    for line in NEXT_STEPS:
        say(line)
    return 0 if rerun_billed == 0 and rerun_ledger == 0 else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run_demo())
