"""The build-time script check: a page may load scripts from files and carry JSON data blocks, nothing else."""
from __future__ import annotations

import re

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
TYPE_ATTR = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]+)""", re.I)
DATA_TYPES = {"application/json", "application/ld+json"}   # read by scripts, never run


def inline_scripts(html: str) -> list[str]:
    """The opening tags of <script> elements that would run code written into the page itself.

    The site's CSP allows only scripts served from its own files ('self'); an inline script in
    a built page is either a theme change that needs moving to a file, or injected markup."""
    bad = []
    for m in SCRIPT_TAG.finditer(html):
        attrs = m.group(1)
        if re.search(r"\bsrc\s*=", attrs, re.I):
            continue
        kind = TYPE_ATTR.search(attrs)
        if kind and kind.group(1).lower() in DATA_TYPES:
            continue
        bad.append(m.group(0)[:80])
    return bad
