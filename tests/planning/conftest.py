"""Planning fixtures: plans made through the services, and closed leads to measure."""

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from truce.funnel.models import Lead, Outcome
from truce.identity import services as identity_services
from truce.ledger.models import Event
from truce.planning import services
from truce.planning.models import Decision, Finding, Plan, PlanRevision, ReviewMeeting

Q4_2025 = date(2025, 10, 1)
Q1_2026 = date(2026, 1, 1)  # 31 + 28 + 31 = 90 days: 90 / 7 = 12.857 weeks


@pytest.fixture
def make_plan(admin_user):
    def make(
        start: date = Q1_2026, product_line: str = "Analytics", kind: str = "quarter", **fields: Any
    ) -> Plan:
        return services.create_plan(
            actor=admin_user,
            period_kind=kind,
            period_start=start,
            product_line=product_line,
            fields=fields,
        )

    return make


@pytest.fixture
def closed_leads(make_lead):
    """`count` MQLs of a line closed `days_ago` days ago with an outcome and an amount."""

    def make(
        count: int,
        *,
        product_line: str,
        outcome: str = Outcome.LOST,
        amount: str | None = None,
        days_ago: int = 30,
        qualified: bool = True,
    ) -> None:
        when = timezone.now() - timedelta(days=days_ago)
        for _ in range(count):
            lead = make_lead()
            Lead.objects.filter(pk=lead.pk).update(
                product_line=product_line,
                qualified_at=when - timedelta(days=10) if qualified else None,
                outcome=outcome,
                outcome_at=when,
                amount=Decimal(amount) if amount is not None else None,
            )

    return make


@pytest.fixture
def codes():
    def of(plan: Plan) -> list[str]:
        plan.refresh_from_db()
        return [f.code for f in Finding.objects.filter(revision=plan.current).order_by("pk")]

    return of


@pytest.fixture
def finding_of():
    def of(plan: Plan, code: str) -> Finding:
        plan.refresh_from_db()
        return Finding.objects.get(revision=plan.current, code=code)

    return of


@pytest.fixture
def counts():
    """Every row a planning write could make, to assert that a refusal made none."""

    def snapshot() -> dict[str, int]:
        return {
            "plans": Plan.objects.count(),
            "revisions": PlanRevision.objects.count(),
            "findings": Finding.objects.count(),
            "resolved": Finding.objects.filter(resolved_by__isnull=False).count(),
            "meetings": ReviewMeeting.objects.count(),
            "decisions": Decision.objects.count(),
            "events": Event.objects.count(),
        }

    return snapshot


class Api:
    def __init__(self, token: str):
        self.client = Client(headers={"Authorization": f"Bearer {token}"})

    def get(self, path: str):
        return self.client.get("/api/v1" + path)

    def post(self, path: str, body: Any, **headers: str):
        return self.client.post(
            "/api/v1" + path, json.dumps(body), content_type="application/json", headers=headers
        )

    def patch(self, path: str, body: Any):
        return self.client.patch(
            "/api/v1" + path, json.dumps(body), content_type="application/json"
        )


@pytest.fixture
def api_for():
    def make(user) -> Api:
        return Api(identity_services.create_api_token(user=user, name="tests")[1])

    return make


@pytest.fixture
def error_of():
    def get(response) -> tuple[int, str, str | None]:
        body = response.json()
        assert body["errors"][0] == {k: body[k] for k in ("code", "field", "message")}
        return response.status_code, body["code"], body["field"]

    return get
