"""The OpenAPI document and the interactive docs, served without any CDN."""

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
    assert "cdn" not in html.lower()
    assert "https://" not in html and "http://" not in html
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js"):
        assert f"/api/v1/docs/assets/{asset}" in html
        assert client.get(f"/api/v1/docs/assets/{asset}").status_code == 200


def test_docs_assets_refuse_other_files(db):
    response = Client().get("/api/v1/docs/assets/__init__.py")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
