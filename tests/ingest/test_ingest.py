"""Ingestion: newspaper issues cut into articles, plain files, encodings and bad files.

The golden lists below were written by reading the seed files, not by running the parser.
"""

from __future__ import annotations

import functools
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.ingest import IngestError, LoadReport, load_file, load_path, parse_source, read_source
from qa.ingest.article import Article
from qa.ingest.newspaper import looks_like_issue
from tests.builders import INGEST_DATA, SEED_000, SEED_001, SEED_002, SEED_003, SEED_004, SEEDS

A, C = "article", "caption"
ROUNDUP = "为新就业形态劳动者办实事做好事解难事"

# (kind, title, start of the first paragraph) in reading order.
GOLDEN: dict[str, list[tuple[str, str, str]]] = {
    SEED_000: [
        (A, "新疆谋实事求实效推进“两新组织”工会组建", "“全区符合建会条件"),
        (C, "政务服务“跑腿哥”上门帮办代办业务", "图为11月2日，河北"),
        (A, "百折不挠 乐于奉献", "巍巍太行，壁立千仞"),
        (A, "兰州：“静城”一周，战“疫”加速", "11月2日，兰州市民"),
        (A, "习近平同秘鲁总统卡斯蒂略就中秘建交50周年互致贺电", "国家主席习近平11月"),
        (A, "经国务院同意，国务院办公厅转发国家发展改革委《关于推动生活性…", "经国务院同意，国务院"),
        (A, "大连市总工会将职工服务中心“搬”到基层 过去求助需登门 现在服务送上门", "大连市总工会职工服务"),
        (C, "无人驾驶快递车进校园", "11月2日，湖南省衡阳"),
    ],
    SEED_001: [
        (
            A,
            "以服务大局的实际行动彰显工会组织的担当作为 全国工会围绕迎接党的二十大推动各项工作取得新进展",
            "2022年以来,各级",
        ),
        (C, "“零工驿站”促就业", "6月28日,在湖北省"),
        (A, "全总十七届六次执委会会议召开", "要切实维护劳动领域"),
        (A, "北京市密云区总为劳模免费体检", "连日来,北京市密云区"),
        (A, "情满天山处处春", "新疆生产建设兵团是实"),
        (A, "江苏工会惠企稳岗出实招 “工会创业贷”为企业“供氧输血”", "前不久,因为得到一笔"),
        (A, "太原市外卖配送行业联合会成立 2000多名蓝骑士有了“娘家”", "6月27日,山西省太原"),
        (A, "长庆油田实施工会干部教育培训三年规划 200名基层工会主席吃上可口“培训餐”", "“这次培训真对胃口!”"),
        (C, "快递小哥赛技能", "6月25日,由河北省石"),
        (A, "守牢安全“生命线” 强化管理不放松", "党中央强调,人命关天"),
    ],
    SEED_002: [
        (A, f"{ROUNDUP}（天津）", "11月4日,天津市总"),
        (A, f"{ROUNDUP}（吉林）", "11月5日,吉林省暨"),
        (A, f"{ROUNDUP}（上海）", "11月8日,上海“工会"),
        (A, f"{ROUNDUP}（江苏）", "江苏省总工会近日启动"),
        (A, f"{ROUNDUP}（福建）", "11月8日,福建省“"),
        (A, f"{ROUNDUP}（湖北）", "今天,湖北省在荆州市"),
        (A, f"{ROUNDUP}（广西）", "11月4日,广西壮族"),
        (C, "挑灯夜战", "11月9日,在新疆呼图"),
        (C, "消防安全进校园", "11月9日,在贵州省铜"),
        (A, "张掖市总火线启动“1+1”结对帮扶", "“你安心隔离,家里的"),
        (A, "“小”工作室带来“大”能量", "近段时间以来,重庆熊"),
        (A, "海南澄迈县总开展建会入会网上审批工作", "“现在入会真是太方便"),
        (A, "全国工会学研究会2021年年会召开", "11月6日,全国工会学"),
        (A, "《论语·里仁》书云:“见贤思齐焉,见不贤而内自省也。”", "《论语·里仁》书云"),
    ],
    SEED_003: [
        (A, "紧贴工会实际,找准结合点切入点着力点", "连日来,各地工会持续"),
        (A, "辽宁工会万名干部“三走进”,做实普惠精准服务", "“以后网约车路过工会"),
        (A, "提供「时时、处处、事事」暖心服务 陕西开展关心关爱外卖配送员「十个一」活动", "近日,陕西省财贸金融"),
        (C, "跨省协作 皖苏联合保供电", "8月9日,在安徽省滁州"),
        (A, "国新办举行新闻发布会介绍政策文件", "近日,国务院印发《关"),
        (A, "暑运以来全国铁路客流保持高位运行", "记者从中国国家铁路集"),
        (C, "中国女子拳击首获奥运会金牌", "北京时间8月9日凌晨"),
        (A, "“就餐服务”让北京工会驿站成温暖“坐标”", "“如今有了打折暖心餐"),
    ],
    SEED_004: [
        (A, "秦皇岛多部门“接力”跑出建会“加速度”", "近日，河北省秦皇岛市"),
        (C, "送“福”到工地", "2月7日，安徽省文联"),
        (A, "大连“竭诚服务之家”久久为功深化普惠服务", "“光明康复行动”“痊"),
        (A, "定西市总推进“母婴休息室”建设", "“这里环境优雅，设施"),
        (A, "淮河能源集团“一户一策”帮扶特困职工", "记者日前从淮河能源集"),
        (A, "见屏如面", "“白发的双亲，远方的"),
        (A, "企业“心灵驿站”为职工打开心结", "近日，中原油田天然气"),
        (A, "这里有个“工会扶贫集团”", "“这不是浪水坝村产业"),
        (C, "工会驿站送温暖", "2月7日，北京市西城区"),
    ],
}

JUMP_MARK = re.compile("[（(][上下]?[转接]第?[0-9一二三四五六七八九十]+版[）)]")


@functools.cache
def seed(name: str) -> tuple[str, tuple[Article, ...]]:
    text = read_source(SEEDS / name)
    return text, tuple(parse_source(name, text))


def article(name: str, title: str) -> Article:
    return next(a for a in seed(name)[1] if a.title == title)


def paragraph_containing(name: str, needle: str) -> tuple[str, Article, int]:
    text, articles = seed(name)
    for item in articles:
        for index, paragraph in enumerate(item.paragraphs):
            if needle in paragraph.text:
                return text, item, index
    raise AssertionError(f"{needle!r} not in any paragraph of {name}")


# ---------------------------------------------------------------- newspaper seeds


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_seed_articles_in_reading_order(name: str) -> None:
    text, articles = seed(name)
    assert looks_like_issue(text)
    found = [
        (a.kind, a.title, a.paragraphs[0].text[: len(golden[2])])
        for a, golden in zip(articles, GOLDEN[name], strict=False)
    ]
    assert found == GOLDEN[name]
    assert len(articles) == len(GOLDEN[name])
    assert [a.ordinal for a in articles] == list(range(len(articles)))
    assert {a.source for a in articles} == {name}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_seed_paragraphs_are_clean(name: str) -> None:
    _, articles = seed(name)
    for item in articles:
        assert item.paragraphs
        for paragraph in item.paragraphs:
            assert paragraph.text and paragraph.text == paragraph.text.strip()
            assert not JUMP_MARK.search(paragraph.text), paragraph.text
            assert "下转" not in paragraph.text and "上接" not in paragraph.text
            assert "**" not in paragraph.text and not paragraph.text.startswith("#")
            assert "\n" not in paragraph.text
        for boilerplate in ("中工网", "今日八版", "出版物号", "主管主办"):
            assert boilerplate not in item.text and boilerplate not in item.title
        assert "**" not in item.title and not item.title.startswith("#")


def test_issue_date_only_from_masthead() -> None:
    assert {a.date for a in seed(SEED_000)[1]} == {"2021-11-03"}
    for name in (SEED_001, SEED_002, SEED_003, SEED_004):
        assert {a.date for a in seed(name)[1]} == {None}


def test_bylines_reporters_datelines() -> None:
    xinjiang = article(SEED_000, "新疆谋实事求实效推进“两新组织”工会组建")
    assert xinjiang.byline == "本报讯（记者吴铎思 通讯员哈斯叶提·卡斯木）"
    assert xinjiang.reporters == ["吴铎思", "哈斯叶提·卡斯木"]
    assert xinjiang.dateline is None
    assert xinjiang.subtitle == "整合资源拓宽领域 分类施策巩固成果\n半年新增建会单位2.93万个，新增会员21.97万人"
    # The byline prefixes the first sentence: the paragraph starts after the closing bracket.
    assert xinjiang.paragraphs[0].text.startswith("“全区符合建会条件")

    lanzhou = article(SEED_000, "兰州：“静城”一周，战“疫”加速")
    assert (lanzhou.byline, lanzhou.reporters) == ("本报记者 康劲", ["康劲"])

    xinhua = seed(SEED_000)[1][5]
    assert xinhua.byline == "新华社北京11月2日电（记者安蓓）"
    assert (xinhua.dateline, xinhua.reporters) == ("新华社北京11月2日电", ["安蓓"])
    greetings = seed(SEED_000)[1][4]
    assert (greetings.byline, greetings.dateline, greetings.reporters) == (
        "新华社北京11月2日电",
        "新华社北京11月2日电",
        [],
    )
    assert greetings.paragraphs[0].text.startswith("国家主席习近平")

    lead = seed(SEED_001)[1][0]
    assert lead.byline == "本报北京6月28日电(记者郑莉 郝赫 朱欣)"
    assert (lead.dateline, lead.reporters) == ("本报北京6月28日电", ["郑莉", "郝赫", "朱欣"])
    tianshan = article(SEED_001, "情满天山处处春")
    assert tianshan.dateline == "新华社乌鲁木齐6月28日电"
    jiangsu = article(SEED_001, "江苏工会惠企稳岗出实招 “工会创业贷”为企业“供氧输血”")
    assert jiangsu.subtitle == "抗疫情促发展 工会在行动"

    hubei = article(SEED_002, f"{ROUNDUP}（湖北）")
    assert (hubei.dateline, hubei.reporters) == ("本报荆州11月9日电", ["张翀", "谢文哲"])

    assert seed(SEED_003)[1][0].reporters == ["康劲", "庞慧敏", "李丰"]
    assert seed(SEED_003)[1][2].subtitle == "关爱新就业形态劳动者"

    qinhuangdao = seed(SEED_004)[1][0]
    assert qinhuangdao.byline == "本报讯（特约记者朱润胜 通讯员陈静 刘力恺）"
    assert qinhuangdao.reporters == ["朱润胜", "陈静", "刘力恺"]
    feature = article(SEED_004, "见屏如面")
    assert (feature.subtitle, feature.reporters) == ("新闻特写", ["张世光", "马红梅"])


def test_captions_carry_their_credit() -> None:
    errand = seed(SEED_000)[1][1]
    assert (errand.kind, errand.byline, errand.reporters) == (C, "新华社发（张驰摄）", ["张驰"])
    assert len(errand.paragraphs) == 4
    couriers = article(SEED_001, "快递小哥赛技能")
    assert couriers.byline == "本报记者 李昱霖 本报通讯员 陈剑超"
    assert couriers.paragraphs[-1].text.endswith("参加了比赛。")
    assert article(SEED_001, "“零工驿站”促就业").reporters == ["杨楠"]
    assert article(SEED_003, "跨省协作 皖苏联合保供电").byline == "新华社记者 曹力 摄"


def test_story_resumes_after_photo_and_box() -> None:
    _, story, index = paragraph_containing(SEED_004, "驻乡工工作队来到深度贫困")
    assert story.title == "这里有个“工会扶贫集团”"
    assert story.paragraphs[index + 1].text.startswith("强化资源整合")  # the 阅读提示 box
    assert all("阅" not in p.text[:2] for p in story.paragraphs)


@pytest.mark.parametrize(
    ("name", "joined"),
    [
        (SEED_000, "存在的问题和难点，提出"),
        (SEED_000, "主动与相关部门沟通合作，争取"),
        (SEED_000, "巩固组建成果。职工政治引领服务"),
        (SEED_000, "被称为“金城”。"),
        (SEED_001, "库尔班·吐鲁木纪念馆的讲解员"),
        (SEED_002, "11月8日,上海“工会进万家"),
        (SEED_002, "温暖行动”服务月启动仪式"),
        (SEED_003, "主席会议和全省工会系统"),
    ],
)
def test_column_breaks_rejoined(name: str, joined: str) -> None:
    text, item, index = paragraph_containing(name, joined)
    spans = item.paragraphs[index].body.spans
    assert len(spans) >= 2
    gaps = [text[end:start] for (_, end), (start, _) in zip(spans, spans[1:], strict=False)]
    assert any(gap.strip() == "" and "\n" in gap for gap in gaps)


def test_headline_is_not_glued_to_body() -> None:
    guangxi = article(SEED_002, f"{ROUNDUP}（广西）")
    assert guangxi.paragraphs[-1].text.endswith("家庭家教家风")  # cut off, continued on no page here
    assert article(SEED_002, "挑灯夜战").paragraphs[0].text.startswith("11月9日")


# ---------------------------------------------------------------- continuations

CONTINUED_ISSUE = """2024年3月4日 星期一

河道治理有了新帮手

本报讯（记者周明）今年以来，市总工会组织职工开展河道治理技能比武。

比武共设五个项目，吸引了两百多名职工参加。

（下转第2版）

另一条消息

本报讯（记者钱进）第二条消息的正文。

河道治理有了新帮手

（上接第1版）比武结束后，获奖职工将参加全省决赛。
"""


def test_continuation_merges_into_its_start() -> None:
    articles = parse_source("continued.txt", CONTINUED_ISSUE)
    assert [a.title for a in articles] == ["河道治理有了新帮手", "另一条消息"]
    assert articles[0].paragraphs[-1].text == "比武结束后，获奖职工将参加全省决赛。"
    assert articles[0].date == "2024-03-04"


def test_continuation_without_headline_merges_into_the_single_waiting_story() -> None:
    issue = CONTINUED_ISSUE.replace("河道治理有了新帮手\n\n（上接", "（上接")
    articles = parse_source("continued.txt", issue)
    assert len(articles) == 2
    assert articles[0].paragraphs[-1].text.startswith("比武结束后")


def test_unmatched_continuation_keeps_its_headline() -> None:
    item = article(SEED_001, "全总十七届六次执委会会议召开")
    assert item.paragraphs[0].text.startswith("要切实维护")


def test_word_running_across_break_rejoins_short_line() -> None:
    issue = "头条新闻\n\n本报讯（记者周明）第一段。\n\n平型关战斗、雁门关一个个重\n\n大胜利打出了雄威。\n"
    paragraph = parse_source("x.txt", issue)[0].paragraphs[-1]
    assert paragraph.text == "平型关战斗、雁门关一个个重大胜利打出了雄威。"


# ---------------------------------------------------------------- offsets


def test_every_paragraph_is_its_source_spans() -> None:
    for name in GOLDEN:
        text, articles = seed(name)
        for item in articles:
            for paragraph in item.paragraphs:
                assert "".join(text[s:e] for s, e in paragraph.body.spans) == paragraph.text
                assert all(s < e for s, e in paragraph.body.spans)
                assert paragraph.body.spans == sorted(paragraph.body.spans)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_slices_map_back_to_source(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(GOLDEN)))
    text, articles = seed(name)
    item = data.draw(st.sampled_from(articles))
    body = data.draw(st.sampled_from(item.paragraphs)).body
    start = data.draw(st.integers(0, len(body.text)))
    end = data.draw(st.integers(start, len(body.text)))
    piece = body.slice(start, end)
    assert piece.text == body.text[start:end]
    assert "".join(text[s:e] for s, e in piece.spans) == piece.text
    if start < end:
        low, high = body.source_range(start, end)
        window = text[low:high]
        cursor = 0
        for char in piece.text:  # every character of the slice, in order, inside the range
            cursor = window.index(char, cursor) + 1


LINES = st.sampled_from(
    [
        "2021年11月3日 星期三",
        "# 标题一",
        "## 小标题",
        "**本报讯**（记者张三 通讯员李四）正文开始，",
        "本报北京6月28日电(记者王五)第一句。",
        "本报记者 康劲 庞慧敏",
        "整合资源 分类施策",
        "——副题一行",
        "存在的问题",
        "和难点，提出办法。",
        "（下转第3版）",
        "(上接第1版)接着写。",
        "新华社发（张驰摄）",
        "图为工人在检修线路。本报记者 王伟 摄",
        "**阅 读 提 示**",
        "天 津",
        "广告",
        "全文完。",
        "中工网 http://www.workercn.cn",
        "　　缩进的段落，没有结束",
        "",
        " ",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(LINES, max_size=30), st.sampled_from(["\n", "\r\n"]))
def test_any_page_text_keeps_exact_offsets(lines: list[str], newline: str) -> None:
    text = newline.join(lines)
    articles = parse_source("fuzz.txt", text)
    assert [a.ordinal for a in articles] == list(range(len(articles)))
    for item in articles:
        assert item.title
        for paragraph in item.paragraphs:
            assert "".join(text[s:e] for s, e in paragraph.body.spans) == paragraph.text
            assert paragraph.text and "**" not in paragraph.text and not JUMP_MARK.search(paragraph.text)


# ---------------------------------------------------------------- plain files and loading


def test_plain_single_article_files() -> None:
    first = load_file(INGEST_DATA / "cmrc_train_00001.txt")
    assert len(first) == 1
    assert (first[0].title, first[0].kind, first[0].date) == ("范廷颂", A, None)
    assert len(first[0].paragraphs) == 1 and first[0].paragraphs[0].text.startswith("范廷颂枢机")

    wrapped = load_file(INGEST_DATA / "cmrc_train_00256.txt")[0]
    text = read_source(INGEST_DATA / "cmrc_train_00256.txt")
    assert wrapped.title == "2008年香港性工作者连环凶杀案"
    assert len(wrapped.paragraphs) == 1  # the line wrapped mid-sentence is re-joined
    assert "曾经被人使用，因此" in wrapped.paragraphs[0].text and len(wrapped.paragraphs[0].body.spans) == 2
    assert "".join(text[s:e] for s, e in wrapped.paragraphs[0].body.spans) == wrapped.paragraphs[0].text
    assert not looks_like_issue(text)


def test_markdown_article() -> None:
    (item,) = load_file(INGEST_DATA / "markdown_article.md")
    assert item.title == "社区食堂开进老旧小区"
    assert (item.byline, item.reporters) == ("本报讯（记者王晓明 通讯员李青）", ["王晓明", "李青"])
    assert [p.text[:6] for p in item.paragraphs] == ["近日，河西区", "食堂由街道工", "每天供应三餐", "食堂每天供应"]
    assert item.paragraphs[0].text.endswith("开业，周边两千多名老人吃饭有了着落。")


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    shutil.copy(INGEST_DATA / "cmrc_train_00001.txt", tmp_path / "a_plain.txt")
    shutil.copy(INGEST_DATA / "markdown_article.md", tmp_path / "b_article.md")
    shutil.copy(SEEDS / SEED_000, tmp_path / "c_issue.txt")
    nested = tmp_path / "nested"
    nested.mkdir()
    plain = (INGEST_DATA / "cmrc_train_00001.txt").read_text(encoding="utf-8")
    (nested / "d_bom.txt").write_bytes(b"\xef\xbb\xbf" + plain.encode("utf-8"))
    (nested / "e_gb18030.txt").write_bytes(plain.encode("gb18030"))
    (tmp_path / "f_binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "g_empty.txt").write_bytes(b"")
    (tmp_path / "h_undecodable.txt").write_bytes(b"\xff\xfe\xfa\xfb" * 8)
    (tmp_path / "ignored.json").write_text("{}", encoding="utf-8")
    return tmp_path


def test_load_path_reports_bad_files_and_loads_the_rest(mixed_folder: Path) -> None:
    report = load_path(mixed_folder)
    assert isinstance(report, LoadReport)
    assert sorted(report.sources) == ["a_plain.txt", "b_article.md", "c_issue.txt", "d_bom.txt", "e_gb18030.txt"]
    assert report.errors == [
        "f_binary.txt: binary file (contains NUL bytes)",
        "g_empty.txt: empty file",
        "h_undecodable.txt: not text (neither UTF-8 nor GB18030)",
    ]
    by_source = {name: [a for a in report.articles if a.source == name] for name in report.sources}
    assert len(by_source["c_issue.txt"]) == len(GOLDEN[SEED_000])
    plain = by_source["a_plain.txt"][0]
    for name in ("d_bom.txt", "e_gb18030.txt"):
        (other,) = by_source[name]
        assert (other.title, other.text) == (plain.title, plain.text)
        assert other.paragraphs[0].body.spans == plain.paragraphs[0].body.spans
    assert not report.sources["d_bom.txt"].startswith("\ufeff")
    assert report.sources["e_gb18030.txt"] == report.sources["a_plain.txt"]


def test_single_bad_file_raises_with_name_and_reason(tmp_path: Path) -> None:
    big = tmp_path / "huge.txt"
    with big.open("wb") as handle:
        handle.truncate(20 * 1024 * 1024 + 1)
    with pytest.raises(IngestError, match=r"^huge\.txt: file too large"):
        load_file(big)
    blank = tmp_path / "blank.txt"
    blank.write_text(" \n\n\u3000\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"^blank\.txt: empty file"):
        load_file(blank)
    controls = tmp_path / "controls.txt"
    controls.write_bytes(b"\x01\x02\x1b[0m text " * 20)
    with pytest.raises(IngestError, match=r"^controls\.txt: binary file \(control characters\)"):
        load_file(controls)
    assert load_path(tmp_path / "missing").errors == ["missing: no such file or folder"]
