"""Institutions keep their public contact data: in rows naming an organisation the address, landline and a
generic mailbox stay (the report says why); a mobile still goes; person rows of a mixed table are personal."""
import random

import pytest
from faker import Faker

from anonymize.institutions import generic_email, is_org_name
from anonymize.policy import desensitize

KEY = b"institutions-test-key-0123456789"
ORG_KINDS = "学校 中学 小学 医院 卫生院 公司 有限公司 合作社 派出所 交警大队 图书馆 社区卫生服务中心 管理局 幼儿园".split()


def _fake(seed):
    f, rng = Faker("zh_CN"), random.Random(seed)
    f.seed_instance(seed)
    return f, rng


def org_name(f, rng):
    return f"{f.city_name()}{f.district()}区{f.company_prefix()}{rng.choice(ORG_KINDS)}"


def address(f, rng):
    return f"{f.district()}区{f.street_name()}{rng.randint(1, 999)}号"


def landline(rng):
    return f"{rng.choice(['010', '021', '027', '0571', '0577', '0532'])}-{rng.randint(2, 8)}{rng.randint(0, 9999999):07d}"


def mobile(rng):
    return f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}"


@pytest.mark.parametrize("seed", range(4))
def test_organisation_names_are_recognised_and_person_names_are_not(seed):
    f, rng = _fake(seed)
    for _ in range(50):
        assert is_org_name(org_name(f, rng))
        assert not is_org_name(f.name())


def test_generic_mailboxes():
    assert generic_email("office@school.cn") and generic_email("zhangwei@whu.edu.cn") and generic_email("bgs@x.com")
    assert not generic_email("zhangwei1985@163.com")


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("name_header,address_header,phone_header", [
    ("机构名称", "地址", "咨询电话"), ("学校名称", "学校地址", "办公电话"), ("单位名称", "单位地址", "联系电话"),
])
def test_an_institutions_address_phone_and_mailbox_stay(seed, name_header, address_header, phone_header):
    f, rng = _fake(seed)
    header = ["序号", name_header, address_header, phone_header, "电子邮箱", "负责人手机"]
    rows = [[str(i), org_name(f, rng), address(f, rng), landline(rng), f"office@{f.domain_name()}", mobile(rng)]
            for i in range(30)]
    _, out, report = desensitize(header, iter(rows), None, KEY, "t")
    for before, after in zip(rows, out):
        assert after[:5] == before[:5]
        assert before[5] not in after[5]                       # a person's mobile still goes
    why = {c.name: c.profile for c in report.columns}
    assert "organisation" in why[address_header] and "CN_ADDRESS" in why[address_header]


@pytest.mark.parametrize("seed", range(3))
def test_mixed_tables_decide_per_row(seed):
    """Company rows and person rows in the same columns: the company's contact data stays, the person's
    address, landline and identity number go."""
    f, rng = _fake(seed)
    header = ["序号", "单位名称或姓名", "统一社会信用代码或身份证号码", "地址", "联系电话"]
    rows, persons = [], []
    for i in range(40):
        if i % 2:
            rows.append([str(i), org_name(f, rng), "91330100MA2H0KXX1A", address(f, rng), landline(rng)])
        else:
            rows.append([str(i), f.name(), f.ssn(), address(f, rng), landline(rng)])
            persons.append(i)
    _, out, _ = desensitize(header, iter(rows), None, KEY, "t")
    for i, (before, after) in enumerate(zip(rows, out)):
        if i in persons:
            assert after[1] == "［姓名］" and before[2] not in after[2]
            assert before[3] not in after[3] and before[4] not in after[4]
        else:
            assert after[1:5] == before[1:5]


def test_without_an_organisation_name_column_an_office_header_alone_keeps_nothing():
    f, rng = _fake(9)
    rows = [[f"{address(f, rng)}3幢201室", landline(rng)] for _ in range(20)]
    _, out, _ = desensitize(["办公地址", "办公电话"], iter(rows), None, KEY, "t")
    _, plain, _ = desensitize(["备注一", "备注二"], iter(rows), None, KEY, "t")
    out, plain = list(out), list(plain)
    assert out == plain and out != rows      # scanned like any column: nothing kept on the header's word


def test_a_public_service_line_stays_in_every_row():
    f, rng = _fake(10)
    rows = [[f.name(), mobile(rng), "0571-87966123"] for _ in range(20)]
    _, out, report = desensitize(["姓名", "手机号码", "经办机构电话"], iter(rows), None, KEY, "t")
    for before, after in zip(rows, out):
        assert after[0] == "［姓名］" and before[1] not in after[1] and after[2] == before[2]


@pytest.mark.parametrize("seed", range(3))
def test_a_sole_traders_row_names_a_person(seed):
    """A register of organisations where some rows are individuals registered under their own name: those
    names (Chinese, dotted, romanized) go, organisations' names, brands and places stay."""
    f, rng = _fake(seed)
    people = [f.name(), "迪丽努尔·艾买提", "CHEUNG Chi Keung", f.name()]
    keep = [org_name(f, rng), "西山游园", org_name(f, rng), org_name(f, rng)]
    rows = [[p if i % 2 else k, address(f, rng)] for i, (p, k) in enumerate(zip(people * 5, keep * 5))]
    _, out, report = desensitize(["行政相对人名称", "住所"], iter(rows), None, KEY, "t")
    for i, (before, after) in enumerate(zip(rows, out)):
        if i % 2:
            assert after[0] == "［姓名］" and before[1] not in after[1]
        else:
            assert after == before
    assert "shaped like a person's" in report.columns[0].profile


@pytest.mark.parametrize("words", ["咨询电话", "服务热线：", "值班电话为", "办公电话"])
def test_a_service_line_named_in_text_stays(words):
    rng = random.Random(5)
    rows = [[f"已告知申请人{words}{landline(rng)}，家属电话{landline(rng)}"] for _ in range(10)]
    _, out, _ = desensitize(["备注"], iter(rows), None, KEY, "t")
    for (before,), (after,) in zip(rows, out):
        public, private = before.split(words)[1].split("，")[0], before.rsplit("电话", 1)[1]
        assert public in after and private not in after
