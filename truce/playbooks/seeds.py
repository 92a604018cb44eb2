"""The template playbooks shipped with Truce (seeds/*.toml, Markdown inside), for the processes
the source articles name. Installing them is idempotent: a key that exists is left alone, so
a playbook people have already edited is never overwritten."""

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction

from truce.funnel.models import Stage, Term

from . import services
from .models import Playbook

SEED_DIR = Path(__file__).parent / "seeds"
ORDER = (
    "customer-journey-marketing",
    "customer-journey-sales",
    "greeting-customers",
    "onboarding-new-hires",
    "creating-content",
    "developing-campaigns",
    "hiring-and-firing",
    "evaluating-processes",
)


def template(key: str) -> dict[str, Any]:
    with (SEED_DIR / f"{key}.toml").open("rb") as handle:
        return tomllib.load(handle)


def _known(keys: list[str], model: Any) -> list[str]:
    """Links to stages or terms someone renamed or removed are dropped, not refused."""
    present = set(model.objects.filter(key__in=keys).values_list("key", flat=True))
    return [k for k in keys if k in present]


@transaction.atomic
def install_templates(
    *, actor: Any, owner: Any = None, due_dates: dict[str, date] | None = None
) -> list[Playbook]:
    """The playbooks created (those whose key was free). `due_dates` sets the first review
    of some of them (by key); the others are due one cadence from today."""
    existing = set(Playbook.objects.filter(key__in=ORDER).values_list("key", flat=True))
    created = []
    for key in ORDER:
        if key in existing:
            continue
        data = template(key)
        created.append(
            services.create_playbook(
                actor=actor,
                key=key,
                title=data["title"],
                purpose=data["purpose"],
                body=data["body"],
                steps=data["steps"],
                owner=owner,
                stages=_known(data["stages"], Stage),
                terms=_known(data["terms"], Term),
                collateral=data["collateral"],
                review_cadence_days=data["review_cadence_days"],
                next_review_due=(due_dates or {}).get(key),
                change_note="Installed from the Truce template.",
            )
        )
    return created
