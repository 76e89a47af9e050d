"""Query parameters of the table API: a misspelt parameter gets a 400 naming it, not a silent ignore."""
from __future__ import annotations

import json
from urllib.parse import parse_qsl

# Datasette's table parameters (0.65 and 1.0), including those its own HTML forms submit.
KNOWN = {
    "_size", "_sort", "_sort_desc", "_sort_by_desc", "_next", "_search", "_searchmode", "_where", "_col",
    "_nocol", "_facet", "_facet_array", "_facet_date", "_facet_size", "_nofacet", "_nocount", "_nosuggest",
    "_shape", "_json", "_labels", "_nolabels", "_extra", "_through", "_trace", "_timelimit", "_ttl", "_stream",
    "_dl", "_nl", "_fts_table", "_fts_pk", "_hash", "_context", "_header", "_format",
}
KNOWN_PREFIXES = ("_search_", "_filter_")  # _search_<column>, the filter form's _filter_column_N
FILTER_OPS = {
    "exact", "not", "contains", "notcontains", "endswith", "startswith", "gt", "gte", "lt", "lte", "like",
    "notlike", "glob", "in", "notin", "arraycontains", "arraynotcontains", "date", "isnull", "notnull",
    "isblank", "notblank",
}


def unknown(query_string: bytes, columns: list[str]) -> list[str]:
    """Names of parameters that are neither Datasette's nor a filter on one of the table's columns."""
    cols = set(columns) | {"rowid"}
    bad = []
    for name, _ in parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True):
        if name.startswith("_"):
            ok = name in KNOWN or name.startswith(KNOWN_PREFIXES)
        else:
            col, _, op = name.rpartition("__")
            ok = name in cols or (col in cols and op in FILTER_OPS)
        if not ok and quotable(name) not in bad:
            bad.append(quotable(name))
    return bad


def quotable(name: str) -> str:
    """A parameter name as an error message may quote it: never a number that could be an ID or mobile."""
    from .crypto import scrub
    return name if len(name) <= 40 and scrub(name) == name else "(…)"


def _through_ok(value: str) -> bool:
    """`_through` is a JSON object {"table": name, "column": name, "value": text or number}."""
    try:
        doc = json.loads(value)
    except ValueError:
        return False
    return (isinstance(doc, dict) and isinstance(doc.get("table"), str) and isinstance(doc.get("column"), str)
            and isinstance(doc.get("value"), (str, int, float)) and not isinstance(doc.get("value"), bool))


def problems(pairs: list[tuple[str, str]]) -> list[str]:
    """Names of parameters whose value Datasette cannot use (it would fail with a 500, not a 400)."""
    return sorted({name for name, value in pairs if name == "_through" and not _through_ok(value)})
