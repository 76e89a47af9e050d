"""Registration field checks, encryption at rest and masking, registration and one-time codes (in-process)."""
from __future__ import annotations

import pytest
from faker import Faker

from anonymize.checksums import id_check_digit, uscc_check_char
from portal import keys
from portal.accounts import AccountError, Duplicate, OutboxSender, Registry, read_outbox
from portal.config import Accounts
from portal.crypto import Crypto, CryptoError, mask_id, mask_mobile, mask_name, scrub
from portal.identity import BuiltinVerifier, FieldErrors, id_problem, parse_individual, parse_organisation, \
    uscc_problem
from portal.store import Store

fake = Faker("zh_CN")
Faker.seed(6)
IDS = [fake.ssn() for _ in range(20)]
MOBILES = [fake.phone_number() for _ in range(20)]


def valid_id(first17: str) -> str:
    return first17 + id_check_digit(first17)


def wrong_check(idn: str) -> str:
    other = "X" if idn[-1] != "X" else "0"
    return idn[:-1] + other


def valid_uscc(first17: str = "91330300MA2H1234") -> str:
    body = (first17 + "0")[:17]
    return body + uscc_check_char(body)


@pytest.mark.parametrize("idn", IDS)
def test_faker_ids_are_valid(idn):
    assert id_problem(idn) is None


@pytest.mark.parametrize("value, word", [
    ("11010519491231002", "18"),                       # too short
    ("1101051949123100XX", "18"),                      # letter in the digits
    (valid_id("11010519990230123"), "出生日期"),        # 30 February
    (valid_id("11010521990101123"), "出生日期"),        # born in the future
    (valid_id("91010519900101123"), "地址码"),          # area code 9
])
def test_bad_ids_name_the_problem(value, word):
    assert word in id_problem(value)


@pytest.mark.parametrize("idn", IDS[:5])
def test_wrong_check_digit(idn):
    assert "校验位" in id_problem(wrong_check(idn))


def test_problem_messages_never_echo_the_value():
    idn = wrong_check(IDS[0])
    with pytest.raises(FieldErrors) as e:
        parse_individual({"name": "张三", "id_number": idn, "mobile": "123"})
    assert set(e.value.errors) == {"id_number", "mobile"}
    assert idn not in str(e.value) and idn[:17] not in str(e.value)


def test_uscc_checks():
    code = valid_uscc()
    assert uscc_problem(code) is None
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert "校验" in uscc_problem(bad)
    assert "18" in uscc_problem(code[:10])


def test_every_field_error_at_once():
    with pytest.raises(FieldErrors) as e:
        parse_organisation({"org_name": "", "credit_code": "X", "contact_name": "1", "mobile": "999"})
    assert set(e.value.errors) == {"org_name", "credit_code", "contact_name", "mobile"}


def test_crypto_round_trip_and_tamper():
    c = Crypto(b"k" * 32)
    token = c.encrypt(IDS[0], "resident_id")
    assert IDS[0] not in token and c.decrypt(token, "resident_id") == IDS[0]
    with pytest.raises(CryptoError):
        c.decrypt(token, "mobile")                       # bound to its field
    with pytest.raises(CryptoError):
        Crypto(b"j" * 32).decrypt(token, "resident_id")  # another key
    assert c.encrypt(IDS[0]) != c.encrypt(IDS[0])        # random nonce
    assert c.keyed_hash("id", IDS[0]) == c.keyed_hash("id", IDS[0]) != Crypto(b"j" * 32).keyed_hash("id", IDS[0])


def test_masks():
    assert mask_id("11010519491231002X") == "110***********002X"
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_name("张三") == "张*" and mask_name("欧阳明月") == "欧**月"
    text = f"/data/t.json?q={IDS[1]}&m={MOBILES[1]}"
    out = scrub(text)
    assert IDS[1] not in out and MOBILES[1] not in out and out.startswith("/data/t.json?q=")


@pytest.fixture
def registry(tmp_path):
    store = Store(tmp_path / "portal.db")
    reg = Registry(store, Crypto(b"s" * 32), Accounts(), OutboxSender(tmp_path / "outbox"), BuiltinVerifier())
    yield reg
    store.close()


def person(i: int) -> dict:
    return {"kind": "individual", "name": fake.name(), "id_number": IDS[i], "mobile": MOBILES[i]}


def test_register_verify_issues_a_key_and_stores_nothing_clear(registry, tmp_path):
    acct = registry.register(person(0))
    assert acct["status"] == "pending_code" and acct["id_masked"] == mask_id(IDS[0])
    code = read_outbox(tmp_path, acct["id"])
    outbox = (tmp_path / "outbox" / f"{acct['id']}.txt").read_text()
    assert MOBILES[0] not in outbox and mask_mobile(MOBILES[0]) in outbox
    v = registry.verify_code(acct["id"], code)
    assert v.account["status"] == "active" and keys.check(registry.store, v.key).ok
    registry.store.conn.execute("pragma wal_checkpoint(truncate)")
    raw = (tmp_path / "portal.db").read_bytes()
    assert IDS[0].encode() not in raw and MOBILES[0].encode() not in raw


def test_duplicate_id_refused(registry, tmp_path):
    acct = registry.register(person(1))
    registry.verify_code(acct["id"], read_outbox(tmp_path, acct["id"]))
    with pytest.raises(Duplicate) as e:
        registry.register({**person(1), "mobile": MOBILES[2]})
    assert "id_number" in e.value.errors


def test_wrong_codes_are_limited(registry, tmp_path):
    acct = registry.register(person(3))
    code = read_outbox(tmp_path, acct["id"])
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(Accounts().code_attempts):
        with pytest.raises(AccountError):
            registry.verify_code(acct["id"], wrong)
    with pytest.raises(AccountError) as e:
        registry.verify_code(acct["id"], code)     # even the right code: used up
    assert e.value.status == 410


def test_organisation_goes_to_review_then_approval(registry, tmp_path):
    acct = registry.register({"kind": "organisation", "org_name": "温州某某科技有限公司",
                              "credit_code": valid_uscc(), "contact_name": "李四", "mobile": MOBILES[4]})
    v = registry.verify_code(acct["id"], read_outbox(tmp_path, acct["id"]))
    assert v.account["status"] == "review" and v.key
    assert [a["id"] for a in registry.accounts("review")] == [acct["id"]]
    assert registry.set_status(acct["id"], "active", "op")["status"] == "active"


def test_staff_roles(registry):
    acct, token = registry.create_staff("王五", "publisher", "op", department="温州市生态环境局")
    assert acct["role"] == "publisher" and acct["department"] and keys.check(registry.store, token).ok
    with pytest.raises(AccountError):
        registry.create_staff("王五", "publisher", "op")
    with pytest.raises(AccountError):
        registry.create_staff("王五", "applicant", "op")
