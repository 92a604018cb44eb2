"""Writes behind the import pages and API: start an import of an uploaded file (checked now,
run by a worker), import a previewed file for real, and save a mapping for reuse."""

from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from truce.errors import Conflict, DomainError
from truce.identity.permissions import require
from truce.ledger import services as ledger

from .import_uploads import Upload
from .imports import engine
from .imports.fields import PRESETS
from .imports.mapping import MappingError, Spec, parse_spec
from .models import ImportJob, ImportMapping, ImportStatus


def spec_for(
    *, kind: str, document: Any = None, saved: ImportMapping | None = None, preset: str = ""
) -> Spec:
    """The mapping to use: a document, else a saved mapping, else a suggestion from the header
    (with a preset's column names first)."""
    if preset and preset not in PRESETS:
        raise MappingError(
            f"{preset!r} is not a preset; presets are {', '.join(sorted(PRESETS))}.",
            field="preset",
        )
    if document is not None:
        return parse_spec(document, kind=kind)
    if saved is not None:
        if saved.kind != kind:
            raise MappingError(
                f"The mapping {saved.name!r} is for {saved.kind} imports, not {kind}.",
                field="mapping_id",
            )
        return parse_spec(saved.spec, kind=kind)
    return parse_spec({"preset": preset}, kind=kind)


def start_import(
    *, upload: Upload, spec: Spec, actor: Any, dry_run: bool, skip_bad_rows: bool = False
) -> ImportJob:
    """Check the file against the mapping (MappingError or SourceError, nothing queued), then
    queue the import; the job keeps the file's original name for display."""
    try:
        with transaction.atomic():
            job = engine.queue_import(
                kind=spec.kind,
                path=upload.path,
                spec=spec,
                actor=actor,
                dry_run=dry_run,
                skip_bad_rows=skip_bad_rows,
            )
            _queued(job, name=upload.name, actor=actor)
    except DomainError as exc:
        raise upload.explained(exc) from None
    return job


def import_previewed(*, job: ImportJob, actor: Any, skip_bad_rows: bool) -> ImportJob:
    """Import for real the file and mapping a dry run previewed."""
    require(actor, "import_records")
    if not job.dry_run or job.status != ImportStatus.DRY_RUN:
        raise Conflict("Only a finished preview (dry run) can be imported.", field="job_id")
    with transaction.atomic():
        new = engine.queue_import(
            kind=job.kind,
            path=Path(job.source_path),
            spec=parse_spec(job.spec.get("mapping"), kind=job.kind),
            actor=actor,
            skip_bad_rows=skip_bad_rows,
            reading=engine.Reading(**job.source_options),
        )
        _queued(new, name=job.source_name, actor=actor, previewed_by=job.pk)
    return new


def _queued(job: ImportJob, *, name: str, actor: Any, **extra: Any) -> None:
    job.source_name = name[:255]
    job.save(update_fields=["source_name"])
    ledger.append(
        kind="import.queued",
        subject_type="import",
        subject_id=job.pk,
        actor=actor,
        payload={
            "kind": job.kind,
            "file": job.source_name,
            "sha256": job.source_sha256,
            "dry_run": job.dry_run,
            "mode": job.mode,
            **extra,
        },
    )


def save_mapping(
    *, name: str, spec: Spec, actor: Any, mapping: ImportMapping | None = None
) -> ImportMapping:
    """Create a saved mapping, or update one (`mapping`, or the one with this name and kind)."""
    require(actor, "import_records")
    name = name.strip()
    if not name or len(name) > 100:
        raise DomainError("A mapping needs a name of 1 to 100 characters.", field="name")
    now = timezone.now()
    with transaction.atomic():
        same_name = ImportMapping.objects.select_for_update().filter(name=name).first()
        if same_name is not None and mapping is not None and same_name.pk != mapping.pk:
            raise Conflict(f"Another mapping is named {name!r}.", field="name")
        if mapping is None and same_name is not None and same_name.kind != spec.kind:
            raise Conflict(
                f"The mapping {name!r} is for {same_name.kind} imports; choose another name.",
                field="name",
            )
        target = mapping or same_name
        created = target is None
        if target is None:
            target = ImportMapping(created_by=actor if getattr(actor, "pk", None) else None)
            target.created_at = now
        target.name, target.kind, target.updated_at = name, spec.kind, now
        target.spec = spec.as_json()
        target.save()
        ledger.append(
            kind="import_mapping.saved",
            subject_type="import_mapping",
            subject_id=target.pk,
            actor=actor,
            payload={"name": name, "kind": spec.kind, "created": created, "spec": target.spec},
        )
    return target
