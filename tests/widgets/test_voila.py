"""notebooks/04_panel.ipynb served by Voila on 127.0.0.1 and driven in Debian's Chromium by Playwright.

The notebook's first cell finds no PATSNAP_* credentials in the test environment, so its
kernel starts the offline sandbox. The browser may reach 127.0.0.1/localhost only: every
other request is aborted and recorded. Voila's kernel is this virtualenv's Python: a
``python3`` kernelspec written to a private JUPYTER_PATH names ``sys.executable``, and
Jupyter's config, data and runtime folders are private too, so nothing on the machine
(a user's kernelspec or Jupyter config) changes what runs.
"""

from __future__ import annotations

import base64
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

from patsnap_pandas.codes import AUTHORITIES

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "04_panel.ipynb"
CHROMIUM = "/usr/bin/chromium"
# Flags Chromium needs on this machine: root, no GPU, and no background traffic to Google.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
PAGE_TIMEOUT_MS = 60_000  # first load: kernel start + sandbox corpus and image features


@pytest.fixture
def chromium() -> str:
    """Debian's Chromium; skipped without it outside CI only (CI installs it in .ci/run)."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); CI always runs this test")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"voila exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"voila did not listen on 127.0.0.1:{port} within {timeout} s:\n{log.read_text()[-3000:]}")


def _jupyter_env(tmp_path: Path) -> dict[str, str]:
    """Private Jupyter folders and a python3 kernelspec that runs this interpreter."""
    jupyter = tmp_path / "jupyter"
    spec_dir = jupyter / "path" / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (patsnap-pandas .venv)", "language": "python",
    }))
    env = dict(os.environ)
    env.update(JUPYTER_PATH=str(jupyter / "path"), JUPYTER_CONFIG_DIR=str(jupyter / "config"),
               JUPYTER_DATA_DIR=str(jupyter / "data"), JUPYTER_RUNTIME_DIR=str(jupyter / "runtime"),
               JUPYTER_PLATFORM_DIRS="1", IPYTHONDIR=str(jupyter / "ipython"))
    return env


@pytest.fixture
def sample(tmp_path):
    """A drawing of the sandbox's default corpus (what the kernel's sandbox serves) as a PNG file."""
    from patsnap_pandas.sandbox.corpus import generated_corpus

    corpus = generated_corpus()  # cached in PATSNAP_SANDBOX_CACHE_DIR, shared with the kernel
    design = next(d for d in corpus.designs if d.authority == "US")  # English titles in the screenshot
    path = tmp_path / "sample-drawing.png"
    path.write_bytes(corpus.image_png(design.image_keys[0]))
    return path, design


@pytest.fixture
def voila(tmp_path):
    """Voila serving the panel notebook on 127.0.0.1; stopped (kernels included) afterwards."""
    env = _jupyter_env(tmp_path)
    spec = subprocess.run([sys.executable, "-m", "jupyter", "kernelspec", "list", "--json"], env=env,
                          capture_output=True, text=True, check=True, timeout=60)
    python3 = json.loads(spec.stdout)["kernelspecs"]["python3"]
    assert python3["spec"]["argv"][0] == sys.executable, python3  # Voila's kernel is this .venv's Python
    port = _free_port()
    log = tmp_path / "voila.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "voila", str(NOTEBOOK), "--no-browser", f"--port={port}",
             "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", "--show_tracebacks=True"],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for_port(port, process, log)
        yield f"http://127.0.0.1:{port}/", log
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # voila shuts its kernels down on SIGTERM
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest.mark.slow
def test_panel_in_voila_and_chromium(chromium, voila, sample, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    url, log = voila
    image_path, design = sample
    blocked: list[str] = []
    page_errors: list[str] = []

    def only_loopback(route):
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda exc: page_errors.append(str(exc)))
            page.route("**/*", only_loopback)
            page.goto(url, timeout=PAGE_TIMEOUT_MS)

            # the first cell says which backend it uses
            expect(page.get_by_text("Using the offline sandbox instead")).to_be_visible(timeout=PAGE_TIMEOUT_MS)
            panel = page.locator(".psp-panel")
            expect(panel).to_be_visible(timeout=PAGE_TIMEOUT_MS)
            expect(page.locator(".psp-title")).to_contain_text("offline sandbox")
            search = page.locator("button.psp-search")
            expect(search).to_be_disabled()

            # choose the sample drawing with the file chooser, and a country
            with page.expect_file_chooser() as chooser:  # ipywidgets makes its <input type=file> on click
                page.locator("button.psp-upload").click()
            chooser.value.set_files(str(image_path))
            expect(page.locator(".psp-preview img")).to_be_visible(timeout=20_000)
            expect(page.locator(".psp-preview")).to_contain_text(image_path.name)
            page.locator(".psp-country select").select_option(
                label=f"{design.authority} {AUTHORITIES[design.authority]}")
            expect(search).to_be_enabled(timeout=10_000)

            search.click()
            cells = page.locator(".psp-grid figure")
            expect(cells).to_have_count(10, timeout=30_000)
            expect(page.locator(".psp-status")).to_contain_text("Found 10 hits")
            expect(page.locator(".psp-status")).to_contain_text("2 billed")
            expect(cells.first).to_contain_text(design.patent_pn)
            for i in range(10):  # every thumbnail decoded by the browser
                assert cells.nth(i).locator("img").evaluate("img => img.complete && img.naturalWidth > 0")

            # the score chart: an embedded PNG the browser has drawn
            chart = page.locator(".psp-chart img")
            expect(chart).to_have_attribute("alt", "Top 10 similarity scores")
            src = chart.get_attribute("src")
            assert src.startswith("data:image/png;base64,")
            png = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
            assert png.format == "PNG" and png.width > 300
            assert chart.evaluate("img => img.naturalWidth") == png.width

            page.locator("button.psp-more").click()
            expect(cells).to_have_count(20, timeout=30_000)
            expect(page.locator(".psp-status")).to_contain_text("Loaded 10 more hits")
            expect(page.locator(".psp-status")).to_contain_text("3 billed")

            # Voila scrolls inside its own container: make the window as tall as the panel
            height = panel.bounding_box()["height"]
            page.set_viewport_size({"width": 1280, "height": int(min(height + 400, 6000))})
            screenshot = tmp_path / "panel.png"
            panel.screenshot(path=str(screenshot))
        finally:
            browser.close()

    with Image.open(screenshot) as shot:
        assert shot.width > 1000 and shot.height > 1200  # controls, chart and 20 thumbnails
    assert not page_errors, (page_errors, "requests blocked (off loopback):", blocked)
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


def test_notebook_starts_with_the_backend_choice_and_holds_no_outputs():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))  # plain JSON: nbformat takes seconds to import
    assert nb["nbformat"] == 4 and nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [cell for cell in nb["cells"] if cell["cell_type"] == "code"]
    first, second = ("".join(cell["source"]) for cell in code[:2])
    assert "PatsnapClient.from_env()" in first and "PatsnapClient.sandbox()" in first
    assert "MissingCredentialsError" in first and first.count("print(") == 2  # says which it uses
    assert "SearchPanel(client)" in second
    # outputs could carry data or secrets of whoever ran it last: the notebook is stored clean
    assert all(not cell["outputs"] and cell["execution_count"] is None for cell in code)
