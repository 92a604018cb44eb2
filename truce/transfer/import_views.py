"""Import pages: upload a file, map its columns, preview (a dry run), import, watch progress.

The mapping step works on an upload (import_uploads.py) until it is queued; from then on
everything is an ImportJob, whose page polls its own status fragment while it runs."""

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from truce.errors import DomainError, NotFound, PermissionDenied

from . import import_selectors as selectors
from . import import_services as services
from .import_uploads import (
    Upload,
    load_upload,
    preview,
    store_upload,
    too_large_error,
    was_too_large,
)
from .imports import engine
from .imports.coercion import DATE_FORMATS, detect_date_format
from .imports.fields import FACT_PREFIX, PRESETS, fields_of, suggest_mapping
from .imports.mapping import MappingError, Spec, fields_by_kind, parse_spec
from .models import ImportJob, ImportKind

DATE_TYPES = ("date", "datetime")
NAV = "imports"
READING = engine.Reading()  # uploads are read as detected (encoding, delimiter, first sheet)


def _allowed(request: HttpRequest) -> None:
    try:
        selectors.jobs_visible_to(user=request.user)
    except PermissionDenied as exc:
        raise PageDenied(exc.message) from None


def _job(request: HttpRequest, job_id: int) -> ImportJob:
    _allowed(request)
    try:
        return selectors.get_job(user=request.user, job_id=job_id)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# The list and the upload ----------------------------------------------------------------


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds")
    file = forms.FileField(label="File (CSV or XLSX)")
    start = forms.ChoiceField(
        label="Start from", required=False, help_text="Columns are suggested from their names."
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        labels = dict(ImportKind.choices)
        self.fields["kind"].choices = [(k, labels[k]) for k in fields_by_kind()]  # type: ignore[attr-defined]
        starts: list[tuple[str, str]] = [("", "Suggested from the column names")]
        starts += [(f"preset:{p}", f"{p.capitalize()} export column names") for p in PRESETS]
        starts += [
            (f"mapping:{m.pk}", f"Saved mapping: {m.name} ({m.kind})")
            for m in selectors.mappings_visible_to(user=user)
        ]
        self.fields["start"].choices = starts  # type: ignore[attr-defined]


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    data = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    bound = UploadForm(*data, user=request.user)
    status = 200
    if request.method == "POST":
        if was_too_large(request):
            bound.is_valid()
            bound.errors.pop("file", None)
            bound.add_error("file", too_large_error().message)
            status = 413
        elif bound.is_valid():
            upload = _store(request, bound)
            if upload is not None:
                return redirect("imports:mapping", token=upload.token)
        if status == 200:
            status = 400
    jobs = list(selectors.jobs_visible_to(user=request.user)[:50])
    context = {"bound": bound, "jobs": jobs, "nav": NAV}
    return render(request, "transfer/import_list.html", context, status=status)


def _store(request: HttpRequest, bound: UploadForm) -> Upload | None:
    start = bound.cleaned_data["start"] or ""
    preset = start.removeprefix("preset:") if start.startswith("preset:") else ""
    mapping_id = int(start.removeprefix("mapping:")) if start.startswith("mapping:") else None
    kind = bound.cleaned_data["kind"]
    if mapping_id is not None:
        saved = selectors.mappings_visible_to(user=request.user).filter(pk=mapping_id).first()
        if saved is not None and saved.kind != kind:
            bound.add_error("start", f"The mapping {saved.name!r} is for {saved.kind} imports.")
            return None
    try:
        return store_upload(
            file=bound.cleaned_data["file"],
            kind=kind,
            user=request.user,
            preset=preset,
            mapping_id=mapping_id,
        )
    except DomainError as exc:
        bound.add_error("file", exc.message)
        return None


# The mapping step -----------------------------------------------------------------------


def _upload(request: HttpRequest, token: str) -> Upload:
    _allowed(request)
    try:
        return load_upload(token)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _initial_spec(request: HttpRequest, upload: Upload) -> Spec:
    saved = None
    if upload.mapping_id:
        saved = selectors.mappings_visible_to(user=request.user).filter(pk=upload.mapping_id)
        saved = saved.first()  # type: ignore[assignment]
    return services.spec_for(kind=upload.kind, saved=saved, preset=upload.preset)  # type: ignore[arg-type]


def _detected_formats(samples: dict[str, list[str]], columns: dict[str, str], kind: str) -> dict:
    """Pre-fill the format of each column mapped to a date field from the preview sample."""
    fields = fields_of(kind)
    formats = {}
    for name, target in columns.items():
        if target in fields and fields[target].type in DATE_TYPES:
            guess = detect_date_format(samples.get(name, []))
            if guess.format:
                formats[name] = guess.format
    return formats


def _spec_from_post(request: HttpRequest, upload: Upload, header: list[str]) -> Spec:
    post = request.POST
    fields = fields_of(upload.kind)
    columns, formats = {}, {}
    for index, name in enumerate(header):
        target = post.get(f"column-{index}", "")
        if target:
            columns[name] = target
            chosen = post.get(f"format-{index}", "")
            if chosen and target in fields and fields[target].type in DATE_TYPES:
                formats[name] = chosen
    if not columns:
        raise MappingError("Choose a field for at least one column.", field="mapping.columns")
    options: dict[str, Any] = {}
    if post.get("timezone", "").strip():
        options["timezone"] = post["timezone"].strip()
    if post.get("create_missing"):
        options["create_missing"] = ["campaign"]
    if post.get("decimal_separator"):
        options["decimal_separator"] = post["decimal_separator"]
    document = {
        "columns": columns,
        "formats": formats,
        "constants": _constants(post.get("constants", "")),
        "options": options,
        "preset": upload.preset,
    }
    return parse_spec(document, kind=upload.kind)


def _constants(text: str) -> dict[str, str]:
    constants = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, equals, value = line.partition("=")
        if not equals or not name.strip():
            raise MappingError(
                f"Line {number} of the constants is not `field = value`: {line.strip()!r}.",
                field="mapping.constants",
            )
        constants[name.strip()] = value.strip()
    return constants


def _error_place(field: str | None) -> str:
    """Where on the mapping page an error is shown: a column's field or format, an option,
    or the top of the form."""
    field = field or ""
    for prefix, place in (
        ("mapping.columns.", "column:"),
        ("mapping.formats.", "format:"),
    ):
        if field.startswith(prefix):
            return place + field.removeprefix(prefix)
    if field.startswith("mapping.constants"):
        return "constants"
    if field.startswith("mapping.options."):
        return field.removeprefix("mapping.options.")
    return {"name": "save_as"}.get(field, "form")


@login_required
def import_mapping(request: HttpRequest, token: str) -> HttpResponse:
    upload = _upload(request, token)
    try:
        shown = preview(upload)
    except DomainError as exc:
        context = {"upload": upload, "file_error": exc.message, "nav": NAV}
        return render(request, "transfer/import_mapping.html", context, status=400)
    errors: dict[str, str] = {}
    if request.method == "POST":
        job = _preview_posted(request, upload, shown.header, errors)
        if job is not None:
            return redirect("imports:job", job_id=job.pk)
        values = _posted_values(request, shown.header)
    else:
        values = _initial_values(request, upload, shown, errors)
    context = _mapping_context(upload, shown, values, errors)
    status = 400 if errors and request.method == "POST" else 200
    return render(request, "transfer/import_mapping.html", context, status=status)


def _preview_posted(
    request: HttpRequest, upload: Upload, header: list[str], errors: dict[str, str]
) -> ImportJob | None:
    try:
        spec = _spec_from_post(request, upload, header)
        engine.check_file(kind=upload.kind, path=upload.path, spec=spec, reading=READING)
        save_as = request.POST.get("save_as", "").strip()
        if save_as:
            services.save_mapping(name=save_as, spec=spec, actor=request.user)
        return services.start_import(upload=upload, spec=spec, actor=request.user, dry_run=True)
    except DomainError as exc:
        errors[_error_place(exc.field)] = upload.explained(exc).message
        return None


def _initial_values(
    request: HttpRequest, upload: Upload, shown: Any, errors: dict[str, str]
) -> dict[str, Any]:
    try:
        spec = _initial_spec(request, upload)
    except DomainError as exc:  # a saved mapping that no longer parses: start afresh
        errors["form"] = exc.message
        spec = services.spec_for(kind=upload.kind, preset=upload.preset)
    columns = spec.columns or suggest_mapping(upload.kind, shown.header, spec.preset or None)
    columns = {k: v for k, v in columns.items() if k in shown.header}
    formats = {**_detected_formats(shown.samples, columns, upload.kind), **spec.formats}
    checked = Spec(**{**vars(spec), "columns": columns, "formats": formats})
    try:
        engine.check_file(kind=upload.kind, path=upload.path, spec=checked, reading=READING)
    except DomainError as exc:
        errors[_error_place(exc.field)] = upload.explained(exc).message
    return {
        "columns": columns,
        "formats": formats,
        "constants": "\n".join(f"{k} = {v}" for k, v in spec.constants.items()),
        "timezone": spec.timezone,
        "create_missing": spec.creates("campaign"),
        "decimal_separator": spec.options.get("decimal_separator", ""),
        "save_as": "",
    }


def _posted_values(request: HttpRequest, header: list[str]) -> dict[str, Any]:
    post = request.POST
    return {
        "columns": {n: post.get(f"column-{i}", "") for i, n in enumerate(header)},
        "formats": {n: post.get(f"format-{i}", "") for i, n in enumerate(header)},
        "constants": post.get("constants", ""),
        "timezone": post.get("timezone", ""),
        "create_missing": bool(post.get("create_missing")),
        "decimal_separator": post.get("decimal_separator", ""),
        "save_as": post.get("save_as", ""),
    }


def _mapping_context(
    upload: Upload, shown: Any, values: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    fields = list(fields_of(upload.kind).values())
    columns = [
        {
            "index": index,
            "name": name,
            "field": values["columns"].get(name, ""),
            "format": values["formats"].get(name, ""),
            "samples": shown.samples.get(name, [])[:3],
            "error": errors.get(f"column:{name}", ""),
            "format_error": errors.get(f"format:{name}", ""),
            "fact": _fact_for(name) if upload.kind == ImportKind.LEADS else "",
        }
        for index, name in enumerate(shown.header)
    ]
    return {
        "upload": upload,
        "kind_label": dict(ImportKind.choices)[upload.kind],
        "header": shown.header,
        "rows": shown.rows,
        "columns": columns,
        "fields": fields,
        "date_formats": list(DATE_FORMATS),
        "values": values,
        "errors": errors,
        "nav": NAV,
    }


def _fact_for(column: str) -> str:
    """A lead column no field fits can be kept as a fact named after it."""
    name = re.sub(r"[^a-z0-9]+", "_", column.lower()).strip("_")[:63]
    return f"{FACT_PREFIX}{name}" if re.fullmatch(r"[a-z][a-z0-9_]*", name) else ""


# The job --------------------------------------------------------------------------------


@login_required
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    progress = selectors.progress_of(job)
    context = {
        "job": job,
        "progress": progress,
        "bad_rows": selectors.bad_rows(job) if progress.finished else [],
        "nav": NAV,
    }
    template = "transfer/import_job_status.html" if _htmx(request) else "transfer/import_job.html"
    return render(request, template, context)


@login_required
@require_POST
def import_run(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    skip = request.POST.get("mode") == "skip_bad_rows"
    try:
        new = services.import_previewed(job=job, actor=request.user, skip_bad_rows=skip)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("imports:job", job_id=job.pk)
    return redirect("imports:job", job_id=new.pk)


@login_required
def import_bad_rows(request: HttpRequest, job_id: int) -> FileResponse:
    job = _job(request, job_id)
    try:
        handle = open(job.bad_rows_file, "rb") if job.bad_rows_file else None  # noqa: SIM115
    except OSError:
        handle = None
    if handle is None:
        raise Http404("This import has no bad rows file.")
    name = f"import-{job.pk}-bad-rows.csv"
    return FileResponse(handle, as_attachment=True, filename=name, content_type="text/csv")
