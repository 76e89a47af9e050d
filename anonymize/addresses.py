"""Where a personal address begins and ends: China's administrative divisions and the road, estate,
building, unit and room grammar, as regex fragments compiled once for the fast path (detect.py)."""
from __future__ import annotations

import functools
import re
import sys

# The lexicon of provinces, cities and counties is generated from jionlp's bundled division dictionary
# (Apache-2.0; kept up to date by its maintainers) by `python -m anonymize.addresses --build`: reading
# that 12 MB file at every start would cost half a second, a regex of its names costs nothing per cell.
from ._divisions import DIVISIONS, SOURCE  # noqa: F401  (SOURCE: which jionlp release it came from)


@functools.lru_cache(maxsize=1)
def divisions() -> dict[str, frozenset]:
    """{"province" | "city" | "county": names}: full names (浙江省, 温州市, 鹿城区) and, for provinces and
    cities, the short forms people write (浙江, 温州); counties only by full name (西湖 is also a lake)."""
    out: dict[str, set] = {"province": set(), "city": set(), "county": set()}
    for level, _code, forms in _rows():
        out[level].update(forms)
    return {k: frozenset(v) for k, v in out.items()}


def _rows() -> list:
    rows = []
    for line in DIVISIONS.strip().split("\n"):
        level, code, name, alias = line.split("\t")
        forms = (name, alias) if alias and level != "county" and len(alias) >= 2 and alias != name else (name,)
        rows.append((level, code, forms))
    return rows


@functools.lru_cache(maxsize=1)
def _openings() -> tuple[frozenset, list]:
    """Every way an address may open down to its county, following the hierarchy of the codes (浙江省温州市
    鹿城区, 温州鹿城区, 浙江鹿城区, 鹿城区; 上海市浦东新区): a set, so the longest opening is found with a
    few look-ups instead of a regex of thousands of names."""
    forms = {code: f for _, code, f in _rows()}
    openings = set()
    for level, code, own in _rows():
        province = ("",) + forms.get(code[:2] + "0000", ()) if level != "province" else ("",)
        city = ("",) + forms.get(code[:4] + "00", ()) if level == "county" else ("",)
        for p in province:
            for c in city:
                if c != p:  # 上海市上海市 is no opening
                    openings.update(p + c + o for o in own)
                else:
                    openings.update(p + o for o in own)
    return frozenset(openings), sorted({len(o) for o in openings}, reverse=True)


# A short name followed by a road word is the road's name (北京路, 中山北路), not the city.
_ROAD_AFTER = re.compile("[东西南北中]?(?:路|街|巷|弄|道|胡同|大道|大街)")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
LONGEST_OPENING = 27


def _opening_at(text: str, pos: int) -> int:
    """End of the longest administrative opening written at `pos` (pos itself when there is none)."""
    openings, lengths = _openings()
    for n in lengths:
        if text[pos:pos + n] in openings and not _ROAD_AFTER.match(text, pos + n):
            return pos + n
    return pos


def _prefix_end(text: str) -> int:
    """Where the administrative opening of an address ends (its index; the first character when none)."""
    return _opening_at(text, len(text) - len(text.lstrip()))


# Words that announce an address inside a run of place characters (房屋坐落浦东新区…, 户籍浙江省…, 地址为…);
# 住, 址, 于, 在 already end such a run. Looked for in a match only, not in every cell.
_CUE = re.compile("[^，,。；;\\s]{0,6}?(?:坐落|座落|户籍|籍贯|所在地|地点|位置)[为是在于：:]?|[为系即]")


def after_cue(text: str, start: int, end: int) -> int:
    """Where the address proper starts when a match opens with the words that announce it."""
    m = _CUE.match(text, start, end)
    return m.end() if m and m.end() < end else start


_DIVISION_END = re.compile("[^\\s，,。；;]{0,12}?[省市区县旗州盟]")


def in_division(text: str, start: int, end: int) -> bool:
    """text[start:end] lies inside the name of a province, city or county (伊金霍洛旗, 崇礼区): a place,
    not a person. Looked up only where a division's last character follows closely."""
    if not _DIVISION_END.match(text, end):
        return False
    p = start
    while p >= 0 and start - p <= LONGEST_OPENING and _HAN.match(text, p):
        if _opening_at(text, p) >= end:
            return True
        p -= 1
    return False


def widen(text: str, start: int) -> int:
    """An address found from `start` whose district began a little earlier (漯河经济技术开发区…: 经 ends a run
    of place characters, so the match began inside the name): the start of that district, else `start`."""
    best, p = start, start - 1
    while p >= 0 and start - p <= LONGEST_OPENING and _HAN.match(text, p):
        if _opening_at(text, p) > start:
            best = p
        p -= 1
    return best


def district_prefix(text: str) -> str:
    """The administrative part an address opens with, down to the county (浙江省温州市鹿城区); "" if none."""
    return text[:_prefix_end(text)].strip()


PLACEHOLDER = "［地址］"


def redact(text: str) -> str:
    """An address at the declared granularity: the district is kept, the rest is the placeholder
    (鹿城区［地址］); an address without a known district becomes the placeholder alone."""
    end = _prefix_end(text)
    if not text[end:].strip():
        return text  # only a district: nothing personal in it
    return text[:end].strip() + PLACEHOLDER


def _build(argv: list[str]) -> None:
    """Regenerate anonymize/_divisions.py from the installed jionlp (a build step, not run at import)."""
    import importlib.metadata
    import importlib.util
    import os
    import zipfile
    spec = importlib.util.find_spec("jionlp")  # found, not imported: its import loads models and prints
    if spec is None or not spec.submodule_search_locations:
        sys.exit("jionlp is not installed: pip install jionlp")
    path = os.path.join(spec.submodule_search_locations[0], "dictionary", "china_location.zip")
    with zipfile.ZipFile(path) as z:
        text = z.read("china_location.txt").decode("utf-8")
    # Provinces at column 0, cities after one tab, counties after two (towns and villages, deeper, are
    # left out: named by their 镇/乡/街道/村 suffixes instead).
    rows = []
    for tabs, name, code, alias in re.findall(r"^(\t{0,2})([^\t\n]+)\t(\d{6})\t([^\t\n]*)$", text, re.M):
        if "行政区划" in name:  # 省直辖县级行政区划: a grouping in the dictionary, not a place anyone writes
            continue
        level = ("province", "city", "county")[len(tabs)]
        rows.append(f"{level}\t{code}\t{name}\t{alias.split('/')[0]}")
    version = importlib.metadata.version("jionlp")
    out = argv[0] if argv else os.path.join(os.path.dirname(__file__), "_divisions.py")
    with open(out, "w", encoding="utf-8") as f:
        f.write(f'"""China\'s provinces, cities and counties (level, code, name, short name), generated from jionlp '
                f'{version}\'s china_location.zip by `python -m anonymize.addresses --build`; do not edit."""\n\n')
        f.write(f'SOURCE = "jionlp {version} dictionary/china_location.zip"\n\n')
        f.write('DIVISIONS = """\n' + "\n".join(sorted(set(rows))) + '\n"""\n')
    print(f"{out}: {len(set(rows))} divisions from jionlp {version}")


if __name__ == "__main__":
    if sys.argv[1:2] != ["--build"]:
        sys.exit("usage: python -m anonymize.addresses --build [OUT.py]")
    _build(sys.argv[2:])
