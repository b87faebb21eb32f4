"""`qa eval` metrics on hand-made answers with known scores, and the command end to end."""

import json

import pytest

from qa.answer.result import Answer, Citation, Passage
from qa.cli.evaluate import Item, format_reliability, format_table, load_items, refused_row, score_item, summarize
from qa.limits import MAX_QUESTION_CHARS
from tests.builders import CMRC_CORPUS, CMRC_QUESTIONS, run_qa


def item(**fields) -> Item:
    base = dict(id="x", type="number", question="问题？", answers=["21项"], source_file="a.txt", history=[],
                mode=None, lang=None)
    return Item(**{**base, **fields})


def result(answer: str, sources: list[str], answerable: bool = True, span: str | None = None,
           passages: list[tuple[str, str]] = (), confidence: float = 0.5) -> Answer:
    citations = [Citation(n, "doc", "标题", None, source, 0, answer, 0, len(answer))
                 for n, source in enumerate(sources, start=1)]
    return Answer("问题？", answer, answerable, confidence, span, citations,
                  [Passage("doc", "标题", source, text, 0.1, 0, len(text)) for source, text in passages])


def test_hit_needs_the_gold_text_and_the_gold_source():
    assert score_item(item(), result("共计 21 项。[1]", ["a.txt"]), 0.01)["hit1"]  # whitespace ignored
    assert score_item(item(), result("共计２１项。[1]", ["a.txt"]), 0.01)["hit1"]  # full width folded (NFKC)
    assert not score_item(item(), result("共计21项。[1]", ["b.txt"]), 0.01)["hit1"]
    assert not score_item(item(), result("共计20项。[1]", ["a.txt"]), 0.01)["hit1"]


def test_hit3_cite_acc_recall_and_span():
    row = score_item(item(), result("无关[1]", ["b.txt"], span="21项",
                                    passages=[("b.txt", "x"), ("a.txt", "共21项"), ("c.txt", "")]), 0.01)
    assert not row["hit1"] and row["hit3"] and not row["cite_ok"] and row["passage_r5"] and row["span_exact"]


def test_abstentions_list_recall_and_summary():
    rows = [
        score_item(item(type="unanswerable", answers=[]), result("没有", [], answerable=False), 0.010),
        score_item(item(type="unanswerable", answers=[]), result("乱答[1]", ["a.txt"]), 0.020),
        score_item(item(), result("资料中没有", [], answerable=False), 0.030),
        score_item(
            item(type="list", mode="all", answers=["甲", "乙", "丙", "丁"]), result("甲乙丙[1]", ["a.txt"]), 0.040
        ),
        score_item(item(type="followup", lang="en"), result("21项[1]", ["a.txt"]), 0.050),
    ]
    summary = summarize(rows)
    assert summary["abstain"] == 0.5
    assert summary["false-abstain"] == pytest.approx(1 / 3, abs=1e-3)
    assert summary["list recall"] == 0.75
    assert summary["follow-up hit@1"] == 1.0 and summary["English hit@1"] == 1.0
    assert summary["hit@1"] == pytest.approx(2 / 3, abs=1e-3)  # a list answer with one gold item is a hit
    assert summary["hit@1 by type"] == {"followup": 1.0, "list": 1.0, "number": 0.0}
    assert summary["latency p50 ms"] == 30.0
    assert "| abstain | 0.500 |" in format_table({"hybrid": summary})


def test_reliability_bins_the_answers_given_by_confidence_and_weighs_their_gaps():
    right, wrong = result("共21项。[1]", ["a.txt"], confidence=0.95), result("共20项。[1]", ["a.txt"], confidence=0.95)
    rows = [score_item(item(), right, 0.01) for _ in range(3)] + [score_item(item(), wrong, 0.01)]
    rows += [score_item(item(), result("共21项。[1]", ["a.txt"], confidence=0.25), 0.01)]
    rows += [score_item(item(type="unanswerable", answers=[]), result("乱答[1]", ["a.txt"], confidence=0.2), 0.01)]
    rows += [score_item(item(), result("没有", [], answerable=False, confidence=0.9), 0.01)]  # abstained: left out
    summary = summarize(rows)
    assert summary["reliability"] == [
        {"bin": "0.2–0.3", "answers": 2, "confidence": 0.225, "right": 0.5},
        {"bin": "0.9–1.0", "answers": 4, "confidence": 0.95, "right": 0.75},
    ]
    assert summary["ECE (answers)"] == pytest.approx((2 * 0.275 + 4 * 0.2) / 6, abs=1e-4)
    assert "| 0.9–1.0 | 4 | 0.950 | 0.750 |" in format_reliability("hybrid", summary["reliability"])
    assert "reliability" not in format_table({"hybrid": summary})


def test_a_question_the_service_refuses_is_scored_as_its_abstention_and_the_rest_still_measured(tmp_path):
    records = [
        {"id": "empty", "question": "", "answers": ["21项"], "source_file": "a.txt"},
        {"id": "blank", "type": "unanswerable", "question": "  ", "answers": []},
        {"id": "long", "question": "问" * (MAX_QUESTION_CHARS + 1), "answers": ["21项"], "source_file": "a.txt"},
        {"id": "turn", "question": "几项？", "answers": ["21项"], "source_file": "a.txt",
         "history": [{"role": "user", "content": ""}]},
        {"id": "fine", "question": "共有几项？", "answers": ["21项"], "source_file": "a.txt"},
    ]
    path = tmp_path / "q.jsonl"
    path.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), encoding="utf-8")
    items = load_items(path)
    assert [item.refused for item in items] == ["question is empty", "question is empty",
                                                 f"question is longer than {MAX_QUESTION_CHARS} characters",
                                                 "question is empty", None]
    rows = [refused_row(item) for item in items[:4]] + [score_item(items[4], result("共21项。[1]", ["a.txt"]), 0.02)]
    assert rows[0]["refused"] == "question is empty" and rows[0]["answer"] is None and not rows[0]["answerable"]
    summary = summarize(rows)
    assert summary["refused"] == 4
    assert summary["abstain"] == 1.0  # the refused unanswerable question gets no answer
    assert summary["false-abstain"] == 0.75 and summary["hit@1"] == 0.25  # nor do the three answerable ones
    assert summary["latency p50 ms"] == 20.0  # only questions asked are timed


def test_eval_command_compares_retrievers_on_the_same_index(tmp_path):
    data_dir = tmp_path / "data"
    corpus = CMRC_CORPUS
    assert run_qa("index", str(corpus / "cmrc_train_00001.txt"), str(corpus / "cmrc_train_00002.txt"),
                  "--data-dir", str(data_dir), "--quiet").returncode == 0
    questions = tmp_path / "q.jsonl"
    lines = [line for line in CMRC_QUESTIONS.read_text().splitlines()
             if "cmrc_train_00001" in line or "cmrc_train_00002" in line]
    empty = json.dumps({"id": "E1", "question": " ", "answers": ["x"], "source_file": "cmrc_train_00001.txt"})
    questions.write_text("\n".join([*lines, empty]) + "\n")
    out = tmp_path / "rows.jsonl"
    run = run_qa("eval", str(questions), "--json", "--out", str(out), "--data-dir", str(data_dir))
    assert run.returncode == 0, run.stderr
    assert f"1 of {len(lines) + 1} questions are refused as input" in run.stderr
    assert "E1: question is empty" in run.stderr
    summaries = json.loads(run.stdout)
    assert set(summaries) == {"hybrid", "dense", "bm25"}
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 3 * (len(lines) + 1)
    assert all(summary["refused"] == 1 for summary in summaries.values())
    for name, summary in summaries.items():
        mine = [row for row in rows if row["retriever"] == name]
        assert summary["hit@1"] == pytest.approx(sum(row["hit1"] for row in mine) / len(mine), abs=1e-4)
    # Two articles: the right one is always in the top 5 of a question asked (the refused one finds none).
    assert all(row["passage_r5"] == ("refused" not in row) for row in rows if row["retriever"] == "hybrid")
