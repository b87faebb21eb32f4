"""Chunks of an article's sentences: offsets that map back to the source, overlap, size."""

from hypothesis import given
from hypothesis import strategies as st

from qa.index.chunking import article_sentences, chunk_sentences
from qa.ingest.article import Article, Paragraph
from qa.text.source import SourceText
from tests.builders import SENTENCE_CHARACTERS, article

_alphabet = st.sampled_from(list(SENTENCE_CHARACTERS))


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
    item = Article("x.txt", "标题", paragraphs)
    for paragraph in paragraphs:
        assert "".join(source[s:e] for s, e in paragraph.body.spans) == paragraph.text
    for chunk in chunk_sentences(article_sentences(item), max_chars=30):
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
    chunks = chunk_sentences(article_sentences(article("x.txt", "t", text)[0]), max_chars=40, overlap=1)
    assert len(chunks) > 3
    for first, second in zip(chunks, chunks[1:], strict=False):
        assert first.sentences[-1] == second.sentences[0]
    assert all(len(chunk.text) <= 40 for chunk in chunks)
    assert chunks[-1].sentences[-1].text == "第19句话写在这里。"
