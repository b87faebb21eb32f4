"""The file formats `qa add` and uploads accept: HTML, JSON lines, encodings; offsets into the stored text."""

import json

from qa.ingest import load_bytes, load_path
from qa.ingest.html import html_text

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>工人日报 - 新闻</title>
<style>body { color: red }</style><script>document.write("不是正文")</script></head>
<body><nav><a href="/">首页</a> <a href="/news">新闻</a></nav>
<article><h1>新疆工会
  组建</h1>
<p>新疆半年新增建会单位2.93万个，
   新增会员21.97万人。</p>
<p>自治区总工会提出&ldquo;清淤点、通堵点&rdquo;的思路&hellip;</p>
<ul><li>第一条 English words stay apart</li><li>第二条</li></ul></article>
<footer>版权所有</footer></body></html>"""


def test_html_text_keeps_the_article_and_drops_scripts_styles_and_page_chrome():
    assert html_text(PAGE) == ("新疆工会组建\n\n新疆半年新增建会单位2.93万个，新增会员21.97万人。\n\n"
                               "自治区总工会提出“清淤点、通堵点”的思路…\n\n第一条 English words stay apart\n\n第二条\n")
    assert html_text("<p>只有一段。</p>") == "只有一段。\n"
    assert html_text("<script>x()</script><style>p {}</style>") == ""


def check_offsets(report) -> None:
    for article in report.articles:
        text = report.sources[article.source]
        for paragraph in article.paragraphs:
            assert "".join(text[start:end] for start, end in paragraph.body.spans) == paragraph.text


def test_html_files_are_one_article_whose_offsets_index_the_extracted_text(tmp_path):
    (tmp_path / "page.html").write_text(PAGE, encoding="gb18030")
    report = load_path(tmp_path)
    assert not report.errors
    [article] = report.articles
    assert article.title == "新疆工会组建" and len(article.paragraphs) == 4
    assert report.sources["page.html"] == html_text(PAGE)
    check_offsets(report)


def test_jsonl_records_are_articles_grouped_by_source_and_bad_lines_are_reported(tmp_path):
    records = [{"title": "标题一", "text": "第一段。\n\n第二段。", "date": "2021-11-03"},
               {"title": "标题二", "text": "另一篇。", "source": "xinhua"},
               {"title": "标题三", "text": "同一来源的第二篇。", "source": "xinhua"},
               {"title": "缺正文"}, {"title": "坏日期", "text": "正文。", "date": "2021-02-30"}]
    lines = [json.dumps(record, ensure_ascii=False) for record in records] + ["{not json", "", "[1, 2]"]
    (tmp_path / "batch.jsonl").write_text("\n".join(lines), encoding="utf-8-sig")
    report = load_path(tmp_path)
    assert sorted(report.sources) == ["batch.jsonl", "xinhua"]
    assert [(a.source, a.title, a.date, a.ordinal) for a in report.articles] == [
        ("batch.jsonl", "标题一", "2021-11-03", 0), ("xinhua", "标题二", None, 0), ("xinhua", "标题三", None, 1)]
    assert [line.split(":")[1] for line in report.errors] == ["4", "5", "6", "8"]
    assert "text must be a non-empty string" in report.errors[0] and "date" in report.errors[1]
    check_offsets(report)
    assert len({article.doc_id for article in report.articles}) == 3


def test_uploaded_bytes_are_decoded_like_files_and_bad_ones_reported_by_name():
    article = "职工书屋\n\n全市建成职工书屋一百家。\n"
    for data in (article.encode("utf-8"), b"\xef\xbb\xbf" + article.encode("utf-8"), article.encode("gbk")):
        report = load_bytes("books.txt", data)
        assert not report.errors and report.sources["books.txt"] == article
        check_offsets(report)
    assert load_bytes("photo.jpg", b"\xff\xd8\xff").errors[0].startswith("photo.jpg: unsupported file type")
    assert load_bytes("a.txt", b"\x00\x01").errors == ["a.txt: binary file (contains NUL bytes)"]
    assert load_bytes("a.txt", b"").errors == ["a.txt: empty file"]
    assert load_bytes("a.md", b"\xff\xfe\xfd\x80" * 3).errors[0].startswith("a.md: not text")
    assert load_bytes("big.txt", b"a" * (20 * 1024 * 1024 + 1)).errors[0].startswith("big.txt: file too large")
    assert load_bytes("empty.jsonl", b"\n\n  \n").errors == ["empty.jsonl: empty file (whitespace only)"]
    assert load_bytes("none.html", b"<script>1</script>").errors == ["none.html: no article text found"]
