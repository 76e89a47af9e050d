"""Headers as vocabulary: roles x attributes, normalisation, kind words, organisations and things, and
what a recognised header does to a table (whole-cell redaction, kinds kept, the rule in the report)."""
import itertools
import random

import pytest
from faker import Faker

from anonymize.headers import classify, header_entity, normalize
from anonymize.policy import desensitize

ROLES = "申请人 共同申请人 当事人 联系人 法定代表人 监护人 经办人 户主 被征收人 代办人 承租人 家长 车主".split()
ATTRIBUTES = {
    "姓名": "PERSON", "电话": "CN_MOBILE", "手机号码": "CN_MOBILE", "联系电话": "CN_MOBILE",
    "身份证号": "CN_RESIDENT_ID", "证件号码": "CN_RESIDENT_ID", "身份证明号码": "CN_RESIDENT_ID",
    "地址": "CN_ADDRESS", "现居住地址": "CN_ADDRESS", "户籍地址": "CN_ADDRESS", "通讯地址": "CN_ADDRESS",
    "银行账号": "BANK_CARD", "代扣账号": "BANK_CARD", "驾驶证号": "CN_PERSONAL_NUMBER",
    "社保卡号": "CN_PERSONAL_NUMBER", "出生日期": "DATE_OF_BIRTH", "电子邮箱": "EMAIL", "护照号码": "CN_PASSPORT",
}


@pytest.mark.parametrize("role,attribute", list(itertools.product(ROLES, ATTRIBUTES)))
def test_role_times_attribute_is_personal(role, attribute):
    m = classify(role + attribute)
    assert (m.kind, m.entity, m.owner) == ("personal", ATTRIBUTES[attribute], "role")
    assert role in m.rule and attribute in m.rule


@pytest.mark.parametrize("role", ROLES)
def test_a_role_alone_names_a_person(role):
    assert header_entity(role) == "PERSON"


@pytest.mark.parametrize("header", ["家庭住址", "现居住地址", "户籍地址", "户籍所在地", "居住地址"])
def test_home_addresses_are_personal_without_a_role(header):
    assert classify(header).kind == "personal" and header_entity(header) == "CN_ADDRESS"


@pytest.mark.parametrize("noisy,clean", [
    ("（1）申请人 姓名", "申请人姓名"), ("１.户主身份证号（必填）", "户主身份证号"), ("联系电话*", "联系电话"),
    ("Ｅｍａｉｌ", "email"), ("申请人_联系电话", "申请人联系电话"), ("月保障金（元）", "月保障金"),
    ("建筑面积(㎡)", "建筑面积"),
])
def test_normalisation(noisy, clean):
    assert normalize(noisy)[0] == clean
    assert classify(noisy) == classify(clean)


@pytest.mark.parametrize("thing,kind_word", list(itertools.product(
    "号牌 证件 车辆 地址 身份证件 联系人证件 法定代表人证件 犬只".split(), "种类 类型 类别 性质".split())))
def test_headers_of_a_kind_are_never_the_identifier(thing, kind_word):
    m = classify(thing + kind_word)
    assert m.kind == "describes_kind" and m.entity is None and kind_word in m.rule


@pytest.mark.parametrize("org,attribute", list(itertools.product(
    "单位 学校 医院 机构 办公 咨询 值班 服务 企业".split(), "地址 电话 邮箱".split())))
def test_an_organisations_own_contact_point(org, attribute):
    m = classify(org + attribute)
    assert m.kind in ("org_contact", "public_contact") and header_entity(org + attribute) is None


@pytest.mark.parametrize("header", ["网址", "单位网站", "学校主页"])
def test_websites_are_an_organisations(header):
    assert classify(header).kind == "org_contact"


@pytest.mark.parametrize("header", ["单位名称或姓名", "被执行人姓名/名称", "身份证号码/组织机构代码",
                                    "统一社会信用代码或身份证号码", "姓名（名称）"])
def test_alternatives_of_a_person_and_an_organisation_are_mixed(header):
    assert classify(header).kind == "mixed"


@pytest.mark.parametrize("header", ["犬名", "犬只出生日期", "芯片编号", "车辆名称", "预约编号", "许可编号", "项目名称"])
def test_a_things_attributes_are_not_a_persons(header):
    assert classify(header).kind == "nonperson" and header_entity(header) is None


@pytest.mark.parametrize("header", ["被执行人的履行情况", "申请人数", "失信被执行人行为具体情形", "备注", "开户银行",
                                    "办理结果", "服务区域"])
def test_headers_that_mention_a_role_but_hold_no_identifier(header):
    assert header_entity(header) is None


def test_plates_of_vehicles_are_their_owners():
    assert header_entity("车辆号牌") == "CN_LICENSE_PLATE"


# --- what a recognised header does to a table -------------------------------------------------------

def _table(seed: int, rows: int = 40):
    f, rng = Faker("zh_CN"), random.Random(seed)
    f.seed_instance(seed)
    header = ["序号", "申请人", "号牌种类", "现居住地址", "监护人联系电话", "代扣账号"]
    data = [[str(i), f.name(), rng.choice(["小型汽车", "大型汽车", "新能源小型车", "摩托车"]),
             f"{f.district()}区{f.street_name()}{rng.randint(1, 300)}号{rng.randint(1, 30)}-{rng.randint(1, 6)}-"
             f"{rng.randint(1, 30)}0{rng.randint(1, 4)}", f.phone_number(), str(rng.randint(10 ** 11, 10 ** 12))]
            for i in range(rows)]
    return header, data


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_header_columns_are_redacted_whole_and_kinds_kept(seed):
    header, data = _table(seed)
    _, out, report = desensitize(header, iter(data), None, b"k" * 32, "t")
    out = list(out)
    for before, after in zip(data, out):
        assert after[1] == "［姓名］"
        assert after[2] == before[2]                        # 号牌种类 is a kind, kept
        assert after[3].endswith("［地址］") and not any(c.isdigit() for c in after[3])
        assert before[4] not in after[4] and before[5] not in after[5]
    profiles = {c.name: c.profile for c in report.columns}
    assert "现居" in profiles["现居住地址"] and "监护人" in profiles["监护人联系电话"]
    assert "种类" in profiles["号牌种类"]


def test_a_cell_without_digits_in_a_number_column_is_not_an_identifier():
    header = ["姓名", "联系电话", "银行账号"]
    rows = [["王芳", "无电话", "发放至社会保障卡"], ["李明", "13812345678", "6222020200112233445"]] * 3
    _, out, _ = desensitize(header, iter(rows), None, b"k" * 32, "t")
    out = list(out)
    assert out[0][1:] == ["无电话", "发放至社会保障卡"]
    assert "12345678" not in out[1][1] and out[1][2] == "［银行卡号］"


def test_a_things_code_keeps_no_identifier_in_it():
    """许可编号 is a thing's code, yet a licence numbered with its holder's ID number is that ID."""
    from anonymize.checksums import id_check_digit
    rid = "33030219880506123" + id_check_digit("33030219880506123")
    rows = [[rid, "小型汽车"]] * 3
    _, out, _ = desensitize(["许可编号", "号牌种类"], iter(rows), None, b"k" * 32, "t")
    assert all(r[0] != rid and r[1] == "小型汽车" for r in out)


@pytest.mark.parametrize("seed", [1, 2])
def test_surname_led_categories_repeated_across_rows_are_not_names(seed):
    """A category column (dog breeds, departments) whose few values start with a surname character."""
    f, rng = Faker("zh_CN"), random.Random(seed)
    f.seed_instance(seed)
    cats = ["柴犬", "金毛", "麻醉科", "田园犬", "马犬"]
    rows = [[rng.choice(cats), f.name()] for _ in range(400)]
    _, out, _ = desensitize(["品种", "犬主姓名"], iter(rows), None, b"k" * 32, "t")
    for before, after in zip(rows, out):
        assert after[0] == before[0] and after[1] == "［姓名］"


@pytest.mark.parametrize("header", ["是否党员", "有无监护人", "申请人数", "户主年龄", "是否代办", "投诉人次"])
def test_questions_and_counts_about_a_person_are_not_identifiers(header):
    assert header_entity(header) is None and classify(header).kind == "none"
