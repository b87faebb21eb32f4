"""A SQuAD-style file (CMRC 2018, DRCD) → an open-domain question set: a corpus folder and a `qa eval` question file.

Usage: python bench/sets/open_domain.py --input FILE --out-dir DIR [--prefix NAME] [--limit-paragraphs N]
                                        [--part I/N] [--force]

Writes under --out-dir:

    corpus/<prefix>_00001.txt   one UTF-8 file per paragraph: the article title, a blank line, the context
                                verbatim. A DRCD article has several paragraphs; each is its own file, so
                                sibling paragraphs stay separate documents (what bench/sets/gold_removed.py
                                relies on). Identical contexts share one file.
    questions.jsonl             {"id", "type", "question", "answers", "source_file", "evidence", "headline"},
                                the format `qa eval` reads. answers: the unique stripped answer texts, in
                                order; evidence: the sentence of the paragraph holding the first answer;
                                headline: the title.
    manifest.jsonl              one line per corpus file: file, paragraph_ids, article_id, title, chars,
                                questions.

Evidence sentences end after 。！？!? (qa.text.lexicon.FULL_STOPS) with any closing quote or bracket right
after, or at a line break: whole sentences, as in bench/data/cmrc_train_sample/, so an answer across a ；
still sits in one evidence sentence. An answer_start that is off by a character or two (a handful in
CMRC) is moved to the nearest exact occurrence of the answer text; the report counts them.

--limit-paragraphs N keeps N paragraphs at evenly spaced positions (floor(i * total / N)) and all their
questions. --part I/N keeps whole articles, every N-th from the I-th (counted from 0): N parts that
share no article, so one file can be split into train, tune and report sets with every sibling
paragraph on the same side. The output depends only on the input and the options: two runs give the same bytes.
This generalises the project's /work/shared/bench/cmrc_to_corpus.py (CMRC only) to articles of many
paragraphs; with the same options it writes the same sample as bench/data/cmrc_train_sample/.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from setlib import MANIFEST, QUESTIONS, corpus_file_text, evenly_spaced, prepare_output, write_jsonl, write_text

from qa.text.lexicon import CLOSERS, FULL_STOPS

Span = tuple[int, int]


@dataclass
class Source:
    """One corpus file: a unique paragraph context and where it came from."""

    file: str
    title: str
    article_id: str
    context: str
    paragraph_ids: list[str] = field(default_factory=list)
    questions: int = 0


def default_prefix(path: Path) -> str:
    """cmrc_train, cmrc_trial, drcd_dev, ... from the input's file name, so sets of different splits never clash."""
    name = path.name.lower()
    dataset = "drcd" if "drcd" in name else "cmrc"
    split = next((split for split in ("train", "trial", "dev", "test") if split in name), None)
    return f"{dataset}_{split}" if split else dataset


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def sentence_spans(text: str) -> list[Span]:
    """(start, end) of the sentences of text: after a full stop and its closers, or at a line break."""
    spans: list[Span] = []
    start = index = 0
    while index < len(text):
        character = text[index]
        if character == "\n":
            spans.append((start, index))
            start = index = index + 1
        elif character in FULL_STOPS:
            index += 1
            while index < len(text) and (text[index] in FULL_STOPS or text[index] in CLOSERS):
                index += 1
            spans.append((start, index))
            start = index
        else:
            index += 1
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def sentence_at(text: str, spans: list[Span], position: int) -> tuple[str, Span]:
    """The stripped sentence holding position; on a line break, the next sentence with text."""
    for start, end in spans:
        if start <= position < end:
            return text[start:end].strip(), (start, end)
    for start, end in spans:
        if start >= position and text[start:end].strip():
            return text[start:end].strip(), (start, end)
    return "", (position, position)


def locate_answer(context: str, answer: str, start: object) -> tuple[int, str]:
    """(offset, how) of the answer text in the context; how is ok, shifted (nearest exact match) or missing."""
    try:
        offset = int(str(start))  # an int in CMRC and DRCD, but a string or nothing would not be an error
    except ValueError:
        offset = -1
    if offset >= 0 and context[offset : offset + len(answer)] == answer:
        return offset, "ok"
    found = [match.start() for match in re.finditer(re.escape(answer), context)] if answer else []
    if found:
        reference = max(offset, 0)
        return min(found, key=lambda candidate: (abs(candidate - reference), candidate)), "shifted"
    return (offset if 0 <= offset < len(context) else 0), "missing"


def evidence_for(context: str, spans: list[Span], first: dict, stats: Counter) -> str:
    """The sentence holding the first answer (counted in stats: how it was found, whether it runs past the end)."""
    text = first.get("text") or ""
    lead = len(text) - len(text.lstrip())  # answer_start counts the answer's leading blanks
    position, how = locate_answer(context, text, first.get("answer_start", -1))
    if how == "missing" and text.strip():
        position, how = locate_answer(context, text.strip(), first.get("answer_start", -1))
        lead = 0
    position += lead
    # An answer that starts on the 。 closing the sentence before belongs to the sentence of its first real character.
    body = text.strip()
    skip = len(body) - len(body.lstrip(FULL_STOPS + CLOSERS + " \u3000"))
    if not 0 < skip < len(body):
        skip = 0
    position += skip
    stats["answer " + how] += 1
    evidence, (_, end) = sentence_at(context, spans, position)
    if how != "missing" and position - skip + len(body) > end:
        stats["answer runs past its evidence sentence"] += 1
    return evidence


def answer_texts(question: dict) -> list[str]:
    """The unique stripped answer texts, in order (DRCD and CMRC dev repeat annotators' identical answers)."""
    return list(dict.fromkeys(text for text in ((a.get("text") or "").strip() for a in question["answers"]) if text))


def build(data: dict, prefix: str, limit_paragraphs: int | None,
          part: tuple[int, int] = (0, 1)) -> tuple[list[Source], list[dict], Counter]:
    stats: Counter = Counter()
    number, parts = part
    articles = [article for position, article in enumerate(data["data"]) if position % parts == number]
    flat = [(article, paragraph) for article in articles for paragraph in article["paragraphs"]]
    stats["paragraphs in file"] = len(flat)
    stats["questions in file"] = sum(len(paragraph["qas"]) for _, paragraph in flat)
    flat = [flat[index] for index in evenly_spaced(len(flat), limit_paragraphs)]

    sources: dict[str, Source] = {}
    questions: list[dict] = []
    for article, paragraph in flat:
        context = paragraph["context"]
        pid = str(paragraph.get("id") or article.get("id", ""))
        source = sources.get(context)
        if source is None:
            title = one_line(article.get("title", ""))
            source = Source(f"{prefix}_{len(sources) + 1:05d}.txt", title, str(article.get("id", "")), context)
            sources[context] = source
        if pid not in source.paragraph_ids:
            source.paragraph_ids.append(pid)
        spans = sentence_spans(context)
        for question in paragraph["qas"]:
            evidence = ""
            if question.get("answers"):
                evidence = evidence_for(context, spans, question["answers"][0], stats)
            else:
                stats["question without an answer"] += 1
            questions.append({"id": question.get("id", ""), "type": "factoid", "question": question["question"].strip(),
                              "answers": answer_texts(question), "source_file": source.file, "evidence": evidence,
                              "headline": source.title})
            source.questions += 1
    return list(sources.values()), questions, stats


def part_of(text: str) -> tuple[int, int]:
    """``I/N`` as (I, N), with 0 <= I < N."""
    number, _, parts = text.partition("/")
    if not (number.isdigit() and parts.isdigit() and int(number) < int(parts)):
        raise argparse.ArgumentTypeError(f"expected I/N with 0 <= I < N, got {text!r}")
    return int(number), int(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n", 2)[2])
    parser.add_argument("--input", type=Path, required=True, help="SQuAD-style JSON (CMRC 2018 or DRCD)")
    parser.add_argument("--out-dir", type=Path, required=True,
                        help="folder for corpus/, questions.jsonl and manifest.jsonl")
    parser.add_argument("--prefix", help="corpus file name prefix (default from the input name: cmrc_train, drcd_dev)")
    parser.add_argument("--limit-paragraphs", type=int, metavar="N", help="keep N evenly spaced paragraphs")
    parser.add_argument("--part", type=part_of, default=(0, 1), metavar="I/N",
                        help="keep the articles whose place in the file, counted from 0, is I modulo N: one of N "
                             "disjoint parts, whole articles each (train, tune and report on one file's parts)")
    parser.add_argument("--force", action="store_true", help="replace the files of an earlier build in --out-dir")
    args = parser.parse_args(argv)

    data = json.loads(args.input.read_text(encoding="utf-8"))
    sources, questions, stats = build(data, args.prefix or default_prefix(args.input), args.limit_paragraphs, args.part)
    corpus_dir = prepare_output(args.out_dir, args.force)
    for source in sources:
        write_text(corpus_dir / source.file, corpus_file_text(source.title, [source.context]))
    write_jsonl(args.out_dir / QUESTIONS, questions)
    write_jsonl(args.out_dir / MANIFEST, ({"file": s.file, "paragraph_ids": s.paragraph_ids, "article_id": s.article_id,
                                           "title": s.title, "chars": len(s.context), "questions": s.questions}
                                          for s in sources))

    articles = len({source.article_id for source in sources})
    print(f"input: {args.input} (version {data.get('version', '?')}): "
          f"{stats['paragraphs in file']} paragraphs, {stats['questions in file']} questions")
    print(f"written: {len(sources)} corpus files from {articles} articles, {len(questions)} questions "
          f"-> {args.out_dir}")
    print(f"first answer: at its offset {stats['answer ok']}, moved to the nearest match {stats['answer shifted']}, "
          f"not found {stats['answer missing']}; no answer {stats['question without an answer']}")
    print(f"first answer runs past its evidence sentence: {stats['answer runs past its evidence sentence']}")


if __name__ == "__main__":
    main()
