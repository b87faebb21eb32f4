"""What the tests are built from, in one place: the repository's paths, the seed newspapers and the
questions they answer, small articles made in code, the `qa` command line run as a user runs it, the
parts of an answer stream, and the pages of the browser tests.

Test modules import from here and get their fixtures from conftest.py; no test module imports another.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

from qa.ingest.article import Article, Paragraph
from qa.text.source import SourceText

# ---------------------------------------------------------------- paths

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"  # the five newspaper issues `make run` indexes
SEED_DEV = ROOT / "eval" / "seed_dev.jsonl"  # the dev set of questions about the seeds
DATA = ROOT / "tests" / "data"
CMRC = DATA / "cmrc"  # CMRC 2018 paragraphs as plain files, and questions about them
CMRC_CORPUS = CMRC / "corpus"
CMRC_QUESTIONS = CMRC / "questions.jsonl"
INGEST_DATA = DATA / "ingest"  # plain and markdown articles for the ingest tests

# ---------------------------------------------------------------- the seed newspapers

SEED_000 = "000_8ff553cfc552c22b.txt"
SEED_001 = "001_9e2da3ff70fcf467.txt"
SEED_002 = "002_ee2df9198c4f8580.txt"
SEED_003 = "003_c145b89ebaceeb28.txt"
SEED_004 = "004_54d1f3c0e83688bf.txt"

# Questions the seeds answer (and one they do not), with where the answer is.
XINJIANG = "新疆今年新增了多少工会会员？"
XINJIANG_SOURCE = SEED_000
XINJIANG_TITLE = "新疆谋实事求实效推进“两新组织”工会组建"
XINJIANG_FOOTNOTE = f"[1] {XINJIANG_TITLE}（2021-11-03，{XINJIANG_SOURCE}）"
DIDI = "辽宁滴滴出行的工会主席叫什么？"
DIDI_FOLLOW_UP = "他们公司现在有多少工会会员？"
DIDI_SOURCE = SEED_003
QINHUANGDAO = "秦皇岛 建会 入会 联席会议"
QINHUANGDAO_SOURCE = SEED_004
NO_ANSWER = "甘肃省总工会第十三届委员会第十九次主席会议是哪一天召开的？"

# ---------------------------------------------------------------- articles made in code

# Three short articles, by source name: (title, body).
SMALL_TEXTS = {
    "a.txt": (
        "新疆工会组建",
        "新疆半年新增建会单位2.93万个，新增会员21.97万人。自治区总工会提出清淤点、通堵点的思路。",
    ),
    "b.txt": ("消防安全宣传", "11月9日是全国消防日。各地消防救援队伍开展了消防安全宣传活动。"),
    "c.txt": ("劳模免费体检", "密云区总工会为劳模免费体检，体检项目共计21项。"),
}

# Characters for generated text: Chinese and half-width terminators, closing quotes, a decimal point,
# newlines and spaces, a little Latin.
SENTENCE_CHARACTERS = "工会会员新疆21.万人。！？；…”）\n ab"


def article(source: str, title: str, *paragraphs: str) -> tuple[Article, str]:
    """An article as a plain file holds it (the title line, a blank line, one line per paragraph):
    the article, each paragraph one slice of the file, and the file's text."""
    text, parts = f"{title}\n\n", []
    for body in paragraphs:
        parts.append(Paragraph(SourceText(body, [(len(text), len(text) + len(body))])))
        text += f"{body}\n"
    return Article(source, title, parts), text


def corpus(texts: dict[str, tuple[str, ...]]) -> tuple[list[Article], dict[str, str]]:
    """Articles from (title, paragraph, ...) by source name, and their source texts: what ``NewsIndex.add`` takes."""
    built = {name: article(name, *parts) for name, parts in texts.items()}
    return [item for item, _ in built.values()], {name: text for name, (_, text) in built.items()}


# ---------------------------------------------------------------- the command line

LISTENING = re.compile(r"listening on (http://\S+/)")  # what `qa serve` logs once it is ready


def run_qa(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """``python -m qa ARGS`` as a process, its output captured as text."""
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True, input=stdin,
                          timeout=300)


def wait_for_url(process: subprocess.Popen, log: Path, timeout: float = 180.0) -> str:
    """The address a `qa serve` process says it listens on, once it says so in its ``log``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = LISTENING.search(log.read_text(encoding="utf-8", errors="replace"))
        if found:
            return found.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise AssertionError(f"qa serve did not start:\n{log.read_text(errors='replace')[-3000:]}")


def http_json(url: str, method: str = "GET", body: dict | None = None,
              token: str | None = None) -> tuple[int, Message, dict]:
    """A JSON request to a real server: the status, headers and JSON body, of an error response too."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read())


def assert_one_line_error(result: subprocess.CompletedProcess, fragment: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in result.stderr, result.stderr


# ---------------------------------------------------------------- answer streams


def parse_sse(text: str) -> list[tuple[str, str]]:
    """(event, data) pairs of a text/event-stream body."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
        if data:
            events.append((name, "\n".join(data)))
    return events


def assert_answer_stream(events: list[tuple[str, object]], expected: dict) -> None:
    """passages, answer deltas, citations, done: in that order and each agreeing with the answer object."""
    names = [name for name, _ in events]
    deltas = names.count("answer")
    assert deltas >= 1 and names == ["passages"] + ["answer"] * deltas + ["citations", "done"], names
    data = [payload for _, payload in events]
    assert data[0] == {"passages": expected["passages"]}
    assert "".join(piece["delta"] for piece in data[1 : 1 + deltas]) == expected["answer"]
    assert data[-2] == {"citations": expected["citations"]}
    assert data[-1] == expected


# ---------------------------------------------------------------- the browser tests' pages

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# A plain-text article (title line, blank line, body) whose title and sentences carry markup
# that would run script if the page ever inserted document text as HTML.
XSS_SOURCE = "zz_xss_payload.txt"
# No "." inside the payloads, so the sentence splitter keeps each one whole.
XSS_TITLE = '青石镇防汛演练<img src=x onerror="__xss=1">纪实<script>__xss=2</script>'
XSS_QUESTION = "青石镇防汛演练有多少名民兵参加？"
XSS_TEXT = f"""{XSS_TITLE}

<script>__xss=3</script>本月12日，青石镇防汛演练在清水河畔举行，\
<img src=x onerror="__xss=4">共有300名民兵参加了这次演练。

演练模拟了河堤<b onmouseover="__xss=5">管涌</b>险情，<svg onload="__xss=6"></svg>民兵们用沙袋在40分钟内完成了围堵。

镇防汛办负责人表示，<iframe src="javascript:__xss=7"></iframe>今年汛期前还将组织两次演练。
"""


def new_page(browser, viewport=DESKTOP, color_scheme="light", **options):
    """A page in a fresh browser context that records script errors and dialogs in ``page.errors``."""
    context = browser.new_context(viewport=viewport, color_scheme=color_scheme, locale="zh-CN",
                                  reduced_motion="reduce", device_scale_factor=1, **options)
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.errors = errors
    return page
