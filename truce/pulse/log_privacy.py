"""Keeping people out of the logs of team-pulse requests.

Truce's own logging (Django's `django.request`, `django.security.*`, `django.server`) passes
through `ScrubPulseRequests`: a record about a pulse request loses the request object (which a
formatter could print with the user, session and address) and its time is cut to the day.
Gunicorn's access log (off unless an operator turns it on) writes no line at all for pulse
requests: a line kept without its address would still sit, in order, between timed lines of
the same visitor's other requests. A reverse proxy in front of Truce keeps its own logs; see
docs/how-to/team-pulse.md for the lines to add to it."""

import logging
from datetime import UTC, datetime
from typing import Any

from gunicorn.glogging import Logger as GunicornLogger

PULSE_PREFIXES = ("/pulse/", "/api/v1/pulse/")
WITHHELD = "[withheld: team pulse]"


def is_pulse_path(path: str) -> bool:
    return any(path.startswith(prefix) for prefix in PULSE_PREFIXES) or path.rstrip("/") in (
        "/pulse",
        "/api/v1/pulse",
    )


def _path_of(record: logging.LogRecord) -> str:
    request = getattr(record, "request", None)
    path = getattr(request, "path", None)
    if isinstance(path, str):
        return path
    # runserver's access lines (django.server) carry the request line as the first argument.
    args = record.args if isinstance(record.args, tuple) else ()
    if record.name == "django.server" and args and isinstance(args[0], str):
        parts = args[0].split()
        return parts[1] if len(parts) > 1 else ""
    return ""


def _day_start(created: float) -> float:
    moment = datetime.fromtimestamp(created, tz=UTC)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


class ScrubPulseRequests(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not is_pulse_path(_path_of(record).split("?", 1)[0]):
            return True
        for name in ("request", "server_time"):
            if hasattr(record, name):
                setattr(record, name, WITHHELD)
        record.created = _day_start(record.created)
        record.msecs = 0.0
        record.relativeCreated = 0.0
        return True


class PulsePrivateLogger(GunicornLogger):
    """Gunicorn's logger, minus access lines for team-pulse requests."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if is_pulse_path(environ.get("PATH_INFO", "")):
            return
        super().access(resp, req, environ, request_time)
