"""A quoted sentence takes in the neighbour it leans on, and stays one slice of the source."""

import pytest

from qa.answer.quoting import quote_rows, sentence_start
from qa.engine import QA
from tests.builders import corpus

TEXTS = {
    "port.txt": ("青岛港自动化码头", "青岛港自动化码头于2017年投入运营。该码头的作业效率比传统码头提高了30%。"
                 "它还减少了大量夜班人工。港口今年还开通了三条新航线。"),
    "fire.txt": ("消防安全宣传", "11月9日是全国消防日。各地消防救援队伍开展了消防安全宣传活动。"),
    "course.txt": ("培训规划", "课程设置偏重于常规，启发性不强；教学缺少互动，难以指导实践。"
                   "对此，油田工会制定了三年培训规划。"),
    "day.txt": ("幼儿园开放日", "10月12日，孩子们在幼儿园体验木工和陶艺。当日是幼儿园的开放日，家长们也来了。"),
    "drivers.txt": ("网约车司机入会", "第一年加入工会不到100人，第二年不到300人，第三年500多人……"
                    "滴滴工会推动司机入会不到4年，已有会员近1000人。"),
    "song.txt": ("一曲新歌", "“只要幸福平安每天似新年……”日前，一曲新歌从市总工会传出。"),
    # Traditional script: the openers are the same words (該 is 该, 當天 is 当天).
    "party.txt": ("中國民主建國會", "中國民主建國會成立於1945年。同時，該黨也是全國人大常委會內的第九大黨。"),
    "museum.txt": ("博物館日", "5月18日，市民在博物館參觀了青銅器展覽。當天是國際博物館日，館內人潮湧動。"),
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


def test_a_sentence_that_leans_back_takes_the_whole_sentence_before_it(qa):
    # 对此 leans on the sentence before, both of its clauses (split at ；), not on its last clause alone.
    snapshot = qa.index.snapshot
    rows = {sentence.text: row for row, sentence in enumerate(snapshot.sentences)}
    plan = rows["对此，油田工会制定了三年培训规划。"]
    assert quote_rows(snapshot, plan, plan) == (plan - 2, plan)


def test_a_list_trailed_off_inside_a_sentence_rejoins_what_follows_and_a_quote_does_not(qa):
    # …… inside a paragraph trails a list off and the sentence goes on, as after ；: the row after it is the
    # next clause of one sentence, which an answer unit may quote whole (第一年… and 滴滴工会… together).
    snapshot = qa.index.snapshot
    rows = {sentence.text: row for row, sentence in enumerate(snapshot.sentences)}
    total = rows["滴滴工会推动司机入会不到4年，已有会员近1000人。"]
    assert sentence_start(snapshot, total) == total - 1
    assert snapshot.sentences[total - 1].text.startswith("第一年加入工会")
    # A quote trailed off (……”) has ended: what follows is a sentence of its own.
    news = rows["日前，一曲新歌从市总工会传出。"]
    assert snapshot.sentences[news - 1].text.endswith("……”") and sentence_start(snapshot, news) == news


def test_that_day_is_quoted_and_answered_with_the_sentence_that_names_it(qa):
    # 当日 points at the day the sentence before names: one unit with it, and one quote.
    answer = qa.ask("幼儿园的开放日是哪一天？")
    assert answer.answerable and answer.span == "10月12日"
    assert answer.citations[0].quote == "10月12日，孩子们在幼儿园体验木工和陶艺。当日是幼儿园的开放日，家长们也来了。"


def test_traditional_script_leans_back_and_names_the_day_as_simplified_does(qa):
    snapshot = qa.index.snapshot
    rows = {sentence.text: row for row, sentence in enumerate(snapshot.sentences)}
    party = rows["同時，該黨也是全國人大常委會內的第九大黨。"]
    assert quote_rows(snapshot, party, party) == (party - 1, party)
    answer = qa.ask("國際博物館日是哪一天？")
    assert answer.answerable and answer.span == "5月18日"
    assert answer.citations[0].quote == "5月18日，市民在博物館參觀了青銅器展覽。當天是國際博物館日，館內人潮湧動。"


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
