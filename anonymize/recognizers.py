"""Presidio recognizers for Chinese personal identifiers, built from the pattern table in detect.py."""
from __future__ import annotations

from typing import List, Optional

from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry, RecognizerResult

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

    def validate_result(self, pattern_text: str) -> Optional[bool]:
        """Checksum (GB 11643, GB 32100, Luhn): True lifts the score to 1.0, False drops the match."""
        validator = self.SPEC.validator
        return None if validator is None else bool(validator(pattern_text))

    def invalidate_result(self, pattern_text: str) -> Optional[bool]:
        """Plausibility checks that drop a match without raising its score."""
        invalidator = self.SPEC.invalidator
        return None if invalidator is None else bool(invalidator(pattern_text))


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
_PersonPatterns = _spec_class("_PersonPatterns", "PERSON")


class PersonRecognizer(_PersonPatterns):
    """Names by trigger words and surname patterns, plus the fast path's extra (tagger) names."""

    def analyze(self, text: str, entities: List[str], nlp_artifacts=None, regex_flags=None) -> List[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        for f in detect.extra_names(text):
            results.append(RecognizerResult(self.SPEC.entity, f.start, f.end, f.score, recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            }))
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
)


def build_registry() -> RecognizerRegistry:
    """The one place that lists the recognizers (no Presidio defaults: they are English-centric)."""
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    for cls in RECOGNIZER_CLASSES:
        registry.add_recognizer(cls())
    return registry


def build_analyzer() -> AnalyzerEngine:
    """AnalyzerEngine on the blank spaCy zh pipeline with our recognizers only."""
    return AnalyzerEngine(
        registry=build_registry(), nlp_engine=BlankChineseNlpEngine(), supported_languages=[LANGUAGE]
    )


def to_findings(results) -> list:
    """Presidio results as detect.Finding, resolved the same way as the fast path."""
    return detect.resolve(detect.Finding(r.entity_type, r.start, r.end, r.score) for r in results)
