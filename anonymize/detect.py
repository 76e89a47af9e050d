"""Fast detection of Chinese personal identifiers: one pattern table shared with the Presidio recognizers."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Optional

import regex

from anonymize import names
from anonymize.checksums import date_ok, luhn_ok, normalize_digits, resident_id15_ok, resident_id_ok, uscc_ok

# Presidio compiles with the `regex` module too; these flags are what recognizers.py passes it.
FLAGS = regex.DOTALL | regex.MULTILINE

# Building blocks. Full-width digits are matched directly so offsets stay those of the input.
D = "[0-9０-９]"
SEP = "[ \\-－\u3000]"
# Explicit boundaries: \b is no boundary between 汉字 and digits.
NB = "(?<![0-9０-９A-Za-zＡ-Ｚａ-ｚ])"
NA = "(?![0-9０-９A-Za-zＡ-Ｚａ-ｚ])"
# Numbers may follow letters (tel13812345678, ID110105...): only a digit or a decimal point blocks them.
NB_NUM = "(?<![0-9０-９])(?<![0-9]\\.)"
PLATE_LETTER = "[A-HJ-NP-Z]"
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Chinese numerals count as digits in addresses (三号楼, 二单元).
N = "[0-9０-９一二三四五六七八九十百零〇]"
Z = "[0０]"


def _alt(words) -> str:
    """Alternation of literal words, longest first so that 股份有限公司 wins over 公司."""
    return "(?:" + "|".join(sorted({regex.escape(w) for w in words}, key=len, reverse=True)) + ")"


# Han characters that cannot be part of a place or organisation name: they end the sentence before it.
_PLACE_STOPS = "在住于的是到从向往了与及或被把将称我他她们其该此这那无对给让经据由请要因映诉址话近旁年月日时"
H = f"[\\p{{Han}}--[{_PLACE_STOPS}]]"
SURNAME = _alt(names.COMPOUND_SURNAMES) + "|[" + "".join(sorted(names.SINGLE_SURNAMES)) + "]"
SAFE_SURNAME = _alt(names.COMPOUND_SURNAMES) + "|[" + "".join(sorted(names.SINGLE_SURNAMES - names.RISKY_SURNAMES)) + "]"
_GIVEN = "[\\p{Han}--[某X×＊]]"
NAME_CHAR = f"(?:(?!{_alt(names.NAME_STOPS)}){_GIVEN})"
NAME = f"(?:{SURNAME}){_GIVEN}(?:(?!{_alt(names.NAME_STOPS)}){_GIVEN})?"
SAFE_NAME = f"(?:{SAFE_SURNAME}){_GIVEN}(?:(?!{_alt(names.NAME_STOPS)}){_GIVEN})?"
# Where a trigger-less name may begin: not inside a word (安全保障 is no 全保障).
CLAUSE_START = "(?:(?<![\\p{Han}])|(?<=[的了和与及由向给让把被对为请经据跟同找叫将在从]))"
_MINORITY_STOPS = _alt(names.CUE_AFTER + "的 在 于 是 和 与 及 电话 手机 身份 家住 住".split())
_GIVEN_LIKELY = "[" + "".join(sorted(names.GIVEN_CHARS)) + "]"
LIKELY_NAME = f"(?:{SURNAME}){_GIVEN_LIKELY}(?:(?!{_alt(names.NAME_STOPS)}){_GIVEN_LIKELY})?"
CUE_BEFORE = _alt(names.CUE_BEFORE)
# A surname-led word followed by one of these is part of a place name (东丽区, 通辽路).
PLACE_SUFFIX_CHARS = "区县市镇乡村路街巷弄道省州港湾岛山江河湖桥站场园苑"
NOT_PLACE = f"(?![{PLACE_SUFFIX_CHARS}]|哈尔|浩特)"
CUE_AFTER = _alt(names.CUE_AFTER)
MINORITY_NAME = f"{H}{{1,6}}[·•・](?:(?!{_MINORITY_STOPS}){_GIVEN}){{1,10}}"
TRIGGER = _alt(names.TRIGGERS) + "(?:姓名|名字)?(?:是|为|系|叫)?[：:\\s]{0,3}"
SPEECH = _alt("反映 来电 来信 来访 投诉 举报 咨询 诉称 称 表示 说 要求 申请 报警 求助".split())

# Last characters of place, organisation and status words that a whole cell might hold.
CELL_NOT_NAME_END = "[区县市镇乡村路街道巷号室楼省局厅处科所站园店厂司部院校中心类型费率额]"
ROAD = "(?:路|街|大街|大道|道|巷|弄|胡同|里|坊)"
ESTATE = "(?:小区|花园|公寓|大厦|苑|园|城|广场|新村|家园|府|庭|湾|公馆|大楼|中心|村)"
UNIT = f"(?:{N}{{1,4}}(?:幢|栋|号楼|座|单元|楼|层|室|号|户|号房)|[-－]{N}{{1,4}}|[A-Za-z]座)"
HOUSE = f"{N}{{1,5}}(?:[-－之]{N}{{1,4}})?号"
ORG_SUFFIX = _alt(
    "股份有限公司 有限责任公司 有限公司 分公司 公司 集团 专业合作社 合作社 联合社 事务所 工作室 经营部 门市部"
    " 商行 银行 支行 分行 医院 卫生院 学校 小学 中学 大学 学院 幼儿园 研究院 研究所 协会 商会 委员会 厂"
    " 有限合伙".split()
)
ORG_CHAR = f"[{H}A-Za-z0-9（）()]"


@dataclass(frozen=True)
class PatternSpec:
    """One regex of an entity, with the score a match gets before validation."""

    name: str
    regex: str
    score: float

    def __post_init__(self):
        # VERSION1 inline, so set difference ([\p{Han}--[的]]) means the same wherever it is compiled.
        if not self.regex.startswith("(?V1)"):
            object.__setattr__(self, "regex", "(?V1)" + self.regex)


@dataclass(frozen=True)
class EntitySpec:
    """Everything that defines one entity; recognizers.py and the fast path both read it."""

    entity: str
    patterns: tuple
    context: tuple = ()
    validator: Optional[Callable[[str], bool]] = None  # checksum: True -> score 1.0, False -> dropped
    invalidator: Optional[Callable[[str], bool]] = None  # plausibility: True -> dropped
    gate: str = ""  # fast path only: a match is impossible unless this regex is found


def _resident_id_valid(s: str) -> bool:
    """Dispatch on the written form: 18 digits, legacy 15 digits, or an Excel float."""
    if looks_like_float_id(s):
        return True
    t = normalize_digits(s)
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


def _bank_card_invalid(s: str) -> bool:
    """An 18-digit number shaped like a resident ID (province, birth date) whose check digit failed."""
    t = normalize_digits(s)
    return len(t) == 18 and _area_ok(t) and date_ok(t[6:14])


def _plate_invalid(s: str) -> bool:
    """Real plates carry at most two letters after the issuing-authority letter."""
    tail = normalize_digits(s)[2:]
    return sum(c.isalpha() for c in tail) > 2 or not any(c.isdigit() for c in tail)


def _name_invalid(s: str) -> bool:
    """Not a name: a common word (信息, 时代, 家属), or ending like a place (东丽区, 王路)."""
    if "·" in s or "•" in s or "・" in s:
        return False
    if s[-1] in _PLACE_END:
        return True
    if s[:2] in _COMPOUND:
        return False
    if s[:2] in names.NOT_NAMES or s in names.NOT_NAMES:
        return True
    if _common_word(s) or (len(s) == 3 and _function_word(s[1:])):
        return True
    # 管部门, 时提出: a risky surname character followed by a common word.
    if len(s) == 3 and s[0] in names.RISKY_SURNAMES and _common_word(s[1:]):
        return True
    # 高速路: the first two characters are a frequent word; 徐海燕 (徐海, a rare place) stays a name.
    return len(s) == 3 and _common_word(s[:2]) and _jieba_freq(s[:2]) >= 1000


_PLACE_END = frozenset("区县市镇乡村路街巷弄号室楼省厅局港湾")


_COMPOUND = frozenset(names.COMPOUND_SURNAMES)


@functools.lru_cache(maxsize=65536)
def _common_word(w: str) -> bool:
    """jieba's dictionary knows the word and does not tag it as a person name."""
    tag = _jieba_tags().get(w)
    if tag is None:
        return False
    # jieba tags some frequent words as names (智慧, 师傅): a real name is rarely that frequent.
    return _jieba_freq(w) >= 1000 or (not tag.startswith("nr") and _jieba_freq(w) >= 30)


def _function_word(w: str) -> bool:
    """多次, 明天: a frequent adverb/numeral/time word cannot be a given name."""
    tag = _jieba_tags().get(w)
    return tag is not None and tag[0] in "mdpcurqft" and _jieba_freq(w) >= 2000


@functools.lru_cache(maxsize=1)
def _jieba_tags() -> dict:
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)
    jieba.dt.check_initialized()
    return jieba.posseg.dt.word_tag_tab


def _jieba_freq(w: str) -> int:
    import jieba

    return jieba.dt.FREQ.get(w, 0) or 0


SPECS: tuple = (
    EntitySpec(
        "CN_RESIDENT_ID",
        (
            PatternSpec("id18", f"{NB_NUM}[1-8１-８](?:{SEP}?{D}){{16}}{SEP}?[0-9０-９XxＸｘ]{NA}", 0.5),
            PatternSpec("id15", f"{NB_NUM}[1-7１-７](?:{SEP}?{D}){{14}}{NA}", 0.3),
            PatternSpec("excel_float", f"{NB_NUM}[1-8](?:\\.{D}{{1,17}})?[Ee]\\+?1[47]{NA}", 0.3),
            PatternSpec("excel_float", f"{NB_NUM}[1-8]{D}{{14}}(?:{D}{{3}})?\\.0+{NA}", 0.3),
        ),
        ("身份证", "身份证号", "身份证号码", "公民身份号码", "证件号码", "居民身份证"),
        validator=_resident_id_valid,
        gate=D,
    ),
    EntitySpec(
        "CN_USCC",
        (PatternSpec("uscc", f"{NB}[0-9A-HJ-NPQRTUWXY]{{2}}{D}{{6}}[0-9A-HJ-NPQRTUWXY]{{10}}{NA}", 0.3),),
        ("统一社会信用代码", "信用代码", "社会信用代码"),
        validator=uscc_ok,
        gate=D,
    ),
    EntitySpec(
        "BANK_CARD",
        (
            PatternSpec("iin", f"{NB_NUM}(?:[6６][2２]|[4４]{D}|[5５][1-5１-５]|[3３][5５]|[6６][0０]|[9９][4-5４-５])(?:{SEP}?{D}){{14,17}}{NA}", 0.4),
            PatternSpec(
                "after_card_word",
                f"(?:卡号|银行卡|账号|帐号|银行账户|卡)(?:号码|号)?[：:\\s]{{0,3}}\\K{D}(?:{SEP}?{D}){{15,18}}{NA}",
                0.4,
            ),
        ),
        ("银行卡", "卡号", "账号", "帐号", "开户行", "银行账户"),
        validator=_bank_card_valid,
        invalidator=_bank_card_invalid,
        gate=D,
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
        gate="@",
    ),
    EntitySpec(
        "CN_MOBILE",
        (
            PatternSpec(
                "mobile",
                f"{NB_NUM}(?:(?:\\+|＋|00|００)[8８][6６]{SEP}?|[(（][+＋]?[8８][6６][)）]{SEP}?)?[1１][3-9３-９]{D}(?:{SEP}?{D}){{8}}{NA}",
                0.85,
            ),
        ),
        ("手机", "手机号", "手机号码", "联系电话", "电话", "联系方式", "移动电话"),
        gate=D,
    ),
    EntitySpec(
        "CN_PASSPORT",
        (
            PatternSpec("passport", f"{NB}(?:[EG]{D}{{8}}|E{PLATE_LETTER}{D}{{7}}){NA}", 0.7),
            PatternSpec("after_passport_word", f"护照(?:号码|号)?[：:\\s]{{0,3}}\\K[A-Z]{{1,2}}{D}{{7,8}}{NA}", 0.7),
        ),
        ("护照", "护照号", "护照号码"),
        gate=D,
    ),
    EntitySpec(
        "CN_HMT_PERMIT",
        (
            PatternSpec("permit", f"{NB}(?:C{D}{{8}}|C{PLATE_LETTER}{D}{{7}}|[HM]{D}{{8}}(?:{D}{{2}})?){NA}", 0.7),
            PatternSpec(
                "after_permit_word",
                f"(?:通行证|回乡证|台胞证|居住证|居民来往内地|居民来往大陆)(?:号码|号)?[：:\\s]{{0,3}}"
                f"\\K(?:[A-Z]{{1,2}}{D}{{7,10}}|{D}{{8}}(?:{D}{{2}})?[A-Z]?){NA}",
                0.7,
            ),
        ),
        ("港澳通行证", "回乡证", "台胞证", "通行证"),
        gate=D,
    ),
    EntitySpec(
        "CN_LICENSE_PLATE",
        (
            PatternSpec(
                "plate",
                f"{NB}[{PROVINCES}]{PLATE_LETTER}[·•・\\-\\s]?"
                f"(?:[DF][A-HJ-NP-Z0-9]{D}{{4}}|{D}{{5}}[DF]|[A-HJ-NP-Z0-9]{{4}}[A-HJ-NP-Z0-9挂学警港澳]){NA}",
                0.75,
            ),
        ),
        ("车牌", "车牌号", "号牌", "车辆"),
        invalidator=_plate_invalid,
        gate=f"[{PROVINCES}]",
    ),
    EntitySpec(
        "ORG_NAME",
        (PatternSpec("org", f"{ORG_CHAR}{{2,30}}?{ORG_SUFFIX}", 0.7),),
        ("公司", "单位", "企业"),
        gate=ORG_SUFFIX,
    ),
    EntitySpec(
        "PERSON",
        (
            PatternSpec("after_trigger", f"{TRIGGER}\\K(?:{MINORITY_NAME}|{NAME})", 0.85),
            PatternSpec("before_speech", f"(?<![\\p{{Han}}])(?:{SAFE_NAME})(?=(?:先生|女士)?{SPEECH})", 0.75),
            PatternSpec("minority", MINORITY_NAME, 0.75),
            PatternSpec("whole_cell", f"^[ \\t]*\\K(?:{NAME}|{MINORITY_NAME})(?<!{CELL_NOT_NAME_END})(?=[ \\t]*$)", 0.7),
            PatternSpec(
                "after_cue", f"(?:{CUE_BEFORE}|(?<![\\p{{Han}}]){_alt(names.CUE_BEFORE_CLAUSE)})\\K(?:{NAME}){NOT_PLACE}", 0.7
            ),
            PatternSpec("before_cue", f"{CLAUSE_START}(?:{SAFE_NAME})(?={CUE_AFTER})", 0.7),
            PatternSpec("leading", f"(?:^|(?<=[。；;!！?？\\n]))[ \\t]*\\K(?:{SAFE_NAME})(?=[ \\t]*[，,:：；;])", 0.6),
            PatternSpec(
                "clause_subject",
                f"(?:^|(?<=[，,。；;：:！!？?\\s]))(?:{SAFE_NAME})(?={_alt(names.CLAUSE_PREDICATES)})",
                0.6,
            ),
            PatternSpec("compound_surname", f"{_alt(names.DISTINCT_COMPOUNDS)}{NAME_CHAR}{{1,2}}", 0.7),
            PatternSpec("listed_after_trigger", f"(?<={TRIGGER}(?:(?:{NAME})、)+)(?:{NAME})", 0.7),
            PatternSpec("listed_before_cue", f"(?:{NAME})(?=(?:、(?:{NAME}))+(?:等|{CUE_AFTER}))", 0.7),
        ),
        ("姓名", "联系人", "申请人", "投诉人", "来电人", "当事人"),
        invalidator=_name_invalid,
        gate="\\p{Han}",
    ),
    EntitySpec(
        "CN_ADDRESS",
        (
            PatternSpec(
                "road",
                f"(?:{H}|{N}){{0,25}}?{ROAD}(?:{N}{{1,5}}弄)?{HOUSE}(?:{H}{{0,10}}?{ESTATE})?{UNIT}*",
                0.7,
            ),
            PatternSpec("estate", f"{H}{{1,20}}?{ESTATE}{N}{{1,4}}(?:幢|栋|号楼|座|[-－]{N}{{1,4}}){UNIT}*", 0.7),
            PatternSpec("village", f"{H}{{1,20}}?村(?:{N}{{1,3}}组|{H}{{1,4}}组)?{HOUSE}{UNIT}*", 0.7),
        ),
        ("地址", "住址", "家住", "现住", "居住地", "户籍地", "住所"),
        gate=f"[号室幢栋层座]|单元|{D}[-－]{D}",
    ),
    EntitySpec(
        "CN_LANDLINE",
        (
            PatternSpec(
                "landline",
                f"{NB_NUM}(?:{Z}(?:[1１][0０]|[2２]{D}|[3-9３-９]{D}{{2}}){SEP}?|[(（]{Z}{D}{{2,3}}[)）]{SEP}?)[2-9２-９]{D}{{6,7}}"
                f"(?:(?:转|-){D}{{1,5}})?{NA}",
                0.4,
            ),
            PatternSpec(
                "after_phone_word",
                f"(?:电话|座机|固话|联系方式|Tel|TEL)(?:号码)?[：:\\s]{{0,3}}\\K[2-9２-９]{D}{{6,7}}{NA}",
                0.4,
            ),
        ),
        ("电话", "座机", "固话", "联系电话", "联系方式"),
        gate=D,
    ),
)

SPEC_BY_ENTITY = {s.entity: s for s in SPECS}
ORG_ENTITIES = frozenset({"CN_USCC", "ORG_NAME"})
PERSONAL_ENTITIES = frozenset(s.entity for s in SPECS) - ORG_ENTITIES
# Ties in score go to the entity listed first in SPECS (an ID that also passes Luhn is an ID).
RANK = {s.entity: i for i, s in enumerate(SPECS)}


@dataclass(frozen=True)
class Finding:
    """One detected span of text."""

    entity: str
    start: int
    end: int
    score: float


@functools.lru_cache(maxsize=1)
def _compiled():
    """(spec, gate, [(pattern, compiled)]) per entity, compiled once."""
    out = []
    for spec in SPECS:
        gate = regex.compile(spec.gate, FLAGS) if spec.gate else None
        out.append((spec, gate, [(p, regex.compile(p.regex, FLAGS)) for p in spec.patterns]))
    return out


def score_match(spec: EntitySpec, pattern: PatternSpec, text: str) -> Optional[float]:
    """Presidio's rule: validator True -> 1.0, False -> dropped; invalidator True -> dropped."""
    score = pattern.score
    if spec.validator is not None:
        if not spec.validator(text):
            return None
        score = 1.0
    if spec.invalidator is not None and spec.invalidator(text):
        return None
    return score


def candidates(text: str, entities=None) -> list[Finding]:
    """Every validated match of every pattern, overlaps included."""
    found = []
    for spec, gate, patterns in _compiled():
        if entities is not None and spec.entity not in entities:
            continue
        if gate is not None and not gate.search(text):
            continue
        for pattern, rx in patterns:
            for m in rx.finditer(text):
                start, end = m.span()
                if start == end:
                    continue
                score = score_match(spec, pattern, text[start:end])
                if score is not None:
                    found.append(Finding(spec.entity, start, end, score))
        if spec.entity == "PERSON" and USE_TAGGER:
            found.extend(extra_names(text))
    return found


_HAN2 = regex.compile("\\p{Han}{2}")
_SAFE_SURNAME_CHARS = (names.SINGLE_SURNAMES - names.RISKY_SURNAMES) | frozenset(c[0] for c in names.COMPOUND_SURNAMES)
TAGGER_SCORE = 0.6
USE_TAGGER = False
_PLACE_SUFFIX = frozenset(PLACE_SUFFIX_CHARS) - {""}


def extra_names(text: str) -> list[Finding]:
    """Names without a trigger word, from jieba's person-name tag, filtered by surname and dictionary."""
    if not _HAN2.search(text):
        return []
    out, pos = [], 0
    for word, flag in _posseg_cut(text):
        n = len(word)
        after = text[pos + n: pos + n + 1]
        if flag == "nr" and 2 <= n <= 3 + (word[:2] in _COMPOUND) and word[0] in _SAFE_SURNAME_CHARS \
                and after not in _PLACE_SUFFIX and not _name_invalid(word):
            out.append(Finding("PERSON", pos, pos + n, TAGGER_SCORE))
        pos += n
    return out


def _posseg_cut(text: str):
    _jieba_tags()  # initialises jieba quietly
    import jieba.posseg

    return ((p.word, p.flag) for p in jieba.posseg.dt.cut(text))


def resolve(found) -> list[Finding]:
    """Non-overlapping findings: highest score, then entity rank, then longest wins; sorted by start."""
    order = sorted(found, key=lambda f: (-f.score, RANK.get(f.entity, 99), f.start - f.end, f.start))
    kept: list[Finding] = []
    for f in order:
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)


def find(text: str, entities=None) -> list[Finding]:
    """The fast path: findings in `text` (optionally only these entity codes), non-overlapping."""
    if not text:
        return []
    return resolve(candidates(text, entities))


_FLOAT_SCI = regex.compile(r"\s*([1-8])(?:\.(\d{1,17}))?[Ee]\+?(1[47])\s*")
_FLOAT_DEC = regex.compile(r"\s*([1-8]\d{14}(?:\d{3})?)\.0+\s*")
_FLOAT_INT = regex.compile(r"\s*([1-8]\d{14}(?:\d{3})?)\s*")


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


