"""Lift marked raw-HTML blocks out of generated Markdown and put them back into the rendered page."""
from __future__ import annotations

import re

from .html import RAW_END, RAW_START

BLOCK = re.compile(re.escape(RAW_START) + r"\n(.*?)\n" + re.escape(RAW_END), re.S)
SLOT = re.compile(r"<p>ODPRAW(\d+)</p>|ODPRAW(\d+)")


def lift(markdown: str) -> tuple[str, list[str]]:
    """Markdown with each marked block replaced by a placeholder paragraph, and the blocks."""
    blocks: list[str] = []

    def keep(m: re.Match) -> str:
        blocks.append(m.group(1))
        return f"ODPRAW{len(blocks) - 1}"
    return BLOCK.sub(keep, markdown), blocks


def restore(html: str, blocks: list[str]) -> str:
    """Put the blocks back where their placeholders were rendered."""
    return SLOT.sub(lambda m: blocks[int(m.group(1) or m.group(2))], html)
