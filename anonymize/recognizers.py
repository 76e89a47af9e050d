"""Presidio recognizers for Chinese personal identifiers, built from the pattern table in detect.py."""
from __future__ import annotations

from typing import List, Optional

from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)

from anonymize import detect
from anonymize.nlp import LANGUAGE, BlankChineseNlpEngine


class ChineseRecognizer(PatternRecognizer):
    """Base: PATTERNS and CONTEXT come from one detect.EntitySpec, so both paths match alike."""

    SPEC: detect.EntitySpec
    PATTERNS: tuple = ()
    CONTEXT: tuple = ()

    def __init__(self):
        super().__init__(
            supported_entity=self.SPEC.entity,
            name=type(self).__name__,
            supported_language=LANGUAGE,
            patterns=[Pattern(p.name, p.regex, p.score) for p in self.PATTERNS],
            context=list(self.CONTEXT),
            # No IGNORECASE (Presidio's default): plate and permit letters are upper-case.
            global_regex_flags=detect.FLAGS,
        )
        self._compiled = [(p, detect.compile_pattern(p.regex)) for p in self.PATTERNS]

    def analyze(self, text: str, entities: List[str], nlp_artifacts=None, regex_flags=None) -> List[RecognizerResult]:
        """PatternRecognizer's loop, except that the span is detect.match_span's (group "v", the name
        context check, the address grammar's cue and district rules) and patterns are compiled by
        detect.compile_pattern (plain `re`): exactly what the fast path does."""
        results = []
        for pattern, rx in self._compiled:
            for m in rx.finditer(text):
                span = detect.match_span(self.SPEC.entity, text, m)
                if span is not None:
                    result = self._result(pattern, text[span[0]:span[1]], *span)
                    if result is not None:
                        results.append(result)
        return EntityRecognizer.remove_duplicates(results)

    def _result(self, pattern, value: str, start: int, end: int) -> Optional[RecognizerResult]:
        """Presidio's scoring: validated -> MAX_SCORE, failed validation or invalidated -> dropped."""
        validation = self.validate_result(value)
        score = pattern.score if validation is None else (self.MAX_SCORE if validation else self.MIN_SCORE)
        if validation is False and pattern.trusted:  # detect.score_match: a trigger word vouches for it
            score = pattern.score
        if self.invalidate_result(value, trusted=pattern.trusted):
            score = self.MIN_SCORE
        if score <= self.MIN_SCORE:
            return None
        return self._make_result(start, end, score, pattern.name, pattern.regex, validation)

    def _make_result(self, start, end, score, pattern_name, pattern_regex, validation=None) -> RecognizerResult:
        """A result with the explanation and metadata Presidio's context enhancer expects."""
        explanation = self.build_regex_explanation(
            self.name, pattern_name, pattern_regex, score, validation, detect.FLAGS
        )
        metadata = {
            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
        }
        return RecognizerResult(self.SPEC.entity, start, end, score, explanation, metadata)

    def validate_result(self, pattern_text: str) -> Optional[bool]:
        """Checksum (GB 11643, GB 32100, Luhn): True lifts the score to 1.0, False drops the match."""
        validator = self.SPEC.validator
        return None if validator is None else bool(validator(pattern_text))

    def invalidate_result(self, pattern_text: str, trusted: bool = False) -> Optional[bool]:
        """Plausibility checks that drop a match without raising its score (trusted: the pattern's
        context, a trigger word, vouches for the value)."""
        invalidator = self.SPEC.invalidator
        return None if invalidator is None else bool(invalidator(pattern_text, trusted=trusted))


def _spec_class(class_name: str, entity: str) -> type:
    """A ChineseRecognizer subclass whose class constants are the entity's spec."""
    spec = detect.SPEC_BY_ENTITY[entity]
    attrs = {"SPEC": spec, "PATTERNS": spec.patterns, "CONTEXT": spec.context, "__doc__": f"Recognizer for {entity}."}
    return type(class_name, (ChineseRecognizer,), attrs)


ResidentIdRecognizer = _spec_class("ResidentIdRecognizer", "CN_RESIDENT_ID")
UsccRecognizer = _spec_class("UsccRecognizer", "CN_USCC")
BankCardRecognizer = _spec_class("BankCardRecognizer", "BANK_CARD")
EmailRecognizer = _spec_class("EmailRecognizer", "EMAIL")
MobileRecognizer = _spec_class("MobileRecognizer", "CN_MOBILE")
PassportRecognizer = _spec_class("PassportRecognizer", "CN_PASSPORT")
HmtPermitRecognizer = _spec_class("HmtPermitRecognizer", "CN_HMT_PERMIT")
LicensePlateRecognizer = _spec_class("LicensePlateRecognizer", "CN_LICENSE_PLATE")
OrgNameRecognizer = _spec_class("OrgNameRecognizer", "ORG_NAME")
AddressRecognizer = _spec_class("AddressRecognizer", "CN_ADDRESS")
LandlineRecognizer = _spec_class("LandlineRecognizer", "CN_LANDLINE")
PersonalNumberRecognizer = _spec_class("PersonalNumberRecognizer", "CN_PERSONAL_NUMBER")
BirthDateRecognizer = _spec_class("BirthDateRecognizer", "DATE_OF_BIRTH")
_PersonPatterns = _spec_class("_PersonPatterns", "PERSON")


class PersonRecognizer(_PersonPatterns):
    """Names by trigger words and surname patterns, plus detect.extra_names (likely names and,
    with tagger=True, jieba's person tags): the same code the fast path runs."""

    def __init__(self, tagger: bool = False):
        super().__init__()
        self.tagger = tagger

    def analyze(self, text: str, entities: List[str], nlp_artifacts=None, regex_flags=None) -> List[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        for f in detect.extra_names(text, self.tagger):
            results.append(self._make_result(f.start, f.end, f.score, "extra_names", "detect.extra_names"))
        found = [detect.Finding(r.entity_type, r.start, r.end, r.score) for r in results]
        for f in detect.related_names(text, found):
            results.append(self._make_result(f.start, f.end, f.score, "related_names", "detect.related_names"))
        return self.remove_duplicates(results)


RECOGNIZER_CLASSES = (
    ResidentIdRecognizer,
    UsccRecognizer,
    BankCardRecognizer,
    EmailRecognizer,
    MobileRecognizer,
    PassportRecognizer,
    HmtPermitRecognizer,
    LicensePlateRecognizer,
    OrgNameRecognizer,
    PersonRecognizer,
    AddressRecognizer,
    LandlineRecognizer,
    PersonalNumberRecognizer,
    BirthDateRecognizer,
)


def build_registry(tagger: bool = False) -> RecognizerRegistry:
    """The one place that lists the built-in recognizers (no Presidio defaults: they are English-centric).
    anonymize.registry.build adds a department's YAML recognizers to this registry, and anonymize.custom
    compiles the result for the scan: the built-in ones are the fast path's table (detect.SPECS)."""
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    for cls in RECOGNIZER_CLASSES:
        registry.add_recognizer(cls(tagger=tagger) if cls is PersonRecognizer else cls())
    return registry


def build_analyzer(tagger: bool = False) -> AnalyzerEngine:
    """AnalyzerEngine on the blank spaCy zh pipeline (jieba words, lemma = text) with our recognizers."""
    return AnalyzerEngine(
        registry=build_registry(tagger), nlp_engine=BlankChineseNlpEngine(), supported_languages=[LANGUAGE]
    )


def to_findings(results) -> list:
    """Presidio results as detect.Finding, resolved the same way as the fast path."""
    return detect.resolve(detect.Finding(r.entity_type, r.start, r.end, r.score) for r in results)
