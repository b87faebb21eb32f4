"""Near-miss unanswerable questions: take the gold paragraph out of the archive, keep its article's other paragraphs.

Usage:
    python bench/sets/gold_removed.py --set DIR --out-dir OUT [--seed 0] [--share 0.5] [--force]
    python bench/sets/gold_removed.py --seeds --out-dir OUT [--seed-dir seeds] [--seed-questions FILE] ...

--set DIR reads a set made by bench/sets/open_domain.py (corpus/, questions.jsonl, manifest.jsonl), where each
corpus file is one paragraph and manifest.jsonl says which article it belongs to. --seeds reads the newspaper
issues of seeds/ through qa.ingest.load_path (what the service indexes) and eval/seed_dev.jsonl; a seed
question's gold paragraph is the paragraph of its source file that holds its evidence sentence.

Which paragraphs go: only articles with at least two paragraphs are eligible, so that the subject stays in
the archive through the siblings and the question is a near miss, not a question about something absent.
A seeded RNG (--seed) picks round(share × eligible) of those articles that hold a gold paragraph and then one
gold paragraph of each: at most one paragraph per article, so every article keeps a sibling.

Questions of a removed paragraph become `type: "unanswerable"`, `answers: []`, with
`near: {"source_file": <the nearest remaining sibling>, "headline": <title>, "why": "gold paragraph removed",
"removed": <the removed file>}`, as in eval/seed_near_miss_dev.jsonl; the question text and id are kept (it is the
same question, asked of a smaller archive). A removed question whose gold answer text still occurs in the title
or a remaining paragraph of the same article (normalised: NFKC, lower case, traditional → simplified, no
whitespace) may still be answerable, so it is dropped and counted. Every other question stays as it was.

Writes under --out-dir: corpus/ (the reduced corpus), questions.jsonl, manifest.jsonl (the remaining corpus
files) and removed.jsonl (each removed paragraph with the ids it made unanswerable and the ids it dropped).

Seeds: an issue is one file holding many articles, so a paragraph cannot be removed by leaving a file out.
Instead every article of the five issues is written as its own file, named <issue stem>_<article number>.jsonl,
with the removed paragraph left out, and the answerable questions' source_file is mapped to their article's file;
near.removed names the article file and the paragraph's number in the original article. The file is a one-record
.jsonl ({title, text, date}; text: the paragraphs separated by blank lines) rather than a "title, blank line,
body" .txt because the service reads a .txt with two or more headline-shaped lines as a newspaper issue: the seed
article 002_ee2df9198c4f8580.txt#13, whose sections have subheadings, came back from a .txt with its title doubled
as a first paragraph. A record is always read as one plain article, and it keeps the issue date. Subtitles, bylines
and datelines are not written (no seed answer is in them). The script re-reads what it wrote through
qa.ingest.load_path and reports any file that does not come back as the same article.
"""

from __future__ import annotations

import argparse
import random
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from setlib import (
    CORPUS,
    MANIFEST,
    QUESTIONS,
    add_removal_arguments,
    is_answerable,
    prepare_output,
    read_corpus_file,
    read_jsonl,
    seeded_share,
    unanswerable,
    write_jsonl,
)

from qa.ingest import load_path
from qa.text.normalize import compact

ROOT = Path(__file__).resolve().parents[2]
WHY = "gold paragraph removed"


@dataclass
class Article:
    """An article of the archive: its paragraphs and, per paragraph, the corpus file that holds it."""

    key: str
    title: str
    paragraphs: list[str]
    files: list[str]
    date: str | None = None
    gold: set[int] = field(default_factory=set)  # paragraphs that answer at least one question


@dataclass
class Located:
    """A question and where its answer is: an article and a paragraph of it (None: not located, or no answer)."""

    row: dict
    article: int | None = None
    paragraph: int | None = None


def from_set(set_dir: Path) -> tuple[list[Article], list[Located], list[dict]]:
    """Articles and located questions of an open_domain.py set; articles keep the manifest's order."""
    manifest = read_jsonl(set_dir / MANIFEST)
    articles: dict[str, Article] = {}
    where: dict[str, tuple[str, int]] = {}
    for entry in manifest:
        _, body = read_corpus_file(set_dir / CORPUS / entry["file"])
        article = articles.setdefault(entry["article_id"], Article(entry["article_id"], entry["title"], [], []))
        where[entry["file"]] = (entry["article_id"], len(article.paragraphs))
        article.paragraphs.append(body)
        article.files.append(entry["file"])
    order = {key: index for index, key in enumerate(articles)}
    located = []
    for row in read_jsonl(set_dir / QUESTIONS):
        item = Located(row)
        if is_answerable(row) and row["source_file"] in where:
            key, paragraph = where[row["source_file"]]
            item.article, item.paragraph = order[key], paragraph
        located.append(item)
    return list(articles.values()), located, manifest


def from_seeds(seed_dir: Path, questions: Path) -> tuple[list[Article], list[Located]]:
    """Articles of the issues (each to be written as its own file) and the seed questions located in them."""
    report = load_path(seed_dir)
    if report.errors:
        raise SystemExit("error: " + "; ".join(report.errors))
    articles = [Article(f"{article.source}#{article.ordinal}", article.title,
                        [paragraph.text for paragraph in article.paragraphs],
                        [f"{Path(article.source).stem}_{article.ordinal:02d}.jsonl"] * len(article.paragraphs),
                        article.date)
                for article in report.articles]
    sources = [article.source for article in report.articles]
    located = []
    for row in read_jsonl(questions):
        item = Located(row)
        if is_answerable(row):
            item.article, item.paragraph = locate(row, articles, sources)
        located.append(item)
    return articles, located


def locate(row: dict, articles: list[Article], sources: list[str]) -> tuple[int | None, int | None]:
    """The paragraph of the question's source file that holds its evidence, else the first one holding an answer."""
    candidates = [(index, number, compact(text))
                  for index, (article, source) in enumerate(zip(articles, sources, strict=True))
                  if source == row["source_file"] for number, text in enumerate(article.paragraphs)]
    evidence = compact(row.get("evidence") or "")
    for index, number, text in candidates:
        if evidence and evidence in text:
            return index, number
    answers = [compact(answer) for answer in row["answers"] if compact(answer)]
    for index, number, text in candidates:
        if any(answer in text for answer in answers):
            return index, number
    return None, None


def choose(articles: list[Article], seed: int, share: float) -> dict[int, int]:
    """Article index → the paragraph removed from it (seeded; at most one per article, only from 2+ paragraphs)."""
    eligible = [index for index, article in enumerate(articles) if len(article.paragraphs) >= 2 and article.gold]
    rng = random.Random(seed)
    return {index: rng.choice(sorted(articles[index].gold)) for index in seeded_share(eligible, share, rng)}


def nearest_sibling(article: Article, removed: int) -> str:
    """The file of the paragraph next to the removed one (the following one, else the one before)."""
    number = removed + 1 if removed + 1 < len(article.paragraphs) else removed - 1
    return article.files[number]


def build_questions(articles: list[Article], located: list[Located], removed: dict[int, int],
                    seeds: bool) -> tuple[list[dict], dict[int, dict], Counter]:
    """The question file of the reduced archive, the removal log (per article) and the counts."""
    stats: Counter = Counter()
    log = {index: {"article": articles[index].key, "title": articles[index].title,
                   "removed": removed_name(articles[index], number, seeds), "unanswerable": [], "dropped": []}
           for index, number in removed.items()}
    # What each article keeps, its title and paragraphs apart (\x00 never occurs in an answer, so no match can
    # straddle two of them); all of it together, to count (not drop) answers that other articles hold.
    remaining = {index: "\x00".join(compact(text) for number, text in enumerate([article.title, *article.paragraphs])
                                    if removed.get(index) != number - 1)
                 for index, article in enumerate(articles)}
    everything = "\x00".join(remaining.values())
    rows = []
    for item in located:
        row = dict(item.row)
        if item.article is None or item.paragraph is None:
            if is_answerable(row):  # its gold paragraph is not in the archive: no right answer to score
                stats["answerable but not located: left out"] += 1
            else:
                stats["unanswerable already: kept"] += 1
                rows.append(row)
            continue
        article = articles[item.article]
        if removed.get(item.article) != item.paragraph:
            row["source_file"] = article.files[item.paragraph]  # a seed issue name becomes its article's file
            rows.append(row)
            stats["answerable"] += 1
            continue
        answers = [compact(answer) for answer in row["answers"] if compact(answer)]
        if any(answer in remaining[item.article] for answer in answers):
            log[item.article]["dropped"].append(row["id"])
            stats["dropped: answer still in a sibling paragraph or the title"] += 1
            continue
        if any(everything.count(answer) > remaining[item.article].count(answer) for answer in answers):
            stats["unanswerable whose answer text occurs in another article"] += 1
        near = {"source_file": nearest_sibling(article, item.paragraph), "headline": article.title, "why": WHY,
                "removed": log[item.article]["removed"]}
        rows.append(unanswerable(row, row["question"], near))
        log[item.article]["unanswerable"].append(row["id"])
        stats["unanswerable"] += 1
    return rows, log, stats


def removed_name(article: Article, number: int, seeds: bool) -> str:
    """How near.removed names the paragraph: its file, or for a seed article its file and paragraph number."""
    return f"{article.files[number]} paragraph {number + 1}" if seeds else article.files[number]


def write_seed_corpus(articles: list[Article], removed: dict[int, int], corpus_dir: Path) -> tuple[list[dict], int]:
    """One single-article file per article, the removed paragraph left out; the manifest and the misread count."""
    manifest = []
    expected = {}
    for index, article in enumerate(articles):
        kept = [text for number, text in enumerate(article.paragraphs) if removed.get(index) != number]
        record = {"title": article.title, "text": "\n\n".join(kept)} | ({"date": article.date} if article.date else {})
        write_jsonl(corpus_dir / article.files[0], [record])
        manifest.append({"file": article.files[0], "article": article.key, "title": article.title,
                         "paragraphs": len(kept),
                         "removed_paragraph": removed[index] + 1 if index in removed else None})
        expected[article.files[0]] = (article.title, [compact(text) for text in kept])
    # The service must read back what the question file assumes: one article, same title, same paragraphs.
    reread = load_path(corpus_dir)
    got: dict[str, list] = {}
    for article in reread.articles:
        got.setdefault(article.source, []).append((article.title, [compact(p.text) for p in article.paragraphs]))
    misread = sum(got.get(name) != [value] for name, value in expected.items()) + len(reread.errors)
    return manifest, misread


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n", 2)[2])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--set", type=Path, metavar="DIR", help="a set made by open_domain.py")
    source.add_argument("--seeds", action="store_true", help="the seed issues and their dev questions")
    parser.add_argument("--seed-dir", type=Path, default=ROOT / "seeds", help="with --seeds: the issues")
    parser.add_argument("--seed-questions", type=Path, default=ROOT / "eval" / "seed_dev.jsonl",
                        help="with --seeds: their questions")
    parser.add_argument("--out-dir", type=Path, required=True, help="folder for the reduced set")
    add_removal_arguments(parser, 0.5, "articles that lose a paragraph")
    args = parser.parse_args(argv)

    if args.seeds:
        articles, located = from_seeds(args.seed_dir, args.seed_questions)
    else:
        articles, located, manifest = from_set(args.set)
    for item in located:
        if item.article is not None and item.paragraph is not None:
            articles[item.article].gold.add(item.paragraph)
    removed = choose(articles, args.seed, args.share)
    rows, log, stats = build_questions(articles, located, removed, args.seeds)

    corpus_dir = prepare_output(args.out_dir, args.force)
    if args.seeds:
        manifest, misread = write_seed_corpus(articles, removed, corpus_dir)
        stats["article files not read back as written"] = misread
    else:
        gone = {articles[index].files[number] for index, number in removed.items()}
        manifest = [entry for entry in manifest if entry["file"] not in gone]
        for entry in manifest:
            shutil.copyfile(args.set / CORPUS / entry["file"], corpus_dir / entry["file"])
    write_jsonl(args.out_dir / QUESTIONS, rows)
    write_jsonl(args.out_dir / MANIFEST, manifest)
    write_jsonl(args.out_dir / "removed.jsonl", (log[index] for index in sorted(log)))

    eligible = sum(len(article.paragraphs) >= 2 and bool(article.gold) for article in articles)
    print(f"articles: {len(articles)}, eligible (2+ paragraphs, a gold one among them): {eligible}; "
          f"paragraphs removed: {len(removed)} (seed {args.seed}, share {args.share})")
    print(f"corpus files written: {len(manifest)}; questions written: {len(rows)} -> {args.out_dir}")
    for name in sorted(stats):
        print(f"  {name}: {stats[name]}")


if __name__ == "__main__":
    main()
