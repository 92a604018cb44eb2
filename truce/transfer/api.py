"""REST endpoints for getting data out: `GET /api/v1/export/{kind}` streams a list or report."""

from typing import Annotated

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Path, Query, Router

from truce.api.auth import actor
from truce.api.schemas import ERRORS

from . import export

router = Router()

KindPath = Annotated[str, Path(max_length=32, description=f"One of {', '.join(export.KINDS)}.")]
Format = Annotated[str, Query("csv", max_length=16, description="csv, json or jsonl.")]


def streamed(job: export.Export) -> StreamingHttpResponse:
    response = StreamingHttpResponse(job.chunks(), content_type=job.content_type)
    response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@router.get("/export/{kind}", response={200: None, **ERRORS}, tags=["export"])
def export_kind(
    request: HttpRequest, kind: KindPath, format: Format = "csv"
) -> StreamingHttpResponse:
    """Stream every row of a list or report the caller may see, as CSV, JSON or JSON Lines.

    Any other query parameter is a filter of that kind (the same names as its list endpoint);
    an unknown one is refused. See docs/reference/api.md for the columns.
    """
    params = {k: str(v) for k, v in request.GET.items() if k != "format"}
    job = export.start_export(kind=kind, format=format, user=actor(request), params=params)
    return streamed(job)
