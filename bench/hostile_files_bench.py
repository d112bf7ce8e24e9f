"""Benchmark of read_triage on hostile files: how fast, and in how little memory, each is refused.

Figures, measured side by side in this one run (min / median / max of N runs):

* the baseline: ``read_triage`` of a normal triage file, the Excel report of a 100-hit
  sandbox search (``df.patsnap.to_excel``, thumbnails included);
* the refusal of crafted workbooks, each against that baseline: a 1.5 KB workbook declaring
  1,048,576 rows x 16,384 columns (before issue 21: 3.8 GB, then MemoryError); the same rows
  without a declared size (found while streaming the sheet); a part that would inflate a
  thousand times (a deflate bomb); a sheet declaring 2,000,000 rows; 2,000,000 real rows
  under a small declared size (before: over 120 s). Target: each refusal within 5x the
  baseline read (the bombs are refused before any row is read, two million rows after
  counting the first 200,001 row tags), and at most 100 MB of Python memory (tracemalloc
  peak, measured in a separate run so tracing does not slow the timed ones).

Run: ``.venv/bin/python bench/hostile_files_bench.py [--runs N]``; ``run()`` returns the
figures for bench/run_all.py.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_RATIO = 5.0
MEMORY_BOUND = 100 * 2**20

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PARTS = {
    "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                           '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                           '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
                           'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                           '<Override PartName="/xl/worksheets/sheet1.xml" '
                           'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
                   f'Id="rId1" Type="{_R}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<workbook {_NS} xmlns:r="{_R}"><sheets><sheet name="Hits" sheetId="1" r:id="rId1"/></sheets>'
                       '</workbook>',
    "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                  f'<Relationship Id="rId1" Type="{_R}/worksheet" Target="worksheets/sheet1.xml"/>'
                                  '</Relationships>',
}
_HEADER = ('<row r="1"><c r="A1" t="inlineStr"><is><t>Number</t></is></c>'
           '<c r="B1" t="inlineStr"><is><t>Relevance</t></is></c></row>')
_LAST = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'


def _workbook(path: Path, chunks, dimension: str | None = None, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """A minimal .xlsx (the same shape as tests/security/test_hostile_files.py crafts) streamed into a zip."""
    head = f"<worksheet {_NS}>" + (f'<dimension ref="{dimension}"/>' if dimension else "") + "<sheetData>"
    with zipfile.ZipFile(path, "w", compression, compresslevel=9) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(head.encode())
            for chunk in chunks:
                sheet.write(chunk.encode() if isinstance(chunk, str) else chunk)
            sheet.write(b"</sheetData></worksheet>")
    return path


def _hostile(folder: Path) -> dict[str, Path]:
    rows = b"<row><c><v>7</v></c></row>" * 100_000
    return {
        "a 1.5 KB workbook declaring 1,048,576 x 16,384 cells":
            _workbook(folder / "declared-bomb.xlsx", [_HEADER, _LAST], "A1:XFD1048576"),
        "the same rows, no declared size (found while streaming)": _workbook(folder / "jump.xlsx", [_HEADER, _LAST]),
        "a part inflating ~1,000x (deflate bomb)": _workbook(folder / "inflate.xlsx", [_HEADER, "<row/>" * 200_000]),
        "a sheet declaring 2,000,000 rows": _workbook(folder / "declared-rows.xlsx", [_HEADER], "A1:J2000000"),
        "2,000,000 real rows under a small declared size":
            _workbook(folder / "two-million.xlsx", [_HEADER] + [rows] * 20, "A1:B10", zipfile.ZIP_STORED),
    }


def _normal(folder: Path) -> Path:
    """The Excel report of a 100-hit sandbox search, one hit marked."""
    import warnings

    from patsnap_pandas import PatsnapClient, samples, search_designs

    with warnings.catch_warnings(), PatsnapClient.sandbox(cache_dir=folder / "cache") as client:
        warnings.simplefilter("ignore")
        hits = search_designs(samples.image("armchair"), client=client, limit=100)
        hits = hits.patsnap.mark(hits["rank"] == 1, relevance="relevant")
        return hits.patsnap.to_excel(folder / "normal.xlsx")


def _times_ms(action, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _refuse(path: Path) -> None:
    from patsnap_pandas import InvalidInputError, read_triage

    try:
        read_triage(path)
    except InvalidInputError:
        return
    raise AssertionError(f"{path.name} was read, not refused")


def _peak(path: Path) -> int:
    tracemalloc.start()
    try:
        _refuse(path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _figure(name: str, values: list[float], target: str = "-", ok: bool = True, **extra) -> dict:
    return {"name": name, "unit": "ms", "min": min(values), "median": statistics.median(values),
            "max": max(values), "runs": len(values), "target": target, "ok": ok, **extra}


def run(runs: int = 5, out=None) -> list[dict]:
    """The figures (bench/run_all.py's shape: name, unit, min, median, max, runs, target, ok)."""
    from patsnap_pandas import read_triage

    def say(text: str) -> None:
        if out is not None:
            print(text, file=out, flush=True)

    with tempfile.TemporaryDirectory(prefix="hostile-bench-") as tmp:
        folder = Path(tmp)
        normal = _normal(folder)
        files = _hostile(folder)
        read_triage(normal)  # imports (openpyxl) and caches warm, as for every later figure
        baseline = _times_ms(lambda: read_triage(normal), runs)
        base = statistics.median(baseline)
        say(f"hostile_files_bench: read_triage of a 100-hit report: {base:.1f} ms ({normal.stat().st_size:,} bytes)")
        figures = [_figure("read_triage of a normal 100-hit Excel report (the baseline)", baseline, is_baseline=True)]
        for name, path in files.items():
            times = _times_ms(lambda path=path: _refuse(path), runs)
            peak = _peak(path)
            ratio = statistics.median(times) / base
            ok = ratio <= TARGET_RATIO and peak <= MEMORY_BOUND
            say(f"  refused: {name} ({path.stat().st_size:,} bytes): {statistics.median(times):.1f} ms "
                f"({ratio:.2f}x), peak {peak / 2**20:.1f} MB")
            figures.append(_figure(f"refusal: {name} (peak {peak / 2**20:.1f} MB)", times,
                                   f"<= {TARGET_RATIO:g}x and <= 100 MB", ok, ratio=ratio,
                                   baseline=f"the normal read ({base:.1f} ms)", peak_bytes=peak))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (default 5)")
    args = parser.parse_args(argv)
    figures = run(args.runs, out=sys.stdout)
    return 0 if all(f["ok"] for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
