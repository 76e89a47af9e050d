"""Chinese full-text search: index CJK text as character bigrams so 2-character queries match."""
from __future__ import annotations

import re

# SQLite's unicode61 tokenizer keeps a run of 汉字 as one token and trigram needs 3 characters, so
# neither finds 噪音 inside 噪音扰民. Overlapping bigrams do: index and query are cut the same way.
CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _bigrams(run: str) -> list[str]:
    return [run] if len(run) < 2 else [run[i:i + 2] for i in range(len(run) - 1)]


def to_index(text: str) -> str:
    """Text as FTS tokens: CJK runs become bigrams, everything else stays for unicode61 to split."""
    if not text:
        return ""
    parts, pos = [], 0
    for m in CJK_RUN.finditer(text):
        parts.append(text[pos:m.start()])
        parts.extend(_bigrams(m.group()))
        pos = m.end()
    parts.append(text[pos:])
    return " ".join(p for p in parts if p.strip())


def to_query(q: str) -> str:
    """A user's query as space-separated terms (Datasette quotes each and ANDs them)."""
    return to_index(q)


def fts5_match(q: str) -> str:
    """An FTS5 MATCH expression for a raw query: every term quoted (no FTS syntax injection)."""
    terms = [t.replace('"', '""') for t in to_query(q).split()]
    return " ".join(f'"{t}"' for t in terms)
