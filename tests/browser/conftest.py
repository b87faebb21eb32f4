"""Fixtures for the end-to-end tests of the web UI: a real ``qa serve`` process and headless Chromium.

One index (the seeds plus a document full of XSS payloads) is built per session, one server
serves it to the whole module, and one browser is shared; each test gets a fresh page.
The browser is Debian's ``chromium`` (``apt-get install chromium``) driven by Playwright for
Python; the tests skip, saying why, only where that browser or Playwright is not installed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.builders import ROOT, SEEDS, XSS_SOURCE, XSS_TEXT, new_page

SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = Path(os.environ.get("QA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return json.load(response)

    def post(self, path: str, body: dict) -> dict:
        request = urllib.request.Request(self.url + path, json.dumps(body).encode(),
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)


def start_server(data_dir: Path, log: Path, timeout: float = 120.0) -> Server:
    """``qa serve`` on a free loopback port, once /api/health answers."""
    port = _free_port()
    command = [sys.executable, "-m", "qa", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--data-dir", str(data_dir)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, env=env)
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"qa serve exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(server.url + "/api/health", timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"qa serve did not answer within {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


# ---------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests need Playwright for Python (pip install playwright)")
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# ---------------------------------------------------------------- index and server


@pytest.fixture(scope="session")
def web_data_dir(request, tmp_path_factory) -> Path:
    """The seeds plus the XSS document, indexed once per session.

    The seed index of tests/conftest.py (``seed_qa``) is copied when it exists, so the seeds
    are embedded once for the whole test run; otherwise they are indexed here.
    """
    from qa.engine import QA

    target = tmp_path_factory.mktemp("web-index")
    try:
        seed_qa = request.getfixturevalue("seed_qa")
    except pytest.FixtureLookupError:
        seed_qa = None
    if seed_qa is not None:
        shutil.copytree(seed_qa.index.directory, target, dirs_exist_ok=True)
    qa = QA.open(target, create=True)
    if seed_qa is None:
        _, errors = qa.add_paths([SEEDS])
        assert not errors, errors
    xss = tmp_path_factory.mktemp("xss") / XSS_SOURCE
    xss.write_text(XSS_TEXT, encoding="utf-8")
    report, errors = qa.add_paths([xss])
    assert not errors, errors
    assert XSS_SOURCE in report.added_sources
    del qa
    return target


def _require_qa_serve() -> None:
    if importlib.util.find_spec("qa.server") is None:
        pytest.skip("browser tests need the web service (qa/server, `qa serve`), which this checkout lacks")


@pytest.fixture(scope="session")
def server(request, tmp_path_factory):
    _require_qa_serve()  # before the index is built
    log = tmp_path_factory.mktemp("server") / "qa-serve.log"
    server = start_server(request.getfixturevalue("web_data_dir"), log)
    yield server
    server.stop()


@pytest.fixture
def spare_server(request, tmp_path):
    """A second ``qa serve`` over the same index that a test may stop."""
    _require_qa_serve()
    server = start_server(request.getfixturevalue("web_data_dir"), tmp_path / "qa-serve-spare.log")
    yield server
    server.stop()


# ---------------------------------------------------------------- pages


@pytest.fixture
def page(browser, server):
    page = new_page(browser)
    page.goto(server.url + "/")
    yield page
    errors = list(page.errors)
    page.context.close()
    assert not errors, f"page errors: {errors}"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
