"""How identity is compared: the one definition of "the same email" and "the same domain"."""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from .errors import InvalidDomain, InvalidEmail

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def email_key(email: str) -> str | None:
    """Trimmed and lower-cased; None for a blank email. Raises on a malformed one."""
    cleaned = email.strip()
    if not cleaned:
        return None
    try:
        validate_email(cleaned)
    except ValidationError:
        raise InvalidEmail(f"{email!r} is not a valid email address.", field="email") from None
    return cleaned.lower()


def domain_key(value: str) -> str | None:
    """A bare host from a domain or a web address: `https://www.Acme.com/x` -> `acme.com`."""
    cleaned = value.strip().lower()
    if not cleaned:
        return None
    host = urlsplit(cleaned if "//" in cleaned else f"//{cleaned}").hostname or ""
    host = host.rstrip(".")
    if host.startswith("www.") and "." in host[4:]:  # www.acme.com is acme.com; www.com is not
        host = host[4:]
    if not _DOMAIN.match(host):
        raise InvalidDomain(f"{value!r} is not a valid web domain.", field="domain")
    return host
