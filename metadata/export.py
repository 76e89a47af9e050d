"""Standard exports of the published catalogue: DCAT-AP 3, data.json, schema.org, Data Package, CKAN.

Every function is pure: it reads `_catalog` entries (portal.state.read_catalog: identifier, title,
open_type, database, row_count, content_hash, columns = the published header, published_at,
record = the Record as JSON, downloads, withdrawn, withdrawn_reason) and the portal's base URL, and
returns plain JSON-ready dicts. Only what was published is exported: "not open" (不予开放) datasets
appear with their legal basis and no data distribution; "open on request" (依申请开放) ones carry a
link to the request form; withdrawn ones stay listed, marked, with no distribution at all.
"""
from __future__ import annotations

import json
import uuid
from datetime import date

from . import schema as s
from .history import is_overdue

# EU vocabularies (publications.europa.eu authority tables) that DCAT-AP asks for.
EU = "http://publications.europa.eu/resource/authority/"
ACCESS_RIGHTS = {"open": "PUBLIC", "on_request": "RESTRICTED", "not_open": "NON_PUBLIC"}
EU_FREQUENCY = {"realtime": "UPDATE_CONT", "daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY",
                "quarterly": "QUARTERLY", "semiannual": "BIANNUAL", "annual": "ANNUAL", "irregular": "IRREG"}
# Our theme codes -> the EU data-theme vocabulary (code, English label of the EU concept).
EU_THEME = {
    "economy": ("ECON", "Economy and finance"), "urban": ("REGI", "Regions and cities"),
    "livelihood": ("SOCI", "Population and society"), "environment": ("ENVI", "Environment"),
    "transport": ("TRAN", "Transport"), "education": ("EDUC", "Education, culture and sport"),
    "health": ("HEAL", "Health"), "culture": ("EDUC", "Education, culture and sport"),
    "market": ("ECON", "Economy and finance"), "credit": ("ECON", "Economy and finance"),
    "safety": ("JUST", "Justice, legal system and public safety"), "energy": ("ENER", "Energy"),
    "organisations": ("GOVE", "Government and public sector"), "finance": ("ECON", "Economy and finance"),
}
# Project Open Data: accessLevel and ISO 8601 repeating durations for accrualPeriodicity.
POD_ACCESS = {"open": "public", "on_request": "restricted public", "not_open": "non-public"}
POD_FREQUENCY = {"realtime": "R/PT1S", "daily": "R/P1D", "weekly": "R/P1W", "monthly": "R/P1M",
                 "quarterly": "R/P3M", "semiannual": "R/P6M", "annual": "R/P1Y", "irregular": "irregular"}
# Field dictionary type -> Table Schema type (datetime values are "YYYY-MM-DD hh:mm", so format any).
TABLE_TYPES = {"text": ("string", "default"), "integer": ("integer", "default"),
               "number": ("number", "default"), "date": ("date", "default"),
               "datetime": ("datetime", "any"), "boolean": ("boolean", "default")}
CATALOG_TITLE = "政务数据开放平台"
CATALOG_DESCRIPTION = "依法开放的政务数据资源目录：可查询、可下载、机器可读。"
CSV, JSON_TYPE = "text/csv", "application/json"


# --- shared pieces -------------------------------------------------------------------------------

def _base(base_url: str) -> str:
    return base_url.rstrip("/")


def urls(entry: dict, base_url: str) -> dict:
    """Every public address of a dataset; data addresses only when its data is public (and not withdrawn)."""
    b, ident = _base(base_url), entry["identifier"]
    out = {"page": f"{b}/datasets/{ident}/", "request": f"{b}/requests/?dataset={ident}"}
    if entry.get("database") == "data" and not is_withdrawn(entry):
        files = f"{b}/downloads/{ident}/"
        out.update(downloads=files, csv=f"{files}{ident}.csv", datapackage=f"{files}datapackage.json",
                   table=f"{b}/data/{ident}", api=f"{b}/data/{ident}.json")
    return out


def is_withdrawn(entry: dict) -> bool:
    """A reviewer withdrew the data (_catalog.withdrawn): the entry stays listed, its data is gone."""
    return bool(entry.get("withdrawn"))


def withdrawal_note(entry: dict) -> str:
    """The notice that marks a withdrawn dataset in text fields (empty when it is not withdrawn)."""
    if not is_withdrawn(entry):
        return ""
    return f"【已撤回】此数据集已撤回，数据暂停提供。撤回原因：{entry.get('withdrawn_reason') or '未说明'}"


def description(entry: dict) -> str:
    """The record's description, followed by the withdrawal notice when there is one."""
    note = withdrawal_note(entry)
    return f"{entry['record']['description']}\n\n{note}" if note else entry["record"]["description"]


def download_files(entry: dict) -> dict[str, dict]:
    """The download files recorded in _catalog.downloads (JSON text or parsed): name -> {sha256, bytes, media_type}."""
    if entry.get("database") != "data" or is_withdrawn(entry):
        return {}
    value = entry.get("downloads")
    value = json.loads(value) if isinstance(value, str) else value
    return (value or {}).get("files", {})


def open_code(entry: dict) -> str:
    return s.OPEN_TYPES[entry["record"]["open_type"]]


def frequency_code(record: dict) -> str:
    return s.UPDATE_FREQUENCIES[record["update_frequency"]][0]


def theme_code(theme: str) -> str:
    return s.THEMES[theme]


def licence_url(record: dict) -> str:
    return s.LICENCES[record["licence"]][1]


def published_columns(entry: dict) -> list[dict]:
    """Field dictionary of the published columns, in published order (dropped columns left out)."""
    by_name = {c["name"]: c for c in entry["record"]["columns"]}
    names = entry.get("columns") or [c["name"] for c in entry["record"]["columns"]
                                     if c["rule"]["op"] != "drop"]
    return [by_name[n] for n in names if n in by_name]


# --- DCAT-AP 3.0.1 (JSON-LD) ---------------------------------------------------------------------

# Inline context: consumers (and our tests) never fetch anything to read the export.
DCAT_CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/", "vcard": "http://www.w3.org/2006/vcard/ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#", "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "dcatap": "http://data.europa.eu/r5r/",
}


def _zh(text: str) -> dict:
    return {"@value": text, "@language": "zh"}


def _day(value: str | None, dtype: str = "xsd:date") -> dict | None:
    return {"@value": value, "@type": dtype} if value else None


def _node(iri: str, rdf_type: str, **props) -> dict:
    """A typed node: DCAT-AP's range shapes need the class of every value stated in the data."""
    return {"@id": iri, "@type": rdf_type, **{k: v for k, v in props.items() if v is not None}}


def _portal_ns(base_url: str) -> str:
    return f"{_base(base_url)}/ns#"


def _agent(record: dict, base_url: str) -> dict:
    dept = record["department"]
    slug = s.Department(dept["name"], dept.get("code")).slug
    return _node(f"{_base(base_url)}/organizations/{slug}", "foaf:Agent",
                 **{"foaf:name": _zh(dept["name"]), "dct:identifier": dept.get("code")})


def _contact(record: dict) -> dict:
    c = record["contact"]
    node = {"@type": "vcard:Kind", "vcard:fn": _zh(c["name"])}
    if c.get("email"):
        node["vcard:hasEmail"] = {"@id": f"mailto:{c['email']}"}
    if c.get("phone"):
        node["vcard:hasTelephone"] = {"@id": f"tel:{c['phone']}"}
    return node


def _themes(record: dict, base_url: str) -> list[dict]:
    """Each theme twice: the EU data theme DCAT-AP requires, and our own Chinese concept."""
    out, seen = [], set()
    for theme in record["themes"]:
        code = theme_code(theme)
        eu_code, eu_label = EU_THEME[code]
        if eu_code not in seen:
            seen.add(eu_code)
            out.append(_node(f"{EU}data-theme/{eu_code}", "skos:Concept",
                             **{"skos:prefLabel": {"@value": eu_label, "@language": "en"}}))
        out.append(_node(f"{_portal_ns(base_url)}theme-{code}", "skos:Concept",
                         **{"skos:prefLabel": _zh(theme), "skos:inScheme": {"@id": _portal_ns(base_url) + "themes"},
                            "skos:closeMatch": {"@id": f"{EU}data-theme/{eu_code}"}}))
    return out


def _rights(record: dict) -> dict | None:
    """Legal basis of a restriction, as a rights statement (W art. 11(3), H art. 13)."""
    if not record.get("legal_basis"):
        return None
    return {"@type": "dct:RightsStatement", "rdfs:label": _zh(record["legal_basis"])}


def _licence(record: dict) -> dict:
    name, url = s.LICENCES[record["licence"]]
    return _node(url, "dct:LicenseDocument", **{"rdfs:label": _zh(name), "dct:identifier": record["licence"]})


def _distribution(iri: str, title: str, access: str, download: str | None, media: str, fmt: str,
                  record: dict, modified: str | None) -> dict:
    return _node(iri, "dcat:Distribution", **{
        "dct:title": _zh(title), "dcat:accessURL": {"@id": access},
        "dcat:downloadURL": {"@id": download} if download else None,
        "dcat:mediaType": _node(f"http://www.iana.org/assignments/media-types/{media}", "dct:MediaType"),
        "dct:format": _node(f"{EU}file-type/{fmt}", "dct:MediaTypeOrExtent"),
        "dct:license": _licence(record), "dct:rights": _rights(record),
        "dct:modified": _day(modified, "xsd:dateTime"),
    })


def _distributions(entry: dict, base_url: str) -> list[dict]:
    record, u = entry["record"], urls(entry, base_url)
    when = entry.get("published_at")
    if is_withdrawn(entry):
        return []
    if "csv" in u:
        return [
            _distribution(u["page"] + "#csv", "CSV 下载", u["table"], u["csv"], CSV, "CSV", record, when),
            _distribution(u["page"] + "#api", "JSON 数据接口 (Datasette)", u["api"], None, JSON_TYPE, "JSON",
                          record, when),
        ]
    if open_code(entry) == "on_request":
        # Data is served only to approved applicants: the distribution is the way to ask for it.
        return [_distribution(u["page"] + "#request", "依申请开放：提交数据申请", u["request"], None,
                              "text/html", "HTML", record, when)]
    return []


def _temporal(record: dict) -> dict | None:
    start, end = record.get("temporal_start"), record.get("temporal_end")
    if not (start or end):
        return None
    return {"@type": "dct:PeriodOfTime", **{k: v for k, v in
            (("dcat:startDate", _day(start)), ("dcat:endDate", _day(end))) if v}}


def dcat_dataset(entry: dict, base_url: str, today: date | None = None) -> dict:
    """One dcat:Dataset node of the catalogue."""
    record, u, ns = entry["record"], urls(entry, base_url), _portal_ns(base_url)
    title = [_zh(record["title"])] + ([{"@value": record["title_en"], "@language": "en"}]
                                      if record.get("title_en") else [])
    return _node(u["page"] + "#dataset", "dcat:Dataset", **{
        "dct:identifier": entry["identifier"], "dct:title": title, "dct:description": _zh(description(entry)),
        "dct:publisher": _agent(record, base_url), "dcat:contactPoint": _contact(record),
        "dcat:theme": _themes(record, base_url), "dcat:keyword": [_zh(k) for k in record["keywords"]] or None,
        "dct:accessRights": _node(f"{EU}access-right/{ACCESS_RIGHTS[open_code(entry)]}", "dct:RightsStatement"),
        "dct:rights": _rights(record),
        "dct:accrualPeriodicity": _node(f"{EU}frequency/{EU_FREQUENCY[frequency_code(record)]}", "dct:Frequency"),
        "dct:issued": _day(record.get("issued")), "dct:modified": _day(record["last_updated"]),
        "dct:spatial": {"@type": "dct:Location", "skos:prefLabel": _zh(record["spatial"])}
        if record.get("spatial") else None,
        "dct:temporal": _temporal(record), "dct:language": _node(f"{EU}language/ZHO", "dct:LinguisticSystem"),
        "dcat:landingPage": _node(u["page"], "foaf:Document"),
        "dcat:distribution": _distributions(entry, base_url),
        # Our catalogue's own fields (Chinese canonical terms), in the portal's namespace.
        ns + "openType": record["open_type"], ns + "shareType": record["share_type"],
        ns + "shareMethod": record["share_method"], ns + "securityLevel": record["security_level"],
        ns + "updateFrequency": record["update_frequency"], ns + "usageRequirements": record["usage_requirements"],
        ns + "overdue": {"@value": str(is_overdue(record, today)).lower(), "@type": "xsd:boolean"},
        ns + "withdrawn": {"@value": str(is_withdrawn(entry)).lower(), "@type": "xsd:boolean"},
        ns + "withdrawnReason": _zh(entry["withdrawn_reason"]) if is_withdrawn(entry) and entry.get("withdrawn_reason")
        else None,
    })


def to_dcat(entries, base_url: str, today: date | None = None, title: str = CATALOG_TITLE,
            description: str = CATALOG_DESCRIPTION) -> dict:
    """The whole published catalogue as a DCAT-AP 3.0.1 dcat:Catalog (JSON-LD, inline context)."""
    entries, b, ns = _list(entries), _base(base_url), _portal_ns(base_url)
    stamps = [e["published_at"] for e in entries if e.get("published_at")]
    return {
        "@context": DCAT_CONTEXT, "@id": f"{b}/catalog.jsonld", "@type": "dcat:Catalog",
        "dct:title": _zh(title), "dct:description": _zh(description),
        "dct:publisher": _node(f"{b}/#publisher", "foaf:Agent", **{"foaf:name": _zh(title)}),
        "foaf:homepage": _node(f"{b}/", "foaf:Document"),
        "dct:language": _node(f"{EU}language/ZHO", "dct:LinguisticSystem"),
        "dcat:themeTaxonomy": [
            _node(f"{EU}data-theme", "skos:ConceptScheme", **{"dct:title": {"@value": "Data theme", "@language": "en"}}),
            _node(ns + "themes", "skos:ConceptScheme", **{"dct:title": _zh("数据资源目录主题分类")}),
        ],
        **({"dct:modified": _day(max(stamps), "xsd:dateTime")} if stamps else {}),
        "dcat:dataset": [dcat_dataset(e, base_url, today) for e in entries],
    }


def _list(entries) -> list[dict]:
    """Accept state.catalog()'s {identifier: entry} or a list of entries."""
    return list(entries.values()) if isinstance(entries, dict) else list(entries)


# --- Project Open Data v1.1 (data.json) ----------------------------------------------------------

def _temporal_text(record: dict) -> str | None:
    start, end = record.get("temporal_start"), record.get("temporal_end")
    return f"{start}/{end}" if start and end else None


def datajson_dataset(entry: dict, base_url: str, today: date | None = None) -> dict:
    record, u = entry["record"], urls(entry, base_url)
    contact = {"@type": "vcard:Contact", "fn": record["contact"]["name"]}
    if record["contact"].get("email"):
        contact["hasEmail"] = f"mailto:{record['contact']['email']}"
    ds = {
        "@type": "dcat:Dataset", "identifier": entry["identifier"], "title": record["title"],
        "description": description(entry),
        "keyword": list(record["keywords"]) or list(record["themes"]),  # POD needs at least one
        "modified": record["last_updated"], "issued": record.get("issued"),
        "publisher": {"@type": "org:Organization", "name": record["department"]["name"]},
        "contactPoint": contact, "accessLevel": POD_ACCESS[open_code(entry)],
        "rights": record["legal_basis"][:255] if record.get("legal_basis") else None,
        "license": licence_url(record), "spatial": record.get("spatial"),
        "temporal": _temporal_text(record), "accrualPeriodicity": POD_FREQUENCY[frequency_code(record)],
        "landingPage": u["page"], "theme": list(record["themes"]), "language": ["zh-CN"],
        "distribution": _pod_distributions(entry, u),
    }
    return {k: v for k, v in ds.items() if v not in (None, [])}


def _pod_distributions(entry: dict, u: dict) -> list[dict]:
    if is_withdrawn(entry):
        return []
    if "csv" in u:
        return [
            {"@type": "dcat:Distribution", "title": "CSV 下载", "downloadURL": u["csv"], "mediaType": CSV,
             "format": "CSV", "describedBy": u["datapackage"], "describedByType": JSON_TYPE},
            {"@type": "dcat:Distribution", "title": "JSON 数据接口 (Datasette)", "accessURL": u["api"],
             "format": "API", "mediaType": JSON_TYPE},
        ]
    if open_code(entry) == "on_request":
        return [{"@type": "dcat:Distribution", "title": "依申请开放：提交数据申请", "accessURL": u["request"],
                 "format": "HTML", "mediaType": "text/html"}]
    return []


def to_datajson(entries, base_url: str, today: date | None = None) -> dict:
    """The catalogue as a Project Open Data v1.1 data.json."""
    return {
        "@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
        "@id": f"{_base(base_url)}/data.json", "@type": "dcat:Catalog",
        "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
        "describedBy": "https://project-open-data.cio.gov/v1.1/schema/catalog.json",
        "dataset": [datajson_dataset(e, base_url, today) for e in _list(entries)],
    }


# --- schema.org Dataset (embedded in the dataset page) -------------------------------------------

def to_schema_org(entry: dict, base_url: str, today: date | None = None) -> dict:
    """schema.org Dataset JSON-LD for <script type="application/ld+json"> in the dataset page."""
    record, u = entry["record"], urls(entry, base_url)
    org = {"@type": "GovernmentOrganization", "name": record["department"]["name"],
           "contactPoint": {"@type": "ContactPoint", "name": record["contact"]["name"],
                            "telephone": record["contact"].get("phone"), "email": record["contact"].get("email")}}
    out = {
        "@context": "https://schema.org/", "@type": "Dataset", "@id": u["page"] + "#dataset",
        "name": record["title"], "alternateName": record.get("title_en"), "description": description(entry),
        "identifier": entry["identifier"], "url": u["page"], "inLanguage": "zh-CN",
        "keywords": list(record["keywords"]) + list(record["themes"]),
        "creator": org, "publisher": org, "license": licence_url(record), "isAccessibleForFree": True,
        "datePublished": record.get("issued"), "dateModified": record["last_updated"],
        "spatialCoverage": record.get("spatial"), "temporalCoverage": _temporal_text(record),
        "conditionsOfAccess": f"{record['open_type']}：{record['legal_basis']}" if record.get("legal_basis")
        else record["open_type"],
        "usageInfo": record["usage_requirements"],
        "variableMeasured": [_schema_org_variable(c) for c in published_columns(entry)]
        if "csv" in u else None,
        "distribution": [
            {"@type": "DataDownload", "encodingFormat": CSV, "contentUrl": u["csv"]},
            {"@type": "DataDownload", "encodingFormat": JSON_TYPE, "contentUrl": u["api"]},
        ] if "csv" in u else None,
    }
    return {k: v for k, v in out.items() if v is not None}


def _schema_org_variable(col: dict) -> dict:
    v = {"@type": "PropertyValue", "name": col["name"], "description": col["description"]}
    if col.get("unit"):
        v["unitText"] = col["unit"]
    return v


# --- Frictionless Data Package -------------------------------------------------------------------

def table_field(col: dict) -> dict:
    """One Table Schema field from the field dictionary (unit and personal-data rule as extras)."""
    ftype, fmt = TABLE_TYPES[col["type"]]
    f = {"name": col["name"], "type": ftype, "format": fmt, "description": col["description"]}
    if ftype == "boolean":
        f.update(trueValues=["true", "True", "TRUE", "1", "是"], falseValues=["false", "False", "FALSE", "0", "否"])
    if col.get("unit"):
        f["unit"] = col["unit"]
    if col.get("personal"):
        f["personal"] = col["personal"]
        f["rule"] = col["rule"]["op"]  # the desensitization already applied to the published values
    return f


def to_datapackage(entry: dict, base_url: str, files: dict[str, dict] | None = None) -> dict:
    """A Tabular Data Package describing the published CSV download of one open dataset.

    With `files` (the download folder's {name: {sha256, bytes}}) the package is the one written beside
    the CSV: the resource path is relative and carries the CSV's size and hash. With an empty base_url
    (a file written at publish time, before any host is known) the links to the portal are left out.
    """
    record, u, ident = entry["record"], urls(entry, base_url), entry["identifier"]
    if "csv" not in u:
        raise ValueError(f"{ident}: 数据未公开发布 (no public data to package)")
    web = bool(base_url)
    name, lic_url = s.LICENCES[record["licence"]]
    licences = [{"name": record["licence"], "path": lic_url, "title": name}]
    csv_name = f"{ident}.csv"
    resource = _present({
        "profile": "tabular-data-resource", "name": ident, "path": csv_name if files else u["csv"],
        "title": record["title"], "homepage": u["table"] if web else None,  # the same table, queryable
        "format": "csv", "mediatype": CSV, "encoding": "utf-8", "licenses": licences,
        "bytes": files[csv_name]["bytes"] if files else None,
        "hash": f"sha256:{files[csv_name]['sha256']}" if files else None,
        "schema": {"fields": [table_field(c) for c in published_columns(entry)]},
    })
    return _present({
        "profile": "tabular-data-package", "name": ident, "id": u["page"] if web else None,
        "title": record["title"], "description": record["description"], "homepage": u["page"] if web else None,
        "version": entry.get("content_hash"), "created": entry.get("published_at"),
        "keywords": list(record["keywords"]), "licenses": licences,
        "sources": [_present({"title": record["department"]["name"], "path": u["page"] if web else None})],
        "contributors": [{"title": record["department"]["name"], "role": "publisher"}],
        "resources": [resource],
    })


def _present(d: dict) -> dict:
    """The dict without its None values (the profiles type every key they know)."""
    return {k: v for k, v in d.items() if v is not None}


# --- CKAN package ---------------------------------------------------------------------------------

# Download files (portal/downloads.py) in the order CKAN lists them: name ({id}: identifier), format, label.
CKAN_DOWNLOADS = (("{id}.csv", "CSV", "CSV（UTF-8）"), ("{id}-excel.csv", "CSV", "CSV（Excel，UTF-8 BOM）"),
                  ("{id}.xlsx", "XLSX", "Excel 工作簿"), ("{id}.json", "JSON", "JSON"),
                  ("datapackage.json", "JSON", "数据包描述 datapackage.json"), ("{id}-receipt.json", "JSON", "脱敏处理回执"))
# Field dictionary keys carried in the `columns` extra (portal/harvest.py reads them back).
CKAN_COLUMN_KEYS = ("name", "type", "description", "unit", "personal", "facet", "search", "free_text",
                    "quasi_identifier")


def to_ckan_package(entry: dict, base_url: str, today: date | None = None) -> dict:
    """A CKAN `package_show` result (CKAN 2.10 field names) for one catalogue entry.

    - name/id: the identifier; owner_org/organization: the providing department (its slug);
    - tags: keywords; groups: themes (name = theme code, title = Chinese term);
    - resources: see ckan_resources; extras: see ckan_extras (a withdrawn dataset stays listed,
      marked withdrawn=true, with no resources).
    """
    record, u = entry["record"], urls(entry, base_url)
    org = ckan_organization(entry)
    lic_name, lic_url = s.LICENCES[record["licence"]]
    resources = ckan_resources(entry, base_url)
    tags = [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, "tag:" + k)), "name": k, "display_name": k,
             "state": "active", "vocabulary_id": None} for k in record["keywords"]]
    groups = [{"id": theme_code(t), "name": theme_code(t), "title": t, "display_name": t, "description": "",
               "image_display_url": ""} for t in record["themes"]]
    return {
        "id": entry["identifier"], "name": entry["identifier"], "title": record["title"], "type": "dataset",
        "notes": record["description"], "url": u["page"], "state": "active", "private": False,
        "version": entry.get("content_hash"), "author": record["department"]["name"], "author_email": None,
        "maintainer": record["contact"]["name"], "maintainer_email": record["contact"].get("email"),
        "license_id": record["licence"], "license_title": lic_name, "license_url": lic_url,
        "isopen": open_code(entry) == "open", "owner_org": org["id"], "organization": org,
        "metadata_created": record.get("issued") or entry.get("published_at"),
        "metadata_modified": entry.get("published_at"),
        "tags": tags, "num_tags": len(tags), "groups": groups,
        "resources": resources, "num_resources": len(resources),
        "extras": ckan_extras(entry, today), "relationships_as_object": [], "relationships_as_subject": [],
    }


def ckan_organization(entry: dict) -> dict:
    dept = entry["record"]["department"]
    slug = s.Department(dept["name"], dept.get("code")).slug
    return {"id": slug, "name": slug, "title": dept["name"], "display_name": dept["name"],
            "type": "organization", "is_organization": True, "state": "active",
            "approval_status": "approved", "description": "", "image_url": "",
            "created": entry.get("published_at")}


def ckan_resources(entry: dict, base_url: str) -> list[dict]:
    """Public data: the queryable table (the DataStore resource, id = identifier) and every download
    file with its size and sha256; 依申请开放: the request form; 不予开放 or withdrawn: nothing."""
    u, ident, when = urls(entry, base_url), entry["identifier"], entry.get("published_at")
    common = {"package_id": ident, "state": "active", "url_type": None, "created": when, "last_modified": when}
    if "csv" in u:
        out = [{**common, "id": ident, "name": f"{entry['record']['title']}（在线查询）", "url": u["table"],
                "format": "API", "mimetype": JSON_TYPE, "datastore_active": True,
                "hash": entry.get("content_hash") or "",
                "description": "Datasette 表：可筛选、排序、全文检索；亦可用 datastore_search 查询。"},
               *_ckan_downloads(entry, u, common)]
    elif open_code(entry) == "on_request" and not is_withdrawn(entry):
        out = [{**common, "id": f"{ident}--request", "name": "依申请开放：提交数据申请", "url": u["request"],
                "format": "HTML", "mimetype": "text/html", "datastore_active": False, "hash": "",
                "description": "该数据依申请开放，经审核批准后提供"}]
    else:
        out = []
    return [{**r, "position": i} for i, r in enumerate(out)]


def _ckan_downloads(entry: dict, u: dict, common: dict) -> list[dict]:
    """One resource per recorded download file: known kinds in CKAN_DOWNLOADS order, any other after."""
    files, ident, title = download_files(entry), entry["identifier"], entry["record"]["title"]
    known = [(name.format(id=ident), fmt, label) for name, fmt, label in CKAN_DOWNLOADS]
    listed = [k for k in known if k[0] in files]
    listed += [(n, n.rsplit(".", 1)[-1].upper(), n) for n in sorted(set(files) - {k[0] for k in known})]
    return [{**common, "id": f"{ident}--{name.replace('.', '-')}", "name": f"{title} {label}", "format": fmt,
             "url": u["downloads"] + name, "size": files[name]["bytes"], "hash": f"sha256:{files[name]['sha256']}",
             "mimetype": files[name]["media_type"].split(";")[0], "datastore_active": False, "description": label}
            for name, fmt, label in listed]


def ckan_columns(record: dict) -> list[dict]:
    """The published field dictionary in our own terms, personal kind and the rule applied included,
    so a portal harvesting this one (portal/harvest.py) keeps treating those columns as personal."""
    return [{k: c[k] for k in CKAN_COLUMN_KEYS if c.get(k)} | ({"rule": c["rule"]} if c.get("personal") else {})
            for c in record["columns"] if c["rule"]["op"] != "drop"]


def ckan_extras(entry: dict, today: date | None = None) -> list[dict]:
    """Catalogue fields as CKAN extras ({key, value} strings), sorted by key like CKAN does."""
    r, withdrawn = entry["record"], is_withdrawn(entry)
    share_codes = [s.SHARE_METHODS[m] for m in r["share_method"]]
    fields = {
        "title_en": r.get("title_en"), "department_code": r["department"].get("code"),
        "open_type": r["open_type"], "open_type_code": open_code(entry),
        "share_type": r["share_type"], "share_type_code": s.SHARE_TYPES[r["share_type"]],
        "share_method": "、".join(r["share_method"]), "share_method_codes": ",".join(share_codes),
        "legal_basis": r.get("legal_basis"), "update_frequency": r["update_frequency"],
        "update_frequency_code": frequency_code(r), "last_updated": r["last_updated"],
        "issued": r.get("issued"), "overdue": str(is_overdue(r, today)).lower(),
        "security_level": r["security_level"], "security_level_code": s.SECURITY_LEVELS[r["security_level"]],
        "usage_requirements": r["usage_requirements"], "source_format": r["format"],
        "source_format_code": s.FORMATS[r["format"]], "themes": "、".join(r["themes"]),
        "theme_codes": ",".join(theme_code(t) for t in r["themes"]), "k_anonymity": r.get("k_anonymity"),
        "contact_name": r["contact"]["name"], "contact_phone": r["contact"].get("phone"),
        "contact_email": r["contact"].get("email"), "spatial": r.get("spatial"),
        "temporal_start": r.get("temporal_start"), "temporal_end": r.get("temporal_end"),
        "database": entry.get("database"), "row_count": entry.get("row_count"),
        "content_hash": entry.get("content_hash"), "published_at": entry.get("published_at"),
        "withdrawn": str(withdrawn).lower(), "withdrawn_reason": entry.get("withdrawn_reason") if withdrawn else None,
        "columns": json.dumps(ckan_columns(r), ensure_ascii=False),
        "field_dictionary": json.dumps([table_field(c) for c in published_columns(entry)], ensure_ascii=False)
        if entry.get("database") else None,
    }
    return [{"key": k, "value": str(v)} for k, v in sorted(fields.items()) if v not in (None, "")]
