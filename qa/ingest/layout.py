"""Newspaper layout marks as patterns: bylines, photo credits, datelines, jump markers, mastheads.

These are about how a newspaper page is printed, not about the language, so they live here
rather than in :mod:`qa.text.lexicon`. The module also reads what the marks carry: reporter
names out of a byline or credit, and the issue date out of a masthead line.

* Masthead and boilerplate lines (issue date, 辛丑年…第N期 今日八版, 主管主办, 出版物号,
  中工网 / URLs, a lone 广告) are not text.
* Issue date. Only a masthead line such as ``2021年11月3日 星期三`` above the first story
  dates the issue (the weekday, when printed, must agree). Without one the date is None:
  datelines (本报北京6月28日电) carry no year and years in the text (2022年以来) name events,
  not the issue, so neither is reliable enough to guess from.
"""

from __future__ import annotations

import datetime as dt
import re

from qa.text.lexicon import FULL_STOPS, char_class

# Space between the words of a byline or a label, full-width included.
SPACE = r"[ \t\u3000]"
_NAME = r"[\u4e00-\u9fff·]{2,10}"
_ROLE = r"(?:本报|新华社|中新社|人民日报)?(?:特派|特约|见习|实习|摄影)?(?:记者|通讯员|实习生)"
_ROLE_PREFIX = re.compile(rf"^{_ROLE}")
# The roles that make a bracket after a news lead its credits: 本报讯（记者… 通讯员…）.
REPORTER_ROLE = re.compile("记者|通讯员|实习生")

# 本报记者 康劲 庞慧敏: a byline on a line of its own.
BYLINE_LINE = re.compile(rf"^(?:{_ROLE}(?:{SPACE}+{_NAME})+{SPACE}*)+$")
# 本报讯 / 本报北京6月28日电 opening a story's first paragraph.
NEWS_LEAD = re.compile(r"^(?:本报讯|(?P<dateline>(?:本报|新华社|中新社)[\u4e00-\u9fff]{1,10}?\d{1,2}月\d{1,2}日电))")
# The bracketed credits right after a news lead: （记者吴铎思 通讯员哈斯叶提·卡斯木）.
CREDITS = re.compile(rf"{SPACE}*[（(](?P<credits>[^（()）]{{1,80}})[）)]")
# 新华社发（张驰摄）, 本报记者 王伟伟 摄, 杨楠 摄/人民图片: a photo credit on a line of its own.
CREDIT_LINE = re.compile(
    rf"^(?:(?:新华社|中新社|人民网)?发{SPACE}*[（(][^（()）]{{1,30}}?摄[）)]"
    rf"|(?:{_ROLE}{SPACE}*)?{_NAME}(?:{SPACE}+(?:{_ROLE}{SPACE}*)?{_NAME})*{SPACE}+摄(?:[/／]\S{{1,12}})?)$"
)
# …比赛。本报记者 李昱霖 本报通讯员 陈剑超: a credit trailing a caption's last sentence (or the
# closing quote of it, …”).
TRAILING_CREDIT = re.compile(
    rf"(?<={char_class(FULL_STOPS + '”')}){SPACE}*(?P<credit>(?:{_ROLE}{SPACE}+{_NAME}{SPACE}*)+(?:摄)?"
    r"|(?:新华社|中新社)?发[（(][^（()）]{1,30}摄[）)])$"
)
# (新华社乌鲁木齐6月28日电) closing a story.
DATELINE_END = re.compile(r"^[（(](?P<dateline>(?:新华社|本报|中新社)[^（()）]{2,20}电)[）)]$")
# （下转第3版） / (上接第1版); ``dir`` tells which way the story jumps.
JUMP = re.compile(
    rf"[（(]{SPACE}*(?P<dir>下转|上接|转|接)第?{SPACE}*[0-9一二三四五六七八九十〇零]+{SPACE}*版{SPACE}*[）)]"
)
JUMPS_TO = ("下转", "转")
JUMPS_FROM = ("上接", "接")
TRAILING_AD = re.compile(rf"{SPACE}+广告$")
AD_MARK = "广告"
BOX_LABEL = "阅读提示"
MASTHEAD_DATE = re.compile(
    rf"^(?P<y>\d{{4}})年(?P<m>\d{{1,2}})月(?P<d>\d{{1,2}})日(?:{SPACE}*(?:星期|周)(?P<w>[一二三四五六日天]))?$"
)
BOILERPLATE = re.compile(
    r"^[甲乙丙丁戊己庚辛壬癸][子丑寅卯辰巳午未申酉戌亥]年|第\s*\d+\s*期|今日[一二三四五六七八九十\d]+版"
    r"|主管主办|出版物号|^中工网|https?://|www\."
)
# A letter-spaced region label over a round-up report (天 津, 吉 林).
_SPACED_LABEL = re.compile(rf"^[\u4e00-\u9fff](?:{SPACE}+[\u4e00-\u9fff]){{1,5}}$")
# 星期一 … 星期日 in ``datetime.weekday`` order; 星期天 is 星期日.
_WEEKDAYS = "一二三四五六日"

CREDIT_MAX = 40  # byline and photo-credit lines are short
BOILERPLATE_MAX = 60  # longer lines mentioning a URL or 第N期 are text


def reporter_names(credit: str) -> list[str]:
    """Reporter / photographer names in a credit, role labels and 摄 removed."""
    credit = re.sub("[/／].*$", "", credit)
    names: list[str] = []
    for part in re.split(r"[\s、，,]+", credit):
        name = _ROLE_PREFIX.sub("", part).removesuffix("摄")
        if name:
            names.append(name)
    return names


def credit_names(credit: str) -> list[str]:
    """Names in a photo credit, read from its bracket when it has one (新华社发（张驰摄）)."""
    bracketed = re.search("[（(]([^（()）]*)[）)]", credit)
    return reporter_names(bracketed.group(1) if bracketed else credit)


def masthead_date(text: str) -> str | None:
    """The ISO date a masthead line prints, or None when it is no date or its weekday disagrees."""
    match = MASTHEAD_DATE.match(text)
    if not match:
        return None
    try:
        day = dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None
    weekday = match["w"]
    if weekday and _WEEKDAYS[day.weekday()] != weekday.replace("天", "日"):
        return None
    return day.isoformat()


def is_spaced_label(text: str) -> bool:
    """Whether a line is a letter-spaced region label (天 津) heading a round-up report."""
    return bool(_SPACED_LABEL.match(text))
