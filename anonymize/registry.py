"""The one recognizer registry: the built-in Chinese recognizers plus a department's Presidio YAML files."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import regex
import yaml
from presidio_analyzer import EntityRecognizer, PatternRecognizer, RecognizerRegistry

from anonymize.nlp import LANGUAGE
from anonymize.recognizers import ChineseRecognizer, build_registry

# Our one addition to Presidio's recognizer format: the placeholder's word (［工号］); default: the entity.
LABEL_KEY = "label"
# Keys Presidio's PatternRecognizer.from_dict / add_pattern_recognizer_from_dict accept.
PRESIDIO_KEYS = {"name", "supported_entity", "supported_entities", "supported_language", "patterns",
                 "deny_list", "context", "deny_list_score", "global_regex_flags", "version", "country_code",
                 "score_thresholds", "type", "enabled"}


class RecognizerFileError(Exception):
    """Recognizer YAML files cannot be used; `problems` lists (file, problem), each naming the recognizer."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{f}: {p}" for f, p in problems))


def read_file(path: Path | str) -> list[PatternRecognizer]:
    """The recognizers of one file in Presidio's YAML format (`recognizers:` list of pattern or
    deny-list recognizers), each checked; every problem of the file is raised at once."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError:
        raise RecognizerFileError([(str(path), "文件无法读取 (file not found or unreadable)")]) from None
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise RecognizerFileError([(str(path), f"YAML 格式错误{where} (malformed YAML)")]) from None
    items = raw.get("recognizers") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not items:
        raise RecognizerFileError([(str(path), "应有 recognizers: 列表 (expected a top-level 'recognizers:' list)")])
    out, problems = [], []
    for i, item in enumerate(items):
        where = f"recognizers[{i}]" + (f" '{item['name']}'" if isinstance(item, dict) and item.get("name") else "")
        try:
            rec = _recognizer(item)
        except _Bad as e:
            problems.append((str(path), f"{where}: {e}"))
            continue
        if rec is not None:
            rec.source = str(path)
            out.append(rec)
    if problems:
        raise RecognizerFileError(problems)
    return out


class _Bad(Exception):
    """One recognizer entry's problem (collected per file)."""


def _recognizer(item) -> PatternRecognizer | None:
    """One `recognizers:` entry as Presidio builds it (None when `enabled: false`)."""
    if not isinstance(item, dict):
        raise _Bad("应为映射 (expected a mapping with name, supported_entity, patterns or deny_list)")
    unknown = sorted(set(item) - PRESIDIO_KEYS - {LABEL_KEY})
    if unknown:
        raise _Bad(f"未知字段 (unknown keys: {', '.join(unknown)})")
    if item.get("type", "custom") != "custom":
        raise _Bad("只支持 type: custom (only custom pattern and deny-list recognizers can be added by YAML)")
    if item.get("enabled", True) is False:
        return None
    conf = {k: v for k, v in item.items() if k not in (LABEL_KEY, "type", "enabled")}
    if not conf.get("name"):
        raise _Bad("缺少 name (name is required)")
    language = conf.setdefault("supported_language", LANGUAGE)
    if language != LANGUAGE:
        raise _Bad(f"supported_language 应为 {LANGUAGE} (got {language!r})")
    for j, p in enumerate(conf.get("patterns") or []):
        _check_pattern(p, j, conf.get("global_regex_flags"))
    deny = conf.get("deny_list")
    if deny is not None and (not isinstance(deny, list) or not all(isinstance(w, str) and w.strip() for w in deny)):
        raise _Bad("deny_list 应为非空文本列表 (deny_list must be a list of non-empty strings)")
    context = conf.get("context")
    if context is not None and (not isinstance(context, list) or not all(isinstance(w, str) and w for w in context)):
        raise _Bad("context 应为文本列表 (context must be a list of words)")
    label = item.get(LABEL_KEY)
    if label is not None and (not isinstance(label, str) or not label.strip()):
        raise _Bad("label 应为文本 (label must be text)")
    try:
        # Presidio's own loader for one entry (add_recognizers_from_yaml calls it for each).
        holder = RecognizerRegistry(supported_languages=[LANGUAGE])
        holder.add_pattern_recognizer_from_dict(conf)
    except (ValueError, TypeError, KeyError) as e:
        raise _Bad(f"Presidio 拒绝此识别器 (rejected by Presidio: {e})") from None
    rec = holder.recognizers[0]
    rec.label = (label or rec.supported_entities[0]).strip()
    return rec


def _check_pattern(p, j: int, flags) -> None:
    """A pattern entry needs a name, a regex that compiles (Presidio's `regex` module) and a score in 0..1."""
    if not isinstance(p, dict) or not isinstance(p.get("regex"), str):
        raise _Bad(f"patterns[{j}]: 应有 name, regex, score (expected name, regex and score)")
    score = p.get("score")
    if not isinstance(score, (int, float)) or isinstance(score, bool) or not 0 <= score <= 1:
        raise _Bad(f"patterns[{j}] '{p.get('name', '')}': score 应在 0 到 1 之间 (score must be within 0..1)")
    try:
        regex.compile(p["regex"], flags if isinstance(flags, int) else 0)
    except regex.error as e:
        raise _Bad(f"patterns[{j}] '{p.get('name', '')}': 正则表达式无效 (invalid regex: {e})") from None


def build(files: Iterable[Path | str] = (), extra: Iterable[EntityRecognizer] = (),
          tagger: bool = False) -> RecognizerRegistry:
    """The built-in Chinese recognizers plus those of `files` (YAML) and `extra` (code), in one registry.
    Every file is read before any problem is raised, so one run names them all."""
    registry = build_registry(tagger)
    problems: list[tuple[str, str]] = []
    for f in files:
        try:
            for rec in read_file(f):
                registry.add_recognizer(rec)
        except RecognizerFileError as e:
            problems += e.problems
    if problems:
        raise RecognizerFileError(problems)
    for rec in extra:
        registry.add_recognizer(rec)
    return registry


def builtin(registry: RecognizerRegistry) -> list[ChineseRecognizer]:
    """The registry's built-in recognizers (their patterns are the fast path's table, detect.SPECS)."""
    return [r for r in registry.recognizers if isinstance(r, ChineseRecognizer)]


def custom(registry: RecognizerRegistry) -> list[EntityRecognizer]:
    """Everything else in the registry: a department's recognizers."""
    return [r for r in registry.recognizers if not isinstance(r, ChineseRecognizer)]


def label(rec: EntityRecognizer) -> str:
    """The placeholder word of a custom recognizer's entity."""
    return getattr(rec, "label", None) or rec.supported_entities[0]


def source(rec: EntityRecognizer) -> str:
    """Where a custom recognizer came from: its YAML file, or the class that defines it."""
    return getattr(rec, "source", None) or type(rec).__qualname__
