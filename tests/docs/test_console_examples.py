"""Every shell session of README.md and docs/*.md (a fenced block whose lines start with ``$ ``) runs as printed.

The commands of a page run one after another in bash, in one temporary folder holding the files the
pages' examples name (:func:`_write_files`, as the pages describe them), with a cache folder of their own
and no PatSnap credentials. A command whose line ends with the comment ``# PATSNAP_API_KEY / PATSNAP_BASE_URL set``
runs with those two pointing at an offline sandbox, standing in for the reader's account. Each
command's output (stdout and stderr together, as a terminal shows them) must match the lines printed
below it, as a doctest does with ``ELLIPSIS`` and ``NORMALIZE_WHITESPACE``: ``...`` stands for any text,
a line of ``...`` for any lines. Only what changes from run to run is left out of the comparison (see
:func:`normalise`): the sandbox's port, durations, search ids, the temporary folders and today's date
(the pages were written on :data:`PAGES_DAY`). A block that cannot run here says why in an HTML comment
on the line before it (``<!-- not run: ... -->``, e.g. a server that runs until Ctrl-C): those are
counted and named, never silently passed.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.helpers import fenced_blocks

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CREDENTIALS_COMMENT = "# PATSNAP_API_KEY / PATSNAP_BASE_URL set"
NOT_RUN = re.compile(r"^<!-- not run: (?P<why>.+?) -->$")
#: The day the pages' sessions were written: today's date in an output reads as this one.
PAGES_DAY = "2026-12-07"
#: Where the pages' sessions say they ran: the test's folder and cache folder read as these.
DOC_FOLDER = "/home/me/catalogue"
DOC_CACHES = ("/home/me/.cache/patsnap-pandas", "/home/analyst/.cache/patsnap-pandas")
TIMEOUT_S = 300


def sessions(text: str) -> list[tuple[int, list[tuple[str, list[str]]], str | None]]:
    """(line number, [(command, printed lines)], why not run) of each fenced block whose first line starts
    with ``$ ``."""
    found, lines = [], text.splitlines()
    for start, _lang, body in fenced_blocks(text):
        if not body or not body[0].startswith("$ "):
            continue
        steps: list[tuple[str, list[str]]] = []
        for line in body:
            if line.startswith("$ "):
                steps.append((line[2:], []))
            else:
                steps[-1][1].append(line)
        why = NOT_RUN.match(lines[start - 2].strip()) if start >= 2 else None
        found.append((start, steps, why["why"] if why else None))
    return found


def _page_sessions(page: Path):
    return sessions(page.read_text(encoding="utf-8"))


def normalise(text: str, folder: Path, cache: Path) -> str:
    """What changes from run to run, in an output or in a page, made the same: ports, durations, search
    ids, the folders, today's date; runs of spaces (table columns) become one."""
    for path, doc in ((str(cache), DOC_CACHES[0]), (str(folder), DOC_FOLDER)):
        text = text.replace(path, doc)
    for doc in DOC_CACHES[1:]:
        text = text.replace(doc, DOC_CACHES[0])
    text = text.replace(dt.datetime.now(dt.timezone.utc).date().isoformat(), PAGES_DAY)
    text = re.sub(r"http://127\.0\.0\.1:\d+", "http://127.0.0.1:PORT", text)
    text = re.sub(r"\b\d+(?:\.\d+)? (s|ms)\b", r"N \1", text)
    text = re.sub(r"\b[0-9A-F]{32}(?=-\d+-[A-Z]\b)", "SEARCH-ID", text)
    return "\n".join(re.sub(r"[ \t]+", " ", line).strip() for line in text.strip().splitlines())


def matches(printed: str, output: str) -> bool:
    """``output`` is what ``printed`` shows, line by line: ``...`` in a line stands for any text, a line of
    ``...`` for any number of lines (none included)."""
    want, got = printed.splitlines(), output.splitlines()
    patterns = [None if line == "..." else re.compile(".*?".join(map(re.escape, line.split("...")))) for line in want]

    @functools.lru_cache(maxsize=None)
    def from_(i: int, j: int) -> bool:
        if i == len(want):
            return j == len(got)
        if patterns[i] is None:
            return from_(i + 1, j) or (j < len(got) and from_(i, j + 1))
        return j < len(got) and patterns[i].fullmatch(got[j]) is not None and from_(i + 1, j + 1)

    return from_(0, 0)


def _write_files(folder: Path, real_designs: Path) -> None:
    """The files the pages' sessions name, in the folder they run in (each page says what they are)."""
    from PIL import Image

    from patsnap_pandas import samples

    shutil.copyfile(samples.image("sneaker-drawing"), folder / "shoe.tif")  # cli.md: "a copy of the sample sheet"
    chair = samples.image("armchair")
    shutil.copyfile(chair, folder / "chair.png")  # cli.md: "chair.png is a copy of samples.image('armchair')"
    shutil.copyfile(chair, folder / "our-drawing.png")
    accused = Image.open(chair).convert("RGB").rotate(3, fillcolor="white")  # cli.md and clearance.md name both
    accused.save(folder / "their-chair.png")
    accused.save(folder / "their-chair.jpg")
    lamp = samples.image("desk-lamp")
    shutil.copyfile(lamp, folder / "lamp-front.png")
    Image.open(lamp).convert("RGB").transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(folder / "lamp-side.png")
    photos = folder / "photos"
    photos.mkdir()
    shutil.copyfile(samples.image("sneaker-drawing"), photos / "shoe.tif")
    shutil.copyfile(samples.image("kettle"), photos / "kettle.png")
    (folder / "path" / "to").mkdir(parents=True)  # cli.md's demo: "--sandbox-corpus path/to/real-designs"
    (folder / "path" / "to" / "real-designs").symlink_to(real_designs, target_is_directory=True)
    (folder / "catalogue.csv").write_text(  # cli.md: lamp.jpg is missing on purpose (a row that fails)
        "sku,photo\nS-100,photos/shoe.tif\nK-200,photos/kettle.png\nS-100b,photos/shoe.tif\nX-300,photos/lamp.jpg\n")


def test_sessions_are_found():
    """The extraction sees the pages' sessions (a broken parser would make every page pass)."""
    counts = {page.name: len(_page_sessions(page)) for page in PAGES}
    assert counts["cli.md"] >= 15
    assert sum(counts.values()) >= 18


def test_a_block_left_unrun_says_why_and_few_are():
    unrun = [(page.name, line, why) for page in PAGES for line, _steps, why in _page_sessions(page) if why]
    print("\n".join(f"{name}:{line} not run: {why}" for name, line, why in unrun))
    assert all(len(why) > 10 for _name, _line, why in unrun)
    assert len(unrun) <= 6, unrun


@pytest.mark.slow  # a Python start-up, and often a sandbox and a search, a command
@pytest.mark.parametrize("page", [p for p in PAGES if any(not why for _l, _s, why in _page_sessions(p))],
                         ids=lambda p: p.name)
def test_page_sessions_run_as_printed(page, patsnap_sandbox, real_designs):
    # a short folder, as a reader's is: an error message shortens a long path in its middle (".../photos/lamp.jpg"),
    # which would hide the folder it names from normalise()
    root = Path(tempfile.mkdtemp(prefix="patsnap-docs-"))
    try:
        _run_page(page, root, patsnap_sandbox, real_designs)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run_page(page: Path, root: Path, patsnap_sandbox, real_designs: Path) -> None:
    folder, cache = root / "here", root / "cache"
    folder.mkdir()
    _write_files(folder, real_designs)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATSNAP_") or k in (
        "PATSNAP_SANDBOX_CACHE_DIR", "PATSNAP_REAL_DESIGNS")}
    env.update(PATSNAP_CACHE_DIR=str(cache), PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
               COLUMNS="200", NO_COLOR="1", PYTHONUNBUFFERED="1")  # unbuffered: lines in a terminal's order
    account = {"PATSNAP_API_KEY": patsnap_sandbox.credentials.api_key, "PATSNAP_BASE_URL": patsnap_sandbox.base_url}
    problems, status = [], 0
    for line, steps, why in _page_sessions(page):
        if why:
            continue
        for command, printed in steps:
            run_env = {**env, **account} if command.rstrip().endswith(CREDENTIALS_COMMENT) else env
            done = subprocess.run(["bash", "-c", f"(exit {status}); {command}"], cwd=folder, env=run_env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT_S)
            status = done.returncode
            output = normalise(done.stdout, folder, cache)
            expected = normalise("\n".join(printed), folder, cache)
            if not matches(expected, output):
                problems.append(f"{page.name}:{line}: $ {command}\n--- printed\n{expected}\n--- got (exit {status})\n"
                                f"{output}")
    assert not problems, "\n\n".join(problems)


def test_the_comparison_leaves_out_only_what_changes_between_runs(tmp_path):
    """What a page prints is compared line by line: a changed number or a missing line fails, a port, a duration,
    a search id, the folders and today's date do not."""
    folder, cache = tmp_path / "here", tmp_path / "cache"
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    printed = normalise("sandbox on http://127.0.0.1:45889 (ready in 0.3 s)\n...\n"
                        f"3 hits (search id E6AC9D5A8A914589B6B3F21D0A591F34-1-D, 2 billed calls)\n"
                        f"wrote {DOC_FOLDER}/hits.xlsx, run of {PAGES_DAY}", folder, cache)
    got = (f"sandbox on http://127.0.0.1:39119 (ready in 1.25 s)\nrank  score\n   1  0.995\n"
           f"3 hits (search id 1F7FC0A7F2B44F9C99AC174947802832-1-D, 2 billed calls)\nwrote {folder}/hits.xlsx, "
           f"run of {today}")
    assert matches(printed, normalise(got, folder, cache))
    assert not matches(printed, normalise(got.replace("2 billed", "3 billed"), folder, cache))
    assert not matches(printed, normalise(got.replace("ready in 1.25 s)\n", "ready in 1.25 s)\nwarning\n")
                                          .split("\nwrote")[0], folder, cache))
    assert matches("a\n...\nc", "a\nc") and not matches("a", "a\nb") and not matches("a ... z", "a b\nz")
