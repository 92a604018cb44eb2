"""The export download behind the "Export CSV" / "Export JSON" links of the list pages."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from truce.errors import DomainError

from . import export
from .api import streamed

# The page's own parameters, which are no filters.
_PAGE_PARAMS = frozenset({"format", "page"})


@login_required
def download(request: HttpRequest, kind: str) -> HttpResponse:
    params = {k: str(v) for k, v in request.GET.items() if k not in _PAGE_PARAMS}
    try:
        job = export.start_export(
            kind=kind, format=request.GET.get("format", "csv"), user=request.user, params=params
        )
    except DomainError as error:
        context = {"error": error.message, "field": error.field}
        return render(request, "transfer/export_error.html", context, status=error.status)
    return streamed(job)  # type: ignore[return-value]
