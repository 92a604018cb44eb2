"""Why a report was refused. Each carries the HTTP status it answers with."""

from truce.errors import DomainError, NotFound


class UnknownReport(NotFound):
    code = "unknown_report"


class InvalidReportQuery(DomainError):
    """A `by`, a date or an option the report does not understand."""

    code = "invalid_query"
    status = 400
