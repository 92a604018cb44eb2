"""The bulk chain must hash exactly as hashing.event_hash does, or verify would fail."""

import json
from datetime import UTC, datetime

from truce.ledger.bulk import BulkEvent, Chain, TimeText, payload_text
from truce.ledger.hashing import GENESIS_HASH, event_hash


def test_bulk_rows_carry_the_hashes_event_hash_computes():
    recorded = datetime(2026, 11, 25, 12, 30, 1, 123456, tzinfo=UTC)
    chain = Chain(seq=0, hash=GENESIS_HASH, recorded_at=recorded, times=TimeText("sqlite"))
    events = [
        BulkEvent("lead.created", 1_780_000_000, 3, "lead", 7, 7, payload_text({"a": None})),
        BulkEvent("touch.recorded", 1_780_000_061, None, "touch", 9, 7, payload_text({})),
        BulkEvent(
            "contact.created",
            1_780_086_399,
            None,
            "contact",
            5,
            None,
            payload_text({"first_name": "Zoë", "last_name": 'O\'Brien "Jr"', "n": 2}),
            True,
        ),
    ]
    batch = chain.batch(events)
    prev = GENESIS_HASH
    for event, row in zip(events, batch.rows, strict=True):
        seq, kind, occurred_db, _, actor, stype, sid, lead, payload, imported, link, digest = row
        assert link == prev
        assert digest == event_hash(
            prev_hash=prev,
            seq=seq,
            kind=kind,
            occurred_at=datetime.fromtimestamp(event.occurred_at, UTC),
            recorded_at=recorded,
            actor_id=actor,
            subject_type=stype,
            subject_id=sid,
            lead_id=lead,
            payload=json.loads(payload),
            imported=imported,
        )
        assert occurred_db == datetime.fromtimestamp(event.occurred_at, UTC).strftime(
            "%Y-%m-%d %H:%M:%S"
        )
        prev = digest
    assert batch.before == (0, GENESIS_HASH)
    assert batch.after == (3, prev)
    assert (chain.seq, chain.hash) == batch.after


def test_postgres_times_carry_the_utc_offset():
    times = TimeText("postgresql")
    assert times.db(0) == "1970-01-01 00:00:00+00"
    assert times.canonical(86_399) == "1970-01-01T23:59:59.000000Z"
