"""CKAN-compatible actions: (context, data_dict) -> result; each docstring is the action's API help."""
from __future__ import annotations

import json
import re
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from metadata import export

from . import search, sql_guard

CKAN_API_VERSION = "2.10.0"  # the CKAN release whose Action API this one follows
ROWS_MAX, ROWS_DEFAULT = 32000, 100  # CKAN's ckan.datastore.search.rows_max / rows_default
SEARCH_ROWS_MAX = 1000  # CKAN's ckan.search.rows_max
LARGEST = 2 ** 53  # the largest limit/offset accepted (beyond any table; exact in JSON numbers)
SCALARS = (str, int, float)  # what a filter value may be (one, or a list of them)
# Our column types -> CKAN DataStore (PostgreSQL) type names.
DATASTORE_TYPES = {"text": "text", "integer": "int", "number": "numeric", "date": "date",
                   "datetime": "timestamp", "boolean": "bool"}
WITHDRAWN = "该数据集已撤回，数据暂停提供 (dataset withdrawn)"  # datastore_search's Not Found message


class ActionError(Exception):
    """Base of the errors an action raises; views.py turns each into CKAN's error envelope."""


class NotFound(ActionError):
    pass


class NotAuthorized(ActionError):
    pass


class ValidationError(ActionError):
    """`errors` maps a field to its list of messages (CKAN collects them all)."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


@dataclass(frozen=True)
class Context:
    """What an action may read: the published catalogue of one release, and where its data lives."""
    catalog: dict                 # identifier -> _catalog entry (state.read_catalog)
    data_db: Path | None          # the release's data.db (read-only)
    base_url: str                 # scheme://host of this request, for absolute links
    release: str = ""             # the release name (cache key)
    time_limit_ms: int = 1000
    packages: dict = field(default_factory=dict, compare=False)  # name -> package dict (filled once)


def _json(value):
    """A _catalog JSON column as stored (text) or already parsed (views.py reads `downloads` with it)."""
    return json.loads(value) if isinstance(value, str) else value


def packages(ctx: Context) -> dict[str, dict]:
    """Every package of the release, by name (built once per Context)."""
    if not ctx.packages:
        for ident, entry in sorted(ctx.catalog.items()):
            ctx.packages[ident] = export.to_ckan_package(entry, ctx.base_url)
    return ctx.packages


def extra_fields(pkgs: dict[str, dict]) -> set[str]:
    """The extras keys the package builder wrote: q may name them as field:value clauses."""
    return {e["key"] for p in pkgs.values() for e in p["extras"]}


# -- parameters ---------------------------------------------------------------------------------

def _int(data: dict, key: str, default: int | None, errors: dict, maximum: int | None = None) -> int | None:
    v = data.get(key, default)
    if v is None or v == "":
        return default
    try:
        if isinstance(v, bool) or isinstance(v, float) and not v.is_integer():
            raise ValueError(key)
        n = int(v)
    except (TypeError, ValueError, OverflowError):
        errors.setdefault(key, []).append("Invalid integer")
        return default
    if n < 0:
        errors.setdefault(key, []).append("Must be a natural number")
        return default
    if n > LARGEST:  # SQLite integers are 64-bit: 1e30 would overflow the query, not find nothing
        errors.setdefault(key, []).append(f"Must be at most {LARGEST}")
        return default
    return min(n, maximum) if maximum is not None else n


def _bool(data: dict, key: str, default: bool) -> bool:
    v = data.get(key, default)
    return v.lower() in ("true", "1", "yes", "on") if isinstance(v, str) else bool(v)


def _required(data: dict, key: str) -> str:
    v = data.get(key)
    if v in (None, ""):
        raise ValidationError({key: ["Missing value"]})
    return str(v)


def _page(items: list, data: dict, errors: dict | None = None, default_limit: int | None = None) -> list:
    errors = {} if errors is None else errors
    limit = _int(data, "limit", default_limit, errors)
    offset = _int(data, "offset", 0, errors)
    if errors:
        raise ValidationError(errors)
    return items[offset:offset + limit] if limit is not None else items[offset:]


# -- actions ------------------------------------------------------------------------------------

def site_read(context: Context, data_dict: dict) -> bool:
    """Return True: the site may be read (CKAN's site_read)."""
    return True


def status_show(context: Context, data_dict: dict) -> dict:
    """Return the site's title, address, API version followed and extensions.

    :rtype: dictionary
    """
    return {"site_title": "政务数据开放平台", "site_description": "依法开放的政务数据：可查询、可下载、机器可读。",
            "site_url": context.base_url, "ckan_version": CKAN_API_VERSION, "error_emails_to": None,
            "locale_default": "zh_Hans_CN", "extensions": ["datastore", "datasette"]}


def package_list(context: Context, data_dict: dict) -> list[str]:
    """Return the names of every published dataset, sorted.

    :param limit: page size (optional)
    :type limit: int
    :param offset: where the page starts (optional, default 0)
    :type offset: int
    :rtype: list of strings
    """
    return _page(sorted(packages(context)), data_dict)


def package_show(context: Context, data_dict: dict) -> dict:
    """Return one dataset with its resources (downloads and the queryable table).

    A withdrawn dataset is still returned, with extras withdrawn=true and withdrawn_reason and no resources.

    :param id: the dataset's id or name
    :type id: string
    :rtype: dictionary
    """
    key = data_dict.get("id") or data_dict.get("name_or_id")
    if not key:
        raise ValidationError({"id": ["Missing value"]})
    pkgs = packages(context)
    pkg = pkgs.get(key) or next((p for p in pkgs.values() if p["id"] == key), None)
    if pkg is None:
        raise NotFound("Dataset not found")
    return pkg


def current_package_list_with_resources(context: Context, data_dict: dict) -> list[dict]:
    """Return the datasets with their resources, most recently modified first.

    :param limit: page size (optional)
    :type limit: int
    :param offset: where the page starts (optional, default 0)
    :type offset: int
    :rtype: list of dictionaries
    """
    items = sorted(packages(context).values(), key=lambda p: (p["metadata_modified"], p["name"]), reverse=True)
    return _page(items, data_dict)


def help_show(context: Context, data_dict: dict) -> str:
    """Return the help text of an action.

    :param name: the action's name
    :type name: string
    :rtype: string
    """
    name = _required(data_dict, "name")
    if name not in ACTIONS:
        raise NotFound("Action function not found")
    return ACTIONS[name].__doc__


# -- package_search -----------------------------------------------------------------------------

FQ_TERM = re.compile(r'(\+|-)?([\w.-]+):(?:"([^"]*)"|(\S+))')
FACETABLE = {"organization": lambda p: [p["organization"]["name"]], "groups": lambda p: [g["name"] for g in p["groups"]],
             "tags": lambda p: [t["name"] for t in p["tags"]], "res_format": lambda p: [r["format"] for r in p["resources"]],
             "license_id": lambda p: [p["license_id"]], "name": lambda p: [p["name"]], "id": lambda p: [p["id"]]}


def _field_values(pkg: dict, name: str) -> list[str]:
    if name in FACETABLE:
        return FACETABLE[name](pkg)
    extras = {e["key"]: e["value"] for e in pkg.get("extras", [])}
    return [str(pkg[name])] if name in pkg and not isinstance(pkg[name], (list, dict)) else \
        [extras[name]] if name in extras else []


def _haystack(pkg: dict) -> str:
    parts = [pkg["name"], pkg["title"], pkg.get("notes") or "", pkg["organization"]["title"],
             *(t["name"] for t in pkg["tags"]), *(g["title"] for g in pkg["groups"]),
             *(r["name"] for r in pkg["resources"])]
    return " ".join(parts).lower()


def _matches(pkg: dict, text_terms: list[str], fields: list[tuple[str, str, str]]) -> bool:
    hay = _haystack(pkg)
    if not all(t in hay for t in text_terms):
        return False
    for sign, name, value in fields:
        hit = value == "*" or value in _field_values(pkg, name)
        if hit == (sign == "-"):
            return False
    return True


def _parse_query(q: str, fq: str, extras: set[str]) -> tuple[list[str], list[tuple[str, str, str]]]:
    """Free-text terms (cut into bigrams like the data index) and field:value clauses."""
    fields = [(m[0] or "+", m[1], m[2] or m[3]) for m in FQ_TERM.findall(fq or "")]
    rest = q or ""
    if rest.strip() in ("*:*", ""):
        return [], fields
    for m in FQ_TERM.finditer(q):
        if m.group(2) in FACETABLE or m.group(2) in extras:
            fields.append((m.group(1) or "+", m.group(2), m.group(3) if m.group(3) is not None else m.group(4)))
            rest = rest.replace(m.group(0), " ")
    return [t.lower() for t in search.to_query(rest).split()], fields


def _sort(items: list[dict], sort: str) -> list[dict]:
    keys = {"name": lambda p: p["name"], "title_string": lambda p: p["title"], "title": lambda p: p["title"],
            "metadata_modified": lambda p: p["metadata_modified"], "metadata_created": lambda p: p["metadata_created"]}
    for clause in reversed([c.strip() for c in sort.split(",") if c.strip()]):
        name, _, direction = clause.partition(" ")
        if name == "score":
            continue
        if name not in keys:
            raise ValidationError({"sort": [f"Cannot sort by this field (sortable: {', '.join(sorted(keys))})"]})
        items = sorted(items, key=keys[name], reverse=direction.strip().lower() == "desc")
    return items


def _facets(items: list[dict], names: list[str], limit: int) -> tuple[dict, dict]:
    facets, search_facets = {}, {}
    for name in names:
        counts: dict[str, int] = {}
        titles: dict[str, str] = {}
        for p in items:
            for v in _field_values(p, name):
                counts[v] = counts.get(v, 0) + 1
            if name == "organization":
                titles[p["organization"]["name"]] = p["organization"]["title"]
            if name == "groups":
                titles.update({g["name"]: g["title"] for g in p["groups"]})
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        facets[name] = dict(top)
        search_facets[name] = {"title": name, "items": [
            {"name": k, "display_name": titles.get(k, k), "count": n} for k, n in top]}
    return facets, search_facets


def package_search(context: Context, data_dict: dict) -> dict:
    """Search datasets. Chinese text is matched the way the data index is cut (2 characters suffice).

    :param q: free text, may hold field:value clauses (optional)
    :type q: string
    :param fq: field:value clauses, e.g. ``organization:dept-xxx tags:空气质量`` (optional)
    :type fq: string
    :param rows: how many results (optional, default 10, at most 1000)
    :type rows: int
    :param start: offset of the first result (optional, default 0)
    :type start: int
    :param sort: e.g. ``name asc`` or ``metadata_modified desc`` (optional, default ``score desc, metadata_modified desc``)
    :type sort: string
    :param facet.field: JSON list of fields to count, e.g. ``["organization", "tags"]`` (optional)
    :type facet.field: string
    :param facet.limit: values per facet (optional, default 50)
    :type facet.limit: int
    :rtype: dictionary with count, results, sort, facets, search_facets
    """
    errors: dict = {}
    rows = _int(data_dict, "rows", 10, errors, SEARCH_ROWS_MAX)
    start = _int(data_dict, "start", 0, errors)
    facet_limit = _int(data_dict, "facet.limit", 50, errors)
    facet_fields = data_dict.get("facet.field") or []
    if isinstance(facet_fields, str):
        try:
            facet_fields = json.loads(facet_fields)
        except ValueError:
            errors.setdefault("facet.field", []).append("Not a JSON list of field names")
            facet_fields = []
    if not isinstance(facet_fields, list) or not all(isinstance(f, str) for f in facet_fields):
        errors.setdefault("facet.field", []).append("Not a list of field names")
        facet_fields = []
    if errors:
        raise ValidationError(errors)
    pkgs = packages(context)
    terms, fields = _parse_query(str(data_dict.get("q") or ""), str(data_dict.get("fq") or ""), extra_fields(pkgs))
    found = [p for p in pkgs.values() if _matches(p, terms, fields)]
    sort = data_dict.get("sort") or "score desc, metadata_modified desc"
    found = _sort(found, sort)
    facets, search_facets = _facets(found, facet_fields, facet_limit)
    return {"count": len(found), "results": found[start:start + rows], "sort": sort,
            "facets": facets, "search_facets": search_facets}


# -- organizations, groups, tags, resources -------------------------------------------------------

def _owners(context: Context, kind: str) -> dict[str, dict]:
    """Organizations ('organization') or groups ('groups') with their package counts."""
    out: dict[str, dict] = {}
    for p in packages(context).values():
        for o in ([p["organization"]] if kind == "organization" else p["groups"]):
            item = out.setdefault(o["name"], {**o, "package_count": 0, "packages": []})
            item["package_count"] += 1
            item["packages"].append(p)
    return out


def _owner_list(context: Context, data_dict: dict, kind: str) -> list:
    items = _owners(context, kind)
    order = sorted(items.values(), key=lambda o: o["name"])
    sort = str(data_dict.get("sort") or "name asc")
    if sort.startswith(("title", "display_name")):
        order = sorted(order, key=lambda o: o["title"])
    elif sort.startswith("package_count"):
        order = sorted(order, key=lambda o: o["package_count"])
    if sort.endswith("desc"):
        order.reverse()
    order = _page(order, data_dict)
    if not _bool(data_dict, "all_fields", False):
        return [o["name"] for o in order]
    return [{k: v for k, v in o.items() if k != "packages"} for o in order]


def organization_list(context: Context, data_dict: dict) -> list:
    """Return the providing departments (数源部门) as organizations.

    :param all_fields: return dictionaries instead of names (optional, default False)
    :type all_fields: bool
    :param sort: ``name asc`` (default), ``title asc`` or ``package_count desc`` (optional)
    :type sort: string
    :param limit: page size (optional)
    :type limit: int
    :param offset: where the page starts (optional)
    :type offset: int
    :rtype: list of strings or dictionaries
    """
    return _owner_list(context, data_dict, "organization")


def _owner_show(context: Context, data_dict: dict, kind: str, what: str) -> dict:
    key = _required(data_dict, "id")
    items = _owners(context, kind)
    item = items.get(key) or next((o for o in items.values() if key in (o["id"], o["title"])), None)
    if item is None:
        raise NotFound(f"{what} not found")
    out = {k: v for k, v in item.items() if k != "packages"}
    if _bool(data_dict, "include_datasets", False):
        out["packages"] = item["packages"]
    return out


def organization_show(context: Context, data_dict: dict) -> dict:
    """Return one organization (a providing department).

    :param id: the organization's id or name
    :type id: string
    :param include_datasets: include its datasets (optional, default False)
    :type include_datasets: bool
    :rtype: dictionary
    """
    return _owner_show(context, data_dict, "organization", "Organization")


def group_list(context: Context, data_dict: dict) -> list:
    """Return the themes (主题分类) that have datasets, as groups.

    :param all_fields: return dictionaries instead of names (optional, default False)
    :type all_fields: bool
    :rtype: list of strings or dictionaries
    """
    return _owner_list(context, data_dict, "groups")


def tag_list(context: Context, data_dict: dict) -> list:
    """Return every keyword in use, sorted.

    :param query: only tags containing this text (optional)
    :type query: string
    :param all_fields: return dictionaries instead of names (optional, default False)
    :type all_fields: bool
    :rtype: list of strings or dictionaries
    """
    query = str(data_dict.get("query") or "").lower()
    tags = {t["name"]: t for p in packages(context).values() for t in p["tags"] if query in t["name"].lower()}
    names = sorted(tags)
    return [tags[n] for n in names] if _bool(data_dict, "all_fields", False) else names


def resource_show(context: Context, data_dict: dict) -> dict:
    """Return one resource: a download file or the queryable table.

    :param id: the resource's id
    :type id: string
    :rtype: dictionary
    """
    key = _required(data_dict, "id")
    for p in packages(context).values():
        for r in p["resources"]:
            if r["id"] == key:
                return r
    raise NotFound("Resource was not found.")


# -- datastore_search -----------------------------------------------------------------------------

def _datastore_fields(entry: dict) -> list[dict]:
    by_name = {c["name"]: c for c in entry["record"]["columns"]}
    fields = [{"id": "_id", "type": "int"}]
    for name in entry["columns"] or []:
        col = by_name.get(name, {})
        info = {"label": name, "notes": col.get("description", ""), **({"unit": col["unit"]} if col.get("unit") else {})}
        fields.append({"id": name, "type": DATASTORE_TYPES.get(col.get("type"), "text"), "info": info})
    return fields


def _str_list(value, key: str, errors: dict) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    errors.setdefault(key, []).append("Not a list of field names")
    return []


def _dict_param(value, key: str, errors: dict) -> dict:
    if value in (None, ""):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            errors.setdefault(key, []).append("Cannot parse JSON")
            return {}
    if not isinstance(value, dict):
        errors.setdefault(key, []).append("Not a JSON object")
        return {}
    return value


@dataclass
class _Query:
    where: list[str] = field(default_factory=list)
    params: list = field(default_factory=list)


def _where(entry: dict, data: dict, names: set[str], errors: dict) -> _Query:
    """WHERE clauses for filters and q (full text through the bigram index, or per field)."""
    qy, ident = _Query(), entry["identifier"]
    for col, value in _dict_param(data.get("filters"), "filters", errors).items():
        if col not in names:
            errors.setdefault("filters", []).append(_not_a_field(names))
            continue
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, SCALARS) and not isinstance(v, bool) for v in values):
            errors.setdefault("filters", []).append("A filter value must be text, a number or a list of them")
            continue
        qy.where.append(f"{_sql_col(col)} in ({', '.join('?' * len(values))})" if values else "0")
        qy.params += values
    q = data.get("q")
    if isinstance(q, str) and q.startswith("{"):
        q = _dict_param(q, "q", errors)
    if isinstance(q, dict):
        for col, term in q.items():
            if col not in names:
                errors.setdefault("q", []).append(_not_a_field(names))
                continue
            qy.where.append(f"instr({_sql_col(col)}, ?) > 0")
            qy.params.append(str(term))
    elif q not in (None, ""):
        if _has_fts(entry):
            qy.where.append(f"rowid in (select rowid from [{ident}_fts] where [{ident}_fts] match ?)")
            qy.params.append(search.fts5_match(str(q)))
        else:
            text = [c for c in names if c != "_id"]
            qy.where.append("(" + " or ".join(f"instr([{c}], ?) > 0" for c in text) + ")")
            qy.params += [str(q)] * len(text)
    return qy


def _not_a_field(names: set[str]) -> str:
    """The message for an unknown field: the table's fields, never the name sent (it may be anything)."""
    return f"field not in table (fields: {', '.join(sorted(names))})"


def _sql_col(name: str) -> str:
    """A checked column name as SQL (CKAN's _id is SQLite's rowid)."""
    return "rowid" if name == "_id" else f"[{name}]"


def _has_fts(entry: dict) -> bool:
    return any(c.get("search") and (c.get("rule") or {}).get("op") != "drop" for c in entry["record"]["columns"])


def _order(sort, names: set[str], errors: dict) -> str:
    clauses = []
    for part in _str_list(sort, "sort", errors):
        name, _, direction = part.strip().strip('"').partition(" ")
        name = name.strip('"')
        direction = direction.strip().lower() or "asc"
        if name not in names or direction not in ("asc", "desc"):
            errors.setdefault("sort", []).append(_not_a_field(names) if name not in names
                                                  else "direction must be asc or desc")
            continue
        clauses.append(f"{_sql_col(name)} {direction}")
    return ", ".join(clauses or ["rowid"])


def _run(ctx: Context, sql: str, params: list) -> list[tuple]:
    """Read-only query with the portal's SQL time limit (as Datasette applies it)."""
    conn = sqlite3.connect(f"file:{ctx.data_db}?immutable=1", uri=True)
    sql_guard.limit(conn)
    deadline = time.monotonic() + ctx.time_limit_ms / 1000
    conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 1000)
    try:
        return conn.execute(sql, params).fetchall()
    except (sqlite3.Error, OverflowError) as e:  # a limit reached (time, length) or a value SQLite refuses
        raise ValidationError({"query": ["Query took too long" if "interrupt" in str(e) else "Invalid query"]}) from None
    finally:
        conn.close()


def _links(ident: str, data: dict, limit: int, offset: int) -> dict:
    keep = {k: (json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)
            for k, v in data.items() if k not in ("offset", "resource_id") and v not in (None, "")}
    base = "/api/3/action/datastore_search?" + urlencode({"resource_id": ident, **keep})
    return {"start": base, "next": base + "&" + urlencode({"offset": offset + limit})}


def datastore_search(context: Context, data_dict: dict) -> dict:
    """Query the rows of a published table (resource_id = the dataset id); a withdrawn one is Not Found.

    :param resource_id: the dataset id (its queryable resource)
    :type resource_id: string
    :param q: full-text query (Chinese: 2 characters suffice), or a JSON object {field: text} (optional)
    :type q: string or dictionary
    :param filters: JSON object {field: value or [values]} matched exactly (optional)
    :type filters: dictionary
    :param fields: fields to return, comma-separated or a list (optional, default all)
    :type fields: string or list
    :param sort: e.g. ``"区县 asc, 受理时间 desc"`` (optional, default row order)
    :type sort: string
    :param limit: at most this many rows (optional, default 100, at most 32000)
    :type limit: int
    :param offset: rows to skip (optional, default 0)
    :type offset: int
    :param include_total: count all matching rows (optional, default True)
    :type include_total: bool
    :param records_format: ``objects`` (default) or ``lists`` (optional)
    :type records_format: string
    :rtype: dictionary with fields, records, total, limit, offset and _links
    """
    ident = _required(data_dict, "resource_id")
    entry = context.catalog.get(ident)
    if entry is not None and export.is_withdrawn(entry):
        raise NotFound(WITHDRAWN)
    if entry is None or not entry.get("database"):
        raise NotFound("Resource was not found.")
    if entry["database"] != "data":
        raise NotAuthorized("该数据为依申请开放，须经申请批准后使用 (open on request: apply through the portal)")
    all_fields = _datastore_fields(entry)
    names = {f["id"] for f in all_fields}
    errors: dict = {}
    limit = _int(data_dict, "limit", ROWS_DEFAULT, errors, ROWS_MAX)
    offset = _int(data_dict, "offset", 0, errors)
    wanted = _str_list(data_dict.get("fields"), "fields", errors)
    if any(f not in names for f in wanted):
        errors.setdefault("fields", []).append(_not_a_field(names))
    fmt = data_dict.get("records_format") or "objects"
    if fmt not in ("objects", "lists"):
        errors.setdefault("records_format", []).append("Must be objects or lists")
    qy = _where(entry, data_dict, names, errors)
    order = _order(data_dict.get("sort"), names, errors)
    if errors:
        raise ValidationError(errors)
    fields = [f for f in all_fields if not wanted or f["id"] in wanted]
    cols = ", ".join("rowid as _id" if f["id"] == "_id" else f"[{f['id']}]" for f in fields)
    where = f" where {' and '.join(qy.where)}" if qy.where else ""
    rows = _run(context, f"select {cols} from [{ident}]{where} order by {order} limit ? offset ?",
                [*qy.params, limit, offset])
    result = {"resource_id": ident, "fields": fields, "records_format": fmt, "limit": limit, "offset": offset,
              "records": [list(r) for r in rows] if fmt == "lists" else [dict(zip([f["id"] for f in fields], r))
                                                                      for r in rows],
              "_links": _links(ident, data_dict, limit, offset), "include_total": True}
    for k in ("q", "filters", "sort"):
        if data_dict.get(k) not in (None, ""):
            result[k] = data_dict[k]
    if _bool(data_dict, "include_total", True):
        result["total"] = _run(context, f"select count(*) from [{ident}]{where}", qy.params)[0][0]
        result["total_was_estimated"] = False
    else:
        result["include_total"] = False
    return result


ACTIONS = {f.__name__: f for f in (
    package_list, package_show, package_search, current_package_list_with_resources, organization_list,
    organization_show, group_list, tag_list, resource_show, datastore_search, status_show, site_read, help_show)}
