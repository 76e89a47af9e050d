"""The scan a recognizer registry compiles to: built-in entities for the fast path, custom recognizers beside it."""
from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass

import regex
from presidio_analyzer import EntityRecognizer, PatternRecognizer, RecognizerRegistry

from anonymize import detect, registry as reg
from anonymize.scan import ENTITY_LABELS, MEMO_MAX_ITEMS, MEMO_MAX_LEN, Scanner

# Presidio's LemmaContextAwareEnhancer defaults: a context word adds 0.35 and lifts the score to at least 0.4.
CONTEXT_FACTOR, CONTEXT_MIN_SCORE = 0.35, 0.4
# Presidio looks for context words among the 5 words before a match; Chinese has no spaces, so the fast
# path looks at this many characters before it (jieba words are about 2 characters) and at the header.
CONTEXT_CHARS = 12
_ASCII_WORD = re.compile("[A-Za-z0-9]")
# A department's regex may backtrack catastrophically (`(a|a)+$`): each pattern gets this long per cell
# (the `regex` module's own timeout). Past it the cell is the recognizer's finding whole (fail safe:
# redacted, counted, never published unscanned) and the recognizer is named in a warning.
PATTERN_TIMEOUT_S = 1.0


@dataclass(frozen=True)
class _Pattern:
    """One regex of a custom PatternRecognizer, compiled as Presidio compiles it (`regex` module, its flags)."""
    name: str
    rx: object
    score: float


class _Compiled:
    """A PatternRecognizer run without Presidio's engine: the same regexes, validate/invalidate, context
    and score threshold; deny-lists match inside Chinese text (Presidio's \\W boundaries never occur
    between 汉字: 王小明反映 would be missed), with boundaries only where a word ends in a letter or digit."""

    def __init__(self, rec: PatternRecognizer):
        self.rec, self.entity = rec, rec.supported_entities[0]
        flags = rec.global_regex_flags or 0
        deny = set(rec.deny_list or ())
        self.patterns = [_Pattern(p.name, regex.compile(p.regex, flags), p.score)
                         for p in rec.patterns if not (deny and p.name == "deny_list")]
        if deny:
            self.patterns.append(_Pattern("deny_list", regex.compile(_deny_regex(deny), flags), rec.deny_list_score))
        self.context = [w.lower() for w in rec.context or ()]
        thresholds = getattr(rec, "score_thresholds", None) or {}
        self.threshold = thresholds.get(self.entity, thresholds.get("default", 0.0))

    def find(self, text: str, header: str) -> list[detect.Finding]:
        out = []
        for p in self.patterns:
            try:
                matches = list(p.rx.finditer(text, timeout=PATTERN_TIMEOUT_S))
            except TimeoutError:
                logging.getLogger("anonymize").warning(
                    "自定义识别器超时，整格脱敏 (custom recognizer timed out: cell redacted whole)",
                    extra={"fields": {"recognizer": self.rec.name, "pattern": p.name, "source": reg.source(self.rec)}})
                return [detect.Finding(self.entity, 0, len(text), EntityRecognizer.MAX_SCORE)]
            for m in matches:
                start, end = m.span()
                if start == end:
                    continue
                score = self._score(p.score, text, start, end, header)
                if score > EntityRecognizer.MIN_SCORE and score >= self.threshold:
                    out.append(detect.Finding(self.entity, start, end, score))
        return out

    def _score(self, score: float, text: str, start: int, end: int, header: str) -> float:
        value = text[start:end]
        valid = self.rec.validate_result(value)
        if valid is not None:
            score = EntityRecognizer.MAX_SCORE if valid else EntityRecognizer.MIN_SCORE
        if self.rec.invalidate_result(value):
            return EntityRecognizer.MIN_SCORE
        if self.context and score > EntityRecognizer.MIN_SCORE:
            around = (text[max(0, start - CONTEXT_CHARS):start] + "\n" + header).lower()
            if any(w in around for w in self.context):
                score = min(EntityRecognizer.MAX_SCORE, max(score + CONTEXT_FACTOR, CONTEXT_MIN_SCORE))
        return score


def _deny_regex(words) -> str:
    """The deny-list as one alternation, longest word first; letter/digit edges need a non-word neighbour."""
    alts = []
    for w in sorted(words, key=len, reverse=True):
        lead = "(?<![A-Za-z0-9])" if _ASCII_WORD.match(w[0]) else ""
        tail = "(?![A-Za-z0-9])" if _ASCII_WORD.match(w[-1]) else ""
        alts.append(lead + regex.escape(w.strip()) + tail)
    return "(?:" + "|".join(alts) + ")"


def compiles_to_fast_path(rec: EntityRecognizer) -> bool:
    """A PatternRecognizer that keeps Presidio's own pattern loop: its regexes can run without the engine."""
    return isinstance(rec, PatternRecognizer) and type(rec).analyze is PatternRecognizer.analyze


class Detector:
    """What a registry means for the scan: the built-in entities the fast path looks for, the custom
    pattern recognizers compiled beside it, and any other recognizer run through Presidio's AnalyzerEngine
    (on a blank spaCy pipeline) on the cells that are scanned. Picklable: workers get the recognizers and
    compile them once per process."""

    def __init__(self, registry: RecognizerRegistry):
        self.builtin = frozenset(r.SPEC.entity for r in reg.builtin(registry))
        self.recognizers = reg.custom(registry)
        self.labels = {r.supported_entities[0]: reg.label(r) for r in self.recognizers}
        self.entities = frozenset(self.labels)
        self.key = uuid.uuid4().hex  # names its compiled state in every process
        self._ready = None

    def __getstate__(self):
        return {**self.__dict__, "_ready": None}

    def scanner(self) -> "CustomScanner":
        """This process's scanner for the detector (made once: it holds the memo and the compiled state)."""
        return scanner_for(self)

    def summary(self) -> list[dict]:
        """Each custom recognizer: name, entity, placeholder, where it came from, how it runs."""
        return [{"name": r.name, "entity": r.supported_entities[0], "label": reg.label(r), "source": reg.source(r),
                 "runs_in": "fast path" if compiles_to_fast_path(r) else "presidio AnalyzerEngine"}
                for r in self.recognizers]

    def _compile(self):
        fast = [_Compiled(r) for r in self.recognizers if compiles_to_fast_path(r)]
        slow = [r for r in self.recognizers if not compiles_to_fast_path(r)]
        self._ready = (fast, _engine(slow) if slow else None, [r.supported_entities[0] for r in slow])
        return self._ready

    def find(self, text: str, header: str = "") -> list[detect.Finding]:
        """Findings of the custom recognizers in one cell; `header` (the column name) counts as context."""
        fast, engine, slow_entities = self._ready or self._compile()
        out = []
        for c in fast:
            out += c.find(text, header)
        if engine is not None:
            from anonymize.nlp import LANGUAGE
            results = engine.analyze(text, language=LANGUAGE, entities=slow_entities,
                                     context=[header] if header else None)
            out += [detect.Finding(r.entity_type, r.start, r.end, r.score) for r in results]
        return out


def _engine(recognizers: list):
    """Presidio's AnalyzerEngine holding only these recognizers, on the blank Chinese pipeline."""
    from presidio_analyzer import AnalyzerEngine

    from anonymize.nlp import LANGUAGE, BlankChineseNlpEngine
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    for r in recognizers:
        registry.add_recognizer(r)
    return AnalyzerEngine(registry=registry, nlp_engine=BlankChineseNlpEngine(), supported_languages=[LANGUAGE])


class CustomScanner(Scanner):
    """Scanner whose findings also hold the detector's custom entities (their placeholders from `label`),
    and whose built-in part looks only for the entities the registry holds."""

    def __init__(self, detector: Detector):
        super().__init__()
        self.detector = detector
        self.look_for = detector.builtin
        self.labels = {**ENTITY_LABELS, **detector.labels}
        self.custom_memo: dict[tuple, list] = {}

    def custom(self, text: str, header: str = "") -> list:
        """The custom recognizers' findings alone (memoized for short cells)."""
        if not text:
            return []
        short = len(text) <= MEMO_MAX_LEN
        if short:
            hit = self.custom_memo.get((text, header))
            if hit is not None:
                return hit
        hits = self.detector.find(text, header)
        if short:
            if len(self.custom_memo) >= MEMO_MAX_ITEMS:
                self.custom_memo.clear()
            self.custom_memo[(text, header)] = hits
        return hits

    def personal(self, text: str, skip: frozenset = frozenset(), header: str = "") -> list:
        builtin = super().personal(text, skip)
        extra = [f for f in self.custom(text, header) if f.entity not in skip]
        return detect.resolve(builtin + extra) if extra else builtin


_SCANNERS: dict = {}


def scanner_for(detector: Detector | None) -> Scanner | None:
    """One scanner per detector per process (workers receive the detector with every batch)."""
    if detector is None:
        return None
    scanner = _SCANNERS.get(detector.key)
    if scanner is None:
        _SCANNERS.clear()  # one pipeline runs at a time per process
        scanner = _SCANNERS[detector.key] = CustomScanner(detector)
    return scanner


def from_files(files, extra=()) -> Detector | None:
    """The detector of the built-in registry plus these YAML files (None when there is nothing custom:
    the fast path then runs the built-in table, which is exactly the registry's built-in recognizers)."""
    files, extra = list(files), list(extra)
    if not files and not extra:
        return None
    return Detector(reg.build(files, extra))
