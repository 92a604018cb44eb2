"""Names, titles and companies drawn once from Faker, then picked from at full speed.

Faker takes tens of microseconds per value, too slow for a million leads, so each pool is
filled once from a Faker seeded with the demo seed and the generator picks from it. Each entry
keeps its JSON-quoted form for the ledger payloads.
"""

import json
import re
from dataclasses import dataclass

from faker import Faker

INDUSTRIES = [
    "Software",
    "Manufacturing",
    "Retail",
    "Healthcare",
    "Financial services",
    "Logistics",
    "Education",
    "Media",
    "Energy",
    "Hospitality",
]
COUNTRIES = ["US", "US", "US", "GB", "DE", "FR", "NL", "CA", "AU", "SE", "ES", "IE"]


def quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "company"


@dataclass(frozen=True)
class Pools:
    first_names: list[tuple[str, str, str]]  # (name, email part, quoted)
    last_names: list[tuple[str, str, str]]
    titles: list[tuple[str, str]]
    company_names: list[tuple[str, str, str]]  # (name, domain stem, quoted)


def _people(names: list[str]) -> list[tuple[str, str, str]]:
    return [(n, re.sub(r"[^a-z]", "", n.lower()) or "x", quoted(n)) for n in names]


def build_pools(seed: int) -> Pools:
    fake = Faker("en_US")
    fake.seed_instance(seed)
    firsts = sorted({fake.first_name() for _ in range(700)})
    lasts = sorted({fake.last_name() for _ in range(700)})
    titles = sorted({fake.job() for _ in range(200)})
    companies = sorted({fake.company() for _ in range(2500)})
    return Pools(
        first_names=_people(firsts),
        last_names=_people(lasts),
        titles=[(t, quoted(t)) for t in titles],
        company_names=[(c, _slug(c), quoted(c)) for c in companies],
    )
