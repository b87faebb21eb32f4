"""Loading source files into articles.

``load_path`` walks a file or a folder (recursively, sorted, ``.txt``, ``.md``, ``.html``/``.htm``
and ``.jsonl``), reads each file as UTF-8 (a BOM is dropped, so offsets index the text after it)
or else GB18030, and cuts it into articles: newspaper page text goes to
:mod:`qa.ingest.newspaper`, anything else is one plain "title, blank line, body" article
(:mod:`qa.ingest.plain`); HTML is first reduced to its text (:mod:`qa.ingest.html`), and each
line of a .jsonl file is a record ``{title, text, date?, source?}`` (:mod:`qa.ingest.records`).
A file that cannot be used (binary, empty, over 20 MB, not text in either encoding) is reported
in ``LoadReport.errors`` as ``"<file name>: <reason>"`` and the other files still load;
``load_bytes`` does the same for one uploaded file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from qa.ingest.article import Article
from qa.ingest.html import html_text
from qa.ingest.newspaper import looks_like_issue, parse_issue
from qa.ingest.plain import parse_plain
from qa.ingest.records import parse_jsonl

SUFFIXES = frozenset({".txt", ".md", ".html", ".htm", ".jsonl"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
MAX_BYTES = 20 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"
# Decoded text with more control characters than this share is binary that happened to decode.
_MAX_CONTROL_SHARE = 0.01
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # tab, line and page breaks allowed


class IngestError(Exception):
    """A file that cannot be loaded; the message reads ``"<file name>: <reason>"``."""


@dataclass
class LoadReport:
    articles: list[Article] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # file name -> decoded full text
    errors: list[str] = field(default_factory=list)  # one "<file name>: <reason>" line per bad file

    def merge(self, other: LoadReport) -> None:
        """Take in what ``other`` loaded; a source loaded again replaces its text."""
        self.articles.extend(other.articles)
        self.sources.update(other.sources)
        self.errors.extend(other.errors)


def read_source(path: Path) -> str:
    """The decoded text of a source file; raises IngestError for files that cannot be used."""
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise IngestError(f"{name}: file too large ({size} bytes, limit {MAX_BYTES})")
        data = path.read_bytes()
    except OSError as error:
        raise IngestError(f"{name}: cannot read ({error.strerror or error})") from error
    return decode_source(name, data)


def decode_source(name: str, data: bytes) -> str:
    """The text of a file's bytes; raises IngestError for bytes that are not usable text."""
    if len(data) > MAX_BYTES:
        raise IngestError(f"{name}: file too large ({len(data)} bytes, limit {MAX_BYTES})")
    if not data:
        raise IngestError(f"{name}: empty file")
    if b"\x00" in data:
        raise IngestError(f"{name}: binary file (contains NUL bytes)")
    text = _decode(name, data)
    if not text.strip():
        raise IngestError(f"{name}: empty file (whitespace only)")
    if len(_CONTROL.findall(text)) > _MAX_CONTROL_SHARE * len(text):
        raise IngestError(f"{name}: binary file (control characters)")
    return text


def _decode(name: str, data: bytes) -> str:
    if data.startswith(_BOM):
        try:
            return data[len(_BOM) :].decode("utf-8")
        except UnicodeDecodeError as error:
            raise IngestError(f"{name}: not valid UTF-8 despite its BOM") from error
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as error:
        raise IngestError(f"{name}: not text (neither UTF-8 nor GB18030)") from error


def parse_source(name: str, text: str) -> list[Article]:
    """Articles of one decoded file: a newspaper issue, or a single plain article."""
    if looks_like_issue(text):
        return parse_issue(name, text)
    return parse_plain(name, text)


def _load(path: Path) -> tuple[str, list[Article]]:
    return _articles(path.name, read_source(path))


def _articles(name: str, text: str) -> tuple[str, list[Article]]:
    """The text to store for a plain-text or HTML file and its articles."""
    if Path(name).suffix.lower() in HTML_SUFFIXES:
        # A web page is one article: its short blocks (list items, captions) are not headlines.
        text = html_text(text)
        articles = parse_plain(name, text) if text.strip() else []
    else:
        articles = parse_source(name, text)
    if not articles:
        raise IngestError(f"{name}: no article text found")
    return text, articles


def _add_file(report: LoadReport, name: str, text: str) -> None:
    """Add one decoded file's sources and articles to ``report``, or its errors."""
    if Path(name).suffix.lower() == ".jsonl":
        records = parse_jsonl(name, text)
        report.errors.extend(records.errors)
        if not records.articles and not records.errors:
            report.errors.append(f"{name}: no records")
        for source in records.sources:
            if source in report.sources:
                report.errors.append(f"{name}: source {source!r} is already loaded from another file")
                continue
            report.sources[source] = records.sources[source]
            report.articles.extend(article for article in records.articles if article.source == source)
        return
    try:
        text, articles = _articles(name, text)
    except IngestError as error:
        report.errors.append(str(error))
        return
    report.sources[name] = text
    report.articles.extend(articles)


def load_bytes(name: str, data: bytes) -> LoadReport:
    """Load one file given as bytes (an upload); a bad file is reported, not raised."""
    if Path(name).suffix.lower() not in SUFFIXES:
        return LoadReport(errors=[f"{name}: unsupported file type (use {', '.join(sorted(SUFFIXES))})"])
    try:
        text = decode_source(name, data)
    except IngestError as error:
        return LoadReport(errors=[str(error)])
    return load_text(name, text)


def load_text(name: str, text: str) -> LoadReport:
    """Load one file already decoded (by :func:`read_source`); a bad file is reported, not raised."""
    report = LoadReport()
    _add_file(report, name, text)
    return report


def load_file(path: Path) -> list[Article]:
    """Articles of one file; raises IngestError when it cannot be used or holds no article."""
    return _load(path)[1]


def source_files(path: Path) -> list[Path]:
    """The file itself, or the files of known types under a folder, sorted; hidden entries skipped."""
    if path.is_file():
        return [path]
    return sorted(
        candidate
        for candidate in path.rglob("*")
        if candidate.is_file()
        and candidate.suffix.lower() in SUFFIXES
        and not any(part.startswith(".") for part in candidate.relative_to(path).parts)
    )


def load_path(path: Path) -> LoadReport:
    """Load a file or every file of a known type under a folder; bad files are reported, not fatal."""
    report = LoadReport()
    if not path.exists():
        report.errors.append(f"{path.name}: no such file or folder")
        return report
    for file in source_files(path):
        name = file.name
        if name in report.sources:
            report.errors.append(f"{name}: duplicate file name ({file}); source names must be unique")
            continue
        try:
            text = read_source(file)
        except IngestError as error:
            report.errors.append(str(error))
            continue
        _add_file(report, name, text)
    return report
