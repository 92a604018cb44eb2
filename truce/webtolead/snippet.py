"""The embeddable HTML: a plain <form> posting to Truce, and an optional inline script."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from .intake import HONEYPOT, MAX_CHARS
from .models import FormField, WebForm
from .services import UTM_NAMES

_INPUT_TYPES = {"phone": "tel", "message": "textarea"}
_AUTOCOMPLETE = {
    "first_name": "given-name",
    "last_name": "family-name",
    "company": "organization",
    "title": "organization-title",
    "phone": "tel",
    "country": "country",
}


def submit_url(form: WebForm, base_url: str | None = None) -> str:
    base = settings.TRUCE_BASE_URL if base_url is None else base_url
    return base + reverse("webtolead:submit", args=[form.key])


def _fields(form: WebForm) -> list[dict[str, object]]:
    labels = dict(FormField.choices)
    return [
        {
            "name": name,
            "label": labels[name],
            "type": _INPUT_TYPES.get(name, "text"),
            "maxlength": MAX_CHARS.get(name, settings.TRUCE_WEBFORM_MAX_MESSAGE_CHARS),
            "autocomplete": _AUTOCOMPLETE.get(name, "off"),
        }
        for name in form.fields
    ]


def render_snippet(form: WebForm, *, base_url: str | None = None, script: bool = True) -> str:
    """What a site owner pastes into their page. `base_url=""` gives a relative action, for
    the hosted page Truce serves itself."""
    return render_to_string(
        "webtolead/snippet.html",
        {
            "form": form,
            "action": submit_url(form, base_url),
            "fields": _fields(form),
            "honeypot": HONEYPOT,
            "utm_names": UTM_NAMES,
            "script": script,
        },
    ).strip()
