import pytest
from django.core.management import call_command
from django.db import connection, transaction

from truce.ledger import services as ledger
from truce.ledger.errors import LedgerIsAppendOnly
from truce.ledger.hashing import GENESIS_HASH
from truce.ledger.models import Event, Head
from truce.ledger.selectors import verify_chain


def _append(n: int) -> list[Event]:
    with transaction.atomic():
        return [
            ledger.append(
                kind="test.happened",
                subject_type="thing",
                subject_id=i,
                payload={"i": i, "note": "é ✓", "amount": "12.50"},
            )
            for i in range(n)
        ]


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_events_chain_each_to_the_previous_hash(db):
    events = _append(3)

    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    head = Head.objects.get(pk=1)
    assert (head.seq, head.hash) == (3, events[2].hash)


def test_verify_passes_on_an_intact_ledger(db):
    events = _append(5)

    verdict = verify_chain()

    assert verdict.ok
    assert verdict.checked == 5
    assert verdict.head_hash == events[-1].hash


@pytest.mark.django_db(transaction=True)
def test_append_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        ledger.append(kind="x", subject_type="thing", subject_id=1)


def test_no_code_path_updates_or_deletes_an_event(db):
    event = _append(1)[0]

    with pytest.raises(LedgerIsAppendOnly):
        event.save()
    with pytest.raises(LedgerIsAppendOnly):
        event.delete()
    with pytest.raises(LedgerIsAppendOnly):
        Event.objects.filter(pk=event.pk).update(kind="rewritten")
    with pytest.raises(LedgerIsAppendOnly):
        Event.objects.filter(pk=event.pk).delete()
    assert Event.objects.get(pk=event.pk).kind == "test.happened"


def test_verify_names_an_event_whose_payload_was_altered_with_raw_sql(db):
    events = _append(4)
    _raw("UPDATE ledger_event SET payload = %s WHERE id = %s", ['{"i": 99}', events[2].pk])

    verdict = verify_chain()

    assert not verdict.ok
    assert (verdict.bad_seq, verdict.bad_id) == (3, events[2].pk)
    assert "altered" in verdict.reason
    assert verdict.checked == 2


def test_verify_detects_a_changed_time_even_when_the_hash_is_left_alone(db):
    events = _append(2)
    _raw(
        "UPDATE ledger_event SET occurred_at = %s WHERE id = %s",
        ["2020-01-01 00:00:00", events[0].pk],
    )

    verdict = verify_chain()

    assert (verdict.ok, verdict.bad_seq) == (False, 1)


def test_verify_names_the_gap_when_a_middle_event_is_deleted(db):
    events = _append(4)
    _raw("DELETE FROM ledger_event WHERE id = %s", [events[1].pk])

    verdict = verify_chain()

    assert not verdict.ok
    assert verdict.bad_seq == 3
    assert "missing" in verdict.reason


def test_verify_detects_the_removal_of_the_latest_events(db):
    events = _append(3)
    _raw("DELETE FROM ledger_event WHERE id = %s", [events[2].pk])

    verdict = verify_chain()

    assert not verdict.ok
    assert verdict.bad_seq == 3
    assert "removed" in verdict.reason


def test_verify_detects_a_recomputed_hash_because_the_next_link_breaks(db):
    events = _append(3)
    _raw(
        "UPDATE ledger_event SET kind = %s, hash = %s WHERE id = %s",
        ["forged", "f" * 64, events[0].pk],
    )

    verdict = verify_chain()

    assert (verdict.ok, verdict.bad_seq) == (False, 1)


def test_ledger_verify_command_exits_zero_when_intact(db, capsys):
    _append(2)

    call_command("ledger", "verify")

    assert "OK: 2 events verified" in capsys.readouterr().out


def test_ledger_verify_command_exits_nonzero_and_names_the_bad_event(db, capsys):
    events = _append(3)
    _raw("UPDATE ledger_event SET subject_id = %s WHERE id = %s", [777, events[1].pk])

    with pytest.raises(SystemExit) as exit_info:
        call_command("ledger", "verify")

    assert exit_info.value.code == 1
    assert f"event #2 (id {events[1].pk})" in capsys.readouterr().err
