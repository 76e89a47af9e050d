"""A Presidio NLP engine on a blank spaCy Chinese pipeline (jieba words, lemma = text): no model download."""
from __future__ import annotations

import spacy
from presidio_analyzer.nlp_engine import SpacyNlpEngine
from spacy.language import Language

LANGUAGE = "zh"


@Language.component("anonymize_lemma_is_text")
def _lemma_is_text(doc):
    """Blank pipelines leave lemmas empty, and Presidio matches context words against lemmas."""
    for token in doc:
        token.lemma_ = token.text
    return doc


def blank_chinese(segmenter: str = "jieba") -> Language:
    """spacy.blank('zh') with jieba (or per-character) segmentation and lemmas set."""
    import jieba

    jieba.setLogLevel(60)  # jieba prints its dictionary loading to stderr otherwise
    config = {"nlp": {"tokenizer": {"@tokenizers": "spacy.zh.ChineseTokenizer", "segmenter": segmenter}}}
    nlp = spacy.blank(LANGUAGE, config=config)
    nlp.add_pipe("anonymize_lemma_is_text")
    return nlp


class BlankChineseNlpEngine(SpacyNlpEngine):
    """SpacyNlpEngine whose load() builds the blank pipeline instead of spacy.load(model)."""

    def __init__(self, segmenter: str = "jieba"):
        super().__init__(models=[{"lang_code": LANGUAGE, "model_name": f"blank:{LANGUAGE}"}])
        self.segmenter = segmenter

    def load(self) -> None:
        self.nlp = {LANGUAGE: blank_chinese(self.segmenter)}
