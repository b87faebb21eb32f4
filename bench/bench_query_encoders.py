"""The bundled model and the static encoder distilled from it (embeddings/static.py) side by side as the
query encoder (issue 14), in one run: quality (`qa eval`'s hit@1, abstain, false-abstain, passage R@5),
the time to encode a question, ask p50, and answers a second at saturation, on the same index.

Sets the static encoder never saw (it trains on CMRC train only): the seed dev set with its near misses
(the answer models did train on it, so its absolute figures are not results; the two encoders' gap is),
CMRC 2018 trial made open-domain with its contrast questions (the answer models' tune set), and DRCD dev
likewise (traditional Chinese; neither the encoder nor any answer model saw it). Each encoder reads with
the answer models trained on its own query vectors (qa/answer/trained/, trained/static/).

    .venv/bin/python bench/bench_query_encoders.py [--sets seeds cmrc_trial drcd_dev]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import DEV_SET, OUT, ROOT, SEEDS, cached_build, table

from qa.cli.evaluate import evaluate, load_items
from qa.engine import QA

NEAR_MISSES = ROOT / "eval" / "seed_near_miss_dev.jsonl"
SETS_DIR = OUT / "sets"
# The SQuAD-style files made open-domain here, with their contrast questions (bench/sets/README.md).
OPEN_DOMAIN = {"cmrc_trial": ROOT / "bench" / "data" / "cmrc2018" / "cmrc2018_trial.json",
               "drcd_dev": ROOT / "bench" / "data" / "drcd" / "DRCD_dev.json"}
SETS = {"seeds": (SEEDS, [DEV_SET, NEAR_MISSES]),
        **{name: (SETS_DIR / name / "corpus",
                  [SETS_DIR / name / "questions.jsonl", SETS_DIR / f"{name}_contrast.jsonl"])
           for name in OPEN_DOMAIN}}
ENCODERS = ("model", "static")
# Questions in flight at once when measuring saturation (the server's read lane runs 4).
CONCURRENCY = 4
FIGURES = ("hit@1", "passage R@5", "abstain", "false-abstain", "latency p50 ms")


def open_domain_set(name: str) -> None:
    folder, contrast = SETS_DIR / name, SETS_DIR / f"{name}_contrast.jsonl"
    builders = ROOT / "bench" / "sets"
    if not (folder / "questions.jsonl").exists():
        subprocess.run([sys.executable, str(builders / "open_domain.py"), "--force", "--input", str(OPEN_DOMAIN[name]),
                        "--out-dir", str(folder)], check=True)
    if not contrast.exists():
        subprocess.run([sys.executable, str(builders / "contrast.py"), "--corpus", str(folder / "corpus"),
                        "--questions", str(folder / "questions.jsonl"), "--out", str(contrast)], check=True)


def per_second(qa: QA, questions: list[str]) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(qa.ask, questions))
    return len(questions) / (time.perf_counter() - started)


def measure(name: str, folder: Path) -> list[list[object]]:
    corpus, question_files = SETS[name]
    # CMRC trial holds a question whose text is empty: the service refuses it, so it is not asked.
    items = [item for path in question_files for item in load_items(path) if item.question.strip()]
    index = cached_build(corpus, folder / name, OUT / f"{name}-embeddings.sqlite")[0].index
    questions = [item.question for item in items]  # follow-ups asked alone, as a server may meet them
    rows = []
    for encoder in ENCODERS:
        qa = QA(index, query_cache=0, query_encoder=encoder)
        qa.warm()
        timings = []
        for question in questions:
            started = time.perf_counter()
            qa.encode_query(question)
            timings.append((time.perf_counter() - started) * 1000)
        summary, _ = evaluate(qa, items)
        rows.append([name, encoder, len(items), *(summary[figure] for figure in FIGURES),
                     f"{statistics.median(timings):.2f}", f"{per_second(qa, questions):.1f}"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", choices=sorted(SETS), default=list(SETS))
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for name in OPEN_DOMAIN.keys() & set(args.sets):
        open_domain_set(name)
    rows = []
    with tempfile.TemporaryDirectory(prefix="qa-encoders-") as name:
        for set_name in args.sets:
            rows += measure(set_name, Path(name))
    print(table(["set", "query encoder", "questions", *FIGURES, "encode p50 ms", f"answers/s ({CONCURRENCY} at once)"],
                rows))


if __name__ == "__main__":
    main()
