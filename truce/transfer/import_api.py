"""REST endpoints for imports: upload a file to import (checked now, run by a worker), follow
the job, fetch its bad rows, and keep saved mappings. See docs/reference/api.md."""

import json
from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from ninja import Router, Schema
from pydantic import Field

from truce.api.auth import AUTH, Session, actor
from truce.api.pagination import Cursor, Limit, page
from truce.api.responses import json_response
from truce.api.schemas import ERRORS, ErrorOut, Id, Input
from truce.errors import Conflict, DomainError, NotFound
from truce.identity.permissions import require

from . import import_selectors as selectors
from . import import_services as services
from .import_uploads import store_upload, too_large_error, was_too_large
from .imports.coercion import DATE_FORMATS
from .imports.fields import FACT_PREFIX, PRESETS, fields_of
from .imports.mapping import MappingError, fields_by_kind, parse_spec
from .models import ImportJob, ImportKind, ImportMapping

router = Router(tags=["imports"])

UPLOAD_PARTS = {"kind", "file", "mapping", "mapping_id", "preset", "dry_run", "skip_bad_rows"}
MAX_MAPPING_BYTES = 1 << 20
_PARTS = ", ".join(sorted(UPLOAD_PARTS))
_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off", ""}


class BadRowOut(Schema):
    line: int
    column: str | None
    reason: str


class ImportOut(Schema):
    id: int
    kind: str
    status: str
    dry_run: bool
    mode: str
    source_name: str
    source_size: int
    source_sha256: str
    message: str
    rows_total: int
    created: int
    updated: int
    unchanged: int
    bad: int
    done: int = Field(description="Rows written (counted, in a dry run) so far.")
    total: int = Field(description="Rows to write: the file's rows less the bad ones.")
    progress: float = Field(description="done / total, from 0 to 1.")
    rate: float = Field(description="Rows per second since the job started.")
    eta_seconds: float | None = Field(description="Seconds left while it runs, else null.")
    mapping: dict[str, Any]
    created_by_id: int | None
    started_at: datetime
    finished_at: datetime | None
    bad_rows_url: str | None


class ImportDetailOut(ImportOut):
    bad_rows: list[BadRowOut] = Field(description="The first 100 bad rows.")


class ImportPage(Schema):
    items: list[ImportOut]
    next_cursor: str | None


class MappingIn(Input):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    kind: str
    spec: dict[str, Any] = Field(
        default_factory=dict, description="The mapping document (docs/how-to/import.md)."
    )


class MappingOut(Schema):
    id: int
    name: str
    kind: str
    spec: dict[str, Any]
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime


class MappingPage(Schema):
    items: list[MappingOut]
    next_cursor: str | None


class FieldOut(Schema):
    name: str
    type: str
    help: str
    required: bool
    max_length: int | None


class FieldsOut(Schema):
    kind: str
    fields: list[FieldOut]
    facts: bool = Field(description="Whether any `facts.<name>` field may be mapped too.")
    presets: dict[str, dict[str, str]] = Field(description="Preset: {column name: field}.")
    date_formats: list[str]


def job_dict(job: ImportJob, *, detail: bool = False) -> dict[str, Any]:
    progress = selectors.progress_of(job)
    data = {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "dry_run": job.dry_run,
        "mode": job.mode,
        "source_name": job.source_name,
        "source_size": job.source_size,
        "source_sha256": job.source_sha256,
        "message": job.message,
        "rows_total": job.rows_total,
        "created": job.created,
        "updated": job.updated,
        "unchanged": job.unchanged,
        "bad": job.bad,
        "done": progress.done,
        "total": progress.total,
        "progress": round(progress.percent / 100, 2),
        "rate": round(progress.rate, 1),
        "eta_seconds": None if progress.eta is None else round(progress.eta, 1),
        "mapping": job.spec.get("mapping", {}),
        "created_by_id": job.created_by_id,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "bad_rows_url": (
            reverse("api:import_bad_rows", kwargs={"job_id": job.pk}) if job.bad_rows_file else None
        ),
    }
    if detail:
        data["bad_rows"] = [vars(b) for b in selectors.bad_rows(job)]
    return data


def mapping_dict(mapping: ImportMapping) -> dict[str, Any]:
    return {
        "id": mapping.pk,
        "name": mapping.name,
        "kind": mapping.kind,
        "spec": mapping.spec,
        "created_by_id": mapping.created_by_id,
        "created_at": mapping.created_at,
        "updated_at": mapping.updated_at,
    }


# Imports ------------------------------------------------------------------------------------

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["kind", "file"],
                    "properties": {
                        "kind": {"type": "string", "enum": fields_by_kind()},
                        "file": {"type": "string", "format": "binary"},
                        "mapping": {"type": "string", "description": "A mapping document (JSON)."},
                        "mapping_id": {"type": "integer", "description": "A saved mapping."},
                        "preset": {"type": "string", "enum": sorted(PRESETS)},
                        "dry_run": {"type": "boolean", "default": False},
                        "skip_bad_rows": {"type": "boolean", "default": False},
                    },
                }
            }
        },
    }
}


class UploadSession(Session):
    """The browser session, whose CSRF check reads the form: a malformed multipart body is
    the client's error (400), not ours."""

    def __call__(self, request: HttpRequest) -> Any:
        try:
            return super().__call__(request)
        except (MultiPartParserError, SuspiciousOperation) as exc:
            raise _malformed(exc) from None


UPLOAD_AUTH = [*(a for a in AUTH if not isinstance(a, Session)), UploadSession()]


def _malformed(exc: Exception) -> DomainError:
    if isinstance(exc, RequestDataTooBig):
        return DomainError("The form fields are too large.", code="too_large")
    return DomainError(f"The body is not a readable multipart form: {exc}", code="malformed_body")


def _parts(request: HttpRequest) -> tuple[Any, Any]:
    try:
        return request.POST, request.FILES
    except (MultiPartParserError, SuspiciousOperation) as exc:
        raise _malformed(exc) from None


def _flag(post: Any, name: str) -> bool:
    value = post.get(name, "").strip().lower()
    if value in _TRUE or value in _FALSE:
        return value in _TRUE
    raise DomainError(f"{name} is true or false, not {value[:20]!r}.", field=name)


def _mapping_document(post: Any, files: Any) -> Any:
    """The `mapping` part, as a form field or a file part; None when absent."""
    if "mapping" in files:
        raw = files["mapping"].read(MAX_MAPPING_BYTES + 1)
        if len(raw) > MAX_MAPPING_BYTES:
            raise MappingError("The mapping is larger than 1 MiB.", field="mapping")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise MappingError("The mapping is not UTF-8 text.", field="mapping") from None
    elif "mapping" in post:
        text = post["mapping"]
    else:
        return None
    if "\ufffd" in text:
        raise MappingError("The mapping is not UTF-8 text.", field="mapping")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise MappingError(f"The mapping is not JSON: {exc}.", field="mapping") from None


def _saved_mapping(request: HttpRequest, post: Any) -> ImportMapping | None:
    text = post.get("mapping_id", "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) < 2**63:
        raise DomainError(
            f"mapping_id is a saved mapping's id, not {text[:20]!r}.", field="mapping_id"
        )
    return selectors.get_mapping(user=actor(request), mapping_id=int(text))


@router.post(
    "/imports",
    response={202: ImportOut, 413: ErrorOut, **ERRORS},
    openapi_extra=UPLOAD_BODY,
    auth=UPLOAD_AUTH,
    summary="Upload a file to import (or to preview with dry_run)",
)
def create_import(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    require(user, "import_records")
    post, files = _parts(request)
    if was_too_large(request):
        raise too_large_error()
    unknown = sorted((set(post) | set(files)) - UPLOAD_PARTS)
    if unknown:
        raise DomainError(
            f"{unknown[0]!r} is not a part of an import; parts are {_PARTS}.",
            field=unknown[0],
            code="unknown_field",
        )
    kind = post.get("kind", "")
    if kind not in fields_by_kind():
        raise MappingError(
            f"kind is one of {', '.join(fields_by_kind())}, not {kind[:30]!r}.", field="kind"
        )
    if "file" not in files:
        raise DomainError(
            "Send the file to import as a multipart part named `file`.",
            field="file",
            code="missing",
        )
    dry_run, skip = _flag(post, "dry_run"), _flag(post, "skip_bad_rows")
    spec = services.spec_for(
        kind=kind,
        document=_mapping_document(post, files),
        saved=_saved_mapping(request, post),
        preset=post.get("preset", ""),
    )
    upload = store_upload(file=files["file"], kind=kind, user=user, preset=spec.preset)
    try:
        job = services.start_import(
            upload=upload, spec=spec, actor=user, dry_run=dry_run, skip_bad_rows=skip
        )
    except BaseException:
        upload.delete()
        raise
    job.refresh_from_db()
    return json_response(job_dict(job), status=202)


@router.get("/imports", response={200: ImportPage, **ERRORS})
def list_imports(request: HttpRequest, limit: Limit = 50, cursor: Cursor = None) -> HttpResponse:
    rows, next_cursor = page(
        selectors.jobs_visible_to(user=actor(request)), limit=limit, cursor=cursor
    )
    return json_response({"items": [job_dict(j) for j in rows], "next_cursor": next_cursor})


@router.get("/imports/fields/{kind}", response={200: FieldsOut, **ERRORS})
def import_fields(request: HttpRequest, kind: str) -> HttpResponse:
    require(actor(request), "import_records")
    fields = fields_of(kind)
    if not fields:
        known = ", ".join(fields_by_kind())
        raise NotFound(f"{kind[:30]!r} is not a kind of import; kinds are {known}.", field="kind")
    presets = {
        name: {column: field for column, field in columns.items() if field in fields}
        for name, columns in PRESETS.items()
    }
    return json_response(
        {
            "kind": kind,
            "fields": [vars(f) for f in fields.values()],
            "facts": kind == ImportKind.LEADS,
            "fact_prefix": FACT_PREFIX,
            "presets": presets,
            "date_formats": list(DATE_FORMATS),
        }
    )


@router.get("/imports/{job_id}", response={200: ImportDetailOut, **ERRORS})
def read_import(request: HttpRequest, job_id: Id) -> HttpResponse:
    job = selectors.get_job(user=actor(request), job_id=job_id)
    return json_response(job_dict(job, detail=True))


@router.get(
    "/imports/{job_id}/bad-rows.csv",
    response={200: None, **ERRORS},
    url_name="import_bad_rows",
    summary="The bad rows as a CSV, with a first column saying why",
)
def import_bad_rows(request: HttpRequest, job_id: Id) -> FileResponse:
    job = selectors.get_job(user=actor(request), job_id=job_id)
    try:
        handle = open(job.bad_rows_file, "rb") if job.bad_rows_file else None  # noqa: SIM115
    except OSError:
        handle = None
    if handle is None:
        raise NotFound(f"Import {job.pk} has no bad rows file.", field="job_id")
    name = f"import-{job.pk}-bad-rows.csv"
    return FileResponse(handle, as_attachment=True, filename=name, content_type="text/csv")


# Saved mappings -----------------------------------------------------------------------------


@router.get("/import-mappings", response={200: MappingPage, **ERRORS})
def list_mappings(request: HttpRequest, limit: Limit = 50, cursor: Cursor = None) -> HttpResponse:
    qs = selectors.mappings_visible_to(user=actor(request))
    rows, next_cursor = page(qs, limit=limit, cursor=cursor)
    return json_response({"items": [mapping_dict(m) for m in rows], "next_cursor": next_cursor})


@router.get("/import-mappings/{mapping_id}", response={200: MappingOut, **ERRORS})
def read_mapping(request: HttpRequest, mapping_id: Id) -> HttpResponse:
    mapping = selectors.get_mapping(user=actor(request), mapping_id=mapping_id, field="mapping_id")
    return json_response(mapping_dict(mapping))


@router.post("/import-mappings", response={201: MappingOut, **ERRORS})
def create_mapping(request: HttpRequest, payload: MappingIn) -> HttpResponse:
    user = actor(request)
    require(user, "import_records")
    if selectors.mappings_visible_to(user=user).filter(name=payload.name.strip()).exists():
        raise Conflict(
            f"A mapping is already named {payload.name.strip()!r}; PUT to change it.",
            field="name",
        )
    spec = parse_spec(payload.spec, kind=payload.kind)
    mapping = services.save_mapping(name=payload.name, spec=spec, actor=user)
    return json_response(mapping_dict(mapping), status=201)


@router.put("/import-mappings/{mapping_id}", response={200: MappingOut, **ERRORS})
def update_mapping(request: HttpRequest, mapping_id: Id, payload: MappingIn) -> HttpResponse:
    user = actor(request)
    mapping = selectors.get_mapping(user=user, mapping_id=mapping_id)
    spec = parse_spec(payload.spec, kind=payload.kind)
    mapping = services.save_mapping(name=payload.name, spec=spec, actor=user, mapping=mapping)
    return json_response(mapping_dict(mapping))
