"""Operators: mask, generalize, keyed one-to-one pseudonyms (persisted by HMAC), rule validation."""
import sqlite3

import pytest
from faker import Faker

from anonymize.operators import Pseudonymizer, PolicyError, generalize, make, mask

KEY = b"test-key-0123456789abcdef0123456"


def test_mask_keeps_the_ends():
    assert mask("13812345678", keep_first=3, keep_last=4) == "138****5678"
    assert mask("13812345678") == "*******5678"
    assert mask("王芳", keep_first=1, keep_last=0) == "王*"
    assert mask("123", keep_last=4) == "***"
    assert mask("") == ""


@pytest.mark.parametrize("value, kind, expected", [
    ("浙江省乐清市伯乐东路134号柳市公寓3幢201室", "address", "浙江省乐清市"),
    ("温州市鹿城区五马街道解放路12号3单元502室", "address", "温州市鹿城区"),
    ("1990-05-01", "year", "1990"),
    ("37", "age_band", "35-39"),
    ("40", "age_band", "40-44"),
    ("不详", "age_band", ""),
])
def test_generalize(value, kind, expected):
    assert generalize(value, kind) == expected


def test_generalize_without_district_hides_the_address():
    assert generalize("伯乐东路134号", "address") == "（地址已隐去）"


def test_make_validates_rules():
    assert make("drop", {}, None) is None
    assert make("mask", {"keep_last": 2}, None, "手机号码")("13812345678") == "*********78"
    assert make("mask", {}, None, "姓名")("欧阳娜娜") == "欧***"
    with pytest.raises(PolicyError):
        make("mask", {"keep_last": "4"}, None)
    with pytest.raises(PolicyError):
        make("mask", {"bogus": 1}, None)
    with pytest.raises(PolicyError):
        make("generalize", {"kind": "planet"}, None)
    with pytest.raises(PolicyError):
        make("pseudonymize", {}, None, "姓名")
    with pytest.raises(PolicyError):
        make("shred", {}, None)


def _names(n, seed=7):
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    return list(dict.fromkeys(fake.name() for _ in range(n)))


def test_pseudonym_is_keyed_stable_and_one_to_one():
    names = _names(3000)
    p = Pseudonymizer(KEY)
    out = [p(n) for n in names]
    assert len(set(out)) == len(names)                      # one-to-one
    assert [p(n) for n in names[:50]] == out[:50]           # stable within a run
    assert [Pseudonymizer(KEY)(n) for n in names[:50]] == out[:50]    # same key, same surrogates
    other = [Pseudonymizer(b"another-key-456789abcdef01234567")(n) for n in names[:50]]
    assert sum(a == b for a, b in zip(other, out[:50])) < 5  # another key, another mapping
    assert all(2 <= len(s) <= 4 and not s.isascii() for s in out)


def test_pseudonym_forced_collision_is_resolved(monkeypatch):
    real = Pseudonymizer._candidate

    def colliding(self, kind, seed, attempt):
        return "张伟" if attempt == 0 else real(self, kind, seed, attempt)  # everyone's first pick is 张伟
    monkeypatch.setattr(Pseudonymizer, "_candidate", colliding)
    p = Pseudonymizer(KEY)
    a, b, c = p("李娜"), p("王芳"), p("刘洋")
    assert a == "张伟" and len({a, b, c}) == 3
    assert p("王芳") == b


def test_pseudonyms_persist_across_tables_by_hmac_only(tmp_path):
    store = tmp_path / "state" / "pseudonyms.sqlite"
    store.parent.mkdir()
    first = Pseudonymizer(KEY, store)
    a = [first(n) for n in ("李娜", "王芳")]
    phone = first("13812345678", "phone")
    first.close()
    second = Pseudonymizer(KEY, store)     # a later publish, another table
    assert [second(n) for n in ("王芳", "李娜")] == a[::-1]
    assert second("13812345678", "phone") == phone and phone.isdigit() and len(phone) == 11
    assert second("赵敏") not in a
    second.close()
    raw = store.read_bytes()
    for clear in ("李娜", "王芳", "13812345678"):
        assert clear.encode() not in raw
    rows = sqlite3.connect(store).execute("select kind, length(digest) from pseudonym").fetchall()
    assert sorted(rows) == [("name", 32), ("name", 32), ("name", 32), ("phone", 32)]


def test_pseudonym_store_resolves_collisions_across_runs(tmp_path, monkeypatch):
    store = tmp_path / "p.sqlite"
    real = Pseudonymizer._candidate
    monkeypatch.setattr(Pseudonymizer, "_candidate",
                        lambda self, kind, seed, attempt: "张伟" if attempt == 0 else real(self, kind, seed, attempt))
    p1 = Pseudonymizer(KEY, store)
    assert p1("李娜") == "张伟"
    p1.close()
    p2 = Pseudonymizer(KEY, store)
    assert p2("王芳") != "张伟" and p2("李娜") == "张伟"
    p2.close()

