#!/usr/bin/env python3
"""Set up and run the merchant alliance on this machine.

    python3 dev.py run    create .venv, install, migrate, seed demo data once, serve on 127.0.0.1:5000
    python3 dev.py test   create .venv, install, lint, run the whole test suite

Only Python 3.11+ is needed; everything else comes from PyPI into .venv.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def sh(*args: str, env: dict | None = None) -> None:
    print("+", " ".join(args), flush=True)
    subprocess.run(args, cwd=ROOT, check=True, env={**os.environ, **(env or {})})


def setup(requirements: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older python3
        sys.exit("Python 3.11 or newer is needed.")
    if not PY.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    # Test tools whose declared bounds lag behind our pins come without their dependencies.
    no_deps = ROOT / "requirements-dev-nodeps.txt" if requirements == "requirements-dev.txt" else None
    wanted = hashlib.sha256()
    for path in (ROOT / "requirements.txt", ROOT / requirements, no_deps):
        if path is not None:
            wanted.update(path.read_bytes())
    stamp = VENV / f".installed-{requirements}"
    if not stamp.exists() or stamp.read_text() != wanted.hexdigest():
        pip = (str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q")
        sh(*pip, "--upgrade", "pip")
        sh(*pip, "-r", requirements)
        if no_deps is not None:
            sh(*pip, "--no-deps", "-r", no_deps.name)
        stamp.write_text(wanted.hexdigest())
    flask("i18n", "compile")
    flask("assets", "build")


def flask(*args: str, env: dict | None = None) -> None:
    sh(str(PY), "-m", "flask", "--app", "wsgi", *args, env=env)


def say(text: str) -> None:
    print(f"\n== {text}", flush=True)


def run() -> None:
    say("Setting up the virtual environment and translations")
    setup("requirements.txt")
    say("Bringing the database up to date (migrations)")
    flask("db", "upgrade")
    instance = ROOT / "instance"
    instance.mkdir(exist_ok=True)
    marker = instance / "demo-logins.txt"
    url = os.environ.get("DATABASE_URL", "sqlite")
    if not marker.exists() or not marker.read_text().startswith(url + "\n"):
        say("Loading the demo data: branches, shops, coupons, vouchers, the programme (once; about a minute)")
        out = subprocess.run(
            [str(PY), "-m", "flask", "--app", "wsgi", "demo"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        marker.write_text(url + "\n" + out)
        say("Demo data loaded")
    else:
        say("Demo data already loaded (delete instance/demo-logins.txt to load it again)")
    print("\n" + marker.read_text().split("\n", 1)[1], flush=True)
    say("Starting the server on http://127.0.0.1:5000 with the scheduler in a background thread")
    os.execv(
        str(PY), [str(PY), "-m", "flask", "--app", "wsgi", "serve", "--host", "127.0.0.1", "--port", "5000"]
    )


def test(extra: list[str]) -> None:
    setup("requirements-dev.txt")
    sh(str(BIN / "ruff"), "check", ".")
    sh(str(BIN / "ruff"), "format", "--check", ".")
    flask("i18n", "check")
    workers = os.environ.get("TEST_WORKERS", "auto")
    sh(str(PY), "-m", "pytest", "-n", workers, "--dist", "loadgroup", *extra)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "run"
    if command == "run":
        run()
    elif command == "test":
        test(sys.argv[2:])
    else:
        sys.exit(__doc__)
