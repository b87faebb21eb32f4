"""Articles given as records ``{title, text, date?, source?}``: lines of a .jsonl file or a REST request.

A record is one article. Records are grouped by ``source`` (default: the file they came from),
and a source's stored text is its records' ``title\\n\\ntext`` blocks joined by two blank lines,
so that every paragraph and sentence keeps its offsets into that stored text like any file's.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from qa.ingest.article import Article, Paragraph
from qa.ingest.plain import parse_plain
from qa.text.source import SourceText

FIELDS = frozenset({"title", "text", "date", "source"})
MAX_SOURCE_NAME = 200
_SEPARATOR = "\n\n\n"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class RecordError(ValueError):
    """A record that cannot be used; the message says which field and why."""


@dataclass
class Records:
    sources: dict[str, str] = field(default_factory=dict)
    articles: list[Article] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def check_record(record: object) -> dict:
    """The record with its fields checked and stripped; raises RecordError."""
    if not isinstance(record, dict):
        raise RecordError("a record must be a JSON object")
    unknown = sorted(set(record) - FIELDS)
    if unknown:
        raise RecordError(f"unknown field {unknown[0]!r} (fields: title, text, date, source)")
    checked: dict = {}
    for name in ("title", "text"):
        value = record.get(name)
        if not isinstance(value, str) or not value.strip():
            raise RecordError(f"{name} must be a non-empty string")
        checked[name] = value.strip()
    if "\n" in checked["title"] or "\r" in checked["title"]:
        raise RecordError("title must be one line")
    date = record.get("date")
    if date is not None:
        if not isinstance(date, str) or not _ISO_DATE.fullmatch(date) or not _valid_date(date):
            raise RecordError("date must be an ISO date such as 2021-11-03")
        checked["date"] = date
    source = record.get("source")
    if source is not None:
        if not isinstance(source, str) or not source.strip() or len(source) > MAX_SOURCE_NAME:
            raise RecordError(f"source must be a non-empty string of at most {MAX_SOURCE_NAME} characters")
        if any(character in source for character in "/\\\x00\n\r"):
            raise RecordError("source must be a plain name (no slashes or line breaks)")
        checked["source"] = source.strip()
    for value in checked.values():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise RecordError("text is not valid Unicode (lone surrogates)") from None
    return checked


def _valid_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def parse_jsonl(name: str, text: str) -> Records:
    """Records from the lines of a .jsonl file; a bad line is reported as ``name:line: reason``."""
    checked: list[dict] = []
    errors: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            checked.append(check_record(json.loads(line)))
        except (ValueError, RecursionError) as error:  # JSONDecodeError and RecordError are ValueErrors
            errors.append(f"{name}:{number}: {error if isinstance(error, RecordError) else 'not valid JSON'}")
    records = group_records(checked, name)
    records.errors = errors + records.errors
    return records


def group_records(checked: list[dict], default_source: str) -> Records:
    """Sources and articles of checked records, in the order given."""
    blocks: dict[str, list[dict]] = {}
    for record in checked:
        blocks.setdefault(record.get("source", default_source), []).append(record)
    result = Records()
    for source, items in blocks.items():
        texts = [f"{item['title']}\n\n{item['text']}\n" for item in items]
        result.sources[source] = _SEPARATOR.join(texts)
        offset = 0
        for ordinal, (item, block) in enumerate(zip(items, texts, strict=True)):
            parsed = parse_plain(source, block)
            if parsed:
                article = _shifted(parsed[0], offset)
                article.ordinal, article.date = ordinal, item.get("date")
                result.articles.append(article)
            offset += len(block) + len(_SEPARATOR)
    return result


def _shifted(article: Article, offset: int) -> Article:
    """The article with its paragraph spans moved ``offset`` characters on (into the joined text)."""
    article.paragraphs = [
        Paragraph(SourceText(paragraph.text, [(start + offset, end + offset) for start, end in paragraph.body.spans]))
        for paragraph in article.paragraphs
    ]
    return article
