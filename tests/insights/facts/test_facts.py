"""Per-lead facts kept live by the ledger's listener, checked against hand-worked journeys and
against a rebuild from the ledger (every column, both tables)."""

from decimal import Decimal

from truce.funnel import services as funnel
from truce.funnel.models import Reason, Stage
from truce.funnel.services.disposition import reject_lead
from truce.insights.facts.services import check_facts, rebuild_facts
from truce.ledger.models import Event
from truce.touches import services as touches

from .conftest import DAY, HOUR, T0


def _stages() -> dict[str, int]:
    return dict(Stage.objects.values_list("key", "pk"))


def _reason(kind: str, key: str) -> int:
    return Reason.objects.get(kind=kind, key=key).pk


def _when(lead, kind: str) -> object:
    """When the lead's last event of `kind` happened (services without a time use now)."""
    return Event.objects.filter(lead_id=lead.pk, kind=kind).order_by("-seq")[0].occurred_at


def test_a_won_journey_has_every_fact(won_journey, rep, facts_rows):
    lead, s = won_journey, _stages()

    rows = facts_rows()

    assert rows["lead"] == [
        {
            "lead_id": lead.pk,
            "contact_id": lead.contact_id,
            "company_id": lead.company_id,
            "created_at": T0,
            "cohort": "2026-01",
            "source": "webinar",
            "campaign_id": lead.campaign_id,
            "owner_id": rep.pk,
            "team": "sales",
            "product_line": "Platform",
            "stage_id": s["customer"],
            "stage_entered_at": T0 + 10 * DAY,
            "qualified_at": None,  # moved to MQL by hand: no definition qualified it
            "qualified_by_version": None,
            "assigned_at": T0,
            "disposition": "",
            "disposition_reason_id": None,
            "disposition_at": None,
            "opportunity_at": T0 + 5 * DAY,
            "outcome": "won",
            "outcome_reason_id": None,
            "outcome_at": T0 + 10 * DAY,
            "outcome_stage_id": s["presenting"],
            "amount": Decimal("1200.00"),
            "won_at": T0 + 10 * DAY,
            "recycled_count": 0,
            "recycled_at": None,
            "reopened_count": 0,
            "first_touch_at": T0 + HOUR,
            "last_touch_at": T0 + 6 * DAY,
            "first_sales_touch_at": T0 + DAY + 2 * HOUR,
            "touch_count": 4,
            "marketing_touch_count": 2,
            "sales_touch_count": 2,
            "touches_before_won": 4,
            "touch_kinds": {"call": 1, "demo": 1, "email_click": 1, "webinar": 1},
            "last_seq": Event.objects.filter(lead_id=lead.pk).order_by("-seq")[0].seq,
            # one bit per stage stayed in, bit (id - 1)
            "stages_reached": sum(
                2 ** (s[key] - 1) for key in ("lead", "mql", "sal", "presenting", "customer")
            ),
            # the two marketing touches came after the creation, before the opportunity
            "marketing_by_created": 0,
            "marketing_by_qualified": None,
            "marketing_by_opportunity": 2,
            "marketing_by_won": 2,
        }
    ]
    # the path: the marketing touches in order
    assert [(r["position"], r["occurred_at"], r["campaign_id"]) for r in rows["touch"]] == [
        (1, T0 + HOUR, lead.campaign_id),
        (2, T0 + 2 * HOUR, None),
    ]
    assert lead.company_id is not None
    visits = [
        (r["stage_id"], r["visit"], r["entered_at"], r["exited_at"], r["seconds"])
        for r in rows["stage"]
    ]
    assert sorted(visits, key=lambda v: v[2]) == [
        (s["lead"], 1, T0, T0 + DAY, 86_400),
        (s["mql"], 1, T0 + DAY, T0 + 2 * DAY, 86_400),
        (s["sal"], 1, T0 + 2 * DAY, T0 + 5 * DAY, 3 * 86_400),
        (s["presenting"], 1, T0 + 5 * DAY, T0 + 10 * DAY, 5 * 86_400),
        (s["customer"], 1, T0 + 10 * DAY, None, None),
    ]
    assert {r["lead_created_at"] for r in rows["stage"]} == {T0}


def test_the_rebuild_equals_the_live_facts(won_journey, facts_rows):
    live = facts_rows()

    leads = rebuild_facts()

    assert leads == 1
    assert facts_rows() == live
    assert check_facts().differences == []


def test_a_winding_journey_keeps_its_history(winding_journey, rep, facts_rows):
    lead, s = winding_journey, _stages()
    recycled = Event.objects.get(
        lead_id=lead.pk, kind="lead.outcome_set", payload__outcome="recycled"
    )
    moves = list(Event.objects.filter(lead_id=lead.pk, kind="lead.stage_changed").order_by("seq"))
    assert [(m.payload["from"], m.payload["to"]) for m in moves] == [
        ("mql", "lead"), ("lead", "mql"), ("mql", "sal"),
    ]  # fmt: skip

    row = facts_rows()["lead"][0]

    lost_at = _when(lead, "lead.outcome_set")
    expected = {
        "source": "ads",
        "owner_id": rep.pk,
        "team": "sales",
        "stage_id": s["sal"],
        "stage_entered_at": moves[2].occurred_at,
        "qualified_at": T0,  # created already handed over
        "assigned_at": _when(lead, "lead.assigned"),
        "disposition": "accepted",
        "disposition_reason_id": None,
        "disposition_at": _when(lead, "lead.accepted"),
        "opportunity_at": None,
        "outcome": "lost",
        "outcome_reason_id": _reason("lost", "price"),
        "outcome_at": lost_at,
        "outcome_stage_id": s["sal"],
        "won_at": None,
        "recycled_count": 1,
        "recycled_at": recycled.occurred_at,
        "reopened_count": 1,
        "touch_count": 0,
        "first_touch_at": None,
        "touches_before_won": None,
        "touch_kinds": {},
    }
    assert {name: row[name] for name in expected} == expected
    visits = [(r["stage_id"], r["visit"], r["exited_at"]) for r in facts_rows()["stage"]]
    assert sorted(visits, key=lambda v: (v[0], v[1])) == sorted(
        [
            (s["mql"], 1, moves[0].occurred_at),
            (s["lead"], 1, moves[1].occurred_at),
            (s["mql"], 2, moves[2].occurred_at),
            (s["sal"], 1, None),
        ]
    )


def test_a_rejection_clears_the_owner_and_records_why(make_lead, rep, admin_user, facts_rows):
    lead = make_lead("mql", owner=rep, created_at=T0)

    reject_lead(lead=lead, reason="student", actor=rep, note="job seeker")

    row = facts_rows()["lead"][0]
    assert (row["owner_id"], row["team"], row["disposition"]) == (None, "", "rejected")
    assert row["disposition_reason_id"] == _reason("rejected", "student")
    assert row["disposition_at"] == _when(lead, "lead.rejected")
    assert row["stage_id"] == _stages()["lead"]


def test_reopening_a_won_lead_returns_it_to_the_stage_it_was_won_from(won_journey, rep, facts_rows):
    s = _stages()

    funnel.reopen_lead(lead=won_journey, actor=rep, occurred_at=T0 + 12 * DAY)

    row = facts_rows()["lead"][0]
    assert (row["outcome"], row["outcome_at"], row["won_at"]) == ("open", None, None)
    assert (row["outcome_stage_id"], row["touches_before_won"]) == (None, None)
    assert (row["stage_id"], row["stage_entered_at"]) == (s["presenting"], T0 + 12 * DAY)
    assert (row["reopened_count"], row["amount"]) == (1, Decimal("1200.00"))
    presenting = [r for r in facts_rows()["stage"] if r["stage_id"] == s["presenting"]]
    assert [(r["visit"], r["entered_at"], r["exited_at"]) for r in presenting] == [
        (1, T0 + 5 * DAY, T0 + 10 * DAY),
        (2, T0 + 12 * DAY, None),
    ]


def test_touch_times_corrected_later_move_the_touch_facts(make_lead, rep, admin_user, facts_rows):
    lead = make_lead("lead", owner=rep, created_at=T0)
    early = touches.record_touch(lead=lead, kind="page_visit", actor=admin_user,
                                 occurred_at=T0 + HOUR)  # fmt: skip
    call = touches.record_touch(lead=lead, kind="call", actor=rep, occurred_at=T0 + 3 * DAY)
    # Won before the call: only the page visit came before the win.
    funnel.set_outcome(lead=lead, outcome="won", amount="100", actor=rep, occurred_at=T0 + 2 * DAY)
    assert facts_rows()["lead"][0]["touches_before_won"] == 1

    touches.update_touch(touch=call, actor=rep, changes={"occurred_at": T0 + DAY})
    touches.update_touch(touch=early, actor=rep, changes={"occurred_at": T0 + 5 * HOUR})
    touches.record_touch(lead=lead, kind="email", actor=rep, occurred_at=T0 + DAY + HOUR)

    row = facts_rows()["lead"][0]
    assert (row["first_touch_at"], row["last_touch_at"]) == (T0 + 5 * HOUR, T0 + DAY + HOUR)
    assert row["first_sales_touch_at"] == T0 + DAY
    assert (row["touch_count"], row["sales_touch_count"], row["touches_before_won"]) == (3, 2, 3)
    assert row["touch_kinds"] == {"call": 1, "email": 1, "page_visit": 1}
    live = facts_rows()
    rebuild_facts()
    assert facts_rows() == live


def test_the_rebuild_of_many_journeys_equals_the_live_facts(
    won_journey, winding_journey, make_lead, rep, facts_rows
):
    make_lead("subscriber", created_at=T0 - DAY)
    live = facts_rows()
    assert len(live["lead"]) == 3

    rebuild_facts()

    assert facts_rows() == live


def test_updates_and_merges_carry_to_the_facts(won_journey, make_campaign, make_contact,
                                               make_company, admin_user, facts_rows):  # fmt: skip
    from truce.people import services as people

    campaign = make_campaign(name="Autumn ads")
    survivor = make_contact(email="kept@example.com", company=make_company(name="Kept"))

    funnel.update_lead(lead=won_journey, actor=admin_user, changes={
        "source": "ads", "product_line": "Analytics", "campaign": campaign, "amount": "75.5",
    })  # fmt: skip
    people.merge_contacts(survivor=survivor, duplicate=won_journey.contact, actor=admin_user)
    people.merge_companies(survivor=survivor.company, duplicate=won_journey.company,
                           actor=admin_user)  # fmt: skip

    row = facts_rows()["lead"][0]
    assert (row["source"], row["product_line"]) == ("ads", "Analytics")
    assert (row["campaign_id"], row["amount"]) == (campaign.pk, Decimal("75.50"))
    assert (row["contact_id"], row["company_id"]) == (survivor.pk, survivor.company_id)
    live = facts_rows()
    rebuild_facts()
    assert facts_rows() == live


def test_a_lead_the_definition_qualifies_records_its_version(
    make_user, make_company, make_contact, make_lead, facts_rows
):
    from truce.funnel.services import qualification
    from truce.identity.models import Role

    marketing, sales = make_user(Role.MARKETING_OWNER), make_user(Role.SALES_OWNER)
    definition = qualification.propose_definition(rule="score >= 0", actor=marketing)
    qualification.sign_definition(version=definition.version, actor=marketing)
    qualification.sign_definition(version=definition.version, actor=sales)

    lead = make_lead("lead", contact=make_contact(company=make_company()), created_at=T0)

    row = facts_rows()["lead"][0]
    assert (row["qualified_at"], row["qualified_by_version"]) == (
        _when(lead, "lead.qualified"), definition.version,
    )  # fmt: skip
    assert row["stage_id"] == _stages()["mql"]
