"""Every answer object ``qa eval`` produces, recorded to compare two versions of the code.

A refactoring must not change what the service says. Record the answers of a question set before
and after, then compare: the diff is empty when behaviour is unchanged. The "before" side runs the
old commit's code from a worktree (this script records through ``qa.cli.evaluate`` and ``to_dict``;
a commit older than the layer packages needs its own copy of the script, with ``qa.evaluate`` and
the plain dict the engine returned then):

    git worktree add /tmp/before OLD_COMMIT
    qa index seeds --data-dir /tmp/seeds-index
    PYTHONPATH=/tmp/before python /tmp/before/bench/answer_diff.py record eval/seed_dev.jsonl \
        --data-dir /tmp/seeds-index --out before.jsonl
    python bench/answer_diff.py record eval/seed_dev.jsonl --data-dir /tmp/seeds-index --out after.jsonl
    python bench/answer_diff.py compare before.jsonl after.jsonl

A record holds the retriever, the question id and the whole answer object of the question (asked
after its history, as ``qa eval`` asks it). Latencies are not part of an answer and are left out.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from qa.cli.evaluate import ask_item, load_items
from qa.engine import QA

RETRIEVERS = ("hybrid", "dense", "bm25")


def record(questions: Path, data_dir: Path, out: Path) -> int:
    qa = QA.open(data_dir)
    items = load_items(questions)
    with out.open("w", encoding="utf-8") as handle:
        for retriever in RETRIEVERS:
            for item in items:
                answer, _ = ask_item(qa, item, retriever)
                row = {"retriever": retriever, "id": item.id, "answer": answer.to_dict()}
                handle.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"recorded {len(items) * len(RETRIEVERS)} answers to {out}")
    return 0


def compare(before: Path, after: Path) -> int:
    old = before.read_text(encoding="utf-8").splitlines()
    new = after.read_text(encoding="utf-8").splitlines()
    changed = [(first, second) for first, second in zip(old, new, strict=False) if first != second]
    for first, second in changed[:5]:
        print(f"- {first[:300]}\n+ {second[:300]}")
    if len(old) != len(new):
        print(f"{len(old)} answers before, {len(new)} after")
    print(f"{len(changed)} of {len(old)} answers differ")
    return 1 if changed or len(old) != len(new) else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    recording = commands.add_parser("record")
    recording.add_argument("questions", type=Path)
    recording.add_argument("--data-dir", type=Path, required=True)
    recording.add_argument("--out", type=Path, required=True)
    comparing = commands.add_parser("compare")
    comparing.add_argument("before", type=Path)
    comparing.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "record":
        return record(args.questions, args.data_dir, args.out)
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
