"""Fast detection of Chinese personal identifiers: one pattern table shared with the Presidio recognizers."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable, NamedTuple, Optional

from anonymize import addresses, names, prefilter
from anonymize.checksums import date_ok, luhn_ok, normalize_digits, resident_id15_ok, resident_id_ok, uscc_ok

# Patterns are plain `re` (the `regex` module Presidio uses is 10-20x slower on big character classes);
# recognizers.py compiles them the same way. A group named "v", when present, is the value's span.
FLAGS = re.DOTALL | re.MULTILINE

# Building blocks. Full-width digits are matched directly so offsets stay those of the input.
D = "[0-9０-９]"
SEP = "[ \\-－\u3000]"
# Explicit boundaries: \b is no boundary between 汉字 and digits.
NB = "(?<![0-9０-９A-Za-zＡ-Ｚａ-ｚ])"
NA = "(?![0-9０-９A-Za-zＡ-Ｚａ-ｚ])"
# Numbers may follow letters (tel13812345678, ID110105...): only a digit or a decimal point blocks them.
NB_NUM = "(?<![0-9０-９])(?<![0-9]\\.)"
# Issuer prefixes of cards common in China: UnionPay 62, Visa 4, Mastercard 51-55, JCB 35, 60, 94/95.
IIN = "[6６][2２]|[4４][0-9０-９]|[5５][1-5１-５]|[3３][5５]|[6６][0０]|[9９][4-5４-５]"
# NB_NUM checked after the first character: a pattern that starts with a plain class lets `re` skip
# ahead quickly.
NB_NUM1 = "(?<![0-9０-９].)(?<![0-9]\\..)"
NB1 = "(?<![0-9０-９A-Za-zＡ-Ｚａ-ｚ].)"  # NB, checked after the first character
PLATE_LETTER = "[A-HJ-NP-Z]"
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Chinese numerals count as digits in addresses (三号楼, 二单元).
N = "[0-9０-９一二三四五六七八九十百零〇]"
Z = "[0０]"


def _alt(words) -> str:
    """Alternation of literal words, longest first so that 股份有限公司 wins over 公司.

    Written as a trie (`re` tries alternatives one by one; a trie tests each character once). Longer
    continuations come before the end of a word, so the words matching at a position are tried longest
    first, exactly as in a flat longest-first alternation. The top level stays a branch of literals so
    that `re` can still skip ahead to first characters."""
    tree: dict = {}
    for w in set(words):
        node = tree
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}
    return "(?:" + "|".join(_trie_alts(tree, top=True)) + ")"


def _trie_alts(node: dict, top: bool = False) -> list:
    """The alternatives below one trie node (without its end-of-word option); leaves as one class."""
    alts, leaves = [], []
    for ch in sorted(c for c in node if c):
        child = node[ch]
        if list(child) == [""] and not top:
            leaves.append(re.escape(ch))
        else:
            alts.append(re.escape(ch) + _trie_tail(child))
    if leaves:
        alts.append(leaves[0] if len(leaves) == 1 else "[" + "".join(leaves) + "]")
    return alts


def _trie_tail(node: dict) -> str:
    """What may follow a trie node's character: its continuations, optional when a word ends here."""
    alts = _trie_alts(node)
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 and "" not in node else "(?:" + "|".join(alts) + ")"
    return body + "?" if "" in node else body


# Extensions B-H too: names carry rare characters (虞𬱖青, 李𫖮) that GB18030 files hold.
HAN = "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
_HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))


def _han_except(stops: str) -> str:
    """One character class: Han minus `stops` (a class is far faster than a look-ahead per character)."""
    cuts = sorted({ord(c) for c in stops})
    parts = []
    for lo, hi in _HAN_RANGES:
        start = lo
        for c in [c for c in cuts if lo <= c <= hi] + [hi + 1]:
            if start <= c - 1:
                parts.append(f"{chr(start)}-{chr(c - 1)}" if start < c - 1 else chr(start))
            start = c + 1
    return "[" + "".join(parts) + "]"


def _surname(compounds, singles) -> str:
    """Compound surnames first (欧阳 before 欧), behind a one-class look-ahead so scanning is cheap."""
    first = "".join(sorted({c[0] for c in compounds} | set(singles)))
    return f"(?=[{first}])(?:{_alt(compounds)}|[{''.join(sorted(singles))}])"


def _surname_first(compounds, singles, after_first: str = "") -> str:
    """The same language as _surname, but opening with a plain class so `re` can skip ahead to surname
    characters; `after_first` is a check placed after the first character (a shifted look-behind)."""
    first = "".join(sorted({c[0] for c in compounds} | set(singles)))
    rest = "|".join(f"(?<={re.escape(c[0])}){re.escape(c[1:])}" for c in sorted(set(compounds), key=len, reverse=True))
    return f"[{first}]{after_first}(?:{rest}|(?<=[{''.join(sorted(singles))}]))"


# Han characters that cannot be part of a place or organisation name: they end the sentence before it.
_PLACE_STOPS = "在住于的是到从向往了与及或被把将称我他她们其该此这那无对给让经据由请要因映诉址话近旁年月日时"
H = _han_except(_PLACE_STOPS)
SURNAME = _surname(names.COMPOUND_SURNAMES, names.SINGLE_SURNAMES)
SAFE_SURNAME = _surname(names.DISTINCT_COMPOUNDS, names.SINGLE_SURNAMES - names.RISKY_SURNAMES)
_GIVEN = _han_except("某X×＊")
NAME_CHAR = f"(?:(?!{_alt(names.NAME_STOPS)}){_GIVEN})"
NAME = f"(?:{SURNAME}){_GIVEN}(?:(?!{_alt(names.NAME_STOPS)}){_GIVEN})?"
SAFE_NAME = f"(?:{SAFE_SURNAME}){_GIVEN}(?:(?!{_alt(names.NAME_STOPS)}){_GIVEN})?"
# Where a trigger-less name may begin: not inside a word (安全保障 is no 全保障).
_CLAUSE_CHARS = "[的了和与及由向给让把被对为请经据跟同找叫将在从]"
CLAUSE_START = f"(?:(?<!{HAN})|(?<={_CLAUSE_CHARS}))"
# The same checks made one character later, for patterns that open with a plain class (faster in `re`).
_SAFE_SINGLES = names.SINGLE_SURNAMES - names.RISKY_SURNAMES
_GIVEN_TAIL = f"{_GIVEN}(?:(?!{_alt(names.NAME_STOPS)}){_GIVEN})?"
SAFE_NAME_AFTER_CLAUSE_START = _surname_first(
    names.DISTINCT_COMPOUNDS, _SAFE_SINGLES, f"(?:(?<!{HAN}.)|(?<={_CLAUSE_CHARS}.))") + _GIVEN_TAIL
SAFE_NAME_AFTER_NON_HAN = _surname_first(names.DISTINCT_COMPOUNDS, _SAFE_SINGLES, f"(?<!{HAN}.)") + _GIVEN_TAIL
SAFE_NAME_AT_CLAUSE = _surname_first(
    names.DISTINCT_COMPOUNDS, _SAFE_SINGLES, "(?:(?<![\\s\\S].)|(?<=[，,。；;：:！!？?\\s].))") + _GIVEN_TAIL
_MINORITY_STOPS = _alt(names.CUE_AFTER + "的 在 于 是 和 与 及 电话 手机 身份 家住 住".split())
_GIVEN_LIKELY = "[" + "".join(sorted(names.GIVEN_CHARS)) + "]"
# A cell that is only a name: a risky surname (南, 和, 平: common words too) needs given-name characters
# after it (南玉兰 is a name, 南浦 a street).
_RISKY_SURNAME = f"(?:{_alt(set(names.COMPOUND_SURNAMES) - set(names.DISTINCT_COMPOUNDS))}|[{''.join(sorted(names.RISKY_SURNAMES & names.SINGLE_SURNAMES))}])"
CELL_NAME = f"(?:{SAFE_NAME}|{_RISKY_SURNAME}{_GIVEN_LIKELY}{{1,2}})"
CUE_BEFORE = _alt(names.CUE_BEFORE)
# Cue words, then clause-opening characters not inside a word, as one flat alternation of literals
# (so `re` can skip ahead to their first characters).
CUE_BEFORE_FLAT = "|".join(
    sorted({re.escape(w) for w in names.CUE_BEFORE}, key=len, reverse=True)
    + [f"{re.escape(c)}(?<!{HAN}.)" for c in names.CUE_BEFORE_CLAUSE])
# A surname-led word followed by one of these is part of a place name (东丽区, 通辽路).
NOT_PLACE = f"(?![东西南北中]?(?:[{names.PLACE_SUFFIX_CHARS}]|大道|大街)|哈尔|浩特)"
CUE_AFTER = _alt(names.CUE_AFTER)
MINORITY_NAME = f"{H}{{2,6}}[{names.NAME_DOTS}](?:(?!{_MINORITY_STOPS}){_GIVEN}){{2,10}}"  # 人·月 is a unit
ENGLISH_TITLE = "(?<![A-Za-z])(?:Mr|Mrs|Ms|Miss|Mx|Dr|Madam|Applicant|applicant|Name|name)\\.?:?[ \\t]+"
LATIN_NAME = "[A-Z][A-Za-z'\\-]+(?:[ \\t]+[A-Z][A-Za-z'\\-]+){1,3}(?![A-Za-z])"
# A capitalised word that is not a place's, an organisation's or a date's; two or three of them, alone.
_EN_WORD = f"(?!{_alt(names.ENGLISH_NOT_NAME)}(?![A-Za-z]))[A-Z][a-z'\\-]+"
ENGLISH_PERSON = f"{_EN_WORD}(?:[ \\t]+{_EN_WORD}){{1,2}}(?![ \\t]*[A-Z])(?![A-Za-z])"
ENGLISH_CUE = f"(?<![A-Za-z]){_alt(names.ENGLISH_CUES)}:?[ \\t]+"
TRIGGER_WORD = _alt(names.TRIGGERS)
TRIGGER = _alt(names.TRIGGERS) + "(?:姓名|名字)?(?:是|为|系|叫)?[：:\\s]{0,3}"
STRONG_TRIGGER = _alt(names.STRONG_TRIGGERS) + "(?:姓名|名字)?(?:是|为|系|叫)?[：:\\s]{0,3}"
# Characters a name of any surname may hold: Han, except the one-character words that end a name.
ANY_NAME_CHAR = _han_except("".join(w for w in names.NAME_STOPS if len(w) == 1) + "某X×＊")
CLAUSE_PREDICATE = _alt(names.CLAUSE_PREDICATES)
# What may follow the second and later names of a list (张伟、李娜在场).
LIST_END = f"(?:、|等|{_alt(names.CUE_AFTER + names.CLAUSE_PREDICATES)}|[，,。；;：:\\s)）]|$)"
SPEECH = _alt("反映 来电 来信 来访 投诉 举报 咨询 诉称 称 表示 说 要求 申请 报警 求助".split())
# Where a name closes: punctuation, the end, or a word that follows a name.
NAME_CLOSE = "[，,。；;：:\\s（(、)）]|$"
PARTY_AFTER = _alt(names.PARTY_AFTER + names.CUE_AFTER)
# A clause start: the text's start or a punctuation mark (not merely a non-Han character).
CLAUSE_OPEN = "(?<![^，,。；;：:！!？?\\s（(【\\[])"
KIN = _alt(names.KIN_WORDS)
PROXY_ACT = _alt("代为 代 办理 签约 签字 签收 领取 申请 缴纳 参加 出席 认证 登记".split())
DISPUTE = _alt("离婚 婚姻 纠纷 合同 借款 借贷 买卖 租赁 劳动 劳务 侵权 继承 赡养 抚养 相邻 民间 财产 房屋 债务 一案".split())
# Characters that open a clause as a preposition or a verb (据王芳称, 经李明核实): never a name's first.
CLAUSE_WORD = "[据请由经是让叫找给对向被把将跟同和与在从当]"
# A name of any characters (minority names without a dot: 扎西次仁, 娜仁花), 2 to 4 of them; 其其 (其其格)
# is a name's part, though 其 alone ends a name.
ANY_NAME = f"(?:其其|{ANY_NAME_CHAR}){{2,4}}?"  # shortest first: the look-ahead after it decides

# Last characters of place, organisation and status words that a whole cell might hold.
CELL_NOT_NAME_END = "[区县市镇乡村路街道巷号室楼省局厅处科所站园店厂司部院校中心类型费率额]"
ROAD = "(?:路|街|大街|大道|道|巷|弄|胡同|里|坊)"
# One step of an address below its road or estate: building, unit, floor, room (三号楼, ７座, 2单元, 附1号).
# A blank may separate the steps (阳光小区 3幢 2单元 501室): the address goes on after it.
SP = "[ \u3000]?"
UNIT = f"{SP}(?:{N}{{1,5}}(?:号楼|号院|号房|幢|栋|座|单元|楼|层|室|号|户|组)|附{N}{{1,4}}号|[A-Za-zＡ-Ｚａ-ｚ]座)"
# A step only a dwelling has (a lone 3号 or 5楼 could be anything).
HOME_UNIT = f"{SP}{N}{{1,5}}(?:号楼|号房|幢|栋|座|室|户)"
# Building-unit-room written with dashes: 21-2-703, １５－３－２４０１ (a date's year has 4 digits).
DASHED = f"{SP}{D}{{1,3}}[-－]{D}{{1,3}}[-－]{D}{{1,5}}(?:[-－]{D}{{1,5}})?(?:室|号|户)?(?![0-9０-９])"
# A bare room number after a building or unit (1号楼502, 2单元2401).
ROOM = f"(?:(?<=[幢栋楼座元层])[0-9０-９]{{2,5}}(?![0-9０-９]))?"
HOUSE = f"{N}{{1,5}}(?:[-－之]{N}{{1,4}})?号"
ORG_SUFFIX = _alt(
    "股份有限公司 有限责任公司 有限公司 分公司 公司 集团 专业合作社 合作社 联合社 事务所 工作室 经营部 门市部"
    " 商行 银行 支行 分行 医院 卫生院 学校 小学 中学 大学 学院 幼儿园 研究院 研究所 协会 商会 委员会 厂"
    " 有限合伙 企业 商店 超市 酒店 饭店 宾馆 药店 药房 诊所 门诊部 加油站".split()
)
# 温州华信电器企业(普通合伙), 某某商店（个体工商户）
ORG_FORM = "(?:[(（](?:普通合伙|有限合伙|特殊普通合伙|个人独资|个体工商户|自然人独资)[)）])?"
ORG_CHAR = f"(?:{H}|[A-Za-z0-9]|[（(][^（）()]{{1,12}}[）)])"  # a bracket only as a closed pair: 中国（上海）…
# Places and organisations start where a run of their characters starts (the earliest start is what
# leftmost matching would pick anyway); trying only there keeps the scan linear.
RUN_START = f"(?<!{H})(?<![0-9０-９一二三四五六七八九十百零〇])"
ORG_START = f"(?<!{H})(?<![A-Za-z0-9（）()])"
# The same, as one class and a check one character later: a pattern opening with a class is fast in `re`.
ORG_CLASS = H[:-1] + "A-Za-z0-9（）()]"
ORG_START_AFTER = f"(?<!{H}.)(?<![A-Za-z0-9（）()].)"


# Words after which a value is a person's ID number, account or record number, or date of birth.
ID_WORD = _alt("身份证 居民身份证 公民身份号码 身份号码 证件号 证件号码 驾驶证 社会保障号码 社保号".split())
# Words after which a number is a person's account with a bank or a utility (户号, 账号, 卡号 ...).
ACCOUNT_WORD = _alt("户号 账号 帐号 卡号 账户 帐户 用户号 用户编号 客户号 客户编号 缴费号 缴费户号 存折号 折号".split())
NUMBER_WORD = _alt("QQ qq ＱＱ QQ号 qq号 微信 微信号 WeChat wechat 社保卡 社保卡号 医保卡 医保卡号 就诊卡号 病历号 住院号"
                   " 门诊号 准考证号 考生号 学籍号 学号".split())
BIRTH_WORD = _alt("出生日期 出生年月 出生年月日 出生于 生于 生日".split())


@dataclass(frozen=True)
class PatternSpec:
    """One regex of an entity, with the score a match gets before validation."""

    name: str
    regex: str
    score: float
    gate: str = ""  # fast path only: characters of which one must occur for a match to be possible
    trusted: bool = False  # the context (a trigger word) vouches for the value: lenient invalidator
    min_digits: int = 0  # fast path only: a match needs a run of this many digits (separators allowed)
    max_line: int = 0  # fast path only: a match is a whole line of at most this many characters (blanks aside)
    rare: bool = False  # seldom matches (a note only: every pattern is pre-screened by its first characters)


@dataclass(frozen=True)
class EntitySpec:
    """Everything that defines one entity; recognizers.py and the fast path both read it."""

    entity: str
    patterns: tuple
    context: tuple = ()
    validator: Optional[Callable[[str], bool]] = None  # checksum: True -> score 1.0, False -> dropped
    invalidator: Optional[Callable[..., bool]] = None  # plausibility: True -> dropped; gets trusted=
    gate: str = ""  # fast path only: a match is impossible unless this regex is found
    group: str = "han"  # fast path only: "num", "at", "han", "name" or "any", the cheap pre-check the entity needs


def _resident_id_valid(s: str) -> bool:
    """Dispatch on the written form: 18 digits, legacy 15 digits, or an Excel float."""
    if looks_like_float_id(s):
        return True
    t = normalize_digits(s)
    if len(t) == 20:  # ID + category + grade (残疾人证号): the ID decides
        t = t[:18]
    ok = resident_id15_ok(t) if len(t) == 15 else resident_id_ok(t)
    return ok and _area_ok(t)


def _area_ok(s: str) -> bool:
    """First two digits are a province-level code (81-83: HK, Macau, Taiwan residence permits)."""
    return s[:2] in _PROVINCES_CODES


_PROVINCES_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)


def _bank_card_valid(s: str) -> bool:
    t = normalize_digits(s)
    return 16 <= len(t) <= 19 and luhn_ok(t)


def _bank_card_invalid(s: str, trusted: bool = False) -> bool:
    """An 18-digit number shaped like a resident ID (province, birth date) whose check digit failed."""
    t = normalize_digits(s)
    return len(t) == 18 and _area_ok(t) and date_ok(t[6:14])


def _plate_invalid(s: str, trusted: bool = False) -> bool:
    """Real plates carry at most two letters after the issuing-authority letter."""
    tail = normalize_digits(s)[2:]
    return sum(c.isalpha() for c in tail) > 2 or not any(c.isdigit() for c in tail)


SPECS: tuple = (
    EntitySpec(
        "CN_RESIDENT_ID",
        (
            PatternSpec("id18", f"[1-8１-８]{NB_NUM1}(?:{SEP}?{D}){{16}}{SEP}?[0-9０-９XxＸｘ]{NA}", 0.5, min_digits=17),
            PatternSpec("id15", f"[1-7１-７]{NB_NUM1}(?:{SEP}?{D}){{14}}{NA}", 0.3, min_digits=15),
            # A number built on the holder's ID: 残疾人证号 is the ID, then the category (1-7) and grade (1-4).
            PatternSpec("id_plus_grade", f"[1-8１-８]{NB_NUM1}(?:{SEP}?{D}){{16}}{SEP}?[0-9０-９XxＸｘ][1-7１-７][1-4１-４]{NA}",
                        0.5, min_digits=17),
            PatternSpec("excel_float", f"[1-8]{NB_NUM1}(?:\\.{D}{{1,17}})?[Ee]\\+?1[47]{NA}", 0.3, gate="Ee"),
            PatternSpec("excel_float", f"[1-8]{NB_NUM1}{D}{{14}}(?:{D}{{3}})?\\.0+{NA}", 0.3, gate=".", min_digits=15),
            # After an ID word the value is an ID number even when a digit was mistyped.
            PatternSpec("after_id_word", f"{ID_WORD}(?:号码|号)?[：:\\s]{{0,3}}"
                                         f"(?P<v>{D}(?:{SEP}?{D}){{16}}{SEP}?[0-9０-９XxＸｘ]|{D}{{15}}){NA}",
                        0.6, trusted=True, gate="证份码", min_digits=15),
        ),
        ("身份证", "身份证号", "身份证号码", "公民身份号码", "证件号码", "居民身份证"),
        validator=_resident_id_valid,
        group="num",
    ),
    EntitySpec(
        "CN_USCC",
        (PatternSpec("uscc", f"[0-9A-HJ-NPQRTUWXY]{NB1}[0-9A-HJ-NPQRTUWXY]{D}{{6}}[0-9A-HJ-NPQRTUWXY]{{10}}{NA}", 0.3,
                     min_digits=6),),
        ("统一社会信用代码", "信用代码", "社会信用代码"),
        validator=uscc_ok,
        group="num",
    ),
    EntitySpec(
        "BANK_CARD",
        (
            PatternSpec("iin", f"[3-69３-６９]{NB_NUM1}{D}(?<={IIN})(?:{SEP}?{D}){{14,17}}{NA}", 0.4, min_digits=16),
            PatternSpec(
                "after_card_word",
                f"(?:卡号|银行卡|账号|帐号|银行账户|卡)(?:号码|号)?[：:\\s]{{0,3}}(?P<v>{D}(?:{SEP}?{D}){{15,18}}){NA}",
                0.4,
                gate="卡账帐",
                min_digits=16,
            ),
        ),
        ("银行卡", "卡号", "账号", "帐号", "开户行", "银行账户"),
        validator=_bank_card_valid,
        invalidator=_bank_card_invalid,
        group="num",
    ),
    EntitySpec(
        "EMAIL",
        (
            PatternSpec(
                "email",
                "(?<![A-Za-z0-9._%+\\-])[A-Za-z0-9][A-Za-z0-9._%+\\-]*@[A-Za-z0-9\\-]+(?:\\.[A-Za-z0-9\\-]+)*"
                "\\.[A-Za-z]{2,24}(?![A-Za-z0-9\\-])",
                0.9,
            ),
        ),
        ("邮箱", "电子邮箱", "电子邮件", "email", "e-mail"),
        group="at",
    ),
    EntitySpec(
        "CN_MOBILE",
        (
            PatternSpec(
                "mobile",
                # Opens with a plain class (fast in `re`); the country-code prefix is resolved after it.
                f"[1１+＋0０(（]{NB_NUM1}(?:(?<=[+＋])[8８][6６]{SEP}?[1１]|(?<=0)0[8８][6６]{SEP}?[1１]"
                f"|(?<=０)０[8８][6６]{SEP}?[1１]|(?<=[(（])[+＋]?[8８][6６][)）]{SEP}?[1１]|(?<=[1１]))"
                f"[3-9３-９]{D}(?:{SEP}?{D}){{8}}{NA}",
                0.85,
                min_digits=11,
            ),
            # Any number written with a country code (+852 7879 6139, +1 415 555 0100, 00886-912-345-678):
            # the + or 00 says phone; CN numbers after +86 are the pattern above (higher score).
            # (00 needs a separator after the country code: 0012345678 is a code, 00886-912-345-678 a phone.)
            # Opens with a plain class (fast in `re`): + or the first 0, the rest checked after it.
            PatternSpec("international", f"[+＋0０]{NB_NUM1}(?:(?<=[+＋]){D}{{1,3}}(?:{SEP}|[(（]{D}{{1,4}}[)）])?"
                                         f"|(?<=[0０])[0０][1-9１-９]{D}{{0,2}}(?:{SEP}|[(（]{D}{{1,4}}[)）]))"
                                         f"{D}(?:{SEP}?{D}){{6,12}}{NA}", 0.6, min_digits=8),
        ),
        ("手机", "手机号", "手机号码", "联系电话", "电话", "联系方式", "移动电话"),
        group="num",
    ),
    EntitySpec(
        "CN_PASSPORT",
        (
            PatternSpec("passport", f"[EG]{NB1}(?:{D}{{8}}|(?<=E){PLATE_LETTER}{D}{{7}}){NA}", 0.7, min_digits=7),
            # After the word, any passport's number (foreign ones too: letters and at least five digits).
            PatternSpec("after_passport_word",
                        f"(?:护照|[Pp]assport|PASSPORT)(?:号码|号|[ \\t]*(?:[Nn]o\\.?|[Nn]umber|#))?[：:\\s]{{0,3}}"
                        f"(?P<v>(?=(?:[A-Za-z]*{D}){{5}})[A-Za-z0-9]{{6,12}}){NA}", 0.7, gate="护Pp"),
        ),
        ("护照", "护照号", "护照号码"),
        group="any",  # a foreign passport number may hold only five digits in a row (62YS20149)
    ),
    EntitySpec(
        "CN_HMT_PERMIT",
        (
            PatternSpec("permit", f"[CHM]{NB1}(?:(?<=C){D}{{8}}|(?<=C){PLATE_LETTER}{D}{{7}}"
                                  f"|(?<=[HM]){D}{{8}}(?:{D}{{2}})?){NA}", 0.7,
                        min_digits=7),
            PatternSpec(
                "after_permit_word",
                f"(?:通行证|回乡证|台胞证|居住证|居民来往内地|居民来往大陆)(?:号码|号)?[：:\\s]{{0,3}}"
                f"(?P<v>[A-Z]{{1,2}}{D}{{7,10}}|{D}{{8}}(?:{D}{{2}})?[A-Z]?){NA}",
                0.7,
                gate="证内陆",
                min_digits=7,
            ),
        ),
        ("港澳通行证", "回乡证", "台胞证", "通行证"),
        group="num",
    ),
    EntitySpec(
        "CN_LICENSE_PLATE",
        (
            PatternSpec(
                "plate",
                f"[{PROVINCES}]{NB1}{PLATE_LETTER}[·•・\\-\\s]?"
                f"(?:[DF][A-HJ-NP-Z0-9]{D}{{4}}|{D}{{5}}[DF]|[A-HJ-NP-Z0-9]{{4}}[A-HJ-NP-Z0-9挂学警港澳]){NA}",
                0.75,
            ),
        ),
        ("车牌", "车牌号", "号牌", "车辆"),
        invalidator=_plate_invalid,
        gate=f"[{PROVINCES}]",
    ),
    EntitySpec(
        "CN_ADDRESS",
        (
            # Road and house number, then what follows it down to the room: an estate's name and its steps
            # (虎踞路580号银城东苑34座1404室, 嵩山路108号院14号楼2单元202).
            PatternSpec(
                "road",
                f"{RUN_START}(?:{H}|{N}){{0,40}}?{ROAD}(?:{SP}{N}{{1,5}}弄)?{SP}{HOUSE}(?:{UNIT})*"
                f"(?:{SP}{H}{{1,12}}?(?:{DASHED}|(?:{UNIT})+))?{ROOM}",
                0.7,
                gate="号",
            ),
            # Any name (an estate need not end in 小区 or 苑: 周浦印象, 留仙居), then the steps of a dwelling:
            # two or more, one only homes have, or the dashed form. Three steps need no name (2号楼3单元501室).
            PatternSpec(
                "block",
                f"{RUN_START}(?:{H}{{1,30}}?(?:{DASHED}|(?:{UNIT}){{2,8}}|{HOME_UNIT})|(?:{UNIT}){{3,8}}){ROOM}",
                0.7,
                gate="号幢栋座室户元-－",
            ),
            # A village's group, with or without the house (何家村3组, 周家村九组12号): a few dozen households.
            PatternSpec("village", f"{RUN_START}{H}{{1,30}}?村(?:(?:{N}{{1,3}}组|{H}{{1,4}}组)?{HOUSE}(?:{UNIT})*"
                                   f"|{N}{{1,3}}组)", 0.7, gate="村"),
            # Building-room with one dash after a word only dwellings end with (曹杨新村12-301, 阳光小区5-1202).
            PatternSpec("estate_dash", f"{RUN_START}{H}{{1,30}}?(?:小区|花园|公寓|新村|家园|公馆|大楼|大厦|苑|里|弄)"
                                       f"{D}{{1,3}}[-－]{D}{{2,5}}(?:室|号|户)?(?![0-9０-９])", 0.7, gate="-－"),
        ),
        ("地址", "住址", "家住", "现住", "居住地", "户籍地", "住所"),
        gate=f"[号室幢栋层座户组]|单元|{D}[-－]{D}",
    ),
    EntitySpec(
        "ORG_NAME",
        (PatternSpec("org", f"{ORG_CLASS}{ORG_START_AFTER}{ORG_CHAR}{{1,39}}?{ORG_SUFFIX}(?![东西南北中]?[路街巷弄道]){ORG_FORM}", 0.7),),
        ("公司", "单位", "企业"),
        gate=ORG_SUFFIX,
    ),
    EntitySpec(
        "PERSON",
        (
            PatternSpec("after_trigger", f"{TRIGGER}(?P<v>{MINORITY_NAME}|{NAME})", 0.85, trusted=True),
            # Any surname, after the roles of forms and tickets, when the name is followed by its end.
            PatternSpec("after_strong_trigger",
                        f"{STRONG_TRIGGER}(?P<v>{ANY_NAME})(?={NAME_CLOSE}|{PARTY_AFTER})",
                        0.5, trusted=True),
            # Name, then sex: 盛霞，男，汉族 / 李娜（女，1985年生）. Any listed surname, at a clause start.
            PatternSpec("before_sex", f"{CLAUSE_START}(?P<v>{NAME})(?=[，,（(][ \\t]*[男女][，,）)、 \\t])", 0.7,
                        trusted=True, gate="男女"),
            PatternSpec("before_speech", f"(?:{SAFE_NAME_AFTER_NON_HAN})(?=(?:先生|女士)?{SPEECH})", 0.75, rare=True),
            # Any surname (or none: 朝鲁门) opening a clause, before a title or a verb of speech (全斌波表示).
            PatternSpec("clause_before_speech", f"{CLAUSE_OPEN}(?P<v>{NAME}|(?!{CLAUSE_WORD})(?:其其|{ANY_NAME_CHAR}){{3,4}})"
                                                f"(?=(?:先生|女士|小姐|阿姨|大爷|大妈|师傅|同志)|{SPEECH})", 0.6, rare=True),
            # A household list: 妻X，子Y，之女X (kin words at a clause start only).
            PatternSpec("after_kin", f"(?:(?:{CLAUSE_OPEN}|(?<=[为是系其]))(?:{KIN})|之[子女妻夫])(?P<v>{ANY_NAME})"
                                     f"(?={NAME_CLOSE}|{PARTY_AFTER})", 0.6, trusted=True, rare=True),
            # 系X之女, 为X之子: the parent of a kin word.
            PatternSpec("before_kin", f"(?<=[系为是，,：:])(?P<v>{NAME}|{ANY_NAME})(?=之(?:{KIN}))", 0.6, rare=True),
            # Who a proxy acts for, or the proxy: 委托娜仁花代为签约, 持委托书代路跃进办理.
            PatternSpec("proxy", f"(?:委托|(?<=[书其])代|代其)(?!{CLAUSE_WORD})(?P<v>{NAME}|{ANY_NAME})(?={PROXY_ACT})",
                        0.6, trusted=True, rare=True),
            # The parties of a dispute: X与Y离婚纠纷, X和Y借款合同 (Y is then a joined name).
            PatternSpec("dispute_party", f"{CLAUSE_OPEN}(?P<v>{NAME}|(?!{CLAUSE_WORD}){ANY_NAME})(?=[与和](?:{NAME}|{ANY_NAME})"
                                         f"(?:{DISPUTE}))", 0.6, rare=True),
            PatternSpec("minority", MINORITY_NAME, 0.75, gate=names.NAME_DOTS),
            # Mr. WONG Kwok Wing, Applicant Dakota Richardson: a romanized name after an English title.
            PatternSpec("after_english_title", f"{ENGLISH_TITLE}(?P<v>{LATIN_NAME})", 0.7, trusted=True,
                        gate="MDAaNn"),
            # submitted by Emily Carter, Dear John Smith: an English name after a cue word in English text.
            PatternSpec("english_after_cue", f"{ENGLISH_CUE}(?P<v>{ENGLISH_PERSON})", 0.6, rare=True),
            # 申请人Valerie Harris, 外籍人士Darryl King: a romanized name after a role word.
            PatternSpec("latin_after_trigger", f"{TRIGGER_WORD}[：:\\s]{{0,3}}(?P<v>{LATIN_NAME})", 0.7, trusted=True,
                        rare=True),
            PatternSpec(
                "whole_cell", f"^[ \\t]*(?P<v>{CELL_NAME}|{MINORITY_NAME})(?<!{CELL_NOT_NAME_END})(?=[ \\t]*$)", 0.7,
                max_line=17,  # 欧阳 + 2 given characters, or a minority name of at most 6 + 1 + 10
            ),
            PatternSpec(
                "after_cue", f"(?:{CUE_BEFORE_FLAT})(?P<v>{NAME}){NOT_PLACE}", 0.7
            ),
            PatternSpec("before_cue", f"(?:{SAFE_NAME_AFTER_CLAUSE_START})(?={CUE_AFTER})", 0.7, rare=True),
            # At the start or after a sentence end (one negated look-behind is cheaper than ^ or a look-behind).
            PatternSpec("leading", f"(?<![^。；;!！?？\\n])[ \\t]*(?P<v>{SAFE_NAME})(?=[ \\t]*[，,:：；;])", 0.6),
            PatternSpec("clause_subject", f"(?:{SAFE_NAME_AT_CLAUSE})(?={CLAUSE_PREDICATE})", 0.6, rare=True),
            PatternSpec("compound_surname", f"{_alt(names.DISTINCT_COMPOUNDS)}{NAME_CHAR}{{1,2}}", 0.7),
            PatternSpec("listed_item", f"(?<=、)(?:{NAME})(?={LIST_END})", 0.6, gate="、"),
            PatternSpec("listed_before_cue", f"(?:{NAME})(?=(?:、(?:{NAME}))+(?:等|{CUE_AFTER}))", 0.7, gate="、"),
        ),
        ("姓名", "联系人", "申请人", "投诉人", "来电人", "当事人"),
        invalidator=names.name_invalid,
        gate=f"{HAN}{{2}}|[{names.NAME_DOTS}]|[A-Z][A-Za-z'\\-]+[ \\t]+[A-Z]",
        group="name",
    ),
    EntitySpec(
        "CN_LANDLINE",
        (
            PatternSpec(
                "landline",
                f"[0０(（]{NB_NUM1}(?:(?<=[0０])(?:[1１][0０]|[2２]{D}|[3-9３-９]{D}{{2}}){SEP}?"
                f"|(?<=[(（]){Z}{D}{{2,3}}[)）]{SEP}?)"
                f"[2-9２-９]{D}{{6,7}}"
                f"(?:(?:转|-){D}{{1,5}})?{NA}",
                0.4,
                min_digits=7,
            ),
            PatternSpec(
                "after_phone_word",
                f"(?:电话|座机|固话|联系方式|Tel|TEL)(?:号码)?[：:\\s]{{0,3}}(?P<v>[2-9２-９]{D}{{6,7}}){NA}",
                0.4,
                gate="电座固联T",
                min_digits=7,
            ),
        ),
        ("电话", "座机", "固话", "联系电话", "联系方式"),
        group="num",
    ),
    EntitySpec(
        "CN_PERSONAL_NUMBER",
        (PatternSpec("after_number_word", f"{NUMBER_WORD}码?[：:\\s]{{0,3}}"
                                          f"(?P<v>[A-Za-z0-9][A-Za-z0-9_\\-]{{4,29}})(?![A-Za-z0-9_\\-])",
                     0.6, trusted=True),
         # 户号 3301234567, 账号：6222 0212 3456 7890 123: the word makes it an account, whatever its checksum
         # (a valid card number is still BANK_CARD, which scores higher).
         PatternSpec("after_account_word", f"{ACCOUNT_WORD}(?:号码|码)?[：:\\s]{{0,3}}(?P<v>{D}(?:{SEP}?{D}){{5,29}}){NA}",
                     0.7, trusted=True, min_digits=6)),
        ("QQ", "微信", "社保卡", "医保卡", "病历号", "住院号", "准考证", "户号", "账号"),
        gate=f"{NUMBER_WORD}|{ACCOUNT_WORD}",
        group="any",
    ),
    EntitySpec(
        "DATE_OF_BIRTH",
        (PatternSpec("after_birth_word", f"{BIRTH_WORD}[：:\\s]{{0,3}}(?P<v>(?:19|20){D}{{2}}"
                                         f"(?:[-/.年]{D}{{1,2}}(?:[-/.月]{D}{{1,2}}日?|月)?|{D}{{4}}))(?![0-9])",
                     0.6, trusted=True),),
        ("出生日期", "出生年月", "生日"),
        gate=BIRTH_WORD,
    ),
)

SPEC_BY_ENTITY = {s.entity: s for s in SPECS}
ORG_ENTITIES = frozenset({"CN_USCC", "ORG_NAME"})
PERSONAL_ENTITIES = frozenset(s.entity for s in SPECS) - ORG_ENTITIES
# Ties in score go to the entity listed first in SPECS (an ID that also passes Luhn is an ID).
RANK = {s.entity: i for i, s in enumerate(SPECS)}


class Finding(NamedTuple):
    """One detected span of text (a named tuple: made by the hundred thousand, far cheaper than a dataclass)."""

    entity: str
    start: int
    end: int
    score: float


@functools.lru_cache(maxsize=1)
def _compiled():
    """(spec, gate, [(pattern, compiled, needs, first)]) per entity, compiled once. needs: the pattern's
    gate characters; first: characters of which every match holds one (prefilter.py), so a pattern is
    skipped by a set test against the text's characters instead of a full scan. (One
    alternation of an entity's rare patterns screened them before: on free text it matched often and
    cost as much as the patterns themselves.)"""
    out = []
    for spec in SPECS:
        gate = re.compile(spec.gate, FLAGS) if spec.gate else None
        patterns = [(p, compile_pattern(p.regex), frozenset(p.gate) or None, prefilter.screen(p.regex, FLAGS))
                    for p in spec.patterns]
        out.append((spec, gate, patterns))
    return out


def compile_pattern(pattern: str) -> re.Pattern:
    """How every pattern of the table is compiled, here and in recognizers.py."""
    return re.compile(pattern, FLAGS)


def value_span(m: re.Match) -> tuple:
    """The span of group "v" when the pattern has one (trigger words stay outside), else the match."""
    if "v" in m.re.groupindex and m.start("v") >= 0:
        return m.span("v")
    return m.span()


def match_span(entity: str, text: str, m: re.Match) -> Optional[tuple]:
    """The span a match stands for, or None (shared with recognizers.py, so both paths agree): group "v",
    the context check of names, and for addresses the cue words cut off and a district cut short made whole."""
    start, end = value_span(m)
    if start >= end or not span_allowed(entity, text, start, end):
        return None
    if entity == "CN_ADDRESS":
        start = addresses.widen(text, addresses.after_cue(text, start, end))
    elif entity == "PERSON" and end - start == 3 and text[start:start + 2] not in _COMPOUNDS \
            and names.opens_next_word(text, end):
        end -= 1  # 林坤|押金, 陈彬|提交: the third character opens the next word
    elif entity == "PERSON" and (dot := _DOTTED.search(text, start, end)):
        start, end = dotted_name_span(text, start, dot.start(), end)
    return start, end


_CUE_END = re.compile(f"(?:{CUE_BEFORE})$")
_CLAUSE_ADVERBS = frozenset("已曾将正于在向从对被把")  # 艾力|已于上月搬离: no transliteration uses them


def dotted_name_span(text: str, start: int, dot: int, end: int) -> tuple:
    """A dotted name's parts hold no ordinary words: a word or cue before it (市民|迪丽努尔·艾买提,
    被告人|玉素甫·艾力) or a verb, adverb or preposition after its first two characters (艾买提|陪同办理)
    belongs to the sentence. Words jieba tags as name parts (拉姆, 多吉) never end a name."""
    for i in range(dot - 2, start, -1):
        if names.sentence_word(text[i - 2:i]) or _CUE_END.search(text, 0, i):
            start = i
            break
    for i in range(dot + 3, end):
        if text[i] in _CLAUSE_ADVERBS or names.sentence_word(text[i:i + 2], "vdpct"):
            return start, i
    return start, end


def score_match(spec: EntitySpec, pattern: PatternSpec, text: str) -> Optional[float]:
    """Presidio's rule: validator True -> 1.0, False -> dropped (kept at the pattern's score when the
    pattern is trusted: 身份证号：+ 18 digits is an ID even with a mistyped check digit);
    invalidator True -> dropped."""
    score = pattern.score
    if spec.validator is not None:
        if spec.validator(text):
            score = 1.0
        elif not pattern.trusted:
            return None
    if spec.invalidator is not None and spec.invalidator(text, trusted=pattern.trusted):
        return None
    return score


# Cheap pre-checks shared by groups of entities: most table cells fail all three at once.
_EXCEL_EXPONENT = re.compile("[Ee]\\+?1[47]", FLAGS)
_DIGIT_RUN = re.compile(f"{D}(?:{SEP}?{D}){{5,}}", FLAGS)
_HAN = re.compile(HAN)
_LATIN_PAIR = re.compile("[A-Z][A-Za-z'\\-]+[ \\t]+[A-Z]")
_SEPS = " -－\u3000"
_DROP_SEPS = str.maketrans("", "", _SEPS)


def _groups(text: str) -> tuple[set, int]:
    """The cheap pre-checks, and the longest run of digits (separators allowed) for min_digits."""
    groups, run = set(), 0
    # A run of 6 digits or an Excel exponent (the digit runs are needed anyway for min_digits).
    digit_runs = _DIGIT_RUN.findall(text)
    if digit_runs or _EXCEL_EXPONENT.search(text):
        groups.add("num")
        run = max((len(g.translate(_DROP_SEPS)) for g in digit_runs), default=0)
    if "@" in text:
        groups.add("at")
    if not text.isascii() and _HAN.search(text):
        groups.update(("han", "name"))
    elif _LATIN_PAIR.search(text):  # English text: two capitalised words in a row (Emily Carter)
        groups.add("name")
    if len(text) >= 7:  # entities whose gate is their only pre-check: a 2-character word + 5 (QQ:12345)
        groups.add("any")
    return groups, run


def _has_short_line(text: str, n: int) -> bool:
    """Some line holds at most n characters besides spaces and tabs (`^` and `$` are per line)."""
    if "\n" not in text:
        return len(text.strip(" \t")) <= n
    return any(len(line.strip(" \t")) <= n for line in text.split("\n"))


def candidates(text: str, entities=None, tagger: bool = False) -> list[Finding]:
    """Every validated match of every pattern, overlaps included."""
    found = []
    groups, run = _groups(text)
    if not groups:
        return found
    present = set(text)  # one pass: each pattern's pre-check is then a set test
    for spec, gate, patterns in _compiled():
        if spec.group not in groups or (entities is not None and spec.entity not in entities):
            continue
        if gate is not None and not gate.search(text):
            continue
        for pattern, rx, needs, first in patterns:
            if pattern.min_digits > run or (needs is not None and needs.isdisjoint(present)):
                continue
            if first is not None and first.isdisjoint(present):
                continue
            if pattern.max_line and not _has_short_line(text, pattern.max_line):
                continue
            for m in rx.finditer(text):
                span = match_span(spec.entity, text, m)
                if span is None:
                    continue
                start, end = span
                score = score_match(spec, pattern, text[start:end])
                if score is not None:
                    found.append(Finding(spec.entity, start, end, score))
        if spec.entity == "PERSON":
            found.extend(extra_names(text, tagger))
            found.extend(related_names(text, [f for f in found if f.entity == "PERSON"]))
    return found


_HAN2 = re.compile(HAN + "{2}")
_COMPOUNDS = frozenset(names.COMPOUND_SURNAMES)
_DOTTED = re.compile(f"[{names.NAME_DOTS}]")
LIKELY_SCORE = 0.55
TAGGER_SCORE = 0.6


def span_allowed(entity: str, text: str, start: int, end: int) -> bool:
    """The context check after a pattern matched (shared with recognizers.py): a surname-led word that
    a place or organisation suffix continues (越秀|大队, 何家|浜村) is no person's name."""
    if entity != "PERSON" or end >= len(text) or _DOTTED.search(text, start, end):
        return True
    return not names.place_follows(text, end)


# The next name of a list after a found one (张伟、娜仁花共同签约; X与王祎离婚纠纷), and the previous one.
_JOINED_RX = re.compile(f"[{names.LIST_JOINERS}](?P<v>{NAME}|{ANY_NAME}|{LATIN_NAME})(?={NAME_CLOSE}|[{names.LIST_JOINERS}]"
                        f"|等|共同|之间|双方|{DISPUTE}|{PARTY_AFTER}|{CLAUSE_PREDICATE})", FLAGS)
_JOINED_BEFORE_RX = re.compile(f"(?:^|(?<=[^\u3400-\u9fff\U00020000-\U0003134f]))(?:{NAME}|{ANY_NAME})$", FLAGS)
RELATED_SCORE = 0.6


_ANY_NAME_RX = re.compile(f"{_GIVEN}{{2,4}}", FLAGS)  # any Han: _joined_before_word picks the end by words


def _joined_before_word(text: str, at: int) -> list:
    """A joined name of any characters that ends where a dictionary word starts (X与敖登格桑婚姻纠纷)."""
    m = _ANY_NAME_RX.match(text, at)
    if not m:
        return []
    words = names.word_pairs()
    for e in range(at + 2, m.end() + 1):
        if text[e:e + 2] in words and text[e - 1:e + 1] not in words:
            return [(at, e)]
    return []


def related_names(text: str, found: list) -> list[Finding]:
    """Names that a found name vouches for (shared with recognizers.PersonRecognizer): the names joined to it
    in a list, before and after, and its other mentions in the same text (虞某某与王某离婚…，虞某某每月支付)."""
    out, seen, todo = [], {(f.start, f.end) for f in found}, list(found)
    while todo:
        f = todo.pop()
        spans = []
        m = _JOINED_RX.match(text, f.end)
        if m:
            spans.append(m.span("v"))
        elif f.end < len(text) and text[f.end] in names.LIST_JOINERS:
            spans.extend(_joined_before_word(text, f.end + 1))
        if f.start >= 3 and text[f.start - 1] in names.LIST_JOINERS:
            b = _JOINED_BEFORE_RX.search(text, max(0, f.start - 6), f.start - 1)
            if b:
                spans.append(b.span())
        value, at = text[f.start:f.end], text.find(text[f.start:f.end])
        while len(value) >= 2 and at >= 0:
            spans.append((at, at + len(value)))
            at = text.find(value, at + 1)
        for s, e in spans:
            if (s, e) in seen or names.name_invalid(text[s:e]) or not span_allowed("PERSON", text, s, e):
                continue
            seen.add((s, e))
            g = Finding("PERSON", s, e, RELATED_SCORE)
            out.append(g)
            todo.append(g)
    return out


def extra_names(text: str, tagger: bool = False) -> list[Finding]:
    """Names that need more than one regex: likely names checked against word boundaries, and
    (tagger=True) jieba's person-name tags. Shared by find() and the Presidio PersonRecognizer."""
    if not _HAN2.search(text):
        return []
    out = likely_names(text)
    if tagger:
        out += [Finding("PERSON", s, e, TAGGER_SCORE) for s, e in names.tagged_spans(text)]
    # A weak name inside a division's name is the place (伊金霍洛旗, 崇礼区).
    return [f for f in out if not addresses.in_division(text, f.start, f.end)]


# A look-ahead finds candidates at every position, overlapping ones included.
# Consumes only the surname's first character (a plain class: `re` skips ahead to it) and looks ahead
# for the rest, so every start position is still tried.
_LIKELY_FIRST, _LIKELY_CONT = _surname_first(names.DISTINCT_COMPOUNDS, _SAFE_SINGLES).split("]", 1)
_LIKELY_RX = re.compile(
    f"{_LIKELY_FIRST}](?=(?P<rest>{_LIKELY_CONT}{_GIVEN_LIKELY}(?:(?!{_alt(names.NAME_STOPS)}){_GIVEN_LIKELY})?))",
    FLAGS)


def likely_names(text: str) -> list[Finding]:
    """Surname + common given-name characters, not glued to the words around them (过程中 is no 程中)."""
    out = []
    words, n = names.word_pairs(), len(text)  # `in words` is names.is_word: slices here are 2 long
    for m in _LIKELY_RX.finditer(text):
        s, e = m.start(), m.end("rest")
        if s and text[s - 1 : s + 1] in words:
            continue
        if e - s == 3 and e < n and text[e - 1 : e + 1] in words:
            e -= 1  # 王芳华丽 -> try 王芳
        if e < n and (text[e - 1 : e + 1] in words or names.place_follows(text, e)):
            continue
        if not names.name_invalid(text[s:e]):
            out.append(Finding("PERSON", s, e, LIKELY_SCORE))
    return out


def _merge_names(found) -> list:
    """A name inside a longer reading of a name is one name (索朗额 in 索朗额尔, 敖登 in 其其敖登): the longer
    reading, with the best score of them (partial overlaps are left to the scores)."""
    people = sorted((f for f in found if f.entity == "PERSON"), key=lambda f: (f.start, -f.end))
    if len(people) < 2:
        return found
    merged: list = []
    for f in people:
        last = merged[-1] if merged else None
        if last is not None and f.end <= last.end:
            if f.score > last.score:
                merged[-1] = last._replace(score=f.score)
        else:
            merged.append(f)
    return [f for f in found if f.entity != "PERSON"] + merged


def resolve(found) -> list[Finding]:
    """Non-overlapping findings: highest score, then entity rank, then longest wins; sorted by start.
    Overlapping names are merged first."""
    order = sorted(_merge_names(list(found)), key=lambda f: (-f.score, RANK.get(f.entity, 99), f.start - f.end, f.start))
    kept: list[Finding] = []
    for f in order:
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)


def find(text: str, entities=None, tagger: bool = False) -> list[Finding]:
    """The fast path: findings in `text` (optionally only these entity codes), non-overlapping.
    tagger=True adds jieba's person-name tags: better name recall in free text, about 10x slower."""
    if not text:
        return []
    return resolve(candidates(text, entities, tagger))


_FLOAT_SCI = re.compile(r"\s*([1-8])(?:\.(\d{1,17}))?[Ee]\+?(1[47])\s*")
_FLOAT_DEC = re.compile(r"\s*([1-8]\d{14}(?:\d{3})?)\.0+\s*")
_FLOAT_INT = re.compile(r"\s*([1-8]\d{14}(?:\d{3})?)\s*")


def looks_like_float_id(text: str) -> bool:
    """An ID that Excel turned into a float (1.10105E+17, 110105199001011234.0, trailing zeros)."""
    if not text or len(text) > 40:
        return False
    m = _FLOAT_SCI.fullmatch(text)
    if m:
        return m.group(3) == "17" or m.group(3) == "14"
    m = _FLOAT_DEC.fullmatch(text) or _FLOAT_INT.fullmatch(text)
    if not m:
        return False
    digits = m.group(1)
    # Excel keeps 15 significant digits: the rest became zeros, so the check digit is lost.
    if (len(digits) == 18 and digits.endswith("000")) or m.re is _FLOAT_DEC:
        birth = digits[6:14] if len(digits) == 18 else "19" + digits[6:12]
        return digits[:2] in _PROVINCES_CODES and date_ok(birth)
    return False


