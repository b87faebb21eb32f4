"""The learned choice of the short answer among a unit's typed candidates, and the command that re-trains it."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from qa.answer.question import analyze
from qa.answer.span_choice import (
    SPAN_FEATURES,
    asked_part,
    best_span,
    bundled,
    load,
    span_candidates,
    span_features,
)
from qa.text.tagging import tag
from tests.builders import CMRC_QUESTIONS, ROOT, SEED_DEV


def test_the_bundled_span_model_reads_the_features_span_features_writes():
    assert bundled().features == SPAN_FEATURES
    question = analyze("《太阳的囚徒》的作者是谁？")
    tagged = tag("《太阳的囚徒》是比利时漫画家埃尔热的作品，由李四翻译。")
    spans = span_candidates(tagged, question)
    matrix = span_features(tagged, question, spans)
    assert matrix.shape == (len(spans), len(SPAN_FEATURES)) and np.isfinite(matrix).all()


@pytest.mark.parametrize(("question", "sentence", "span"), [
    # Two people: the one the question's words stand beside, not the one nearer the sentence's start.
    ("这部电影的导演是谁？", "主演张三表示，这部电影的导演是李四，拍摄用了两年。", "李四"),
    # Two dates: the one in the clause that says what was asked.
    ("大桥是哪一年通车的？", "大桥于2015年开工，2018年建成通车。", "2018年"),
    # Two quantities: the one of the counted thing.
    ("该区有多少名工匠？", "该区有企业300家，工匠1200名。", "1200名"),
])
def test_the_candidate_the_question_asks_for_is_the_span(question, sentence, span):
    assert best_span(tag(sentence), analyze(question)) == span


@pytest.mark.parametrize(("question", "candidate", "span"), [
    ("大桥是哪一年通车的？", "2018年10月23日", "2018年"),  # the year asked, not the day
    ("佛教大約於幾世紀時傳入日本？", "6世紀中", "6世紀"),
    ("大会是几月召开的？", "2018年10月23日", "2018年10月"),
    ("大会是哪一天召开的？", "2018年10月23日", "2018年10月23日"),
    ("大会是什么时候召开的？", "2018年10月", "2018年10月"),  # no part asked: the whole date
    ("该县有多少个基层工会？", "共计150个", "150个"),  # a total is the number
    ("入会率达到多少？", "达97%", "97%"),
    ("公司有多少工会会员？", "近1000人", "近1000人"),  # how near it comes is part of the answer
    ("有多少学生？", "超过3000人", "超过3000人"),
])
def test_the_span_is_the_part_of_its_candidate_the_question_asks_for(question, candidate, span):
    assert asked_part(candidate, analyze(question)) == span


def test_a_lone_candidate_is_the_span_and_without_one_what_stands_in_the_slot_is():
    question = analyze("湖北启动了什么服务月？")
    tagged = tag("湖北省总工会启动了“工会送温暖”服务月活动。")
    assert len(span_candidates(tagged, question)) == 1
    assert best_span(tagged, question) == "工会送温暖"
    assert best_span(tag("该馆藏有大量古籍。"), question) is None


def test_a_place_question_takes_a_title_but_not_a_quoted_slogan():
    question = analyze("服务月是在哪里启动的？")
    slogan = tag("11月4日，天津市总工会启动“工会进万家”服务月。")
    assert [slogan.text[start:end] for start, end in span_candidates(slogan, question)] == ["天津市"]
    assert best_span(slogan, question) == "天津市"
    serialised = tag("这部漫画最初在《少年周刊》上连载。")
    assert best_span(serialised, analyze("这部漫画最初在哪里连载？")) == "《少年周刊》"


def test_a_candidate_the_question_already_says_is_never_the_span():
    question = analyze("李四的老师是谁？")
    tagged = tag("李四的老师是王五。")
    assert [tagged.text[start:end] for start, end in span_candidates(tagged, question)] == ["王五"]


@pytest.mark.slow
def test_the_documented_command_retrains_a_span_model_that_loads_and_chooses(tmp_path):
    command = ["bench/train_spans.py", "--train", str(CMRC_QUESTIONS), "--tune", str(SEED_DEV), "--out", str(tmp_path)]
    result = subprocess.run([sys.executable, *command], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    stored = json.loads((tmp_path / "spans.json").read_text(encoding="utf-8"))
    assert stored["about"]["kind"] in ("logistic regression", "LightGBM lambdarank")
    measured = stored["about"]["measured"][stored["about"]["kind"]]
    on_train = next(row for name, row in measured.items() if name.startswith("cmrc"))
    assert on_train["questions"] > 0 and on_train["right"] >= 0.6
    model = load(tmp_path / "spans.json")
    assert model.features == SPAN_FEATURES
    question = analyze("这部电影的导演是谁？")
    tagged = tag("主演张三表示，这部电影的导演是李四。")
    assert model.decision(span_features(tagged, question, span_candidates(tagged, question))).shape == (2,)
