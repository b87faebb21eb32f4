"""Near-miss unanswerable questions: take the answering sentence out of its paragraph, keep the rest of it.

Usage:
    python bench/sets/sentence_removed.py --set DIR --out-dir OUT [--seed 0] [--share 1] [--force]

--set DIR reads a set made by bench/sets/open_domain.py (corpus/, questions.jsonl, manifest.jsonl), or the seeds
as `gold_removed.py --seeds --share 0` writes them (every article its own one-record .jsonl file, nothing removed).
Where a set's articles have a single paragraph each (CMRC), a paragraph cannot be removed with a sibling left to
keep the subject in the archive (gold_removed.py); removing one sentence can: the article still talks about the
subject, its names and its other facts, and only the asked fact is gone. That is the near miss a reader meets most
often. A corpus file is one paragraph of an open_domain.py set, or one whole seed article.

A seeded RNG (--seed) picks round(share × eligible) paragraphs, where a paragraph is eligible when at least one of
its questions has an evidence sentence found verbatim in it and the paragraph holds more than that sentence; of each,
one such evidence sentence is removed (the seeded choice among its questions' evidence sentences). Every question of
the paragraph whose gold answers no longer occur in its title or in what is left of it (normalised: NFKC, lower
case, traditional → simplified, no whitespace) becomes `type: "unanswerable"` with `near: {source_file, headline,
why: "gold sentence removed", removed: <the sentence>}`; a question of the removed sentence whose answer still
occurs elsewhere in the paragraph is dropped and counted. Questions of other paragraphs are not written: they are
the set's own answerable questions, over an archive that differs only in the removed sentences.

Writes under --out-dir: corpus/ (every corpus file, the chosen ones without their sentence), questions.jsonl (the
unanswerable questions only, as contrast.py writes) and removed.jsonl (each file, its removed sentence, the ids it
made unanswerable and the ids it dropped).
"""

from __future__ import annotations

import argparse
import random
from collections import Counter, defaultdict
from pathlib import Path

from setlib import (
    CORPUS,
    MANIFEST,
    QUESTIONS,
    add_removal_arguments,
    corpus_file_text,
    is_answerable,
    prepare_output,
    read_corpus_file,
    read_jsonl,
    seeded_share,
    unanswerable,
    write_jsonl,
    write_text,
)

from qa.text.normalize import compact

WHY = "gold sentence removed"


def removable(body: str, rows: list[dict]) -> list[str]:
    """The evidence sentences of a paragraph's questions that it holds verbatim and that are not all of it."""
    sentences = {row["evidence"] for row in rows if row.get("evidence") and row["evidence"] in body}
    return sorted(sentence for sentence in sentences if body.replace(sentence, "", 1).strip())


def read_document(path: Path) -> tuple[str, str]:
    """(title, body) of a corpus file: a "title, blank line, body" .txt, or a one-record .jsonl (the seeds'
    articles as gold_removed.py --seeds writes them, paragraphs separated by blank lines)."""
    if path.suffix == ".jsonl":
        record = read_jsonl(path)[0]
        return record["title"], record["text"]
    return read_corpus_file(path)


def write_document(path: Path, title: str, body: str, original: Path) -> None:
    """The corpus file in its original's layout, with ``body`` for its text (a record keeps its other fields)."""
    if path.suffix == ".jsonl":
        write_jsonl(path, [read_jsonl(original)[0] | {"text": body}])
    else:
        write_text(path, corpus_file_text(title, [body]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n", 2)[2])
    parser.add_argument("--set", type=Path, required=True, metavar="DIR", help="a set made by open_domain.py")
    parser.add_argument("--out-dir", type=Path, required=True, help="folder for the changed set")
    add_removal_arguments(parser, 1.0, "corpus files that lose a sentence")
    args = parser.parse_args(argv)

    manifest = read_jsonl(args.set / MANIFEST)
    by_file: dict[str, list[dict]] = defaultdict(list)
    for row in read_jsonl(args.set / QUESTIONS):
        if is_answerable(row):
            by_file[row["source_file"]].append(row)
    texts = {entry["file"]: read_document(args.set / CORPUS / entry["file"]) for entry in manifest}
    choices = {name: removable(texts[name][1], by_file[name]) for name in texts}
    eligible = [name for name in texts if choices[name]]
    rng = random.Random(args.seed)
    removed = {name: rng.choice(choices[name]) for name in seeded_share(eligible, args.share, rng)}

    corpus_dir = prepare_output(args.out_dir, args.force)
    stats: Counter = Counter()
    rows, log = [], []
    for name, (title, body) in texts.items():
        kept = body.replace(removed[name], "", 1) if name in removed else body
        write_document(corpus_dir / name, title, kept, args.set / CORPUS / name)
        if name not in removed:
            continue
        remaining = compact(title) + "\x00" + compact(kept)
        entry = {"file": name, "removed": removed[name], "unanswerable": [], "dropped": []}
        for row in by_file[name]:
            answers = [compact(answer) for answer in row["answers"] if compact(answer)]
            if any(answer in remaining for answer in answers):
                if row.get("evidence") == removed[name]:
                    entry["dropped"].append(row["id"])
                    stats["dropped: answer still in the paragraph or the title"] += 1
                continue
            near = {"source_file": name, "headline": title, "why": WHY, "removed": removed[name]}
            rows.append(unanswerable(row, row["question"], near))
            entry["unanswerable"].append(row["id"])
            stats["unanswerable"] += 1
        log.append(entry)
    write_jsonl(args.out_dir / QUESTIONS, rows)
    write_jsonl(args.out_dir / "removed.jsonl", log)
    stats["paragraphs that lost a sentence"] = len(removed)
    stats["eligible paragraphs"] = len(eligible)
    for key, count in sorted(stats.items()):
        print(f"{key}: {count}")


if __name__ == "__main__":
    main()
