"""Check digits and plausibility checks for Chinese identifiers (GB 11643, GB 32100, Luhn)."""
import datetime

# Full-width digits/letters map one-to-one onto ASCII so offsets never shift.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20
_SEPARATORS = str.maketrans("", "", " \t-－—–_\u3000")

_ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
_ID_CHECK = "10X98765432"

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
# GB 32100: registration authority (1-9, A-H, N, Y) and organisation type codes.
_USCC_AUTHORITY = set("123456789ABCDEFGNY")


def normalize_digits(s: str) -> str:
    """Full-width to ASCII, upper-case, and drop spaces and dashes."""
    return s.translate(_FULLWIDTH).translate(_SEPARATORS).upper()


def date_ok(yyyymmdd: str) -> bool:
    """A real calendar date, not in the future and not before 1850."""
    try:
        d = datetime.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return datetime.date(1850, 1, 1) <= d <= datetime.date.today()


def resident_id_ok(s: str) -> bool:
    """18-digit resident ID (also HK/Macau/Taiwan residence permits 81/82/83): check digit and date."""
    s = normalize_digits(s)
    if len(s) != 18 or not s[:17].isdigit() or s[0] not in "12345678":
        return False
    if not date_ok(s[6:14]):
        return False
    total = sum(int(c) * w for c, w in zip(s[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == s[17]


def resident_id15_ok(s: str) -> bool:
    """Legacy 15-digit resident ID (before 1999): area code and a valid 19yy date, no check digit."""
    s = normalize_digits(s)
    if len(s) != 15 or not s.isdigit() or s[0] not in "1234567":
        return False
    return date_ok("19" + s[6:12])


def uscc_ok(s: str) -> bool:
    """Unified social credit code (GB 32100): 18 characters with a mod-31 check character."""
    s = normalize_digits(s)
    if len(s) != 18 or s[0] not in _USCC_AUTHORITY or not s[2:8].isdigit():
        return False
    if any(c not in _USCC_ALPHABET for c in s):
        return False
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(s[:17], _USCC_WEIGHTS))
    return _USCC_ALPHABET[(31 - total % 31) % 31] == s[17]


def luhn_ok(s: str) -> bool:
    """Luhn (mod 10) check used by bank card numbers."""
    s = normalize_digits(s)
    if not s.isdigit() or len(s) < 2:
        return False
    total = 0
    for i, c in enumerate(reversed(s)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character for 17 digits (used to build test data and surrogates)."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for 17 characters."""
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_ALPHABET[(31 - total % 31) % 31]
