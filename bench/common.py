"""Shared pieces of the benchmark scripts: a fresh seed index, percentiles, markdown tables, stage timers, and the
bundled model's query vectors kept on disk."""

from __future__ import annotations

import functools
import importlib
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SEEDS = ROOT / "seeds"
DEV_SET = ROOT / "eval" / "seed_dev.jsonl"
# The seed embeddings, kept between runs so only bench_indexing's cold pass pays for embedding them.
SEED_CACHE = OUT / "seed-embeddings.sqlite"


def percentile(samples: Sequence[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def spread(values: Sequence[float]) -> str:
    """Median with the range of repeats: the machine is shared, so one figure alone says little."""
    return f"{statistics.median(values):.1f} ({min(values):.1f}–{max(values):.1f})"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


@contextmanager
def seed_data_dir() -> Iterator[Path]:
    """A data directory with the seeds freshly indexed by the current code, reusing cached embeddings.

    Fresh every time because chunking and answering code change; the embedding cache is keyed by text,
    so whatever text changed is embedded again and the cache grows with it.
    """
    from qa.engine import QA

    with tempfile.TemporaryDirectory(prefix="qa-bench-") as name:
        directory = Path(name)
        if SEED_CACHE.exists():
            shutil.copyfile(SEED_CACHE, directory / "embeddings.sqlite")
        qa = QA.open(directory, create=True)
        qa.add_paths([SEEDS])
        qa.index.encoder.connection.close()
        qa.index.store.close()
        OUT.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(directory / "embeddings.sqlite", SEED_CACHE)
        yield directory


def cached_build(corpus: Path, directory: Path, cache: Path):
    """``QA`` over ``corpus`` freshly indexed in ``directory`` (on the backend the settings name), its
    embeddings read from and written back to the ``cache`` file, and the seconds the build took."""
    from qa.engine import QA

    directory.mkdir(parents=True, exist_ok=True)
    if cache.exists():
        shutil.copyfile(cache, directory / "embeddings.sqlite")
    started = time.perf_counter()
    qa = QA.open(directory, create=True)
    qa.add_paths([corpus])
    seconds = time.perf_counter() - started
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(directory / "embeddings.sqlite", cache)
    return qa, seconds


class Stages:
    """Exclusive wall time per named stage, from wrapping module attributes (functions or methods).

    Nested stages are subtracted from their parent, so the stages add up to the total. Targets that
    no longer exist (the code under measurement moves) are reported in ``missing`` instead of failing.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.missing: list[str] = []
        self._stack: list[float] = []  # time spent in children, per open stage
        self._undo: list[Callable[[], None]] = []

    def wrap(self, target: str, label: str) -> None:
        """``target`` is "module:attr" or "module:Class.method"."""
        module_name, _, path = target.partition(":")
        try:
            owner: object = importlib.import_module(module_name)
            *parents, attr = path.split(".")
            for parent in parents:
                owner = getattr(owner, parent)
            original = getattr(owner, attr)
        except (ImportError, AttributeError):
            self.missing.append(target)
            return

        @functools.wraps(original)
        def timed(*args, **kwargs):
            self._stack.append(0.0)
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                children = self._stack.pop()
                self.seconds[label] = self.seconds.get(label, 0.0) + elapsed - children
                self.calls[label] = self.calls.get(label, 0) + 1
                if self._stack:
                    self._stack[-1] += elapsed

        setattr(owner, attr, timed)
        self._undo.append(lambda: setattr(owner, attr, original))

    def restore(self) -> None:
        while self._undo:
            self._undo.pop()()

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()


def kept_query_vectors(texts: list[str], path: Path, description: str) -> np.ndarray:
    """The bundled model's query vectors of ``texts``: those kept in ``path`` (an .npz keyed by text) are read, the
    rest embedded and kept there, so a re-run embeds nothing twice."""
    known: dict[str, np.ndarray] = {}
    if path.exists():
        kept = np.load(path)
        known = dict(zip(kept["texts"].tolist(), kept["vectors"], strict=True))
    missing = [text for text in dict.fromkeys(texts) if text not in known]
    if missing:
        from embeddings.model import load_model

        model = load_model()
        for start in tqdm(range(0, len(missing), 64), desc=description, unit="batch"):
            batch = missing[start:start + 64]
            known.update(zip(batch, model.encode_query(batch), strict=True))
        path.parent.mkdir(parents=True, exist_ok=True)
        names = sorted(known)
        np.savez(path, texts=np.array(names), vectors=np.stack([known[name] for name in names]))
    return np.stack([known[text] for text in texts]).astype(np.float32)
