"""Import dataset records (and CSV resources) from any CKAN instance into datasets/<name>/."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import ckanapi
import requests
import yaml

from metadata import schema as s
from metadata.validate import CatalogError, load

# What a CKAN portal has no field for gets a stated default; every default is marked in the yaml.
DEFAULTS = {
    "themes": ["社会民生"], "share_type": "无条件共享", "share_method": ["查询引用", "批量复制"],
    "open_type": "无条件开放", "update_frequency": "不定期", "security_level": "一般",
    "usage_requirements": "使用时须注明数据来源。", "licence": "CC-BY-4.0",
    "legal_basis": "（自 CKAN 导入，待补充法律依据）", "contact": "（自 CKAN 导入，待补充）",
    "description": "（自 CKAN 导入，原记录无描述）", "column": "（自 CKAN 导入，待补充字段说明）",
}
LICENCE_MAP = {"cc-by": "CC-BY-4.0", "cc-by-4.0": "CC-BY-4.0", "cc-zero": "CC0-1.0", "cc0-1.0": "CC0-1.0",
               "odc-by": "ODC-BY-1.0", "odc-by-1.0": "ODC-BY-1.0"}
# Extras keys other CKAN portals in China use for the catalogue fields (中文目录字段).
CHINESE_KEYS = {"开放属性": "open_type", "开放类型": "open_type", "共享属性": "share_type", "共享类型": "share_type",
                "共享方式": "share_method", "更新周期": "update_frequency", "更新频率": "update_frequency",
                "安全级别": "security_level", "使用要求": "usage_requirements", "法律依据": "legal_basis",
                "主题分类": "themes", "数源部门编码": "department_code", "空间范围": "spatial"}
FROM_DATASTORE = {"int": "integer", "int4": "integer", "int8": "integer", "bigint": "integer",
                  "numeric": "number", "float": "number", "float8": "number", "date": "date",
                  "timestamp": "datetime", "bool": "boolean"}


class HarvestError(Exception):
    """The remote portal could not be read; names the portal and dataset, never data values."""


def _extras(pkg: dict) -> dict:
    out = {}
    for e in pkg.get("extras") or []:
        key = CHINESE_KEYS.get(e.get("key"), e.get("key"))
        out[key] = e.get("value")
    return out


def _terms(value, vocab: dict) -> list[str]:
    """A list of vocabulary terms from a JSON list or a text list separated by 、 , ;"""
    if value is None:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = re.split(r"[、,;，；\s]+", value)
    return [v for v in (value if isinstance(value, list) else [value]) if v in vocab]


def _term(value, vocab: dict, default: str) -> tuple[str, bool]:
    return (value, False) if value in vocab else (default, True)


def slug(name: str) -> str:
    out = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    return (out or "dataset")[:63].ljust(2, "0")


def _date(value) -> str | None:
    try:
        return date.fromisoformat(str(value)[:10]).isoformat() if value else None
    except ValueError:
        return None


def _csv_resource(pkg: dict) -> dict | None:
    """The first CSV resource, preferring plain UTF-8 CSV over an Excel variant."""
    csvs = [r for r in pkg.get("resources") or [] if (r.get("format") or "").lower() == "csv"
            or (r.get("url") or "").lower().split("?")[0].endswith(".csv")]
    csvs.sort(key=lambda r: "excel" in (r.get("url") or "").lower())
    return csvs[0] if csvs else None


def _dictionary(remote: ckanapi.RemoteCKAN, pkg: dict, extras: dict) -> list[dict]:
    """The field dictionary: our own `columns` extra, a Table Schema `field_dictionary`, or DataStore fields."""
    for key in ("columns", "field_dictionary"):
        try:
            cols = json.loads(extras.get(key) or "null")
        except ValueError:
            cols = None
        if isinstance(cols, list) and cols and all(isinstance(c, dict) and c.get("name") for c in cols):
            table = {"string": "text", "integer": "integer", "number": "number", "date": "date",
                     "datetime": "datetime", "boolean": "boolean"}
            return [{**c, "type": c.get("type") if c.get("type") in s.COLUMN_TYPES else table.get(c.get("type"), "text")}
                    for c in cols]
    for res in pkg.get("resources") or []:
        if res.get("datastore_active"):
            try:
                fields = remote.action.datastore_search(resource_id=res["id"], limit=0)["fields"]
            except ckanapi.CKANAPIError:
                continue
            return [{"name": f["id"], "type": FROM_DATASTORE.get(f.get("type"), "text"),
                     "description": (f.get("info") or {}).get("notes") or ""} for f in fields if f["id"] != "_id"]
    return []


def _download(session: requests.Session, url: str, dest: Path) -> list[str] | None:
    """Fetch a CSV resource to dest; return its header, or None when it cannot be read."""
    try:
        with session.get(url, stream=True, timeout=60) as r:
            r.raise_for_status()
            with dest.open("wb") as f:
                for chunk in r.iter_content(1 << 16):
                    f.write(chunk)
    except requests.RequestException:
        dest.unlink(missing_ok=True)
        return None
    with dest.open("rb") as f:
        head = f.read(1 << 16)
    text = head.decode("utf-8-sig", errors="replace")
    return next(csv.reader(io.StringIO(text)), None)


def _columns(dictionary: list[dict], header: list[str]) -> tuple[list[dict], list[str]]:
    """Columns exactly as the source header, described from the dictionary; names defaulted."""
    by_name = {c["name"]: c for c in dictionary}
    cols, defaulted = [], []
    for name in header:
        c = by_name.get(name, {})
        col = {"name": name, "type": c.get("type", "text"), "description": c.get("description") or DEFAULTS["column"]}
        if not c.get("description"):
            defaulted.append(f"columns.{name}.description")
        if c.get("unit"):
            col["unit"] = c["unit"]
        col.update({k: True for k in ("facet", "search", "free_text", "quasi_identifier") if c.get(k) is True})
        if c.get("personal") in s.PERSONAL_KINDS:
            rule = c.get("rule") if isinstance(c.get("rule"), (dict, str)) else "drop"
            if isinstance(rule, dict):  # record JSON {op, params} -> dataset.yaml {op, **params}
                rule = {"op": rule.get("op", "drop"), **(rule.get("params") or {})}
            col.update(personal=c["personal"], rule=rule)
        cols.append(col)
    return cols, defaulted


def _record(pkg: dict, ident: str, extras: dict, columns: list[dict], source: str) -> tuple[dict, list[str]]:
    """Our dataset.yaml fields from a CKAN package; returns (fields, names of defaulted fields)."""
    defaulted: list[str] = []

    def pick(key, vocab, default):
        value, was_default = _term(extras.get(key), vocab, default)
        if was_default:
            defaulted.append(key)
        return value

    themes = _terms(extras.get("themes"), s.THEMES) or [g.get("title") for g in pkg.get("groups") or []
                                                          if g.get("title") in s.THEMES]
    share_method = _terms(extras.get("share_method"), s.SHARE_METHODS)
    licence = pkg.get("license_id") if pkg.get("license_id") in s.LICENCES else \
        LICENCE_MAP.get((pkg.get("license_id") or "").lower())
    org = pkg.get("organization") or {}
    rec = {
        "identifier": ident, "title": pkg.get("title") or pkg["name"],
        "description": pkg.get("notes") or DEFAULTS["description"],
        "department": {"name": org.get("title") or pkg.get("author") or pkg.get("maintainer") or DEFAULTS["contact"]},
        "themes": themes or DEFAULTS["themes"], "keywords": [t["name"] for t in pkg.get("tags") or []],
        "source": {"file": source, "encoding": "utf-8"}, "format": "CSV",
        "share_type": pick("share_type", s.SHARE_TYPES, DEFAULTS["share_type"]),
        "share_method": share_method or DEFAULTS["share_method"],
        "open_type": pick("open_type", s.OPEN_TYPES, DEFAULTS["open_type"]),
        "update_frequency": pick("update_frequency", s.UPDATE_FREQUENCIES, DEFAULTS["update_frequency"]),
        "last_updated": _date(extras.get("last_updated")) or _date(pkg.get("metadata_modified")) or date.today().isoformat(),
        "security_level": pick("security_level", s.SECURITY_LEVELS, DEFAULTS["security_level"]),
        "usage_requirements": extras.get("usage_requirements") or DEFAULTS["usage_requirements"],
        "licence": licence or DEFAULTS["licence"],
        "contact": {"name": extras.get("contact_name") or pkg.get("maintainer") or DEFAULTS["contact"]},
        "columns": columns,
    }
    defaulted += [k for k, ok in (("themes", themes), ("share_method", share_method), ("licence", licence),
                                  ("description", pkg.get("notes"))) if not ok]
    if extras.get("department_code"):
        rec["department"]["code"] = extras["department_code"]
    for key in ("title_en", "legal_basis", "spatial"):
        if extras.get(key):
            rec[key] = extras[key]
    for key in ("contact_phone", "contact_email"):
        value = extras.get(key) or (pkg.get("maintainer_email") if key == "contact_email" else None)
        if value:
            rec["contact"][key.split("_")[1]] = value
    if _date(extras.get("issued")):
        rec["issued"] = _date(extras["issued"])
    if _date(extras.get("temporal_start")) or _date(extras.get("temporal_end")):
        rec["temporal"] = {k: _date(extras.get(f"temporal_{k}")) for k in ("start", "end") if _date(extras.get(f"temporal_{k}"))}
    needs_basis = rec["open_type"] in s.NEEDS_LEGAL_BASIS_OPEN or rec["share_type"] in s.NEEDS_LEGAL_BASIS_SHARE
    if needs_basis and not rec.get("legal_basis"):
        rec["legal_basis"] = DEFAULTS["legal_basis"]
        defaulted.append("legal_basis")
    return rec, defaulted


def _write_yaml(folder: Path, rec: dict, defaulted: list[str], origin: str) -> None:
    head = [ORIGIN + origin,
            "# 以下字段原记录没有，已填入默认值，请核对 (defaults, please review): " + (", ".join(defaulted) or "无 (none)")]
    body = yaml.safe_dump(rec, allow_unicode=True, sort_keys=False, width=120)
    (folder / "dataset.yaml").write_text("\n".join(head) + "\n" + body, encoding="utf-8")


ORIGIN = "# 自 CKAN 导入 (harvested from CKAN): "


def _origin(remote, pkg: dict) -> str:
    """One comment line: a line break in a remote name would otherwise start YAML keys of its own."""
    return re.sub(r"[\x00-\x1f\x7f\x85\u2028\u2029]", " ", f"{remote.address} dataset {pkg['name']}")


def _harvested_from(folder: Path) -> str | None:
    """The origin written on the first line of a folder's dataset.yaml by an earlier harvest, if any."""
    yml = folder / "dataset.yaml"
    if folder.is_symlink() or yml.is_symlink() or not yml.is_file():
        return None
    with yml.open(encoding="utf-8", errors="replace") as f:
        first = f.readline().rstrip("\n")
    return first[len(ORIGIN):] if first.startswith(ORIGIN) else None


def folder_for(datasets_dir: Path, pkg: dict, origin: str) -> Path:
    """The folder a package is written to: its slug when free or harvested earlier from the same package,
    else <slug>-2, -3 ... A local dataset (or another portal's package) of the same name is never
    overwritten, and the folder is always a direct child of datasets_dir (the slug has no / or ..)."""
    base = slug(str(pkg["name"]))
    for n in range(1, 100):
        folder = datasets_dir / (base if n == 1 else f"{base[:59]}-{n}")
        if folder.is_symlink():
            continue
        if not folder.exists():
            folder.mkdir(parents=True)
            return folder
        if _harvested_from(folder) == origin:
            return folder
    raise HarvestError(f"{pkg['name']}: {datasets_dir} 中同名目录过多 (too many folders named {base}-N)")


def harvest_package(remote: ckanapi.RemoteCKAN, session: requests.Session, pkg: dict, datasets_dir: Path) -> Path:
    """Write datasets/<name>/ (dataset.yaml + data.csv) for one CKAN package; it must validate."""
    datasets_dir.mkdir(parents=True, exist_ok=True)
    folder = folder_for(datasets_dir, pkg, _origin(remote, pkg))
    ident = folder.name
    extras = _extras(pkg)
    dictionary = _dictionary(remote, pkg, extras)
    res = _csv_resource(pkg)
    source = folder / "data.csv"
    header = _download(session, res["url"], source) if res else None
    if header is None:  # no readable data: a header-only source keeps the catalogue entry publishable
        header = [c["name"] for c in dictionary] or ["说明"]
        with source.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerow(header)
    columns, defaulted = _columns(dictionary, header)
    rec, more = _record(pkg, ident, extras, columns, source.name)
    _write_yaml(folder, rec, more + defaulted, _origin(remote, pkg))
    load(folder)  # raises CatalogError naming every problem
    return folder


def harvest(url: str, datasets_dir: Path, org: str | None = None) -> tuple[list[Path], list[tuple[str, str]]]:
    """Harvest every dataset (or one organization's) from a CKAN portal; returns (folders, failures)."""
    datasets_dir.mkdir(parents=True, exist_ok=True)
    remote = ckanapi.RemoteCKAN(url.rstrip("/"), user_agent="open-data-portal harvest-ckan")
    session = requests.Session()
    try:
        if org:
            names = [p["name"] for p in remote.action.organization_show(id=org, include_datasets=True)["packages"]]
        else:
            names = remote.action.package_list()
    except ckanapi.CKANAPIError as e:
        raise HarvestError(f"{url}: 无法读取数据目录 (cannot list datasets: {type(e).__name__})") from None
    except requests.RequestException as e:
        raise HarvestError(f"{url}: 无法连接 (cannot connect: {type(e).__name__})") from None
    done, failed = [], []
    for name in names:
        try:
            done.append(harvest_package(remote, session, remote.action.package_show(id=name), datasets_dir))
        except CatalogError as e:
            failed.append((name, "; ".join(f"{p}: {m}" for _, p, m in e.problems)))
        except (ckanapi.CKANAPIError, requests.RequestException) as e:
            failed.append((name, f"无法读取 (cannot read: {type(e).__name__})"))
        except HarvestError as e:
            failed.append((name, str(e)))
    return done, failed
