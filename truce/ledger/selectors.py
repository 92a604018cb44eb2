"""Reading and verifying the ledger."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from .hashing import EVENT_COLUMNS, GENESIS_HASH, event_hash
from .models import Event, Head

_VERIFY_FIELDS = ("pk", *EVENT_COLUMNS)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    head_hash: str
    bad_seq: int | None = None
    bad_id: int | None = None
    reason: str = ""


def lead_timeline(*, lead_id: int) -> QuerySet[Event]:
    return Event.objects.filter(lead_id=lead_id).select_related("actor").order_by("seq")


def subject_events(*, subject_type: str, subject_ids: list[int]) -> QuerySet[Event]:
    return (
        Event.objects.filter(subject_type=subject_type, subject_id__in=subject_ids)
        .select_related("actor")
        .order_by("seq")
    )


def _rows() -> Iterator[tuple]:
    return Event.objects.order_by("seq").values_list(*_VERIFY_FIELDS).iterator(chunk_size=5000)


def verify_chain() -> Verdict:
    """Recompute every hash in order; the first event that does not fit is the bad one."""
    prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    for (
        pk,
        seq,
        kind,
        occurred,
        recorded,
        actor,
        stype,
        sid,
        lead,
        payload,
        imp,
        prev,
        digest,
    ) in _rows():

        def bad(reason: str, seq: int = seq, pk: int = pk, checked: int = checked) -> Verdict:
            return Verdict(False, checked, "", bad_seq=seq, bad_id=pk, reason=reason)

        if seq != expected_seq:
            return bad(f"sequence jumps from {expected_seq - 1} to {seq}: events are missing")
        if prev != prev_hash:
            return bad("its link to the previous event does not match")
        recomputed = event_hash(
            prev_hash=prev,
            seq=seq,
            kind=kind,
            occurred_at=occurred,
            recorded_at=recorded,
            actor_id=actor,
            subject_type=stype,
            subject_id=sid,
            lead_id=lead,
            payload=payload,
            imported=imp,
        )
        if recomputed != digest:
            return bad("its content does not match its hash: it was altered")
        prev_hash, expected_seq, checked = digest, seq + 1, checked + 1
    return _check_head(prev_hash, expected_seq - 1, checked)


def _check_head(last_hash: str, last_seq: int, checked: int) -> Verdict:
    head = Head.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    if (head_seq, head_hash) != (last_seq, last_hash):
        return Verdict(
            False,
            checked,
            last_hash,
            bad_seq=last_seq + 1,
            reason=f"the chain ends at #{last_seq} but the head records #{head_seq}: "
            "the latest events were removed",
        )
    return Verdict(True, checked, last_hash)
