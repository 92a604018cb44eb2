"""Exports: the one place that knows what can be exported, its columns and its filters.

Each kind reads through the selector its list API and page use (so the caller sees what they
may see), streams rows with `.iterator(chunk_size=...)` and writes CSV, JSON or JSON Lines a
chunk of text at a time, so memory stays flat however many rows there are. The CLI, the API
and the pages all call `start_export`. Columns are listed in docs/reference/api.md.
"""

import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from truce.agreements import scoreboard
from truce.assignment.selectors import queue_for
from truce.errors import DomainError, NotFound
from truce.funnel.models import Outcome
from truce.funnel.selectors import LeadFilters, leads_visible_to
from truce.ledger.models import Event
from truce.people.selectors import companies_visible_to, contacts_visible_to
from truce.touches.models import TouchKind
from truce.touches.selectors import campaigns_visible_to, touches_visible_to

CHUNK_ROWS = 2000
FLUSH_CHARS = 64 * 1024
MAX_ID = 2**63 - 1
FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "json": ("application/json", "json"),
    "jsonl": ("application/x-ndjson", "jsonl"),
}
# OWASP "CSV injection": a spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
NUMERIC = frozenset({"int", "decimal"})


class UnknownKind(NotFound):
    code = "unknown_kind"


class UnknownFormat(DomainError):
    code = "unknown_format"
    status = 422


class InvalidFilter(DomainError):
    code = "invalid_filter"
    status = 422


class UnknownFilter(DomainError):
    code = "unknown_filter"
    status = 422


@dataclass(frozen=True)
class Column:
    name: str
    path: str  # the `values_list` path on the kind's queryset (a key of the row for reports)
    type: str = "text"  # text, int, decimal, bool, datetime, date, json


@dataclass(frozen=True)
class Filter:
    name: str
    parse: Callable[[str], Any]
    help: str


RowSource = Callable[[Any, dict[str, Any]], Iterator[tuple[Any, ...]]]


@dataclass(frozen=True)
class Kind:
    key: str
    help: str
    columns: tuple[Column, ...]
    filters: tuple[Filter, ...]
    rows: RowSource
    personal: bool = False  # the caller's own list: there is none without a signed-in user

    def filter(self, name: str) -> Filter | None:
        return next((f for f in self.filters if f.name == name), None)


# Filter values: the same names and meaning as the list API's query parameters.


def _text(limit: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value) > limit:
            raise ValueError(f"at most {limit} characters")
        return value.strip()

    return parse


def _choice(choices: list[str]) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in choices:
            raise ValueError(f"one of {', '.join(choices)}")
        return value

    return parse


def _id(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= MAX_ID:
        raise ValueError("a positive whole number (an id)")
    return int(value)


def _moment(value: str) -> datetime:
    moment = parse_datetime(value.strip()) if len(value) <= 40 else None
    if moment is None:
        raise ValueError("a date and time in ISO 8601, e.g. 2026-11-01T00:00:00Z")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _flag(value: str) -> bool:
    lowered = value.lower()
    if lowered not in ("true", "false", "1", "0"):
        raise ValueError("true or false")
    return lowered in ("true", "1")


def _period(value: str) -> scoreboard.BoardPeriod:
    return scoreboard.parse_period(value)


Q_FILTER = Filter("q", _text(200), "prefix of a name, email, domain or company name")
INCLUDE_MERGED = Filter("include_merged", _flag, "true to include records merged into others")
LEAD_ID = Filter("lead_id", _id, "only this lead's rows")
CAMPAIGN_ID = Filter("campaign_id", _id, "only this campaign's rows")
OCCURRED_AFTER = Filter("occurred_after", _moment, "occurred at or after (ISO 8601)")
KIND_HELP = "a touch kind (e.g. call) or an event kind (e.g. lead.created)"
OCCURRED_BEFORE = Filter("occurred_before", _moment, "occurred before (ISO 8601)")


def parse_filters(kind: Kind, params: Mapping[str, str]) -> dict[str, Any]:
    """Known, non-empty filters parsed; an unknown name or a bad value is refused, not ignored."""
    parsed: dict[str, Any] = {}
    for name, value in params.items():
        spec = kind.filter(name)
        if spec is None:
            known = ", ".join(f.name for f in kind.filters) or "none"
            raise UnknownFilter(
                f"{kind.key} exports take no filter {name[:40]!r} (they take: {known}).",
                field=name[:40],
            )
        if value == "":
            continue
        try:
            parsed[name] = spec.parse(value)
        except ValueError as error:
            raise InvalidFilter(f"{name} must be {error}.", field=name) from None
    return parsed


def _stream(qs: QuerySet[Any], columns: tuple[Column, ...]) -> Iterator[tuple[Any, ...]]:
    paths = [c.path for c in columns]
    return qs.order_by("pk").values_list(*paths).iterator(chunk_size=CHUNK_ROWS)


def _window(qs: QuerySet[Any], after: Any, before: Any, column: str) -> QuerySet[Any]:
    if after is not None:
        qs = qs.filter(**{f"{column}__gte": after})
    if before is not None:
        qs = qs.filter(**{f"{column}__lt": before})
    return qs


# The kinds


CONTACT_COLUMNS = (
    Column("id", "id", "int"),
    Column("email", "email"),
    Column("first_name", "first_name"),
    Column("last_name", "last_name"),
    Column("phone", "phone"),
    Column("title", "title"),
    Column("country", "country"),
    Column("company_id", "company_id", "int"),
    Column("company_domain", "company__domain"),
    Column("company_name", "company__name"),
    Column("merged_into_id", "merged_into_id", "int"),
    Column("created_at", "created_at", "datetime"),
    Column("updated_at", "updated_at", "datetime"),
)


def _contacts(user: Any, f: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    qs = contacts_visible_to(
        user=user, search=f.get("q", ""), include_merged=f.get("include_merged", False)
    )
    return _stream(qs, CONTACT_COLUMNS)


COMPANY_COLUMNS = (
    Column("id", "id", "int"),
    Column("name", "name"),
    Column("domain", "domain"),
    Column("industry", "industry"),
    Column("employees", "employees", "int"),
    Column("country", "country"),
    Column("merged_into_id", "merged_into_id", "int"),
    Column("created_at", "created_at", "datetime"),
    Column("updated_at", "updated_at", "datetime"),
)


def _companies(user: Any, f: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    qs = companies_visible_to(
        user=user, search=f.get("q", ""), include_merged=f.get("include_merged", False)
    )
    return _stream(qs, COMPANY_COLUMNS)


LEAD_COLUMNS = (
    Column("id", "id", "int"),
    Column("contact_id", "contact_id", "int"),
    Column("contact_email", "contact__email"),
    Column("contact_first_name", "contact__first_name"),
    Column("contact_last_name", "contact__last_name"),
    Column("company_id", "company_id", "int"),
    Column("company_domain", "company__domain"),
    Column("company_name", "company__name"),
    Column("source", "source"),
    Column("campaign_id", "campaign_id", "int"),
    Column("campaign_name", "campaign__name"),
    Column("owner_id", "owner_id", "int"),
    Column("owner_username", "owner__username"),
    Column("stage_key", "stage__key"),
    Column("stage_entered_at", "stage_entered_at", "datetime"),
    Column("score", "score", "int"),
    Column("fit_score", "fit_score", "int"),
    Column("engagement_score", "engagement_score", "int"),
    Column("qualified_at", "qualified_at", "datetime"),
    Column("qualified_by_version", "qualified_by__version", "int"),
    Column("assigned_at", "assigned_at", "datetime"),
    Column("disposition", "disposition"),
    Column("disposition_reason_key", "disposition_reason__key"),
    Column("disposition_at", "disposition_at", "datetime"),
    Column("product_line", "product_line"),
    Column("amount", "amount", "decimal"),
    Column("outcome", "outcome"),
    Column("outcome_reason_key", "outcome_reason__key"),
    Column("outcome_at", "outcome_at", "datetime"),
    Column("touch_count", "touch_count", "int"),
    Column("sales_touch_count", "sales_touch_count", "int"),
    Column("first_touch_at", "first_touch_at", "datetime"),
    Column("last_touch_at", "last_touch_at", "datetime"),
    Column("first_sales_touch_at", "first_sales_touch_at", "datetime"),
    Column("facts", "facts", "json"),
    Column("external_id", "external_id"),
    Column("created_at", "created_at", "datetime"),
    Column("updated_at", "updated_at", "datetime"),
)

LEAD_FILTERS = (
    Q_FILTER,
    Filter("stage", _text(50), "stage key"),
    Filter("outcome", _choice(list(Outcome.values)), "open, won, lost, recycled, disqualified"),
    Filter("owner", _text(150), 'owner username, or "none" for unassigned'),
    Filter("source", _text(64), "source (channel)"),
    CAMPAIGN_ID,
    Filter("product_line", _text(64), "product line"),
    Filter("created_after", _moment, "created at or after (ISO 8601)"),
    Filter("created_before", _moment, "created before (ISO 8601)"),
)


def _leads(user: Any, f: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    filters = LeadFilters(
        search=f.get("q", ""),
        stage=f.get("stage", ""),
        outcome=f.get("outcome", ""),
        owner=f.get("owner", ""),
        source=f.get("source", ""),
        campaign_id=f.get("campaign_id"),
        product_line=f.get("product_line", ""),
        created_after=f.get("created_after"),
        created_before=f.get("created_before"),
    )
    return _stream(leads_visible_to(user=user, filters=filters), LEAD_COLUMNS)


def _queue(user: Any, f: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    paths = [c.path for c in LEAD_COLUMNS]
    # Most urgent first, as the queue page lists them.
    return queue_for(user=user).values_list(*paths).iterator(chunk_size=CHUNK_ROWS)


TOUCH_COLUMNS = (
    Column("id", "id", "int"),
    Column("lead_id", "lead_id", "int"),
    Column("contact_id", "contact_id", "int"),
    Column("contact_email", "contact__email"),
    Column("kind", "kind"),
    Column("team", "team"),
    Column("channel", "channel"),
    Column("campaign_id", "campaign_id", "int"),
    Column("campaign_name", "campaign__name"),
    Column("actor_id", "actor_id", "int"),
    Column("actor_username", "actor__username"),
    Column("occurred_at", "occurred_at", "datetime"),
    Column("collateral", "collateral"),
    Column("note", "note"),
    Column("created_at", "created_at", "datetime"),
)


def _touches(user: Any, f: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    qs = touches_visible_to(user=user, lead_id=f.get("lead_id"))
    if "kind" in f:
        qs = qs.filter(kind=f["kind"])
    if "campaign_id" in f:
        qs = qs.filter(campaign_id=f["campaign_id"])
    qs = _window(qs, f.get("occurred_after"), f.get("occurred_before"), "occurred_at")
    return _stream(qs, TOUCH_COLUMNS)


CAMPAIGN_COLUMNS = (
    Column("id", "id", "int"),
    Column("name", "name"),
    Column("channel", "channel"),
    Column("product_line", "product_line"),
    Column("budget", "budget", "decimal"),
    Column("starts_on", "starts_on", "date"),
    Column("ends_on", "ends_on", "date"),
    Column("owner_id", "owner_id", "int"),
    Column("owner_username", "owner__username"),
    Column("created_at", "created_at", "datetime"),
    Column("updated_at", "updated_at", "datetime"),
)


def _campaigns(user: Any, f: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    return _stream(campaigns_visible_to(user=user, search=f.get("q", "")), CAMPAIGN_COLUMNS)


EVENT_COLUMNS = (
    Column("seq", "seq", "int"),
    Column("kind", "kind"),
    Column("occurred_at", "occurred_at", "datetime"),
    Column("recorded_at", "recorded_at", "datetime"),
    Column("actor_id", "actor_id", "int"),
    Column("actor_username", "actor__username"),
    Column("subject_type", "subject_type"),
    Column("subject_id", "subject_id", "int"),
    Column("lead_id", "lead_id", "int"),
    Column("payload", "payload", "json"),
    Column("imported", "imported", "bool"),
    Column("prev_hash", "prev_hash"),
    Column("hash", "hash"),
)


def _events(user: Any, f: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    # Every signed-in user reads lead timelines; the ledger is the shared record of them.
    qs: QuerySet[Any] = Event.objects.all()
    for name in ("lead_id", "kind", "subject_type"):
        if name in f:
            qs = qs.filter(**{name: f[name]})
    if "after_seq" in f:
        qs = qs.filter(seq__gt=f["after_seq"])
    qs = _window(qs, f.get("occurred_after"), f.get("occurred_before"), "occurred_at")
    paths = [c.path for c in EVENT_COLUMNS]
    return qs.order_by("seq").values_list(*paths).iterator(chunk_size=CHUNK_ROWS)


SCOREBOARD_COLUMNS = (
    Column("period", "period"),
    Column("team", "team"),
    Column("commitment", "commitment"),
    Column("unit", "unit"),
    Column("person", "person"),
    Column("target", "target", "decimal"),
    Column("actual", "actual", "decimal"),
    Column("numerator", "numerator", "int"),
    Column("denominator", "denominator", "int"),
    Column("projected", "projected", "decimal"),
    Column("on_track", "on_track", "bool"),
)


def _scoreboard(user: Any, f: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    period = f.get("period") or scoreboard.parse_period("")
    for row in scoreboard.flat_rows(scoreboard.scoreboard(period=period)):
        row = {**row, "period": period.key}
        yield tuple(row[c.path] for c in SCOREBOARD_COLUMNS)


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind(
            "contacts",
            "People; merged-away contacts only with include_merged.",
            CONTACT_COLUMNS,
            (Q_FILTER, INCLUDE_MERGED),
            _contacts,
        ),
        Kind(
            "companies",
            "Organisations; merged-away companies only with include_merged.",
            COMPANY_COLUMNS,
            (Q_FILTER, INCLUDE_MERGED),
            _companies,
        ),
        Kind(
            "leads", "Leads, with the filters of the lead list.", LEAD_COLUMNS, LEAD_FILTERS, _leads
        ),
        Kind(
            "queue",
            "The caller's queue, most urgent first (the columns of leads).",
            LEAD_COLUMNS,
            (),
            _queue,
            personal=True,
        ),
        Kind(
            "touches",
            "Touches on leads.",
            TOUCH_COLUMNS,
            (
                LEAD_ID,
                Filter("kind", _choice(list(TouchKind.values)), KIND_HELP),
                CAMPAIGN_ID,
                OCCURRED_AFTER,
                OCCURRED_BEFORE,
            ),
            _touches,
        ),
        Kind("campaigns", "Marketing campaigns.", CAMPAIGN_COLUMNS, (Q_FILTER,), _campaigns),
        Kind(
            "events",
            "The ledger, in sequence order, with each event's hash.",
            EVENT_COLUMNS,
            (
                LEAD_ID,
                Filter("kind", _text(64), KIND_HELP),
                Filter("subject_type", _text(32), "subject type, e.g. lead"),
                Filter("after_seq", _id, "only events after this sequence number"),
                OCCURRED_AFTER,
                OCCURRED_BEFORE,
            ),
            _events,
        ),
        Kind(
            "scoreboard",
            "The scoreboard report: one row per commitment and per person.",
            SCOREBOARD_COLUMNS,
            (Filter("period", _period, scoreboard.PERIOD_HELP),),
            _scoreboard,
        ),
    )
}


def filter_help() -> dict[str, str]:
    """Every filter any kind takes, with what it means and which kinds take it (CLI help)."""
    helps: dict[str, str] = {}
    takers: dict[str, list[str]] = {}
    for kind in KINDS.values():
        for f in kind.filters:
            helps.setdefault(f.name, f.help)
            takers.setdefault(f.name, []).append(kind.key)
    return {name: f"{helps[name]} ({', '.join(takers[name])})" for name in helps}


def get_kind(key: str) -> Kind:
    kind = KINDS.get(key)
    if kind is None:
        raise UnknownKind(
            f"Nothing called {key[:40]!r} can be exported; choose one of {', '.join(KINDS)}.",
            field="kind",
        )
    return kind


# Cells


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def json_cell(value: Any, column: Column) -> Any:
    """A value for JSON: numbers and booleans stay native; decimals and times become text."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return _utc(value)
    if isinstance(value, date | Decimal):
        return str(value)
    return value


def neutralise(text: str) -> str:
    """OWASP: prefix a would-be formula with a single quote so spreadsheets show it as text."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value: Any, column: Column) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return _utc(value)
    if column.type == "json":
        text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    else:
        text = str(value)
    # A number in a numeric column is data, not a formula: -5 stays -5.
    if column.type in NUMERIC and _PLAIN_NUMBER.fullmatch(text):
        return text
    return neutralise(text)


# Writing


@dataclass
class Export:
    """A validated export, ready to stream. Nothing runs until `chunks()` is iterated."""

    kind: Kind
    format: str
    user: Any
    filters: dict[str, Any]
    rows_written: int = 0
    started_at: datetime = field(default_factory=timezone.now)

    @property
    def content_type(self) -> str:
        return FORMATS[self.format][0]

    @property
    def filename(self) -> str:
        stamp = self.started_at.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
        return f"truce-{self.kind.key}-{stamp}.{FORMATS[self.format][1]}"

    def chunks(self) -> Iterator[str]:
        writer = {"csv": self._csv, "json": self._json, "jsonl": self._jsonl}[self.format]
        return writer()

    def _rows(self) -> Iterator[tuple[Any, ...]]:
        for row in self.kind.rows(self.user, self.filters):
            self.rows_written += 1
            yield row

    def _csv(self) -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        columns = self.kind.columns
        writer.writerow([c.name for c in columns])
        for row in self._rows():
            writer.writerow([csv_cell(v, c) for v, c in zip(row, columns, strict=True)])
            if buffer.tell() >= FLUSH_CHARS:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    def _objects(self) -> Iterator[str]:
        columns = self.kind.columns
        for row in self._rows():
            item = {c.name: json_cell(v, c) for v, c in zip(row, columns, strict=True)}
            yield json.dumps(item, ensure_ascii=False)

    def _json(self) -> Iterator[str]:
        parts, size, separator = ["["], 1, "\n"
        for text in self._objects():
            parts.append(separator + text)
            size += len(text) + 2
            separator = ",\n"
            if size >= FLUSH_CHARS:
                yield "".join(parts)
                parts, size = [], 0
        parts.append("\n]\n")
        yield "".join(parts)

    def _jsonl(self) -> Iterator[str]:
        parts, size = [], 0
        for text in self._objects():
            parts.append(text + "\n")
            size += len(text) + 1
            if size >= FLUSH_CHARS:
                yield "".join(parts)
                parts, size = [], 0
        yield "".join(parts)


def start_export(*, kind: str, format: str, user: Any, params: Mapping[str, str]) -> Export:
    """Check the kind, format and filters now, so a bad request fails before anything streams."""
    found = get_kind(kind)
    if found.personal and user is None:
        raise DomainError(
            f"The {found.key} is a person's own: export it signed in (the API or the page); "
            "from the command line use `truce export leads --owner USERNAME`.",
            field="kind",
        )
    if format not in FORMATS:
        raise UnknownFormat(
            f"{format[:20]!r} is not an export format; choose one of {', '.join(FORMATS)}.",
            field="format",
        )
    return Export(kind=found, format=format, user=user, filters=parse_filters(found, params))
