"""The dependency direction of ARCHITECTURE.md: core depends on no feature; alliance never on mall."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(package: str):
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield path, node.module


def test_alliance_never_imports_mall():
    bad = [
        f"{p.relative_to(ROOT)}: {m}" for p, m in _imports("alliance") if m == "mall" or m.startswith("mall.")
    ]
    assert bad == []


def test_core_imports_no_feature():
    bad = [
        f"{p.relative_to(ROOT)}: {m}"
        for p, m in _imports("alliance/core")
        if (m.startswith("alliance.") and not m.startswith("alliance.core")) or m.startswith("mall")
    ]
    assert bad == []


def test_services_never_touch_the_request():
    forbidden = {"request", "current_user", "session", "flash", "g"}
    bad = []
    files = [p for top in ("alliance", "mall") for p in (ROOT / top).rglob("*.py")]
    for path in (p for p in files if any(part.startswith("services") for part in p.relative_to(ROOT).parts)):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in {"flask", "flask_login"}:
                names = {a.name for a in node.names} & forbidden
                if names:
                    bad.append(f"{path.relative_to(ROOT)} imports {sorted(names)}")
    assert bad == []
