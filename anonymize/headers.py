"""What a column's header says about its values: 身份证号, 手机号码, 姓名 ... name an identifier column.

Departments label their columns; a column headed 身份证号 holds identity numbers even where a value has
a typo in its check digit or an odd format the detector does not know. Such a column is redacted whole
(every non-blank cell), unless its dataset declares it or asserts the kind organisational.
"""
from __future__ import annotations

import re

# (entity, header words), most specific first: 联系人电话 is a phone column, 联系人 a name column.
_KINDS = (
    ("CN_RESIDENT_ID", "身份证 身份号码 证件号 证件编号 公民身份号码 证照号码 居民身份"),
    ("CN_PASSPORT", "护照"),
    ("CN_HMT_PERMIT", "通行证 回乡证 台胞证"),
    ("BANK_CARD", "银行卡 银行账号 银行帐号 银行账户 卡号 开户账号"),
    ("EMAIL", "邮箱 电子邮件 email e-mail mail"),
    ("CN_MOBILE", "手机 移动电话 电话 联系方式 联系号码 手机号"),
    ("CN_LICENSE_PLATE", "车牌 号牌 牌照"),
    ("CN_PERSONAL_NUMBER", "qq 微信 社保卡 医保卡 社会保障卡 就诊卡 病历号 住院号 门诊号 准考证 考生号 学籍号 学号"),
    ("DATE_OF_BIRTH", "出生日期 出生年月 生日 出生时间"),
    ("PERSON", "姓名 名字 联系人 申请人 投诉人 举报人 来电人 来访人 反映人 诉求人 户主 法定代表人 法人代表"
               " 负责人 经办人 收件人 寄件人 患者 业主 车主 驾驶人 驾驶员 承租人 租户 监护人 家属 病人 购房人"
               " 借款人 担保人 持卡人 开户人 被执行人 学生姓名 教师 医生"),
)
# Headers about an organisation's own contact points, not a person's: 单位电话, 值班电话, 企业邮箱.
_ORGANISATIONAL = re.compile("单位|企业|公司|机构|部门|办公|值班|服务|咨询|监督|热线|客服|门店|网点|窗口|机关|名称")


def header_entity(header: str) -> str | None:
    """The personal entity a header names (None: the header says nothing, or names an organisation's)."""
    h = header.strip().lower()
    if not h or _ORGANISATIONAL.search(h):
        return None
    for entity, words in _KINDS:
        if any(w in h for w in words.split()):
            return entity
    return None


# Cells that hold no value: they stay as they are (and are still scanned).
BLANK_MARKERS = frozenset("无 -- - — —— / \\ 不详 未知 匿名 暂无 空 无名 null none n/a na nan 0".split())


def is_blank(value: str) -> bool:
    v = value.strip()
    return not v or v.lower() in BLANK_MARKERS
