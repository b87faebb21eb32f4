"""Shared pieces of the question-set builders: JSONL in and out, even sampling, output folders, corpus files.

The builders run as scripts (`python bench/sets/open_domain.py ...`), so Python puts this folder on
sys.path and they import this module by its bare name, as bench/bench_load.py imports bench_api.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterable
from pathlib import Path

# The names of what a set folder holds: the corpus folder, the question file, the corpus manifest.
CORPUS = "corpus"
QUESTIONS = "questions.jsonl"
MANIFEST = "manifest.jsonl"


def is_answerable(row: dict) -> bool:
    """Whether a question row has gold answers to score."""
    return bool(row.get("answers")) and row.get("type") != "unanswerable"


def seeded_share(eligible: list, share: float, rng: random.Random) -> list:
    """round(share × len(eligible)) of ``eligible``, drawn by ``rng``, sorted."""
    return sorted(rng.sample(eligible, min(len(eligible), int(share * len(eligible) + 0.5))))


def add_removal_arguments(parser: argparse.ArgumentParser, share: float, eligible: str) -> None:
    """--seed, --share and --force of a builder that takes something out of a seeded share of its corpus."""
    parser.add_argument("--seed", type=int, default=0, help="RNG seed (default 0)")
    parser.add_argument("--share", type=fraction, default=share,
                        help=f"share of the eligible {eligible} (default {share:g})")
    parser.add_argument("--force", action="store_true", help="replace the files of an earlier build in --out-dir")


def fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def evenly_spaced(total: int, n: int | None) -> list[int]:
    """Indices of n items spread evenly over range(total): floor(i * total / n) for i = 0..n-1."""
    if n is None or n <= 0 or n >= total:
        return list(range(total))
    return sorted({(i * total) // n for i in range(n)})


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()]


def write_jsonl(path: Path, rows: Iterable[dict]) -> None:
    """Write one JSON object a line (UTF-8, keys in insertion order)."""
    lines = [json.dumps(row, ensure_ascii=False) + "\n" for row in rows]
    # newline="\n" so that the bytes are the same on every platform: the output is compared byte for byte.
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.writelines(lines)


def write_text(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


def corpus_file_text(title: str, paragraphs: Iterable[str]) -> str:
    """The single-article layout the service reads (qa.ingest.plain): title, blank line, blank-line separated body."""
    return title + "\n\n" + "\n\n".join(paragraph.rstrip("\n") for paragraph in paragraphs) + "\n"


def read_corpus_file(path: Path) -> tuple[str, str]:
    """(title, body) of a file written by corpus_file_text."""
    title, _, body = path.read_text(encoding="utf-8").partition("\n\n")
    return title, body.rstrip("\n")


def prepare_output(out_dir: Path, force: bool) -> Path:
    """Create out_dir (and its corpus/ folder); refuse to mix with an earlier build unless force.

    With force only the kinds of file a builder writes are removed (.txt and .jsonl in the folder and in its
    corpus/), so a mistyped --out-dir cannot wipe anything else.
    """
    corpus_dir = out_dir / CORPUS
    earlier = [path for folder in (corpus_dir, out_dir) if folder.is_dir()
               for pattern in ("*.txt", "*.jsonl") for path in sorted(folder.glob(pattern)) if path.is_file()]
    if earlier and not force:
        sys.exit(f"error: {out_dir} already holds {len(earlier)} files of an earlier build (use --force to replace)")
    for path in earlier:
        path.unlink()
    corpus_dir.mkdir(parents=True, exist_ok=True)
    return corpus_dir


def unanswerable(row: dict, question: str, near: dict, new_id: str | None = None) -> dict:
    """An abstention record in the layout of eval/seed_near_miss_dev.jsonl, keeping the turns and language.

    The gold fields are emptied (nothing in the archive answers it); where the question came from goes in near.
    """
    record = {"id": new_id or row["id"], "type": "unanswerable", "question": question, "answers": [],
              "source_file": "", "evidence": "", "headline": "", "near": near}
    for key in ("history", "lang"):
        if row.get(key):
            record[key] = row[key]
    return record
