"""Load under change: a steady rate of POST /api/ask while a newspaper issue is added and deleted through the API.

Usage: python bench/bench_load.py [--rate 100] [--seconds 60] [--data-dir DIR] [--threads 8] [--add-at 5]
Starts `qa serve` on a free loopback port over --data-dir (default: a temporary copy of the seed index,
built with `qa index seeds` first; a warm embedding cache in bench/out/ is reused when present). The
load is open-loop: request i is due at start + i/rate whatever happened to the earlier ones, and its
latency counts from when it was due, so a stalled server shows as latency instead of a lower request
rate (no coordinated omission). At --add-at seconds an admin client uploads an issue the index does not
hold (a seed file under a new name, its text changed), then deletes its articles. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench_api import load_questions, percentile, served

ROOT = Path(__file__).resolve().parents[1]
WARM_CACHE = ROOT / "bench" / "out" / "seed-embeddings.sqlite"
ISSUE = ROOT / "seeds" / "003_c145b89ebaceeb28.txt"
TOKEN = uuid.uuid4().hex


class Client:
    """One keep-alive HTTP connection per thread."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.local = threading.local()

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, bytes]:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            self.local.connection = None
            return 0, b""


def multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def change_documents(client: Client, at: float, started: float, events: dict) -> None:
    time.sleep(max(0.0, started + at - time.perf_counter()))
    admin = {"Authorization": f"Bearer {TOKEN}"}
    text = ISSUE.read_text(encoding="utf-8").replace("工会", "工 会", 3)  # new content: embedded, not cached
    body, content_type = multipart(f"load-{uuid.uuid4().hex[:8]}.txt", text.encode("utf-8"))
    began = time.perf_counter()
    status, answer = client.request("POST", "/api/documents", body, {**admin, "Content-Type": content_type})
    events["add"] = (began - started, time.perf_counter() - began, status)
    added = json.loads(answer).get("added", []) if status == 201 else []
    began = time.perf_counter()
    statuses = [client.request("DELETE", f"/api/documents/{item['doc_id']}", None, admin)[0] for item in added]
    events["delete"] = (began - started, time.perf_counter() - began, statuses, len(added))


def run(url: str, questions: list[str], rate: float, seconds: float, add_at: float, workers: int) -> dict:
    host, port = url.split("//")[1].rstrip("/").split(":")
    client = Client(host, int(port))
    for question in questions[:20]:  # warm-up
        client.request("POST", "/api/ask", json.dumps({"question": question}).encode(),
                       {"Content-Type": "application/json"})
    total = int(rate * seconds)
    results: list[tuple[float, int]] = []
    lock = threading.Lock()
    events: dict = {}

    def ask(number: int, due: float) -> None:
        body = json.dumps({"question": questions[number % len(questions)]}).encode()
        status, _ = client.request("POST", "/api/ask", body, {"Content-Type": "application/json"})
        with lock:
            results.append((time.perf_counter() - due, status))

    started = time.perf_counter()
    changer = threading.Thread(target=change_documents, args=(Client(host, int(port)), add_at, started, events))
    changer.start()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for number in range(total):
            due = started + number / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            pool.submit(ask, number, due)
    wall = time.perf_counter() - started
    changer.join()
    latencies = [latency for latency, _ in results]
    return {"requests": len(results), "errors": sum(status != 200 for _, status in results),
            "rate": len(results) / wall, "p50": percentile(latencies, 0.5) * 1000,
            "p99": percentile(latencies, 0.99) * 1000, "max": max(latencies) * 1000, "events": events}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second (default 100)")
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of the load (default 60)")
    parser.add_argument("--add-at", type=float, default=5.0, help="second at which the upload starts (default 5)")
    parser.add_argument("--data-dir", type=Path, help="index to serve (default: a temporary seed index)")
    parser.add_argument("--threads", type=int, default=8, help="request threads of qa serve (default 8)")
    parser.add_argument("--workers", type=int, default=64, help="client threads (default 64)")
    args = parser.parse_args()
    questions, origin = load_questions(None)
    os.environ["QA_ADMIN_TOKEN"] = TOKEN
    with tempfile.TemporaryDirectory() as temporary:
        data_dir = args.data_dir or Path(temporary)
        if not args.data_dir and WARM_CACHE.exists():
            shutil.copy(WARM_CACHE, data_dir / "embeddings.sqlite")
        with served(data_dir, args.threads) as url:
            row = run(url, questions, args.rate, args.seconds, args.add_at, args.workers)
    add_start, add_seconds, add_status = row["events"]["add"]
    delete_start, delete_seconds, delete_statuses, added = row["events"]["delete"]
    print(f"POST /api/ask at {args.rate:g}/s for {args.seconds:g}s ({len(questions)} questions from {origin}), "
          f"open loop, latency from each request's due time; qa serve --threads {args.threads} on loopback, "
          f"client and server on the same {os.cpu_count()}-CPU machine. During the load: upload of a new issue "
          f"at {add_start:.1f}s → {add_status} in {add_seconds:.1f}s ({added} articles), then DELETE of each "
          f"→ {sorted(set(delete_statuses))} in {delete_seconds:.2f}s total.\n")
    print("| target req/s | achieved req/s | requests | errors | p50 ms | p99 ms | max ms |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {args.rate:g} | {row['rate']:.1f} | {row['requests']} | {row['errors']} | {row['p50']:.1f} "
          f"| {row['p99']:.1f} | {row['max']:.1f} |")


if __name__ == "__main__":
    main()
