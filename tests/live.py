"""A real server process for race and browser tests, and Playwright driving Debian's Chromium.

`live_server` serves the test's own database with gunicorn (several worker processes, many threads
each), so concurrent requests really run in parallel against SQLite or PostgreSQL.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = ROOT / "tests" / "e2e" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    log_path: Path
    log_file: object = None

    def api(self, path: str) -> str:
        return f"{self.url}/api/v1{path}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.log_file is not None and not self.log_file.closed:
            self.log_file.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def start_live_server(
    config: dict,
    log_dir: Path,
    *,
    now: datetime | None = None,
    workers: int = 2,
    threads: int = 16,
) -> LiveServer:
    """Start gunicorn on a free port serving `config` (the test's app_config); wait until it answers."""
    port = free_port()
    log_path = log_dir / f"server-{port}.log"
    settings = {k: v for k, v in config.items() if isinstance(v, (str, int, float, bool, type(None)))}
    settings.setdefault("SCHEDULER_ENABLED", False)
    env = {
        **os.environ,
        "ALLIANCE_TEST_CONFIG": json.dumps(settings),
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": str(config.get("SECRET_KEY", "test-secret")),
        "PYTHONPATH": str(ROOT),
    }
    if now is not None:
        env["ALLIANCE_TEST_NOW"] = now.isoformat()
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--timeout",
        "120",
        "--graceful-timeout",
        "5",
        "tests.serve:app",
    ]
    log_file = log_path.open("w")
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    server = LiveServer(f"http://127.0.0.1:{port}", process, log_path, log_file)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            server.stop()
            raise RuntimeError(f"live server exited early:\n{server.log()}")
        try:
            if requests.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"live server did not answer in time:\n{server.log()}")


@pytest.fixture
def live_server(app, db, app_config, tmp_path):
    """A gunicorn server on the test's database. Commit what the server must see before using it."""
    db.session.commit()
    server = start_live_server(app_config, tmp_path)
    yield server
    db.session.remove()
    server.stop()


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM)


def require_chromium() -> None:
    if not chromium_available():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Chromium is required under CI=true but {CHROMIUM} is missing")
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}")


@pytest.fixture(scope="session")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


def new_page(browser, *, viewport: dict | None = None, locale: str = "zh-CN"):
    context = browser.new_context(
        viewport=viewport or PHONE,
        locale=locale,
        device_scale_factor=1,
        is_mobile=(viewport or PHONE)["width"] < 600,
        has_touch=(viewport or PHONE)["width"] < 600,
    )
    context.set_default_timeout(15000)
    return context.new_page()


@pytest.fixture
def page(browser):
    """A phone-sized page (390×844, zh-CN browser)."""
    pg = new_page(browser)
    yield pg
    pg.context.close()


def screenshot(pg, name: str, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=full_page)
    return path


def sign_in(page, server, username: str, password: str | None = None) -> None:
    """Sign in through the login page of `server` (a LiveServer) and land where the role lands: the till
    for a trading shop's owner and clerks, the dashboard for staff, the home page for everyone else."""
    from alliance.branches.demo import DEMO_PASSWORD

    page.goto(server.url + "/login")
    page.fill("#username", username)
    page.fill("#password", password or DEMO_PASSWORD)
    page.click("#submit")
    # Each role lands on its own page (customers the home page, staff their dashboard, ...).
    page.wait_for_url(lambda url: "/login" not in url)
