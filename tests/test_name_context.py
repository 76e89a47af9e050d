"""Names found by their context in free text (issue 16 item 6): lists joined by 、/与/和/及, names of any
characters after the parties of a judgment, a name of a risky surname before a verb of speech, kin words
of a household list, English names after an English cue word, other mentions of a found name. And the
decoys that must stay: places, organisations and phrases that start with a surname character, ordinary
4-character phrases in a column of sites. Generated values (seeded Faker zh_CN / en, own templates)."""
import random

import pytest
from faker import Faker

from anonymize import detect
from anonymize.institutions import name_shaped
from anonymize.policy import desensitize

KEY = b"name-context-test-key-0123456789"
N = 10

# Parts of Tibetan, Mongolian and Uyghur names written without a dot: combined at random, so the test
# names are generated, not copied (扎西 + 卓玛, 巴特 + 尔 ...).
_MINORITY_PARTS = ("扎西 次仁 卓玛 央金 格桑 德吉 旦增 平措 拉姆 尼玛 多吉 索朗 达瓦 普布 其其 乌兰 图雅 敖登"
                   " 额尔 巴图 斯琴 阿依 古丽 热依").split()


def _names(seed: int, n: int = N) -> list[str]:
    f = Faker("zh_CN")
    f.seed_instance(seed)
    return [f.name() for _ in range(n)]


def _minority(seed: int, n: int = N) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.sample(_MINORITY_PARTS, 2)) for _ in range(n)]


def _english(seed: int, n: int = N) -> list[str]:
    f = Faker("en_US")
    f.seed_instance(seed)
    return [f"{f.first_name()} {f.last_name()}" for _ in range(n)]


def _found(text: str) -> set[str]:
    return {text[f.start:f.end] for f in detect.find(text) if f.entity == "PERSON"}


def _missing(text: str, names: list[str]) -> list[str]:
    """The planted names of `text` that no PERSON finding covers entirely."""
    spans = [(f.start, f.end) for f in detect.find(text) if f.entity == "PERSON"]
    out = []
    for name in names:
        at = text.find(name)
        while at >= 0:
            if not any(s <= at and at + len(name) <= e for s, e in spans):
                out.append(name)
            at = text.find(name, at + 1)
    return out


LIST_TEMPLATES = ["经查，{a}与{b}婚姻家庭纠纷一案已调解结案", "本户共同申请人为{a}、{b}，材料齐全",
                  "协商后由继承人{a}和{b}共同办理过户", "出席人员：{a}、{b}及{c}"]


@pytest.mark.parametrize("template", LIST_TEMPLATES)
@pytest.mark.parametrize("seed", [3, 4])
def test_names_joined_in_a_list_all_go(template, seed):
    han, minority = _names(seed), _minority(seed)
    for i in range(N):
        trio = [han[i], minority[i], han[(i + 1) % N]] if i % 2 else [minority[i], han[i], han[(i + 3) % N]]
        text = template.format(a=trio[0], b=trio[1], c=trio[2])
        assert _missing(text, [t for t in trio if t in text]) == [], i


PARTY_TEMPLATES = ["判决被告{a}返还原告{b}押金3200元", "上诉人{a}不服一审判决，被上诉人{b}答辩",
                   "申请执行人{a}申请强制执行，被执行人{b}名下无财产", "第三人{a}自愿放弃权利"]


@pytest.mark.parametrize("template", PARTY_TEMPLATES)
def test_any_name_after_the_parties_of_a_judgment(template):
    han, minority = _names(11), _minority(11)
    for i in range(N):
        pair = [minority[i], han[i]] if i % 2 else [han[i], minority[i]]
        text = template.format(a=pair[0], b=pair[1])
        assert _missing(text, [p for p in pair if p in text]) == [], i


# Faker's risky surnames (和, 海, 平, 全 ...: also common words) and minority names before speech.
SPEECH_TEMPLATES = ["{a}表示已收到整改通知", "{a}称其车辆被刮擦", "回访时，{a}女士对处理结果无异议", "{a}反映楼道灯长期不亮"]


@pytest.mark.parametrize("template", SPEECH_TEMPLATES)
def test_a_name_of_any_surname_before_speech(template):
    rng = random.Random(5)
    given = _names(5)
    risky = [rng.choice("和海平全东来阿") + g[-2:] for g in given]  # risky surname + a generated given name
    for name in risky[:N // 2] + _minority(5)[:N // 2]:
        text = template.format(a=name)
        assert _missing(text, [name]) == [], name


KIN_TEMPLATES = ["户内人员：妻{a}，长子{b}（务农）", "家庭成员：夫{a}；女{b}", "系{a}之女，监护人为父亲{b}"]


@pytest.mark.parametrize("template", KIN_TEMPLATES)
def test_kin_words_of_a_household_list(template):
    han, minority = _names(7), _minority(7)
    for i in range(N):
        pair = [han[i], minority[i]] if i % 2 else [minority[i], han[i]]
        text = template.format(a=pair[0], b=pair[1])
        assert _missing(text, pair) == [], i


EN_TEMPLATES = ["The request was submitted by {a} on Tuesday.", "Dear {a}, your permit is ready.",
                "A noise complaint from {a} was forwarded.", "Dr. {a} signed the certificate.",
                "Inspection by {a} and {b} found no violation."]


@pytest.mark.parametrize("template", EN_TEMPLATES)
def test_english_names_in_english_text(template):
    people = _english(9, 2 * N)
    for i in range(N):
        pair = people[2 * i:2 * i + 2]
        text = template.format(a=pair[0], b=pair[1])
        assert _missing(text, [p for p in pair if p in text]) == [], i


def test_other_mentions_of_a_found_name_go_too():
    for name in _names(13):
        text = f"申请人{name}提交材料，经核实，{name}符合条件"
        assert _missing(text, [name]) == [], name


# Decoys: places, organisations, roads and ordinary prose that open with a surname character, and English
# places and organisations after the same cue words. None of them holds a person's name.
DECOYS = [
    "区委高度重视，多次召开专题会议", "创建全国文明城市工作推进会召开", "王府井步行街周末客流增加",
    "经查，和平路与海宁路交叉口信号灯故障", "有关部门表示将尽快处理", "工作人员称系统正在升级",
    "社区与物业共同协商解决", "经协调，街道和城管及时处置", "执法大队表示已立案调查", "平安建设宣传活动在东方广场举行",
    "家庭成员：子女均已成年", "被告公司赔偿损失12000元", "原告诉称双方签订合同", "群众反映问题已办结",
    "Flights from New York to Los Angeles were delayed.", "Approved by City Council on Monday.",
    "A grant from World Health Organization.", "Contact Beijing Municipal Bureau for details.",
    "相关单位和个人表示支持", "学校与家长共同签订安全责任书", "海淀区人民法院判决如下", "全体居民表示赞成",
]


@pytest.mark.parametrize("text", DECOYS)
def test_decoys_keep_every_word(text):
    assert _found(text) == set(), text


def test_false_positive_rate_on_generated_decoys():
    """Generated places and organisations that start with a surname (from Faker's surnames), inside the
    sentences above: the share flagged as a person stays at most 2 %."""
    f = Faker("zh_CN")
    f.seed_instance(17)
    suffixes = ["路", "大道", "村", "镇", "社区", "派出所", "大队", "公园", "小学", "医院", "西宫", "新村"]
    frames = ["{p}表示将加强管理", "经{p}协调已解决", "{p}与街道共同处置", "前往{p}办理"]
    rng = random.Random(17)
    texts = [rng.choice(frames).format(p=f.last_name() + rng.choice("东兴安华山") + rng.choice(suffixes))
             for _ in range(200)]
    flagged = sum(1 for t in texts if _found(t))
    assert flagged <= 4, flagged


@pytest.mark.parametrize("value", ["暂停服务", "正常营业", "设备检修", "临时关闭", "维护升级"])
def test_an_ordinary_phrase_is_not_name_shaped(value):
    assert not name_shaped(value)


def test_name_shaped_keeps_generated_names():
    for name in _names(19) + _minority(19):
        assert name_shaped(name), name


def test_a_status_phrase_in_a_column_of_sites_stays():
    """站点名称 names sites; a row holding a status phrase instead of a site's name keeps it, and the
    sites' rows keep their names."""
    f = Faker("zh_CN")
    f.seed_instance(23)
    header = ["站点名称", "站点地址", "办公电话"]
    rows = []
    for i in range(30):
        site = f"{f.city_name()}{f.street_name()}便民服务站" if i % 3 else "暂停服务"
        rows.append([site, f"{f.city_name()}{f.street_address()}", f"0571-8{i:03d}6123"])
    _, out, _ = desensitize(header, iter(rows), None, KEY, "t")
    out = list(out)
    assert [r[0] for r in out] == [r[0] for r in rows]


def test_presidio_finds_the_same_names_in_context():
    """The Presidio recognizers run the same context rules (detect.related_names, the shared patterns)."""
    from anonymize.recognizers import build_analyzer, to_findings

    analyzer = build_analyzer()
    han, minority, english = _names(29), _minority(29), _english(29)
    texts = [LIST_TEMPLATES[i % 4].format(a=han[i], b=minority[i], c=han[-1 - i]) for i in range(N)]
    texts += [PARTY_TEMPLATES[i % 4].format(a=minority[i], b=han[i]) for i in range(N)]
    texts += [KIN_TEMPLATES[i % 3].format(a=han[i], b=minority[i]) for i in range(N)]
    texts += [EN_TEMPLATES[i % 5].format(a=english[i], b=english[-1 - i]) for i in range(N)] + DECOYS
    differ = [len(t) for t in texts
              if {(f.entity, f.start, f.end) for f in to_findings(analyzer.analyze(t, language="zh"))}
              != {(f.entity, f.start, f.end) for f in detect.find(t)}]
    assert differ == []


# Dotted names (Uyghur, Kazakh ...) inside a sentence: the name goes, the words around it stay.
_TRANSLITERATED = "阿依 古丽 努尔 买买提 艾力 热合曼 吐尔逊 帕尔哈提 迪丽 阿不都 玉素甫 沙吾提 库尔班 米娜 瓦尔 江".split()
DOTTED_TEMPLATES = ["{n}陪同其母亲前来办理", "市民{n}来电反映楼上噪音", "经核实，{n}已于上月搬离",
                    "由{n}负责联系，材料齐全", "{n}称其房屋漏水"]


@pytest.mark.parametrize("template", DOTTED_TEMPLATES)
def test_a_dotted_name_ends_where_the_name_ends(template):
    rng = random.Random(template)
    before, after = template.split("{n}")
    for _ in range(N):
        name = "·".join("".join(rng.sample(_TRANSLITERATED, 2))[:6] for _ in range(2))
        text = template.format(n=name)
        assert not _missing(text, [name])
        out = text
        for f in sorted(detect.find(text), key=lambda f: f.start, reverse=True):
            out = out[:f.start] + "［］" + out[f.end:]
        assert out == f"{before}［］{after}", out
