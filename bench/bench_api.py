"""API benchmark: requests/s and p50/p99 latency of POST /api/ask with 1, 4 and 16 concurrent clients.

Usage: python bench/bench_api.py [--url http://127.0.0.1:8000/] [--data-dir data] [--threads 4]
                                 [--requests 200] [--clients 1,4,16] [--questions FILE]
Without --url it starts `qa serve` on a free loopback port (indexing seeds/ into --data-dir
first if that holds no index) and stops it afterwards. Each client keeps one HTTP/1.1
connection open, as a browser or an API client would. Prints a markdown table for the README.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
QUESTION_FILES = (ROOT / "eval" / "seed_dev.jsonl",)
BUILT_IN = ["新疆今年新增了多少工会会员？", "辽宁滴滴出行的工会主席叫什么？", "秦皇岛市政府印发了什么文件？",
            "天津市总工会什么时候启动服务月？", "甘肃省总工会第十三届委员会第十九次主席会议是哪一天召开的？"]


def load_questions(path: Path | None) -> tuple[list[str], str]:
    for candidate in [path] if path else QUESTION_FILES:
        if candidate.exists():
            lines = candidate.read_text(encoding="utf-8").splitlines()
            return [json.loads(line)["question"] for line in lines if line.strip()], str(candidate.relative_to(ROOT))
    return BUILT_IN, "built-in seed questions"


@contextmanager
def served(data_dir: Path, threads: int) -> Iterator[str]:
    """``qa serve`` on a free loopback port for the duration of the block."""
    qa = [sys.executable, "-m", "qa"]
    if not (data_dir / "qa.sqlite").exists():
        subprocess.run([*qa, "index", "seeds", "--quiet", "--data-dir", str(data_dir)], cwd=ROOT, check=True)
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen([*qa, "serve", "--port", "0", "--threads", str(threads), "--data-dir",
                                    str(data_dir)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield wait_for_url(process, log)
        finally:
            process.terminate()
            process.wait(timeout=30)


def wait_for_url(process: subprocess.Popen, log, timeout: float = 180.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        log.seek(0)
        found = re.search(rb"listening on (http://\S+/)", log.read())
        if found:
            return found.group(1).decode()
        time.sleep(0.2)
    log.seek(0)
    sys.exit(f"qa serve did not start:\n{log.read().decode(errors='replace')[-2000:]}")


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def run_level(url: str, questions: list[str], clients: int, total: int) -> dict:
    address = urlsplit(url)
    claim = itertools.count()
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def client() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
        while (number := next(claim)) < total:
            body = json.dumps({"question": questions[number % len(questions)]}).encode()
            started = time.perf_counter()
            try:
                connection.request("POST", "/api/ask", body=body, headers={"Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()  # reconnects on the next request
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                errors += not ok
        connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    wall = time.perf_counter() - started
    return {"clients": clients, "requests": len(latencies), "errors": errors, "rps": len(latencies) / wall,
            "p50": percentile(latencies, 0.50) * 1000, "p99": percentile(latencies, 0.99) * 1000}


def bench(url: str, questions: list[str], levels: list[int], total: int) -> list[dict]:
    run_level(url, questions, 1, len(questions))  # warm-up: every question once
    return [run_level(url, questions, clients, total) for clients in levels]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="benchmark this running server instead of starting one")
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("QA_DATA_DIR") or ROOT / "data"))
    parser.add_argument("--threads", type=int, default=4, help="request threads of the started server (as qa serve)")
    parser.add_argument("--requests", type=int, default=200, help="requests per concurrency level")
    parser.add_argument("--clients", default="1,4,16", help="comma-separated concurrency levels")
    parser.add_argument("--questions", type=Path, help="JSONL with a question field")
    args = parser.parse_args()
    questions, origin = load_questions(args.questions)
    levels = [int(level) for level in args.clients.split(",")]
    if args.url:
        rows, server = bench(args.url.rstrip("/") + "/", questions, levels, args.requests), args.url
    else:
        with served(args.data_dir, args.threads) as url:
            rows, server = bench(url, questions, levels, args.requests), f"qa serve --threads {args.threads}"
    print(f"POST /api/ask, {len(questions)} questions from {origin}, {args.requests} requests per level; "
          f"{server} on loopback, client and server on the same {os.cpu_count()}-CPU machine\n")
    print("| clients | requests | errors | req/s | p50 ms | p99 ms |")
    print("|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['clients']} | {row['requests']} | {row['errors']} | {row['rps']:.1f} | {row['p50']:.1f} "
              f"| {row['p99']:.1f} |")


if __name__ == "__main__":
    main()
