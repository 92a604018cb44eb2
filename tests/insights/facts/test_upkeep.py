"""Live upkeep: applying is idempotent, bulk writers hand their events over, facts that began
after a lead heal themselves from its history, and an owner's change of team follows."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from truce.identity.models import Team, TeamKey
from truce.insights.facts.history import moment
from truce.insights.facts.services import apply_events, check_facts
from truce.insights.models import LeadFacts, StageFacts
from truce.ledger import services as ledger
from truce.ledger.models import Event
from truce.touches import services as touches

from .conftest import DAY, HOUR, T0


def _rows(lead_id: int, after: int = 0) -> list[tuple]:
    """The lead's events as the import hands them over: payloads as JSON text."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT seq, kind, occurred_at, recorded_at, actor_id, lead_id, payload, subject_id "
            "FROM ledger_event WHERE lead_id = %s AND seq > %s ORDER BY seq",
            [lead_id, after],
        )
        return cursor.fetchall()


def test_applying_the_same_events_again_changes_nothing(won_journey, facts_rows):
    before = facts_rows()

    apply_events(_rows(won_journey.pk))

    assert facts_rows() == before


def _epoch(rows: list[tuple]) -> list[tuple]:
    """The same rows with times as the import's batches keep them: epoch seconds."""
    return [(r[0], r[1], int(moment(r[2]).timestamp()), *r[3:]) for r in rows]


@pytest.mark.parametrize("form", [list, _epoch])
def test_events_a_bulk_writer_appended_count_once_handed_over(won_journey, facts_rows, form):
    # given: an imported touch, which the ledger announces to no listener
    head = Event.objects.order_by("-seq")[0].seq
    with transaction.atomic():
        ledger.append(
            kind="touch.recorded", subject_type="touch", subject_id=999, lead_id=won_journey.pk,
            occurred_at=T0 + 3 * DAY, imported=True,
            payload={"kind": "meeting", "team": "sales", "channel": "", "campaign_id": None,
                     "collateral": ""},
        )  # fmt: skip
    assert facts_rows()["lead"][0]["touch_count"] == 4

    # when: the import hands its batch over
    assert apply_events(form(_rows(won_journey.pk, after=head))) == 1

    # then
    row = facts_rows()["lead"][0]
    assert (row["touch_count"], row["sales_touch_count"], row["touches_before_won"]) == (5, 3, 5)
    assert row["touch_kinds"] == {"call": 1, "demo": 1, "email_click": 1, "meeting": 1,
                                  "webinar": 1}  # fmt: skip
    assert check_facts().differences == []


def test_events_a_bulk_writer_kept_to_itself_are_found_by_the_next_live_one(
    won_journey, admin_user, facts_rows
):
    with transaction.atomic():
        ledger.append(
            kind="touch.recorded", subject_type="touch", subject_id=999, lead_id=won_journey.pk,
            occurred_at=T0 + 3 * DAY, imported=True,
            payload={"kind": "meeting", "team": "sales", "channel": "", "campaign_id": None,
                     "collateral": ""},
        )  # fmt: skip

    touches.record_touch(lead=won_journey, kind="page_visit", actor=admin_user,
                         occurred_at=T0 + 20 * DAY)  # fmt: skip

    row = facts_rows()["lead"][0]
    assert (row["touch_count"], row["sales_touch_count"], row["touches_before_won"]) == (6, 3, 5)
    assert check_facts().differences == []


def test_facts_that_began_after_a_lead_are_rebuilt_from_its_history(
    won_journey, admin_user, facts_rows
):
    # given: a lead from before facts were kept
    before = facts_rows()
    LeadFacts.objects.all().delete()
    StageFacts.objects.all().delete()

    # when: anything happens to it
    touches.record_touch(lead=won_journey, kind="page_visit", actor=admin_user,
                         occurred_at=T0 + 20 * DAY)  # fmt: skip

    # then: its whole history is in its facts
    row = facts_rows()["lead"][0]
    assert (row["touch_count"], row["last_touch_at"]) == (5, T0 + 20 * DAY)
    assert row["touches_before_won"] == 4
    assert facts_rows()["stage"] == before["stage"]
    assert {k: v for k, v in row.items() if k not in ("touch_count", "marketing_touch_count",
            "last_touch_at", "touch_kinds", "last_seq")} == {
        k: v for k, v in before["lead"][0].items()
        if k not in ("touch_count", "marketing_touch_count", "last_touch_at", "touch_kinds",
                     "last_seq")
    }  # fmt: skip


def test_an_owners_change_of_team_follows_to_their_leads(won_journey, rep, facts_rows):
    rep.team = Team.objects.get(key=TeamKey.MARKETING)
    rep.save()

    assert facts_rows()["lead"][0]["team"] == "marketing"
    assert check_facts().differences == []


def test_a_save_that_cannot_change_the_team_costs_no_query(
    won_journey, rep, django_assert_num_queries
):
    with django_assert_num_queries(1):
        rep.save(update_fields=["last_login"])


def test_check_names_each_difference_and_the_command_fails(won_journey, facts_rows, capsys):
    LeadFacts.objects.update(touch_count=7, source="radio")
    StageFacts.objects.filter(visit=1, exited_at__isnull=True).delete()

    found = check_facts().differences

    assert [d.table for d in found] == ["lead", "stage"]
    assert str(found[0]) == (
        f"lead ({won_journey.pk},): source: live 'radio', rebuilt 'webinar'; "
        "touch_count: live 7, rebuilt 4"
    )
    assert str(found[1]).endswith("missing from the live facts")
    with pytest.raises(SystemExit) as failed:
        call_command("facts", "rebuild", "--check")
    assert failed.value.code == 1
    assert "DIFFERENT" in capsys.readouterr().err


def test_the_rebuild_command_repairs_the_facts(won_journey, facts_rows, capsys):
    right = facts_rows()
    LeadFacts.objects.update(touch_count=7)

    call_command("facts", "rebuild")
    call_command("facts", "rebuild", "--check")

    assert facts_rows() == right
    out = capsys.readouterr().out
    assert "Rebuilt the facts of 1 leads" in out
    assert "OK: the facts of 1 leads match the ledger" in out


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_touches_on_one_lead_are_all_counted(make_lead, rep):
    lead = make_lead("lead", owner=rep, created_at=T0)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(5):
                touches.record_touch(lead=lead, kind="call", actor=rep,
                                     occurred_at=T0 + n * DAY + i * HOUR)  # fmt: skip
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    row = LeadFacts.objects.get(lead_id=lead.pk)
    assert (row.touch_count, row.sales_touch_count) == (10, 10)
    assert (row.first_sales_touch_at, row.last_touch_at) == (T0 + DAY, T0 + 2 * DAY + 4 * HOUR)
    assert check_facts().differences == []
