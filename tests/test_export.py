"""Catalogue exports: DCAT-AP 3 conforms to the official SHACL shapes; data.json and datapackage.json
validate against their published JSON schemas (shipped in tests/data/schemas, nothing downloaded)."""
from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import pyshacl
import pytest
import rdflib
from jsonschema import Draft4Validator
from rdflib.namespace import SH
from referencing import Registry
from referencing.jsonschema import DRAFT4

from metadata import export
from metadata.schema import OPEN_TYPES
from metadata.validate import load_all
from portal import config as config_mod
from portal.downloads import media_type
from portal.publish import record_json

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://data.example.gov.cn"
DCAT_AP = ROOT / "tests" / "data" / "dcat-ap"  # the official DCAT-AP 3.0.1 shapes, copied from shared/dcat-ap
SCHEMAS = Path(__file__).parent / "data" / "schemas"
EU_ACCESS = "http://publications.europa.eu/resource/authority/access-right/"
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
TODAY = date(2026, 11, 22)
REASON = "发现未脱敏的个人信息"


def fake_downloads(ident: str) -> str:
    """_catalog.downloads as publish records it (JSON text), with made-up sizes and digests."""
    names = [f"{ident}.csv", f"{ident}-excel.csv", f"{ident}.xlsx", f"{ident}.json", "datapackage.json",
             f"{ident}-receipt.json"]
    return json.dumps({"files": {n: {"sha256": hashlib.sha256(n.encode()).hexdigest(), "bytes": 100 + i,
                                      "media_type": media_type(n)} for i, n in enumerate(names)}})


def withdraw(entry: dict) -> dict:
    """The _catalog row as publish leaves it once a reviewer has withdrawn the dataset."""
    return {**entry, "database": None, "row_count": None, "content_hash": None, "columns": [], "receipt": None,
            "downloads": None, "withdrawn": 1, "withdrawn_reason": REASON}


@pytest.fixture(scope="module")
def entries() -> dict[str, dict]:
    """_catalog entries of every sample dataset, built in-process the way publish writes them."""
    records, _ = load_all(ROOT / "datasets", check_source=False)
    db = {"无条件开放": "data", "依申请开放": "restricted", "不予开放": None}
    out = {}
    for r in records:
        published = db[r.open_type] is not None
        out[r.identifier] = {
            "identifier": r.identifier, "title": r.title, "department": r.department.name,
            "open_type": r.open_type, "database": db[r.open_type],
            "row_count": 10 if published else None, "content_hash": "sha256:" + "0" * 64 if published else None,
            "columns": [c.name for c in r.columns if c.published] if published else [],
            "published_at": "2026-11-22T02:00:00+00:00", "record": record_json(r), "receipt": None,
            "downloads": fake_downloads(r.identifier) if db[r.open_type] == "data" else None,
            "withdrawn": 0, "withdrawn_reason": None,
        }
    assert {e["record"]["open_type"] for e in out.values()} == set(OPEN_TYPES), "samples cover every open type"
    return out


# --- DCAT-AP 3.0.1 with pySHACL --------------------------------------------------------------------

def shapes(name: str) -> rdflib.Graph:
    """An official shapes file. The ranges file names property shapes it never defines (no triples,
    so no constraints); pySHACL refuses such dangling names, so they are unlinked, nothing else."""
    g = rdflib.Graph().parse(DCAT_AP / f"dcat-ap-3.0.1-{name}.ttl")
    for node, prop in list(g.subject_objects(SH.property)):
        if g.value(prop, SH.path) is None:
            g.remove((node, SH.property, prop))
    return g


@pytest.fixture(scope="module")
def dcat_shapes() -> list[rdflib.Graph]:
    return [shapes("SHACL"), shapes("ranges")]


def dcat_graph(doc: dict) -> rdflib.Graph:
    # The context is inline: parsing must not (and cannot) fetch anything.
    assert isinstance(doc["@context"], dict)
    return rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")


def violations(graph: rdflib.Graph, shape_graphs) -> list[str]:
    out = []
    for sg in shape_graphs:
        conforms, _, text = pyshacl.validate(graph, shacl_graph=sg)
        if not conforms:
            out.append(text)
    return out


def test_dcat_export_conforms_to_dcat_ap_shapes(entries, dcat_shapes):
    doc = export.to_dcat(entries, BASE, today=TODAY)
    g = dcat_graph(doc)
    assert violations(g, dcat_shapes) == []
    assert len(set(g.subjects(rdflib.RDF.type, DCAT.Dataset))) == len(entries)


def test_dcat_checks_are_not_vacuous(entries, dcat_shapes):
    """The same validation fails once a mandatory value or a declared class is missing."""
    doc = export.to_dcat(entries, BASE, today=TODAY)
    no_title = copy.deepcopy(doc)
    del no_title["dcat:dataset"][0]["dct:title"]
    assert violations(dcat_graph(no_title), dcat_shapes[:1])
    untyped = copy.deepcopy(doc)
    untyped["dcat:dataset"][0]["dcat:contactPoint"]["@type"] = "foaf:Document"  # not a vcard:Kind
    assert violations(dcat_graph(untyped), dcat_shapes[1:])


def test_dcat_access_rights_and_distributions_follow_open_type(entries):
    g = dcat_graph(export.to_dcat(entries, BASE, today=TODAY))
    expected = {"无条件开放": "PUBLIC", "依申请开放": "RESTRICTED", "不予开放": "NON_PUBLIC"}
    for ident, e in entries.items():
        ds = rdflib.URIRef(f"{BASE}/datasets/{ident}/#dataset")
        assert g.value(ds, DCT.accessRights) == rdflib.URIRef(EU_ACCESS + expected[e["open_type"]])
        downloads = {str(u) for d in g.objects(ds, DCAT.distribution) for u in g.objects(d, DCAT.downloadURL)}
        if e["database"] == "data":
            assert downloads == {f"{BASE}/downloads/{ident}/{ident}.csv"}
        else:
            assert downloads == set()  # no data distribution for restricted or closed data
        if e["record"].get("legal_basis"):
            rights = g.value(ds, DCT.rights)
            assert str(g.value(rights, rdflib.RDFS.label)) == e["record"]["legal_basis"]


def test_not_open_dataset_appears_with_legal_basis_and_nothing_to_download(entries):
    closed = [e for e in entries.values() if e["open_type"] == "不予开放"]
    for e in closed:
        pkg = export.to_ckan_package(e, BASE, today=TODAY)
        assert pkg["resources"] == [] and pkg["num_resources"] == 0
        extras = {x["key"]: x["value"] for x in pkg["extras"]}
        assert extras["legal_basis"] == e["record"]["legal_basis"]
        assert extras["open_type_code"] == "not_open"
        pod = export.datajson_dataset(e, BASE, TODAY)
        assert pod["accessLevel"] == "non-public" and "distribution" not in pod
        assert pod["rights"] == e["record"]["legal_basis"][:255]
        with pytest.raises(ValueError):
            export.to_datapackage(e, BASE)


# --- data.json (Project Open Data v1.1) --------------------------------------------------------------

def pod_validator(folder: str) -> Draft4Validator:
    """The published schema files, resolved from disk by their own ids (no network)."""
    files = [json.loads(p.read_text(encoding="utf-8")) for p in (SCHEMAS / folder).glob("*.json")]
    registry = Registry().with_resources((DRAFT4.create_resource(f).id(), DRAFT4.create_resource(f))
                                         for f in files)
    root = json.loads((SCHEMAS / folder / "catalog.json").read_text(encoding="utf-8"))
    return Draft4Validator(root, registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)


def test_datajson_validates_against_pod_schema(entries):
    doc = export.to_datajson(entries, BASE, today=TODAY)
    assert [e.message for e in pod_validator("pod-v1.1-non-federal").iter_errors(doc)] == []
    # The federal schema adds only US budget codes (bureauCode, programCode) that a Chinese
    # portal has none of; everything else must pass it too.
    federal = {e.message for e in pod_validator("pod-v1.1").iter_errors(doc)}
    assert federal == {"'bureauCode' is a required property", "'programCode' is a required property"}
    levels = {d["identifier"]: d["accessLevel"] for d in doc["dataset"]}
    mapping = {"open": "public", "on_request": "restricted public", "not_open": "non-public"}
    assert levels == {i: mapping[OPEN_TYPES[e["open_type"]]] for i, e in entries.items()}


def test_datajson_schema_rejects_a_bad_access_level(entries):
    doc = export.to_datajson(entries, BASE, today=TODAY)
    doc["dataset"][0]["accessLevel"] = "secret"
    assert list(pod_validator("pod-v1.1-non-federal").iter_errors(doc))


# --- datapackage.json (Frictionless Tabular Data Package v1) -----------------------------------------

@pytest.fixture(scope="module")
def datapackage_validator() -> Draft4Validator:
    profile = json.loads((SCHEMAS / "datapackage-v1" / "tabular-data-package.json").read_text(encoding="utf-8"))
    return Draft4Validator(profile)


def test_datapackage_validates_and_follows_field_dictionary(entries, datapackage_validator):
    open_entries = [e for e in entries.values() if e["database"] == "data"]
    assert open_entries
    for e in open_entries:
        pkg = export.to_datapackage(e, BASE)
        assert [x.message for x in datapackage_validator.iter_errors(pkg)] == []
        res = pkg["resources"][0]
        assert res["path"] == f"{BASE}/downloads/{e['identifier']}/{e['identifier']}.csv"
        assert res["homepage"] == f"{BASE}/data/{e['identifier']}"
        fields = res["schema"]["fields"]
        assert [f["name"] for f in fields] == e["columns"]  # dropped columns are not described
        for f in fields:
            col = next(c for c in e["record"]["columns"] if c["name"] == f["name"])
            assert f["type"] == export.TABLE_TYPES[col["type"]][0]
            assert f["description"] == col["description"] and f.get("unit") == col.get("unit")
        # The copy written beside the CSV at publish time (no host known): relative path, size and hash.
        files = json.loads(e["downloads"])["files"]
        beside = export.to_datapackage(e, "", files)
        assert [x.message for x in datapackage_validator.iter_errors(beside)] == []
        res = beside["resources"][0]
        csv_info = files[f"{e['identifier']}.csv"]
        assert (res["path"], res["bytes"], res["hash"]) == (
            f"{e['identifier']}.csv", csv_info["bytes"], "sha256:" + csv_info["sha256"])
        assert "homepage" not in beside and "homepage" not in res and res["schema"] == pkg["resources"][0]["schema"]


def test_datapackage_profile_rejects_a_bad_field_type(entries, datapackage_validator):
    e = entries["air-quality"]
    pkg = export.to_datapackage(e, BASE)
    pkg["resources"][0]["schema"]["fields"][0]["type"] = "text"  # not a Table Schema type
    assert list(datapackage_validator.iter_errors(pkg))


# --- schema.org and CKAN -----------------------------------------------------------------------------

def test_schema_org_dataset(entries):
    e = entries["air-quality"]
    doc = export.to_schema_org(e, BASE, TODAY)
    assert doc["@type"] == "Dataset" and doc["name"] == e["record"]["title"]
    assert doc["license"] == "https://creativecommons.org/licenses/by/4.0/"
    units = {v["name"]: v.get("unitText") for v in doc["variableMeasured"]}
    assert units["PM2.5"] == "μg/m³"
    assert {d["contentUrl"] for d in doc["distribution"]} == {
        f"{BASE}/downloads/air-quality/air-quality.csv", f"{BASE}/data/air-quality.json"}
    closed = next(x for x in entries.values() if x["open_type"] == "不予开放")
    assert "distribution" not in export.to_schema_org(closed, BASE, TODAY)


def test_ckan_package_carries_codes_and_chinese_terms(entries):
    e = entries["hotline-12345"]
    pkg = export.to_ckan_package(e, BASE, today=TODAY)
    assert pkg["name"] == "hotline-12345" and pkg["license_id"] == "CC-BY-4.0"
    assert pkg["organization"]["title"] == e["record"]["department"]["name"]
    assert [t["name"] for t in pkg["tags"]] == list(e["record"]["keywords"])
    assert [g["title"] for g in pkg["groups"]] == list(e["record"]["themes"])
    extras = {x["key"]: x["value"] for x in pkg["extras"]}
    assert (extras["share_type"], extras["share_type_code"]) == ("有条件共享", "conditional")
    assert extras["update_frequency_code"] == "daily"
    assert all(isinstance(x["value"], str) for x in pkg["extras"])
    assert extras["withdrawn"] == "false" and "withdrawn_reason" not in extras
    # The queryable table (CKAN's DataStore resource), then every download with its size and hash.
    table, *files = pkg["resources"]
    assert table["datastore_active"] and table["id"] == "hotline-12345" and table["url"] == f"{BASE}/data/hotline-12345"
    assert [r["format"] for r in files] == ["CSV", "CSV", "XLSX", "JSON", "JSON", "JSON"]
    recorded = json.loads(e["downloads"])["files"]
    assert {r["url"] for r in files} == {f"{BASE}/downloads/hotline-12345/{n}" for n in recorded}
    for r in files:
        info = recorded[r["url"].rsplit("/", 1)[1]]
        assert (r["size"], r["hash"]) == (info["bytes"], "sha256:" + info["sha256"]) and not r["datastore_active"]
    assert len({r["id"] for r in pkg["resources"]}) == pkg["num_resources"] == 7
    # The field dictionary harvest-ckan reads back: published columns, personal ones with their rule.
    columns = json.loads(extras["columns"])
    assert [c["name"] for c in columns] == e["columns"]
    assert all(c["rule"]["op"] != "drop" for c in columns if c.get("personal"))
    on_request = next(x for x in entries.values() if x["open_type"] == "依申请开放")
    (res,) = export.to_ckan_package(on_request, BASE, today=TODAY)["resources"]
    assert res["url"] == f"{BASE}/requests/?dataset={on_request['identifier']}"


def test_withdrawn_datasets_stay_listed_marked_and_without_data(entries, dcat_shapes):
    gone = {"hotline-12345", next(i for i, e in entries.items() if e["open_type"] == "依申请开放")}
    mixed = {i: withdraw(e) if i in gone else e for i, e in entries.items()}
    doc = export.to_dcat(mixed, BASE, today=TODAY)
    g = dcat_graph(doc)
    assert violations(g, dcat_shapes) == []
    ns = rdflib.Namespace(f"{BASE}/ns#")
    for ident in entries:
        ds = rdflib.URIRef(f"{BASE}/datasets/{ident}/#dataset")
        assert (ident in gone) == (REASON in str(g.value(ds, DCT.description)))
        assert g.value(ds, ns.withdrawn).toPython() is (ident in gone)
        if ident in gone:
            assert list(g.objects(ds, DCAT.distribution)) == [] and str(g.value(ds, ns.withdrawnReason)) == REASON
    pod = export.to_datajson(mixed, BASE, today=TODAY)
    assert [e.message for e in pod_validator("pod-v1.1-non-federal").iter_errors(pod)] == []
    by_id = {d["identifier"]: d for d in pod["dataset"]}
    assert set(by_id) == set(entries)  # still listed
    for ident in gone:
        assert "distribution" not in by_id[ident] and "已撤回" in by_id[ident]["description"]
    assert "distribution" in by_id["air-quality"]
    for ident in gone:
        pkg = export.to_ckan_package(mixed[ident], BASE, today=TODAY)
        extras = {x["key"]: x["value"] for x in pkg["extras"]}
        assert (extras["withdrawn"], extras["withdrawn_reason"]) == ("true", REASON)
        assert pkg["resources"] == [] and pkg["num_resources"] == 0 and pkg["state"] == "active"
        assert "distribution" not in export.to_schema_org(mixed[ident], BASE, TODAY)
        with pytest.raises(ValueError):
            export.to_datapackage(mixed[ident], BASE)
    # Marked withdrawn while the row still names its data: nothing of the data is exported either.
    stale = {**entries["hotline-12345"], "withdrawn": 1, "withdrawn_reason": REASON}
    assert export.to_ckan_package(stale, BASE, today=TODAY)["resources"] == []
    assert export.dcat_dataset(stale, BASE, TODAY)["dcat:distribution"] == []


# --- HTTP routes over a real (small) published release ----------------------------------------------

@pytest.fixture(scope="module")
def portal_client(tmp_path_factory):
    """A published release of three samples (one per open type), served by Datasette in-process."""
    from portal.publish import publish
    from portal.serve import make_datasette
    work = tmp_path_factory.mktemp("exports")
    for slug in ("admin-penalty", "emergency-supply-depots", "water-use-enterprises"):
        shutil.copytree(ROOT / "datasets" / slug, work / "datasets" / slug)
    config = work / "portal.toml"
    config.write_text(f'datasets_dir = "{work / "datasets"}"\nbuild_dir = "{work / "build"}"\n'
                      f'state_dir = "{work / "state"}"\n', encoding="utf-8")
    cfg = config_mod.load(config)
    publish(cfg)
    ds = make_datasette(cfg, config)
    asyncio.run(ds.invoke_startup())
    return ds


def get(ds, path: str):
    return asyncio.run(ds.client.get(path))


def test_catalog_jsonld_route_serves_published_catalogue(portal_client, dcat_shapes):
    r = get(portal_client, "/catalog.jsonld")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/ld+json")
    g = dcat_graph(r.json())
    assert violations(g, dcat_shapes) == []
    idents = {str(o) for o in g.objects(None, DCT.identifier)}
    assert {"admin-penalty", "emergency-supply-depots", "water-use-enterprises"} <= idents
    assert "air-quality" not in idents  # only what this release published


def test_data_json_route_wins_over_the_data_database(portal_client):
    r = get(portal_client, "/data.json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    doc = r.json()
    assert doc["conformsTo"] == "https://project-open-data.cio.gov/v1.1/schema"  # not Datasette's db JSON
    assert [e.message for e in pod_validator("pod-v1.1-non-federal").iter_errors(doc)] == []
    assert {d["identifier"] for d in doc["dataset"]} == {
        "admin-penalty", "emergency-supply-depots", "water-use-enterprises"}
    # Datasette still answers the database's tables.
    assert get(portal_client, "/data/admin-penalty.json").status_code == 200
