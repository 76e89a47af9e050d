"""Recall per entity type and decoy survival of detect.find on planted, seeded Faker zh_CN data."""
from __future__ import annotations

import random
import string
from collections import defaultdict

import pytest
from faker import Faker

from anonymize import detect
from anonymize.checksums import id_check_digit, luhn_ok, uscc_check_char

SEED = 20261122
PER_TYPE = 400

# Real area codes of several provinces, plus 81/82/83 (HK, Macau, Taiwan residence permits).
AREAS = (
    "110105 110108 120101 130102 140105 210102 220102 230103 310104 310115 320106 320583 330102 330106 330302 330304"
    " 330324 330381 330382 340104 350102 360102 370102 410105 420106 430104 440106 440304 450103 460105 500103 510104"
    " 520102 530102 610113 620102 650102 810000 820000 830000"
).split()
MINORITY_PARTS = "阿依古丽 买买提 艾力 古丽娜尔 热依拉 努尔 吐尔逊 迪丽热巴 阿不都 帕尔哈提 依明 阿迪力 玉素甫 扎西 次仁 卓玛 尼玛 巴特尔 其其格 乌兰".split()
ISSUES = (
    "小区门口道路积水严重 楼上装修噪音扰民 物业费收取不合理 公交站台破损无人修理 路灯已经坏了两周 工资被拖欠三个月"
    " 餐馆油烟影响居民生活 学校周边交通拥堵 垃圾清运不及时 房屋漏水多次报修未果 违章停车堵塞消防通道 供水水压不足"
    " 医保报销进度缓慢 广场舞音量过大 共享单车乱停放"
).split()
EVENTS = "摔倒受伤 与商家发生纠纷 车辆被剐蹭 家中水管爆裂 被狗咬伤 电动车被盗".split()
# Ordinary administrative sentences with no personal data (no names, no addresses of people).
PLAIN_SENTENCES = [
    "政务数据应当按照统一标准汇聚到共享平台，并定期更新。", "本办法自2026年1月1日起施行。",
    "各区县人民政府负责本行政区域内的公共数据管理工作。", "对未按规定履行职责的单位，由主管部门责令限期改正。",
    "市场监管部门对辖区内食品经营单位开展专项检查。", "全市共设置公共厕所1200座，其中新建86座。",
    "高新区管委会组织召开安全生产工作会议。", "城乡居民基本医疗保险参保率达到98.5%。",
    "今年以来累计受理群众诉求3.2万件，办结率99%。", "请于工作日上午9:00至12:00前往服务大厅办理。",
    "因道路施工，公交线路临时调整，请市民合理安排出行。", "教育部门将进一步优化学区划分方案。",
    "经营者应当明码标价，不得哄抬价格。", "本次抽检合格率为97.3%，不合格产品已依法处置。",
    "平安建设考核结果将纳入年度绩效评价。", "黄金周期间全市接待游客人数同比增长12%。",
    "方案明确了责任分工和时间节点。", "金融机构应当加强反洗钱管理。", "文明城市创建工作取得阶段性成效。",
    "江心屿景区开放时间调整为8:00-17:30。", "高速公路收费站出口实行分流管控。",
    "国家安全和商业秘密不得公开。", "管理部门依法作出行政处罚决定。", "时间紧、任务重，各单位要高度重视。",
    "安全生产月活动在全市范围内展开。", "常住人口城镇化率提高到75%。",
]
SERVICES = "居住证 营业执照 公积金提取 低保 残疾人证 不动产登记".split()


def _fake() -> Faker:
    f = Faker("zh_CN")
    f.seed_instance(SEED)
    return f


def resident_id(rng: random.Random) -> str:
    """A valid 18-digit ID with a correct GB 11643 check digit."""
    area = rng.choice(AREAS)
    birth = f"{rng.randint(1940, 2008)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    first17 = area + birth + f"{rng.randint(0, 999):03d}"
    return first17 + id_check_digit(first17)


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    for d in "0123456789":
        if luhn_ok(body + d):
            return body + d
    raise AssertionError("unreachable")


def _fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "0" <= c <= "9" or c in "X+" else c for c in s)


def format_id(v: str, rng: random.Random) -> str:
    style = rng.randrange(6)
    if style == 1:
        return f"{v[:6]} {v[6:14]} {v[14:]}"
    if style == 2:
        return f"{v[:6]}-{v[6:14]}-{v[14:]}"
    if style == 3:
        return _fullwidth(v)
    if style == 4 and v.endswith("X"):
        return v[:-1] + "x"
    return v


def id15(rng: random.Random) -> str:
    birth = f"{rng.randint(40, 98)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    return rng.choice(AREAS[:36]) + birth + f"{rng.randint(0, 999):03d}"


def mobile(rng: random.Random) -> str:
    v = rng.choice("3456789") + "".join(str(rng.randint(0, 9)) for _ in range(9))
    v = "1" + v
    style = rng.randrange(9)
    return [
        v, f"{v[:3]} {v[3:7]} {v[7:]}", f"{v[:3]}-{v[3:7]}-{v[7:]}", f"+86{v}", f"+86 {v[:3]} {v[3:7]} {v[7:]}",
        f"0086-{v}", f"(+86){v}", _fullwidth(v), f"+86-{v[:3]}-{v[3:7]}-{v[7:]}",
    ][style]


def bank_card(rng: random.Random) -> str:
    v = luhn_complete(rng.choice(["62", "622202", "621700", "4", "53", "6013"]), rng.choice([16, 19]), rng)
    if rng.random() < 0.3:
        return " ".join(v[i:i + 4] for i in range(0, len(v), 4))
    return v


def plate(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    prov = rng.choice("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青川宁琼")
    city = rng.choice(letters)
    kind = rng.randrange(4)
    if kind == 0:
        tail = rng.choice("DF") + rng.choice(letters + "0123456789") + f"{rng.randint(0, 9999):04d}"
    elif kind == 1:
        tail = f"{rng.randint(0, 99999):05d}" + rng.choice("DF")
    elif kind == 2:
        tail = rng.choice(letters) + f"{rng.randint(0, 9999):04d}"
    else:
        tail = f"{rng.randint(0, 99999):05d}"
    return prov + city + rng.choice(["", "", "·", " "]) + tail


def passport(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    if rng.random() < 0.5:
        return "E" + f"{rng.randint(0, 99999999):08d}"
    return "E" + rng.choice(letters) + f"{rng.randint(0, 9999999):07d}"


def hmt_permit(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    return rng.choice([
        "C" + f"{rng.randint(0, 99999999):08d}", "C" + rng.choice(letters) + f"{rng.randint(0, 9999999):07d}",
        rng.choice("HM") + f"{rng.randint(0, 99999999):08d}", rng.choice("HM") + f"{rng.randint(0, 9999999999):010d}",
    ])


def person(f: Faker, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.06:
        return rng.choice(["欧阳", "司马", "诸葛", "上官", "慕容", "东方", "皇甫", "令狐"]) + f.first_name()
    if r < 0.10:
        return "·".join(rng.sample(MINORITY_PARTS, 2))
    return f.name()


def address(f: Faker, rng: random.Random) -> tuple[str, str]:
    """(full address, the identifying core from road/estate/village onward)."""
    region = ""
    if rng.random() < 0.7:
        region = rng.choice(["", f.province()]) + f.city() + f.district() + rng.choice("区县")
    n = rng.randint
    kind = rng.randrange(3)
    if kind == 0:
        core = f.street_name() + f"{n(1, 999)}号"
        core += rng.choice(["", f"{n(1, 30)}幢{n(1, 4)}单元{n(101, 2802)}室", f"{n(101, 1802)}室",
                            f.last_name() + rng.choice(["园", "苑", "花园"]) + f"{n(1, 20)}栋{n(101, 2302)}室",
                            f"{n(1, 12)}号楼{n(1, 6)}单元{n(1, 30)}层"])
    elif kind == 1:
        core = f.first_name() + rng.choice(["小区", "花园", "家园", "公寓", "新村"])
        core += rng.choice([f"{n(1, 30)}幢{n(1, 4)}单元{n(101, 2802)}室", f"{n(1, 40)}栋{n(101, 2302)}室",
                            f"{n(1, 30)}-{n(1, 4)}-{n(101, 1802)}", f"{n(1, 12)}号楼{n(1, 6)}单元{n(1, 30)}层"])
    else:
        core = rng.choice(["", f.last_name() + "镇"]) + f.first_name() + "村"
        core += rng.choice(["", f"{n(1, 12)}组"]) + f"{n(1, 200)}号"
    return region + core, core


SENTENCE_NAME = [
    "投诉人{v}反映：{issue}。", "来电人：{v}，{issue}，请相关部门处理。", "{v}来电反映{issue}，要求尽快处理。",
    "市民{v}称{issue}。", "{issue}，当事人{v}要求赔偿。", "经核实，{v}于{date}在{place}{event}。",
    "{v}（男，{age}岁）反映{issue}。", "联系人：{v} 电话：{tel}", "我叫{v}，住在{district}，{issue}。",
    "{v}、{v2}等人反映{issue}。", "工作人员已联系{v}，对方表示满意。", "业主{v}家中{event}，请物业核查。",
    "{date}，{v}到窗口办理{service}。", "申请人{v}申请{service}，经审核符合条件。", "据{v}介绍，{issue}。",
    "{v}女士反映{issue}。", "姓名：{v}；性别：女；年龄：{age}", "回访{v}，对处理结果满意。",
    "请{v}于{date}前补充{service}材料。", "{issue}，{v}多次投诉未果。", "被投诉人{v}在{place}经营一家小店。",
    "法定代表人为{v}，注册地在{district}。", "户主{v}，家庭人口{age}人。", "{place}的{v}师傅称{issue}。",
    "已将情况告知{v}本人。", "{v}:{issue}", "办理人 {v} 办理时间 {date}", "{v}，{issue}", "患者{v}在{place}就诊时{event}。",
    "代理人{v}提交了{service}申请。",
]
SENTENCE_ADDRESS = [
    "家住{v}，{issue}。", "{v}附近{issue}。", "地址：{v}", "反映{v}楼下{issue}。", "现住{v}，联系电话{tel}。",
    "{date}在{v}发生{event}。", "户籍地址为{v}。", "送达地址{v}，请查收。", "{v}的住户反映{issue}。",
    "来电人称其位于{v}的房屋漏水。", "居住地：{v}；{issue}", "{issue}，具体位置在{v}。", "{v}",
]
SENTENCE_NUMBER = [
    "{label}{v}，{issue}。", "{label}：{v}", "{issue}，{label}为{v}。", "{v}（{label}）", "请核对{label} {v} 是否正确。",
    "{label}{v}已登记。", "{v}", "来电人提供的{label}是{v}，{issue}。", "{label}:{v};", "经查{label}{v}无误",
]
LABELS = {
    "CN_RESIDENT_ID": ["身份证", "身份证号码", "证件号", "公民身份号码", "身份证号", "证件号码"],
    "CN_MOBILE": ["手机", "联系电话", "电话", "手机号", "联系方式", "回访电话", "tel"],
    "BANK_CARD": ["卡号", "银行卡号", "收款账号", "账户", "银行卡"],
    "EMAIL": ["邮箱", "电子邮箱", "Email", "邮件地址"],
    "CN_LICENSE_PLATE": ["车牌", "车牌号", "车辆", "号牌号码", "肇事车辆"],
    "CN_PASSPORT": ["护照", "护照号码", "证件号"],
    "CN_HMT_PERMIT": ["港澳通行证", "回乡证", "通行证号码", "证件号"],
}


def _fill(template: str, f: Faker, rng: random.Random, **slots) -> tuple[str, list[tuple[int, int]]]:
    """Render a template and return the spans of every {v}/{v2} slot."""
    values = {
        "issue": rng.choice(ISSUES), "event": rng.choice(EVENTS), "service": rng.choice(SERVICES),
        "date": rng.choice(["2026年3月5日", "3月5日", "昨天", "2026-03-05", "上周五"]), "age": str(rng.randint(3, 90)),
        "place": rng.choice(["菜市场", "人民医院", "社区服务中心", "公园", "地铁站"]),
        "district": f.district() + "区", "tel": "0577-12345", **slots,
    }
    out, spans = "", []
    for literal, field, _, _ in string.Formatter().parse(template):
        out += literal
        if field is None:
            continue
        start = len(out)
        out += values[field]
        if field in ("v", "v2"):
            spans.append((start, len(out)))
    return out, spans


def planted_samples():
    """(entity, text, [spans], kind) for every type, in free text and single-value cells."""
    f, rng = _fake(), random.Random(SEED)
    gens = {
        "CN_RESIDENT_ID": lambda: format_id(resident_id(rng), rng) if rng.random() > 0.05 else id15(rng),
        "CN_MOBILE": lambda: mobile(rng), "BANK_CARD": lambda: bank_card(rng),
        "EMAIL": lambda: rng.choice([f.free_email(), f.email(), f.user_name() + "@" + f.domain_name()]),
        "CN_LICENSE_PLATE": lambda: plate(rng), "CN_PASSPORT": lambda: passport(rng),
        "CN_HMT_PERMIT": lambda: hmt_permit(rng),
    }
    samples = []
    for entity, gen in gens.items():
        for i in range(PER_TYPE):
            v = gen()
            tpl = rng.choice(SENTENCE_NUMBER)
            text, spans = _fill(tpl, f, rng, v=v, label=rng.choice(LABELS[entity]))
            samples.append((entity, text, spans, "cell" if tpl == "{v}" else "text"))
    for i in range(PER_TYPE):
        v, v2 = person(f, rng), person(f, rng)
        text, spans = _fill(rng.choice(SENTENCE_NAME), f, rng, v=v, v2=v2)
        samples.append(("PERSON", text, spans, "text"))
        samples.append(("PERSON", v, [(0, len(v))], "cell"))
        full, core = address(f, rng)
        text, spans = _fill(rng.choice(SENTENCE_ADDRESS), f, rng, v=full)
        s, e = spans[0]
        samples.append(("CN_ADDRESS", text, [(e - len(core), e)], "text" if text != full else "cell"))
    return samples


def decoy_samples():
    """Cells and sentences with no personal data: each must come out with no personal finding."""
    f, rng = _fake(), random.Random(SEED + 1)
    n = rng.randint
    out = []
    for _ in range(PER_TYPE):
        bad_id = resident_id(rng)
        bad_id = bad_id[:-1] + rng.choice([c for c in "0123456789X" if c != bad_id[-1]])
        first17 = f"91330{n(100, 999)}MA" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(7))
        out += [
            bad_id, f"订单号{bad_id}", f"DD{n(2024, 2026)}{n(1, 12):02d}{n(1, 28):02d}{n(0, 99999999):08d}",
            f"GD-{n(2024, 2026)}-{n(0, 999999):06d}", rng.choice(["12345", "110", "120", "119", "12315", "96345"]),
            f"¥{n(1, 99)},{n(0, 999):03d}.{n(0, 99):02d}", f"{n(1, 99999)}元", f"{n(1, 9999)}.{n(0, 99):02d}万元",
            f"{n(2020, 2026)}-{n(1, 12):02d}-{n(1, 28):02d}", f"{n(2020, 2026)}年{n(1, 12)}月{n(1, 28)}日",
            f"{n(0, 23):02d}:{n(0, 59):02d}:{n(0, 59):02d}",
            f"{n(2020, 2026)}/{n(1, 12)}/{n(1, 28)} {n(0, 23)}:{n(0, 59):02d}",
            f"{rng.uniform(118, 122):.4f}, {rng.uniform(27, 31):.4f}", f"{rng.uniform(118, 122):.6f}",
            f"{n(100000, 850000)}", f"{n(0, 100)}.{n(0, 9)}%", first17 + uscc_check_char(first17),
            f.company(), f.district() + "区", f.street_name(), f.street_name() + "与" + f.street_name() + "交叉口",
            f"{rng.choice(['已办结', '处理中', '已回访', '待受理'])}", f"{rng.choice(ISSUES)}，请尽快处理。",
            f"{f.district()}区{f.street_name()}{rng.choice(ISSUES)}，已转交属地街道办理。",
            f"{f.company()}拖欠工资{n(2, 50)}万元，涉及职工{n(3, 90)}人。", f"第{n(1, 30)}期", f"{n(1, 999)}号文件",
            f"共{n(1, 999)}件，办结率{n(80, 100)}%", f"编号{n(10**9, 10**10)}",
            f"ISBN 978-7-{n(100, 999)}-{n(10000, 99999)}-{n(0, 9)}",
            rng.choice(PLAIN_SENTENCES),
        ]
    return out


def _covered(findings, start, end, typed=None):
    chars = set()
    for x in findings:
        if x.entity in detect.PERSONAL_ENTITIES and (typed is None or x.entity == typed):
            chars.update(range(x.start, x.end))
    return all(i in chars for i in range(start, end))


@pytest.fixture(scope="module")
def recall_table():
    return _recall(tagger=False)


def _recall(tagger: bool):
    hit, typed, total = defaultdict(int), defaultdict(int), defaultdict(int)
    for entity, text, spans, kind in planted_samples():
        if tagger and entity != "PERSON":
            continue
        found = detect.find(text, tagger=tagger)
        for s, e in spans:
            key = (entity, kind)
            total[key] += 1
            hit[key] += _covered(found, s, e)
            typed[key] += _covered(found, s, e, entity)
    print(f"\nrecall (covered by a personal finding / by the right type), tagger={tagger}:")
    for key in sorted(total):
        print(f"  {key[0]:18} {key[1]:5} n={total[key]:4}  {hit[key] / total[key]:.3f}  {typed[key] / total[key]:.3f}")
    return {k: hit[k] / total[k] for k in total}


CHECKSUM_OR_MOBILE = {"CN_RESIDENT_ID", "BANK_CARD", "CN_MOBILE"}


def test_recall_checksum_identifiers_and_mobiles(recall_table):
    for (entity, kind), r in recall_table.items():
        if entity in CHECKSUM_OR_MOBILE:
            assert r >= 0.99, (entity, kind, r)


def test_recall_other_identifiers(recall_table):
    for (entity, kind), r in recall_table.items():
        if entity in {"EMAIL", "CN_LICENSE_PLATE", "CN_PASSPORT", "CN_HMT_PERMIT"}:
            assert r >= 0.97, (entity, kind, r)


def test_recall_names_and_addresses_in_free_text(recall_table):
    for entity in ("PERSON", "CN_ADDRESS"):
        assert recall_table[(entity, "text")] >= 0.95, entity


def test_jieba_tagger_does_not_lose_names(recall_table):
    with_tagger = _recall(tagger=True)
    assert with_tagger[("PERSON", "text")] >= recall_table[("PERSON", "text")]


def test_decoys_survive():
    decoys = decoy_samples()
    survived = [c for c in decoys if not any(x.entity in detect.PERSONAL_ENTITIES for x in detect.find(c))]
    rate = len(survived) / len(decoys)
    print(f"\ndecoys unchanged: {len(survived)}/{len(decoys)} = {rate:.4f}")
    assert rate >= 0.99
