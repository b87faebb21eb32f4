"""The index layer: SQLite holds the truth, FAISS and BM25 are derived from it, and readers search
an immutable snapshot. :class:`NewsIndex` is its front door (add, delete, search, document, save, open)."""

from qa.index.news_index import NewsIndex
from qa.index.records import AddReport, DocumentInfo, Hit, StoredDocument

__all__ = ["AddReport", "DocumentInfo", "Hit", "NewsIndex", "StoredDocument"]
