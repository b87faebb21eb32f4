"""Articles made ready to be written: split into sentences once, chunked, tokenised and embedded."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embeddings.cache import CachedEncoder, progress_bar
from qa.index.chunking import Chunk, Sentence, article_sentences, chunk_sentences
from qa.ingest.article import Article
from qa.text.tagging import encode, tag
from qa.text.tokens import tokenize


@dataclass
class PreparedArticle:
    """An article with its sentences, chunks, tokens and vectors, ready to be written."""

    article: Article
    sentences: list[Sentence]
    sentence_vectors: np.ndarray
    sentence_tags: list[str]  # encoded POS tags (qa.text.tagging): no ask runs the tagger
    chunks: list[Chunk]
    chunk_tokens: list[list[str]]
    chunk_vectors: np.ndarray


def passage_text(title: str, text: str) -> str:
    """What is embedded and BM25-indexed for a chunk: its article's headline gives it context."""
    return f"{title}\n{text}"


def prepare_articles(articles: list[Article], encoder: CachedEncoder,
                     progress: bool = False) -> dict[str, PreparedArticle]:
    """Each article by doc_id with its sentences (and their tags), chunks, BM25 tokens and vectors.

    Sentences and chunks of every article are embedded in two batched passes through the cache."""
    plans = []
    for article in articles:
        sentences = article_sentences(article)
        plans.append((article, sentences, chunk_sentences(sentences)))
    sentence_texts = [sentence.text for _, sentences, _ in plans for sentence in sentences]
    chunk_texts = [passage_text(article.title, chunk.text) for article, _, chunks in plans for chunk in chunks]
    with progress_bar(len(sentence_texts) + len(chunk_texts), "embedding", progress) as bar:
        sentence_vectors = encoder.encode_documents(sentence_texts, bar.update)
        chunk_vectors = encoder.encode_documents(chunk_texts, bar.update)
    prepared: dict[str, PreparedArticle] = {}
    sentence_at = chunk_at = 0
    for article, sentences, chunks in plans:
        tokens = [tokenize(passage_text(article.title, chunk.text)) for chunk in chunks]
        prepared[article.doc_id] = PreparedArticle(
            article, sentences, sentence_vectors[sentence_at : sentence_at + len(sentences)],
            [encode(tag(sentence.text)) for sentence in sentences], chunks, tokens,
            chunk_vectors[chunk_at : chunk_at + len(chunks)])
        sentence_at += len(sentences)
        chunk_at += len(chunks)
    return prepared
