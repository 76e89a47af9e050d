"""Column profiling on a sample, and the per-cell scan that redacts what the detector finds."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from . import operators
from .headers import HeaderMatch, is_blank
from .institutions import ORG_KEEP, PUBLIC_LINE_BEFORE, generic_email, is_org_name, name_shaped
from .checksums import normalize_digits
from .detect import PERSONAL_ENTITIES, SPEC_BY_ENTITY, find

SAMPLE_ROWS = 2000
MEMO_MAX_LEN = 40          # short cells repeat (categories, districts): remember their scan result
MEMO_MAX_ITEMS = 200_000   # bounded, so memory does not grow with the number of rows
CATEGORY_MAX = 200         # at most this many distinct values make a category set
CATEGORY_REPEAT_MIN = 10  # a name-shaped value seen this often (and in 2% of the sample) is a category
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
    keep: frozenset = frozenset()          # entities kept as public facts (an institution's contact data)
    why: str = ""                          # the header rule or table fact behind this profile, for the report
    subject: int | None = None             # output position of the row's subject column (its name)...
    org_row: "Profile | None" = None       # ...and the profile used where that name is an organisation

    def for_row(self, row: list) -> "Profile":
        """The profile for one row: an organisation's row may keep its public contact data."""
        if self.org_row is None or self.subject is None or self.subject >= len(row):
            return self
        return self.org_row if is_org_name(row[self.subject]) else self

    def fits(self, value: str) -> bool:
        if self.kind != "clean":
            return False
        if not value or value in self.safe_values:
            return True
        if self.safe_fixed and len(value) <= 30 and fixed_shape(value):
            return True
        return bool(self.safe_codes) and code_shape(value) in self.safe_codes

    def describe(self) -> str:
        text = self._describe()
        shown = sorted(k for k in self.keep if k != NAME_SHAPED_ONLY)
        if shown:
            text += f"; keeps {'/'.join(shown)}"
        if self.why:
            text += f" [{self.why}]"
        if self.org_row is not None:
            text += f"; in rows naming an organisation: {self.org_row.describe()}"
        return text

    def _describe(self) -> str:
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
# Entities a cell cannot be without a digit: 无电话 or 发放至社会保障卡 in such a column is scanned, not redacted.
DIGIT_ENTITIES = WHOLE_CELL_ENTITIES - {"PERSON", "EMAIL"}
# What a column of a thing's names or codes (犬名, 芯片编号, 预约编号) keeps: its values are not a person's.
THING_KEEP = frozenset({"PERSON"})  # no number: a licence numbered with its holder's ID is that ID
# A marker in `allowed` (like EMAIL_GENERIC): in the subject column, only a name-shaped cell is redacted whole.
NAME_SHAPED_ONLY = "PERSON_NAME_SHAPED_ONLY"
# Header kinds after which sampling may not call a column an identifier of a person.
_NOT_PROMOTED = frozenset("org org_contact public_contact nonperson describes_kind".split())


def profile_column(cells: list[str], free_text: bool = False, header_entity=None) -> Profile:
    """Classify a column from a sample of its cells (see Profile); header_entity: what its header names
    (an entity code, or a headers.HeaderMatch)."""
    match = header_entity if isinstance(header_entity, HeaderMatch) else None
    entity = match.person_row_entity if match else header_entity
    why = f"header: {match.rule}" if match and match.kind != "none" else ""
    if free_text:
        return Profile("free_text")
    if entity in WHOLE_CELL_ENTITIES or entity == "CN_ADDRESS":
        return Profile("identifier", entity=entity, whole=True, by_header=True, why=why)
    if match and match.kind == "nonperson":
        return Profile("free_text", keep=THING_KEEP, why=why)
    values = [c for c in cells if c]
    if not values:
        return Profile("clean", safe_fixed=True, why=why)
    hits = {v: [f for f in find(v)] for v in set(values)}
    personal = {v: [f for f in fs if f.entity in PERSONAL_ENTITIES] for v, fs in hits.items()}
    # A surname-led value repeated across many rows is a category (柴犬, 麻醉科), not one person's name.
    counts, cat_min = Counter(values), max(CATEGORY_REPEAT_MIN, len(values) // 50)
    for v, fs in personal.items():
        if fs and counts[v] >= cat_min and all(f.entity == "PERSON" for f in fs):
            personal[v] = []
    whole = Counter(fs[0].entity for v, fs in personal.items() if len(fs) == 1
                    and fs[0].end - fs[0].start >= len(v.strip()))
    n_whole = sum(whole[e] for e in whole)
    if match and match.kind in _NOT_PROMOTED:
        n_whole = 0  # 证件类型, 机构名称, 犬名: the header says the values are no person's identifier
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
    return Profile("clean", safe_values=safe_values, safe_codes=codes, safe_fixed=True, why=why)


# How much of a subject column must name organisations for the table to hold institutions' rows.
ORG_SHARE_MIN = 0.01  # low: rows are still decided one by one, this only switches the per-row check on


def profile_table(header: list[str], sample: list[list[str]], matches: list, free: list[bool],
                  scanned: list[bool], keep_idx: list[int]) -> list[Profile]:
    """Profiles of every column, knowing the table: where the row's subject (its first name column) names
    an organisation, the institution's address, landline and generic e-mail are public facts and stay;
    a person's row in the same columns is treated as personal (decided per row, see Profile.for_row).

    matches: each column's headers.HeaderMatch (None where the dataset declared the column);
    free: declared free text; scanned: kept and scanned (not under a declared rule);
    keep_idx: source positions of the output columns, in output order."""
    cols = [[r[i] for r in sample if i < len(r)] for i in range(len(header))]
    subject, share = _subject(matches, cols)
    out_pos = keep_idx.index(subject) if subject is not None and subject in keep_idx else None
    gated = out_pos is not None and share >= ORG_SHARE_MIN
    profiles = []
    for i, m in enumerate(matches):
        if not scanned[i]:
            profiles.append(Profile("rule"))
            continue
        kind = m.kind if m else "none"
        if kind == "public_contact" or (kind == "org_contact" and not gated):
            # 咨询电话, 经办机构电话: public in every row. 单位地址 with no name column to tell an
            # institution's rows apart is scanned like any column (the header alone does not vouch).
            p = profile_column(cols[i], free[i], m)
            profiles.append(_with(p, keep=ORG_KEEP) if kind == "public_contact" else p)
            continue
        if kind == "org_contact":  # a person's row of a mixed table: scanned, nothing kept
            person = profile_column(cols[i], free[i], None)
            person = Profile("clean", safe_fixed=True) if person.kind == "identifier" else person
        elif kind == "mixed" or (i == subject and gated):
            # 行政相对人名称 of a sole trader, 单位名称或姓名 of a person: that row's name is a person's
            entity = m.entity if kind == "mixed" else "PERSON"
            person = profile_column(cols[i], free[i], HeaderMatch("personal", entity, m.rule))
            if entity == "PERSON":
                person = _with(person, keep=frozenset({NAME_SHAPED_ONLY}),
                               why=person.why + "; the row's name: redacted whole where it is shaped like a person's")
        else:
            person = profile_column(cols[i], free[i], m)
        per_row = gated and (kind in ("contact", "org_contact", "mixed") or i == subject
                             or (kind == "personal" and not m.owner))
        if not per_row:
            profiles.append(person)
            continue
        org = profile_column(cols[i], free[i], None if kind != "nonperson" else m)
        if org.kind == "identifier":
            org = Profile("clean", safe_fixed=True)
        why = f"rows whose column '{header[subject]}' names an organisation keep its public contact data"
        # The subject cell itself is the organisation's registered name: a surname-led word in it (华成育卓
        # 管理局, 张小泉刀具店) is part of that public name.
        org = _with(org, keep=ORG_KEEP if i != subject else frozenset({"PERSON"}), why=why)
        profiles.append(_with(person, subject=out_pos, org_row=org))
    return profiles


def _with(p: Profile, **changes) -> Profile:
    from dataclasses import replace
    return replace(p, **changes)


def _subject(matches: list, cols: list) -> tuple[int | None, float]:
    """The first column naming the row (机构名称, 单位名称或姓名, 被征收人, 姓名) and the share of its sample
    values that are organisations' names; a plain 姓名 column makes a table of persons."""
    for i, m in enumerate(matches):
        if m is None:
            continue
        if (m.kind == "org" and m.entity == "ORG_NAME") or (m.kind in ("mixed", "personal") and m.entity == "PERSON"):
            if m.kind == "personal" and not m.owner:
                return None, 0.0  # 姓名: each row is a person
            values = [v for v in cols[i] if v and not is_blank(v)]
            if not values:
                continue
            return i, sum(map(is_org_name, values)) / len(values)
    return None, 0.0


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
    if entity == "CN_ADDRESS":  # the declared granularity: the district stays (鹿城区［地址］)
        return operators.address(text)
    if entity == "DATE_OF_BIRTH":  # generalized to the year, as the generalize rule does
        year = _YEAR.search(text)
        if year:
            return f"{year.group()}年"
    return f"［{labels.get(entity, '个人信息')}］"


_YEAR = re.compile("(?:19|20)[0-9]{2}")
_DIGIT = re.compile("[0-9０-９]")
def address_whole(value: str) -> str:
    """A personal address redacted whole, keeping only its province, city and district (鹿城区［地址］),
    as the lexicon of divisions knows them (an estate's 翠苑一区 is no district)."""
    return operators.address(value.strip())


def _kept(f, value: str, allowed: frozenset) -> bool:
    """An allowed entity stays; an e-mail stays as an institution's only when it is a generic mailbox."""
    if f.entity == "EMAIL" and "EMAIL" not in allowed and "EMAIL_GENERIC" in allowed:
        return generic_email(value[f.start:f.end])
    if f.entity == "CN_RESIDENT_ID" and f.score >= 1.0 and len(normalize_digits(value[f.start:f.end])) == 18:
        return False  # a check-digit-valid ID is a person's even as a licence's number (T + ID, 许可编号 = ID)
    if f.entity == "CN_LANDLINE" and PUBLIC_LINE_BEFORE.search(value, max(0, f.start - 8), f.start):
        return True  # 咨询电话0571-87966123: a service line named as such is public wherever it is written
    return f.entity in allowed


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
    """A cell of an identifier column: the whole value is the entity unless it is blank (无, 不详, -), has
    no digit where the entity needs digits (无电话), or, in a name column, is one character (是, 否) or
    names an organisation."""
    if is_blank(value) or entity in allowed or (entity in DIGIT_ENTITIES and not _DIGIT.search(value)) \
            or (entity == "PERSON" and (len(value.strip()) < 2 or is_org_name(value)
                                        or (NAME_SHAPED_ONLY in allowed and not name_shaped(value)))):
        return scan_cell(scanner, value, allowed, header)
    if entity == "CN_ADDRESS":
        new = address_whole(value)
        rest = [f.entity for f in scanner.personal(new, header=header) if f.entity not in allowed]
        return CellResult(new, [entity], [], rest[0] if rest else None)
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
    redacted = [f for f in hits if not _kept(f, value, allowed)]
    kept = [f.entity for f in hits if _kept(f, value, allowed)]
    if not redacted:
        return CellResult(value, kept=kept)
    new = redact(value, redacted, scanner.labels)
    rest = [f.entity for f in scanner.personal(new, header=header) if not _kept(f, new, allowed)]
    return CellResult(new, [f.entity for f in redacted], kept, rest[0] if rest else None)


def echo_names(out: list, names: list, scanned: list) -> list:
    """A name its name column redacted whole is also replaced where the same row's other scanned cells
    repeat it (a note that says 虞𬱖青与王祎离婚纠纷一案 beside the 被执行人 虞𬱖青); returns the positions changed."""
    changed = []
    for name in {n.strip() for n in names}:
        if len(name) < 2 or (name.isascii() and len(name) < 4):
            continue
        for c, cell in enumerate(out):
            if scanned[c] and name in cell:
                out[c] = cell.replace(name, f"［{ENTITY_LABELS['PERSON']}］")
                changed.append(c)
    return changed
