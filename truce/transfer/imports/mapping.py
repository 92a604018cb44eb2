"""A column mapping: which column fills which field, constants for every row, each column's
format, and options. The same JSON document is saved as an ImportMapping, given to
`truce import --mapping FILE`, and posted to the API (docs/how-to/import.md)."""

import json
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from truce.errors import DomainError

from ..models import ImportKind
from .fields import Field, field_for, fields_of, suggest_mapping

REQUIRED_KEYS = {
    ImportKind.CONTACTS: ("email",),
    ImportKind.COMPANIES: ("company_name",),
    ImportKind.CAMPAIGNS: ("name",),
    ImportKind.TOUCHES: ("kind", "occurred_at"),
    ImportKind.OUTCOMES: ("outcome", "outcome_at"),
}
LEAD_KEYS = ("lead_external_id", "email")
CREATABLE = {"campaign", "owner"}  # what `create_missing` may create
OPTIONS = {"timezone", "create_missing", "decimal_separator"}
SPEC_KEYS = {"kind", "preset", "columns", "constants", "formats", "options"}


class MappingError(DomainError):
    code = "invalid_mapping"
    status = 400


@dataclass
class Spec:
    kind: str
    columns: dict[str, str] = field(default_factory=dict)  # column -> field
    constants: dict[str, str] = field(default_factory=dict)  # field -> text of a cell
    formats: dict[str, str] = field(default_factory=dict)  # column -> format name
    options: dict[str, Any] = field(default_factory=dict)
    preset: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "preset": self.preset,
            "columns": self.columns,
            "constants": self.constants,
            "formats": self.formats,
            "options": self.options,
        }

    @property
    def timezone(self) -> str:
        return str(self.options.get("timezone") or "")

    def creates(self, what: str) -> bool:
        return what in (self.options.get("create_missing") or [])


def _strings(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and (isinstance(v, str) or v is None) for k, v in value.items()
    ):
        raise MappingError(f"{where} must be an object of strings.", field=where)
    return {k: v for k, v in value.items() if v}


def parse_spec(document: Any, *, kind: str) -> Spec:
    """A mapping document, checked for shape (not yet against a file's header)."""
    if kind not in ImportKind.values or kind not in {k for k in fields_by_kind()}:
        known = ", ".join(fields_by_kind())
        raise MappingError(f"{kind!r} is not a kind of import; use one of {known}.", field="kind")
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise MappingError("A mapping is a JSON object.", field="mapping")
    unknown = sorted(set(document) - SPEC_KEYS)
    if unknown:
        raise MappingError(
            f"{unknown[0]!r} is not part of a mapping; it has {', '.join(sorted(SPEC_KEYS))}.",
            field=f"mapping.{unknown[0]}",
        )
    if document.get("kind") not in (None, "", kind):
        raise MappingError(
            f"This mapping is for {document['kind']} imports, not {kind}.", field="mapping.kind"
        )
    spec = Spec(
        kind=kind,
        columns=_strings(document.get("columns"), "mapping.columns"),
        constants=_strings(document.get("constants"), "mapping.constants"),
        formats=_strings(document.get("formats"), "mapping.formats"),
        options=document.get("options") or {},
        preset=str(document.get("preset") or ""),
    )
    _check_options(spec)
    return spec


def fields_by_kind() -> list[str]:
    return [k for k in ImportKind.values if fields_of(k)]


def load_spec(path: Path, *, kind: str) -> Spec:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MappingError(f"Cannot read the mapping {path.name}: {exc}", field="mapping") from None
    return parse_spec(document, kind=kind)


def _check_options(spec: Spec) -> None:
    options = spec.options
    if not isinstance(options, dict):
        raise MappingError("options must be an object.", field="mapping.options")
    unknown = sorted(set(options) - OPTIONS)
    if unknown:
        raise MappingError(
            f"{unknown[0]!r} is not an option; options are {', '.join(sorted(OPTIONS))}.",
            field=f"mapping.options.{unknown[0]}",
        )
    if spec.timezone:
        try:
            zoneinfo.ZoneInfo(spec.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise MappingError(
                f"{spec.timezone!r} is not a time zone (use a name like Europe/Paris).",
                field="mapping.options.timezone",
            ) from None
    creates = options.get("create_missing") or []
    if not isinstance(creates, list) or not set(creates) <= CREATABLE:
        raise MappingError(
            f"create_missing may list {', '.join(sorted(CREATABLE))}.",
            field="mapping.options.create_missing",
        )
    if options.get("decimal_separator") not in (None, ".", ","):
        raise MappingError(
            "decimal_separator is '.' or ','.", field="mapping.options.decimal_separator"
        )


def resolve(spec: Spec, header: list[str]) -> dict[str, Field]:
    """{column: field} for this file: the mapping's columns, or a suggestion from the header
    when it names none. Refuses unknown columns or fields, a field filled twice, and a missing
    key field."""
    columns = spec.columns or suggest_mapping(spec.kind, header, spec.preset or None)
    known = set(header)
    resolved: dict[str, Field] = {}
    filled: dict[str, str] = {}
    for column, name in columns.items():
        if column not in known:
            raise MappingError(
                f"Column {column!r} is not in the file; its columns are {_list(header)}.",
                field=f"mapping.columns.{column}",
            )
        target = field_for(spec.kind, name)
        if target is None:
            raise MappingError(
                f"Column {column!r} maps to {name!r}, which {spec.kind} imports do not have; "
                f"fields are {_list(list(fields_of(spec.kind)))}.",
                field=f"mapping.columns.{column}",
            )
        if name in filled:
            raise MappingError(
                f"Columns {filled[name]!r} and {column!r} both fill {name!r}.",
                field=f"mapping.columns.{column}",
            )
        filled[name] = column
        resolved[column] = target
    for name in spec.constants:
        if field_for(spec.kind, name) is None:
            raise MappingError(
                f"The constant {name!r} is not a field of {spec.kind} imports.",
                field=f"mapping.constants.{name}",
            )
        if name in filled:
            raise MappingError(
                f"{name!r} is both a constant and column {filled[name]!r}.",
                field=f"mapping.constants.{name}",
            )
    for column in spec.formats:
        if column not in resolved:
            raise MappingError(
                f"A format is given for column {column!r}, which is not mapped.",
                field=f"mapping.formats.{column}",
            )
    given = set(filled) | set(spec.constants)
    for needed in REQUIRED_KEYS.get(ImportKind(spec.kind), ()):
        if needed not in given:
            raise MappingError(
                f"{spec.kind.capitalize()} imports need a column for {needed!r}.",
                field="mapping.columns",
            )
    if spec.kind in (ImportKind.TOUCHES, ImportKind.OUTCOMES) and not given & set(LEAD_KEYS):
        raise MappingError(
            f"{spec.kind.capitalize()} imports need a column that finds the lead: "
            "'lead_external_id' or 'email'.",
            field="mapping.columns",
        )
    return resolved


def _list(names: list[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:20])
    return shown + (f" and {len(names) - 20} more" if len(names) > 20 else "")
