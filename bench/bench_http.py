"""What the HTTP layer costs: the bare forward pass, in-process ``QA.ask`` and ``POST /api/ask``, in one run.

Usage: python bench/bench_http.py [--rounds 5] [--threads 4] [--profile]
On a fresh seed index: each round asks the 40 dev questions three ways, each way in a block of
its own (rotating which goes first): a bare query embedding (the model's encode_query, the floor), an
in-process ask, and an ask through a real ``qa serve`` on loopback (one client, sequential, one
keep-alive HTTP/1.1 connection). Both engines run without the query-vector cache (QA_QUERY_CACHE=0), so every
path pays the forward pass. Reports p50s and their ratio to the floor's, and, from each answer's
Server-Timing header, the served path's own stages: its forward pass, its whole ask, its time in the app,
so the server's time is split from the client's wait in the same requests. --profile records the
server during the HTTP passes with py-spy into bench/out/http-profile.txt (its top functions by own
and total time).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench_api import served
from common import DEV_SET, OUT, ROOT, percentile, seed_data_dir, spread, table

from qa.engine import QA
from qa.index import NewsIndex
from qa.settings import QUERY_CACHE_ENV

PATHS = ("forward pass", "QA.ask", "POST /api/ask")
# Longer than an OpenMP team spins idle after its last parallel step (libgomp: well under 0.1 s).
SETTLE_SECONDS = 0.5


class Client:
    """One keep-alive connection asking questions one after another, as a browser tab or an API client would."""

    def __init__(self, url: str) -> None:
        address = urlsplit(url)
        self.connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
        self.stages: dict[str, list[float]] = {}

    def ask(self, question: str) -> None:
        """One ask; the server's stage times (its Server-Timing header) are kept in ``stages``."""
        # One bytes body: http.client sends it in the same segment as the headers (no Nagle stall).
        body = json.dumps({"question": question}, ensure_ascii=False).encode()
        self.connection.request("POST", "/api/ask", body=body, headers={"Content-Type": "application/json"})
        response = self.connection.getresponse()
        response.read()
        if response.status != 200:
            sys.exit(f"POST /api/ask answered {response.status}")
        for stage in response.getheader("Server-Timing", "").split(","):
            name, _, duration = stage.strip().partition(";dur=")
            self.stages.setdefault(name, []).append(float(duration))

    def wait_for_examples(self) -> None:
        """Until the server has made its example questions: each is a full answer on the same cores."""
        while True:
            self.connection.request("GET", "/api/examples")
            if json.loads(self.connection.getresponse().read())["ready"]:
                return
            time.sleep(0.5)


def rounds(qa: QA, client: Client, questions: list[str], count: int) -> dict[str, tuple[list[float], list[float]]]:
    """Per path, every latency (ms) and each round's p50. In each round every path asks all the
    questions in a block of its own, the blocks in turn (rotating which goes first, so a busy spell of
    the shared machine slows all three alike), with a pause between blocks: the OpenMP threads of one
    process keep spinning a while after its forward pass, and on two cores a pass of the other process
    started then runs at half speed (asked question by question in turn, the HTTP path paid the bench's
    spin and the floor the server's)."""
    # The floor goes the way an ask's forward pass goes (QA.query_vector, cache off), through the
    # model's one engine thread as the asks' passes do.
    calls = {PATHS[0]: qa.query_vector, PATHS[1]: qa.ask, PATHS[2]: client.ask}
    samples: dict[str, tuple[list[float], list[float]]] = {path: ([], []) for path in PATHS}
    for number in range(count):
        shift = number % len(PATHS)
        for path in PATHS[shift:] + PATHS[:shift]:
            time.sleep(SETTLE_SECONDS)
            times = []
            for question in questions:
                started = time.perf_counter()
                calls[path](question)
                times.append((time.perf_counter() - started) * 1000)
            samples[path][0].extend(times)
            samples[path][1].append(statistics.median(times))
    return samples


def profile(pid: int, seconds: float) -> subprocess.Popen:
    """py-spy recording the server for ``seconds`` (raw collapsed stacks, summarised afterwards)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return subprocess.Popen([spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "500",
                             "--format", "raw", "--output", str(OUT / "http-profile.raw"), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarise(raw: Path, top: int = 30) -> str:
    """Own and total samples per function of the sampled request threads, idle waits left out."""
    own: dict[str, int] = {}
    total: dict[str, int] = {}
    count = 0
    for line in raw.read_text().splitlines():
        stack, _, weight = line.rpartition(" ")
        frames = stack.split(";")
        if any(idle in frames[-1] for idle in ("wait (threading.py", "select (", "poll (", "handler_thread")):
            continue
        count += int(weight)
        own[frames[-1]] = own.get(frames[-1], 0) + int(weight)
        for frame in set(frames):
            total[frame] = total.get(frame, 0) + int(weight)
    lines = [f"{count} busy samples"]
    for name, ranking in (("own", own), ("total", total)):
        lines.append(f"\n-- by {name} time --")
        for frame, weight in sorted(ranking.items(), key=lambda item: -item[1])[:top]:
            lines.append(f"{100 * weight / count:5.1f}%  {frame}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=4, help="read threads of the served engine (as qa serve)")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in DEV_SET.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    os.environ[QUERY_CACHE_ENV] = "0"  # the served engine's, inherited; the in-process one's is set below
    with seed_data_dir() as data_dir, served(data_dir, args.threads) as url:
        qa = QA(NewsIndex.open(data_dir), query_cache=0)
        qa.warm()
        client = Client(url)
        client.wait_for_examples()
        rounds(qa, client, questions, 1)  # warm-up: every path, every question once
        client.stages.clear()
        spy = None
        if args.profile:
            server = subprocess.run(["pgrep", "-f", f"qa serve --port 0 --threads {args.threads} --data-dir "
                                     f"{data_dir}"], capture_output=True, text=True).stdout.split()
            spy = profile(int(server[0]), 60)
        samples = rounds(qa, client, questions, args.rounds)
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes what it has on an interrupt
            spy.wait()
    floor = statistics.median(samples[PATHS[0]][0])
    rows = []
    for path in PATHS:
        every, per_round = samples[path]
        p50 = statistics.median(every)
        ratios = [p / f for p, f in zip(per_round, samples[PATHS[0]][1], strict=True)]
        rows.append([path, f"{p50:.1f}", f"{percentile(every, 0.99):.1f}", spread(per_round), f"{p50 / floor:.2f}",
                     spread(ratios)])
    print(f"{len(questions)} seed dev questions × {args.rounds} rounds, query-vector cache off, "
          f"`qa serve --threads {args.threads}` on loopback, one keep-alive client, {os.cpu_count()} CPUs\n")
    print(table(["path", "p50 ms", "p99 ms", "round p50s: median (min–max)", "p50 / forward pass",
                 "per round: median (min–max)"], rows))
    print("\nInside the server, the same requests (Server-Timing; the ask's stages and the app around them):\n")
    stages = {"forward pass (encode)": client.stages["encode"],
              "ask (understand + encode + search + read)": [sum(parts) for parts in zip(
                  *(client.stages[name] for name in ("understand", "encode", "search", "read")), strict=True)],
              "app (routing, admission, view, JSON)": client.stages["app"]}
    own_floor = statistics.median(stages["forward pass (encode)"])
    print(table(["served stage", "p50 ms", "p50 / the server's forward pass"],
                [[name, f"{statistics.median(every):.1f}", f"{statistics.median(every) / own_floor:.2f}"]
                 for name, every in stages.items()]
                + [["client's wait (POST /api/ask)", f"{statistics.median(samples[PATHS[2]][0]):.1f}",
                    f"{statistics.median(samples[PATHS[2]][0]) / own_floor:.2f}"]]))
    if args.profile:
        raw = OUT / "http-profile.raw"
        if raw.exists():
            (OUT / "http-profile.txt").write_text(summarise(raw) + "\n")
            print(f"\nprofile: {(OUT / 'http-profile.txt').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
