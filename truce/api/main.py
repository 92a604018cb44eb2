"""Placeholder: the API is assembled here (see docs/reference/api.md)."""

from django.http import JsonResponse
from ninja import NinjaAPI

api = NinjaAPI(title="Truce API", version="1", urls_namespace="api")


def unknown_endpoint(request, rest: str):
    return JsonResponse(
        {"code": "not_found", "field": None, "message": f"No API endpoint at /api/v1/{rest}."},
        status=404,
    )
