"""Full backup and restore: every table of every Truce app, one JSON Lines file per model.

`dump_all(DIR)` writes DIR/<app>.<model>.jsonl for each model, streamed from one consistent
snapshot, then DIR/manifest.json (format version, Truce version, applied migrations, and each
file's columns, row count and SHA-256). `restore_all(DIR)` checks all of that before it
loads a single row, then loads every file in foreign-key order in one transaction, keeping
primary keys, so the copy's ledger verifies with `truce ledger verify`.

Models are discovered through `django.apps`, so tables that apps add later are backed up
without changes here. What is left out, and why, is in docs/how-to/export-and-backup.md.
"""

import base64
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any
from uuid import UUID

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Field, Model
from django.utils import timezone

from truce.ledger.bulk import insert_rows
from truce.ledger.hashing import GENESIS_HASH
from truce.ledger.models import Event, Head

FORMAT = "truce-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNK_ROWS = 2000
INSERT_BATCH = 2000
# Django's own tables that Truce data points at (users' groups and permissions, the admin's
# log); the rest of Django's tables are runtime state.
DJANGO_APPS = frozenset({"auth", "contenttypes", "admin"})
# Runtime and queue state, not data: sessions (people sign in again), task results of the job
# queue, and the bookkeeping of which periodic slot was enqueued.
SKIPPED = frozenset(
    {"sessions.session", "django_tasks_database.dbtaskresult", "runtime.periodicrun"}
)

Progress = Callable[[str], Any]


class BackupError(Exception):
    """A backup or restore that was refused; nothing was written to the database."""


def _quiet(message: str) -> None:
    pass


# Which models, in which order


def _backed_up(model: type[Model]) -> bool:
    meta = model._meta
    if not meta.managed or meta.proxy or meta.label_lower in SKIPPED:
        return False
    return meta.app_config.name.startswith("truce.") or meta.app_label in DJANGO_APPS


def backup_models() -> list[type[Model]]:
    """Every backed-up model, each after the models its foreign keys point to."""
    chosen = sorted(
        (m for m in apps.get_models(include_auto_created=True) if _backed_up(m)),
        key=lambda m: m._meta.label_lower,
    )
    ordered: list[type[Model]] = []
    placed: set[type[Model]] = set()
    while len(ordered) < len(chosen):
        ready = [m for m in chosen if m not in placed and _targets(m, chosen) <= placed]
        if not ready:
            # Models that point at each other (a plan and its current revision): break the cycle
            # at the one waiting for fewest others (FKs are checked at commit), then carry on.
            rest = {m for m in chosen if m not in placed}
            cyclic = [m for m in chosen if m in rest and _in_cycle(m, rest, chosen)]
            ready = [min(cyclic, key=lambda m: len(_targets(m, chosen) - placed))]
        ordered.extend(ready)
        placed.update(ready)
    return ordered


def _in_cycle(model: type[Model], rest: set[type[Model]], chosen: list[type[Model]]) -> bool:
    """Whether `model`'s foreign keys, followed among `rest`, lead back to it."""
    seen: set[type[Model]] = set()
    stack = list(_targets(model, chosen) & rest)
    while stack:
        found = stack.pop()
        if found is model:
            return True
        if found not in seen:
            seen.add(found)
            stack.extend(_targets(found, chosen) & rest)
    return False


def _targets(model: type[Model], chosen: list[type[Model]]) -> set[type[Model]]:
    related = {
        f.related_model
        for f in model._meta.concrete_fields
        if f.is_relation and f.related_model is not model
    }
    return {m for m in related if m in chosen}  # type: ignore[misc]


def _fields(model: type[Model]) -> list[Field]:
    return list(model._meta.concrete_fields)


def _file_name(model: type[Model]) -> str:
    return f"{model._meta.label_lower}.jsonl"


# Values, exactly


def encode(field: Field, value: Any) -> Any:
    """A column's value as JSON that `decode` turns back into the very same value."""
    if value is None:
        return None
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if kind in ("DateField", "TimeField"):
        return value.isoformat()
    if kind == "DurationField":
        return value // timedelta(microseconds=1)
    if kind in ("DecimalField", "UUIDField"):
        return str(value)
    if kind == "BinaryField":
        return base64.b64encode(bytes(value)).decode("ascii")
    return value  # text, numbers, booleans and JSON documents are JSON already


def decode(field: Field, value: Any) -> Any:
    if value is None:
        return None
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        return datetime.fromisoformat(value)
    if kind == "DateField":
        return date.fromisoformat(value)
    if kind == "TimeField":
        return time.fromisoformat(value)
    if kind == "DurationField":
        return timedelta(microseconds=value)
    if kind == "DecimalField":
        return Decimal(value)
    if kind == "UUIDField":
        return UUID(value)
    if kind == "BinaryField":
        return base64.b64decode(value)
    return value


# Dump


def applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app_label, name in MigrationRecorder(connection).applied_migrations():
        applied.setdefault(app_label, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def truce_version() -> str:
    try:
        return metadata.version("truce")
    except metadata.PackageNotFoundError:
        return "unknown"


def _rows(model: type[Model]) -> Iterator[tuple[Any, ...]]:
    names = [f.attname for f in _fields(model)]
    qs = model._base_manager.order_by("pk").values_list(*names)
    return qs.iterator(chunk_size=CHUNK_ROWS)


def _dump_model(model: type[Model], path: Path) -> dict[str, Any]:
    fields = _fields(model)
    names = [f.attname for f in fields]
    digest, count = hashlib.sha256(), 0
    with path.open("wb") as out:
        for row in _rows(model):
            item = {n: encode(f, v) for n, f, v in zip(names, fields, row, strict=True)}
            line = (json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
            out.write(line)
            digest.update(line)
            count += 1
    return {
        "model": model._meta.label_lower,
        "table": model._meta.db_table,
        "file": path.name,
        "columns": names,
        "rows": count,
        "sha256": digest.hexdigest(),
    }


@contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent view of every table while the files are written: the ledger head and
    its events, a lead and its touches, must agree. Writers carry on meanwhile."""
    if connection.in_atomic_block:  # the caller's transaction is the snapshot
        yield
    elif connection.vendor == "sqlite":
        # Not atomic(): the settings make SQLite transactions IMMEDIATE, which would hold the
        # write lock for the whole backup. A deferred read transaction in WAL mode is a snapshot.
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")  # nothing was written: this only ends the snapshot
    else:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield


def dump_all(directory: Path, *, progress: Progress = _quiet) -> dict[str, Any]:
    """Write a full backup to `directory` (new or empty) and return its manifest."""
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BackupError(f"{directory} is not an empty directory; back up into a new one.")
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    with _snapshot():
        migrations = applied_migrations()
        for model in backup_models():
            entry = _dump_model(model, directory / _file_name(model))
            progress(f"{entry['model']}: {entry['rows']} rows")
            files.append(entry)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "truce_version": truce_version(),
        "created_at": timezone.now().astimezone(UTC).isoformat(timespec="microseconds"),
        "database": connection.vendor,
        "migrations": migrations,
        "files": files,
    }
    # The manifest comes last: a directory without one is an unfinished backup.
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


# Restore: every check first, then one transaction


def read_manifest(directory: Path) -> dict[str, Any]:
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{path} is missing: {directory} is not a (finished) Truce backup.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(f"{path} is not valid JSON: {error}.") from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    well_formed = isinstance(files, list) and all(isinstance(e, dict) for e in files)
    if not well_formed or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not the manifest of a Truce backup.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"The backup has format version {manifest.get('format_version')!r}; "
            f"this Truce reads version {FORMAT_VERSION}."
        )
    return manifest


def check_migrations(manifest: dict[str, Any]) -> None:
    here = applied_migrations()
    there = manifest.get("migrations", {})
    differences = []
    for app in sorted(set(here) | set(there)):
        missing = sorted(set(there.get(app, [])) - set(here.get(app, [])))
        extra = sorted(set(here.get(app, [])) - set(there.get(app, [])))
        if missing:
            differences.append(f"{app} lacks {', '.join(missing)}")
        if extra:
            differences.append(f"{app} has {', '.join(extra)} that the backup lacks")
        if len(differences) >= 5:
            break
    if differences:
        raise BackupError(
            "The database's migrations do not match the backup's: "
            + "; ".join(differences)
            + ". Restore with the Truce version that made the backup, on a database migrated "
            "to the same state."
        )


def _entries(manifest: dict[str, Any]) -> list[tuple[type[Model], dict[str, Any]]]:
    by_label = {m._meta.label_lower: m for m in backup_models()}
    entries = manifest.get("files", [])
    named = {e.get("model") for e in entries}
    absent = sorted(set(by_label) - named)
    if absent:
        raise BackupError(f"The backup has no file for {', '.join(absent)}.")
    checked = []
    for entry in entries:
        model = by_label.get(entry.get("model", ""))
        if model is None:
            raise BackupError(f"The backup holds {entry.get('model')!r}, which this Truce lacks.")
        columns = [f.attname for f in _fields(model)]
        if entry.get("columns") != columns:
            raise BackupError(
                f"The columns of {entry['model']} in the backup do not match this database's."
            )
        checked.append((model, entry))
    return checked


def _file_lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        yield from source


def verify_file(directory: Path, entry: dict[str, Any]) -> None:
    path = Path(directory) / str(entry.get("file", ""))
    if path.name != entry.get("file") or not path.is_file():
        raise BackupError(f"{path} is missing from the backup.")
    digest, count = hashlib.sha256(), 0
    for line in _file_lines(path):
        digest.update(line)
        count += 1
    if digest.hexdigest() != entry.get("sha256"):
        raise BackupError(f"{path} does not match its checksum: it was changed or damaged.")
    if count != entry.get("rows"):
        raise BackupError(f"{path} has {count} rows; the manifest says {entry.get('rows')}.")


def has_truce_data() -> str:
    """Why the database is not empty, or "" when it is. Rows the migrations made are not data."""
    users = get_user_model()._base_manager.count()
    if users:
        return f"it has {users} user(s)"
    if Event.objects.exists():
        return "its ledger has events"
    head = Head.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (0, GENESIS_HASH):
        return "its ledger head has moved"
    return ""


# Columns whose JSON value is already what the database driver takes: no per-value work.
_PLAIN = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "BigIntegerField",
        "IntegerField",
        "SmallIntegerField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "BooleanField",
        "CharField",
        "TextField",
        "SlugField",
        "EmailField",
    }
)


def _plain(field: Field) -> bool:
    target = field.target_field if field.is_relation else field  # type: ignore[attr-defined]
    return target.get_internal_type() in _PLAIN


def _converter(field: Field) -> Callable[[Any], Any] | None:
    if _plain(field):
        return None
    return lambda value: field.get_db_prep_save(decode(field, value), connection)


def _row_reader(fields: list[Field]) -> Callable[[dict[str, Any]], list[Any]]:
    """A function from one decoded line to the row's database values, in column order."""
    columns = [(f.attname, _converter(f)) for f in fields]

    def read(item: dict[str, Any]) -> list[Any]:
        return [item[n] if convert is None else convert(item[n]) for n, convert in columns]

    return read


def _load(directory: Path, model: type[Model], entry: dict[str, Any]) -> int:
    """Insert one file's rows set-wise: COPY on PostgreSQL, executemany on SQLite."""
    fields = _fields(model)
    read = _row_reader(fields)
    table, columns = model._meta.db_table, [str(f.column) for f in fields]
    digest, count, batch = hashlib.sha256(), 0, []
    for line in _file_lines(Path(directory) / entry["file"]):
        digest.update(line)
        batch.append(read(json.loads(line)))
        count += 1
        if len(batch) >= INSERT_BATCH:
            insert_rows(table, columns, batch)
            batch = []
    insert_rows(table, columns, batch)
    if digest.hexdigest() != entry["sha256"]:  # changed between the check and the load
        raise BackupError(f"{entry['file']} changed while it was being restored.")
    return count


def _clear(models: Iterable[type[Model]]) -> None:
    """Empty the tables the migrations filled (teams, stages, content types…): the backup's
    own rows, with their ids, take their place."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")


def _reset_sequences(models: list[type[Model]]) -> None:
    # PostgreSQL: the next new row must get an id after the restored ones. (SQLite's
    # AUTOINCREMENT already moved past every id inserted.)
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _driver_error() -> type[Exception]:
    """The driver's own error class: COPY runs on the raw cursor, outside Django's wrapping."""
    return connection.Database.Error  # type: ignore[attr-defined,no-any-return]


def restore_all(directory: Path, *, progress: Progress = _quiet) -> dict[str, Any]:
    """Restore a backup into an empty, migrated database: all of it, or nothing."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    check_migrations(manifest)
    entries = _entries(manifest)
    for _, entry in entries:
        verify_file(directory, entry)
    try:
        _restore(directory, entries, progress)
    except (DatabaseError, _driver_error()) as error:
        raise BackupError(
            f"The database refused the backup ({error}); nothing was restored."
        ) from error
    except (ValueError, KeyError, TypeError) as error:
        raise BackupError(
            f"A row of the backup cannot be read ({error!r}); nothing was restored."
        ) from error
    return manifest


@transaction.atomic
def _restore(
    directory: Path, entries: list[tuple[type[Model], dict[str, Any]]], progress: Progress
) -> None:
    reason = has_truce_data()
    if reason:
        raise BackupError(
            f"The database is not empty ({reason}): restore only into a new, migrated database."
        )
    models = [model for model, _ in entries]
    _clear(reversed(models))
    for model, entry in entries:
        count = _load(directory, model, entry)
        progress(f"{entry['model']}: {count} rows")
    _reset_sequences(models)
