"""Jupyter servers (Voila, JupyterLab/Notebook 7) on 127.0.0.1 and Chromium pages for the panel's browser tests.

One server per test module and one Chromium per test process (the session's ``chromium`` fixture): each test
walks the panel through its states and measures every state at several viewport widths on the same page.

Servers run with private Jupyter folders (``JUPYTER_PATH``, config, data, runtime)
and a ``python3`` kernelspec naming this interpreter, so nothing installed on the
machine changes what runs. Pages may reach 127.0.0.1/localhost only: every other
request is aborted and recorded.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from patsnap_pandas.testing import wait_until

ROOT = Path(__file__).resolve().parents[2]
APP_NOTEBOOK = ROOT / "notebooks" / "04_panel.ipynb"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
WIDTHS = (800, 1280, 1920)
HEIGHT = 900
PAGE_TIMEOUT_MS = 90_000  # first load: kernel start + sandbox corpus and image features
#: Where the browser tests write their screenshots (not committed; see .gitignore).
ARTIFACTS = Path(os.environ.get("PATSNAP_TEST_ARTIFACTS", ROOT / "tmp" / "artifacts"))


def chromium_path() -> str:
    """Debian's Chromium; skipped without it outside CI only (CI installs it in .ci/run)."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); CI always runs this test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def jupyter_env(root: Path) -> dict[str, str]:
    """Private Jupyter folders, a python3 kernelspec that runs this interpreter, exports under ``root``."""
    jupyter = root / "jupyter"
    spec_dir = jupyter / "path" / "kernels" / "python3"
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (patsnap-pandas .venv)", "language": "python",
    }))
    env = dict(os.environ)
    env.update(JUPYTER_PATH=str(jupyter / "path"), JUPYTER_CONFIG_DIR=str(jupyter / "config"),
               JUPYTER_DATA_DIR=str(jupyter / "data"), JUPYTER_RUNTIME_DIR=str(jupyter / "runtime"),
               JUPYTER_PLATFORM_DIRS="1", IPYTHONDIR=str(jupyter / "ipython"),
               XDG_DOCUMENTS_DIR=str(root / "Documents"), PYDEVD_DISABLE_FILE_VALIDATION="1")
    for name in ("PATSNAP_CLIENT_ID", "PATSNAP_CLIENT_SECRET", "PATSNAP_API_KEY", "PATSNAP_BASE_URL"):
        env.pop(name, None)
    return env


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    def listening() -> bool:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        with socket.socket() as s:
            s.settimeout(0.5)
            return s.connect_ex(("127.0.0.1", port)) == 0

    if wait_until(listening, timeout=timeout, interval=0.1):
        return
    pytest.fail(f"server did not listen on 127.0.0.1:{port} within {timeout} s:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def jupyter_server(kind: str, root: Path, extra_env: dict[str, str] | None = None) -> Iterator[tuple[str, Path]]:
    """``kind`` "voila" (serving the app notebook) or "lab" (JupyterLab + Notebook 7, no token).

    Yields the base URL and the server log. The app notebook is copied into ``root/work``
    (the server's folder), so nothing is written next to the repository's notebooks.
    """
    work = root / "work"
    work.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(APP_NOTEBOOK, work / "app.ipynb")
    env = jupyter_env(root)
    env.update(extra_env or {})
    port = free_port()
    log = root / f"{kind}.log"
    if kind == "voila":
        argv = [sys.executable, "-m", "voila", str(work / "app.ipynb"), "--no-browser", f"--port={port}",
                "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", "--show_tracebacks=True"]
    else:
        argv = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
                "--ServerApp.port_retries=0", "--IdentityProvider.token=", "--ServerApp.password=",
                "--ServerApp.disable_check_xsrf=True", f"--ServerApp.root_dir={work}",
                "--LabApp.news_url=", "--LabServerApp.extension_manager=readonly",
                "--ServerApp.open_browser=False", "--ServerApp.allow_root=True"]
    with log.open("w") as out:
        process = subprocess.Popen(argv, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        _wait_for_port(port, process, log)
        yield f"http://127.0.0.1:{port}/", log
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # the servers shut their kernels down on SIGTERM
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


class Chromium:
    """One headless Chromium for a test process: the session's ``chromium`` fixture (tests/conftest.py), shared by
    every browser test file a worker runs (a launch costs about a second of CPU). Started on first use, again if it
    died; what a module opened is closed by the module (:meth:`contexts_closed_after`)."""

    def __init__(self) -> None:
        self._pw = None
        self._browser = None

    def browser(self):
        """The running browser (Playwright's ``Browser``), launched on first use."""
        if self._browser is None or not self._browser.is_connected():
            executable = chromium_path()
            if self._pw is None:
                from playwright.sync_api import sync_playwright

                self._pw = sync_playwright().start()
            self._browser = self._pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        return self._browser

    @contextlib.contextmanager
    def contexts_closed_after(self) -> Iterator:
        """Yields the browser; closes the contexts (pages, downloads) opened meanwhile, so nothing one test file
        left open is seen by the next."""
        browser = self.browser()
        before = set(browser.contexts)
        try:
            yield browser
        finally:
            if browser.is_connected():
                for context in [c for c in browser.contexts if c not in before]:
                    context.close()

    def close(self) -> None:
        if self._browser is not None and self._browser.is_connected():
            self._browser.close()
        if self._pw is not None:
            self._pw.stop()
        self._browser = self._pw = None


class Browser:
    """The browser of a module: the process's shared Chromium (or one of its own), pages that reach loopback only,
    and the module's own record of blocked requests and page errors."""

    def __init__(self, chromium: Chromium | None = None) -> None:
        self._own = chromium is None
        self._chromium = Chromium() if chromium is None else chromium
        self._contexts = self._chromium.contexts_closed_after()
        self.browser = self._contexts.__enter__()
        self.blocked: list[str] = []
        self.errors: list[str] = []

    def page(self, width: int = WIDTHS[1]):
        context = self.browser.new_context(viewport={"width": width, "height": HEIGHT}, accept_downloads=True)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

        def only_loopback(route):
            if urlsplit(route.request.url).hostname in LOCAL_HOSTS or route.request.url.startswith("data:"):
                route.continue_()
            else:
                self.blocked.append(route.request.url)
                route.abort()

        page.route("**/*", only_loopback)
        return page

    def close(self) -> None:
        self._contexts.__exit__(None, None, None)
        if self._own:
            self._chromium.close()


#: Layout problems of the visible panel, measured in the page: (what, element, numbers).
LAYOUT_JS = """
(panelSelector) => {
  const problems = [];
  const vw = document.documentElement.clientWidth;
  const panel = document.querySelector(panelSelector);
  if (!panel) return [["no panel", panelSelector, ""]];
  const pr = panel.getBoundingClientRect();
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === 'none' || s.visibility === 'hidden') return false;
    }
    return true;
  };
  const name = (el) => {
    const cls = [...el.classList].filter(c => c.startsWith('psp-') || c.startsWith('widget-')).join('.');
    const text = (el.innerText || el.value || el.getAttribute('alt') || '').trim().slice(0, 40);
    return `${el.tagName.toLowerCase()}${cls ? '.' + cls : ''} "${text}"`;
  };
  if (pr.right > vw + 1) problems.push(["panel beyond viewport", name(panel), `${pr.right} > ${vw}`]);
  for (const el of panel.querySelectorAll('*')) {
    if (!visible(el) || el.closest('style')) continue;
    const r = el.getBoundingClientRect();
    if (r.right > vw + 1) problems.push(["right edge beyond the viewport", name(el), `${Math.round(r.right)} > ${vw}`]);
    else if (r.right > pr.right + 1 && !el.closest('.widget-slider')) problems.push(["right edge beyond the panel (clipped)", name(el), `${Math.round(r.right)} > ${Math.round(pr.right)}`]);
    const control = el.matches('button, select, textarea, label, .widget-label, .psp-label, .widget-readout, input:not([type=file]):not([type=checkbox])');
    if (control && el.scrollWidth > el.clientWidth + 1) problems.push(["narrower than its content", name(el), `${el.scrollWidth} > ${el.clientWidth}`]);
  }
  let scroller = document.scrollingElement;
  if (scroller.scrollWidth > scroller.clientWidth + 1) problems.push(["page scrolls sideways", "document", `${scroller.scrollWidth} > ${scroller.clientWidth}`]);
  for (const el of document.querySelectorAll('.jp-WindowedPanel-outer, .jp-Notebook, .jp-OutputArea, #rendered_cells, .voila-container, body')) {
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'hidden') problems.push(["container scrolls sideways", name(el), `${el.scrollWidth} > ${el.clientWidth}`]);
  }
  return problems;
}
"""


def layout_problems(page, selector: str = ".psp-panel") -> list[list[str]]:
    """The layout problems of the visible panel (an empty list when everything fits)."""
    return page.evaluate(LAYOUT_JS, selector)


def settle(page, frames: int = 2) -> None:
    """Wait until the page has drawn ``frames`` more frames (Lumino and the widgets lay out on the next one).

    An event, not a clock: the browser runs the callbacks of ``requestAnimationFrame`` after it
    handled the resize and laid the page out.
    """
    page.evaluate("""(frames) => new Promise(done => {
      const step = (left) => left ? requestAnimationFrame(() => step(left - 1)) : done();
      step(frames);
    })""", frames)


def decoded_box(img, timeout_ms: int = 20_000) -> dict:
    """The bounding box of one ``<img>`` locator once it is on screen and its picture is decoded.

    Waits for what a test asserts on instead of reading a snapshot of a page still drawing:
    the element visible (``expect``), then the picture decoded (``img.decode()``, a promise the
    browser rejects when the picture cannot be loaded), then its box.
    """
    from playwright.sync_api import expect

    expect(img).to_be_visible(timeout=timeout_ms)
    natural = img.evaluate("img => img.decode().then(() => img.naturalWidth)", timeout=timeout_ms)
    assert natural > 0, f"{img} has no picture"
    return visible_box(img, timeout_ms)


def visible_box(locator, timeout_ms: int = 20_000) -> dict:
    """The bounding box of ``locator`` once it is visible (never the None of an element still being drawn)."""
    from playwright.sync_api import expect

    expect(locator).to_be_visible(timeout=timeout_ms)
    box = locator.bounding_box(timeout=timeout_ms)
    assert box is not None, f"{locator} left the screen"
    return box


def check_widths(page, label: str, *, widths=WIDTHS, selector: str = ".psp-panel",
                 full_page: bool = True, focus: str | None = None) -> dict[int, list]:
    """Measure the panel at each width (same page, resized) and screenshot it; returns problems per width.

    ``full_page`` grows the window to the panel's height (Voila); otherwise the screenshot is
    the window, scrolled to ``focus`` (an element of the state being shown) when given.
    """
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    panel = page.locator(selector).first
    expect(panel).to_be_visible()
    found = {}
    for width in widths:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        settle(page)  # let the layout settle (Lumino resizes on the next frame)
        found[width] = layout_problems(page, selector)
        if full_page:  # Voila and JupyterLab scroll inside their own containers: grow the window instead
            height = visible_box(panel)["height"]
            page.set_viewport_size({"width": width, "height": int(min(max(HEIGHT, height + 300), 8000))})
            settle(page)
        elif focus:
            page.locator(focus).first.evaluate("el => el.scrollIntoView({block: 'start'})")
            settle(page)
        page.screenshot(path=str(ARTIFACTS / f"{label}-{width}.png"), full_page=full_page)
    return {w: p for w, p in found.items() if p}
