"""Presidio recognizers: built from the fast path's table, and agreeing with it on a corpus."""
import random

import pytest
from presidio_analyzer import PatternRecognizer

from anonymize import detect
from anonymize.recognizers import RECOGNIZER_CLASSES, PersonRecognizer, build_analyzer, build_registry, to_findings
from tests.test_detect import DECOYS, HARD_CASES
from tests.test_recall import decoy_samples, planted_samples


@pytest.fixture(scope="module")
def analyzer():
    return build_analyzer()


def test_one_recognizer_per_entity_with_class_constants():
    entities = [cls.SPEC.entity for cls in RECOGNIZER_CLASSES]
    assert sorted(entities) == sorted(s.entity for s in detect.SPECS)
    for cls in RECOGNIZER_CLASSES:
        assert issubclass(cls, PatternRecognizer)
        assert cls.PATTERNS == cls.SPEC.patterns and cls.CONTEXT == cls.SPEC.context
        assert [p.regex for p in cls().patterns] == [p.regex for p in cls.SPEC.patterns]


def test_registry_holds_only_ours():
    names = sorted(r.name for r in build_registry().get_recognizers(language="zh", all_fields=True))
    assert names == sorted(cls.__name__ for cls in RECOGNIZER_CLASSES)


def test_validate_result_applies_checksums():
    from anonymize.recognizers import BankCardRecognizer, ResidentIdRecognizer, UsccRecognizer

    assert ResidentIdRecognizer().validate_result("11010519491231002X") is True
    assert ResidentIdRecognizer().validate_result("110105194912310021") is False
    assert BankCardRecognizer().validate_result("4111111111111111") is True
    assert UsccRecognizer().validate_result("91350100M000100Y43") is True
    assert UsccRecognizer().validate_result("91350100M000100Y44") is False


def test_presidio_catches_what_its_english_defaults_miss(analyzer):
    text = "卡号4111111111111111，邮箱zhangsan@qq.com，投诉人费晨"
    found = {(f.entity, text[f.start:f.end]) for f in to_findings(analyzer.analyze(text, language="zh"))}
    assert found == {("BANK_CARD", "4111111111111111"), ("EMAIL", "zhangsan@qq.com"), ("PERSON", "费晨")}


def test_context_words_raise_scores(analyzer):
    """With jieba words as lemmas, context words work on the blank pipeline."""
    plain = analyzer.analyze("0577-88886666", language="zh")
    with_context = analyzer.analyze("联系电话 0577-88886666", language="zh")
    assert max(r.score for r in with_context) > max(r.score for r in plain)


def test_context_next_to_a_likely_name_does_not_break_presidio():
    """Extra (non-regex) names carry an explanation, which the context enhancer writes to."""
    text = "联系人信息如下 刘建国"  # found by likely_names only; 联系人 is a context word
    results = build_analyzer().analyze(text, language="zh")
    assert [(r.entity_type, text[r.start:r.end]) for r in results] == [("PERSON", "刘建国")]
    assert results[0].score > detect.LIKELY_SCORE


def _normalised(spans):
    """Same-entity spans contained in another are dropped (Presidio does this, scores aside)."""
    spans = set(spans)
    return {
        a for a in spans
        if not any(b != a and b[0] == a[0] and b[1] <= a[1] and a[2] <= b[2] for b in spans)
    }


def _corpus():
    rng = random.Random(7)
    planted = [text for _, text, _, _ in planted_samples()]
    return [t for t, _ in HARD_CASES] + DECOYS + rng.sample(planted, 300) + rng.sample(decoy_samples(), 200)


def test_presidio_and_fast_path_agree(analyzer):
    disagreements = []
    for text in _corpus():
        presidio = _normalised((r.entity_type, r.start, r.end) for r in analyzer.analyze(text, language="zh"))
        fast = _normalised((f.entity, f.start, f.end) for f in detect.candidates(text))
        if presidio != fast:
            disagreements.append(len(text))  # lengths only: no values in assertion messages
    assert disagreements == []


def test_resolved_outputs_agree_on_spans(analyzer):
    """After context enhancement and the same overlap resolution, the published spans agree too."""
    differ = 0
    for text in _corpus():
        a = {(f.entity, f.start, f.end) for f in to_findings(analyzer.analyze(text, language="zh"))}
        b = {(f.entity, f.start, f.end) for f in detect.find(text)}
        differ += a != b
    assert differ == 0


def test_tagger_option_is_shared():
    text = "志愿者魏桂兰积极参与社区防疫工作。"
    results = PersonRecognizer(tagger=True).analyze(text, ["PERSON"])
    presidio = _normalised((r.entity_type, r.start, r.end) for r in results)
    fast = _normalised((f.entity, f.start, f.end) for f in detect.candidates(text, {"PERSON"}, tagger=True))
    assert presidio == fast and presidio
