"""The characters any match of a regular expression must start with: a one-search pre-filter per pattern."""
from __future__ import annotations

import re
from typing import Optional

try:  # Python 3.11+
    from re import _constants as sc
    from re import _parser as sp
except ImportError:  # pragma: no cover
    import sre_constants as sc
    import sre_parse as sp

MAX_CHARS = 400  # a larger class (any Han character) rules out too little to pay for its search
_ZERO_WIDTH = {sc.AT, sc.ASSERT, sc.ASSERT_NOT}  # look-arounds and anchors consume nothing
_REPEATS = {sc.MAX_REPEAT, sc.MIN_REPEAT} | ({sc.POSSESSIVE_REPEAT} if hasattr(sc, "POSSESSIVE_REPEAT") else set())


class _Unknown(Exception):
    """Some element whose first characters are not a small known set (., [^…], \\w, a back-reference)."""


def _first(seq) -> tuple[set, bool]:
    """(characters a match of the parsed sequence can start with, whether it can match the empty string)."""
    out: set = set()
    for op, av in seq:
        if op in _ZERO_WIDTH:
            continue
        if op is sc.LITERAL:
            out.add(chr(av))
            return out, False
        if op is sc.IN:
            for iop, iav in av:
                if iop is sc.LITERAL:
                    out.add(chr(iav))
                elif iop is sc.RANGE and iav[1] - iav[0] <= MAX_CHARS:
                    out.update(map(chr, range(iav[0], iav[1] + 1)))
                else:
                    raise _Unknown
            return out, False
        if op is sc.BRANCH:
            empty = False
            for alt in av[1]:
                chars, e = _first(alt)
                out |= chars
                empty |= e
        elif op is sc.SUBPATTERN:
            if av[1] & sc.SRE_FLAG_IGNORECASE:
                raise _Unknown
            chars, empty = _first(av[3])
            out |= chars
        elif op in _REPEATS:
            chars, e = _first(av[2])
            out |= chars
            empty = e or av[0] == 0
        elif hasattr(sc, "ATOMIC_GROUP") and op is sc.ATOMIC_GROUP:
            chars, empty = _first(av)
            out |= chars
        else:
            raise _Unknown
        if len(out) > MAX_CHARS:
            raise _Unknown
        if not empty:
            return out, False
    return out, True


def first_chars(pattern: str, flags: int = 0) -> Optional[frozenset]:
    """The set of characters every match of `pattern` starts with, or None when it is not a small known set
    (or the pattern can match the empty string)."""
    try:
        parsed = sp.parse(pattern, flags)
        if parsed.state.flags & sc.SRE_FLAG_IGNORECASE:
            return None
        chars, empty = _first(parsed)
    except _Unknown:
        return None
    return None if empty or len(chars) > MAX_CHARS else frozenset(chars)


def char_class(chars) -> Optional[re.Pattern]:
    """One compiled character class: `.search(text)` tells whether any of `chars` occurs (None for none)."""
    if not chars:
        return None
    return re.compile("[" + "".join(re.escape(c) for c in sorted(set(chars))) + "]")


def screen(pattern: str, flags: int = 0) -> Optional[re.Pattern]:
    """A class whose absence from a text proves `pattern` cannot match there, or None."""
    chars = first_chars(pattern, flags)
    return char_class(chars) if chars is not None else None
