"""The same answers from both index backends (issue 13): hit@1 and the rest of `qa eval`'s figures with
the local backend (SQLite + FAISS + in-process BM25) and the Milvus one (milvus-lite, hybrid search and
RRF inside Milvus), on the seed dev set with its near misses and on the CMRC train sample.

Both indexes of a set are built from one embedding cache (filled first, untimed, when it is empty),
so each text is embedded once and the build times are of chunking, tagging and writing, not of the
model. Latency is measured in the same run, so compare it as a ratio.

    .venv/bin/python bench/bench_backends.py [--sets seeds cmrc_sample]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from common import DEV_SET, OUT, ROOT, SEEDS, cached_build, table

from qa.cli.evaluate import evaluate, load_items
from qa.engine import QA

CMRC_SAMPLE = ROOT / "bench" / "data" / "cmrc_train_sample"
NEAR_MISSES = ROOT / "eval" / "seed_near_miss_dev.jsonl"
SETS = {"seeds": (SEEDS, [DEV_SET, NEAR_MISSES]),
        "cmrc_sample": (CMRC_SAMPLE / "corpus", [CMRC_SAMPLE / "questions.jsonl"])}
BACKENDS = ("local", "milvus")
FIGURES = ("hit@1", "passage R@5", "span-exact", "abstain", "false-abstain", "latency p50 ms")


def build(corpus: Path, directory: Path, backend: str, cache: Path) -> tuple[QA, float]:
    """The index of ``corpus`` on ``backend`` in ``directory``, and the seconds its build took."""
    os.environ["QA_BACKEND"] = backend
    return cached_build(corpus, directory, cache)


def measure(name: str, folder: Path) -> list[list[object]]:
    corpus, question_files = SETS[name]
    items = [item for path in question_files for item in load_items(path)]
    cache = OUT / f"{name}-embeddings.sqlite"
    OUT.mkdir(parents=True, exist_ok=True)
    if not cache.exists():  # embedded once, untimed, so that both timed builds read every vector from the cache
        build(corpus, folder / f"{name}-embedding", "local", cache)[0].index.store.close()
    rows = []
    for backend in BACKENDS:
        qa, seconds = build(corpus, folder / f"{name}-{backend}", backend, cache)
        summary, _ = evaluate(qa, items)
        rows.append([name, backend, summary["questions"], *(summary[figure] for figure in FIGURES),
                     f"{seconds:.1f}"])
        qa.index.store.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", choices=sorted(SETS), default=list(SETS))
    args = parser.parse_args()
    os.environ.pop("QA_MILVUS_URI", None)  # each Milvus index is a milvus-lite file in its data directory
    rows = []
    with tempfile.TemporaryDirectory(prefix="qa-backends-") as name:
        for set_name in args.sets:
            rows += measure(set_name, Path(name))
    print(table(["set", "backend", "questions", *FIGURES, "build s (cached embeddings)"], rows))


if __name__ == "__main__":
    main()
