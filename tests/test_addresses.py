"""Addresses end where the address ends: road, number, estate, building, unit, floor and room, half- and
full-width digits, dash forms and rural 村/组/号 are redacted together; the district stays (鹿城区［地址］);
no building or room number survives next to the placeholder; an address column is redacted whole.
Every case is generated (seeded Faker zh_CN names, divisions drawn from the lexicon, own templates)."""
import random
import re

import pytest
from faker import Faker

from anonymize import addresses
from anonymize.detect import find
from anonymize.operators import generalize
from anonymize.policy import desensitize
from anonymize.scan import Scanner, scan_cell

FW = str.maketrans("0123456789-", "０１２３４５６７８９－")
N_CASES = 40


def _districts(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """(opening written in full, county) drawn from the lexicon: province + city + county, or fewer."""
    rows = [line.split("\t") for line in addresses.DIVISIONS.strip().split("\n")]
    names = {code: name for _, code, name, _ in rows}
    counties = sorted((code, name) for level, code, name, _ in rows if level == "county")
    out = []
    for code, county in rng.sample(counties, n):
        province, city = names.get(code[:2] + "0000", ""), names.get(code[:4] + "00", "")
        opening = rng.choice([province + (city if city != province else "") + county, city + county, county])
        out.append((opening, county))
    return out


def _detail(f: Faker, rng: random.Random, kind: str) -> str:
    """The part of an address below the district, in one of the forms departments write."""
    n = rng.randint
    estate = f.first_name() + rng.choice(["小区", "花园", "家园", "新村", "苑", "公寓", "府", "国际", "名居", "印象", "人家"])
    road = f.street_name()
    return {
        "road_room": f"{road}{n(1, 999)}号{estate}{n(1, 40)}幢{n(1, 6)}单元{n(101, 2802)}室",
        "road_house": f"{road}{n(1, 999)}号{n(1, 30)}号楼{n(1, 6)}单元{n(1, 30)}层",
        "road_yard": f"{road}{n(1, 300)}号院{n(1, 20)}号楼{n(1, 4)}单元{n(101, 2802)}",
        "road_attached": f"{road}{n(1, 300)}号附{n(1, 9)}号",
        "estate_block": f"{estate}{n(1, 40)}{rng.choice(['幢', '栋', '座', '号楼'])}{n(1, 6)}单元{n(101, 3302)}"
                        f"{rng.choice(['室', '号', '户'])}",
        "estate_room": f"{estate}{n(1, 40)}{rng.choice(['幢', '栋', '座'])}{n(101, 2802)}室",
        "estate_dash": f"{estate}{n(1, 40)}-{n(1, 6)}-{n(101, 2802)}",
        "road_dash": f"{road}{n(1, 40)}-{n(1, 6)}-{n(101, 2802)}",
        "house_room": f"{estate}{n(1, 40)}号{n(101, 2802)}室",
        "rural": f"{f.last_name()}家{rng.choice(['村', '庄村', '湾村'])}{n(1, 15)}组{n(1, 200)}号",
        "town_rural": f"{f.first_name()}镇{f.first_name()}村{rng.choice(['', f'{n(1, 15)}组'])}{n(1, 200)}号",
        "village_group": f"{f.first_name()}镇{f.last_name()}家村{rng.choice([str(n(1, 15)), '三', '十二'])}组",
        "estate_dash2": f"{f.first_name()}{rng.choice(['新村', '小区', '花园', '公寓'])}{n(1, 99)}-{n(101, 2802)}",
        "spaced": f"{road} {n(1, 999)}号 {estate} {n(1, 40)}幢 {n(1, 6)}单元 {n(101, 2802)}室",
    }[kind]


KINDS = ["road_room", "road_house", "road_yard", "road_attached", "estate_block", "estate_room", "estate_dash",
         "road_dash", "house_room", "rural", "town_rural", "village_group", "estate_dash2", "spaced"]


def _cases(seed: int, width: str) -> list[tuple[str, str, str]]:
    """(kind, whole address, the district that stays)."""
    f, rng = Faker("zh_CN"), random.Random(seed)
    f.seed_instance(seed)
    out = []
    for i, (opening, _) in enumerate(_districts(rng, N_CASES)):
        kind = KINDS[i % len(KINDS)]
        opening = opening if rng.random() < 0.8 else ""
        detail = _detail(f, rng, kind)
        if width == "full":
            detail = detail.translate(FW)
        out.append((kind, opening + detail, opening))
    return out


WHOLE = [pytest.param(text, district, id=f"{width}-{kind}-{i}")
         for width in ("half", "full") for i, (kind, text, district) in enumerate(_cases(7 if width == "half" else 8, width))]
_DIGITS = re.compile("[0-9０-９]")


@pytest.mark.parametrize("text, district", WHOLE)
def test_whole_address_is_one_finding_and_keeps_the_district(text, district):
    found = [f for f in find(text) if f.entity == "CN_ADDRESS"]
    assert [(f.start, f.end) for f in found] == [(0, len(text))], [text[f.start:f.end] for f in found]
    cell = scan_cell(Scanner(), text)
    assert cell.value == district + "［地址］" and cell.residual is None


SENTENCES = [
    ("家住{a}，{rest}", "家住"), ("户籍地址为{a}。{rest}", "户籍地址为"), ("原住址{a}，已搬迁。{rest}", "原住址"),
    ("房屋坐落{a}，{rest}", "房屋坐落"), ("送达地址：{a}；{rest}", "送达地址："), ("现住{a}，{rest}", "现住"),
    ("{rest}地址{a}", "地址"),
]
RESTS = ["请社区核实", "楼道灯坏了三天", "已电话回访", "要求尽快处理", "已转街道办理"]


def _sentences(seed: int):
    rng = random.Random(seed)
    out = []
    for i, (kind, addr, district) in enumerate(_cases(seed, "half" if seed % 2 else "full")):
        template, cue = SENTENCES[i % len(SENTENCES)]
        rest = rng.choice(RESTS)
        text = template.format(a=addr, rest=rest)
        expected = template.format(a=district + "［地址］", rest=rest)
        out.append(pytest.param(text, expected, id=f"{kind}-{i}"))
    return out


@pytest.mark.parametrize("text, expected", _sentences(11) + _sentences(12))
def test_address_in_a_sentence_goes_and_the_sentence_stays(text, expected):
    cell = scan_cell(Scanner(), text)
    assert cell.value == expected and cell.residual is None
    # No building or room number survives next to the placeholder.
    assert not re.search("［地址］[^，。；\\s]{0,6}[0-9０-９]", cell.value)


@pytest.mark.parametrize("text", [
    "申请日期2024-03-05，已受理", "学习第3单元的内容", "12月5号3楼会议室开会", "(2024)浙0302执1234号",
    "浙食药监械经营备20150012号", "受理编号12-30", "第3-5条规定", "本单元共3个问题", "温州市鹿城区", "鹿城区人民路",
    "召开村民小组会议", "村民小组3组长", "幼儿园12个班",
])
def test_not_addresses(text):
    assert not [f for f in find(text) if f.entity == "CN_ADDRESS"], text


@pytest.mark.parametrize("text, district", [pytest.param(t, d, id=f"g{i}") for i, (_, t, d) in enumerate(_cases(9, "half"))])
def test_generalize_keeps_the_district_from_the_lexicon(text, district):
    assert generalize(text, "address") == (district or "（地址已隐去）")


def test_lexicon_is_the_generated_one():
    d = addresses.divisions()
    assert len(d["county"]) > 2800 and len(d["province"]) >= 34 and "jionlp" in addresses.SOURCE
    # An estate that ends in 区 is no district: the lexicon, not a suffix, decides.
    assert addresses.district_prefix("翠苑一区27幢1901号") == ""


def test_lexicon_regenerates_from_jionlp(tmp_path):
    """The committed lexicon is what `python -m anonymize.addresses --build` makes from jionlp (a test
    dependency): a jionlp update shows here as a diff to regenerate, not as silent drift."""
    import importlib.util
    import subprocess
    import sys
    from pathlib import Path
    assert importlib.util.find_spec("jionlp") is not None, "pip install jionlp (in the test extra)"
    out = tmp_path / "divisions.py"
    subprocess.run([sys.executable, "-m", "anonymize.addresses", "--build", str(out)], check=True,
                   cwd=Path(__file__).resolve().parent.parent, capture_output=True, timeout=120)
    assert out.read_text(encoding="utf-8") == Path(addresses.__file__).with_name("_divisions.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("header", ["现居住地址", "户籍地址", "家庭住址", "联系地址", "通讯地址", "住址"])
def test_address_column_is_redacted_whole(header):
    f, rng = Faker("zh_CN"), random.Random(len(header))
    f.seed_instance(len(header))
    # Forms the detector alone would not take whole (no building or room), and complete ones.
    cells = [c for _, c, _ in _cases(len(header), "half")][:20]
    cells += [f"{opening}{f.street_name()}旁{f.first_name()}家" for opening, _ in _districts(rng, 10)]
    _, out, report = desensitize(["编号", header], iter([[str(i), c] for i, c in enumerate(cells)]), None,
                                 b"k" * 32, "t", workers=1)
    rows = list(out)
    for (_, got), cell in zip(rows, cells):
        assert got.endswith("［地址］") and not _DIGITS.search(got), (cell, got)
        assert cell.startswith(got[:-len("［地址］")])
    assert report.columns[1].profile.startswith("identifier (CN_ADDRESS")
