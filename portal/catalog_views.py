"""HTTP routes of the catalogue exports: /catalog.jsonld (DCAT-AP 3) and /data.json (Project Open Data)."""
from __future__ import annotations

import json

from datasette.utils.asgi import Response

from metadata import export


def _base_url(datasette, request) -> str:
    """[site] base_url, or the checked Host the client used (portal/public_url.py)."""
    from .public_url import base_url
    return base_url(request.scope)


def _catalog(datasette) -> dict:
    from .plugin import state_for
    return state_for(datasette).catalog()


def _json(doc: dict, content_type: str) -> Response:
    body = json.dumps(doc, ensure_ascii=False, indent=2)
    return Response(body, content_type=f"{content_type}; charset=utf-8",
                    headers={"Access-Control-Allow-Origin": "*"})


async def catalog_jsonld(datasette, request) -> Response:
    """The published catalogue in DCAT-AP 3.0.1, JSON-LD with an inline context."""
    return _json(export.to_dcat(_catalog(datasette), _base_url(datasette, request)), "application/ld+json")


async def data_json(datasette, request) -> Response:
    """The published catalogue as a Project Open Data v1.1 data.json."""
    return _json(export.to_datajson(_catalog(datasette), _base_url(datasette, request)), "application/json")


# Plugin routes are matched before Datasette's own, so /data.json is ours, not the `data` database's.
ROUTES = [(r"^/catalog\.jsonld$", catalog_jsonld), (r"^/data\.json$", data_json)]
