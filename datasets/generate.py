"""Deterministic generator of the portal's sample datasets (温州市 open data lookalikes).

Run `python datasets/generate.py` to rewrite every datasets/<slug>/ folder (dataset.yaml + raw source).
Each dataset has its own fixed seed, so running it twice gives byte-identical files.
"""
from __future__ import annotations

import csv
import io
import math
import random
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml
from faker import Faker

HERE = Path(__file__).resolve().parent
HEADER = "# 由 datasets/generate.py 生成：请修改生成器后重新运行，不要手工编辑本文件。\n"
LICENCE = "CC-BY-4.0"
SPATIAL = "浙江省温州市"

# ---------------------------------------------------------------------------------------------------
# Checksums: GB 32100 (unified social credit code), GB 11714 (organisation code), GB 11643 (resident ID)
# ---------------------------------------------------------------------------------------------------
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"   # GB 32100 alphabet: no I, O, S, V, Z
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
ID_CHECK = "10X98765432"


def uscc_check_digit(code17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100-2015, mod 31)."""
    total = sum(USCC_CHARS.index(ch) * w for ch, w in zip(code17, USCC_WEIGHTS))
    return USCC_CHARS[(31 - total % 31) % 31]


def org_code_check_digit(body8: str) -> str:
    """The 9th character of an organisation code (GB 11714-1997, mod 11)."""
    total = sum(int(ch, 36) * w for ch, w in zip(body8, ORG_WEIGHTS))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def resident_id_check_digit(id17: str) -> str:
    """The 18th character of a resident ID number (GB 11643-1999, ISO 7064 mod 11-2)."""
    return ID_CHECK[sum(int(d) * w for d, w in zip(id17, ID_WEIGHTS)) % 11]


def make_uscc(prefix: str, area: str, body8: str) -> str:
    """A valid credit code: registration-office + category prefix, area, organisation code, check."""
    code17 = prefix + area + body8 + org_code_check_digit(body8)
    return code17 + uscc_check_digit(code17)


def random_uscc(rng: random.Random, area: str, prefix: str = "91") -> str:
    """A credit code of a newly registered market entity (organisation code body 'MA' + 6 chars)."""
    body = "MA" + "".join(rng.choice(USCC_CHARS) for _ in range(6))
    return make_uscc(prefix, area, body)


def valid_resident_id(rng: random.Random, area: str, birth: date, male: bool | None = None) -> str:
    """A resident ID number passing GB 11643: area, birth date, sequence (odd = male), check digit."""
    seq = rng.randrange(0, 1000)
    if male is not None and seq % 2 != int(male):
        seq = (seq + 1) % 1000
    id17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return id17 + resident_id_check_digit(id17)


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def decoy_digits(rng: random.Random, prefix: str, length: int) -> str:
    """A long digit string that is neither a valid resident ID nor a Luhn-valid card number."""
    s = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix)))
    while (length == 18 and resident_id_check_digit(s[:17]) == s[17]) or luhn_valid(s):
        s = s[:-1] + str((int(s[-1]) + 1) % 10)
    return s


# ---------------------------------------------------------------------------------------------------
# Geography of 温州市: districts with area codes, map centres, 街道/镇 and real road names
# ---------------------------------------------------------------------------------------------------
DISTRICTS = {
    "鹿城区": ("330302", (120.655, 28.016), ["五马街道", "松台街道", "南汇街道", "滨江街道", "双屿街道"],
            ["人民路", "解放路", "车站大道", "锦绣路", "学院中路", "飞霞南路", "黎明西路", "划龙桥路"]),
    "龙湾区": ("330303", (120.811, 27.933), ["永中街道", "蒲州街道", "状元街道", "海城街道", "瑶溪街道"],
            ["永中路", "蒲州路", "度山路", "龙祥路", "永强大道", "上江路", "兴区路"]),
    "瓯海区": ("330304", (120.637, 27.967), ["娄桥街道", "茶山街道", "景山街道", "新桥街道", "梧田街道"],
            ["瓯海大道", "梧慈路", "温瞿东路", "娄桥中路", "新桥路", "茶山路", "南白象街"]),
    "洞头区": ("330305", (121.157, 27.836), ["北岙街道", "东屏街道", "元觉街道"],
            ["环岛东路", "海霞路", "中心街", "元觉路"]),
    "瑞安市": ("330381", (120.655, 27.779), ["安阳街道", "玉海街道", "锦湖街道", "东山街道", "塘下镇"],
            ["万松路", "安阳路", "瑞祥大道", "罗阳大道", "沿江西路", "西山路"]),
    "乐清市": ("330382", (120.967, 28.113), ["乐成街道", "城南街道", "柳市镇", "虹桥镇", "北白象镇"],
            ["旭阳路", "宁康西路", "伯乐东路", "晨曦路", "千帆东路", "清远路"]),
    "龙港市": ("330383", (120.553, 27.578), ["湖前社区", "白沙社区", "舥艚社区"],
            ["世纪大道", "站前路", "龙翔路", "新城路"]),
    "永嘉县": ("330324", (120.692, 28.153), ["瓯北街道", "东城街道", "北城街道", "桥头镇"],
            ["双塔路", "阳光大道", "港头路", "东瓯街"]),
    "平阳县": ("330326", (120.565, 27.662), ["昆阳镇", "鳌江镇", "万全镇", "水头镇"],
            ["解放路", "城东路", "坡南街", "兴鳌路"]),
    "苍南县": ("330327", (120.426, 27.518), ["灵溪镇", "钱库镇", "金乡镇", "宜山镇"],
            ["玉苍路", "人民大道", "建兴路", "春晖路"]),
    "文成县": ("330328", (120.092, 27.787), ["大峃镇", "珊溪镇", "玉壶镇"], ["建设路", "伯温路", "中山路"]),
    "泰顺县": ("330329", (119.717, 27.557), ["罗阳镇", "司前畲族镇", "雅阳镇"], ["新城大道", "解放街", "南外路"]),
}
DISTRICT_NAMES = list(DISTRICTS)
URBAN = DISTRICT_NAMES[:6]          # 市区 and the two big county-level cities
DISTRICT_WEIGHTS = [18, 12, 14, 3, 14, 13, 5, 6, 5, 5, 2, 2]
WENZHOU_AREAS = [v[0] for v in DISTRICTS.values()]
# Real area codes elsewhere, for migrant workers in the housing list.
OTHER_AREAS = ["360121", "430524", "341221", "511321", "522121", "362330"]
COMMUNITY_A = ["锦绣", "江滨", "翠湖", "绿洲", "金域", "阳光", "星河", "滨江", "香樟", "惠民", "瓯江", "紫金"]
COMMUNITY_B = ["花园", "小区", "公寓", "家园", "嘉园", "新村", "苑"]


def full_district(d: str) -> str:
    """'鹿城区' -> '温州市鹿城区'; county-level cities and counties stand on their own."""
    return "温州市" + d if d.endswith("区") else d


def dept_of(d: str, suffix: str) -> str:
    """A district's own department, e.g. ('鹿城区', '市场监督管理局') -> '温州市鹿城区市场监督管理局'."""
    return full_district(d) + suffix


def pick_district(rng: random.Random, names: list[str] | None = None) -> str:
    if names is None:
        return rng.choices(DISTRICT_NAMES, DISTRICT_WEIGHTS)[0]
    return rng.choice(names)


def streets_of(d: str) -> list[str]:
    return DISTRICTS[d][2]


def community(rng: random.Random) -> str:
    return rng.choice(COMMUNITY_A) + rng.choice(COMMUNITY_B)


def home_address(rng: random.Random, d: str) -> str:
    """A residential address down to the room: XX路XX号XX小区X幢X单元XXX室."""
    _, _, streets, roads = DISTRICTS[d]
    head = d + (rng.choice(streets) if rng.random() < 0.4 else "")
    room = f"{rng.randint(1, 28)}{rng.randint(1, 4):02d}"
    return (f"{head}{rng.choice(roads)}{rng.randint(1, 400)}号{community(rng)}"
            f"{rng.randint(1, 20)}幢{rng.randint(1, 4)}单元{room}室")


def business_address(rng: random.Random, d: str) -> str:
    """A registered business address: an office tower, an industrial zone or a shop front."""
    _, _, streets, roads = DISTRICTS[d]
    base = f"浙江省{full_district(d)}{rng.choice(streets)}{rng.choice(roads)}{rng.randint(1, 600)}号"
    kind = rng.random()
    if kind < 0.35:
        floor = rng.randint(2, 32)
        tower = rng.choice(["国贸大厦", "财富中心", "时代广场", "商会大厦", "置信广场", "创意园"])
        return f"{base}{tower}{floor}楼{floor}{rng.randint(1, 12):02d}室"
    if kind < 0.7:
        return f"{base}{rng.randint(1, 9)}幢{rng.randint(1, 5)}楼"
    return base + rng.choice(["", "一楼", "一至二层", "（自主申报）"])


def jitter_point(rng: random.Random, d: str, spread: float = 0.03) -> tuple[float, float]:
    lon, lat = DISTRICTS[d][1]
    return round(lon + rng.uniform(-spread, spread), 6), round(lat + rng.uniform(-spread, spread), 6)


def landline(rng: random.Random) -> str:
    return f"0577-{rng.choice('568')}{rng.randrange(10 ** 6, 10 ** 7)}"


# ---------------------------------------------------------------------------------------------------
# People: names (incl. compound surnames and minority names with ·) and mobiles in varied formats
# ---------------------------------------------------------------------------------------------------
COMPOUND_SURNAMES = ["欧阳", "司马", "上官", "诸葛", "东方", "慕容", "皇甫", "令狐", "夏侯", "端木", "公孙", "尉迟"]
MINORITY_FIRST = ["艾力", "热依拉", "古丽娜尔", "阿卜杜拉", "迪丽娜尔", "买买提江", "帕提古丽", "努尔兰", "巴特尔"]
MINORITY_LAST = ["买买提", "阿不都拉", "吐尔逊", "艾山", "伊力哈木", "吾斯曼", "艾则孜", "哈力木", "布仁"]
MOBILE_PREFIXES = ["130", "131", "133", "135", "136", "137", "138", "139", "150", "151", "152", "157",
                   "158", "159", "177", "180", "181", "186", "187", "188", "189", "191", "199"]
FULLWIDTH = str.maketrans("0123456789+-", "０１２３４５６７８９＋－")


def person_name(fake: Faker, rng: random.Random, male: bool | None = None) -> str:
    """Mostly ordinary names; a few compound surnames (欧阳…) and minority names (艾力·买买提)."""
    r = rng.random()
    if male is None:
        male = rng.random() < 0.5
    given = fake.first_name_male() if male else fake.first_name_female()
    if r < 0.04:
        return rng.choice(COMPOUND_SURNAMES) + given
    if r < 0.06:
        return rng.choice(MINORITY_FIRST) + "·" + rng.choice(MINORITY_LAST)
    return fake.last_name() + given


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10 ** 8):08d}"


def mobile_written(rng: random.Random, m: str) -> str:
    """A mobile as people type it: plain, spaced, dashed, +86, or with full-width digits."""
    forms = [m, f"{m[:3]} {m[3:7]} {m[7:]}", f"{m[:3]}-{m[3:7]}-{m[7:]}", f"+86 {m[:3]} {m[3:7]} {m[7:]}",
             f"+86{m}", f"+86-{m}", m.translate(FULLWIDTH), f"（+86）{m}"]
    return rng.choice(forms)


def birth_date(rng: random.Random, start: int, end: int) -> date:
    return date(start, 1, 1) + timedelta(days=rng.randrange((date(end, 12, 31) - date(start, 1, 1)).days))


# ---------------------------------------------------------------------------------------------------
# Companies
# ---------------------------------------------------------------------------------------------------
TRADE_NAMES = ["华信", "宏达", "瓯越", "正远", "金鼎", "东方", "恒瑞", "永兴", "鑫源", "大昌", "联创", "瑞丰",
               "天成", "新亚", "百盛", "南洋", "海峰", "嘉禾", "博远", "中诚", "泰和", "汇丰", "立信",
               "佳美", "宝利", "通达", "隆盛", "益民", "鹿港", "龙湾", "雁荡", "江心"]
INDUSTRIES = {   # industry -> business scope items
    "鞋业": ["鞋、鞋材制造、加工、销售", "皮革制品销售", "货物进出口"],
    "服饰": ["服装、服饰制造、销售", "针纺织品销售", "技术进出口"],
    "电器": ["低压电器、配电开关控制设备制造", "电线电缆销售", "电子元器件研发"],
    "阀门": ["阀门、管件制造、销售", "通用设备修理", "机械零部件加工"],
    "眼镜": ["眼镜及配件制造、销售", "光学仪器销售"],
    "汽摩配件": ["汽车零部件及配件制造", "摩托车零配件制造", "五金产品批发"],
    "食品": ["食品生产", "食品经营（销售预包装食品）", "农副产品销售"],
    "餐饮管理": ["餐饮服务", "餐饮管理", "食品经营"],
    "商贸": ["日用百货销售", "五金产品零售", "建筑材料销售", "互联网销售（除销售需要许可的商品）"],
    "科技": ["软件开发", "信息系统集成服务", "技术服务、技术开发、技术咨询"],
    "建设工程": ["房屋建筑和市政基础设施项目工程总承包", "建筑劳务分包", "园林绿化工程施工"],
    "物业服务": ["物业管理", "停车场服务", "家政服务"],
}


def company_name(rng: random.Random, d: str, industry: str, form: str = "有限公司") -> str:
    prefix = rng.choice(["温州", "温州" + d[:-1] if d.endswith("区") else d, "浙江"])
    return prefix + rng.choice(TRADE_NAMES) + industry + form


def unique(make, n: int) -> list:
    """Call make() until n distinct results exist (order kept, so still deterministic)."""
    seen, out = set(), []
    while len(out) < n:
        v = make()
        if v[0] not in seen:
            seen.add(v[0])
            out.append(v)
    return out


# ---------------------------------------------------------------------------------------------------
# Writers: CSV in a given encoding, XLSX with frozen properties and zip timestamps, readable YAML
# ---------------------------------------------------------------------------------------------------
def write_csv(path: Path, header: list[str], rows: list[list], encoding: str) -> None:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    path.write_bytes(buf.getvalue().encode(encoding))    # strict: fails loudly on an unencodable char


def write_xlsx(path: Path, sheets: list[tuple[str, list[str], list[list]]], author: str,
               when: datetime) -> None:
    """Write sheets [(title, header, rows)]; fix created/modified and zip times so bytes are stable."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.xml.functions import tostring

    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title)
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
        for i, name in enumerate(header):
            ws.column_dimensions[ws.cell(1, i + 1).column_letter].width = max(10, 2.2 * len(name) + 2)
        ws.freeze_panes = "A2"
    wb.properties.creator = author
    raw = io.BytesIO()
    wb.save(raw)                                  # openpyxl stamps modified=now here; undone below
    wb.properties.created = wb.properties.modified = when
    core = tostring(wb.properties.to_tree())
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = core if info.filename == "docProps/core.xml" else src.read(info.filename)
            fixed = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, data)
    path.write_bytes(out.getvalue())


class Flow(dict):
    """A mapping written on one line in YAML ({op: mask, keep_last: 4})."""


class _Dumper(yaml.SafeDumper):
    pass


def _flow_list(dumper, data):
    flow = all(isinstance(x, (str, int, float)) for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _flow_list)
_Dumper.add_representer(Flow, lambda d, data: d.represent_mapping("tag:yaml.org,2002:map", data, True))


def write_yaml(path: Path, record: dict) -> None:
    text = yaml.dump(record, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    path.write_text(HEADER + text, encoding="utf-8")


def col(name: str, type_: str, description: str, **extra) -> dict:
    """One field-dictionary entry; extra keys (unit, personal, rule, facet...) in a fixed order."""
    out = {"name": name, "type": type_, "description": description}
    for key in ("unit", "personal", "rule", "facet", "search", "free_text", "quasi_identifier", "organisational"):
        if key in extra:
            out[key] = extra.pop(key)
    assert not extra, f"unknown column keys {sorted(extra)}"
    return out


PSEUDONYMIZE = "pseudonymize"
MASK_MOBILE = Flow(op="mask", keep_last=4)
KEY_ORDER = ["identifier", "title", "title_en", "description", "department", "themes", "keywords", "source",
             "format", "share_type", "share_method", "open_type", "legal_basis", "update_frequency",
             "last_updated", "issued", "security_level", "usage_requirements", "licence", "contact",
             "spatial", "temporal", "k_anonymity", "columns"]


def record(**fields) -> dict:
    """A dataset.yaml mapping in the documented key order, with the defaults every dataset shares."""
    fields.setdefault("licence", LICENCE)
    fields.setdefault("spatial", SPATIAL)
    if "temporal" in fields:
        start, end = fields["temporal"]
        fields["temporal"] = Flow(start=start, end=end)
    assert set(fields) <= set(KEY_ORDER), sorted(set(fields) - set(KEY_ORDER))
    return {k: fields[k] for k in KEY_ORDER if k in fields}


def department(name: str, body8: str) -> dict:
    """A government department (机关, prefix 11) of 温州市 with a valid credit code."""
    return {"name": name, "code": make_uscc("11", "330300", body8)}


def contact(office: str, rng: random.Random, domain: str) -> dict:
    return {"name": office, "phone": landline(rng), "email": f"data@{domain}.example.gov.cn"}


def save(out_dir: Path, slug: str, meta: dict, write_source) -> None:
    """Create datasets/<slug>/, let write_source(path) write the raw file, then the yaml beside it."""
    folder = out_dir / slug
    folder.mkdir(parents=True, exist_ok=True)
    write_source(folder / meta["source"]["file"])
    assert meta["identifier"] == slug
    write_yaml(folder / "dataset.yaml", meta)


# ---------------------------------------------------------------------------------------------------
# 1. 12345 hotline tickets (GBK CSV)
# ---------------------------------------------------------------------------------------------------
HOTLINE_CATEGORIES = {   # category -> (weight, handling department suffix, complaint bodies)
    "噪音扰民": (16, "公安分局", [
        "{addr}楼上住户每天晚上{hour}点以后仍有噪音，拖动家具、小孩跑跳，严重影响休息",
        "{road}附近工地夜间施工噪音扰民，{date}凌晨还在打桩作业",
        "小区广场舞音响噪音过大，每晚持续到{hour}点多，多次劝说无效",
        "楼下商铺空调外机噪音很大，住址{addr}，夜里无法入睡",
    ]),
    "物业管理": (15, "住房和城乡建设局", [
        "{community}物业不作为，电梯损坏{n}天仍未修复，老人上下楼困难",
        "{community}物业费从每平方米{price}元上涨，未经业主大会表决，物业拒绝公示收支",
        "物业公司擅自将小区公共绿地改为收费停车位，每月收取{amount}元",
        "住在{addr}，物业管理混乱，地下车库漏水无人处理",
    ]),
    "交通出行": (12, "交通运输局", [
        "{road}与{road2}交叉口信号灯故障，早高峰拥堵严重",
        "{n}路公交车班次太少，{date}在站台等了四十多分钟",
        "{road}人行道被电动车和共享单车占满，行人只能走机动车道",
        "乘坐出租车被绕路，多收车费{amount}元，订单号{order}",
    ]),
    "环境卫生": (12, "综合行政执法局", [
        "{road}沿线垃圾桶满溢无人清理，气味很大",
        "{community}旁边河道发黑发臭，希望尽快整治",
        "楼下餐饮店油烟直排，住址{addr}，窗户都不敢开",
    ]),
    "市场监管": (10, "市场监督管理局", [
        "在{road}一家超市购买的食品已过期，金额{amount}元，商家拒绝退货",
        "网购订单号{order}，商品与宣传不符，商家不予退款，涉及金额{amount}元",
        "{road}一家理发店办卡预付{amount}元后关门跑路",
    ]),
    "劳动保障": (8, "人力资源和社会保障局", [
        "在{road}某建筑工地务工，老板拖欠{date}以来工资共计{amount}元",
        "公司未依法缴纳社保，离职时未结清工资{amount}元",
    ]),
    "城市管理": (9, "综合行政执法局", [
        "{addr}顶楼有人违章搭建阳光房，存在安全隐患",
        "{road}夜市占道经营，垃圾遍地，噪音也很大",
    ]),
    "供水供电": (7, "住房和城乡建设局", [
        "{community}{date}起停水，没有提前通知，至今未恢复",
        "{addr}所在楼道电线老化，经常跳闸",
    ]),
    "教育服务": (6, "教育局", [
        "孩子就读的学校课后托管收费{amount}元，家长不清楚收费依据",
        "咨询{community}所属学区划分，学校电话一直无人接听",
    ]),
    "医疗卫生": (5, "卫生健康局", [
        "{date}在社区卫生服务中心就诊，医生态度恶劣",
        "咨询医保报销政策，住院费用{amount}元报销比例不清楚",
    ]),
}
OPENINGS = ["来电人{name}反映：", "投诉人{name}称：", "市民{name}来电反映，", "联系人：{name}。", "",
            "申请人{name}（身份证号{idno}）反映：", "来电人反映：", "", "市民来电反映，"]
ENDINGS = ["请相关部门尽快处理。", "要求回电，联系电话{mobile}。", "此前已拨打12345反映过，至今未解决。",
           "当时已拨打110报警，民警到场后仍未解决。", "诉求人希望在{due}前给予答复。",
           "如需核实请联系{other}，电话{mobile}。", "来电人要求保密，不愿透露更多信息。",
           "邻居李某某也反映过同样问题。", "请尽快处理，联系人{other}，手机{mobile}。", "请求处理。"]


def cn_day(d: date) -> str:
    return f"{d.month}月{d.day}日"


def hotline_text(fake: Faker, rng: random.Random, cat: str, d: str, name: str, phone: str,
                 received: datetime) -> str:
    """A complaint in the callers' words: names, mobiles, room-level addresses, ID numbers, decoys."""
    _, _, _, roads = DISTRICTS[d]
    slots = dict(
        addr=home_address(rng, d), road=rng.choice(roads), road2=rng.choice(roads), community=community(rng),
        hour=rng.choice(["十", "11", "12", "十一"]), n=rng.randint(2, 120), price=rng.choice(["1.8", "2.5", "3.2"]),
        amount=rng.choice([80, 150, 268, 500, 1200, 3800, 15000, 26500]),
        date=cn_day(received - timedelta(days=rng.randint(1, 40))),
        due=cn_day(received + timedelta(days=rng.randint(3, 15))), order=decoy_digits(rng, "2026", 19),
        name=name if name != "匿名" else person_name(fake, rng), other=person_name(fake, rng),
        mobile=mobile_written(rng, phone if rng.random() < 0.6 else mobile(rng)),
        idno=valid_resident_id(rng, rng.choice(WENZHOU_AREAS), birth_date(rng, 1955, 2004)),
    )
    body = rng.choice(HOTLINE_CATEGORIES[cat][2])
    text = rng.choice(OPENINGS) + body + "。" + rng.choice(ENDINGS)
    return text.format(**slots)


def hotline_department(cat: str, d: str) -> str:
    suffix = HOTLINE_CATEGORIES[cat][1]
    if suffix == "公安分局":
        return f"温州市公安局{d}分局" if d.endswith("区") else f"{d}公安局"
    if cat == "交通出行":
        return "温州市交通运输局"
    return dept_of(d, suffix)


def hotline_rows(seed: int = 12345, n: int = 1500) -> list[list]:
    fake, rng = Faker("zh_CN"), random.Random(seed)
    fake.seed_instance(seed)
    start = datetime(2026, 10, 1)
    # 51 days; most calls come in between 06:00 and midnight
    stamps = sorted(start + timedelta(days=rng.randrange(51), seconds=rng.randrange(6 * 3600, 24 * 3600))
                    for _ in range(n))
    cats = list(HOTLINE_CATEGORIES)
    weights = [v[0] for v in HOTLINE_CATEGORIES.values()]
    rows = []
    for i, ts in enumerate(stamps):
        d, cat = pick_district(rng), rng.choices(cats, weights)[0]
        name = "匿名" if rng.random() < 0.02 else person_name(fake, rng)
        phone = mobile(rng)
        status = rng.choices(["已办结", "办理中", "已退回"], [80, 15, 5])[0]
        done = ts + timedelta(hours=rng.randint(2, 240)) if status == "已办结" else None
        satisfaction = rng.choices(["非常满意", "满意", "基本满意", "不满意"], [30, 40, 18, 12])[0] if done else ""
        ticket = decoy_digits(rng, f"{ts:%Y%m%d}", 18)
        rows.append([ticket, f"{ts:%Y-%m-%d %H:%M:%S}", d, cat, name, phone,
                     hotline_text(fake, rng, cat, d, name, phone, ts), hotline_department(cat, d), status,
                     f"{done:%Y-%m-%d %H:%M:%S}" if done else "", satisfaction])
    return rows


def build_hotline(out_dir: Path) -> None:
    rng = random.Random("hotline-meta")
    columns = [
        col("工单编号", "text", "热线工单唯一编号（18位数字，日期+流水号，不是身份证号）"),
        col("受理时间", "datetime", "工单受理时间"),
        col("区县", "text", "诉求所属区县（市、区）", facet=True, quasi_identifier=True),
        col("诉求类型", "text", "诉求分类", facet=True),
        col("来电人", "text", "来电人姓名（匿名来电记为“匿名”）", personal="姓名", rule=PSEUDONYMIZE),
        col("联系电话", "text", "来电人手机号", personal="手机号码", rule=MASK_MOBILE),
        col("诉求内容", "text", "诉求的具体描述（自由文本，可能含姓名、电话、住址、身份证号）", search=True, free_text=True),
        col("承办部门", "text", "负责办理工单的部门", facet=True, search=True),
        col("办理状态", "text", "已办结、办理中或已退回", facet=True),
        col("办结时间", "datetime", "工单办结时间（未办结为空）"),
        col("满意度", "text", "来电人对办理结果的评价（未办结为空）", facet=True),
    ]
    meta = record(
        identifier="hotline-12345", title="12345政务服务便民热线工单", title_en="12345 Hotline Tickets",
        description="市民通过12345政务服务便民热线反映的诉求工单，含受理时间、所属区县、诉求类型、诉求内容、"
                    "承办部门、办理状态和满意度。诉求内容为来电记录原文，发布前须脱敏。",
        department=department("温州市政务服务管理局", "00257139"), themes=["城乡建设", "社会民生"],
        keywords=["12345", "热线", "工单", "投诉", "诉求"],
        source={"file": "tickets.csv", "encoding": "gbk"}, format="CSV", share_type="有条件共享",
        share_method=["查询引用", "批量复制"], open_type="无条件开放",
        legal_basis="《温州市政务数据资源共享管理办法（试行）》第十一条",
        update_frequency="每日", last_updated=date(2026, 11, 21), issued=date(2024, 1, 15),
        security_level="敏感", usage_requirements="使用时须注明数据来源，不得用于识别或联系特定个人。",
        contact=contact("12345热线管理处", rng, "wzzwfw"), temporal=(date(2026, 10, 1), date(2026, 11, 20)),
        k_anonymity=5, columns=columns,
    )
    header = [c["name"] for c in columns]
    save(out_dir, "hotline-12345", meta, lambda p: write_csv(p, header, hotline_rows(), "gbk"))


# ---------------------------------------------------------------------------------------------------
# 2. Administrative penalty disclosure (UTF-8 CSV)
# ---------------------------------------------------------------------------------------------------
PENALTY_ABBR = {"鹿城区": "温鹿", "龙湾区": "温龙", "瓯海区": "温瓯", "洞头区": "温洞", "瑞安市": "瑞",
                "乐清市": "乐", "龙港市": "龙港", "永嘉县": "永", "平阳县": "平", "苍南县": "苍",
                "文成县": "文", "泰顺县": "泰"}
VIOLATIONS = [   # (type, fact template, basis, penalty, amount range in 元)
    ("食品安全", "销售不符合食品安全标准的食品", "《中华人民共和国食品安全法》第一百二十四条第一款",
     "没收违法所得、罚款", (50000, 150000)),
    ("食品安全", "未取得食品经营许可从事食品经营活动", "《中华人民共和国食品安全法》第一百二十二条第一款",
     "没收违法所得、罚款", (50000, 100000)),
    ("价格违法", "未按规定明码标价", "《中华人民共和国价格法》第四十二条", "警告", (0, 0)),
    ("广告违法", "发布虚假广告", "《中华人民共和国广告法》第五十五条第一款", "罚款", (20000, 200000)),
    ("特种设备", "使用未经定期检验的特种设备", "《中华人民共和国特种设备安全法》第八十四条第一项",
     "罚款", (30000, 300000)),
    ("商标侵权", "销售侵犯注册商标专用权的商品", "《中华人民共和国商标法》第六十条第二款",
     "没收违法所得、罚款", (10000, 250000)),
    ("产品质量", "销售不合格产品", "《中华人民共和国产品质量法》第四十九条", "没收违法所得、罚款", (5000, 80000)),
    ("计量违法", "使用未经检定的计量器具", "《中华人民共和国计量法实施细则》第四十三条", "罚款", (1000, 1000)),
]


def penalty_rows(seed: int = 2026, n: int = 300) -> list[list]:
    fake, rng = Faker("zh_CN"), random.Random(seed)
    fake.seed_instance(seed)

    def one():
        d = pick_district(rng)
        decided = date(2026, 1, 5) + timedelta(days=rng.randrange(316))
        return company_name(rng, d, rng.choice(list(INDUSTRIES))), d, decided
    numbers = {d: rng.randint(20, 60) for d in DISTRICT_NAMES}    # each authority numbers its decisions
    rows = []
    for name, d, decided in sorted(unique(one, n), key=lambda c: (c[2], c[0])):
        numbers[d] += rng.randint(1, 4)
        kind, fact, basis, penalty, (lo, hi) = rng.choice(VIOLATIONS)
        male = rng.random() < 0.7
        rep = person_name(fake, rng, male)
        rep_id = valid_resident_id(rng, DISTRICTS[d][0], birth_date(rng, 1960, 1996), male)
        amount = rng.randrange(lo, hi + 1, 500) if hi > lo else lo
        gain = rng.randint(3, 900) * 10
        text = f"经查，当事人于{decided.year}年{rng.randint(1, decided.month)}月{fact}，违法所得{gain}元。"
        rows.append([f"{PENALTY_ABBR[d]}市监处罚〔2026〕{numbers[d]}号", name, random_uscc(rng, DISTRICTS[d][0]),
                     rep, rep_id, kind, text, basis, penalty, amount, decided.isoformat(),
                     dept_of(d, "市场监督管理局")])
    return rows


def build_penalty(out_dir: Path) -> None:
    rng = random.Random("penalty-meta")
    columns = [
        col("行政处罚决定书文号", "text", "处罚决定书编号", search=True),
        col("当事人名称", "text", "受处罚的企业名称", search=True),
        col("统一社会信用代码", "text", "受处罚企业的统一社会信用代码（法人，可公开）"),
        col("法定代表人", "text", "企业法定代表人姓名", personal="姓名", rule=PSEUDONYMIZE),
        col("法定代表人身份证号", "text", "企业法定代表人居民身份证号码", personal="身份证号", rule="drop"),
        col("违法行为类型", "text", "违法行为分类", facet=True),
        col("违法事实", "text", "主要违法事实", search=True),
        col("处罚依据", "text", "作出处罚所依据的法律条款"),
        col("处罚内容", "text", "处罚种类", facet=True),
        col("罚款金额", "number", "罚款金额（警告为0）", unit="元"),
        col("处罚决定日期", "date", "作出处罚决定的日期"),
        col("处罚机关", "text", "作出处罚决定的机关", facet=True),
    ]
    meta = record(
        identifier="admin-penalty", title="市场监管行政处罚信息公示", title_en="Administrative Penalty Disclosure",
        description="温州市各级市场监督管理部门作出的行政处罚决定，含决定书文号、当事人、违法事实、处罚依据、"
                    "处罚内容与金额。",
        department=department("温州市市场监督管理局", "00257252"), themes=["市场监管", "信用服务"],
        keywords=["行政处罚", "双公示", "市场监管", "信用"], source={"file": "penalties.csv", "encoding": "utf-8"},
        format="CSV", share_type="无条件共享", share_method=["查询引用", "批量复制"], open_type="无条件开放",
        update_frequency="每周", last_updated=date(2026, 11, 18), issued=date(2023, 6, 1), security_level="一般",
        usage_requirements="使用时须注明数据来源；处罚信息公示期满后不得继续传播。",
        contact=contact("信用监督管理处", rng, "wzamr"), temporal=(date(2026, 1, 1), date(2026, 11, 17)),
        columns=columns,
    )
    header = [c["name"] for c in columns]
    save(out_dir, "admin-penalty", meta, lambda p: write_csv(p, header, penalty_rows(), "utf-8"))


# ---------------------------------------------------------------------------------------------------
# 3. Public facilities (XLSX, no personal data; coordinates and office landlines are decoys)
# ---------------------------------------------------------------------------------------------------
FACILITY_TYPES = {   # type -> (count, opening hours choices, name maker)
    "公共厕所": (110, ["24小时开放", "06:00-22:00"]),
    "城市公园": (35, ["全天开放", "05:00-22:00", "06:00-21:30"]),
    "公共图书馆": (25, ["09:00-17:00（周一闭馆）", "08:30-20:30", "09:00-21:00（节假日照常开放）"]),
    "体育场馆": (30, ["06:00-21:00", "08:00-22:00", "09:00-21:00（周一上午维护）"]),
    "文化馆": (20, ["09:00-17:00", "08:30-17:00（周一闭馆）"]),
    "应急避难场所": (20, ["全天开放"]),
}
PARK_NAMES = ["松台山", "九山", "世纪", "杨府山", "绣山", "中央绿轴", "滨江", "三垟湿地", "翠微", "江心", "瓯江",
              "塘河", "东山", "西山", "望海", "状元", "永强", "梧田", "景山", "白鹿"]


def facility_name(rng: random.Random, kind: str, d: str, street: str, road: str) -> str:
    town = street[:2]
    if kind == "公共厕所":
        return f"{road}公共厕所（{rng.choice(['一', '二', '三', '四', '五', '六'])}号）"
    if kind == "城市公园":
        return rng.choice(PARK_NAMES) + rng.choice(["公园", "游园", "口袋公园"])
    if kind == "公共图书馆":
        return rng.choice([f"{d}图书馆", f"{d}图书馆{town}分馆", f"{town}城市书房"])
    if kind == "体育场馆":
        return rng.choice([f"{d}体育中心", f"{d}全民健身中心", f"{town}百姓健身房"])
    if kind == "文化馆":
        return rng.choice([f"{d}文化馆", f"{street}文化站", f"{town}文化礼堂"])
    return f"{street}{rng.choice(['中心广场', '体育场', '学校操场', '公园'])}应急避难场所"


def facility_rows(seed: int = 577) -> list[list]:
    rng = random.Random(seed)
    rows = []
    for kind, (count, hours) in FACILITY_TYPES.items():
        def one():
            d = pick_district(rng)
            street, road = rng.choice(DISTRICTS[d][2]), rng.choice(DISTRICTS[d][3])
            return facility_name(rng, kind, d, street, road), d, street, road
        for name, d, street, road in unique(one, count):
            lon, lat = jitter_point(rng, d)
            phone = None if kind == "公共厕所" else landline(rng)
            address = f"{full_district(d)}{street}{road}{rng.randint(1, 500)}号"
            checked = date(2026, 1, 10) + timedelta(days=rng.randrange(170))
            rows.append([name, kind, d, address, lon, lat, rng.choice(hours), phone,
                         rng.random() < 0.8, checked])
    return rows


def build_facilities(out_dir: Path) -> None:
    rng = random.Random("facilities-meta")
    columns = [
        col("设施名称", "text", "公共设施名称", search=True),
        col("设施类型", "text", "设施类别", facet=True),
        col("所属区县", "text", "设施所在区县（市、区）", facet=True),
        col("地址", "text", "设施所在地址（公共场所地址，非个人住址）", search=True, organisational=["住址"]),
        col("经度", "number", "WGS-84 经度", unit="度"),
        col("纬度", "number", "WGS-84 纬度", unit="度"),
        col("开放时间", "text", "对外开放时间"),
        col("联系电话", "text", "设施管理单位办公电话（公共厕所无）", organisational=["固定电话"]),
        col("无障碍设施", "boolean", "是否配有无障碍设施", facet=True),
        col("信息核验日期", "date", "最近一次实地核验日期"),
    ]
    meta = record(
        identifier="public-facilities", title="公共服务设施分布", title_en="Public Service Facilities",
        description="温州市公共厕所、城市公园、公共图书馆、体育场馆、文化馆和应急避难场所的名称、类型、地址、"
                    "经纬度、开放时间、联系电话及无障碍设施情况。",
        department=department("温州市综合行政执法局", "00257367"), themes=["城乡建设", "文化休闲", "社会民生"],
        keywords=["公共厕所", "公园", "图书馆", "体育场馆", "无障碍", "地图"],
        source={"file": "facilities.xlsx", "sheet": "公共设施"}, format="XLSX", share_type="无条件共享",
        share_method=["查询引用", "批量复制"], open_type="无条件开放", update_frequency="每季度",
        last_updated=date(2026, 6, 30), issued=date(2022, 9, 1), security_level="一般",
        usage_requirements="使用时须注明数据来源；设施信息以现场公示为准。",
        contact=contact("市容环境卫生管理处", rng, "wzzf"), temporal=(date(2026, 1, 1), date(2026, 6, 30)),
        columns=columns,
    )
    header = [c["name"] for c in columns]
    save(out_dir, "public-facilities", meta, lambda p: write_xlsx(
        p, [("公共设施", header, facility_rows())], "温州市综合行政执法局", datetime(2026, 6, 30, 9, 30)))


# ---------------------------------------------------------------------------------------------------
# 4. Hourly air quality (UTF-8 CSV, encoding left to detection; numbers only)
# ---------------------------------------------------------------------------------------------------
STATIONS = [("市监测站", "鹿城区", 1.0), ("南浦", "鹿城区", 1.05), ("龙湾", "龙湾区", 1.1), ("瓯海", "瓯海区", 1.0),
            ("洞头", "洞头区", 0.7), ("瑞安", "瑞安市", 1.05), ("乐清", "乐清市", 0.95), ("永嘉", "永嘉县", 0.9)]
# HJ 633-2012 breakpoints (PM: 24-hour limits, gases: 1-hour limits), IAQI 0..500.
IAQI = [0, 50, 100, 150, 200, 300, 400, 500]
BREAKPOINTS = {
    "PM2.5": [0, 35, 75, 115, 150, 250, 350, 500], "PM10": [0, 50, 150, 250, 350, 420, 500, 600],
    "O3": [0, 160, 200, 300, 400, 800, 1000, 1200], "NO2": [0, 100, 200, 700, 1200, 2340, 3090, 3840],
    "SO2": [0, 150, 500, 650, 800, 1600, 2100, 2620], "CO": [0, 5, 10, 35, 60, 90, 120, 150],
}
GRADES = [(50, "优"), (100, "良"), (150, "轻度污染"), (200, "中度污染"), (300, "重度污染"), (500, "严重污染")]


def iaqi(pollutant: str, value: float) -> int:
    bp = BREAKPOINTS[pollutant]
    for i in range(1, len(bp)):
        if value <= bp[i]:
            lo, hi = bp[i - 1], bp[i]
            return math.ceil((IAQI[i] - IAQI[i - 1]) * (value - lo) / (hi - lo) + IAQI[i - 1])
    return 500


def aqi_summary(values: dict) -> tuple[int, str, str]:
    """AQI, grade and primary pollutant(s) from the measured concentrations (missing ones skipped)."""
    scores = {p: iaqi(p, v) for p, v in values.items() if v is not None}
    aqi = max(scores.values())
    grade = next(g for limit, g in GRADES if aqi <= limit)
    primary = "" if aqi <= 50 else "、".join(p for p, s in scores.items() if s == aqi)
    return aqi, grade, primary


def air_rows(seed: int = 2025, hours: int = 250) -> list[list]:
    rng = random.Random(seed)
    end = datetime(2026, 11, 21, 23)
    first = end - timedelta(hours=hours - 1)
    rows = []
    for station, d, factor in STATIONS:
        drift = 0.0
        for h in range(hours):
            t = first + timedelta(hours=h)
            drift = 0.9 * drift + rng.gauss(0, 4)
            episode = 45 * math.exp(-((h - 150) / 20) ** 2)       # a haze episode around 11-18
            pm25 = max(3, round(factor * (28 + 8 * math.cos((t.hour - 8) / 24 * 2 * math.pi) + episode) + drift))
            sun = max(0.0, math.sin((t.hour - 7) / 12 * math.pi))
            values = {"PM2.5": pm25, "PM10": max(5, round(pm25 * rng.uniform(1.4, 1.9))),
                      "O3": max(2, round(25 + 110 * sun * factor + rng.gauss(0, 8))),
                      "NO2": max(2, round(factor * (22 + 18 * (t.hour in (7, 8, 9, 17, 18, 19))) + rng.gauss(0, 5))),
                      "SO2": max(2, round(6 * factor + rng.gauss(0, 1.5))),
                      "CO": round(max(0.2, 0.55 * factor + episode / 150 + rng.gauss(0, 0.08)), 1)}
            if station == "洞头" and 60 <= h < 63:                # instrument calibration: no gas data
                values["O3"] = values["NO2"] = None
            aqi, grade, primary = aqi_summary(values)
            rows.append([station, d, f"{t:%Y-%m-%d %H:%M}", aqi, grade, primary, *values.values()])
    return rows


def build_air(out_dir: Path) -> None:
    rng = random.Random("air-meta")
    ug = "μg/m³"
    columns = [
        col("监测站点", "text", "国控/省控空气自动监测站点名称", facet=True),
        col("所属区县", "text", "站点所在区县（市、区）", facet=True),
        col("监测时间", "datetime", "小时值时间（整点，北京时间）"),
        col("AQI", "integer", "空气质量指数（HJ 633-2012）"),
        col("空气质量等级", "text", "优、良、轻度污染等", facet=True),
        col("首要污染物", "text", "AQI大于50时IAQI最大的污染物", facet=True),
        col("PM2.5", "integer", "细颗粒物小时浓度", unit=ug),
        col("PM10", "integer", "可吸入颗粒物小时浓度", unit=ug),
        col("O3", "integer", "臭氧1小时浓度（仪器校准时为空）", unit=ug),
        col("NO2", "integer", "二氧化氮小时浓度（仪器校准时为空）", unit=ug),
        col("SO2", "integer", "二氧化硫小时浓度", unit=ug),
        col("CO", "number", "一氧化碳小时浓度", unit="mg/m³"),
    ]
    meta = record(
        identifier="air-quality", title="环境空气质量小时监测数据", title_en="Hourly Air Quality",
        description="温州市各空气自动监测站点逐小时的空气质量指数及PM2.5、PM10、O3、NO2、SO2、CO浓度。",
        department=department("温州市生态环境局", "00257481"), themes=["生态环境"],
        keywords=["空气质量", "AQI", "PM2.5", "监测站"], source={"file": "air_quality_hourly.csv"}, format="CSV",
        share_type="无条件共享", share_method=["查询引用", "批量复制"], open_type="无条件开放",
        update_frequency="实时", last_updated=date(2026, 11, 22), issued=date(2021, 3, 1), security_level="一般",
        usage_requirements="使用时须注明数据来源；实时数据未经审核，以最终审核数据为准。",
        contact=contact("生态环境监测处", rng, "wzepb"), temporal=(date(2026, 11, 11), date(2026, 11, 21)),
        columns=columns,
    )
    header = [c["name"] for c in columns]
    save(out_dir, "air-quality", meta, lambda p: write_csv(p, header, air_rows(), "utf-8"))


# ---------------------------------------------------------------------------------------------------
# 5. Enterprise registry (UTF-8 CSV with BOM)
# ---------------------------------------------------------------------------------------------------
ENTITY_TYPES = [   # (type, weight, name suffix, credit-code prefix, capital range in 万元)
    ("有限责任公司(自然人投资或控股)", 50, "有限公司", "91", (50, 5000)),
    ("有限责任公司(自然人独资)", 20, "有限公司", "91", (10, 1000)),
    ("股份有限公司(非上市、自然人投资或控股)", 6, "股份有限公司", "91", (1000, 30000)),
    ("个人独资企业", 10, "商行", "91", (1, 100)),
    ("合伙企业(普通合伙)", 6, "企业(普通合伙)", "91", (10, 500)),
    ("农民专业合作社", 8, "专业合作社", "93", (5, 300)),
]
REG_STATUS = [("存续", 78), ("在业", 10), ("吊销，未注销", 4), ("注销", 7), ("迁出", 1)]
SCOPE_TAIL = "（依法须经批准的项目，经相关部门批准后方可开展经营活动）"


def registry_row(fake: Faker, rng: random.Random, name: str, d: str, etype: tuple) -> list:
    kind, _, _, prefix, (lo, hi) = etype
    industry = next((k for k in INDUSTRIES if k in name), "商贸")
    capital = rng.randint(lo, hi)
    capital = round(capital + rng.choice([0, 0, 0, 0.5, 0.25]), 2) if capital < 100 else capital
    scope = "；".join(rng.sample(INDUSTRIES[industry], min(3, len(INDUSTRIES[industry])))) + SCOPE_TAIL
    founded = date(2000, 1, 1) + timedelta(days=rng.randrange((date(2026, 10, 31) - date(2000, 1, 1)).days))
    status = rng.choices([s for s, _ in REG_STATUS], [w for _, w in REG_STATUS])[0]
    return [name, random_uscc(rng, DISTRICTS[d][0], prefix), kind, person_name(fake, rng), capital,
            founded.isoformat(), dept_of(d, "市场监督管理局"), d, business_address(rng, d), scope, status]


def registry_rows(seed: int = 330300, n: int = 800) -> list[list]:
    fake, rng = Faker("zh_CN"), random.Random(seed)
    fake.seed_instance(seed)
    weights = [e[1] for e in ENTITY_TYPES]

    def one():
        d, etype = pick_district(rng), rng.choices(ENTITY_TYPES, weights)[0]
        if etype[0] == "农民专业合作社":
            name = f"{d}{rng.choice(streets_of(d))[:2]}{rng.choice(['杨梅', '柑橘', '茶叶', '蔬菜', '水产'])}专业合作社"
        else:
            name = company_name(rng, d, rng.choice(list(INDUSTRIES)), etype[2])
        return name, d, etype
    rows = [registry_row(fake, rng, name, d, etype) for name, d, etype in unique(one, n)]
    rows.sort(key=lambda r: (r[5], r[1]))
    return rows


def build_registry(out_dir: Path) -> None:
    rng = random.Random("registry-meta")
    columns = [
        col("企业名称", "text", "市场主体名称", search=True),
        col("统一社会信用代码", "text", "市场主体的统一社会信用代码（法人，可公开）"),
        col("企业类型", "text", "市场主体类型", facet=True),
        col("法定代表人", "text", "法定代表人（负责人、投资人）姓名", personal="姓名", rule=PSEUDONYMIZE),
        col("注册资本", "number", "注册资本（出资额）", unit="万元"),
        col("成立日期", "date", "成立日期"),
        col("登记机关", "text", "登记机关", facet=True),
        col("所属区县", "text", "住所所在区县（市、区）", facet=True),
        col("住所", "text", "企业住所（经营场所，非个人住址）", search=True, organisational=["住址"]),
        col("经营范围", "text", "经营范围", search=True),
        col("登记状态", "text", "存续、在业、吊销、注销或迁出", facet=True),
    ]
    meta = record(
        identifier="business-registry", title="市场主体登记信息", title_en="Enterprise Registry",
        description="在温州市登记的企业、合伙企业和农民专业合作社的名称、统一社会信用代码、类型、法定代表人、"
                    "注册资本、成立日期、住所、经营范围和登记状态。",
        department=department("温州市市场监督管理局", "00257252"), themes=["市场监管", "经济建设"],
        keywords=["企业", "市场主体", "工商登记", "统一社会信用代码"],
        source={"file": "registry.csv", "encoding": "utf-8-sig"}, format="CSV", share_type="无条件共享",
        share_method=["比对验证", "查询引用", "批量复制"], open_type="无条件开放", update_frequency="每月",
        last_updated=date(2026, 11, 1), issued=date(2020, 5, 20), security_level="一般",
        usage_requirements="使用时须注明数据来源；登记信息以国家企业信用信息公示系统为准。",
        contact=contact("登记注册处", rng, "wzamr"), temporal=(date(2000, 1, 1), date(2026, 10, 31)),
        columns=columns,
    )
    header = [c["name"] for c in columns]
    save(out_dir, "business-registry", meta, lambda p: write_csv(p, header, registry_rows(), "utf-8-sig"))


# ---------------------------------------------------------------------------------------------------
# 6. Water use of key enterprises (open on request; enterprise-level, no personal data)
# ---------------------------------------------------------------------------------------------------
WATER_INDUSTRIES = {"造纸": 9.0, "印染": 7.5, "化工": 5.0, "电镀": 1.2, "皮革": 2.5, "食品加工": 1.8,
                    "火力发电": 30.0, "酿造": 1.5}   # industry -> typical monthly use in 万立方米
WATER_SOURCES = ["地表水", "地下水", "自来水"]


def water_rows(seed: int = 3303, companies: int = 60) -> list[list]:
    rng = random.Random(seed)

    def one():
        d = pick_district(rng, URBAN + ["永嘉县", "平阳县", "苍南县"])
        industry = rng.choice(list(WATER_INDUSTRIES))
        return company_name(rng, d, industry if industry != "火力发电" else "热电"), d, industry
    rows = []
    for k, (name, d, industry) in enumerate(unique(one, companies)):
        code = random_uscc(rng, DISTRICTS[d][0])
        permit = f"取水(浙温)字[{rng.randint(2019, 2025)}]第{k * 7 + rng.randint(1, 6):04d}号"
        source = rng.choice(WATER_SOURCES)
        base = WATER_INDUSTRIES[industry] * rng.uniform(0.3, 1.6)
        quota = round(base * 13.5, 1)
        for m in range(12):
            month = date(2025 + (9 + m) // 12, (9 + m) % 12 + 1, 1)     # 2025-10 .. 2026-09
            season = 1 + 0.15 * math.sin((month.month - 4) / 12 * 2 * math.pi)
            used = round(base * season * rng.uniform(0.9, 1.1), 2)
            reuse = round(rng.uniform(40, 95), 1)
            rows.append([name, code, d, industry, permit, source, f"{month:%Y-%m}", used, quota, reuse])
    return rows


def build_water(out_dir: Path) -> None:
    rng = random.Random("water-meta")
    columns = [
        col("企业名称", "text", "重点监控用水单位名称", search=True),
        col("统一社会信用代码", "text", "用水单位的统一社会信用代码"),
        col("所属区县", "text", "企业所在区县（市、区）", facet=True),
        col("行业类别", "text", "国民经济行业大类", facet=True),
        col("取水许可证编号", "text", "取水许可证编号"),
        col("水源类型", "text", "地表水、地下水或自来水", facet=True),
        col("统计月份", "text", "统计月份（YYYY-MM）", facet=True),
        col("月取水量", "number", "当月实际取水量", unit="万立方米"),
        col("年许可取水量", "number", "取水许可证核定的年取水量", unit="万立方米"),
        col("重复利用率", "number", "工业用水重复利用率", unit="%"),
    ]
    meta = record(
        identifier="water-use-enterprises", title="重点用水企业用水量", title_en="Water Use of Key Enterprises",
        description="温州市重点监控用水企业逐月取水量、许可取水量和用水重复利用率。涉及企业生产经营信息，"
                    "依申请开放。",
        department=department("温州市水利局", "00257594"), themes=["资源能源", "生态环境"],
        keywords=["用水", "取水许可", "重点用水企业", "节水"],
        source={"file": "water_use.csv", "encoding": "utf-8"}, format="CSV", share_type="有条件共享",
        share_method=["查询引用"], open_type="依申请开放",
        legal_basis="《温州市政务数据资源共享管理办法（试行）》第十一条第（二）项；涉及企业商业秘密，"
                    "依《中华人民共和国反不正当竞争法》第九条须经申请审核后提供",
        update_frequency="每季度", last_updated=date(2026, 10, 20), issued=date(2024, 4, 1),
        security_level="敏感", usage_requirements="仅限申请时载明的用途和场景使用，不得转让或公开，使用期满后删除。",
        contact=contact("水资源管理处", rng, "wzsl"), temporal=(date(2025, 10, 1), date(2026, 9, 30)),
        columns=columns,
    )
    header = [c["name"] for c in columns]
    save(out_dir, "water-use-enterprises", meta, lambda p: write_csv(p, header, water_rows(), "utf-8"))


# ---------------------------------------------------------------------------------------------------
# 7. Public rental housing allocation results (XLSX; the data is on the second sheet)
# ---------------------------------------------------------------------------------------------------
HOUSING_PROJECTS = {"鹿城区": ["双屿人才公寓", "南塘锦园"], "龙湾区": ["蒲州公寓", "永中新苑"],
                    "瓯海区": ["三垟湿地人才公寓", "新桥公租房"], "洞头区": ["北岙安居苑"],
                    "瑞安市": ["安阳公租房", "塘下新居"], "乐清市": ["城南安居苑", "柳市公寓"]}
HOUSING_KINDS = [("城镇中低收入住房困难家庭", 55), ("新就业无房职工", 25), ("外来务工人员", 20)]
LAYOUTS = [("一室一厅", 35, 45), ("两室一厅", 50, 65), ("三室一厅", 70, 85)]
ROUNDS = [date(2026, 3, 18), date(2026, 6, 16), date(2026, 9, 10)]
INSTRUCTIONS = [
    ["2026年度温州市公共租赁住房配租结果公示"],
    ["公示期：自公示之日起15日。数据见工作表“配租结果”。"],
    ["如对公示结果有异议，请在公示期内向温州市住房保障服务中心书面反映，电话0577-88960123。"],
]


def housing_person(fake: Faker, rng: random.Random, kind: str, allocated: date) -> tuple[str, str, str]:
    male = rng.random() < 0.5
    name = person_name(fake, rng, male)
    area = rng.choice(OTHER_AREAS) if kind == "外来务工人员" and rng.random() < 0.7 else rng.choice(WENZHOU_AREAS)
    born = birth_date(rng, 1962, 2002 if kind == "新就业无房职工" else 1998)
    assert (allocated - born).days > 18 * 365
    return name, valid_resident_id(rng, area, born, male), mobile(rng)


def housing_rows(seed: int = 88960123, n: int = 420) -> list[list]:
    fake, rng = Faker("zh_CN"), random.Random(seed)
    fake.seed_instance(seed)
    rows = []
    for i in range(n):
        d = rng.choice(list(HOUSING_PROJECTS))
        project = rng.choice(HOUSING_PROJECTS[d])
        kind = rng.choices([k for k, _ in HOUSING_KINDS], [w for _, w in HOUSING_KINDS])[0]
        size = rng.choices([1, 2, 3, 4], [25, 30, 30, 15])[0]
        layout, lo, hi = LAYOUTS[min(size, 3) - 1]
        area = round(rng.uniform(lo, hi), 2)
        allocated = ROUNDS[i * len(ROUNDS) // n]
        name, idno, phone = housing_person(fake, rng, kind, allocated)
        room = f"{rng.randint(2, 18)}{rng.randint(1, 6):02d}"
        address = (f"浙江省温州市{d}{rng.choice(DISTRICTS[d][3])}{rng.randint(1, 300)}号"
                   f"{project}{rng.randint(1, 12)}幢{room}室")
        rent = round(area * rng.choice([9.5, 11.0, 12.5]), 1)
        rows.append([i + 1, name, idno, phone, size, kind, d, project, address, layout, area, rent, allocated])
    return rows


def build_housing(out_dir: Path) -> None:
    rng = random.Random("housing-meta")
    columns = [
        col("序号", "integer", "公示序号"),
        col("申请人", "text", "承租申请人姓名", personal="姓名", rule=PSEUDONYMIZE),
        col("身份证号码", "text", "申请人居民身份证号码", personal="身份证号", rule="drop"),
        col("联系电话", "text", "申请人手机号", personal="手机号码", rule=MASK_MOBILE),
        col("家庭人口", "integer", "共同申请的家庭成员人数", unit="人", quasi_identifier=True),
        col("保障类型", "text", "保障对象类别", facet=True),
        col("所属区县", "text", "房源所在区县（市、区）", facet=True, quasi_identifier=True),
        col("配租项目", "text", "公共租赁住房项目名称", facet=True, search=True),
        col("房源地址", "text", "配租房源地址（具体到室，即承租人住址）", personal="住址",
            rule=Flow(op="generalize", kind="address")),
        col("户型", "text", "房屋户型", facet=True),
        col("建筑面积", "number", "房屋建筑面积", unit="平方米"),
        col("月租金", "number", "每月租金", unit="元"),
        col("配租日期", "date", "摇号配租日期"),
    ]
    meta = record(
        identifier="public-housing-allocation", title="公共租赁住房配租结果公示",
        title_en="Public Rental Housing Allocation Results",
        description="温州市公共租赁住房各批次摇号配租结果，含申请人、家庭人口、保障类型、配租项目、房源、户型、"
                    "面积和租金。申请人身份信息发布前须脱敏。",
        department=department("温州市住房和城乡建设局", "00257703"), themes=["城乡建设", "社会民生"],
        keywords=["公租房", "住房保障", "配租", "摇号", "公示"],
        source={"file": "allocation.xlsx", "sheet": "配租结果"}, format="XLSX", share_type="有条件共享",
        share_method=["比对验证", "查询引用"], open_type="无条件开放",
        legal_basis="《温州市政务数据资源共享管理办法（试行）》第十一条；《公共租赁住房管理办法》第二十二条",
        update_frequency="不定期", last_updated=date(2026, 9, 15), issued=date(2025, 3, 20), security_level="敏感",
        usage_requirements="仅用于住房保障公示监督；不得用于识别、联系或营销特定个人。",
        contact=contact("住房保障处", rng, "wzjs"), temporal=(date(2026, 3, 18), date(2026, 9, 10)),
        k_anonymity=5, columns=columns,
    )
    header = [c["name"] for c in columns]
    sheets = [("填报说明", ["说明"], INSTRUCTIONS), ("配租结果", header, housing_rows())]
    save(out_dir, "public-housing-allocation", meta, lambda p: write_xlsx(
        p, sheets, "温州市住房和城乡建设局", datetime(2026, 9, 15, 10, 0)))


# ---------------------------------------------------------------------------------------------------
# 8. Emergency supply depots (不予开放: a catalogue entry only, organisational data)
# ---------------------------------------------------------------------------------------------------
DEPOT_GOODS = ["防汛抗台物资", "生活救助物资", "森林消防物资", "应急照明与发电设备", "医疗防护物资"]


def depot_name(rng: random.Random, d: str, level: str) -> str:
    if level == "市级":
        return f"温州市{rng.choice(['中心', '东部', '南部', '北部'])}应急物资储备库"
    if level == "县级":
        return f"{full_district(d)}应急物资储备库{rng.choice(['', '一号库', '二号库'])}"
    return f"{full_district(d)}{rng.choice(streets_of(d))}应急物资储备点"


def depot_rows(seed: int = 119) -> list[list]:
    rng = random.Random(seed)

    def one():
        d = pick_district(rng)
        level = rng.choices(["市级", "县级", "乡镇级"], [1, 4, 8])[0]
        return depot_name(rng, d, level), d, level
    rows = []
    for name, d, level in unique(one, 40):
        keeper = "温州市应急管理局" if level == "市级" else dept_of(d, "应急管理局")
        address = f"{full_district(d)}{rng.choice(DISTRICTS[d][3])}{rng.randint(1, 500)}号"
        rows.append([name, d, level, "、".join(rng.sample(DEPOT_GOODS, rng.randint(1, 3))),
                     rng.randrange(200, 6000, 50), address, keeper, landline(rng)])
    return rows


def build_depots(out_dir: Path) -> None:
    rng = random.Random("depots-meta")
    columns = [
        col("储备库名称", "text", "应急物资储备库点名称"),
        col("所属区县", "text", "所在区县（市、区）", facet=True),
        col("库点级别", "text", "市级、县级或乡镇级", facet=True),
        col("储备物资类别", "text", "主要储备物资类别"),
        col("库容面积", "integer", "仓库建筑面积", unit="平方米"),
        col("库点地址", "text", "储备库地址（涉及安全，不予开放）", organisational=["住址"]),
        col("管理单位", "text", "负责管理的部门", facet=True),
        col("值班电话", "text", "库点24小时值班电话（单位电话）", organisational=["固定电话"]),
    ]
    meta = record(
        identifier="emergency-supply-depots", title="应急物资储备库点", title_en="Emergency Supply Depots",
        description="温州市市、县、乡镇三级应急物资储备库点的名称、位置、库容和储备物资类别。"
                    "涉及公共安全，仅列入目录，不予开放。",
        department=department("温州市应急管理局", "00257818"), themes=["公共安全"],
        keywords=["应急", "物资储备", "防汛抗台"], source={"file": "depots.csv", "encoding": "utf-8"},
        format="CSV", share_type="有条件共享", share_method=["查询引用"], open_type="不予开放",
        legal_basis="《中华人民共和国突发事件应对法》；《温州市政务数据资源共享管理办法（试行）》第十一条",
        update_frequency="每年", last_updated=date(2026, 3, 1), issued=date(2024, 3, 1), security_level="重要",
        usage_requirements="仅限政务部门因应急处置需要经审批后共享使用，不得对外公开。",
        contact=contact("救灾和物资保障处", rng, "wzyjj"), temporal=(date(2026, 1, 1), date(2026, 2, 28)),
        columns=columns,
    )
    header = [c["name"] for c in columns]
    save(out_dir, "emergency-supply-depots", meta, lambda p: write_csv(p, header, depot_rows(), "utf-8"))


BUILDERS = [build_hotline, build_penalty, build_facilities, build_air, build_registry, build_water,
            build_housing, build_depots]


def generate_all(out_dir: Path) -> None:
    """Write every sample dataset under out_dir/<slug>/ (the same bytes on every run)."""
    out_dir = Path(out_dir)
    for build in BUILDERS:
        build(out_dir)


if __name__ == "__main__":
    generate_all(HERE)
    print(f"wrote {len(BUILDERS)} datasets under {HERE}")
