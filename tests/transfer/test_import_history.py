"""Importing history: touches and outcomes of leads already in Truce, with their original
times, as ledger events marked as imported."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from truce.funnel.models import Lead, Outcome, StageVisit
from truce.ledger.models import Event
from truce.touches.models import Touch
from truce.transfer.imports.engine import run_import
from truce.transfer.imports.mapping import MappingError, parse_spec

from .test_import_engine import write_csv


def at(day, hour=9):
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def leads(make_lead, make_contact):
    first = datetime(2026, 3, 1, tzinfo=UTC)
    ada = make_lead("mql", contact=make_contact("ada@acme.com"), external_id="L-1",
                    created_at=first)  # fmt: skip
    bob = make_lead("mql", contact=make_contact("bob@beta.io"), external_id="L-2",
                    created_at=first)  # fmt: skip
    return ada, bob


def test_touches_land_on_their_leads_with_their_times_and_facts(tmp_path, admin_user, rep, leads):
    ada, bob = leads
    path = write_csv(
        tmp_path / "t.csv",
        ["Lead", "Email", "Kind", "When", "Channel", "By"],
        [
            ["L-1", "", "webinar", "2026-03-02 09:00", "events", ""],
            ["L-1", "", "call", "2026-03-05 10:00", "phone", rep.username],
            ["", "BOB@beta.io", "Email click", "2026-03-03 11:00", "newsletter", ""],
        ],
    )
    spec = parse_spec(
        {"columns": {"Lead": "lead_external_id", "Email": "email", "Kind": "kind",
                     "When": "occurred_at", "Channel": "channel", "By": "actor"}},
        kind="touches",
    )  # fmt: skip

    report = run_import(kind="touches", path=path, spec=spec, actor=admin_user)

    assert (report.created, report.bad_count) == (3, 0)
    ada.refresh_from_db()
    assert (ada.touch_count, ada.sales_touch_count) == (2, 1)
    assert (ada.first_touch_at, ada.last_touch_at, ada.first_sales_touch_at) == (
        at(2), at(5, 10), at(5, 10)
    )  # fmt: skip
    call = Touch.objects.get(kind="call")
    assert (call.team, call.actor, call.channel) == ("sales", rep, "phone")
    assert Touch.objects.get(lead=bob).kind == "email_click"
    event = Event.objects.get(kind="touch.recorded", subject_id=call.pk)
    assert (event.occurred_at, event.imported, event.lead_id) == (at(5, 10), True, ada.pk)

    again = run_import(kind="touches", path=path, spec=spec, actor=admin_user)
    assert (again.created, again.unchanged) == (0, 3)
    assert Touch.objects.count() == 3


def test_touches_of_unknown_leads_or_kinds_are_bad_rows(tmp_path, admin_user, leads):
    path = write_csv(tmp_path / "t.csv", ["Lead", "Kind", "When"],
                     [["L-9", "call", "2026-03-02"], ["L-1", "fax", "2026-03-02"]])  # fmt: skip
    spec = parse_spec({"columns": {"Lead": "lead_external_id", "Kind": "kind",
                                   "When": "occurred_at"}}, kind="touches")  # fmt: skip

    report = run_import(kind="touches", path=path, spec=spec, actor=admin_user)

    assert [(b.line, b.column, b.reason) for b in report.bad_rows] == [
        (2, "Lead", "No lead with external id L-9."),
        (3, "Kind", "'fax' is not a kind of touch."),
    ]
    assert Touch.objects.count() == 0


def test_a_touches_file_must_say_which_lead(tmp_path, admin_user):
    path = write_csv(tmp_path / "t.csv", ["Kind", "When"], [["call", "2026-03-02"]])

    with pytest.raises(MappingError) as refused:
        run_import(kind="touches", path=path, actor=admin_user,
                   spec=parse_spec({"columns": {"Kind": "kind", "When": "occurred_at"}},
                                   kind="touches"))  # fmt: skip

    assert "'lead_external_id' or 'email'" in refused.value.message


OUTCOMES = {"columns": {"Lead": "lead_external_id", "Outcome": "outcome", "When": "outcome_at",
                        "Amount": "amount", "Reason": "reason", "Owner": "owner"}}  # fmt: skip


def test_outcomes_close_leads_at_their_time(tmp_path, admin_user, rep, leads):
    ada, bob = leads
    path = write_csv(
        tmp_path / "o.csv",
        ["Lead", "Outcome", "When", "Amount", "Reason", "Owner"],
        [["L-1", "won", "2026-03-09 15:00", "5000", "", rep.username],
         ["L-2", "lost", "2026-03-10 09:00", "", "Price", ""]],
    )  # fmt: skip

    report = run_import(kind="outcomes", path=path, spec=parse_spec(OUTCOMES, kind="outcomes"),
                        actor=admin_user)  # fmt: skip

    assert (report.updated, report.bad_count) == (2, 0)
    ada.refresh_from_db()
    bob.refresh_from_db()
    assert (ada.outcome, ada.outcome_at, ada.amount, ada.stage.key, ada.owner) == (
        Outcome.WON, at(9, 15), Decimal("5000.00"), "customer", rep,
    )  # fmt: skip
    visits = list(StageVisit.objects.filter(lead=ada).order_by("entered_at"))
    assert (visits[-2].exited_at, visits[-1].stage.key, visits[-1].entered_at) == (
        at(9, 15), "customer", at(9, 15),
    )  # fmt: skip
    assert (bob.outcome, bob.outcome_reason.key, bob.stage.key) == ("lost", "price", "mql")
    kinds = list(Event.objects.filter(imported=True, lead_id=ada.pk).values_list("kind", flat=True))
    assert kinds == ["lead.assigned", "lead.stage_changed", "lead.outcome_set"]
    won = Event.objects.get(kind="lead.outcome_set", lead_id=ada.pk)
    assert won.payload["amount"] == "5000.00" and won.occurred_at == at(9, 15)

    again = run_import(kind="outcomes", path=path, spec=parse_spec(OUTCOMES, kind="outcomes"),
                       actor=admin_user)  # fmt: skip
    assert (again.updated, again.unchanged) == (0, 2)


def test_outcomes_that_cannot_apply_are_bad_rows(tmp_path, admin_user, leads):
    Lead.objects.filter(external_id="L-2").update(outcome=Outcome.LOST)
    path = write_csv(
        tmp_path / "o.csv",
        ["Lead", "Outcome", "When", "Amount", "Reason", "Owner"],
        [["L-1", "lost", "2026-03-09", "", "", ""],
         ["L-2", "won", "2026-03-09", "", "", ""],
         ["L-1", "paused", "2026-03-09", "", "", ""],
         ["L-3", "won", "2026-03-09", "", "", ""],
         ["L-1", "won", "2026-03-09", "", "", "ghost"]],
    )  # fmt: skip
    before = Event.objects.count()

    report = run_import(kind="outcomes", path=path, spec=parse_spec(OUTCOMES, kind="outcomes"),
                        actor=admin_user)  # fmt: skip

    assert [(b.line, b.column, b.reason) for b in report.bad_rows] == [
        (2, "Reason", "A lost outcome needs a reason from its list."),
        (3, "Outcome", "The lead is already lost; reopen it first."),
        (4, "Outcome", "'paused' is not won, lost, recycled or disqualified."),
        (5, "Lead", "No lead with external id L-3."),
        (6, "Owner", "No user with the username or email 'ghost'."),
    ]
    assert Event.objects.count() == before
    assert Lead.objects.get(external_id="L-1").outcome == Outcome.OPEN


def test_an_outcome_dated_before_its_lead_is_imported_with_a_warning(tmp_path, admin_user, leads):
    path = write_csv(tmp_path / "o.csv", ["Lead", "Outcome", "When", "Amount", "Reason", "Owner"],
                     [["L-1", "won", "2026-02-09", "10", "", ""]])  # fmt: skip

    report = run_import(kind="outcomes", path=path, spec=parse_spec(OUTCOMES, kind="outcomes"),
                        actor=admin_user)  # fmt: skip

    assert (report.updated, report.bad_count) == (1, 0)
    assert report.warnings == [
        "line 2, column 'When': the lead was created on 2026-03-01, after this outcome; "
        "imported as it is"
    ]
    assert Lead.objects.get(external_id="L-1").outcome_at == datetime(2026, 2, 9, tzinfo=UTC)
