"""What the HTTP benchmarks share: a fresh database (SQLite file or PostgreSQL), bulk seeding with
SQLAlchemy Core, a gunicorn server in its own process, and wrk as the load generator in another.

Figures depend on the machine and on what else runs on it: compare figures of one run, not of two.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
LUA = Path(__file__).with_name("requests.lua")


# ---------------------------------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------------------------------


def postgres_available() -> bool:
    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
        return True
    except sa.exc.SQLAlchemyError:
        return False


@dataclass
class Database:
    kind: str
    url: str
    name: str | None = None
    folder: tempfile.TemporaryDirectory | None = None

    def drop(self) -> None:
        if self.kind == "postgres" and self.name:
            admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :n AND pid <> pg_backend_pid()"
                    ),
                    {"n": self.name},
                )
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}"'))
            admin.dispose()
        if self.folder is not None:
            self.folder.cleanup()


def fresh_database(kind: str) -> Database:
    if kind == "sqlite":
        folder = tempfile.TemporaryDirectory(prefix="alliance-bench-")
        return Database(kind, f"sqlite:///{folder.name}/bench.sqlite3", folder=folder)
    name = f"alliance_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return Database(kind, PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name, name=name)


def app_for(url: str, **overrides):
    from wsgi import create_app

    return create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SCHEDULER_ENABLED": False, **overrides}
    )


def analyse() -> None:
    from alliance.core.extensions import db

    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


# ---------------------------------------------------------------------------------------------------
# Seeding (Core, in bulk)
# ---------------------------------------------------------------------------------------------------


def table(name: str) -> sa.Table:
    from alliance.core.extensions import db

    return db.metadata.tables[name]


def insert_many(name: str, rows: list[dict], batch: int = 5000) -> None:
    from alliance.core.extensions import db

    for i in range(0, len(rows), batch):
        db.session.execute(table(name).insert(), rows[i : i + batch])


def seed_shops(n_merchants: int = 1) -> list[int]:
    """Branches, districts and active merchants; their ids."""
    now = datetime.now(UTC)
    insert_many("branches", [{"id": 1, "name": "支行1", "created_at": now}])
    insert_many("districts", [{"id": 1, "name": "商圈1", "branch_id": 1, "created_at": now}])
    insert_many(
        "merchants",
        [
            {
                "id": i,
                "name": f"商户{i}号店",
                "district_id": 1,
                "format": "street_shop",
                "industry": "catering",
                "store_type": "restaurant",
                "status": "active",
                "created_at": now,
                "updated_at": now,
            }
            for i in range(1, n_merchants + 1)
        ],
    )
    return list(range(1, n_merchants + 1))


_user_ids = iter(range(1, 10**9))


def seed_users(n: int, role: str, merchant_id: int | None = None) -> list[tuple[int, str]]:
    """`n` users with a bearer token each: [(user id, raw token)]."""
    from alliance.accounts.services import _digest

    now = datetime.now(UTC)
    users, tokens, out = [], [], []
    for _ in range(n):
        uid = next(_user_ids)
        raw = secrets.token_urlsafe(24)
        users.append(
            {
                "id": uid,
                "username": f"{role}{uid}",
                "password_hash": "!",
                "role": role,
                "merchant_id": merchant_id,
                "active": True,
                "created_at": now,
            }
        )
        tokens.append(
            {
                "user_id": uid,
                "token_hash": _digest(raw),
                "created_at": now,
                "expires_at": now + timedelta(days=30),
            }
        )
        out.append((uid, raw))
    insert_many("users", users)
    insert_many("api_tokens", tokens)
    return out


def coupon_row(cid: int, merchant_id: int, stock: int, **extra) -> dict:
    now = datetime.now(UTC)
    return {
        "id": cid,
        "merchant_id": merchant_id,
        "title": f"满100减20 {cid}",
        "kind": "threshold_cut",
        "threshold_fen": 10000,
        "cut_fen": 2000,
        "search_text": f"满100减20 {cid}",
        "stock_total": stock,
        "stock_remaining": stock,
        "stock_shards": 0,
        "per_customer_limit": 1,
        "valid_days_after_claim": 30,
        "audience": "all",
        "status": "approved",
        "approved_at": now - timedelta(minutes=cid % 10000),
        "created_at": now,
        "updated_at": now,
        **extra,
    }


def seed_coupon(cid: int, merchant_id: int, stock: int, shards: int = 0) -> None:
    insert_many("coupons", [coupon_row(cid, merchant_id, stock, stock_shards=shards)])
    if shards:
        base, extra = divmod(stock, shards)
        insert_many(
            "coupon_stock_shards",
            [
                {"coupon_id": cid, "shard": i, "remaining": base + (1 if i < extra else 0)}
                for i in range(shards)
            ],
        )


# ---------------------------------------------------------------------------------------------------
# The server and the load
# ---------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path
    rss_samples: dict[int, int] = field(default_factory=dict)

    def worker_pids(self) -> list[int]:
        found = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True
        ).stdout.split()
        return [int(p) for p in found]

    def sample_rss(self) -> None:
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        kb = int(line.split()[1])
                        self.rss_samples[pid] = max(self.rss_samples.get(pid, 0), kb)
            except OSError:
                pass

    def max_rss_mb(self) -> float:
        return round(max(self.rss_samples.values(), default=0) / 1024, 1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_server(url: str, log_dir: Path, workers: int = 4, env: dict | None = None) -> Server:
    port = free_port()
    log = log_dir / f"gunicorn-{port}.log"
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "SCHEDULER_ENABLED": "0",
        "PYTHONPATH": str(ROOT),
        **(env or {}),
    }
    cmd = [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        "--worker-class", "sync", "--timeout", "60", "--access-logfile", "-" if False else "/dev/null",
        "bench.serve:app",
    ]  # fmt: skip
    process = subprocess.Popen(cmd, cwd=ROOT, env=environment, stdout=log.open("w"), stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(log.read_text())
        try:
            if requests.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError("server did not start:\n" + log.read_text())


def wrk(
    server: Server,
    path: str,
    lines: list[str],
    *,
    duration: float,
    connections: int = 16,
    threads: int = 2,
    method: str = "POST",
) -> dict:
    """Load `path` with wrk for `duration` seconds; each request takes the next of `lines`
    ("token<TAB>json body"), so every request can be a different customer or voucher."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(lines) + "\n")
        feed = handle.name
    env = {**os.environ, "BENCH_FEED": feed, "BENCH_METHOD": method, "BENCH_THREADS": str(threads)}
    cmd = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "10s",
        "-s", str(LUA), server.url + path,
    ]  # fmt: skip
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    while process.poll() is None:
        server.sample_rss()
        time.sleep(0.5)
    output = process.stdout.read()
    os.unlink(feed)
    for line in output.splitlines():
        if line.startswith("BENCH_JSON "):
            data = json.loads(line.removeprefix("BENCH_JSON "))
            seconds = data["duration_us"] / 1e6
            ok = data["requests"] - data["status_errors"]
            return {
                "requests": data["requests"],
                "ok": ok,
                "non_2xx": data["status_errors"],
                "socket_errors": data["connect_errors"] + data["read_errors"] + data["timeouts"],
                "rps": round(data["requests"] / seconds, 1),
                "ok_per_s": round(ok / seconds, 1),
                "p50_ms": round(data["p50_us"] / 1000, 1),
                "p95_ms": round(data["p95_us"] / 1000, 1),
                "p99_ms": round(data["p99_us"] / 1000, 1),
            }
    raise RuntimeError("wrk printed no summary:\n" + output)


def paced(
    server: Server, path: str, lines: list[str], *, tills: int, interval: float, duration: float
) -> dict:
    """Load `path` open-loop from a separate process (bench/paced.py): each till one request every
    `interval` seconds. Latencies are what a till waits at that pace."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(lines) + "\n")
        feed = handle.name
    cmd = [
        sys.executable, str(ROOT / "bench" / "paced.py"), server.url + path, feed,
        "--tills", str(tills), "--interval", str(interval), "--duration", str(duration),
    ]  # fmt: skip
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    while process.poll() is None:
        server.sample_rss()
        time.sleep(0.5)
    output = process.stdout.read()
    os.unlink(feed)
    for line in output.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise RuntimeError("paced load printed no summary:\n" + output)


def median_of(runs: list[dict]) -> dict:
    keys = [k for k in runs[0] if isinstance(runs[0][k], (int, float))]
    return {k: round(statistics.median(r[k] for r in runs), 1) for k in keys}


def write_json(name: str, data: dict) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    data = {"machine": machine(), "measured_at": datetime.now(UTC).isoformat(timespec="seconds"), **data}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    return path


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu": cpu, "load_avg": [round(x, 2) for x in os.getloadavg()]}


def print_table(headers: list[str], rows: list[list]) -> None:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    print("  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
