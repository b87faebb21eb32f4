"""Sentence-aware chunks of an article, each sentence keeping its offsets into the source."""

from __future__ import annotations

from dataclasses import dataclass

from qa.ingest.article import Article
from qa.text.sentences import split_sentences


@dataclass(frozen=True)
class Sentence:
    paragraph: int  # index of the paragraph in its article
    start: int  # offsets into the paragraph's cleaned text
    end: int
    text: str
    source_start: int  # offsets into the source file text
    source_end: int


@dataclass(frozen=True)
class Chunk:
    ordinal: int
    sentences: tuple[Sentence, ...]

    @property
    def text(self) -> str:
        parts: list[str] = []
        for previous, sentence in zip((None, *self.sentences), self.sentences, strict=False):
            if previous is not None and previous.paragraph != sentence.paragraph:
                parts.append("\n")
            parts.append(sentence.text)
        return "".join(parts)

    @property
    def source_start(self) -> int:
        return self.sentences[0].source_start

    @property
    def source_end(self) -> int:
        return self.sentences[-1].source_end


def article_sentences(article: Article) -> list[Sentence]:
    sentences: list[Sentence] = []
    for index, paragraph in enumerate(article.paragraphs):
        for start, end in split_sentences(paragraph.text):
            source_start, source_end = paragraph.body.source_range(start, end)
            sentences.append(Sentence(index, start, end, paragraph.text[start:end], source_start, source_end))
    return sentences


def chunk_sentences(sentences: list[Sentence], max_chars: int = 200, overlap: int = 1) -> list[Chunk]:
    """Greedy windows of an article's whole sentences up to ``max_chars``; consecutive windows share
    ``overlap`` sentences so an answer split over a boundary still appears whole in one chunk."""
    chunks: list[Chunk] = []
    first = 0
    while first < len(sentences):
        last = first + 1
        size = len(sentences[first].text)
        while last < len(sentences) and size + len(sentences[last].text) <= max_chars:
            size += len(sentences[last].text)
            last += 1
        chunks.append(Chunk(len(chunks), tuple(sentences[first:last])))
        if last >= len(sentences):
            break
        first = max(first + 1, last - overlap)
    return chunks
