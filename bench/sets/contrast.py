"""Contrast unanswerable questions: a name, number or date of an answerable question swapped for another of the corpus.

Usage: python bench/sets/contrast.py --corpus DIR --questions FILE... --out FILE [--seed 0] [--limit N] [--force]

--corpus is what the questions are asked of (an open_domain.py corpus/ folder, or seeds/), read through
qa.ingest.load_path as the service reads it; --questions are `qa eval` question files over it
(questions.jsonl of an open_domain.py set, or the seed sets eval/seed_*.jsonl), read in order.

For each answerable question, the mentions that can be swapped are found in it: a named entity (jieba.posseg
flags ns, nr, nt, nz; nr also takes jieba's nrt/nrfg person names; 2+ characters), a date (1963年, 1963年5月,
1963年5月2日, 5月2日) or a number with a measure word (3.5万人, 80%; the units of qa.text.lexicon). Digits only:
Han numerals are left alone. Entities come from jieba's dictionary (no HMM guesses), so a word is cut and tagged
alike in a question and in an article; an entity next to a lone character that is neither a function word nor a
head such as 市 or 人 is taken for a piece of a longer name (长|谷川|町子) and left alone. Traditional text (DRCD)
is tagged through its simplified form (OpenCC t2s), which keeps the characters in place. Only a mention tagged
alike in the question's gold article counts: it is what ties the question to its answer. One of them (seeded)
is replaced, everywhere in the question, by a mention of the same kind (same entity flag, same date shape, same
unit) drawn (seeded) from the whole corpus, such that

- it is not in the question already, and neither it nor the old mention contains the other;
- it never occurs in a paragraph that holds any of the question's gold answers (else that paragraph may
  answer the new question with the old answer);
- no paragraph holding it also holds half or more of the question's other keywords (its words of two or more
  characters, stopwords aside, that occur in the gold article): such a paragraph may answer the new question
  with an answer of its own. A question with no such keyword (只有“X是谁”) is skipped: swapping X asks
  about a different, possibly well covered, subject.

Matching is on normalised text (NFKC, lower case, traditional → simplified, no whitespace). The result is
`{"id": "<id>-contrast", "type": "unanswerable", "answers": [], "source_file": "", ..., "near": {"source_file":
<original gold file>, "headline": ..., "why": "contrast: <old> → <new>", "original_id": <id>}}`, with the
original's history and lang. Questions with nothing replaceable are skipped and counted. Each question draws
from its own RNG seeded with (--seed, id), so a question's contrast does not depend on which others are in the
file; --limit N keeps N of the results, evenly spaced.
"""

from __future__ import annotations

import argparse
import bisect
import functools
import logging
import math
import random
import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import jieba
import jieba.posseg
import opencc
from setlib import evenly_spaced, read_jsonl, unanswerable, write_jsonl

from qa.ingest import load_path
from qa.ingest.article import Article
from qa.text.lexicon import QUANTITY_UNITS, STOPWORDS, alternation
from qa.text.normalize import compact

# jieba's flags for place, person, organisation and other proper names; nrt (transliterated) and nrfg are
# person names too, and a swap keeps a person a person.
ENTITY_FLAGS = {"ns": "ns", "nr": "nr", "nrt": "nr", "nrfg": "nr", "nt": "nt", "nz": "nz"}
DATE = re.compile(r"(?<![\d.])(?:(\d{3,4})年(?:(\d{1,2})月(?:(\d{1,2})[日号])?)?|(\d{1,2})月(\d{1,2})[日号])(?![\d代])")
QUANTITY = re.compile(rf"(?<![\d.])\d+(?:\.\d+)?([万亿]?{alternation(QUANTITY_UNITS)})")
# A drawn year stays this close to the one it replaces (see plausible_years).
YEAR_WINDOW = 30
# Drawing stops after this many candidates per mention: a kind that rarely passes the checks is not worth more.
ATTEMPTS = 60
_HAS_DIGIT_OR_MARK = re.compile(r"[\d\W_]")
_HAN = re.compile(r"[\u3400-\u9fff]")
# Single characters that follow a name as its head (密云|区, 西班牙|人) rather than being part of it.
NAME_HEADS = frozenset("市省县区州镇乡村国人族语军队")


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    kind: str  # "entity:nr", "date:YMD", "number:万人", ...


@functools.cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def simplified_view(text: str) -> str:
    """The text in simplified characters where OpenCC keeps every character in place, else the text itself.

    jieba's dictionary is simplified, and a mention's offsets must index the original text.
    """
    view = _t2s().convert(text)
    return view if len(view) == len(text) else text


def mentions(text: str) -> list[Mention]:
    """Dates, numbers with a unit and named entities of the text, without overlaps (dates first, then numbers)."""
    view = simplified_view(text)
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for match in DATE.finditer(view):
        _, month, day, md_month, _ = match.groups()
        shape = "MD" if md_month else "Y" + ("M" if month else "") + ("D" if day else "")
        found.append(Mention(match.start(), match.end(), text[match.start() : match.end()], "date:" + shape))
        taken.append(match.span())
    for match in QUANTITY.finditer(view):
        if free(*match.span()):
            found.append(Mention(match.start(), match.end(), text[match.start() : match.end()],
                                 "number:" + match.group(1)))
            taken.append(match.span())
    # jieba's dictionary alone, no HMM guesses: a word is then cut and tagged the same in a question and in an
    # article, which the anchor check relies on, and tagging the corpus is ten times faster.
    words = [(pair.word, pair.flag) for pair in jieba.posseg.cut(view, HMM=False)]
    position = 0
    for number, (word, flag) in enumerate(words):
        start, end = position, position + len(word)
        position = end
        if (flag in ENTITY_FLAGS and len(word) >= 2 and not _HAS_DIGIT_OR_MARK.search(word) and free(start, end)
                and whole(words, number - 1) and whole(words, number + 1)):
            found.append(Mention(start, end, text[start:end], "entity:" + ENTITY_FLAGS[flag]))
    return sorted(found, key=lambda mention: mention.start)


def whole(words: list[tuple[str, str]], number: int) -> bool:
    """Whether the word beside an entity leaves it whole: no word, a longer word, a mark, a function word or a
    head noun such as 市 or 人. A lone character otherwise is most likely the rest of a name that the dictionary
    cut up (长|谷川|町子), and swapping the piece garbles the name instead of changing the subject."""
    if not 0 <= number < len(words):
        return True
    word = words[number][0]
    return len(word) > 1 or not _HAN.match(word) or word in STOPWORDS or word in NAME_HEADS


class Corpus:
    """The corpus as units of text (an article's title with one of its paragraphs), searchable by normalised text."""

    def __init__(self, articles: list[Article]) -> None:
        self.articles = articles
        units = [article.title + "\n" + paragraph.text for article in articles for paragraph in article.paragraphs]
        compacted = [compact(unit) for unit in units]
        # One string with a separator no needle holds, so a search is one C-level scan, not a loop over units.
        self.joined = "\x00".join(compacted)
        self.starts: list[int] = []
        offset = 0
        for unit in compacted:
            self.starts.append(offset)
            offset += len(unit) + 1
        self.texts = compacted
        self._cache: dict[str, frozenset[int]] = {}
        self.mentions = [{mention for text in [article.title] + [paragraph.text for paragraph in article.paragraphs]
                          for mention in mentions(text)} for article in articles]

    def units_with(self, needle: str) -> frozenset[int]:
        """Indices of the units whose normalised text holds the (normalised) needle."""
        if needle not in self._cache:
            found = set()
            position = self.joined.find(needle)
            while position >= 0:
                unit = bisect.bisect_right(self.starts, position) - 1
                found.add(unit)
                position = self.joined.find(needle, self.starts[unit + 1] if unit + 1 < len(self.starts) else
                                            len(self.joined))
            self._cache[needle] = frozenset(found)
        return self._cache[needle]

    def pools(self) -> dict[str, list[str]]:
        """kind → the distinct mentions of the corpus, sorted."""
        seen: dict[str, set[str]] = {}
        for found in self.mentions:
            for mention in found:
                seen.setdefault(mention.kind, set()).add(mention.text)
        return {kind: sorted(values) for kind, values in sorted(seen.items())}


def gold_articles(row: dict, by_source: dict[str, list[int]], corpus: Corpus) -> list[int]:
    """The articles of the question's source that hold its evidence, else an answer, else all of the source's."""
    articles = by_source.get(row.get("source_file") or "", [])
    for needles in ([row.get("evidence") or ""], row["answers"]):
        needles = [compact(needle) for needle in needles if compact(needle)]
        holding = [index for index in articles
                   if any(needle in compact(corpus.articles[index].title + corpus.articles[index].text)
                          for needle in needles)]
        if holding:
            return holding
    return articles


def keywords(question: str, mention: Mention, gold: str) -> list[str]:
    """The question's words besides the mention that its gold article also has: what ties it to an answer."""
    rest = question[: mention.start] + "，" + question[mention.end :]
    words = dict.fromkeys(compact(word) for word in jieba.cut(simplified_view(rest)))
    return [word for word in words if len(word) >= 2 and word not in STOPWORDS and word in gold]


def contrast(row: dict, corpus: Corpus, by_source: dict[str, list[int]], pools: dict[str, list[str]],
             seed: int, stats: Counter) -> dict | None:
    """The contrast question of one answerable question, or None (the reason counted in stats)."""
    question = row["question"]
    candidates = [mention for mention in mentions(question) if mention.kind in pools]
    if not candidates:
        stats["skipped: nothing replaceable"] += 1
        return None
    articles = gold_articles(row, by_source, corpus)
    gold = "".join(compact(corpus.articles[index].title + corpus.articles[index].text) for index in articles)
    # The mention must be a mention of the same kind in the gold article too: that is what ties the question to
    # its answer. Swapping a word the article does not have (a paraphrase, a name cut differently) leaves the
    # gold paragraph answering the new question just as well.
    tagged = {(mention.kind, compact(mention.text)) for index in articles for mention in corpus.mentions[index]}
    candidates = [mention for mention in candidates if (mention.kind, compact(mention.text)) in tagged]
    if not candidates:
        stats["skipped: no replaceable mention in the gold article"] += 1
        return None
    answer_units = frozenset().union(*(corpus.units_with(compact(a)) for a in row["answers"] if compact(a)))
    rng = random.Random(f"{seed}:{row['id']}")
    rng.shuffle(candidates)
    question_key = compact(question)
    without_keywords = 0
    for mention in candidates:
        words = keywords(question, mention, gold)
        if not words:
            without_keywords += 1
            continue
        needed = max(1, math.ceil(len(words) / 2))
        old = compact(mention.text)
        pool = pools[mention.kind]
        year = year_of(mention.text)
        if year is not None:
            pool = plausible_years(pool, year, gold)
        for index in rng.sample(range(len(pool)), min(ATTEMPTS, len(pool))):
            new = pool[index]
            key = compact(new)
            if not key or key in old or old in key or key in question_key:
                continue
            units = corpus.units_with(key)
            if units & answer_units:
                stats["candidates rejected: in a paragraph with a gold answer"] += 1
                continue
            if any(sum(word in corpus.texts[unit] for word in words) >= needed for unit in units):
                stats["candidates rejected: in a paragraph with the question's keywords"] += 1
                continue
            stats["made: " + mention.kind.split(":")[0]] += 1
            near = {"source_file": row.get("source_file") or "", "headline": row.get("headline") or "",
                    "why": f"contrast: {mention.text} → {new}", "original_id": row["id"]}
            return unanswerable(row, question.replace(mention.text, new), near, new_id=f"{row['id']}-contrast")
    if without_keywords == len(candidates):
        stats["skipped: no keyword besides the mention"] += 1
    else:
        stats["skipped: no replacement passed the checks"] += 1
    return None


@functools.cache
def year_of(text: str) -> int | None:
    """The year of a date mention (1963年5月 → 1963), None for a month and day alone or anything else."""
    match = DATE.fullmatch(simplified_view(text))
    return int(match.group(1)) if match and match.group(1) else None


def plausible_years(pool: list[str], year: int, gold: str) -> list[str]:
    """The dates of the pool whose year is near the old one but outside every year the gold article names.

    A year drawn from anywhere (783年 for 1971年) makes a question that is unanswerable for a trivial reason;
    one inside the years of the gold article may fall in a range it states (1988年至1993年任…), which answers
    the new question.
    """
    named = [int(found) for found in re.findall(r"(?<!\d)(\d{3,4})年", gold)]
    low, high = (min(named), max(named)) if named else (year, year)
    return [date for date in pool if (drawn := year_of(date)) is not None
            and abs(drawn - year) <= YEAR_WINDOW and not low <= drawn <= high]


def by_source_file(articles: Iterable[Article]) -> dict[str, list[int]]:
    """Source file name → the indices of its articles."""
    grouped: dict[str, list[int]] = {}
    for index, article in enumerate(articles):
        grouped.setdefault(article.source, []).append(index)
    return grouped


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n", 2)[2])
    parser.add_argument("--corpus", type=Path, required=True, help="the folder the questions are asked of")
    parser.add_argument("--questions", type=Path, nargs="+", required=True, help="qa eval question files over it")
    parser.add_argument("--out", type=Path, required=True, help="the contrast question file to write (JSONL)")
    parser.add_argument("--seed", type=int, default=0, help="RNG seed (default 0)")
    parser.add_argument("--limit", type=int, metavar="N", help="keep N of the contrast questions, evenly spaced")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists")
    args = parser.parse_args(argv)
    if args.out.exists() and not args.force:
        sys.exit(f"error: {args.out} exists (use --force to replace it)")

    jieba.setLogLevel(logging.WARNING)
    report = load_path(args.corpus)
    if report.errors:
        sys.exit("error: " + "; ".join(report.errors))
    corpus = Corpus(report.articles)
    pools = corpus.pools()
    by_source = by_source_file(report.articles)
    stats: Counter = Counter()
    made = []
    for row in (row for path in args.questions for row in read_jsonl(path)):
        if not row.get("answers") or row.get("type") == "unanswerable":
            stats["not answerable: not used"] += 1
            continue
        stats["answerable"] += 1
        record = contrast(row, corpus, by_source, pools, args.seed, stats)
        if record:
            made.append(record)
    kept = [made[index] for index in evenly_spaced(len(made), args.limit)]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_jsonl(args.out, kept)

    print(f"corpus: {len(report.articles)} articles, {len(corpus.texts)} paragraphs; "
          "pool: " + ", ".join(f"{kind} {len(values)}" for kind, values in pools.items()))
    print(f"written: {len(kept)} contrast questions -> {args.out}")
    for name in sorted(stats):
        print(f"  {name}: {stats[name]}")


if __name__ == "__main__":
    main()
