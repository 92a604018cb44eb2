"""Joint reviews: attendees, decisions with owners and due dates, findings they resolve."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from truce.errors import DomainError, PermissionDenied
from truce.identity.models import Role
from truce.ledger.models import Event
from truce.planning import services
from truce.planning.disconnects import LEADS_ABOVE_CAPACITY, TOO_FEW_CAMPAIGNS
from truce.planning.models import Finding
from truce.planning.services import DecisionEntry

pytestmark = pytest.mark.django_db

DUE = date(2026, 2, 15)


@pytest.fixture
def plan(make_agreement, make_plan):
    make_agreement(
        [
            {"kind": "touches", "target": 5, "days": 7},
            {"kind": "campaign_count", "target": 1, "period": "month"},
        ]
    )
    # 4 × 35 ÷ 5 × 90/7 = 360 < 400 leads; 2 < 3 campaigns: two findings.
    return make_plan(lead_target=400, reps=4, touches_per_rep_per_week=35, planned_campaigns=2)


def _finding(plan, code):
    return Finding.objects.get(revision=plan.current, code=code)


def test_a_decision_resolves_a_finding(plan, owners):
    marketing, sales = owners
    capacity = _finding(plan, LEADS_ABOVE_CAPACITY)
    today = timezone.localdate()

    meeting = services.record_review(
        plan=plan,
        actor=sales,
        held_on=today,
        attendees=[marketing, sales],
        notes="Monthly joint review.",
        decisions=[
            DecisionEntry(
                text="Hire a fifth rep", owner=sales, due_on=DUE, resolves=(capacity.pk,)
            ),
            DecisionEntry(text="Publish the webinar calendar", owner=marketing, due_on=DUE),
        ],
    )

    capacity.refresh_from_db()
    hire, calendar = meeting.decisions.order_by("pk")
    assert capacity.resolved_by == hire
    assert capacity.resolved_at is not None
    assert _finding(plan, TOO_FEW_CAMPAIGNS).resolved_by is None
    assert sorted(meeting.attendees.values_list("username", flat=True)) == [
        "vp_marketing",
        "vp_sales",
    ]
    assert (hire.owner, hire.due_on, calendar.owner) == (sales, DUE, marketing)
    event = Event.objects.filter(kind="plan.reviewed").get()
    assert event.actor_id == sales.pk
    assert event.payload == {
        "meeting_id": meeting.pk,
        "held_on": today.isoformat(),
        "revision": 1,
        "attendees": sorted([marketing.pk, sales.pk]),
        "decisions": [
            {
                "id": hire.pk,
                "text": "Hire a fifth rep",
                "owner_id": sales.pk,
                "due_on": "2026-02-15",
                "resolves": [{"finding_id": capacity.pk, "code": LEADS_ABOVE_CAPACITY}],
            },
            {
                "id": calendar.pk,
                "text": "Publish the webinar calendar",
                "owner_id": marketing.pk,
                "due_on": "2026-02-15",
                "resolves": [],
            },
        ],
    }


def test_a_resolution_carries_to_the_next_revision_while_the_numbers_hold(plan, owners):
    marketing, sales = owners
    capacity = _finding(plan, LEADS_ABOVE_CAPACITY)
    services.record_review(
        plan=plan,
        actor=sales,
        held_on=timezone.localdate(),
        attendees=[sales],
        decisions=[DecisionEntry(text="Accept", owner=sales, due_on=DUE, resolves=(capacity.pk,))],
    )

    capacity.refresh_from_db()

    services.revise_plan(plan=plan, actor=marketing, changes={"budget": "1000"})
    assert _finding(plan, LEADS_ABOVE_CAPACITY).resolved_by_id == capacity.resolved_by_id
    assert capacity.resolved_by_id is not None

    services.revise_plan(plan=plan, actor=marketing, changes={"lead_target": 500})
    assert _finding(plan, LEADS_ABOVE_CAPACITY).resolved_by is None  # new numbers: review again


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"held_on": "tomorrow"}, "held_on"),
        ({"attendees": []}, "attendees"),
        ({"text": "  "}, "decisions[0].text"),
        ({"owner": None}, "decisions[0].owner"),
        ({"resolves": "other"}, "decisions[0].resolves"),
        ({"resolves": "twice"}, "decisions[1].resolves"),
    ],
)
def test_a_bad_review_is_refused_and_nothing_changes(
    plan, owners, make_plan, counts, change, field
):
    _, sales = owners
    other = make_plan(product_line="Platform", lead_target=999)
    mine = _finding(plan, LEADS_ABOVE_CAPACITY).pk
    resolves = {
        "other": (_finding(other, LEADS_ABOVE_CAPACITY).pk,),
        "twice": (mine,),
    }.get(change.get("resolves"), (mine,))
    held_on = timezone.localdate() + timedelta(days=1 if "held_on" in change else 0)
    decisions = [
        DecisionEntry(
            text=change.get("text", "Hire"),
            owner=change.get("owner", sales),
            due_on=DUE,
            resolves=resolves,
        )
    ]
    if change.get("resolves") == "twice":
        decisions.append(DecisionEntry(text="Again", owner=sales, due_on=DUE, resolves=(mine,)))
    before = counts()

    with pytest.raises(DomainError) as refused:
        services.record_review(
            plan=plan,
            actor=sales,
            held_on=held_on,
            attendees=change.get("attendees", [sales]),
            decisions=decisions,
        )

    assert refused.value.field == field
    assert counts() == before


def test_a_resolved_finding_cannot_be_resolved_again(plan, owners, counts):
    _, sales = owners
    capacity = _finding(plan, LEADS_ABOVE_CAPACITY).pk
    entry = DecisionEntry(text="Hire", owner=sales, due_on=DUE, resolves=(capacity,))
    review = {"plan": plan, "actor": sales, "held_on": timezone.localdate(), "attendees": [sales]}
    services.record_review(**review, decisions=[entry])
    before = counts()

    with pytest.raises(DomainError) as refused:
        services.record_review(**review, decisions=[entry])

    assert refused.value.field == "decisions[0].resolves"
    assert counts() == before


@pytest.mark.parametrize("role", [Role.MARKETER, Role.SALES_REP, Role.VIEWER])
def test_only_owners_record_reviews(plan, make_user, counts, role):
    user = make_user(role)
    before = counts()
    with pytest.raises(PermissionDenied):
        services.record_review(
            plan=plan, actor=user, held_on=timezone.localdate(), attendees=[user], decisions=[]
        )
    assert counts() == before
