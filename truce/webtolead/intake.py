"""Reading a public submission: body size, content type, the honeypot, and each field's limits.

Everything here refuses with a DomainError naming the field; nothing here writes.
"""

import json
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest

from truce.errors import DomainError

from .errors import BodyTooLarge, UnsupportedMediaType
from .models import WebForm
from .services import UTM_NAMES, Entry

HONEYPOT = "website"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# The longest value each field takes: the column it lands in (utm_source becomes the lead's
# source and utm_medium the touch's channel, both 64 characters).
MAX_CHARS = {
    "email": 254,
    "first_name": 100,
    "last_name": 100,
    "company": 200,
    "title": 150,
    "phone": 50,
    "country": 2,
    "utm_source": 64,
    "utm_medium": 64,
    "utm_campaign": 200,
    "utm_term": 200,
    "utm_content": 200,
}
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


def is_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json"


def check_size(request: HttpRequest) -> None:
    limit = settings.TRUCE_WEBFORM_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit or len(request.body) > limit:
        raise BodyTooLarge(f"The submission is larger than {limit} bytes.", field=None)


def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise DomainError(
            "The request body is not valid JSON.", field=None, code="malformed_json"
        ) from None
    if not isinstance(data, dict):
        raise DomainError("The request needs a JSON object as its body.", field=None)
    for name, value in data.items():
        if value is not None and not isinstance(value, str):
            raise DomainError(f"{name} must be a string.", field=str(name))
    return {str(k): v or "" for k, v in data.items()}


def read_body(request: HttpRequest) -> dict[str, Any]:
    """The submitted fields as a dict of strings, from a form post or a JSON object."""
    if is_json(request):
        return _json_body(request)
    if request.content_type in FORM_TYPES:
        try:
            return {name: request.POST.get(name, "") for name in request.POST}
        except (TooManyFieldsSent, RequestDataTooBig):
            raise BodyTooLarge("The submission has too many fields.", field=None) from None
    raise UnsupportedMediaType(
        "Send the form as application/x-www-form-urlencoded or as application/json.",
        field="Content-Type",
    )


def is_spam(data: dict[str, Any]) -> bool:
    """People never see the honeypot input; only a bot fills it in."""
    return bool(str(data.get(HONEYPOT, "")).strip())


def _check_known(form: WebForm, data: dict[str, Any]) -> None:
    known = {"email", HONEYPOT, *form.fields, *UTM_NAMES}
    unknown = sorted(set(data) - known)
    if unknown:
        raise DomainError(
            f"{unknown[0]!r} is not a field of this form.", field=unknown[0], code="unknown_field"
        )


def _value(name: str, raw: Any) -> str:
    value = str(raw).strip()
    if "\x00" in value:
        raise DomainError(f"{name} contains a NUL character.", field=name)
    limit = MAX_CHARS.get(name, settings.TRUCE_WEBFORM_MAX_MESSAGE_CHARS)
    if name == "country" and value and not _COUNTRY.match(value):
        raise DomainError("Use the two-letter ISO country code, such as GB.", field=name)
    if len(value) > limit:
        raise DomainError(f"{name} is longer than {limit} characters.", field=name, code="too_long")
    return value


def clean(form: WebForm, data: dict[str, Any], query: dict[str, Any], *, strict: bool) -> Entry:
    """An Entry from the fields this form accepts; UTM values from the body, else the query
    string of the address the form posted to. `strict` (JSON) refuses unknown keys; a form
    post ignores them (submit buttons and page builders add names of their own)."""
    if strict:
        _check_known(form, data)
    fields = {name: _value(name, data.get(name, "")) for name in form.fields}
    utm = {name: _value(name, data.get(name) or query.get(name) or "") for name in UTM_NAMES}
    email = _value("email", data.get("email", ""))
    if fields.get("country"):
        fields["country"] = fields["country"].upper()
    return Entry(email=email, utm={k: v for k, v in utm.items() if v}, **fields)
