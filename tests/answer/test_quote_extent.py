"""A quoted sentence takes in the neighbour it leans on, and stays one slice of the source."""

import pytest

from qa.answer.quoting import quote_rows
from qa.engine import QA
from tests.builders import corpus

TEXTS = {
    "port.txt": ("青岛港自动化码头", "青岛港自动化码头于2017年投入运营。该码头的作业效率比传统码头提高了30%。"
                 "它还减少了大量夜班人工。港口今年还开通了三条新航线。"),
    "fire.txt": ("消防安全宣传", "11月9日是全国消防日。各地消防救援队伍开展了消防安全宣传活动。"),
}


# One article of two paragraphs, the second leaning on the first ("他…").
TWO_PARAGRAPHS = {"crew.txt": ("航天员出征", "翟志刚担任指令长。", "他此前两次执行飞行任务。")}


@pytest.fixture(scope="module")
def qa(tmp_path_factory):
    qa = QA.open(tmp_path_factory.mktemp("quotes"), create=True)
    qa.index.add(*corpus(TEXTS))
    qa.index.add(*corpus(TWO_PARAGRAPHS))
    return qa


def test_a_sentence_that_leans_back_is_quoted_with_its_neighbours(qa):
    sources = corpus(TEXTS)[1]
    answer = qa.ask("该码头的作业效率比传统码头提高了多少？")
    cited = answer.citations[0]
    assert cited.quote == ("青岛港自动化码头于2017年投入运营。该码头的作业效率比传统码头提高了30%。"
                              "它还减少了大量夜班人工。")
    assert sources[cited.source][cited.start : cited.end] == cited.quote
    assert answer.answer == cited.quote + "[1]"
    assert answer.span == "30%"


def test_a_sentence_that_stands_alone_is_quoted_alone(qa):
    cited = qa.ask("全国消防日是哪一天？").citations[0]
    assert cited.quote == "11月9日是全国消防日。"


def test_sentences_of_different_paragraphs_never_join(qa):
    snapshot = qa.index.snapshot
    rows = {sentence.text: row for row, sentence in enumerate(snapshot.sentences)}
    leaning = rows["他此前两次执行飞行任务。"]
    assert quote_rows(snapshot, leaning, leaning) == (leaning, leaning)
    commander = rows["翟志刚担任指令长。"]
    assert quote_rows(snapshot, commander, commander) == (commander, commander)
    # A row quoted for another item is not taken in again.
    port = rows["该码头的作业效率比传统码头提高了30%。"]
    assert quote_rows(snapshot, port, port) == (port - 1, port + 1)
    assert quote_rows(snapshot, port, port, {port + 1}) == (port - 1, port)
