"""Characters some of which any match of a regular expression must hold: a cheap set test skips the pattern."""
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


def screen(pattern: str, flags: int = 0) -> Optional[frozenset]:
    """Characters whose absence from a text proves `pattern` cannot match there (test with
    `screen.isdisjoint(set(text))`), or None: the smaller of the characters every match starts with and
    the smallest set every match (look-arounds included) holds one of (a Latin name after a Chinese
    trigger word is ruled out by its capital letters, not the trigger)."""
    sets = [s for s in (first_chars(pattern, flags), required_chars(pattern, flags)) if s]
    return min(sets, key=len) if sets else None


def _required(seq) -> list:
    """Character sets each of which some character of every match (look-arounds' text included) falls in."""
    out = []
    for op, av in seq:
        if op is sc.LITERAL:
            out.append({chr(av)})
        elif op is sc.IN:
            try:
                chars, _ = _first([(op, av)])
                out.append(chars)
            except _Unknown:
                pass
        elif op is sc.SUBPATTERN:
            out += _required(av[3]) if not av[1] & sc.SRE_FLAG_IGNORECASE else []
        elif op in _REPEATS and av[0] >= 1:
            out += _required(av[2])
        elif op is sc.ASSERT:  # a look-ahead or look-behind: its text is in the string too
            out += _required(av[1])
        elif op is sc.BRANCH:
            per_alt = [min(_required(alt), key=len, default=None) for alt in av[1]]
            if all(s is not None for s in per_alt):
                out.append(set().union(*per_alt))
    return [s for s in out if len(s) <= MAX_CHARS]


def required_chars(pattern: str, flags: int = 0) -> Optional[frozenset]:
    """The smallest set of characters of which every match must contain one (None when none is known)."""
    parsed = sp.parse(pattern, flags)
    if parsed.state.flags & sc.SRE_FLAG_IGNORECASE:
        return None
    best = min(_required(parsed), key=len, default=None)
    return frozenset(best) if best else None
