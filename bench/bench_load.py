"""Serving at capacity: POST /api/ask at 0.5x, 1x, 2x and 5x the measured capacity, an upload and a delete during each.

Usage: python bench/bench_load.py [--seconds 4] [--levels 0.5,1,2,5] [--data-dir DIR] [--threads 4] [--queue 8]
                                  [--repeat]
Starts `qa serve` on a free loopback port over --data-dir (default: a temporary copy of the seed index,
built with `qa index seeds` first; a warm embedding cache in bench/out/ is reused when present) and first
measures its capacity: answers per second with 16 clients asking back to back. Then each level offers a
steady open-loop rate: request i is due at start + i/rate whatever happened to the earlier ones, and
its latency counts from when it was due, so a stalled server shows as latency (no coordinated omission).
Each request asks a dev question with its request number appended, so that each costs a forward pass
(--repeat asks the questions as they are, which the query-vector cache answers). One second into each
level an admin client uploads a short new article and then deletes it. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
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
TOKEN = uuid.uuid4().hex
ARTICLE = ("新疆职工服务站建设推进会召开（第{n}次）\n\n"
           "记者从自治区总工会获悉，今年全区新建职工服务站{n}个，为户外劳动者提供饮水、休息和充电服务。\n\n"
           "自治区总工会表示，将继续推动服务站向乡镇和社区延伸。\n")
JSON = {"Content-Type": "application/json"}


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


def change_documents(client: Client, at: float, started: float, number: int, events: dict) -> None:
    """Upload a new article ``at`` seconds after ``started``, then delete what it added; times both."""
    time.sleep(max(0.0, started + at - time.perf_counter()))
    admin = {"Authorization": f"Bearer {TOKEN}"}
    body, content_type = multipart(f"load-{uuid.uuid4().hex[:8]}.txt", ARTICLE.format(n=number).encode("utf-8"))
    began = time.perf_counter()
    status, answer = client.request("POST", "/api/documents", body, {**admin, "Content-Type": content_type})
    events["upload"] = (time.perf_counter() - began, status)
    added = json.loads(answer).get("added", []) if status == 201 else []
    began = time.perf_counter()
    statuses = [client.request("DELETE", f"/api/documents/{item['doc_id']}", None, admin)[0] for item in added]
    events["delete"] = (time.perf_counter() - began, statuses)


def asked(questions: list[str], number: int, repeat: bool) -> bytes:
    question = questions[number % len(questions)]
    return json.dumps({"question": question if repeat else f"{question}{number}"}).encode()


def capacity(client: Client, questions: list[str], seconds: float, repeat: bool, clients: int) -> float:
    """Answers per second with ``clients`` asking back to back (as many as the read lane admits, so none
    is refused): the rate the server sustains."""
    numbers = itertools.count(10**6)  # other numbers than the levels' requests: no cached vector helps
    answered = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def ask() -> None:
        nonlocal answered
        while time.perf_counter() < deadline:
            status, _ = client.request("POST", "/api/ask", asked(questions, next(numbers), repeat), JSON)
            with lock:
                answered += status == 200

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for future in [pool.submit(ask) for _ in range(clients)]:
            future.result()
    return answered / (time.perf_counter() - started)


def run_level(client: Client, questions: list[str], rate: float, seconds: float, first: int, repeat: bool,
              workers: int) -> dict:
    total = int(rate * seconds)
    results: list[tuple[float, float, int]] = []
    lock = threading.Lock()
    events: dict = {}

    def ask(number: int, due: float) -> None:
        sent = time.perf_counter()
        status, _ = client.request("POST", "/api/ask", asked(questions, number, repeat), JSON)
        with lock:
            results.append((time.perf_counter() - due, time.perf_counter() - sent, status))

    started = time.perf_counter()
    changer = threading.Thread(target=change_documents, args=(client, 1.0, started, first, events))
    changer.start()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for number in range(total):
            due = started + number / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            pool.submit(ask, first + number, due)
    wall = time.perf_counter() - started
    changer.join()
    admitted = [latency for latency, _, status in results if status == 200]
    # A refusal's own cost is from when it was sent: its wait for a client thread is the client's.
    refused = [latency for _, latency, status in results if status == 503]
    return {"rate": rate, "requests": len(results), "answered": len(admitted) / wall,
            "refused": len(refused) / max(1, len(results)), "failed": len(results) - len(admitted) - len(refused),
            "p50": percentile(admitted, 0.5) * 1000 if admitted else float("nan"),
            "p99": percentile(admitted, 0.99) * 1000 if admitted else float("nan"),
            "refusal_p99": percentile(refused, 0.99) * 1000 if refused else float("nan"), **events}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="duration of each level (default 4)")
    parser.add_argument("--levels", default="0.5,1,2,5", help="offered rates as multiples of the capacity")
    parser.add_argument("--data-dir", type=Path, help="index to serve (default: a temporary seed index)")
    parser.add_argument("--threads", type=int, default=4, help="reads qa serve answers at once (default 4)")
    parser.add_argument("--queue", type=int, default=8, help="reads that may wait for them (default 8)")
    parser.add_argument("--repeat", action="store_true", help="ask the dev questions as they are (cached vectors)")
    parser.add_argument("--workers", type=int, default=128, help="client threads (default 128)")
    args = parser.parse_args()
    questions, origin = load_questions(None)
    os.environ["QA_ADMIN_TOKEN"] = TOKEN
    os.environ["QA_READ_QUEUE"] = str(args.queue)  # qa serve reads it, as it reads the token
    levels = [float(level) for level in args.levels.split(",")]
    with tempfile.TemporaryDirectory() as temporary:
        data_dir = args.data_dir or Path(temporary)
        if not args.data_dir and WARM_CACHE.exists():
            shutil.copy(WARM_CACHE, data_dir / "embeddings.sqlite")
        with served(data_dir, args.threads) as url:
            host, port = url.split("//")[1].rstrip("/").split(":")
            client = Client(host, int(port))
            for question in questions[:20]:  # warm-up
                client.request("POST", "/api/ask", json.dumps({"question": question}).encode(), JSON)
            measured = capacity(client, questions, args.seconds, args.repeat, args.threads + args.queue)
            rows = [run_level(client, questions, level * measured, args.seconds, number * 10**5, args.repeat,
                              args.workers) for number, level in enumerate(levels, 1)]
    print(f"POST /api/ask, {len(questions)} questions from {origin}"
          f"{' as they are' if args.repeat else ', each with its request number appended (a forward pass each)'}; "
          f"qa serve --threads {args.threads} --queue {args.queue} on loopback, client and server on the same "
          f"{os.cpu_count()}-CPU machine. Capacity ({args.threads + args.queue} clients back to back): {measured:.1f} "
          f"answers/s. Each level is {args.seconds:g} s of open-loop load; an answer's latency counts from its due "
          f"time, a refusal's from when it was sent. One second in, an upload of a new one-article file, then a "
          f"DELETE of what it added.\n")
    print("| load | offered req/s | answered/s | refused (503) | failed | p50 ms (answered) | p99 ms (answered) "
          "| p99 ms (refused) | upload s | delete s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for level, row in zip(levels, rows, strict=True):
        upload, upload_status = row.get("upload", (float("nan"), 0))
        delete, delete_statuses = row.get("delete", (float("nan"), []))
        print(f"| {level:g}x | {row['rate']:.1f} | {row['answered']:.1f} | {row['refused']:.0%} | {row['failed']} "
              f"| {row['p50']:.0f} | {row['p99']:.0f} | {row['refusal_p99']:.1f} | {upload:.2f} ({upload_status}) "
              f"| {delete:.2f} ({','.join(map(str, sorted(set(delete_statuses)))) or '-'}) |")


if __name__ == "__main__":
    main()
