"""`qa eval`: answer a question set and score the answers, citations, spans and abstentions.

Question files are JSONL with: id, type, question, answers, source_file, evidence, headline and
optionally history (earlier turns; the system's own answers are fed back as assistant turns),
mode ("all": a list question whose every gold item should be in the answer) and lang.

A question the service refuses as input (empty, too long: `qa.limits.question`) is not asked: it is scored
as the service answers it, with no answer, and its row says why (``refused``). A set built from a public
split may hold such a record (CMRC 2018 trial has two empty questions); the rest of the set is still measured.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qa import limits
from qa.answer.result import Answer
from qa.engine import QA
from qa.errors import QAError
from qa.text.normalize import compact


@dataclass
class Item:
    id: str
    type: str
    question: str
    answers: list[str]
    source_file: str
    history: list[dict[str, str]]
    mode: str | None
    lang: str | None
    refused: str | None = None  # why the service refuses the question or one of its earlier turns

    @property
    def answerable(self) -> bool:
        return bool(self.answers) and self.type != "unanswerable"


def load_items(path: Path) -> list[Item]:
    items = []
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise QAError(f"{path}: cannot read question file ({error})") from error
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            item = Item(str(row.get("id", number)), row.get("type") or "factoid", row["question"],
                        list(row.get("answers") or []), row.get("source_file") or "",
                        list(row.get("history") or []), row.get("mode"), row.get("lang"))
        except (ValueError, KeyError, TypeError) as error:
            raise QAError(f"{path}:{number}: not a question record ({error})") from error
        item.refused = _refusal(item)
        items.append(item)
    if not items:
        raise QAError(f"{path}: no questions")
    return items


def _refusal(item: Item) -> str | None:
    """What the service says to the item's question or to one of its earlier user turns, where it refuses one."""
    asked = [turn.get("content") for turn in item.history if turn.get("role") == "user"] + [item.question]
    for text in asked:
        try:
            limits.question(text)
        except QAError as error:
            return str(error)
    return None


def contains_gold(text: str, answers: Iterable[str]) -> bool:
    haystack = compact(text)
    return any(compact(answer) and compact(answer) in haystack for answer in answers)


def ask_item(qa: QA, item: Item, retriever: str) -> tuple[Answer, float]:
    """Ask the item's earlier user turns first, feeding back our own answers, then the question."""
    history: list[dict[str, str]] = []
    for turn in item.history:
        if turn.get("role") != "user":
            continue
        earlier = qa.ask(turn["content"], history=history, retriever=retriever)
        history += [{"role": "user", "content": turn["content"]}, {"role": "assistant", "content": earlier.answer}]
    started = time.perf_counter()
    result = qa.ask(item.question, history=history or None, retriever=retriever)
    return result, time.perf_counter() - started


def refused_row(item: Item) -> dict:
    """The row of a question the service refuses: no answer, as an abstention is scored."""
    row = score_item(item, Answer(item.question, "", False, 0.0, None, [], []), 0.0)
    return row | {"answer": None, "refused": item.refused}


def score_item(item: Item, result: Answer, seconds: float) -> dict:
    citations, passages = result.citations, result.passages
    first_quote = citations[0].quote if citations else ""
    first_source = citations[0].source if citations else None
    answered = result.answerable
    row = {"id": item.id, "type": item.type, "question": item.question, "answers": item.answers,
           "source_file": item.source_file, "answerable": answered, "answer": result.answer,
           "span": result.span, "confidence": result.confidence, "cited": first_source,
           "latency_ms": round(seconds * 1000, 2), "lang": item.lang or "zh", "mode": item.mode}
    if not item.answerable:
        row["correct"] = not answered
        return row
    in_answer = contains_gold(result.answer, item.answers) or contains_gold(first_quote, item.answers)
    row["hit1"] = answered and in_answer and first_source == item.source_file
    top3 = [(c.source, c.quote) for c in citations[:3]] + [(p.source, p.text) for p in passages[:3]]
    row["hit3"] = row["hit1"] or any(source == item.source_file and contains_gold(text, item.answers)
                                     for source, text in top3)
    row["cite_ok"] = first_source == item.source_file
    row["passage_r5"] = item.source_file in [p.source for p in passages[:5]]
    row["span_exact"] = bool(result.span) and compact(result.span) in {compact(a) for a in item.answers}
    if item.mode == "all":
        row["list_recall"] = sum(contains_gold(result.answer, [gold]) for gold in item.answers) / len(item.answers)
    row["correct"] = row["hit1"]
    return row


# The reliability table cuts the confidence range into this many equal bins.
RELIABILITY_BINS = 10


def reliability(rows: list[dict]) -> list[dict]:
    """Per confidence bin of the answers given (abstentions left out): how many, their mean
    confidence, and the share that was right. Calibrated, the two figures agree in every bin."""
    bins: list[list[dict]] = [[] for _ in range(RELIABILITY_BINS)]
    for row in rows:
        if row["answerable"]:
            bins[min(int(row["confidence"] * RELIABILITY_BINS), RELIABILITY_BINS - 1)].append(row)
    return [{"bin": f"{number / RELIABILITY_BINS:.1f}–{(number + 1) / RELIABILITY_BINS:.1f}", "answers": len(group),
             "confidence": round(statistics.mean(row["confidence"] for row in group), 4),
             "right": round(statistics.mean(float(row["correct"]) for row in group), 4)}
            for number, group in enumerate(bins) if group]


def calibration_error(table: list[dict]) -> float | None:
    """Expected calibration error: the answers-weighted mean gap between confidence and accuracy."""
    total = sum(entry["answers"] for entry in table)
    if not total:
        return None
    return round(sum(entry["answers"] * abs(entry["right"] - entry["confidence"]) for entry in table) / total, 4)


def summarize(rows: list[dict]) -> dict:
    answerable = [row for row in rows if "hit1" in row]
    unanswerable = [row for row in rows if "hit1" not in row]
    plain = [row for row in answerable if row["type"] != "followup"]
    followups = [row for row in answerable if row["type"] == "followup"]
    lists = [row for row in answerable if "list_recall" in row]
    english = [row for row in answerable if row["lang"] == "en"]
    latencies = sorted(row["latency_ms"] for row in rows if "refused" not in row) or [0.0]

    def share(selected: list[dict], key: str) -> float | None:
        return round(statistics.mean(float(row[key]) for row in selected), 4) if selected else None

    by_type: dict[str, list[dict]] = defaultdict(list)
    for row in answerable:
        by_type[row["type"]].append(row)
    table = reliability(rows)
    return {
        "questions": len(rows),
        "refused": sum("refused" in row for row in rows),
        "hit@1": share(answerable, "hit1"),
        "hit@1 (no follow-ups)": share(plain, "hit1"),
        "hit@3": share(answerable, "hit3"),
        "cite-acc": share(answerable, "cite_ok"),
        "passage R@5": share(answerable, "passage_r5"),
        "span-exact": share(answerable, "span_exact"),
        "list recall": share(lists, "list_recall"),
        "abstain": round(sum(not row["answerable"] for row in unanswerable) / len(unanswerable), 4)
        if unanswerable else None,
        "false-abstain": round(sum(not row["answerable"] for row in answerable) / len(answerable), 4)
        if answerable else None,
        "follow-up hit@1": share(followups, "hit1"),
        "English hit@1": share(english, "hit1"),
        "hit@1 by type": {name: share(group, "hit1") for name, group in sorted(by_type.items())},
        "latency p50 ms": round(latencies[len(latencies) // 2], 1),
        **{f"latency p{level} ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * level / 100))], 1)
           for level in (95, 99)},
        "ECE (answers)": calibration_error(table),
        "reliability": table,
    }


def evaluate(qa: QA, items: list[Item], retriever: str = "hybrid") -> tuple[dict, list[dict]]:
    rows = [refused_row(item) if item.refused else score_item(item, *ask_item(qa, item, retriever))
            for item in items]
    return summarize(rows), rows


def format_table(summaries: dict[str, dict]) -> str:
    """One column per retriever, one row per metric (markdown)."""
    names = list(summaries)
    first = summaries[names[0]]
    lines = ["| metric | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for metric, value in first.items():
        if isinstance(value, list):
            continue  # the reliability table has a layout of its own (format_reliability)
        if isinstance(value, dict):
            for sub in value:
                cells = [_cell(summaries[name][metric].get(sub)) for name in names]
                lines.append(f"| hit@1 {sub} | " + " | ".join(cells) + " |")
        else:
            lines.append(f"| {metric} | " + " | ".join(_cell(summaries[name][metric]) for name in names) + " |")
    return "\n".join(lines)


def format_reliability(name: str, table: list[dict]) -> str:
    """One row per confidence bin (markdown): answers given, mean confidence, share right."""
    lines = [f"| confidence ({name}) | answers | mean confidence | right |", "|---|---:|---:|---:|"]
    lines += [f"| {entry['bin']} | {entry['answers']} | {entry['confidence']:.3f} | {entry['right']:.3f} |"
              for entry in table]
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if value <= 1 else f"{value:.1f}"
    return str(value)
