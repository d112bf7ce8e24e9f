"""The PDF engine Chromium: the paged HTML the PDF writer gives WeasyPrint, printed by one headless Chromium.

One browser per process, started on first use, reused for every PDF after it and
closed at interpreter exit. Playwright's synchronous API refuses to run in a thread
with a running asyncio loop (a Jupyter kernel's main thread), so the browser lives
in a dedicated thread and each PDF is a job handed to it; callers wait for the PDF.
PDFs of several threads are printed one after another. A browser that died (killed,
crashed) is started again for the next PDF.

The page is the same one WeasyPrint lays out (``render_html(..., medium="print")``):
page size and margins, the running header with the title and the SANDBOX banner and
the footer with "Page N of M" come from the CSS ``@page`` margin boxes (Chromium
131 and later). Chromium ignores ``image-resolution``, so each image is given as a
``srcset`` candidate with a pixel density: its natural size is then its pixels at
:data:`~patsnap_pandas.report.paged.PRINT_DPI` (and it is never blown up past that).
Images stay ``data:`` URIs and the page's content security policy stays in force:
the browser loads nothing else, and runs no script.

The browser: a Chromium found on the ``PATH`` (Debian's ``chromium``, Google Chrome)
first, else the one ``playwright install chromium`` downloads.
"""

from __future__ import annotations

import atexit
import importlib.util
import io
import os
import queue
import re
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from .._extras import require
from .._html import data_uri
from .html import IMAGE_SCHEME
from .paged import PRINT_DPI

__all__ = ["ChromiumUnavailable", "chromium_executable", "chromium_ready", "print_pdf"]

#: Executable names of a Chromium on the PATH, in the order they are tried.
SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
#: Arguments of the headless browser (the same the browser tests use; no network of its own).
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--disable-extensions"]
#: Longest wait for one PDF, in milliseconds (a 150-page batch on a loaded machine takes a minute).
TIMEOUT_MS = 600_000
# CSS pixels are 1/96 inch: an image of density PRINT_DPI/96 is PRINT_DPI at its natural size.
_DENSITY = PRINT_DPI / 96
_IMAGE_REF = re.compile(r'src="(' + re.escape(IMAGE_SCHEME) + r'\d+)"')


def chromium_executable() -> str | None:
    """The Chromium that prints PDFs: one on the PATH, else Playwright's own download; None if there is none.

    Examples
    --------
    >>> path = chromium_executable()
    >>> path is None or Path(path).exists()
    True
    """
    for name in SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return _playwright_chromium()


def _playwright_chromium() -> str | None:
    """The newest Chromium ``playwright install chromium`` put in Playwright's browsers folder, or None."""
    custom = os.environ.get("PLAYWRIGHT_BROWSERS_PATH", "")
    if custom and custom != "0":
        root = Path(custom)
    elif sys.platform == "darwin":
        root = Path.home() / "Library" / "Caches" / "ms-playwright"
    elif sys.platform == "win32":
        root = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "ms-playwright"
    else:
        root = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ms-playwright"
    names = ("chrome", "chrome.exe", "headless_shell", "headless_shell.exe", "Chromium", "Google Chrome for Testing")
    for folder in sorted(root.glob("chromium*-*"), reverse=True) if root.is_dir() else ():
        for path in sorted(folder.rglob("*")):
            if path.name in names and path.is_file() and os.access(path, os.X_OK):
                return str(path)
    return None


def chromium_ready() -> bool:
    """Whether the Chromium engine can run: Playwright installed (the ``[pdf]`` extra) and a Chromium found.

    Examples
    --------
    >>> isinstance(chromium_ready(), bool)
    True
    """
    try:
        found = importlib.util.find_spec("playwright") is not None
    except (ImportError, ValueError):  # an import hook that hides it, a broken install
        found = False
    return found and chromium_executable() is not None


def chromium_page(page: str, images: dict[bytes, str]) -> str:
    """``page`` (rendered with ``images=``) with each ``report-image:N`` reference made a ``data:`` URI of a
    pixel density that prints it at :data:`PRINT_DPI`.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> png = io.BytesIO()
    >>> Image.new("L", (300, 100)).save(png, "PNG")
    >>> page = chromium_page('<img src="report-image:0" alt="x">', {png.getvalue(): "report-image:0"})
    >>> page[:36], page[-18:]
    ('<img srcset="data:image/png;base64,i', ' 2.1277x" alt="x">')
    """
    candidates = {name: f"{data_uri(data)} {density(data):.4f}x" for data, name in images.items()}
    return _IMAGE_REF.sub(lambda m: f'srcset="{candidates[m.group(1)]}"', page)


def density(image: bytes) -> float:
    """The pixel density (pixels per CSS pixel) that prints ``image`` at :data:`PRINT_DPI` or finer at its
    natural size, a CSS pixel of rounding included: Chromium paints an image in a box rounded to whole CSS
    pixels, one more than the image's size at worst.

    Examples
    --------
    >>> from patsnap_pandas import samples
    >>> round(density(samples.image("armchair").read_bytes()), 3)  # 640 x 553 pixels: 306 x 264 CSS pixels
    2.091
    """
    from PIL import Image

    try:
        with Image.open(io.BytesIO(image)) as picture:
            side = min(picture.size)
    except Exception:  # noqa: BLE001 - not an image Pillow reads: Chromium shows it as it can
        return _DENSITY
    return _DENSITY * side / (side - _DENSITY) if side > 4 * _DENSITY else _DENSITY


class ChromiumUnavailable(RuntimeError):
    """The Chromium found could not be started (a broken install, missing system libraries).

    ``write_pdf(..., engine="auto")`` falls back on WeasyPrint when it is raised; ``engine="chromium"`` lets it through.

    Examples
    --------
    >>> raise ChromiumUnavailable("Chromium at /usr/bin/chromium did not start: missing libnss3")
    Traceback (most recent call last):
    ...
    patsnap_pandas.report.pdf_chromium.ChromiumUnavailable: Chromium at /usr/bin/chromium did not start: missing libnss3
    """


def print_pdf(page: str, target: Path) -> Path:
    """Print the paged HTML ``page`` (every image a ``data:`` URI) to the PDF ``target`` with the process's
    Chromium, started on first use (see the module's text). The file is written here, as any writer's:
    its folder must exist.

    Raises
    ------
    MissingExtraError
        No Playwright (the ``[pdf]`` extra), or no Chromium: the message says how to get one.
    ChromiumUnavailable
        The Chromium found does not start.

    Examples
    --------
    >>> from pathlib import Path
    >>> page = "<!doctype html><meta charset=utf-8><style>@page { size: A4 }</style><p>One page</p>"
    >>> print_pdf(page, Path("one.pdf")).read_bytes()[:5]
    b'%PDF-'
    """
    require("playwright", "Writing PDF reports with Chromium")
    executable = chromium_executable()
    if executable is None:
        from ..errors import MissingExtraError

        raise MissingExtraError("pdf", feature="Writing PDF reports with Chromium (no Chromium was found: install "
                                "one with `playwright install chromium` or your system's chromium package, "
                                "or pass engine='weasyprint')", module="chromium")
    with tempfile.TemporaryDirectory(prefix="patsnap-pdf-") as tmp:
        source = Path(tmp) / "report.html"
        source.write_text(page, encoding="utf-8")
        pdf = _BROWSER.run(executable, lambda tab: _print(tab, source))
    target.write_bytes(pdf)
    return target


def _print(tab: Any, source: Path) -> bytes:
    """One PDF in the browser's tab (scripts off): the page loaded, printed, then left for a blank one."""
    try:
        tab.goto(source.as_uri(), wait_until="load", timeout=TIMEOUT_MS)
        return tab.pdf(prefer_css_page_size=True, print_background=True, outline=False, tagged=False)
    finally:
        tab.goto("about:blank")


class _Browser:
    """One headless Chromium in a thread of its own; :meth:`run` hands a job its one tab and waits for the answer.

    The tab is reused from PDF to PDF (a new context per PDF would start a new renderer process: 0.4-0.9 s
    of CPU each time); scripts are off in it, and each PDF is a new page loaded in it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: queue.Queue[tuple[str, Callable[[Any], Any], Future[Any]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._pid = 0
        #: Browsers started by this process (one, unless one died).
        self.launches = 0

    def run(self, executable: str, job: Callable[[Any], Any]) -> Any:
        done: Future[Any] = Future()
        with self._lock:
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._jobs = queue.Queue()  # a forked child starts its own browser, never its parent's
                self._thread = threading.Thread(target=self._serve, args=(self._jobs,), daemon=True,
                                                name="patsnap-pdf-chromium")
                self._pid = os.getpid()
                self._thread.start()
            self._jobs.put((executable, job, done))
        return done.result()

    def close(self) -> None:
        """Close the browser (at interpreter exit; the next :meth:`run` starts a new one)."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is not None and thread.is_alive() and self._pid == os.getpid():
                self._jobs.put(None)
                thread.join(timeout=30)

    def _serve(self, jobs: queue.Queue[tuple[str, Callable[[Any], Any], Future[Any]] | None]) -> None:
        playwright: Any = None
        browser: Any = None
        tab: Any = None
        try:
            while (item := jobs.get()) is not None:
                executable, job, done = item
                if not done.set_running_or_notify_cancel():
                    continue
                try:
                    if playwright is None:
                        from playwright.sync_api import sync_playwright

                        playwright = sync_playwright().start()
                    if browser is None or not browser.is_connected():
                        browser = _launch(playwright, executable)
                        tab = None
                        self.launches += 1
                    if tab is None or tab.is_closed():
                        tab = browser.new_context(java_script_enabled=False).new_page()
                    done.set_result(job(tab))
                except BaseException as exc:  # noqa: BLE001 - handed to the caller, who raises it
                    done.set_exception(exc)
                    _discard(tab)  # a tab that failed (crashed, timed out) is not used again
                    tab = None
        finally:
            for closing in (browser and browser.close, playwright and playwright.stop):
                try:
                    if closing:
                        closing()
                except Exception:  # noqa: BLE001, S110 - the browser is gone already: nothing to close
                    pass


def _launch(playwright: Any, executable: str) -> Any:
    """The headless browser at ``executable``, or :class:`ChromiumUnavailable` saying why it did not start."""
    try:
        return playwright.chromium.launch(executable_path=executable, args=ARGS, headless=True)
    except Exception as exc:  # noqa: BLE001 - Playwright's Error: the reason is in its message
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ChromiumUnavailable(f"Chromium ({executable}) did not start: {reason[:300]}") from None


def _discard(tab: Any) -> None:
    """Close ``tab``'s context if it still can be."""
    try:
        if tab is not None:
            tab.context.close()
    except Exception:  # noqa: BLE001, S110 - a crashed tab or a dead browser: nothing left to close
        pass


_BROWSER = _Browser()
atexit.register(_BROWSER.close)
