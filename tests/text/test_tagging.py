"""POS tags worked out at index time: the tagging form keeps every offset, stored tags decode to the same words."""

from __future__ import annotations

import pytest

from qa.text.tagging import decode, encode, tag, tagging_form


@pytest.mark.parametrize("text", ["臺北市長擔任ＣＥＯ，１９９０年來到這裡。", "面积达3,724公尺㎡…", "简体中文不变。"])
def test_the_tagging_form_is_simplified_and_as_long_as_the_text(text):
    form = tagging_form(text)
    assert len(form) == len(text)
    assert "臺" not in form and "擔" not in form and "Ｃ" not in form


def test_traditional_text_is_tagged_as_its_simplified_form_is():
    traditional, simplified = tag("克亞木·麥提賽地在臺北市擔任主任。"), tag("克亚木·麦提赛地在台北市担任主任。")
    assert traditional.words == simplified.words
    assert ("台北市", "ns", 9) in traditional.words


def test_stored_tags_decode_to_the_words_the_tagger_gave():
    tagged = tag("新疆维吾尔自治区总工会今年新增工会会员12.3万人。")
    assert decode(tagged.text, encode(tagged)) == tagged
    for word, _, start in tagged.words:
        assert tagging_form(tagged.text)[start : start + len(word)] == word


def test_joined_texts_keep_their_word_offsets():
    first, second = tag("会议在北京召开；"), tag("李明出席。")
    joined = first + second
    assert joined.text == first.text + second.text
    assert joined.words[-len(second.words):][0] == ("李明", "nr", len(first.text))
