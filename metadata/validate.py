"""Load a dataset.yaml into a Record, collecting every problem at once, keyed by field path."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from . import schema as s

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
RECOGNIZER_FILE = re.compile(r"^[^/\\.][^/\\]{0,199}\.ya?ml$")
TOP_KEYS = {
    "identifier", "title", "title_en", "description", "department", "themes", "keywords", "source",
    "format", "share_type", "share_method", "open_type", "legal_basis", "update_frequency",
    "last_updated", "issued", "security_level", "usage_requirements", "licence", "contact", "spatial",
    "recognizers",
    "temporal", "k_anonymity", "strict_residual", "columns",
}
COLUMN_KEYS = {"name", "type", "description", "unit", "personal", "rule", "facet", "search",
               "free_text", "quasi_identifier", "organisational"}


class CatalogError(Exception):
    """A dataset.yaml (or several) has problems; `problems` lists (file, field path, message)."""

    def __init__(self, problems: list[tuple[str, str, str]], warnings: list[tuple[str, str, str]] = ()):
        self.problems, self.warnings = problems, list(warnings)  # warnings too: a fix should see them all
        super().__init__("\n".join(f"{f}: {p}: {m}" for f, p, m in problems))


@dataclass
class _Collector:
    """Reads fields out of the raw mapping while remembering every problem."""
    raw: dict
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def err(self, path: str, msg: str) -> None:
        self.errors.append((path, msg))

    def text(self, d: dict, key: str, path: str, required: bool = True) -> str | None:
        v = d.get(key)
        if v is None or (isinstance(v, str) and not v.strip()):
            if required:
                self.err(path, "必填项缺失 (required)")
            return None
        if not isinstance(v, (str, int, float)):
            self.err(path, f"应为文本 (expected text), got {type(v).__name__}")
            return None
        return str(v).strip()

    def term(self, d: dict, key: str, path: str, vocab: dict, required: bool = True) -> str | None:
        v = self.text(d, key, path, required)
        if v is not None and v not in vocab:
            self.err(path, f"'{v}' 不是有效取值 (must be one of: {' | '.join(vocab)})")
            return None
        return v

    def terms(self, d: dict, key: str, path: str, vocab: dict) -> tuple[str, ...]:
        v = d.get(key)
        if v is None or v == []:
            self.err(path, "必填项缺失 (required: a list)")
            return ()
        items = v if isinstance(v, list) else [v]
        for i, item in enumerate(items):
            if item not in vocab:
                self.err(f"{path}[{i}]", f"'{item}' 不是有效取值 (must be one of: {' | '.join(vocab)})")
        return tuple(str(i) for i in items if i in vocab)

    def day(self, d: dict, key: str, path: str, required: bool = True) -> date | None:
        v = d.get(key)
        if v is None:
            if required:
                self.err(path, "必填项缺失 (required, YYYY-MM-DD)")
            return None
        if isinstance(v, date):
            return v
        try:
            return date.fromisoformat(str(v))
        except ValueError:
            self.err(path, f"'{v}' 不是有效日期 (expected YYYY-MM-DD)")
            return None

    def flag(self, d: dict, key: str, path: str) -> bool:
        v = d.get(key, False)
        if not isinstance(v, bool):
            self.err(path, f"应为 true 或 false (expected a boolean), got {v!r}")
            return False
        return v


def _rule(c: _Collector, raw: Any, path: str) -> s.Rule:
    if raw is None:
        return s.Rule()
    if isinstance(raw, str):
        raw = {"op": raw}
    if not isinstance(raw, dict) or raw.get("op") not in s.RULE_OPS:
        c.err(path, f"规则无效 (rule must be one of {' | '.join(s.RULE_OPS)}, or {{op: ..., params}})")
        return s.Rule()
    params = {k: v for k, v in raw.items() if k != "op"}
    return s.Rule(raw["op"], params)


def _organisational(c: _Collector, raw: Any, path: str) -> tuple[str, ...]:
    """Optional list of PERSONAL_KINDS terms asserted to be organisations' data in the column."""
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    for i, item in enumerate(items):
        if item not in s.PERSONAL_KINDS:
            c.err(f"{path}[{i}]", f"'{item}' 不是有效取值 (must be one of: {' | '.join(s.PERSONAL_KINDS)})")
    return tuple(str(i) for i in items if i in s.PERSONAL_KINDS)


def _columns(c: _Collector, raw: Any) -> tuple[s.Column, ...]:
    if not isinstance(raw, list) or not raw:
        c.err("columns", "必填项缺失 (required: the field dictionary, one entry per column)")
        return ()
    cols, seen = [], set()
    for i, col in enumerate(raw):
        p = f"columns[{i}]"
        if not isinstance(col, dict):
            c.err(p, "应为映射 (expected a mapping with name, type, description)")
            continue
        for k in col.keys() - COLUMN_KEYS:
            c.warnings.append((f"{p}.{k}", "未知字段，已忽略 (unknown key, ignored)"))
        name = c.text(col, "name", f"{p}.name")
        if name in seen:
            c.err(f"{p}.name", f"列名 '{name}' 重复 (duplicate column name)")
        seen.add(name)
        ctype = c.text(col, "type", f"{p}.type")
        if ctype is not None and ctype not in s.COLUMN_TYPES:
            c.err(f"{p}.type", f"'{ctype}' 不是有效类型 (must be one of: {' | '.join(s.COLUMN_TYPES)})")
        personal = c.term(col, "personal", f"{p}.personal", s.PERSONAL_KINDS, required=False)
        rule = _rule(c, col.get("rule"), f"{p}.rule")
        if personal and rule.op == "keep":
            c.err(f"{p}.rule", "含个人信息的列必须声明脱敏规则 (a personal column needs a rule other than keep)")
        cols.append(s.Column(
            name=name or "", type=ctype or "text",
            description=c.text(col, "description", f"{p}.description") or "",
            unit=c.text(col, "unit", f"{p}.unit", required=False), personal=personal, rule=rule,
            facet=c.flag(col, "facet", f"{p}.facet"), search=c.flag(col, "search", f"{p}.search"),
            free_text=c.flag(col, "free_text", f"{p}.free_text"),
            quasi_identifier=c.flag(col, "quasi_identifier", f"{p}.quasi_identifier"),
            organisational=_organisational(c, col.get("organisational"), f"{p}.organisational"),
        ))
    return tuple(cols)


def _recognizer_names(c: _Collector, raw: Any) -> tuple[str, ...]:
    """Optional list of recognizer YAML files: plain names of files in the dataset folder."""
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    for i, item in enumerate(items):
        if not isinstance(item, str) or not RECOGNIZER_FILE.match(item):
            c.err(f"recognizers[{i}]", f"{item!r} 应为数据集目录中的 .yaml 文件名 (a .yaml file name in the "
                  "dataset folder, no path)")
    return tuple(i for i in items if isinstance(i, str) and RECOGNIZER_FILE.match(i))


def _check_recognizers(c: _Collector, folder: Path, record: s.Record) -> None:
    """Each recognizer file loads as Presidio recognizers (imported only when a dataset names one)."""
    if not record.recognizers:
        return
    from anonymize.registry import RecognizerFileError, read_file
    for i, name in enumerate(record.recognizers):
        try:
            read_file(source_path(folder, name))  # like the source: a file of this folder, links kept inside
        except SourcePathError as e:
            c.err(f"recognizers[{i}]", f"{name}: {e}")
        except RecognizerFileError as e:
            for _, problem in e.problems:
                c.err(f"recognizers[{i}]", f"{name}: {problem}")


def _record(c: _Collector, folder: Path) -> s.Record | None:
    r = c.raw
    for k in r.keys() - TOP_KEYS:
        c.warnings.append((k, "未知字段，已忽略 (unknown key, ignored)"))
    ident = c.text(r, "identifier", "identifier")
    if ident is not None and not SLUG.match(ident):
        c.err("identifier", "只能包含小写字母、数字和连字符 (lowercase letters, digits, dashes)")
    elif ident is not None and ident != folder.name:
        c.err("identifier", f"'{ident}' 与目录名 '{folder.name}' 不一致 (must equal the folder name)")
    dept = r.get("department") if isinstance(r.get("department"), dict) else {}
    if not isinstance(r.get("department"), dict):
        c.err("department", "必填项缺失 (required: {name, code})")
    contact = r.get("contact") if isinstance(r.get("contact"), dict) else {}
    if not isinstance(r.get("contact"), dict):
        c.err("contact", "必填项缺失 (required: {name, phone, email})")
    src = r.get("source") if isinstance(r.get("source"), dict) else {}
    if not isinstance(r.get("source"), dict):
        c.err("source", "必填项缺失 (required: {file, encoding, sheet})")
    temporal = r.get("temporal") if isinstance(r.get("temporal"), dict) else {}
    source_file = c.text(src, "file", "source.file")
    if source_file is not None and not plain_file_name(source_file):
        c.err("source.file", "须为数据集目录中的文件名，不含路径 (a plain file name in the dataset folder: no "
              "directory, no '..', not hidden, not dataset.yaml)")
    open_type = c.term(r, "open_type", "open_type", s.OPEN_TYPES)
    share_type = c.term(r, "share_type", "share_type", s.SHARE_TYPES)
    legal_basis = c.text(r, "legal_basis", "legal_basis", required=False)
    if not legal_basis and (open_type in s.NEEDS_LEGAL_BASIS_OPEN or share_type in s.NEEDS_LEGAL_BASIS_SHARE):
        c.err("legal_basis", f"{open_type if open_type in s.NEEDS_LEGAL_BASIS_OPEN else share_type}"
              "须注明法律依据 (legal basis required for this share/open type)")
    licence = c.text(r, "licence", "licence")
    if licence is not None and licence not in s.LICENCES:
        c.err("licence", f"'{licence}' 不是已知许可 (must be one of: {' | '.join(s.LICENCES)})")
    k = r.get("k_anonymity", 5)
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        c.err("k_anonymity", f"应为正整数 (expected a positive integer), got {k!r}")
        k = 5
    strict = r.get("strict_residual", False)
    if not isinstance(strict, bool):
        c.err("strict_residual", f"应为 true 或 false (expected true or false), got {strict!r}")
    record = dict(
        identifier=ident, title=c.text(r, "title", "title"), title_en=c.text(r, "title_en", "title_en", False),
        description=c.text(r, "description", "description"),
        department=s.Department(c.text(dept, "name", "department.name") or "",
                                c.text(dept, "code", "department.code", required=False)),
        themes=c.terms(r, "themes", "themes", s.THEMES),
        keywords=tuple(str(x) for x in (r.get("keywords") or [])),
        source=s.Source(source_file or "",
                        c.text(src, "encoding", "source.encoding", required=False),
                        c.text(src, "sheet", "source.sheet", required=False)),
        format=c.term(r, "format", "format", s.FORMATS), share_type=share_type,
        share_method=c.terms(r, "share_method", "share_method", s.SHARE_METHODS), open_type=open_type,
        legal_basis=legal_basis,
        update_frequency=c.term(r, "update_frequency", "update_frequency", s.UPDATE_FREQUENCIES),
        last_updated=c.day(r, "last_updated", "last_updated"), issued=c.day(r, "issued", "issued", False),
        security_level=c.term(r, "security_level", "security_level", s.SECURITY_LEVELS),
        usage_requirements=c.text(r, "usage_requirements", "usage_requirements"), licence=licence,
        contact=s.Contact(c.text(contact, "name", "contact.name") or "",
                          c.text(contact, "phone", "contact.phone", False),
                          c.text(contact, "email", "contact.email", False)),
        spatial=c.text(r, "spatial", "spatial", False),
        recognizers=_recognizer_names(c, r.get("recognizers")),
        temporal_start=c.day(temporal, "start", "temporal.start", False),
        temporal_end=c.day(temporal, "end", "temporal.end", False),
        k_anonymity=k, strict_residual=strict is True, columns=_columns(c, r.get("columns")),
    )
    return None if c.errors else s.Record(**record)


class SourcePathError(ValueError):
    """A file dataset.yaml names (source.file, recognizers) is not a regular file inside the dataset folder."""


def plain_file_name(name: str) -> bool:
    """A file name without any path: what a department uploads beside dataset.yaml."""
    return (0 < len(name) <= 200 and name == name.strip() and not name.startswith(".")
            and name != "dataset.yaml" and not any(ch in name for ch in "/\\") and name.isprintable())


def source_path(folder: Path, name: str) -> Path:
    """The file `name` (source, recognizers) inside `folder`: a plain file name whose real path (links followed) is a
    regular file directly in the folder. Publishing reads only what this returns, so nothing outside
    the dataset folder (another department's data, the portal's keys) can ever be read as a source."""
    if not plain_file_name(name):
        raise SourcePathError("须为数据集目录中的文件名，不含路径 (a plain file name, no path)")
    base = Path(folder).resolve()
    real = (base / name).resolve()
    if real.parent != base:
        raise SourcePathError("该文件是指向数据集目录之外的链接 (the file links outside the dataset folder)")
    if not real.is_file():
        raise SourcePathError(f"文件不存在 (file not found: {name})")
    return real


def header_mismatch(header: list[str], declared: list[str], shown: int = 20) -> str | None:
    """Which column positions differ and the names declared there; never the file's own cells (they may
    hold anything, personal data included, when a file has no header row)."""
    positions = [i + 1 for i in range(max(len(header), len(declared)))
                 if i >= len(header) or i >= len(declared) or header[i] != declared[i]]
    if not positions:
        return None
    more = f" …（共 {len(positions)} 处）" if len(positions) > shown else ""
    expected = [f"第{i}列 '{declared[i - 1]}'" if i <= len(declared) else f"第{i}列（未声明 not declared）"
                for i in positions[:shown]]
    return (f"与源文件表头不一致 (columns do not match the source header): 源文件 {len(header)} 列，目录声明 "
            f"{len(declared)} 列 (file has {len(header)} columns, {len(declared)} declared); 不一致的位置及目录声明的"
            f"列名 (positions that differ, with the declared names): {', '.join(expected)}{more}")


def _check_source(c: _Collector, folder: Path, record: s.Record) -> None:
    """The source is a file of the folder and the declared columns are exactly its header, in order."""
    from anonymize.read import InputError, read_header
    try:
        path = source_path(folder, record.source.file)
    except SourcePathError as e:
        c.err("source.file", str(e))
        return
    try:
        header = read_header(path, record.source.encoding, record.source.sheet)
    except InputError as e:
        c.err("source.file", f"{record.source.file} {e.located}")
        return
    problem = header_mismatch(header, [col.name for col in record.columns])
    if problem:
        c.err("columns", problem)


def load(folder: Path, check_source: bool = True) -> tuple[s.Record, list[tuple[str, str]]]:
    """Return (record, warnings) for datasets/<slug>/, or raise CatalogError with every problem."""
    folder = Path(folder)
    yml = folder / "dataset.yaml"
    label = str(yml)
    try:
        raw = yaml.safe_load(yml.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError([(label, "-", "文件不存在 (dataset.yaml not found)")])
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        where = getattr(e, "problem_mark", None)
        line = f" at line {where.line + 1}" if where else ""
        raise CatalogError([(label, "-", f"YAML 格式错误{line} (malformed YAML)")])
    if not isinstance(raw, dict):
        raise CatalogError([(label, "-", "应为映射 (expected a mapping of catalogue fields)")])
    c = _Collector(raw)
    record = _record(c, folder)
    if record is not None and check_source:
        _check_source(c, folder, record)
        _check_recognizers(c, folder, record)
    if c.errors:
        raise CatalogError([(label, p, m) for p, m in c.errors], [(label, p, m) for p, m in c.warnings])
    return record, c.warnings


def load_all(root: Path, check_source: bool = True) -> tuple[list[s.Record], list[tuple[str, str, str]]]:
    """Load every datasets/<slug>/; raise one CatalogError holding the problems of all of them."""
    records, problems, warnings = [], [], []
    for folder in sorted(p for p in Path(root).iterdir() if (p / "dataset.yaml").exists()):
        try:
            record, warns = load(folder, check_source)
            records.append(record)
            warnings += [(str(folder / "dataset.yaml"), p, m) for p, m in warns]
        except CatalogError as e:
            problems += e.problems
            warnings += e.warnings
    if problems:
        raise CatalogError(problems, warnings)
    return records, warnings
