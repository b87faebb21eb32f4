"""Off-topic unanswerable questions: one set's answerable questions, for an archive that does not cover them.

Usage: python bench/sets/off_topic.py --questions FILE --out FILE [--limit N] [--force]

A reader of a news archive also asks what it holds nothing about (the weather, an encyclopaedia's subjects).
Contrast questions and near misses keep the subject in the archive; these do not. --questions is a `qa eval`
question file of another corpus (CMRC 2018 train's questions.jsonl); --limit N of its answerable questions,
evenly spaced, are written with their gold fields emptied, each as `{"id": "<id>-off-topic", "type":
"unanswerable", "answers": [], ..., "near": {"source_file": <original gold file>, "headline": "", "why": "off
topic: asked of another archive", "original_id": <id>}}`. The caller asks them of the archive they are off
(`make models` asks CMRC train's of the seeds): nothing in 工人日报 answers an encyclopaedia's question.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from setlib import evenly_spaced, is_answerable, read_jsonl, unanswerable, write_jsonl

WHY = "off topic: asked of another archive"


def off_topic(rows: list[dict], limit: int | None) -> list[dict]:
    answerable = [row for row in rows if is_answerable(row) and row["question"].strip()]
    return [unanswerable(row, row["question"],
                         {"source_file": row["source_file"], "headline": "", "why": WHY, "original_id": row["id"]},
                         new_id=f"{row['id']}-off-topic")
            for row in (answerable[index] for index in evenly_spaced(len(answerable), limit))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n", 2)[2])
    parser.add_argument("--questions", type=Path, required=True, help="a qa eval question file of another corpus")
    parser.add_argument("--out", type=Path, required=True, help="the question file to write (JSONL)")
    parser.add_argument("--limit", type=int, metavar="N", help="keep N of the answerable questions, evenly spaced")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists")
    args = parser.parse_args(argv)
    if args.out.exists() and not args.force:
        sys.exit(f"error: {args.out} exists (use --force to replace it)")
    made = off_topic(read_jsonl(args.questions), args.limit)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_jsonl(args.out, made)
    print(f"written: {len(made)} off-topic questions -> {args.out}")


if __name__ == "__main__":
    main()
