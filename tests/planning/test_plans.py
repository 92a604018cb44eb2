"""Plans: every change a new revision with a ledger event; each side edited by its own team."""

from datetime import date
from decimal import Decimal

import pytest

from truce.errors import Conflict, DomainError, PermissionDenied
from truce.identity.models import Role
from truce.ledger.models import Event
from truce.planning import services
from truce.planning.models import PlanRevision

from .conftest import Q1_2026

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(make_plan):
    return make_plan(budget="50000", lead_target=400, revenue_target="900000", reps=4)


def test_a_plan_starts_at_revision_one_with_an_event(plan, admin_user):
    assert (plan.revision_count, plan.current.number) == (1, 1)
    assert plan.period_label == "2026-Q1"
    assert plan.current.budget == Decimal("50000.00")
    kinds = list(Event.objects.filter(subject_type="plan").values_list("kind", flat=True))
    assert kinds == ["plan.created", "plan.revised"]
    revised = Event.objects.get(kind="plan.revised")
    assert revised.actor_id == admin_user.pk
    assert revised.payload["revision"] == 1
    assert revised.payload["changes"]["budget"] == ["0.00", "50000.00"]


def test_a_change_is_a_new_revision_and_history_stays(plan, owners):
    marketing, _ = owners

    revision = services.revise_plan(
        plan=plan, actor=marketing, changes={"budget": "45000"}, note="Trimmed for Q1 events."
    )

    assert revision.number == 2
    assert list(plan.revisions.order_by("number").values_list("number", "budget")) == [
        (1, Decimal("50000.00")),
        (2, Decimal("45000.00")),
    ]
    assert revision.lead_target == 400 and revision.reps == 4  # the rest carried over
    event = Event.objects.filter(kind="plan.revised").latest("seq")
    assert event.payload == {
        "revision": 2,
        "changes": {"budget": ["50000.00", "45000.00"]},
        "note": "Trimmed for Q1 events.",
        "findings": [],
    }


def test_saving_the_same_values_makes_no_revision(plan, admin_user, counts):
    before = counts()

    same = services.revise_plan(plan=plan, actor=admin_user, changes={"budget": "50000.00"})

    assert same.number == 1
    assert counts() == before


@pytest.mark.parametrize(
    ("role", "field", "value"),
    [
        (Role.MARKETING_OWNER, "revenue_target", "1"),
        (Role.MARKETING_OWNER, "reps", 9),
        (Role.SALES_OWNER, "budget", "1"),
        (Role.SALES_OWNER, "lead_target", 1),
    ],
)
def test_each_owner_edits_only_their_side(plan, make_user, counts, role, field, value):
    owner = make_user(role)
    before = counts()

    with pytest.raises(PermissionDenied) as refused:
        services.revise_plan(plan=plan, actor=owner, changes={field: value})

    assert refused.value.field == field
    assert counts() == before


def test_the_sales_owner_edits_the_sales_side(plan, owners):
    _, sales = owners
    incentive = {"name": "Q1 SPIFF", "kind": "spiff", "amount": "2500.5"}

    revision = services.revise_plan(
        plan=plan, actor=sales, changes={"incentives": [incentive], "reps": 5}
    )

    assert revision.incentives == [{"name": "Q1 SPIFF", "kind": "spiff", "amount": "2500.50"}]
    assert revision.reps == 5


@pytest.mark.parametrize("role", [Role.MARKETER, Role.SALES_REP, Role.VIEWER])
def test_others_may_not_plan(plan, make_user, counts, role):
    user = make_user(role)
    before = counts()
    with pytest.raises(PermissionDenied):
        services.revise_plan(plan=plan, actor=user, changes={"budget": "1"})
    with pytest.raises(PermissionDenied):
        services.create_plan(actor=user, period_kind="month", period_start=Q1_2026)
    assert counts() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"budget": "-1"}, "budget"),
        ({"budget": "lots"}, "budget"),
        ({"budget": "1e12"}, "budget"),
        ({"revenue_target": "NaN"}, "revenue_target"),
        ({"lead_target": -5}, "lead_target"),
        ({"reps": "two"}, "reps"),
        ({"reps": True}, "reps"),
        ({"incentives": "bonus"}, "incentives"),
        ({"incentives": [{"name": "", "kind": "bonus", "amount": "1"}]}, "incentives[0]"),
        ({"incentives": [{"name": "x", "kind": "gift", "amount": "1"}]}, "incentives[0]"),
        ({"incentives": [{"name": "x", "kind": "bonus", "amount": "-1"}]}, "incentives[0]"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_values_are_refused_and_nothing_changes(plan, admin_user, counts, changes, field):
    before = counts()

    with pytest.raises(DomainError) as refused:
        services.revise_plan(plan=plan, actor=admin_user, changes=changes)

    assert refused.value.field == field
    assert counts() == before


def test_linked_campaigns_cannot_outnumber_the_planned_count(
    plan, admin_user, make_campaign, counts
):
    campaigns = [make_campaign(), make_campaign()]
    before = counts()
    with pytest.raises(DomainError) as refused:
        services.revise_plan(
            plan=plan, actor=admin_user, changes={"planned_campaigns": 1, "campaigns": campaigns}
        )
    assert refused.value.field == "campaigns"
    assert counts() == before


def test_linked_campaigns_are_kept_per_revision(plan, admin_user, make_campaign):
    launch, webinar = make_campaign(name="Launch"), make_campaign(name="Webinar")

    services.revise_plan(
        plan=plan,
        actor=admin_user,
        changes={"planned_campaigns": 3, "campaigns": [webinar, launch]},
    )
    services.revise_plan(plan=plan, actor=admin_user, changes={"campaigns": [launch]})

    names = [sorted(c.name for c in r.campaigns.all()) for r in plan.revisions.order_by("number")]
    assert names == [[], ["Launch", "Webinar"], ["Launch"]]
    event = Event.objects.filter(kind="plan.revised").latest("seq")
    assert event.payload["changes"] == {"campaigns": [[launch.pk, webinar.pk], [launch.pk]]}


def test_an_edit_from_a_stale_revision_is_refused(plan, admin_user, counts):
    services.revise_plan(plan=plan, actor=admin_user, changes={"budget": "1"}, base_revision=1)
    before = counts()

    with pytest.raises(Conflict) as refused:
        services.revise_plan(plan=plan, actor=admin_user, changes={"reps": 2}, base_revision=1)

    assert refused.value.field == "base_revision"
    assert counts() == before


@pytest.mark.parametrize(
    ("kind", "start", "field"),
    [
        ("quarter", date(2026, 2, 1), "period_start"),
        ("month", date(2026, 2, 2), "period_start"),
        ("year", date(2026, 1, 1), "period_kind"),
    ],
)
def test_a_period_starts_on_its_first_day(admin_user, counts, kind, start, field):
    before = counts()
    with pytest.raises(DomainError) as refused:
        services.create_plan(actor=admin_user, period_kind=kind, period_start=start)
    assert refused.value.field == field
    assert counts() == before


def test_one_plan_per_period_line_and_segment(make_plan, counts):
    make_plan(product_line="Analytics")
    make_plan(product_line="Analytics", kind="month")
    before = counts()

    with pytest.raises(Conflict):
        make_plan(product_line="Analytics")

    assert counts() == before
    assert PlanRevision.objects.count() == 2
