"""Open-loop load from a separate process: each of N tills sends its next request on its own clock
(one every `interval` seconds, sooner only to catch up), so the latencies measured are what a till
waits at that pace, not the queue that a closed loop of back-to-back requests builds in front of
the workers.

    python bench/paced.py URL FEED --tills 16 --interval 0.25 --duration 10

FEED holds one "token<TAB>json body" line per request (each used once, in turn). Prints one line:
BENCH_JSON {...} with the counts and p50/p95/p99 in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time

import requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("feed")
    parser.add_argument("--tills", type=int, default=16)
    parser.add_argument("--interval", type=float, default=0.25)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    with open(args.feed, encoding="utf-8") as handle:
        lines = [line.rstrip("\n").split("\t", 1) for line in handle if line.strip()]
    feed = iter(lines)
    lock = threading.Lock()
    latencies: list[float] = []
    failures = [0]
    start = time.monotonic() + 0.5
    end = start + args.duration

    def till(index: int) -> None:
        session = requests.Session()
        due = start + args.interval * index / args.tills  # spread the tills over one interval
        while True:
            now = time.monotonic()
            if due >= end:
                return
            if due > now:
                time.sleep(due - now)
            with lock:
                item = next(feed, None)
            if item is None:
                return
            token, body = item
            sent = time.monotonic()
            r = session.post(
                args.url,
                data=body.encode(),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                timeout=30,
            )
            took = time.monotonic() - sent
            with lock:
                if 200 <= r.status_code < 300:
                    latencies.append(took)
                else:
                    failures[0] += 1
            due += args.interval

    threads = [threading.Thread(target=till, args=(i,)) for i in range(args.tills)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        if not ordered:
            return 0.0
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    print(
        "BENCH_JSON "
        + json.dumps(
            {
                "ok": len(ordered),
                "non_2xx": failures[0],
                "ok_per_s": round(len(ordered) / args.duration, 1),
                "p50_ms": pct(0.50),
                "p95_ms": pct(0.95),
                "p99_ms": pct(0.99),
                "mean_ms": round(statistics.fmean(ordered) * 1000, 1) if ordered else 0.0,
            }
        )
    )


if __name__ == "__main__":
    main()
