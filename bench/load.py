"""Bounded load on the served web app: N concurrent clients for S seconds on search, check and an entity page.

Starts `budgetkg serve` on 127.0.0.1 (a free port) over --data-dir (building the bundled corpus first if
the folder has no graph), warms it, then runs the clients and prints requests/s, p50/p95 and errors per
endpoint. Only 127.0.0.1 is ever loaded: --url must name a loopback address.

    python bench/load.py                      # 8 clients, 20 s
    python bench/load.py --clients 4 --seconds 10 --json
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

SEARCHES = ["物业管理", "残疾人", "培训服务", "信息化", "A0101", "政务服务", "运维", "社会保险", "法律服务", "宣传"]
CHECKS = [("物业管理服务", "行政审批"), ("政务大厅窗口服务外包", "行政审批"), ("法律顾问服务", "司法"),
          ("信息系统运维服务", "工业和信息化"), ("职业技能培训服务", "人力资源和社会保障"), ("购买办公设备", "民政")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url + "/openapi.json", timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def targets(url: str) -> dict[str, list[str]]:
    """The paths each endpoint cycles through (HTML pages: rendering is part of what a user waits for)."""
    with urllib.request.urlopen(url + "/api/units", timeout=60) as response:
        units = json.loads(response.read())
    q = urllib.parse.quote
    return {
        "search": [f"/search?q={q(s)}" for s in SEARCHES],
        "check": [f"/check?text={q(t)}&department={q(d)}&date=2024-06-01" for t, d in CHECKS],
        "entity": [urllib.parse.urlsplit(u["id"]).path[urllib.parse.urlsplit(u["id"]).path.index("/id/"):]
                   for u in units],
    }


def client(host: str, port: int, plan: list[tuple[str, str]], stop: float, out: dict[str, list[float]],
           errors: dict[str, int], lock: threading.Lock) -> None:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    mine: dict[str, list[float]] = {k: [] for k, _ in plan}
    bad: dict[str, int] = dict.fromkeys(mine, 0)
    for name, path in itertools.cycle(plan):
        if time.monotonic() >= stop:
            break
        start = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Accept": "text/html"})
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=30)
        mine[name].append(time.perf_counter() - start)
        if not ok:
            bad[name] += 1
    conn.close()
    with lock:
        for k, v in mine.items():
            out.setdefault(k, []).extend(v)
            errors[k] = errors.get(k, 0) + bad[k]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(url: str, clients: int, seconds: float) -> dict[str, Any]:
    parts = urllib.parse.urlsplit(url)
    paths = targets(url)
    for name_paths in paths.values():  # warm every page once (caches, the check model)
        for path in name_paths:
            urllib.request.urlopen(url + path, timeout=120).read()
    plan = [(name, path) for name, ps in paths.items() for path in ps]
    latencies: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    threads = []
    for i in range(clients):
        rotated = plan[i * 3 % len(plan):] + plan[: i * 3 % len(plan)]
        t = threading.Thread(target=client, args=(parts.hostname, parts.port, rotated, stop, latencies, errors, lock))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    report: dict[str, Any] = {"clients": clients, "seconds": seconds, "endpoints": {}}
    for name, values in latencies.items():
        report["endpoints"][name] = {
            "requests": len(values), "rps": round(len(values) / seconds, 1),
            "p50_ms": round(percentile(values, 50) * 1000, 1), "p95_ms": round(percentile(values, 95) * 1000, 1),
            "mean_ms": round(statistics.fmean(values) * 1000, 1) if values else 0.0, "errors": errors.get(name, 0),
        }
    total = sum(len(v) for v in latencies.values())
    report["total"] = {"requests": total, "rps": round(total / seconds, 1), "errors": sum(errors.values())}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="graph folder (default: a fresh build in a temp dir)")
    parser.add_argument("--url", default=None, help="an already running app on 127.0.0.1 instead of starting one")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not (1 <= args.clients <= 32 and 1 <= args.seconds <= 120):
        parser.error("a bounded load: 1–32 clients, 1–120 seconds")
    server = None
    url = args.url
    if url:
        if urllib.parse.urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
            parser.error("bench/load.py only loads an app on this machine (127.0.0.1)")
    else:
        data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="budgetkg-load-")) / "data"
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([sys.executable, "-m", "budgetkg.cli", "serve", "--port", str(port),
                                   "--data-dir", str(data_dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  env={**os.environ})
    try:
        wait_ready(url)
        report = run(url, args.clients, args.seconds)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    print(f"{args.clients} clients, {args.seconds:g} s against {url}")
    print(f"{'endpoint':<8} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    for name, r in report["endpoints"].items():
        print(f"{name:<8} {r['requests']:>9} {r['rps']:>8} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['errors']:>7}")
    t = report["total"]
    print(f"{'total':<8} {t['requests']:>9} {t['rps']:>8} {'':>8} {'':>8} {t['errors']:>7}")


if __name__ == "__main__":
    main()
