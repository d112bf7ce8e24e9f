"""Benchmark of read_triage on Word reports: reading counsel's marks back, and refusing hostile .docx files.

Figures, measured side by side in this one run (min / median / max of N runs):

* the baseline: ``read_triage`` of the Excel report of a 100-hit sandbox search (thumbnails included);
* ``read_triage`` of the Word report of the same hits (``df.patsnap.to_docx``), with two reviewers'
  marks and notes (so comments), against the baseline; target: within 2x;
* the refusal of crafted .docx files, each against the baseline: a zip bomb (300 MB of XML in
  300 KB), a document of 210,000 table rows (stored, so no ratio check catches it: the rows are
  counted), a document declaring entities ("billion laughs"). Target: each within 5x the baseline,
  and at most 100 MB of Python memory (tracemalloc peak, in a separate untimed run).

Run: ``.venv/bin/python bench/word_triage_bench.py [--runs N]``; ``run()`` returns the figures for
bench/run_all.py.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
import warnings
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

_W = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'


def _docx(path: Path, chunks: list[bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as part:
            for chunk in chunks:
                part.write(chunk)
    return path


def _files(folder: Path) -> dict[str, Path]:
    from patsnap_pandas import PatsnapClient, samples, search_designs

    with warnings.catch_warnings(), PatsnapClient.sandbox(cache_dir=folder / "cache") as client:
        warnings.simplefilter("ignore")
        hits = search_designs(samples.image("armchair"), client=client, limit=100)
        hits = hits.patsnap.mark(hits["rank"] <= 5, relevance="relevant", note="same backrest", by="Ana Li",
                                 at="2026-12-07T09:30:17Z")
        hits = hits.patsnap.mark(hits["rank"].between(6, 20), relevance="not relevant", by="Bo Chen",
                                 at="2026-12-08T16:05:42Z")
        normal = {"excel": hits.patsnap.to_excel(folder / "normal.xlsx"),
                  "word": hits.patsnap.to_docx(folder / "normal.docx")}
    row = b"<w:tr><w:tc><w:p/></w:tc></w:tr>"
    laughs = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
              + b"".join(b'<!ENTITY a%d "%s">' % (i, (b"&a%d;" % (i - 1) if i > 1 else b"&a;") * 10)
                         for i in range(1, 10)) + b"]>" + _W + b"<w:p><w:r><w:t>&a9;</w:t></w:r></w:p></w:body></w:document>")
    return {**normal,
            "a zip bomb: 300 MB of XML in a 300 KB .docx": _docx(folder / "bomb.docx", [_W] + [b" " * 2**20] * 300),
            "210,000 table rows (stored: no ratio to catch)": _docx(
                folder / "rows.docx", [_W, b"<w:tbl>"] + [row * 1000] * 210 + [b"</w:tbl></w:body></w:document>"],
                zipfile.ZIP_STORED),
            "entities declared (billion laughs)": _docx(folder / "laughs.docx", [laughs], zipfile.ZIP_STORED)}


def _read(path: Path) -> object:
    from patsnap_pandas import InvalidInputError, read_triage

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return read_triage(path)
        except InvalidInputError as exc:
            return exc


def _times_ms(path: Path, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        _read(path)
        out.append((time.perf_counter() - start) * 1000)
    return out


def _figure(name: str, times: list[float], **extra) -> dict:
    return {"name": name, "unit": "ms", "min": min(times), "median": statistics.median(times), "max": max(times),
            "runs": len(times), "target": "-", "ok": True, **extra}


def run(runs: int = 5, out=None) -> list[dict]:
    """The figures for bench/run_all.py (and printed to ``out``): each file's read against the Excel baseline."""
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        files = _files(Path(tmp))
        _read(files["word"])  # imports warmed
        base = statistics.median(_times_ms(files["excel"], runs))
        for name, path in files.items():
            times = _times_ms(path, runs)
            tracemalloc.start()
            result = _read(path)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            said = f"{len(result)} rows" if hasattr(result, "columns") else str(result).split(": ", 1)[-1][:70]
            ratio = statistics.median(times) / base
            if name == "excel":
                figure = _figure(f"read_triage of the 100-hit Excel report ({said}; peak {peak:.1f} MB)", times,
                                 is_baseline=True)
            elif name == "word":
                figure = _figure(f"read_triage of the 100-hit Word report, rows and comments ({said}; peak "
                                 f"{peak:.1f} MB)", times, ratio=ratio, baseline="the Excel report",
                                 target="<= 2x", ok=ratio <= 2)
            else:
                refused = isinstance(result, Exception)
                figure = _figure(f"refusal: {name} (peak {peak:.1f} MB; {'refused' if refused else 'READ'})", times,
                                 ratio=ratio, baseline="the Excel report", target="<= 5x and <= 100 MB, refused",
                                 ok=refused and ratio <= 5 and peak <= 100)
            figures.append(figure)
            if out is not None:
                print(f"  {figure['name']}: median {figure['median']:.1f} ms ({ratio:.2f}x)", file=out, flush=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    import os

    print(f"load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    run(args.runs, out=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
