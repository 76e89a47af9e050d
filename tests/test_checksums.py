"""GB 11643 resident IDs, GB 32100 credit codes, Luhn and digit normalisation."""
import datetime

import pytest

from anonymize.checksums import (
    id_check_digit,
    luhn_ok,
    normalize_digits,
    resident_id15_ok,
    resident_id_ok,
    uscc_check_char,
    uscc_ok,
)


@pytest.mark.parametrize(
    "value",
    [
        "11010519491231002X",  # the GB 11643 example
        "440524188001010014",  # the other GB 11643 example (born 1880)
        "11010519491231002x",  # lower-case check character
        "330383197506121236",  # 龙港市 (created 2019) on someone born in 1975: valid, stdnum rejects it
        "810000199001011230",  # Hong Kong residents' residence permit
        "82000019850505432X",  # Macau
        "830000199202028761",  # Taiwan
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width
        "110105 19491231 002X",
        "110105-19491231-002X",
    ],
)
def test_valid_resident_ids(value):
    assert resident_id_ok(value)


@pytest.mark.parametrize(
    "value, why",
    [
        ("110105194912310021", "wrong check digit"),
        ("110105194902300026", "30 February"),
        ("910105194912310021", "area code cannot start with 9"),
        ("11010519491231002", "17 digits"),
        ("1101051949123100211", "19 digits"),
        ("110105179912310021", "born 1799"),
        ("ABCDEFGHIJKLMNOPQR", "letters"),
        ("", "empty"),
    ],
)
def test_invalid_resident_ids(value, why):
    assert not resident_id_ok(value), why


def test_birth_date_in_the_future_is_invalid():
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    first17 = "110105" + tomorrow.strftime("%Y%m%d") + "123"
    assert not resident_id_ok(first17 + id_check_digit(first17))


@pytest.mark.parametrize(
    "value, ok",
    [("110105491231002", True), ("440524800101001", True), ("110105491331002", False), ("11010549123100", False),
     ("910105491231002", False)],
)
def test_fifteen_digit_ids(value, ok):
    assert resident_id15_ok(value) is ok


@pytest.mark.parametrize(
    "value, ok",
    [
        ("91350100M000100Y43", True),  # the GB 32100 example
        ("91330300MA2CXY712A", True),
        ("12330000470051726F", True),  # public institution (authority 1, type 2)
        ("Y1330300MA2AB3CD40", True),  # starts with a letter: other registration authority
        ("N2330300MA2AB3CD45", True),
        ("A1330300MA2AB3CD4L", True),
        ("91350100M000100Y44", False),  # wrong check character
        ("91350100M000100I43", False),  # I is not in the alphabet
        ("Z1330300MA2AB3CD40", False),  # Z is no registration authority
        ("91350100M000100Y4", False),
    ],
)
def test_uscc(value, ok):
    assert uscc_ok(value) is ok


def test_uscc_check_char_round_trip():
    assert uscc_check_char("91350100M000100Y4") == "3"


@pytest.mark.parametrize(
    "value, ok",
    [("4111111111111111", True), ("4111 1111 1111 1111", True), ("6222021234567890128", True),
     ("4111111111111112", False), ("", False), ("abcd", False)],
)
def test_luhn(value, ok):
    assert luhn_ok(value) is ok


@pytest.mark.parametrize(
    "raw, clean",
    [("１３８　１２３４－５６７８", "13812345678"), ("110105 19491231 002x", "11010519491231002X"), ("4111-1111", "41111111")],
)
def test_normalize_digits(raw, clean):
    assert normalize_digits(raw) == clean
