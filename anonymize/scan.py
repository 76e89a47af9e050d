"""Column profiling on a sample, and the per-cell scan that redacts what the detector finds."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from . import operators
from .headers import is_blank
from .detect import PERSONAL_ENTITIES, SPEC_BY_ENTITY, find

SAMPLE_ROWS = 2000
MEMO_MAX_LEN = 40          # short cells repeat (categories, districts): remember their scan result
MEMO_MAX_ITEMS = 200_000   # bounded, so memory does not grow with the number of rows
CATEGORY_MAX = 200         # at most this many distinct values make a category set
SHAPE_MIN = 50             # a code shape is learned only from this many clean sample cells

ENTITY_LABELS = {
    "PERSON": "姓名", "CN_RESIDENT_ID": "身份证号", "CN_MOBILE": "手机号码", "CN_LANDLINE": "电话",
    "BANK_CARD": "银行卡号", "EMAIL": "电子邮箱", "CN_PASSPORT": "护照号", "CN_HMT_PERMIT": "通行证号",
    "CN_LICENSE_PLATE": "车牌号", "CN_ADDRESS": "地址", "CN_FLOAT_ID": "身份证号",
    "CN_PERSONAL_NUMBER": "个人编号", "DATE_OF_BIRTH": "出生日期",
}

# Shapes that cannot hold a personal identifier whatever their digits: dates, times, small numbers
# (at most 5 integer digits: identifiers need 6 or more in a row; decimals are never matched).
_FIXED_SHAPES = re.compile(
    r"(?P<date>(19|20)\d\d[-/.](0?[1-9]|1[0-2])[-/.](0?[1-9]|[12]\d|3[01]))"
    r"|(?P<datetime>(19|20)\d\d[-/](0?[1-9]|1[0-2])[-/](0?[1-9]|[12]\d|3[01])[ T]"
    r"([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?)"
    r"|(?P<date_zh>(19|20)\d\d年(0?[1-9]|1[0-2])月((0?[1-9]|[12]\d|3[01])日)?)"
    r"|(?P<number>[-+]?\d{1,5}(\.\d+)?%?)")
_CODE_CHARS = re.compile(r"[0-9A-Za-z\-_/.]{1,40}")
_TRANS = str.maketrans("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                       "9" * 10 + "A" * 26 + "a" * 26)


def fixed_shape(value: str) -> str | None:
    m = _FIXED_SHAPES.fullmatch(value)
    return m.lastgroup if m else None


def code_shape(value: str) -> str | None:
    """A code's shape keeps its first two characters literally (an ID's validity hangs on its province
    code, a card's on its issuer prefix) and abstracts the rest: 20261001... -> '20' + 9999..."""
    if not _CODE_CHARS.fullmatch(value):
        return None
    return value[:2] + value[2:].translate(_TRANS)


@dataclass
class Profile:
    """What sampling learned about a column: its kind, and which cells may skip the detector."""
    kind: str = "clean"                    # clean | free_text | identifier | rule
    entity: str | None = None              # identifier columns: the entity the values are
    safe_values: frozenset = frozenset()   # a small category set, every value verified clean
    safe_codes: frozenset = frozenset()    # code shapes seen often and never with a finding
    safe_fixed: bool = False               # dates, times and small numbers skip the detector
    whole: bool = False                    # identifier columns: every non-blank cell is the entity
    by_header: bool = False                # the column's header named the entity

    def fits(self, value: str) -> bool:
        if self.kind != "clean":
            return False
        if not value or value in self.safe_values:
            return True
        if self.safe_fixed and len(value) <= 30 and fixed_shape(value):
            return True
        return bool(self.safe_codes) and code_shape(value) in self.safe_codes

    def describe(self) -> str:
        if self.kind == "identifier":
            how = ", by header" if self.by_header else ""
            return f"identifier ({self.entity}{how}{', whole cells' if self.whole else ''})"
        parts = [self.kind]
        if self.safe_values:
            parts.append(f"{len(self.safe_values)} safe values")
        if self.safe_codes or self.safe_fixed:
            parts.append("safe shapes")
        return ", ".join(parts)


# Identifier columns whose values are redacted whole: a value the detector misses (a typo in a check
# digit, an odd format) is still the entity. Addresses are not: their columns mix levels of detail.
WHOLE_CELL_ENTITIES = frozenset(
    "CN_RESIDENT_ID CN_MOBILE BANK_CARD EMAIL CN_PASSPORT CN_HMT_PERMIT CN_LICENSE_PLATE PERSON CN_PERSONAL_NUMBER"
    " DATE_OF_BIRTH".split())


def profile_column(cells: list[str], free_text: bool = False, header_entity: str | None = None) -> Profile:
    """Classify a column from a sample of its cells (see Profile); header_entity: what its header names."""
    if free_text:
        return Profile("free_text")
    if header_entity in WHOLE_CELL_ENTITIES:
        return Profile("identifier", entity=header_entity, whole=True, by_header=True)
    values = [c for c in cells if c]
    if not values:
        return Profile("clean", safe_fixed=True)
    hits = {v: [f for f in find(v)] for v in set(values)}
    personal = {v: [f for f in fs if f.entity in PERSONAL_ENTITIES] for v, fs in hits.items()}
    whole = Counter(fs[0].entity for v, fs in personal.items() if len(fs) == 1
                    and fs[0].end - fs[0].start >= len(v.strip()))
    n_whole = sum(whole[e] for e in whole)
    if n_whole and n_whole * 2 >= len(set(values)):
        entity = whole.most_common(1)[0][0]
        return Profile("identifier", entity=entity, whole=entity in WHOLE_CELL_ENTITIES)
    if _looks_like_text(values):
        return Profile("free_text")
    distinct = set(values)
    safe_values = frozenset()
    if len(distinct) <= CATEGORY_MAX and len(distinct) * 5 <= len(values):
        safe_values = frozenset(v for v in distinct if not personal[v])
    shapes, dirty = Counter(), set()
    for v in values:
        shape = code_shape(v)
        if shape is not None:
            shapes[shape] += 1
            if personal[v]:
                dirty.add(shape)
    codes = frozenset(s for s, n in shapes.items() if n >= SHAPE_MIN and s not in dirty)
    return Profile("clean", safe_values=safe_values, safe_codes=codes, safe_fixed=True)


def _looks_like_text(values: list[str]) -> bool:
    """Long, mostly distinct cells with Chinese text are prose: scan every one."""
    long_han = sum(1 for v in values if len(v) > 30 and not v.isascii())
    return long_han * 5 >= len(values)


class Scanner:
    """find() with a bounded memo for short cells, returning findings of personal entities only.
    anonymize.custom.CustomScanner adds a registry's custom recognizers (and their placeholders)."""

    labels = ENTITY_LABELS  # placeholder words by entity

    def __init__(self):
        self.memo: dict[tuple, list] = {}
        self.look_for = _LOOK_FOR  # the built-in entities the registry holds

    def personal(self, text: str, skip: frozenset = frozenset(), header: str = "") -> list:
        """Personal findings in `text`; `skip`: entities not looked for at all (a column's exempt kinds).
        Skipping is never laxer than filtering afterwards: a skipped entity cannot outrank another.
        `header`: the column's name, context for custom recognizers (unused here)."""
        if not text:
            return []
        short = len(text) <= MEMO_MAX_LEN
        if short:
            hit = self.memo.get((text, skip))
            if hit is not None:
                return hit
        look = self.look_for - skip if skip or self.look_for is not _LOOK_FOR else None
        hits = [f for f in find(text, look) if f.entity in PERSONAL_ENTITIES]
        if short:
            if len(self.memo) >= MEMO_MAX_ITEMS:
                self.memo.clear()
            self.memo[(text, skip)] = hits
        return hits


_LOOK_FOR = frozenset(SPEC_BY_ENTITY)  # organisations too: they still outrank what they contain


def redact_span(entity: str, text: str, labels: dict = ENTITY_LABELS) -> str:
    """The safe default for a personal value found in a cell: keep only what cannot identify."""
    if entity == "CN_MOBILE":
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) >= 7:
            return operators.mask(digits[-11:], keep_first=3, keep_last=4)
    if entity == "DATE_OF_BIRTH":  # generalized to the year, as the generalize rule does
        year = _YEAR.search(text)
        if year:
            return f"{year.group()}年"
    return f"［{labels.get(entity, '个人信息')}］"


_YEAR = re.compile("(?:19|20)[0-9]{2}")


def redact(text: str, hits: list, labels: dict = ENTITY_LABELS) -> str:
    out, pos = [], 0
    for f in sorted(hits, key=lambda f: f.start):
        out.append(text[pos:f.start])
        out.append(redact_span(f.entity, text[f.start:f.end], labels))
        pos = f.end
    out.append(text[pos:])
    return "".join(out)


@dataclass
class CellResult:
    """What scanning one cell did: the new value, entities redacted, entities kept, residual entity."""
    value: str
    found: list = field(default_factory=list)
    kept: list = field(default_factory=list)
    residual: str | None = None


def redact_whole(scanner: Scanner, value: str, entity: str, allowed: frozenset = frozenset(),
                 header: str = "") -> CellResult:
    """A cell of an identifier column: the whole value is the entity unless it is blank (无, 不详, -)."""
    if is_blank(value) or entity in allowed:
        return scan_cell(scanner, value, allowed, header)
    new = redact_span(entity, value, scanner.labels)
    rest = [f.entity for f in scanner.personal(new, header=header) if f.entity not in allowed]
    return CellResult(new, [entity], [], rest[0] if rest else None)


def scan_cell(scanner: Scanner, value: str, allowed: frozenset = frozenset(), header: str = "") -> CellResult:
    """Redact personal spans except the `allowed` (organisational) entities, then re-scan the result.

    An unchanged cell reuses the first scan (the detector is deterministic); a changed one is scanned again.
    """
    hits = scanner.personal(value, header=header)
    if not hits:
        return CellResult(value)
    redacted = [f for f in hits if f.entity not in allowed]
    kept = [f.entity for f in hits if f.entity in allowed]
    if not redacted:
        return CellResult(value, kept=kept)
    new = redact(value, redacted, scanner.labels)
    rest = [f.entity for f in scanner.personal(new, header=header) if f.entity not in allowed]
    return CellResult(new, [f.entity for f in redacted], kept, rest[0] if rest else None)
