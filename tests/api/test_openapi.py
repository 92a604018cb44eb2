"""The OpenAPI document and the interactive docs, served without any CDN."""

import re

from django.test import Client


def test_openapi_lists_the_lead_endpoints(db):
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths["/api/v1/leads"]) == {"get", "post"}
    assert set(paths["/api/v1/leads/{lead_id}"]) == {"get", "patch"}
    for action in ("move", "outcome", "reopen"):
        assert set(paths[f"/api/v1/leads/{{lead_id}}/{action}"]) == {"post"}
    assert set(paths["/api/v1/leads/{lead_id}/timeline"]) == {"get"}
    schemes = response.json()["components"]["securitySchemes"]
    assert schemes["BearerToken"] == {"type": "http", "scheme": "bearer"}


def test_docs_page_loads_only_local_assets(db):
    client = Client()

    page = client.get("/api/v1/docs")

    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert {a.rsplit("/", 1)[-1] for a in assets} >= {
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-init.js",
    }
    for asset in assets:
        assert asset.startswith("/static/ninja/"), asset
        response = client.get(asset)
        assert response.status_code == 200, asset
        response.close()
