"""harvest-ckan: CKAN packages become valid dataset folders; a portal harvested from ours serves the same list."""
from __future__ import annotations

import csv

import ckanapi
import pytest
import requests
import yaml

from metadata.validate import load
from portal import harvest

from conftest import Server, run_portal, write_config

FOREIGN = {  # a package as a plain CKAN portal returns it: Chinese extras keys, no field dictionary
    "name": "Bus_Stops", "title": "公交站点", "notes": "", "license_id": "cc-zero",
    "organization": {"name": "transport", "title": "某市交通运输局"}, "maintainer": "数据科",
    "maintainer_email": "data@example.gov.cn", "metadata_modified": "2025-03-04T10:00:00",
    "tags": [{"name": "公交"}], "groups": [{"name": "transport", "title": "交通出行"}],
    "extras": [{"key": "开放属性", "value": "依申请开放"}, {"key": "更新周期", "value": "每月"},
               {"key": "共享方式", "value": "查询引用、批量复制"}],
    "resources": [{"id": "r1", "format": "XLS", "url": "http://127.0.0.1:9/stops.xls", "datastore_active": True}],
}


class StubRemote:
    """Stands in for RemoteCKAN where a test needs only datastore_search's field list."""
    address = "http://ckan.example"

    class action:
        @staticmethod
        def datastore_search(resource_id, limit):
            return {"fields": [{"id": "_id", "type": "int"}, {"id": "站点名称", "type": "text"},
                               {"id": "线路数", "type": "int4", "info": {"notes": "经停线路数量"}}]}


def test_foreign_package_maps_to_a_valid_record_with_stated_defaults(tmp_path):
    folder = harvest.harvest_package(StubRemote(), requests.Session(), FOREIGN, tmp_path)
    assert folder.name == "bus-stops"
    record, _ = load(folder)
    assert record.open_type == "依申请开放" and record.update_frequency == "每月"
    assert record.share_method == ("查询引用", "批量复制") and record.themes == ("交通出行",)
    assert record.licence == "CC0-1.0" and record.department.name == "某市交通运输局"
    assert [(c.name, c.type) for c in record.columns] == [("站点名称", "text"), ("线路数", "integer")]
    assert record.legal_basis == harvest.DEFAULTS["legal_basis"]
    text = (folder / "dataset.yaml").read_text(encoding="utf-8")
    assert "legal_basis" in text.splitlines()[1] and "description" in text.splitlines()[1]
    with (folder / "data.csv").open(encoding="utf-8") as f:
        assert list(csv.reader(f)) == [["站点名称", "线路数"]]  # the XLS resource is not CSV: header only


def test_slug_and_terms():
    assert harvest.slug("Air_Quality 2024") == "air-quality-2024"
    assert harvest._terms("查询引用、批量复制", {"查询引用": 1, "批量复制": 2}) == ["查询引用", "批量复制"]
    assert harvest._terms('["批量复制", "x"]', {"批量复制": 2}) == ["批量复制"]


@pytest.mark.server
def test_round_trip_from_a_running_portal(server, tmp_path):
    datasets = tmp_path / "datasets"
    config = write_config(tmp_path, datasets)
    proc = run_portal(config, "harvest-ckan", server.url, "--datasets-dir", str(datasets))
    assert "0 个失败" in proc.stdout
    original = ckanapi.RemoteCKAN(server.url)
    hotline = yaml.safe_load((datasets / "hotline-12345" / "dataset.yaml").read_text(encoding="utf-8"))
    assert hotline["title"] == original.action.package_show(id="hotline-12345")["title"]
    run_portal(config, "publish")
    second = Server(config).start()
    try:
        copy = ckanapi.RemoteCKAN(second.url)
        assert copy.action.package_list() == original.action.package_list()
        q = {"resource_id": "hotline-12345", "limit": 0}
        assert copy.action.datastore_search(**q)["total"] == original.action.datastore_search(**q)["total"]
    finally:
        second.stop()


@pytest.mark.server
def test_unreachable_portal_is_a_clear_error(tmp_path):
    config = write_config(tmp_path, tmp_path / "datasets")
    proc = run_portal(config, "harvest-ckan", "http://127.0.0.1:9", "--datasets-dir", str(tmp_path / "d"), check=False)
    assert proc.returncode == 1 and "无法连接" in proc.stderr and "Traceback" not in proc.stderr
