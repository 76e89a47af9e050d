"""The desensitization policy: declared rules, safe defaults, organisational assertions, profiling,
the residual scan (row and column named, never the value), k-anonymity and the receipt."""
import random
from dataclasses import replace
from pathlib import Path

import pytest
from faker import Faker

from anonymize import policy
from anonymize.checksums import id_check_digit
from anonymize.detect import PERSONAL_ENTITIES, find
from anonymize.policy import ResidualError, desensitize
from metadata.schema import Column, Rule
from metadata.validate import load

ROOT = Path(__file__).resolve().parent.parent
KEY = b"policy-test-key-0123456789abcdef"
BASE = load(ROOT / "datasets" / "hotline-12345")[0]


def record(*columns, k=5):
    return replace(BASE, columns=tuple(columns), k_anonymity=k)


def col(name, **kw):
    return Column(name=name, type="text", description=name, **kw)


def resident_id(rng):
    first = f"330302{rng.randint(1960, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return first + id_check_digit(first)


def personal(text):
    return [f for f in find(text) if f.entity in PERSONAL_ENTITIES]


def run(header, rows, rec=None, **kw):
    out_header, out, report = desensitize(header, iter(rows), rec, KEY, "test", **kw)
    return out_header, list(out), report


@pytest.fixture(scope="module")
def people():
    fake, rng = Faker("zh_CN"), random.Random(11)
    fake.seed_instance(11)
    return [(fake.name(), fake.phone_number(), resident_id(rng)) for _ in range(60)]


def test_declared_rules_apply(people):
    rec = record(col("姓名", personal="姓名", rule=Rule("pseudonymize")),
                 col("手机", personal="手机号码", rule=Rule("mask", {"keep_last": 4})),
                 col("身份证", personal="身份证号", rule=Rule("drop")),
                 col("住址", personal="住址", rule=Rule("generalize", {"kind": "address"})))
    rows = [[n, p, i, "浙江省乐清市伯乐东路134号柳市公寓3幢201室"] for n, p, i in people]
    header, out, report = run(["姓名", "手机", "身份证", "住址"], rows, rec)
    assert header == ["姓名", "手机", "住址"]
    assert all(o[0] != r[0] and o[1] == "*******" + r[1][-4:] and o[2] == "浙江省乐清市" for o, r in zip(out, rows))
    assert len({o[0] for o in out}) == len({r[0] for r in rows})       # pseudonyms stay one-to-one
    cols = {c.name: c for c in report.columns}
    assert cols["姓名"].found == {"PERSON": 60} and cols["身份证"].rule == "drop"
    assert report.rows == 60 and report.residual.startswith("通过")


def test_declared_rule_applies_even_when_nothing_is_detected():
    rec = record(col("联系人", personal="姓名", rule=Rule("mask")), col("备注"))
    rows = [["某甲", "无"], ["阿Q", "无"]]                # nothing the detector would call a name
    assert not personal("某甲") and not personal("阿Q")
    _, out, _ = run(["联系人", "备注"], rows, rec)
    assert [o[0] for o in out] == ["某*", "阿*"]


def test_undeclared_personal_values_get_safe_defaults(people):
    rows = [[f"T{i:05d}", f"来电人{n}反映，电话{p}，身份证{i_}"] for i, (n, p, i_) in enumerate(people)]
    _, out, report = run(["编号", "内容"], rows)
    for (_, text), (name, phone, idno) in zip(out, people):
        assert name not in text and phone not in text and idno not in text
        assert not personal(text)
        assert f"{phone[:3]}****{phone[-4:]}" in text and "［身份证号］" in text
    found = report.columns[1].found
    assert found["CN_MOBILE"] == 60 and found["CN_RESIDENT_ID"] == 60 and found["PERSON"] >= 57
    assert [o[0] for o in out] == [r[0] for r in rows]  # codes untouched


def test_residual_failure_names_row_and_column_never_the_value():
    rec = record(col("备注", personal="其他", rule=Rule("mask", {"keep_first": 0, "keep_last": 20})))
    rows = [["无"], ["身份证见附件，本人手机号13812345678"]]
    with pytest.raises(ResidualError) as e:
        run(["备注"], rows, rec)
    msg = str(e.value)
    assert "第3行" in msg and "row 3" in msg and "'备注'" in msg and "CN_MOBILE" in msg
    assert "13812345678" not in msg and "5678" not in msg


def test_organisational_assertion_keeps_office_data_only(people):
    rec = record(col("办公地址", organisational=("住址", "固定电话")))
    rows = [[f"温州市鹿城区解放路{i + 1}号3幢201室，电话0577-8896{i:04d}，联系人手机{p}"] for i, (_, p, _) in enumerate(people)]
    _, out, report = run(["办公地址"], rows, rec)
    for (text,), (_, phone, _) in zip(out, people):
        assert "解放路" in text and "0577-8896" in text and phone not in text
    c = report.columns[0]
    assert c.kept["CN_ADDRESS"] == 60 and c.kept["CN_LANDLINE"] == 60 and c.found["CN_MOBILE"] == 60
    d = report.as_dict()["columns"][0]
    assert d["organisational_assertion"] == ["住址", "固定电话"]
    assert "单位声明为机构信息: 住址、固定电话" in report.as_text()
    # Without the assertion the same cells lose address and landline.
    _, plain, _ = run(["办公地址"], rows)
    assert all("解放路" not in t and "0577-8896" not in t for (t,) in plain)


def test_profile_skips_safe_shapes_but_scans_outliers():
    rng = random.Random(3)
    rows = [[f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", rng.choice(["已办结", "办理中"]),
             f"GD{rng.randint(0, 10**8):08d}"] for _ in range(3000)]
    rows[2500][0] = "13812345678"                # an outlier: a mobile in a date column
    rows[2600][1] = "联系人王芳"                   # outside the category set
    _, out, report = run(["日期", "状态", "编号"], rows)
    assert out[2500][0] == "138****5678" and out[2600][1] == "联系人［姓名］"
    dates, status, codes = report.columns
    assert dates.skipped == 2999 and status.skipped == 2999 and codes.skipped == 3000
    assert "safe" in dates.profile and "safe values" in status.profile


def test_free_text_in_worker_processes_keeps_row_order(monkeypatch, people):
    monkeypatch.setattr(policy, "POOL_AFTER_ROWS", 200)
    monkeypatch.setattr(policy, "CHUNK_ROWS", 100)
    rec = record(col("内容", free_text=True))
    rows = [[str(i), f"投诉人{people[i % 60][0]}称楼上噪音扰民，电话{people[i % 60][1]}"] for i in range(1500)]
    _, inline, r1 = run(["序号", "内容"], rows, rec, workers=1)
    _, pooled, r2 = run(["序号", "内容"], rows, rec, workers=2)
    assert pooled == inline and [o[0] for o in pooled] == [str(i) for i in range(1500)]
    assert r1.as_dict() == r2.as_dict()


def test_k_anonymity_is_enforced_and_reported():
    rec = record(col("区县", quasi_identifier=True), col("年龄段", quasi_identifier=True), col("事项"), k=3)
    rows = [["鹿城区", "30-34", "a"]] * 4 + [["洞头区", "60-64", "b"]] * 2
    header, out, report = run(["区县", "年龄段", "事项"], rows, rec)
    assert out[:4] == [["鹿城区", "30-34", "a"]] * 4 and out[4:] == [["*", "*", "b"]] * 2
    k = report.as_dict()["k_anonymity"]
    assert k["k"] == 3 and k["rows_suppressed"] == 2 and k["quasi_identifiers"] == ["区县", "年龄段"]
    assert "隐去 2 行" in report.as_text()


def test_receipt_content(people):
    rec = record(col("姓名", personal="姓名", rule=Rule("pseudonymize")), col("内容"))
    rows = [[n, f"家住温州市鹿城区解放路{i}号3幢201室"] for i, (n, _, _) in enumerate(people, 1)]
    _, out, report = run(["姓名", "内容"], rows, rec)
    d = report.as_dict()
    assert d["dataset"] == "test" and d["rows"] == 60 and d["residual_scan"].startswith("通过")
    assert d["k_anonymity"] is None
    assert [c["name"] for c in d["columns"]] == ["姓名", "内容"]
    assert d["columns"][0]["rule"] == "pseudonymize" and d["columns"][0]["declared_personal"] == "姓名"
    assert d["columns"][1]["found"] == {"CN_ADDRESS": 60} and d["columns"][1]["cells_changed"] == 60
    text = report.as_text()
    assert "数据集 test: 60 行" in text and "地址×60" in text
    for n, _, _ in people:           # the receipt never holds a personal value
        assert n not in text and n not in str(d)


def test_pseudonyms_agree_across_tables_with_a_state_dir(tmp_path, people):
    rec = record(col("姓名", personal="姓名", rule=Rule("pseudonymize")))
    rows = [[n] for n, _, _ in people]
    _, a, _ = run(["姓名"], rows, rec, state_dir=tmp_path)
    _, b, _ = run(["姓名"], rows[::-1], rec, state_dir=tmp_path)
    assert b == a[::-1] and (tmp_path / policy.PSEUDONYM_STORE).exists()


def test_header_names_an_identifier_column_and_every_value_in_it_goes(people):
    """No configuration: the headers 身份证号/手机/联系人 say what the values are, so values the detector
    cannot recognise (a wrong check digit, a missing digit, a surname outside the lists) are still removed,
    while blank markers stay and an organisation's phone column is left to the ordinary scan."""
    bad_id = people[0][2][:-1] + ("0" if people[0][2][-1] != "0" else "1")   # check digit wrong
    assert not personal(bad_id)
    odd = [[bad_id, "138 1234 567", "禤晓东", "96345"],                        # 10-digit mobile typo
           ["无", "不详", "—", "96345"]]
    rows = [[i, p, n, "96345"] for n, p, i in people] + odd
    header, out, report = run(["身份证号", "手机", "联系人", "单位值班电话"], rows)
    assert header == ["身份证号", "手机", "联系人", "单位值班电话"]
    for o, r in zip(out, rows):
        if r[0] == "无":
            assert o[:3] == ["无", "不详", "—"]
            continue
        assert o[0] == "［身份证号］" and o[2] == "［姓名］"
        assert r[1] not in o[1] and "*" in o[1]
        assert o[3] == "96345"                                                   # organisational header
    profiles = {c.name: c.profile for c in report.columns}
    assert profiles["身份证号"].startswith("identifier (CN_RESIDENT_ID, by header, whole cells)")
    assert "身份证号" in profiles["身份证号"].split("[header:", 1)[1]  # the header rule that matched
    assert profiles["单位值班电话"].startswith("clean")


def test_header_hint_yields_to_the_department_assertion():
    """A column the dataset asserts organisational kinds in keeps its values where the scan finds none."""
    rec = record(col("联系电话", organisational=("固定电话",)))
    rows = [["0577-88886666"], ["88886666"]] * 10
    _, out, report = run(["联系电话"], rows, rec)
    assert out == rows
    assert "by header" not in report.columns[0].profile and "whole" not in report.columns[0].profile


def test_header_named_birth_dates_keep_the_year_and_accounts_go():
    rows = [["1985-03-12", "12345678", "正常"], ["1990年1月1日", "wxid_ab12cd", "正常"], ["不详", "无", "正常"]]
    header, out, report = run(["出生日期", "QQ号", "备注"], rows)
    assert out == [["1985年", "［个人编号］", "正常"], ["1990年", "［个人编号］", "正常"], ["不详", "无", "正常"]]
    assert report.columns[0].found["DATE_OF_BIRTH"] == 2
