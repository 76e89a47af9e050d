"""The fast path: hard cases of every entity, decoys that must survive, and Excel-mangled IDs."""
import pytest

from anonymize.detect import ORG_ENTITIES, PERSONAL_ENTITIES, SPECS, Finding, find, looks_like_float_id

ID = "11010519491231002X"

HARD_CASES = [
    # resident IDs
    (f"身份证号{ID}", [("CN_RESIDENT_ID", ID)]),
    ("身份证：11010519491231002x。", [("CN_RESIDENT_ID", "11010519491231002x")]),
    ("证件号 110105 19491231 002X 已核验", [("CN_RESIDENT_ID", "110105 19491231 002X")]),
    ("110105-19491231-002X", [("CN_RESIDENT_ID", "110105-19491231-002X")]),
    ("公民身份号码１１０１０５１９４９１２３１００２Ｘ", [("CN_RESIDENT_ID", "１１０１０５１９４９１２３１００２Ｘ")]),
    ("旧证110105491231002", [("CN_RESIDENT_ID", "110105491231002")]),
    ("港澳居民居住证810000199001011230", [("CN_RESIDENT_ID", "810000199001011230")]),
    ("330383197506121236", [("CN_RESIDENT_ID", "330383197506121236")]),
    ("ID110105199003071239", [("CN_RESIDENT_ID", "110105199003071239")]),
    # after an ID word a mistyped check digit does not save the number
    ("身份证号：110105194912310021", [("CN_RESIDENT_ID", "110105194912310021")]),
    ("驾驶证号 330302199001011237", [("CN_RESIDENT_ID", "330302199001011237")]),
    # mobiles
    ("手机13812345678", [("CN_MOBILE", "13812345678")]),
    ("电话：+86 138 1234 5678", [("CN_MOBILE", "+86 138 1234 5678")]),
    ("0086-13812345678", [("CN_MOBILE", "0086-13812345678")]),
    ("（+86）13812345678", [("CN_MOBILE", "（+86）13812345678")]),
    ("138-1234-5678转人工", [("CN_MOBILE", "138-1234-5678")]),
    ("联系１３８１２３４５６７８", [("CN_MOBILE", "１３８１２３４５６７８")]),
    ("tel:19912345678", [("CN_MOBILE", "19912345678")]),
    # landlines (reported, with a lower score)
    ("联系电话：0577-88886666", [("CN_LANDLINE", "0577-88886666")]),
    ("(010)62345678", [("CN_LANDLINE", "(010)62345678")]),
    # bank cards and e-mail: explicit boundaries against 汉字
    ("卡号4111111111111111", [("BANK_CARD", "4111111111111111")]),
    ("银行卡 6222 0212 3456 7890 128", [("BANK_CARD", "6222 0212 3456 7890 128")]),
    ("邮箱zhangsan@qq.com", [("EMAIL", "zhangsan@qq.com")]),
    ("电子邮箱：li.na-88@mail.example.com.cn。", [("EMAIL", "li.na-88@mail.example.com.cn")]),
    # passports, permits, plates
    ("护照E12345678", [("CN_PASSPORT", "E12345678")]),
    ("护照号EA1234567", [("CN_PASSPORT", "EA1234567")]),
    ("港澳通行证C12345678", [("CN_HMT_PERMIT", "C12345678")]),
    ("回乡证H1234567801", [("CN_HMT_PERMIT", "H1234567801")]),
    ("台胞证号码：12345678", [("CN_HMT_PERMIT", "12345678")]),
    ("车牌浙CD12345", [("CN_LICENSE_PLATE", "浙CD12345")]),
    ("浙C12345D大货车", [("CN_LICENSE_PLATE", "浙C12345D")]),
    ("肇事车辆浙C·1A234", [("CN_LICENSE_PLATE", "浙C·1A234")]),
    # person names
    ("投诉人费晨反映", [("PERSON", "费晨")]),
    ("法定代表人欧阳娜娜", [("PERSON", "欧阳娜娜")]),
    ("阿依古丽·买买提来电称", [("PERSON", "阿依古丽·买买提")]),
    ("户主：司马光明，家庭人口3人", [("PERSON", "司马光明")]),
    ("当事人张伟、李娜在场", [("PERSON", "张伟"), ("PERSON", "李娜")]),
    ("如需核实请联系向红，谢谢", [("PERSON", "向红")]),
    ("王芳", [("PERSON", "王芳")]),
    ("市民高峰来电反映", [("PERSON", "高峰")]),  # a dictionary word, but after a trigger word
    ("经核实，刘建国于3月5日到场", [("PERSON", "刘建国")]),
    ("联系人：禤晓东，电话见附件", [("PERSON", "禤晓东")]),          # a surname outside every list
    ("来电人眭丽丽称", [("PERSON", "眭丽丽")]),
    ("盛霞，男，汉族，个体经营者。", [("PERSON", "盛霞")]),           # a risky surname, then sex
    ("南玉兰", [("PERSON", "南玉兰")]),
    # addresses: down to the house, building or room; a bare district or road is not one
    ("家住温州市鹿城区人民路100号3幢2单元501室", [("CN_ADDRESS", "温州市鹿城区人民路100号3幢2单元501室")]),
    ("瓯海区娄桥街道古岸头村三组88号", [("CN_ADDRESS", "瓯海区娄桥街道古岸头村三组88号")]),
    ("住锦绣花园7幢1单元303室", [("CN_ADDRESS", "锦绣花园7幢1单元303室")]),
    ("鹿城区人民路", []),
    ("人民路与学院路交叉口", []),
    # accounts and record numbers after their words; dates of birth
    ("QQ：12345678", [("CN_PERSONAL_NUMBER", "12345678")]),
    ("微信号:zhang_san-1990，请加", [("CN_PERSONAL_NUMBER", "zhang_san-1990")]),
    ("病历号ZY20260001234", [("CN_PERSONAL_NUMBER", "ZY20260001234")]),
    ("社保卡号码：A12345678", [("CN_PERSONAL_NUMBER", "A12345678")]),
    ("出生日期：1985-03-12", [("DATE_OF_BIRTH", "1985-03-12")]),
    ("患者生于1990年1月", [("DATE_OF_BIRTH", "1990年1月")]),
    # organisations are found (and kept by policy)
    ("91350100M000100Y43", [("CN_USCC", "91350100M000100Y43")]),
    ("温州市某某科技有限公司拖欠工资", [("ORG_NAME", "温州市某某科技有限公司")]),
    ("温州华信电器企业(普通合伙)", [("ORG_NAME", "温州华信电器企业(普通合伙)")]),
    ("投诉人张三反映温州某某贸易有限公司", [("PERSON", "张三"), ("ORG_NAME", "温州某某贸易有限公司")]),
]

DECOYS = [
    "订单号110105194912310021",  # fails the ID check digit
    "110105194912310021",
    "DD202610011234567890",
    "工单编号202610017277845542",
    "12345热线", "拨打110报警", "12345",
    "¥1,234.50", "金额3000元", "共计1.5万元",
    "2026-10-01", "2026年10月1日", "2026/10/1 10:30", "10:30:00",
    "120.6994, 27.9938", "坐标120.699400,27.993800",
    "邮编325000", "增长12.5%", "第3期", "ISBN 978-7-111-12345-6",
    "鹿城区", "人民路", "已办结", "城乡建设", "信息", "申请人信息", "李某某",
    "道路积水严重，请尽快处理。", "宁康西路公共厕所（三号）", "罗阳大道公共厕所",
    "政务数据应当通过共享平台汇聚，保障数据安全。",
    "南浦", "招聘管理员，男，若干名", "负责人员到场", "联系人：物业，电话", "当事人未到场",
    "QQ群12345678", "住院20000元", "学号不详", "微信支付", "成立日期：1990-01-01",
]


def _spans(text):
    return sorted((f.entity, text[f.start:f.end]) for f in find(text))


@pytest.mark.parametrize("text, expected", HARD_CASES)
def test_hard_cases(text, expected):
    assert _spans(text) == sorted(expected)


@pytest.mark.parametrize("text", DECOYS)
def test_decoys_have_no_personal_finding(text):
    assert [f for f in find(text) if f.entity in PERSONAL_ENTITIES] == []


def test_findings_do_not_overlap_and_are_sorted():
    text = "投诉人费晨（身份证11010519491231002X）手机13812345678，家住人民路5号2幢301室，邮箱a@b.cn"
    found = find(text)
    assert [f.start for f in found] == sorted(f.start for f in found)
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))
    assert {f.entity for f in found} == {"PERSON", "CN_RESIDENT_ID", "CN_MOBILE", "CN_ADDRESS", "EMAIL"}


def test_checksummed_matches_score_one_and_landlines_score_low():
    by_entity = {f.entity: f.score for f in find("身份证11010519491231002X，座机0577-88886666")}
    assert by_entity == {"CN_RESIDENT_ID": 1.0, "CN_LANDLINE": 0.4}


def test_entity_filter():
    assert [f.entity for f in find("手机13812345678，卡号4111111111111111", entities={"CN_MOBILE"})] == ["CN_MOBILE"]


def test_finding_is_frozen():
    f = Finding("PERSON", 0, 2, 0.5)
    with pytest.raises(AttributeError):
        f.start = 1


def test_entity_sets_partition_the_specs():
    assert ORG_ENTITIES == {"CN_USCC", "ORG_NAME"}
    assert ORG_ENTITIES | PERSONAL_ENTITIES == {s.entity for s in SPECS}
    assert not ORG_ENTITIES & PERSONAL_ENTITIES


def test_empty_and_non_chinese_text():
    assert find("") == []
    assert find("hello world 42") == []


@pytest.mark.parametrize(
    "text, mangled",
    [
        ("1.10105E+17", True), ("1.10105199001E+17", True), ("3.30302E+17", True), ("1.10105e17", True),
        ("110105199003071239.0", True), ("110105199003071000", True), ("1.10105E+14", True),
        ("1.5E+17", True), ("9.1E+17", False), ("1.23E+05", False), ("3000.0", False), ("2026.0", False),
        ("110105199013071000", False), ("", False),
    ],
)
def test_looks_like_float_id(text, mangled):
    assert looks_like_float_id(text) is mangled


def test_excel_floats_are_found_as_ids():
    assert [f.entity for f in find("1.10105E+17")] == ["CN_RESIDENT_ID"]
