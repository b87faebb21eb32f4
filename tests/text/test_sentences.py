"""Sentences: where Chinese and half-width punctuation ends one, and ranges that cover the text."""

from hypothesis import given
from hypothesis import strategies as st

from qa.text.sentences import split_sentences
from tests.builders import SENTENCE_CHARACTERS


def texts(sentence: str) -> list[str]:
    return [sentence[start:end] for start, end in split_sentences(sentence)]


def test_splits_on_chinese_terminators_and_keeps_closing_quotes():
    text = "他说：“全区组建率83%。”新增会员21.97万人！真的吗？是的；这样……好的\n第二段。"
    assert texts(text) == [
        "他说：“全区组建率83%。”", "新增会员21.97万人！", "真的吗？", "是的；", "这样……", "好的", "第二段。"
    ]


def test_decimal_points_and_half_width_punctuation():
    assert texts("触达3.59亿人次.共计21项!完成了吗?完成") == ["触达3.59亿人次.", "共计21项!", "完成了吗?", "完成"]


def test_a_half_width_point_inside_a_latin_word_or_after_an_initial_ends_nothing():
    assert texts("Gtk#是个.NET的函式库。网址www.workercn.cn。S.K.母亲来了. It was late. 我们走了") == [
        "Gtk#是个.NET的函式库。", "网址www.workercn.cn。", "S.K.母亲来了.", "It was late.", "我们走了"]


def test_stray_punctuation_joins_the_previous_sentence():
    assert texts("好。”） 下一句。") == ["好。”）", "下一句。"]


_alphabet = st.sampled_from(list(SENTENCE_CHARACTERS))


@given(st.text(_alphabet, max_size=200))
def test_sentence_ranges_are_ordered_trimmed_and_cover_all_text(text):
    ranges = split_sentences(text)
    assert all(start < end for start, end in ranges)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(ranges, ranges[1:], strict=False))
    assert all(not text[start].isspace() and not text[end - 1].isspace() for start, end in ranges)
    covered = "".join(text[start:end] for start, end in ranges)
    assert "".join(covered.split()) == "".join(text.split())
