"""Checking what a person wrote for a playbook before anything is saved: each refusal names the
field at fault (`steps.2.why` for the third step's reason) and says what to do."""

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from truce.errors import DomainError
from truce.funnel.models import Stage, Term

KEY_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RESERVED_KEYS = ("new", "due", "for-lead")  # /playbooks/<these>/ are pages
MAX_STEPS = 60
MAX_BODY = 100_000
MAX_CADENCE_DAYS = 3650
STEP_LIMITS = {"who": 200, "what": 4000, "why": 4000}


@dataclass(frozen=True)
class StepIn:
    who: str
    what: str
    why: str


def check_key(key: str) -> str:
    key = (key or "").strip()
    if key in RESERVED_KEYS:
        raise DomainError(f"{key!r} names a page; choose another key.", field="key")
    if not KEY_PATTERN.match(key) or len(key) > 80:
        raise DomainError(
            "A key is lower-case letters, digits and single hyphens, at most 80 characters "
            "(for example customer-journey-sales).",
            field="key",
        )
    return key


def check_text(value: Any, *, field: str, limit: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(f"The {field.replace('_', ' ')} is required.", field=field)
    if len(text) > limit:
        raise DomainError(f"At most {limit} characters, not {len(text)}.", field=field)
    return text


def check_body(body: Any) -> str:
    text = str(body or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_BODY:
        raise DomainError(f"The body is limited to {MAX_BODY} characters.", field="body")
    return text


def _check_step(index: int, step: Any) -> StepIn:
    values = step if isinstance(step, dict) else vars(step)
    cleaned = {}
    for name, limit in STEP_LIMITS.items():
        raw = str(values.get(name) or "")
        text = " ".join(raw.split()) if name == "who" else raw.replace("\r\n", "\n").strip()
        if not text:
            raise DomainError(_missing(index, name, values), field=f"steps.{index}.{name}")
        if len(text) > limit:
            raise DomainError(
                f"Step {index + 1}: at most {limit} characters.", field=f"steps.{index}.{name}"
            )
        cleaned[name] = text
    return StepIn(**cleaned)


def _missing(index: int, name: str, values: dict[str, Any]) -> str:
    if name == "why":
        what = " ".join(str(values.get("what") or "").split())[:60]
        return (
            f'Step {index + 1} ("{what}") does not say why. Every step must say why it is '
            "done, so that a review can tell whether it still earns its place."
        )
    return f"Step {index + 1} does not say {name} {'does it' if name == 'who' else 'is done'}."


def check_steps(steps: Any) -> list[StepIn]:
    steps = list(steps or [])
    if not steps:
        raise DomainError("A playbook needs at least one step.", field="steps")
    if len(steps) > MAX_STEPS:
        raise DomainError(f"At most {MAX_STEPS} steps.", field="steps")
    return [_check_step(i, step) for i, step in enumerate(steps)]


def check_cadence(days: Any) -> int:
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_CADENCE_DAYS:
        raise DomainError(
            f"The review cadence is a whole number of days from 1 to {MAX_CADENCE_DAYS}.",
            field="review_cadence_days",
        )
    return days


def check_collateral(items: Any) -> list[dict[str, str]]:
    cleaned = []
    for index, item in enumerate(list(items or [])):
        title = " ".join(str(item.get("title") or "").split())
        url = str(item.get("url") or "").strip()
        if not title or len(title) > 200:
            raise DomainError(
                f"Collateral {index + 1} needs a title of at most 200 characters.",
                field=f"collateral.{index}.title",
            )
        parts = urlsplit(url)
        # Only web addresses: a javascript: or data: link must never reach a page.
        if url and (parts.scheme not in ("http", "https") or not parts.hostname):
            raise DomainError(
                f"Collateral {index + 1}: the address must be a full http(s):// URL.",
                field=f"collateral.{index}.url",
            )
        cleaned.append({"title": title, "url": url})
    return cleaned


def resolve_stages(keys: Any) -> list[Stage]:
    wanted = list(dict.fromkeys(str(k) for k in keys or []))
    found = {s.key: s for s in Stage.objects.filter(key__in=wanted)}
    unknown = [k for k in wanted if k not in found]
    if unknown:
        raise DomainError(f"No funnel stage with key {unknown[0]!r}.", field="stages")
    return sorted(found.values(), key=lambda s: s.position)


def resolve_terms(keys: Any) -> list[Term]:
    wanted = list(dict.fromkeys(str(k) for k in keys or []))
    found = {t.key: t for t in Term.objects.filter(key__in=wanted)}
    unknown = [k for k in wanted if k not in found]
    if unknown:
        raise DomainError(f"No glossary term with key {unknown[0]!r}.", field="terms")
    return sorted(found.values(), key=lambda t: t.key)
