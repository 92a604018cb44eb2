"""Creating and editing playbooks: every edit is a new, immutable version; bad input changes
nothing; who may edit."""

from datetime import timedelta

import pytest
from django.utils import timezone

from truce.errors import Conflict, DomainError, PermissionDenied
from truce.identity.models import Role
from truce.ledger.models import Event
from truce.playbooks import selectors, services

from .conftest import STEPS


def test_creating_a_playbook_writes_version_one_with_its_steps(make_playbook, mona):
    playbook = make_playbook(stages=["sal", "connecting"], terms=["touch"], review_cadence_days=30)

    version = playbook.current
    assert (version.number, version.title, version.author, version.change_note) == (
        1,
        "First call",
        mona,
        "First version.",
    )
    steps = [(s.position, s.who, s.what, s.why) for s in version.steps.order_by("position")]
    assert steps == [
        (1, "Sales rep", "Call the lead.", "Speed wins deals."),
        (2, "Sales rep", "Log the call.", "The SLA reads touches."),
    ]
    assert sorted(playbook.stages.values_list("key", flat=True)) == ["connecting", "sal"]
    assert version.links["stages"] == ["sal", "connecting"]  # in funnel order
    assert playbook.next_review_due == timezone.localdate() + timedelta(days=30)
    event = Event.objects.get(kind="playbook.created")
    assert (event.actor, event.subject_id, event.payload["version"]) == (mona, playbook.pk, 1)


def test_an_edit_is_a_new_version_and_the_old_one_is_kept(make_playbook, mona):
    playbook = make_playbook()
    steps = [*STEPS, {"who": "Sales owner", "what": "Check the log.", "why": "Coaching."}]

    version = services.edit_playbook(
        playbook=playbook,
        actor=mona,
        change_note="Add a coaching step.",
        changes={"steps": steps, "title": "The first call"},
        base_version=1,
    )

    playbook.refresh_from_db()
    assert (version.number, playbook.current, playbook.title) == (2, version, "The first call")
    old = selectors.get_version(playbook=playbook, number=1)
    assert (old.title, old.steps.count()) == ("First call", 2)
    assert version.steps.count() == 3
    event = Event.objects.get(kind="playbook.edited")
    assert event.payload == {
        "key": "first-call",
        "version": 2,
        "changed": ["title", "steps"],
        "change_note": "Add a coaching step.",
    }


def test_a_step_without_a_why_is_refused_and_nothing_changes(make_playbook, mona, counts):
    playbook = make_playbook()
    before = counts()
    steps = [STEPS[0], {"who": "Sales rep", "what": "Send the deck.", "why": "   "}]

    with pytest.raises(DomainError) as caught:
        services.edit_playbook(
            playbook=playbook, actor=mona, change_note="Deck.", changes={"steps": steps}
        )

    assert caught.value.field == "steps.1.why"
    assert caught.value.message.startswith('Step 2 ("Send the deck.") does not say why.')
    assert counts() == before


def test_creating_with_a_step_without_a_why_is_refused(make_playbook, counts):
    before = counts()
    with pytest.raises(DomainError) as caught:
        make_playbook(steps=[{"who": "Rep", "what": "Call."}])
    assert (caught.value.field, counts()) == ("steps.0.why", before)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"key": "Not A Slug"}, "key"),
        ({"title": "  "}, "title"),
        ({"steps": []}, "steps"),
        ({"steps": [{"who": "", "what": "Call.", "why": "Speed."}]}, "steps.0.who"),
        ({"stages": ["nowhere"]}, "stages"),
        ({"terms": ["nothing"]}, "terms"),
        ({"review_cadence_days": 0}, "review_cadence_days"),
        ({"collateral": [{"title": "Deck", "url": "javascript:alert(1)"}]}, "collateral.0.url"),
    ],
)
def test_bad_input_is_refused_with_its_field(make_playbook, counts, fields, field):
    before = counts()
    key = fields.pop("key", "first-call")
    with pytest.raises(DomainError) as caught:
        make_playbook(key, **fields)
    assert (caught.value.field, counts()) == (field, before)


def test_a_duplicate_key_is_a_conflict(make_playbook, counts):
    make_playbook()
    before = counts()
    with pytest.raises(Conflict) as caught:
        make_playbook(title="Another")
    assert (caught.value.field, counts()) == ("key", before)


def test_an_edit_based_on_an_old_version_is_refused(make_playbook, mona, counts):
    playbook = make_playbook()
    services.edit_playbook(
        playbook=playbook, actor=mona, change_note="Retitle.", changes={"title": "Call one"}
    )
    before = counts()
    with pytest.raises(Conflict) as caught:
        services.edit_playbook(
            playbook=playbook,
            actor=mona,
            change_note="Stale.",
            changes={"title": "Call two"},
            base_version=1,
        )
    assert (caught.value.field, counts()) == ("base_version", before)


def test_an_edit_that_changes_nothing_saves_nothing(make_playbook, mona, counts):
    playbook = make_playbook()
    before = counts()
    with pytest.raises(DomainError) as caught:
        services.edit_playbook(
            playbook=playbook, actor=mona, change_note="Same.", changes={"title": "First call"}
        )
    assert (caught.value.code, counts()) == ("no_change", before)


def test_an_edit_needs_a_change_note(make_playbook, mona, counts):
    playbook = make_playbook()
    before = counts()
    with pytest.raises(DomainError) as caught:
        services.edit_playbook(
            playbook=playbook, actor=mona, change_note=" ", changes={"title": "Other"}
        )
    assert (caught.value.field, counts()) == ("change_note", before)


def test_who_may_create_and_edit(make_playbook, make_user, counts):
    rep = make_user(Role.SALES_REP, username="rita")
    other_rep = make_user(Role.SALES_REP, username="ruth")
    sales_owner = make_user(Role.SALES_OWNER, username="sam")
    before = counts()
    with pytest.raises(PermissionDenied):
        make_playbook(actor=rep)
    assert counts() == before
    playbook = make_playbook(owner=rep)

    # Its owner edits it, a team owner edits any; another rep may not.
    services.edit_playbook(playbook=playbook, actor=rep, change_note="a", changes={"title": "A"})
    services.edit_playbook(
        playbook=playbook, actor=sales_owner, change_note="b", changes={"title": "B"}
    )
    with pytest.raises(PermissionDenied):
        services.edit_playbook(
            playbook=playbook, actor=other_rep, change_note="c", changes={"title": "C"}
        )
    playbook.refresh_from_db()
    assert (playbook.title, playbook.current.number) == ("B", 3)


def test_an_unknown_change_is_refused(make_playbook, mona):
    playbook = make_playbook()
    with pytest.raises(DomainError) as caught:
        services.edit_playbook(
            playbook=playbook, actor=mona, change_note="x", changes={"key": "renamed"}
        )
    assert caught.value.field == "key"
