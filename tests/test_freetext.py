"""Free text stays readable and leaks nothing: phones in every written form (+86, 0086, spaced, dashed,
full-width, other country codes), ID numbers (also inside a number built on them), account numbers after
户号/账号/卡号, passports named in English, names after cue words and addresses in a sentence go; the rest of
the sentence stays word for word. Generated values (seeded Faker zh_CN, own templates)."""
import random
import re

import pytest
from faker import Faker

from anonymize.checksums import id_check_digit
from anonymize.scan import Scanner, scan_cell

FW = str.maketrans("0123456789", "０１２３４５６７８９")
N = 12


def _fake(seed: int) -> tuple[Faker, random.Random]:
    f = Faker("zh_CN")
    f.seed_instance(seed)
    return f, random.Random(seed)


def _resident_id(rng: random.Random) -> str:
    first = f"{rng.choice(['110105', '330106', '440305', '510107', '610113'])}{rng.randint(1950, 2005)}" \
            f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return first + id_check_digit(first)


def _phone_forms(mobile: str, rng: random.Random) -> list[str]:
    m = mobile
    return [f"+86 {m[:3]} {m[3:7]} {m[7:]}", f"+86-{m}", f"0086{m}", f"0086 {m[:3]} {m[3:7]} {m[7:]}",
            f"{m[:3]} {m[3:7]} {m[7:]}", f"{m[:3]}-{m[3:7]}-{m[7:]}", m.translate(FW), f"（+86）{m}"]


PHONE_SENTENCES = ["市民来电反映噪音扰民，联系电话{v}，请尽快处理。", "请回电{v}告知办理结果", "手机：{v}；已电话回访"]


def _phone_cases():
    f, rng = _fake(21)
    out = []
    for i in range(N):
        mobile = f.phone_number()
        for j, form in enumerate(_phone_forms(mobile, rng)):
            template = PHONE_SENTENCES[(i + j) % len(PHONE_SENTENCES)]
            out.append(pytest.param(template.format(v=form), template, mobile, id=f"p{i}-{j}"))
    return out


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text.translate(str.maketrans("０１２３４５６７８９", "0123456789")))


@pytest.mark.parametrize("text, template, mobile", _phone_cases())
def test_phone_forms_are_masked_and_the_sentence_stays(text, template, mobile):
    cell = scan_cell(Scanner(), text)
    assert cell.residual is None
    assert mobile not in _digits(cell.value)
    before, after = template.split("{v}")
    assert cell.value.startswith(before) and cell.value.endswith(after)
    assert re.fullmatch(r"1[3-9][0-9]\*{4}[0-9]{4}", _strip(cell.value, before, after).translate(
        str.maketrans("０１２３４５６７８９", "0123456789")))


def _strip(value: str, before: str, after: str) -> str:
    return value[len(before):len(value) - len(after)] if after else value[len(before):]


@pytest.mark.parametrize("number", ["+852 7879 6139", "+853 6612 3456", "+886 912 345 678", "+1 415 555 0100",
                                    "+44 20 7946 0958", "00852-9123-4567", "00886 912345678"])
def test_phones_with_other_country_codes(number):
    text = f"Mr. Chan from abroad, tel {number}，办理居住证"
    cell = scan_cell(Scanner(), text)
    assert _digits(number)[-8:] not in _digits(cell.value)
    assert cell.value.startswith("Mr. Chan from abroad, tel ") and cell.value.endswith("，办理居住证")


def _id_cases():
    _, rng = _fake(22)
    out = []
    for i in range(N):
        idno = _resident_id(rng)
        forms = [(idno, "［身份证号］"), (idno.translate(FW), "［身份证号］"),
                 (f"{idno[:6]} {idno[6:14]} {idno[14:]}", "［身份证号］"),
                 # 残疾人证号: the ID, then category and grade digits: the whole number goes.
                 (idno + f"{rng.randint(1, 7)}{rng.randint(1, 4)}", "［身份证号］")]
        for j, (form, placeholder) in enumerate(forms):
            out.append(pytest.param(f"持残疾人证，证号{form}，已核实" if j == 3 else f"身份证{form}，已核实",
                                    placeholder, idno, id=f"id{i}-{j}"))
    return out


@pytest.mark.parametrize("text, placeholder, idno", _id_cases())
def test_id_numbers_in_text(text, placeholder, idno):
    cell = scan_cell(Scanner(), text)
    assert idno not in _digits(cell.value) and placeholder in cell.value and cell.value.endswith("，已核实")


ACCOUNT_WORDS = ["户号", "账号", "卡号", "缴费户号", "客户编号", "账户"]


def _account_cases():
    _, rng = _fake(23)
    out = []
    for i in range(N * 2):
        word = ACCOUNT_WORDS[i % len(ACCOUNT_WORDS)]
        digits = "".join(str(rng.randint(0, 9)) for _ in range(rng.choice([8, 10, 12, 16, 19])))
        form = digits if i % 3 else " ".join(digits[k:k + 4] for k in range(0, len(digits), 4))
        sep = rng.choice(["", "：", " ", ":"])
        out.append(pytest.param(f"燃气{word}{sep}{form}，欠费已通知", f"燃气{word}{sep}", digits, id=f"a{i}"))
    return out


@pytest.mark.parametrize("text, before, digits", _account_cases())
def test_account_numbers_after_their_words(text, before, digits):
    cell = scan_cell(Scanner(), text)
    assert digits[-6:] not in _digits(cell.value)
    assert cell.value.startswith(before) and cell.value.endswith("，欠费已通知")


@pytest.mark.parametrize("text", ["编号0012345678", "订单号00123456789", "增长+12.5%", "共计+20000元",
                                  "账户余额为0元", "比分1+1", "2024-03-05 10:30"])
def test_numbers_that_are_no_phone_or_account_stay(text):
    assert scan_cell(Scanner(), text).value == text


def _passport_cases():
    f, rng = _fake(24)
    out = []
    for i in range(N):
        number = rng.choice([f"{rng.choice('EGPK')}{rng.randint(10_000_000, 99_999_999)}",
                             f"{rng.randint(10, 99)}{f.random_uppercase_letter()}{f.random_uppercase_letter()}"
                             f"{rng.randint(10_000, 99_999)}", f"{rng.randint(100_000_000, 999_999_999)}"])
        template = rng.choice(["Applicant {n} (passport {v}) asked for English service",
                               "passport no. {v}, visa checked", "护照号码{v}，已核验"])
        text = template.format(n=f.romanized_name(), v=number)
        out.append(pytest.param(text, number, template.split("{v}")[1], id=f"pp{i}"))
    return out


@pytest.mark.parametrize("text, number, tail", _passport_cases())
def test_passport_numbers_named_in_english_or_chinese(text, number, tail):
    cell = scan_cell(Scanner(), text)
    assert number not in cell.value and "［护照号］" in cell.value and cell.value.endswith(tail)


CUES = ["市民{v}来电反映", "来电人{v}反映", "反映人：{v}，", "据{v}称", "当事人{v}表示"]


def _cue_cases():
    f, _ = _fake(25)
    return [pytest.param(CUES[i % len(CUES)].format(v=name) + "小区路灯不亮已三天，要求尽快修复。", name,
                         CUES[i % len(CUES)].format(v="［姓名］") + "小区路灯不亮已三天，要求尽快修复。", id=f"n{i}")
            for i, name in enumerate(f.name() for _ in range(N))]


@pytest.mark.parametrize("text, name, expected", _cue_cases())
def test_names_after_cue_words(text, name, expected):
    assert scan_cell(Scanner(), text).value == expected


def test_a_sentence_with_everything_keeps_its_words():
    f, rng = _fake(26)
    name, mobile, idno = f.name(), f.phone_number(), _resident_id(rng)
    addr = f"杭州市西湖区{f.street_name()}{rng.randint(1, 300)}号{rng.randint(1, 30)}幢{rng.randint(101, 2802)}室"
    text = f"市民{name}来电反映，住{addr}，电话+86 {mobile}，身份证{idno}，户号3301{rng.randint(100000, 999999)}，楼上漏水。"
    cell = scan_cell(Scanner(), text)
    assert cell.value == (f"市民［姓名］来电反映，住杭州市西湖区［地址］，电话{mobile[:3]}****{mobile[-4:]}，"
                          "身份证［身份证号］，户号［个人编号］，楼上漏水。")


def test_licence_number_that_is_the_holders_id_goes_an_id_shaped_code_stays():
    """A thing's code column (许可编号) keeps its codes, but a check-digit-valid ID in it is the holder's."""
    from anonymize.policy import desensitize
    _, rng = _fake(27)
    ids = [_resident_id(rng) for _ in range(N)]
    codes = []
    for idno in ids:  # same shape, wrong check digit: a permit's own number
        wrong = next(c for c in "0123456789" if c != idno[-1])
        codes.append(idno[:-1] + wrong)
    cells = [rng.choice(["", "T"]) + i for i in ids] + codes
    _, out, _ = desensitize(["许可编号"], iter([[c] for c in cells]), None, b"k" * 32, "t", workers=1)
    got = [r[0] for r in out]
    assert all(i not in g and "［身份证号］" in g for i, g in zip(ids, got[:N]))
    assert got[N:] == codes
