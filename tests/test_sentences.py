from hypothesis import given
from hypothesis import strategies as st

from qa.index.chunking import article_sentences, chunk_sentences
from qa.ingest.article import Article, Paragraph
from qa.text.sentences import split_sentences
from qa.text.source import SourceText


def texts(sentence: str) -> list[str]:
    return [sentence[start:end] for start, end in split_sentences(sentence)]


def test_splits_on_chinese_terminators_and_keeps_closing_quotes():
    text = "他说：“全区组建率83%。”新增会员21.97万人！真的吗？是的；这样……好的\n第二段。"
    assert texts(text) == [
        "他说：“全区组建率83%。”", "新增会员21.97万人！", "真的吗？", "是的；", "这样……", "好的", "第二段。"
    ]


def test_decimal_points_and_half_width_punctuation():
    assert texts("触达3.59亿人次.共计21项!完成了吗?完成") == ["触达3.59亿人次.", "共计21项!", "完成了吗?", "完成"]


def test_stray_punctuation_joins_the_previous_sentence():
    assert texts("好。”） 下一句。") == ["好。”）", "下一句。"]


_alphabet = st.sampled_from(list("工会会员新疆21.万人。！？；…”）\n ab"))


@given(st.text(_alphabet, max_size=200))
def test_sentence_ranges_are_ordered_trimmed_and_cover_all_text(text):
    ranges = split_sentences(text)
    assert all(start < end for start, end in ranges)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(ranges, ranges[1:], strict=False))
    assert all(not text[start].isspace() and not text[end - 1].isspace() for start, end in ranges)
    covered = "".join(text[start:end] for start, end in ranges)
    assert "".join(covered.split()) == "".join(text.split())


@given(st.lists(st.text(_alphabet, min_size=1, max_size=60), min_size=1, max_size=6), st.data())
def test_chunk_and_sentence_offsets_round_trip_through_deleted_characters(pieces, data):
    # Build a source where each paragraph is cut into slices separated by junk that cleaning deletes
    # (markdown markers, column breaks), as the newspaper parser does.
    source, paragraphs = "", []
    for piece in pieces:
        cut = data.draw(st.integers(0, len(piece)))
        spans = []
        for part in (piece[:cut], piece[cut:]):
            source += "**\n\n"
            spans.append((len(source), len(source) + len(part)))
            source += part
        paragraphs.append(Paragraph(SourceText.from_slices(source + "", spans)))
    article = Article("x.txt", "标题", paragraphs)
    for paragraph in paragraphs:
        assert "".join(source[s:e] for s, e in paragraph.body.spans) == paragraph.text
    for chunk in chunk_sentences(article_sentences(article), max_chars=30):
        for sentence in chunk.sentences:
            body = paragraphs[sentence.paragraph].body
            assert body.text[sentence.start : sentence.end] == sentence.text
            sub = body.slice(sentence.start, sentence.end)
            assert "".join(source[s:e] for s, e in sub.spans) == sentence.text
            assert (sentence.source_start, sentence.source_end) == body.source_range(sentence.start, sentence.end)
            window = iter(source[sentence.source_start : sentence.source_end])
            assert all(char in window for char in sentence.text)  # a subsequence, in order
            assert source[sentence.source_start] == sentence.text[0]
            assert source[sentence.source_end - 1] == sentence.text[-1]


def test_chunks_overlap_by_one_sentence_and_respect_the_size_limit():
    text = "".join(f"第{i}句话写在这里。" for i in range(20))
    article = Article("x.txt", "t", [Paragraph(SourceText(text, [(0, len(text))]))])
    chunks = chunk_sentences(article_sentences(article), max_chars=40, overlap=1)
    assert len(chunks) > 3
    for first, second in zip(chunks, chunks[1:], strict=False):
        assert first.sentences[-1] == second.sentences[0]
    assert all(len(chunk.text) <= 40 for chunk in chunks)
    assert chunks[-1].sentences[-1].text == "第19句话写在这里。"
