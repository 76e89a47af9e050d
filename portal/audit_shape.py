"""What the audit stores of a request's path and query: names as asked, values without personal data or secrets."""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, unquote_plus

from anonymize.detect import find

# Parameters whose values are credentials: only the name is kept (a key sent in the URL is still visible).
_SECRET_NAME = re.compile(r"key|token|passw|secret|auth|csrf|code|session|cookie", re.I)
# Any run of 7+ digits left after detection (separators allowed): an unvalidated ID, mobile, card...
_DIGITS = re.compile(r"\d(?:[\s\-.,_/]*\d){6,}")
_MAX_VALUE = 200          # characters of a value kept (an 8,000-character value is not kept whole)
_ESCAPE = {c: f"%{ord(c):02X}" for c in "%&=#?"}


def decode(text: str) -> str:
    """Undo every layer a client may hide a value under: percent (repeated), plus, full-width forms."""
    for _ in range(5):
        once = unquote_plus(text, errors="replace")
        if once == text:
            break
        text = once
    return unicodedata.normalize("NFKC", text)


def _plainly_impersonal(text: str) -> bool:
    """ASCII with under 5 digits and no @ (e.g. `_size=10`, `_sort=pm25`): nothing the detector could find."""
    return text.isascii() and "@" not in text and sum(ch.isdigit() for ch in text) < 5


def redact(text: str) -> str:
    """Personal values replaced by <ENTITY> (the project's detector), then any long digit run by <NUMBER>."""
    if _plainly_impersonal(text):
        return text
    out = text
    for f in sorted(find(text), key=lambda f: f.start, reverse=True):
        out = out[:f.start] + f"<{f.entity}>" + out[f.end:]
    return _DIGITS.sub("<NUMBER>", out)


def _value(name: str, value: str) -> str:
    if _SECRET_NAME.search(name):
        return "<SECRET>" if value else ""
    v = decode(value)
    cut = len(v) > _MAX_VALUE
    v = redact(v[:_MAX_VALUE]) + ("…" if cut else "")
    return "".join(_ESCAPE.get(c, c) for c in v)


def shape(path_and_query: str) -> str:
    """`/path?name=value&...` as stored: the decoded path and each value redacted, secrets dropped.

    The split is made on the raw string (an encoded & or = inside a value stays inside it).
    """
    path, _, query = path_and_query.partition("?")
    out = redact(decode(unquote(path, errors="replace")))
    if not query:
        return out
    parts = []
    for pair in query.split("&"):
        if not pair:
            continue
        raw_name, eq, raw_value = pair.partition("=")
        name = "".join(_ESCAPE.get(c, c) for c in redact(decode(raw_name))[:_MAX_VALUE])
        parts.append(name + (eq and "=" + _value(decode(raw_name), raw_value)))
    return out + "?" + "&".join(parts)
