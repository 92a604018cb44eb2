"""The interactive docs page, served with the swagger-ui files that ship inside django-ninja.

ninja renders its local (no CDN) template only when "ninja" is an installed app; Truce does not
install it, so this page points at the same files served by `asset` below instead of a CDN.
"""

import json
import mimetypes
from pathlib import Path
from typing import Any

import ninja
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.html import escape
from ninja.openapi.docs import DocsBase

from .responses import error_item, error_response

ASSET_DIR = Path(ninja.__file__).parent / "static" / "ninja"
ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js", "favicon.png"})

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="{assets}swagger-ui.css">
<link rel="icon" href="{assets}favicon.png">
</head>
<body data-csrf-token="{csrf}" data-api-csrf="true">
<script type="application/json" id="swagger-settings">{settings}</script>
<div id="swagger-ui"></div>
<script src="{assets}swagger-ui-bundle.js"></script>
<script src="{assets}swagger-ui-init.js"></script>
</body>
</html>
"""


class LocalSwagger(DocsBase):
    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> HttpResponse:
        from django.middleware.csrf import get_token

        url = self.get_openapi_url(api, kwargs)
        settings = {"url": url, "layout": "BaseLayout", "deepLinking": True}
        html = _PAGE.format(
            title=escape(api.title),
            assets=escape(url.rsplit("/", 1)[0] + "/docs/assets/"),
            csrf=escape(get_token(request)),
            settings=json.dumps(settings).replace("<", "\\u003c"),
        )
        return HttpResponse(html)


def asset(request: HttpRequest, name: str) -> HttpResponseBase:
    if name not in ASSETS:
        message = f"No API endpoint at /api/v1/docs/assets/{name}."
        return error_response(404, [error_item("not_found", None, message)])
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse((ASSET_DIR / name).open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response
