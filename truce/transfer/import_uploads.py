"""Files uploaded for an import: streamed to DATA_DIR/imports/uploads under a random name, with
a small JSON note beside each (the original name, the kind, who uploaded it, the mapping
chosen), so the mapping step and the queued job find them again.

The size limit (TRUCE_IMPORT_MAX_UPLOAD_BYTES) is enforced by `LimitedUploadHandler` while
Django streams the request: it stops the upload at the first byte past the limit, so a file
too large is never written whole anywhere (Django keeps small files in memory and spools the
rest to a temporary file chunk by chunk; see FILE_UPLOAD_HANDLERS in truce/settings.py).
"""

import json
import re
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils import timezone

from truce.errors import DomainError, NotFound

_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
PREVIEW_ROWS = 5
SAMPLE_ROWS = 1000  # cells per column read to pre-fill date formats (the engine reads as many)


class UploadTooLarge(DomainError):
    code = "too_large"
    status = 413


class LimitedUploadHandler(FileUploadHandler):
    """First in the chain: counts each file's bytes and stops the upload past the limit,
    marking the request so the view can answer 413 rather than "no file"."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.TRUCE_IMPORT_MAX_UPLOAD_BYTES:
            if self.request is not None:
                self.request.truce_upload_too_large = True  # type: ignore[attr-defined]
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def too_large_error() -> UploadTooLarge:
    limit = settings.TRUCE_IMPORT_MAX_UPLOAD_BYTES
    return UploadTooLarge(
        f"The file is larger than the {_size(limit)} an upload may be "
        "(TRUCE_IMPORT_MAX_UPLOAD_BYTES); split it, or import it with `truce import`.",
        field="file",
    )


def was_too_large(request: Any) -> bool:
    return bool(getattr(request, "truce_upload_too_large", False))


def _size(count: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:,} {unit}" if unit == "bytes" else f"{count:g} {unit}"
        count = round(count / 1024, 1)  # type: ignore[assignment]
    return str(count)


def folder() -> Path:
    path = Path(settings.DATA_DIR) / "imports" / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Upload:
    token: str
    name: str  # the original file name, for display
    kind: str
    size: int
    user_id: int | None
    uploaded_at: str
    preset: str = ""
    mapping_id: int | None = None

    @property
    def path(self) -> Path:
        return folder() / self.token

    def save_note(self) -> None:
        (folder() / f"{self.token}.json").write_text(json.dumps(asdict(self)), encoding="utf-8")

    def explained(self, error: DomainError) -> DomainError:
        """The engine names files by their path: name the upload as the person knows it."""
        error.message = error.message.replace(self.token, self.name)
        error.args = (error.message,)
        return error

    def delete(self) -> None:
        for path in (self.path, folder() / f"{self.token}.json"):
            path.unlink(missing_ok=True)


def store_upload(
    *, file: UploadedFile, kind: str, user: Any, preset: str = "", mapping_id: int | None = None
) -> Upload:
    """Copy the uploaded file chunk by chunk under a random name (never the client's name,
    which only labels it)."""
    if file.size is not None and file.size > settings.TRUCE_IMPORT_MAX_UPLOAD_BYTES:
        raise too_large_error()
    if not file.size:
        raise DomainError("The file is empty.", field="file", code="empty_file")
    upload = Upload(
        token=secrets.token_urlsafe(24),
        name=Path(file.name or "upload").name[:255] or "upload",
        kind=kind,
        size=file.size,
        user_id=getattr(user, "pk", None),
        uploaded_at=timezone.now().isoformat(),
        preset=preset,
        mapping_id=mapping_id,
    )
    with upload.path.open("wb") as out:
        for chunk in file.chunks():
            out.write(chunk)
    upload.save_note()
    return upload


def load_upload(token: str) -> Upload:
    note = folder() / f"{token}.json"
    if not _TOKEN.fullmatch(token) or not note.is_file():
        raise NotFound("No such upload (it may have been cleaned up); upload the file again.")
    upload = Upload(**json.loads(note.read_text(encoding="utf-8")))
    if not upload.path.is_file():
        raise NotFound("No such upload (it may have been cleaned up); upload the file again.")
    return upload


@dataclass
class Preview:
    header: list[str]
    rows: list[list[str]]  # the first PREVIEW_ROWS rows, as read
    samples: dict[str, list[str]]  # column -> its first non-blank cells (up to SAMPLE_ROWS)


def preview(upload: Upload) -> Preview:
    """The header, the first rows and a sample of each column; SourceError if unreadable."""
    from .imports.engine import Reading

    try:
        source = Reading().open(upload.path)
    except DomainError as exc:
        raise upload.explained(exc) from None
    with source:
        header = list(source.header)
        rows: list[list[str]] = []
        samples: dict[str, list[str]] = {name: [] for name in header}
        for count, row in enumerate(source.rows()):
            if count >= SAMPLE_ROWS:
                break
            if len(rows) < PREVIEW_ROWS:
                rows.append(list(row.cells))
            for name, cell in zip(header, row.cells, strict=False):
                if cell.strip():
                    samples[name].append(cell)
    return Preview(header=header, rows=rows, samples=samples)
