"""How many rows a request may return before it runs: page sizes capped to the day's remaining rows."""
from __future__ import annotations

from dataclasses import dataclass

from .ckan import ROWS_MAX
from .downloads import KINDS

METADATA_FILES = ("datapackage.json", "-receipt.json")   # downloads that hold no data rows


class OverBudget(Exception):
    """The request would return more rows than are left today (and cannot be made smaller)."""


@dataclass(frozen=True)
class Plan:
    params: list[tuple[str, str]]   # the query parameters to pass on (a page size may be lowered)
    reserve: int                    # rows counted against the day before the answer is sent
    fixed: int | None = None        # rows the answer holds whatever its bytes say (a download file)


def _truthy(v: str) -> bool:
    return v.lower() not in ("", "0", "off", "false", "no")


def plan(path: str, params: list[tuple[str, str]], remaining: int, catalog: dict, page: int,
         most: int) -> Plan:
    """The plan for one request: `page` is the default page size, `most` Datasette's max_returned_rows."""
    parts = path.strip("/").split("/")
    if path.endswith("/action/datastore_search"):
        # views.py cuts `limit` to the rows left; a POST body's limit is not known here, so hold the most
        # it could be until the answer is counted.
        limits = [v for k, v in params if k == "limit" and v.isdigit()]
        return Plan(params, min(int(limits[-1]) if limits else ROWS_MAX, ROWS_MAX, remaining))
    if parts[0] == "downloads" and len(parts) == 3:
        return _download(parts[1], parts[2], params, remaining, catalog)
    db = parts[0].split(".")[0]
    if db not in ("data", "restricted"):
        return Plan(params, 0)
    if len(parts) == 1:                      # the database page: ?sql= returns up to `most` rows
        if any(k == "sql" for k, _ in params) and remaining < most:
            raise OverBudget(f"今日剩余可获取 {remaining} 行，少于一次SQL查询可返回的 {most} 行"
                             f" (rows left today: {remaining}; an SQL query may return {most})")
        return Plan(params, most if any(k == "sql" for k, _ in params) else 0)
    if len(parts) > 2:                       # a row page
        return Plan(params, 1)
    entry = catalog.get(parts[1].split(".")[0]) or {}
    if any(k == "_stream" and _truthy(v) for k, v in params):
        total = int(entry.get("row_count") or 0)
        if total > remaining:
            raise OverBudget(f"今日剩余可获取 {remaining} 行，少于整表 {total} 行：请用 _size 和 _next 分页获取"
                             f" (rows left today: {remaining}; the whole table has {total}: page with _size/_next)")
        return Plan(params, total)
    sizes = [v for k, v in params if k == "_size"]
    size = most if sizes and sizes[-1] == "max" else int(sizes[-1]) if sizes and sizes[-1].isdigit() else page
    size = min(size, most)
    if size <= remaining:
        return Plan(params, size)
    return Plan([(k, v) for k, v in params if k != "_size"] + [("_size", str(remaining))], remaining)


def _download(ident: str, name: str, params, remaining: int, catalog: dict) -> Plan:
    """A download file holds the whole table: served only when that many rows are left today."""
    entry = catalog.get(ident) or {}
    if name.endswith(METADATA_FILES) or not name.endswith(tuple(KINDS)):
        return Plan(params, 0, 0)
    total = int(entry.get("row_count") or 0)
    if total > remaining:
        raise OverBudget(f"今日剩余可获取 {remaining} 行，少于该文件的 {total} 行 (rows left today: {remaining};"
                         f" this file holds {total})")
    return Plan(params, total, total)
