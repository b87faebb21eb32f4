"""Chinese-language knowledge, once, as named lists: every module builds its patterns from these.

Nothing here is about one corpus: these are the punctuation, measure words, titles and function
words of written Chinese (and of the English questions the service also reads).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# -- punctuation ----------------------------------------------------------------------------

# The marks that end a whole sentence, as against a clause of it (；) or a trailing-off (…).
FULL_STOPS = "。！？!?"
# The ellipsis trails a sentence off; unlike the other terminators it may open a line (……长风破浪会有时).
# Inside a paragraph, a list it trails off goes on in the next row (第三年500多人……滴滴工会推动司机入会不到
# 4年，已有会员近1000人。), as a clause does after ；; a quote it trails off (……”) has ended there.
ELLIPSIS = "…"
# The semicolon ends a clause of a sentence: sentence rows split there, answer units may rejoin them.
SEMICOLONS = "；;"
# What ends a sentence row (full and half width); a half-width "." only before a non-digit (2.93万).
SENTENCE_TERMINATORS = "。！？!?" + SEMICOLONS + ELLIPSIS
# A colon closes a line that introduces what follows, so a line break after it ends a paragraph.
COLONS = "：:"
# Closing quotes and brackets that stay with the sentence they close (“……。” is one unit).
CLOSERS = "”’」』）)】》〉\"'"
# Commas proper; the enumeration comma 、 separates the items of a list (甲、乙、丙).
COMMAS = "，,"
ENUMERATION_COMMA = "、"
# Marks that end a clause inside a sentence.
CLAUSE_MARKS = COMMAS + ENUMERATION_COMMA
# Paired marks: a text that opens one and does not close it is cut in the middle.
QUOTE_PAIRS = ("“”", "‘’", "「」", "『』", "《》", "（）", "()")
# What opens each of QUOTE_PAIRS.
PAIR_OPENERS = "".join(pair[0] for pair in QUOTE_PAIRS)
# Marks that quote a title or a term (《人民日报》, “工会驿站”).
QUOTE_OPENERS = "“「《"
QUOTE_CLOSERS = "”」》"
# The marks of a title: part of how the title is written (an answer quotes 《哈姆雷特》, not 哈姆雷特).
TITLE_MARKS = "《》"
# Marks that quote a term, speech or a slogan, not a title.
TERM_OPENERS = "“「"
TERM_CLOSERS = "”」"
# Marks that never open a line of print (行首禁则: the stops and commas, closing quotes and brackets), so
# a line opening on one carries on the line above it; the full-width full stop ． is how some typesetting
# prints 。.
NO_LINE_START = (
    "".join(mark for mark in CLAUSE_MARKS + SENTENCE_TERMINATORS + COLONS if mark != ELLIPSIS) + CLOSERS + "．"
)

# -- numbers and measure words -----------------------------------------------------------------

HAN_DIGITS = "零一二两三四五六七八九十百千"
# The Han numerals of a small count (六送, 一年两次, 三个), without the 零 and 百 of a written-out figure.
COUNT_NUMERALS = "一二两三四五六七八九十"
# Measure words and units that follow a number, longest first so that a regex takes 万元 before 元.
QUANTITY_UNITS = (
    "万元 亿元 千元 元 美元 港元 人次 万人 亿人 个百分点 百分点 平方公里 平方千米 公里 千米 平方米 米 公尺 公分 厘米 "
    "毫米 英寸 英尺 英里 海里 公顷 公斤 千克 克 吨 小时 分钟 秒 个月 个多月 个半月 个多小时 个半小时 周 集 季 章 首 卷 "
    "千伏 伏 千瓦 兆瓦 瓦 立方米 立方公尺 公升 升 毫升 桶 赫兹 度 光年 呎 平方公尺 平方英里 平方英尺 平方呎 英亩 "
    "把 段 阶段 册 划 分 "
    "个 名 人 项 家 条 篇 件 次 场 岁 年 天 倍 所 座 户 位 辆 台 套 期 批 支 种 类 轮 处 间 张 份 本 部 "
    "届 款 门 班 组 队 起 例 单 车 枚 箱 袋 斤 亩 层 只 头 艘 架 趟 列 栋 幢 棵 株 颗 % ％"
).split()
# Measure words that answer for one another: 多少位代表 is answered by 50名, 多少条 by 33项.
INTERCHANGEABLE_UNITS = (
    "位名人", "条项款", "家所个", ("人次",), "篇", "件", "场", "次", "轮", "届", "天日", "年", "岁", "吨", "辆", "台",
    "户", "趟列", "栋幢座", "只头", "棵株", "颗枚", "首", "层", "艘", "架", "张", "份", "处", "例", "起",
)
# The measure words a question may ask a count in (多少件, 几位): those above. 个 is not among them: 多少个
# asks about anything counted, so it constrains nothing; nor are those that begin common words after 多少
# (支持率, 部门, 种类, 门票, 间隔, 本地), which is why they are in no group.
ASKED_UNITS = tuple(unit for group in INTERCHANGEABLE_UNITS for unit in group if unit != "个")
# How the names of kinds of people end (会员, 学生, 志愿者, 教师, 农民, 职工, 选手): a count of them is a
# count of people, in 人, 名 or 位.
PERSON_NOUN_ENDINGS = "员生者师民工手"
# The same in English: how many of these is a count of people (How many employees … → 7.6万名).
ENGLISH_PERSON_NOUNS = frozenset(
    "people persons employees workers staff members students teachers residents visitors tourists passengers "
    "athletes players volunteers soldiers doctors nurses farmers officials delegates participants children users "
    "couriers drivers miners engineers".split())
# Units of a duration, the answer to 多久.
TIME_UNITS = ("年", "天", "日", "月", "周", "小时", "分钟", "秒")
# The periods a frequency is given in, the answer to 多久一次 (每季度, 每半年, 每隔3天).
FREQUENCY_PERIODS = ("季度", "星期", *TIME_UNITS)
# Words that begin with a unit of time: after 多少 they count something else (多少年轻人).
TIME_UNIT_WORDS = ("年轻", "年级", "年龄", "天气", "天然", "天文")
# Calendar eras: an era before 几年 asks which year (西元幾年, 民国几年), not how many.
ERA_NAMES = ("公元", "西元", "民国", "纪元", "公历")
# The geological periods, which date what lived in them (白垩纪晚期) as a dynasty dates a reign.
GEOLOGIC_PERIODS = tuple(
    "寒武纪 奥陶纪 志留纪 泥盆纪 石炭纪 二叠纪 三叠纪 侏罗纪 白垩纪 古近纪 新近纪 第四纪 "
    "古新世 始新世 渐新世 中新世 上新世 更新世 全新世".split())
# Units written in Latin letters, as text normalised to lower case has them (km² is km2 after NFKC); a
# number takes one only where no letter follows (5mil is not 5 m).
LATIN_AREA_UNITS = ("km2", "m2", "ha")
LATIN_LENGTH_UNITS = ("km", "cm", "mm", "m")
LATIN_WEIGHT_UNITS = ("kg", "mg")
LATIN_UNITS = LATIN_AREA_UNITS + LATIN_LENGTH_UNITS + LATIN_WEIGHT_UNITS
# Currencies: an amount in any of them answers a question about money (5亿日圆, 30亿越南盾).
CURRENCY_UNITS = ("元", "圆", "美元", "港元", "日圆", "日元", "韩元", "欧元", "英镑", "镑", "卢布", "法郎", "越南盾",
                  "比索", "卢比", "美金", "澳元", "加元", "新台币", "台币", "人民币", "马克", "泰铢", "令吉")
# Units of the physical measures (each one of QUANTITY_UNITS or LATIN_UNITS).
AREA_UNITS = ("平方公里", "平方千米", "平方米", "平方公尺", "平方英里", "平方英尺", "平方呎", "公顷", "英亩", "亩",
              *LATIN_AREA_UNITS)
LENGTH_UNITS = ("公里", "千米", "米", "公尺", "公分", "厘米", "毫米", "英寸", "英尺", "英里", "海里", "光年", "呎",
                *LATIN_LENGTH_UNITS)
WEIGHT_UNITS = ("吨", "公斤", "千克", "克", "斤", *LATIN_WEIGHT_UNITS)
# Fractions written as words: 一半以上的病人 answers 有多少病人 as 40%病人 does.
FRACTION_WORDS = ("一半", "半数", "过半", "大半")
# Words by which a question asks for a physical measure, and the units its answer is written in: 面积有多大
# is answered by 300平方米, never by 9家.
MEASURE_WORDS = (
    (("面积", "占地", "area", "how large"), AREA_UNITS),
    (("长度", "多长", "全长", "体长", "身长", "距离", "多远", "高度", "多高", "身高", "海拔", "深度", "多深", "宽度",
      "多宽", "厚度", "多厚", "直径", "半径", "length", "distance", "how far", "height", "how tall", "how high",
      "width", "how wide", "depth", "how deep"), LENGTH_UNITS),
    (("重量", "有多重", "体重", "weight", "how heavy"), WEIGHT_UNITS),
)
# The measure words of 哪个, 哪艘, 哪张 that ask which one of a kind, named (哪张专辑 → 《…》, 哪艘航母 → 辽宁舰),
# and those that ask which person, occasion or session (哪位, 哪次, 哪场, 哪届).
WHICH_ONE_MEASURES = "个家款部本首支所项种条张艘辆架台件篇幅枚颗"
WHICH_MEASURES = WHICH_ONE_MEASURES + "位次场届"
# The measure words of 哪家 and 哪所, which ask for a body (a company, a school, a station), and of 哪位 and 哪名,
# which ask for one person.
BODY_MEASURES = "家所"
ONE_PERSON_MEASURES = "位名"
# The level a place name may carry or leave out (荆州市 is the 荆州 a question names).
ADMINISTRATIVE_LEVELS = "省市县区镇乡村州"
# Measure words after which a small Han count (三年, 十二个) is read as digits.
COUNTED_UNITS = "年个名项家天月次位人条届轮岁倍周"
# Words after a round number that make it approximate (30多家, 200余人).
APPROXIMATORS = ("多", "余")
# Words before a quantity that say how near it comes (近1000人, 超过3000人): part of the answer.
BOUND_WORDS = ("近", "约", "超过", "超", "逾")
# Words before a quantity that only say it is a total or is reached (共150名, 累计5.4亿人次, 达97%): not
# part of the answer.
TOTAL_WORDS = ("共计", "累计", "共", "达")

# Words that single one thing out of its kind (最高的一天, 首次, 唯一): evidence about the kind in general
# (日均, 共计) does not answer a question that holds one.
SUPERLATIVES = ("最", "首次", "首个", "首家", "首位", "首座", "首届", "唯一")
# Words that give a mean: the kind's figure on average answers no number question for its extreme (日均
# for 最高的一天发送了多少人次), unless the question asks after an average itself (平均最高气温是多少).
AVERAGES = ("平均", "日均", "人均", "年均", "月均", "均值")

# -- people --------------------------------------------------------------------------------

# Titles of office: a question naming one is answered by a name beside that title.
ROLE_TITLES = ("董事长", "总经理", "秘书长", "主任", "主席", "书记", "局长", "厂长", "院长", "校长", "部长", "会长",
               "队长", "经理", "站长", "所长", "馆长", "社长", "行长", "台长", "园长", "处长", "科长", "署长",
               "省长", "市长", "县长", "区长", "镇长", "乡长", "村长", "团长", "司令", "总裁", "总监", "主编",
               "理事长", "总干事", "首席执行官", "总统", "总理", "首相", "议长", "总督", "教练")
# What makes a title another office (副主席 is not 主席): a question for one is not answered by the other.
DEPUTY_MARK = "副"
# Titles that name no office: the holder of any title may answer a question about the 负责人.
GENERIC_ROLES = ("负责人",)
# Places in a contest: evidence names their holder by them, as it names the holder of an office by its
# title, whatever is asked of the holder (冠军来自哪家公司). A contest named after them (冠军联赛, 冠军杯,
# 冠军赛) is no place in it.
RANKS = ("冠军", "亚军", "季军")
CONTEST_NAMES = ("联赛", "杯", "赛")
PRONOUNS = ("他们", "她们", "它们", "牠们", "他", "她", "它", "牠")

# Nouns that name an attribute of something (its time, place, size, content): a question whose only
# nouns are these (主要内容是什么？, 服务时间是几点？) asks about a subject it does not name.
ATTRIBUTE_NOUNS = frozenset(
    """
    时间 日期 地点 地方 位置 原因 理由 目的 目标 内容 主题 题目 名称 名字 规模 数量 人数 次数 面积 长度 高度 重量
    价格 费用 成本 金额 比例 特点 特色 作用 意义 影响 结果 效果 成绩 方式 方法 办法 过程 经过 范围 标准 要求 条件
    情况 现状 任务 职责 措施 形式 类型 种类 用途 功能 优势 问题 困难 经验 做法 负责人 背景 历史 来源 由来
    """.split()
)
# English pronouns that lean on an earlier turn (When did it start?).
ENGLISH_PRONOUNS = frozenset("it its they them their he him his she her this that these those".split())

# -- discourse -------------------------------------------------------------------------------

# Words that point at the day the sentence before named (11月9日,… 当日是全国消防日): that sentence holds its date.
SAME_DAY = ("当天", "当日", "同日", "同一天", "这一天", "是日")
# A sentence opening on one of these leans on the one before it (所以…, 他…, 该公司…, 此外…, 当日…).
LEANS_BACK = ("所以", "因此", "因而", "于是", "这样", "这", "此", "其", "该", *PRONOUNS, "但", "而", "并", "同时",
              "此外", "另外", "后来", "其后", "随后", "结果", "对此", "为此", "由此", *SAME_DAY)
# Time and source adverbs that open a news sentence, a comma after them (近日，… 据悉，…).
NEWS_OPENERS = ("近日", "日前", "目前", "近年来", "今年以来", "此前", "当天", "当日", "随后", "同时", "此外", "据悉",
                "据了解", "据介绍")
# Words that join onto what precedes them, so a line opening on one never opens a paragraph.
JOINING_WORDS = ("和", "及", "的")
# The part of a place said after its name (长沙县东南部, 澳洲沿岸, 车站附近).
PLACE_PARTS = ("东部", "南部", "西部", "北部", "中部", "东南部", "东北部", "西南部", "西北部", "沿岸", "沿海", "附近",
               "一带")
# Characters that point at a place or body without naming it (全省, 本市, 该校, 我国, 各地, 外省).
DETERMINERS = "全本该我各外此每"

# -- function words ----------------------------------------------------------------------------

# Aspect particles after a verb (采取了什么模式): a question says them where its evidence often does not
# (采取“…”的模式).
ASPECT_PARTICLES = ("了", "过", "着")
# Words that introduce what something is or is called (作者是李四, 命名为, 名叫): what follows one is
# often the thing a question asks for.
COPULAS = ("是", "为", "叫", "即", "乃", "称", "名叫", "叫做", "称为", "名为")

# What stands before 为 when 为什么 is 为 + 什么, not "why": 称之为什么 asks what a thing is called, 改为什么
# and 分为什么 what it became or was cut into, 因为什么 because of what. 179 of the 757 为什么 in CMRC train's
# questions read so.
AS_WHAT_BEFORE = "称改成作列译名定分誉算封任升选评划转变化之因"

# Words that hold 几 and ask nothing (几乎, 画法几何, 几内亚).
WORDS_HOLDING_JI = ("几乎", "几何", "几近", "几内亚", "欧几里得")
# Asking words beside which 几 says "some" and asks nothing (这几年, 20几所, 每隔几天 beside 哪位, 在哪里, 什么): of the
# 12 number questions of CMRC train, trial, DRCD dev and the seed sets holding 几 and one of these, 10 ask the other.
# 任何 is no question word.
ASKING_BESIDE_JI = r"谁|哪|什么|(?<!任)何"
# Question words (a regex alternation) say what is asked, not what evidence holds. 哪 takes the measure
# word or noun after it along (哪家, 哪国, 哪一部), 多 an adjective of size or time (多大, 多久).
QUESTION_WORDS = (r"什么时候|什么|多少|多[大长高久远宽深厚]|哪一?[\u4e00-\u9fff]?|为什么|为何|何[时地处人年种日]"
                  r"|怎么样?|如何|怎样|是否|有没有|谁|几|请问")

# Function words and question words carry no topic; matching on them only adds noise.
STOPWORDS = frozenset(
    """
    的 了 是 在 和 与 及 或 也 都 就 而 并 又 被 把 对 从 向 为 以 于 由 等 这 那 其 之 着 过 得 地 个
    吗 呢 吧 啊 呀 么 哪 哪些 哪个 哪里 哪儿 哪年 哪天 哪位 什么 怎么 怎样 如何 为什么 为何 多少 几
    几个 谁 何时 何地 是否 有没有 请问 一下 一共 总共 共 还 有 没有 会 能 要 可以 这个 那个 这些 那些
    他们 她们 我们 你们 它们 他 她 它 我 你 该 此 每 各 个 次 年 月 日 一天 哪一天 哪一年 第几 几轮
    几类 几项 多少次 今年 去年 目前 现在 当时 那次 那场 那份 那位 这次 这场 叫 叫做 名字 称为 自己 the
    a an of to in on at for by is are was were be been what which who whom when where why how many much
    does do did has have had with from that this these those it its as and or
    """.split()
)


def alternation(words: Iterable[str]) -> str:
    """A regex group matching any of ``words``, longer words tried first."""
    return "(?:" + "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)) + ")"


def char_class(characters: Iterable[str]) -> str:
    """A regex character class of ``characters``."""
    return "[" + re.escape("".join(characters)) + "]"
