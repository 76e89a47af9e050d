"""Organisations in a table: which names are an institution's, and which contact data it publishes.

A school's address, a hospital's switchboard, an agency's website and its office mailbox are public
facts about the institution, not personal information; a person's mobile in the same table is not.
"""
from __future__ import annotations

import functools
import re

from . import names

# What an institution's row keeps: its address, its landlines, a generic mailbox (see generic_email).
# CN_MOBILE is absent on purpose: a mobile is a person's even in an institution's row.
ORG_KEEP = frozenset({"CN_ADDRESS", "CN_LANDLINE", "EMAIL_GENERIC"})

# Last words of organisations' names: companies, cooperatives, schools, hospitals, agencies, police
# units, shops. Multi-character suffixes make a name of 4 characters or more an organisation; a single
# character (局, 所, 站, 店 ...) needs 5, since a person's name has at most 4 (plus dotted minority names).
_ORG_SUFFIXES = (
    "公司 有限公司 股份有限公司 有限责任公司 分公司 集团 合作社 专业合作社 联合社 联社 事务所 工作室 经营部 门市部"
    " 商行 银行 支行 分行 信用社 营业部 医院 卫生院 卫生室 卫生所 卫生服务中心 卫生服务站 诊所 门诊部 医务室 保健院"
    " 疾控中心 学校 小学 中学 大学 学院 职校 技校 幼儿园 托儿所 培训中心 研究院 研究所 协会 学会 商会 基金会"
    " 委员会 村委会 居委会 管委会 办事处 街道办 政府 人民政府 法院 人民法院 检察院 公安局 派出所 大队 中队 支队"
    " 交警大队 消防站 管理局 管理处 管理所 服务中心 服务站 中心 企业 商店 超市 酒店 饭店 宾馆 药店 药房 加油站"
    " 个体工商户 工厂 俱乐部 图书馆 博物馆 纪念馆 体育馆 文化馆 美术馆 养老院 敬老院 福利院 物业 物业公司"
    # branches: 某某医院宗关院区, 某某学校东校区, 某某银行营业厅
    " 院区 分院 校区 分校 分部 分所 分中心 分店 门店 营业厅 服务部 服务处 工作站 联络处 代表处 分社 支队 分局"
    # public facilities and places, which a table lists like institutions (设施名称, 站点名称)
    " 公园 游园 广场 绿地 景区 停车场 公厕 驿站 码头 车站 水库 小区 花园 市场 体育场 监测站 监测点 避难场所"
).split()
_ORG_SINGLE = "局委办处科所站馆院厂店行社部会队园场厅室坊铺庄寺宫"
_FORM = r"(?:[(（][^()（）]{1,12}[)）])?"  # 某某商店（个体工商户）, 某某企业(普通合伙)
_LATIN_ORG = r"(?i:\b(?:co\.?,?\s*ltd\.?|ltd\.?|limited|inc\.?|corp(?:oration)?\.?|company|llc|gmbh|group|school|hospital|university|college|center|centre|bureau)\s*$)"
_ORG_RX = re.compile(
    "(?:"
    + f"^.{{2,}}(?:{'|'.join(sorted(map(re.escape, _ORG_SUFFIXES), key=len, reverse=True))}){_FORM}\\s*$"
    + f"|^.{{4,}}[{_ORG_SINGLE}]{_FORM}\\s*$"
    + f"|{_LATIN_ORG})")
_DOT = re.compile("[·•・．.]")


@functools.lru_cache(maxsize=65536)  # subject cells repeat: one check per distinct name
def is_org_name(value: str) -> bool:
    """The value names an organisation (武汉市江夏区卫生服务中心, 成都创联建材有限公司), not a person."""
    v = value.strip()
    if len(v) < 4 or (_DOT.search(v) and len(v) <= 20 and not v.isascii() and not _ORG_RX.search(v)):
        return False
    return _ORG_RX.search(v) is not None


# Mailboxes of a function, not a person: office@, info@, xzfw@ (行政服务), 12345@.
_GENERIC_LOCAL = re.compile(
    r"^(?:info|office|admin|contact|service|services|support|help|hr|jobs|job|zhaopin|zp|bgs|bgshi|xzb|xzfw|zwfw"
    r"|webmaster|master|press|media|news|mail|email|postmaster|hotline|tousu|jubao|xinfang|xf|zixun|kefu|sales"
    r"|market|marketing|dangban|db|yb|xb|ybs|zb|zhb|xxgk|gk|zfxxgk|jw|xx|xiaoban|yuanban|[0-9]{3,6})$")
_INSTITUTION_DOMAIN = re.compile(r"\.(?:gov|edu|org|ac)(?:\.[a-z]{2})?$")


def generic_email(address: str) -> bool:
    """An institution's mailbox: a generic local part (office@...), or any address under a government,
    education or non-profit domain (*.gov.cn, *.edu.cn, *.org.cn)."""
    local, _, domain = address.lower().partition("@")
    return bool(_GENERIC_LOCAL.match(local) or _INSTITUTION_DOMAIN.search(domain))


# A public line named in a text before its number: 咨询电话0571-87966123, 服务热线：12345.
PUBLIC_LINE_BEFORE = re.compile("(?:咨询|服务|值班|办公|投诉|举报|监督|热线|客服|总机|传真|查询|受理)(?:电话|热线|专线)?(?:号码)?[：:为是\\s]{0,2}$")

# A subject cell shaped like a person's name: 2-4 Han characters, a dotted name, or 2-4 Latin words.
_NAME_SHAPE = re.compile("[\u3400-\u9fff\U00020000-\U0003134f]{2,4}|[\u3400-\u9fff]{1,8}[·•・．‧･][\u3400-\u9fff·•・．‧･]{1,12}"
                         "|[A-Za-z][A-Za-z'.\\-]*(?:\\s+[A-Za-z][A-Za-z'.\\-]*){1,3}")


def name_shaped(value: str) -> bool:
    """The value could be a person's name on its own (达瓦次仁, CHEUNG Chi Keung), not a brand, a title or a
    place (永强公园, 西山游园: a place or organisation suffix ends it)."""
    parts = [p.strip() for p in _NAME_LIST.split(value.strip())]  # 向勋睿，央金拉姆 / 李援朝/王芳: co-owners
    return all(p and _NAME_SHAPE.fullmatch(p) is not None and p[-1] not in _PLACE_END
               and not names.ordinary_phrase(p) for p in parts)  # 暂停服务, 正常营业: a status, not a name


_NAME_LIST = re.compile("[、，,/／；;]|(?<=[\u3400-\u9fff])\\s+(?=[\u3400-\u9fff])")


_PLACE_END = frozenset(names.PLACE_SUFFIX_SINGLE)
