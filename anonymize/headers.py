"""What a column's header says about its values: a compositional vocabulary of roles x attributes.

Departments label their columns; a column headed 身份证号 holds identity numbers even where a value has
a typo in its check digit or an odd format the detector does not know. Such a column is redacted whole
(every non-blank cell), unless its dataset declares it or asserts the kind organisational.

The vocabulary is built from what the standards name as personal information (GB/T 35273 annex B:
basic data, identity, contact, property, health, education and work, location; GB 11643 for the
identity number) and from how departments compose headers: a role (申请人, 监护人, 户主, 犬主 ...)
followed by an attribute (姓名, 电话, 地址, 证件号码 ...). A header is normalised (width, blanks,
numbering, units in brackets), split into alternatives (姓名/名称, 单位名称或姓名) and each part is read
from its end: the attribute decides the entity, the words before it whose it is (a person's role, an
organisation, a thing such as 犬只 or 车辆). A header ending in a kind word (号牌种类, 证件类型) describes a
kind, never the identifier itself. Every answer carries the rule that produced it, for the report.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class HeaderMatch:
    """What a header names. kind: personal | contact | org | org_contact | public_contact | nonperson |
    describes_kind | mixed | none.

    personal:     the column's values are the entity, whatever the rows are (户主姓名, 家庭住址, 联系人电话)
    contact:      an unqualified contact attribute (地址, 联系电话, 电子邮箱): a person's in a table of
                  persons, an institution's public contact in a table of institutions
    org:          names the row's organisation (机构名称, 单位名称)
    org_contact:  an organisation's own contact point (单位地址, 办公电话, 网址): kept in its rows
    public_contact: a service line or an authority's contact point (咨询电话, 经办机构电话): kept in every row
    nonperson:    an attribute of a thing, not a person (犬只出生日期, 犬名, 芯片编号)
    describes_kind: a category of the identifier (号牌种类, 证件类型), not the identifier
    mixed:        alternatives name a person or an organisation (单位名称或姓名): decided per row
    """
    kind: str
    entity: str | None = None
    rule: str = ""
    owner: str = ""  # role | qualifier | org | thing | "" : whose attribute the header says it is

    @property
    def personal_entity(self) -> str | None:
        """The entity when the header alone says the column is personal (else None)."""
        return self.entity if self.kind == "personal" else None

    @property
    def person_row_entity(self) -> str | None:
        """The entity in a person's row: also an unqualified contact attribute (地址, 联系电话)."""
        return self.entity if self.kind in ("personal", "contact") else None


NONE = HeaderMatch("none")

# Attributes, matched at the END of a normalised header part; the longest match wins (联系电话 over 电话).
_ATTRIBUTES = {
    "PERSON": "姓名 名字 签名 签字 真实姓名 曾用名 别名",
    "CN_RESIDENT_ID": "身份证 身份证号 身份证号码 身份证明号码 身份证件号码 公民身份号码 身份号码 居民身份证号"
                      " 居民身份证号码 证件号 证件号码 证件编号 证照号码 有效证件号码 身份证明 证件",
    "CN_PASSPORT": "护照 护照号 护照号码",
    "CN_HMT_PERMIT": "通行证 通行证号 通行证号码 回乡证 回乡证号 台胞证 台胞证号 居住证号",
    "BANK_CARD": "账号 帐号 账户 帐户 卡号 银行卡 银行卡号 银行账号 银行帐号 银行账户 代扣账号 收款账号"
                 " 开户账号 结算账号 存折号 社保卡金融账号",
    "EMAIL": "邮箱 电子邮箱 电子邮件 邮件 email e-mail mail 邮箱地址",
    "CN_MOBILE": "电话 手机 手机号 手机号码 电话号码 联系电话 联系方式 联系号码 联络电话 移动电话 固定电话"
                 " 座机 固话 tel phone mobile 电话号 联系手机",
    "CN_LICENSE_PLATE": "车牌 车牌号 车牌号码 号牌 号牌号码 牌照 牌照号 号码号牌",
    "CN_PERSONAL_NUMBER": "qq qq号 微信 微信号 社保卡号 医保卡号 社会保障卡号 社会保障号 社会保障号码 社保号"
                          " 社保编号 社保登记号 个人编号 个人社保编号 医保号 医保编号 就诊卡号 病历号 住院号 门诊号"
                          " 准考证号 考生号 考生编号 考号 学籍号 学号 驾驶证号 驾驶证号码 驾驶证 驾照号 残疾人证号"
                          " 残疾证号 工号",
    "DATE_OF_BIRTH": "出生日期 出生年月 出生年月日 生日 出生时间",
    "CN_ADDRESS": "地址 住址 住所 居所 居住地 现住址 现居住地址 居住地址 户籍地 户籍地址 户籍所在地 户口所在地"
                  " 家庭住址 家庭地址 联系地址 通讯地址 通信地址 邮寄地址 收件地址 送达地址 经常居住地 房屋坐落"
                  " 坐落 所在地 详细地址",
}
# Attributes that are an institution's public contact point when the organisation owns them.
_WEB = "网址 网站 主页 官网 网页 url 网站地址"
# Attribute words that say whose address/phone it is without a role: a person's home.
_PERSONAL_QUALIFIERS = "家庭 户籍 现居 居住 现住 个人 本人 家属 紧急 常住 户口 亲属 住宅"
# Person roles (GB/T 35273 examples and department forms); generic forms below catch 被征收人, 犬主.
_ROLES = (
    "申请人 共同申请人 被申请人 当事人 联系人 紧急联系人 法定代表人 法人代表 负责人 监护人 经办人 代办人 办事人"
    " 户主 家长 学生 考生 患者 病人 家属 配偶 子女 父亲 母亲 本人 个人 居民 村民 业主 车主 房主 犬主 驾驶人 驾驶员"
    " 投诉人 举报人 来电人 来访人 反映人 诉求人 被执行人 被告 原告 承租人 租户 购房人 借款人 担保人 持卡人 开户人"
    " 收款人 缴费人 参保人 被保险人 受益人 权利人 产权人 所有人 继承人 委托人 代理人 受托人 收件人 寄件人 员工 职工"
    " 教师 医生 志愿者 成员 人员 老人 儿童 婴儿 孕妇 死者 伤者 嫌疑人 当事者 求助人 救助对象 保障对象 对象"
).split()
_ROLE_END = re.compile("(?:人|者|主|员|户主|家长|对象)$")
# Words of an organisation: its name, its own contact points, its code.
_ORG_WORDS = ("单位 企业 公司 机构 机关 部门 学校 医院 院校 幼儿园 办公 值班 服务 咨询 监督 热线 客服 门店 网点"
              " 窗口 法院 中心 商户 店铺 场所 经营 商家 社区 村委 居委 政府 受理 投诉受理 举报受理 总机 传真").split()
# Things whose attributes are not a person's (犬只出生日期, 车辆号牌 is a plate: see _THING_PLATE).
_THINGS = ("犬 犬只 宠物 动物 芯片 免疫 车辆 机动车 车架 发动机 房屋 不动产 建筑 项目 设备 产品 药品 货物 船舶"
           " 许可 文书 决定书 案件 合同 预约 订单 批次 工单 登记证 证书 执照 许可证 批文 档案 标的").split()
# Identifiers that a thing carries and that are personal even so (车辆号牌 is the owner's plate).
_THING_PERSONAL = frozenset({"CN_LICENSE_PLATE"})
# Names of things (犬名, 项目名称) and codes of things (芯片编号, 登记证号): not a person's.
_THING_ATTRS = "名 名称 名字 昵称 编号 编码 代码 号码 号 证号 文号"
# A header that ends in one of these describes a kind or a class, not an identifier (号牌种类, 证件类型).
_KIND_END = re.compile("(?:种类|类型|类别|性质|分类|类)$")
# Contact points that are public whoever the row is: an authority handling the case (经办机构电话,
# 受理单位地址) or a service line (咨询电话, 值班电话, 投诉热线).
_PUBLIC_LINE = re.compile("(?:经办|受理|发证|登记|主管|监管|承办|审批|执法|管理)(?:机构|机关|部门|单位|中心|窗口)"
                          "|咨询|值班|服务热线|热线|投诉|举报|监督|客服|总机|传真")
# 是否党员, 有无监护人: a yes/no question; 申请人数, 户主年龄: a count or a measure of someone.
_QUESTION = re.compile("是否|有无|是不是|能否")
_MEASURE_END = re.compile("(?:人数|户数|次数|数量|人次|年龄|比例|占比|金额|面积|天数|月数|时长|率)$")
_ORG_NAME_END = re.compile("(?:名称|单位|机构|企业|学校|医院)$")
# An organisation's own identifiers (统一社会信用代码, 组织机构代码): the org half of 身份证号码/组织机构代码.
_ORG_ID_END = re.compile("(?:统一社会信用代码|社会信用代码|信用代码|组织机构代码|机构代码|营业执照号码?|注册号|税号|纳税人识别号)$")
# Social-insurance numbers compose a scheme with a number word (社保登记编号, 医保个人编号, 公积金账号).
_INSURANCE_NUMBER = re.compile("(?:社保|医保|社会保障|社会保险|参保|公积金|养老保险|医疗保险)[^单企]{0,4}(?:编号|号码|号|账号|帐号)$")

_BRACKETS = re.compile(r"[(\[{（【〔［｛《<]([^)\]}）】〕］｝》>]*)[)\]}）】〕］｝》>]")
_NUMBERING = re.compile(r"^(?:[0-9]+|[一二三四五六七八九十]+)[.、．:：)）]\s*|^[(（][0-9一二三四五六七八九十]+[)）]")
_UNIT = re.compile(r"^(?:万?元|人民币|万元|元/.*|㎡|m2|m²|平方米|平米|亩|公顷|岁|人|户|个|次|天|日|月|年|小时|分钟|%|kg|公斤|吨|km|公里|米|cm|厘米|份|件|张|选填|必填|可选|非必填)$")
_SPLIT = re.compile("(?:/|／|\\||或者|或|、|；|;|,|，|及|以及)")
_NOISE = re.compile(r"[\s*＊※:：#№\"'“”‘’\-_—·.]")


def normalize(header: str) -> list[str]:
    """The parts of a header to read, each normalised: '（1）被执行人姓名/名称（元）' -> ['被执行人姓名', '名称']."""
    h = unicodedata.normalize("NFKC", header).strip().lower()
    h = _NUMBERING.sub("", h)
    extra = []

    def bracket(m: re.Match) -> str:
        inner = _NOISE.sub("", m.group(1))
        if inner and not _UNIT.match(inner):
            extra.append(inner)  # 法定代表人（负责人）: the bracket is an alternative
        return ""

    h = _BRACKETS.sub(bracket, h)
    parts = [_NOISE.sub("", p) for p in _SPLIT.split(h)] + extra
    return [p for p in parts if p]


def _ends(words: str | list) -> re.Pattern:
    ws = words.split() if isinstance(words, str) else words
    return re.compile("(?:" + "|".join(sorted(map(re.escape, ws), key=len, reverse=True)) + ")$")


def _any(words: str | list) -> re.Pattern:
    ws = words.split() if isinstance(words, str) else words
    return re.compile("|".join(sorted(map(re.escape, ws), key=len, reverse=True)))


_ATTR_RX = {e: _ends(w) for e, w in _ATTRIBUTES.items()}
_WEB_RX = _ends(_WEB)
_ROLE_RX = _any(_ROLES)
_ROLE_ONLY = re.compile("(?:" + "|".join(sorted(map(re.escape, _ROLES), key=len, reverse=True)) + ")(?:姓名|名字)?$")
_ORG_RX = _any(_ORG_WORDS)
_THING_RX = _any(_THINGS)
_THING_ATTR_RX = _ends(_THING_ATTRS)
_PERSONAL_Q_RX = _any(_PERSONAL_QUALIFIERS)


def _attribute(part: str) -> tuple[str, str] | None:
    """(entity, attribute word) of the longest attribute the part ends with."""
    best = None
    for entity, rx in _ATTR_RX.items():
        m = rx.search(part)
        if m and (best is None or len(m.group()) > len(best[1])):
            best = (entity, m.group())
    return best


def _owner(prefix: str) -> tuple[str, str] | None:
    """Whose attribute it is, from the words before it: ('role'|'org'|'thing'|'personal', word)."""
    m = _ROLE_RX.search(prefix)
    if m:
        return "role", m.group()
    if _ROLE_END.search(prefix):
        return "role", prefix
    m = _ORG_RX.search(prefix)
    if m:
        return "org", m.group()
    m = _THING_RX.search(prefix)
    if m:
        return "thing", m.group()
    m = _PERSONAL_Q_RX.search(prefix)
    if m:
        return "personal", m.group()
    return None


def classify_part(part: str) -> HeaderMatch:
    """One normalised header part (see normalize)."""
    if _QUESTION.match(part) or _MEASURE_END.search(part):
        return HeaderMatch("none", None, f"'{part}' asks a question or counts: no identifier")
    m = _KIND_END.search(part)
    if m:
        return HeaderMatch("describes_kind", None, f"'{part}' ends in kind word '{m.group()}': describes a kind")
    m = _ORG_ID_END.search(part)
    if m:
        return HeaderMatch("org", "ORG_ID", f"'{m.group()}': an organisation's identifier", "org")
    attr = _attribute(part)
    if attr is None and _INSURANCE_NUMBER.search(part) and not _ORG_RX.search(part):
        attr = ("CN_PERSONAL_NUMBER", _INSURANCE_NUMBER.search(part).group())
    if attr is None:
        web = _WEB_RX.search(part)
        if web:
            return HeaderMatch("org_contact", "URL", f"'{web.group()}': an organisation's website")
        role = _ROLE_ONLY.search(part)
        if role or (_ROLE_END.search(part) and len(part) <= 6 and not _ORG_RX.search(part)
                    and not _THING_RX.search(part)):
            word = role.group() if role else part
            return HeaderMatch("personal", "PERSON", f"role '{word}' names a person", "role")
        if _THING_RX.search(part) and _THING_ATTR_RX.search(part):
            return HeaderMatch("nonperson", None, f"'{part}': a thing's name or code, not a person's", "thing")
        if _ORG_NAME_END.search(part):
            return HeaderMatch("org", "ORG_NAME", f"'{part}' names an organisation", "org")
        return NONE
    entity, word = attr
    prefix = part[: len(part) - len(word)]
    owner = _owner(prefix)
    if owner is None and _PERSONAL_Q_RX.search(word):
        owner = "personal", _PERSONAL_Q_RX.search(word).group()  # 家庭住址, 户籍地址
    if owner is None:
        if entity in ("CN_ADDRESS", "CN_MOBILE", "EMAIL"):
            return HeaderMatch("contact", entity, f"attribute '{word}' ({entity}), owner decided by the rows")
        return HeaderMatch("personal", entity, f"attribute '{word}' ({entity})")
    how, who = owner
    if how == "role" or how == "personal":
        how = "role" if how == "role" else "qualifier"
        return HeaderMatch("personal", entity, f"{how} '{who}' x attribute '{word}' ({entity})", how)
    if how == "org":
        if entity in ("CN_ADDRESS", "CN_MOBILE", "EMAIL") and _PUBLIC_LINE.search(prefix):
            return HeaderMatch("public_contact", entity, f"'{part}': a public service line or authority's "
                                                         "contact point, in every row", "org")
        if entity in ("CN_ADDRESS", "CN_MOBILE", "EMAIL"):
            return HeaderMatch("org_contact", entity, f"organisation word '{who}' x attribute '{word}': "
                                                      "the organisation's own contact point", "org")
        if entity == "PERSON":
            return HeaderMatch("personal", entity, f"organisation word '{who}' x attribute '{word}' (a person)", "role")
        return HeaderMatch("org", entity, f"organisation word '{who}' x attribute '{word}'", "org")
    if entity in _THING_PERSONAL:
        return HeaderMatch("personal", entity, f"thing '{who}' x attribute '{word}' ({entity}: its owner's)", "thing")
    if entity == "CN_ADDRESS":  # where a thing is (养犬地址, 房屋坐落) is where its owner is, or an institution
        return HeaderMatch("contact", entity, f"thing '{who}' x attribute '{word}': owner decided by the rows", "thing")
    return HeaderMatch("nonperson", None, f"thing '{who}' x attribute '{word}': not a person's", "thing")


@functools.lru_cache(maxsize=4096)
def classify(header: str) -> HeaderMatch:
    """The header's meaning, combining its alternatives: a person part and an organisation part make
    a mixed column (decided per row); otherwise the most protective part wins."""
    parts = [classify_part(p) for p in normalize(header)]
    parts = [p for p in parts if p.kind != "none"] or [NONE]
    kinds = {p.kind for p in parts}
    if len(parts) > 1 and {"personal", "contact"} & kinds and {"org", "org_contact", "public_contact"} & kinds:
        person = next(p for p in parts if p.kind in ("personal", "contact"))
        return HeaderMatch("mixed", person.entity, "alternatives: " + "; ".join(p.rule for p in parts))
    for kind in ("personal", "contact", "org_contact", "public_contact", "org", "nonperson", "describes_kind"):
        for p in parts:
            if p.kind == kind:
                return p
    return parts[0]


def header_entity(header: str) -> str | None:
    """The personal entity a header names (None: the header says nothing, or names an organisation's)."""
    return classify(header).personal_entity


# Cells that hold no value: they stay as they are (and are still scanned).
BLANK_MARKERS = frozenset("无 -- - — —— / \\ 不详 未知 匿名 暂无 空 无名 null none n/a na nan 0".split())


def is_blank(value: str) -> bool:
    v = value.strip()
    return not v or v.lower() in BLANK_MARKERS
