"""A question set in traditional Chinese: every text of a set folder (and of extra question files) converted
with OpenCC's s2tw (Taiwan standard characters), so that models trained on simplified CMRC also see the
script of DRCD and of archives from Taiwan and Hong Kong.

Usage: python bench/sets/traditional.py --set DIR [--questions FILE ...] --out-dir DIR [--limit-files N] [--force]

Writes under --out-dir the set's corpus/ (same file names, converted text), questions.jsonl and
manifest.jsonl, and each extra question file (a contrast set made over DIR) under its own name. Question
ids, file names and offsets are kept; only text fields change (question, answers, evidence, headline and
the near-miss headline, title, body). --limit-files N keeps N evenly spaced corpus files and the questions
about them (a contrast question's about the file it was made from). Deterministic: the same input gives the
same bytes.
"""

from __future__ import annotations

import argparse
import functools
import json
from pathlib import Path

import opencc
from setlib import (
    CORPUS,
    MANIFEST,
    QUESTIONS,
    corpus_file_text,
    evenly_spaced,
    prepare_output,
    read_corpus_file,
    read_jsonl,
    write_jsonl,
    write_text,
)

_TEXT_FIELDS = ("question", "evidence", "headline", "title")


@functools.cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("s2tw")


def traditional(text: str) -> str:
    return _converter().convert(text)


def converted(row: dict) -> dict:
    """The record with its text fields in traditional script."""
    out = dict(row)
    for key in _TEXT_FIELDS:
        if isinstance(out.get(key), str):
            out[key] = traditional(out[key])
    if isinstance(out.get("answers"), list):
        out["answers"] = [traditional(answer) for answer in out["answers"]]
    if isinstance(out.get("near"), dict):
        out["near"] = converted(out["near"])
    return out


def about(row: dict) -> str:
    """The corpus file a question or manifest line is about."""
    return row.get("file") or row.get("source_file") or row.get("near", {}).get("source_file", "")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", type=Path, required=True, help="a folder written by open_domain.py")
    parser.add_argument("--questions", type=Path, nargs="*", default=[], help="more question files over that set")
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--limit-files", type=int, metavar="N", help="keep N evenly spaced corpus files")
    parser.add_argument("--force", action="store_true", help="replace the files of an earlier build in --out-dir")
    args = parser.parse_args(argv)
    corpus_dir = prepare_output(args.out_dir, args.force)
    every = sorted((args.set / CORPUS).glob("*.txt"))
    files = [every[n] for n in evenly_spaced(len(every), args.limit_files)]
    kept = {path.name for path in files}
    for path in files:
        title, body = read_corpus_file(path)
        write_text(corpus_dir / path.name, corpus_file_text(traditional(title), [traditional(body)]))
    for source, target in [(args.set / QUESTIONS, args.out_dir / QUESTIONS), (args.set / MANIFEST,
                           args.out_dir / MANIFEST), *((path, args.out_dir / path.name) for path in args.questions)]:
        write_jsonl(target, [converted(row) for row in read_jsonl(source) if about(row) in kept])
    print(json.dumps({"corpus files": len(files), "question files": 2 + len(args.questions)}))


if __name__ == "__main__":
    main()
