"""GB/T 2260 area codes, current and historical, that a resident ID number may begin with (area_codes.toml)."""
from __future__ import annotations

import functools
import tomllib
from importlib import resources


@functools.lru_cache(maxsize=1)
def known() -> frozenset[str]:
    """Every code of the packaged table (see its header for sources; portal/area_codes_derive.py makes it)."""
    table = tomllib.loads(resources.files("portal").joinpath("area_codes.toml").read_text(encoding="utf-8"))
    return frozenset(p + rest for p, tail in table["codes"].items() for rest in tail.split())


def is_known(code: str) -> bool:
    return code in known()
