"""The sales-ready definition: versions, two signatures, one version in force at a time."""

import threading

import pytest
from django.db import connections

from truce.errors import NotFound, PermissionDenied
from truce.funnel.errors import InvalidRule
from truce.funnel.models import SalesReadyDefinition
from truce.funnel.services import qualification
from truce.identity.models import Role
from truce.identity.signing import AlreadySigned, VersionClosed
from truce.ledger.models import Event


@pytest.fixture
def marketing_owner(make_user):
    return make_user(Role.MARKETING_OWNER, username="mona")


@pytest.fixture
def sales_owner(make_user):
    return make_user(Role.SALES_OWNER, username="sam")


@pytest.fixture
def propose(marketing_owner):
    def make(rule="fit_score >= 40 and engagement_score >= 30", notes=""):
        return qualification.propose_definition(rule=rule, notes=notes, actor=marketing_owner)

    return make


@pytest.fixture
def sign_both(marketing_owner, sales_owner):
    def sign(version):
        qualification.sign_definition(version=version, actor=marketing_owner)
        return qualification.sign_definition(version=version, actor=sales_owner)

    return sign


def definition_events():
    return list(
        Event.objects.filter(subject_type="definition")
        .order_by("seq")
        .values_list("kind", "payload")
    )


def test_a_proposed_version_awaits_both_signatures(propose, marketing_owner):
    definition = propose(notes="  First agreed cut  ")

    assert (definition.version, definition.rule, definition.notes) == (
        1,
        "fit_score >= 40 and engagement_score >= 30",
        "First agreed cut",
    )
    assert definition.created_by == marketing_owner
    assert qualification.status(definition) == "awaiting_signatures"
    assert qualification.definition_in_force() is None
    assert definition_events() == [
        (
            "definition.created",
            {
                "version": 1,
                "rule": "fit_score >= 40 and engagement_score >= 30",
                "notes": "First agreed cut",
            },
        )
    ]


def test_versions_count_up(propose):
    assert [propose().version, propose().version, propose().version] == [1, 2, 3]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            "fit_score >= 40 and",
            "Syntax error at the end in rule 'fit_score >= 40 and'.",
        ),
        (
            "fit_score >= 40 or or employees > 3",
            "Syntax error at position 20 ('or') in rule 'fit_score >= 40 or or employees > 3'.",
        ),
        (
            "fit_score >= 40 and employees >= 50",
            "Unknown name 'employees' at position 21 in rule "
            "'fit_score >= 40 and employees >= 50'; "
            "the names a rule may use are listed in docs/reference/rules.md.",
        ),
        ("", "A rule is required."),
    ],
)
def test_a_bad_rule_is_refused_with_position_and_reason(propose, rule, message):
    before = Event.objects.count()

    with pytest.raises(InvalidRule) as exc:
        propose(rule=rule)

    assert (exc.value.message, exc.value.field, exc.value.code) == (message, "rule", "invalid_rule")
    assert SalesReadyDefinition.objects.count() == 0
    assert Event.objects.count() == before


def test_a_sales_rep_may_not_propose(rep):
    with pytest.raises(PermissionDenied):
        qualification.propose_definition(rule="fit_score > 1", actor=rep)


def test_one_signature_does_not_put_a_version_in_force(propose, marketing_owner):
    propose()

    definition = qualification.sign_definition(version=1, actor=marketing_owner)

    assert definition.marketing_signed_by == marketing_owner
    assert definition.marketing_signed_at is not None
    assert (definition.sales_signed_by, definition.in_force_from) == (None, None)
    assert qualification.definition_in_force() is None
    assert definition_events()[-1] == ("definition.signed", {"version": 1, "side": "marketing"})


def test_both_signatures_put_it_in_force_and_supersede_the_previous(propose, sign_both):
    propose()
    first = sign_both(1)
    propose(rule="fit_score >= 50")

    second = sign_both(2)

    first.refresh_from_db()
    assert qualification.definition_in_force() == second
    assert second.in_force_from == second.sales_signed_at
    assert first.superseded_at == second.in_force_from
    assert [qualification.status(d) for d in (first, second)] == ["superseded", "in_force"]
    assert definition_events()[-4:] == [
        ("definition.signed", {"version": 2, "side": "marketing"}),
        ("definition.signed", {"version": 2, "side": "sales"}),
        ("definition.superseded", {"version": 1, "superseded_by": 2}),
        ("definition.in_force", {"version": 2, "supersedes": 1}),
    ]


def test_the_sales_owner_may_sign_first(propose, marketing_owner, sales_owner):
    propose()

    qualification.sign_definition(version=1, actor=sales_owner)
    definition = qualification.sign_definition(version=1, actor=marketing_owner)

    assert qualification.status(definition) == "in_force"


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MARKETER, Role.SALES_REP, Role.VIEWER])
def test_only_the_two_owners_sign(propose, make_user, role):
    propose()
    user = make_user(role)
    user.is_superuser = True  # even a superuser signs only as one of the two owners
    before = Event.objects.count()

    with pytest.raises(PermissionDenied) as exc:
        qualification.sign_definition(version=1, actor=user)

    assert exc.value.message == (
        "Only the marketing owner or the sales owner signs a sales-ready definition."
    )
    assert Event.objects.count() == before


def test_a_side_signs_once(propose, marketing_owner, make_user):
    propose()
    qualification.sign_definition(version=1, actor=marketing_owner)
    second_marketing_owner = make_user(Role.MARKETING_OWNER, username="mo2")
    before = Event.objects.count()

    with pytest.raises(AlreadySigned) as again:
        qualification.sign_definition(version=1, actor=marketing_owner)
    with pytest.raises(AlreadySigned) as other:
        qualification.sign_definition(version=1, actor=second_marketing_owner)

    assert again.value.message == "The marketing side of version 1 is already signed by mona."
    assert other.value.message == again.value.message
    assert Event.objects.count() == before


def test_a_user_signs_once_even_after_changing_role(propose, marketing_owner):
    propose()
    qualification.sign_definition(version=1, actor=marketing_owner)
    marketing_owner.role = Role.SALES_OWNER

    with pytest.raises(AlreadySigned) as exc:
        qualification.sign_definition(version=1, actor=marketing_owner)

    assert exc.value.message == "You have already signed version 1."


def test_in_force_and_superseded_versions_cannot_be_signed(propose, sign_both, make_user):
    propose()
    sign_both(1)
    propose()
    sign_both(2)
    another = make_user(Role.SALES_OWNER)
    before = Event.objects.count()

    with pytest.raises(VersionClosed) as in_force:
        qualification.sign_definition(version=2, actor=another)
    with pytest.raises(VersionClosed) as superseded:
        qualification.sign_definition(version=1, actor=another)

    assert in_force.value.message == "Version 2 is already in force."
    assert superseded.value.message == "Version 1 was superseded; propose a new version."
    assert Event.objects.count() == before


def test_a_version_older_than_the_one_in_force_cannot_come_into_force(
    propose, sign_both, marketing_owner
):
    propose()
    propose()
    sign_both(2)

    with pytest.raises(VersionClosed) as exc:
        qualification.sign_definition(version=1, actor=marketing_owner)

    assert exc.value.message == (
        "Version 1 is older than version 2, which is in force; propose a new version instead."
    )


def test_signing_an_unknown_version_is_not_found(marketing_owner):
    with pytest.raises(NotFound):
        qualification.sign_definition(version=9, actor=marketing_owner)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_versions_completed_at_once_leave_exactly_one_in_force(
    propose, marketing_owner, sales_owner, make_user
):
    # given two versions, each signed by marketing, and two sales owners about to sign
    propose()
    propose()
    qualification.sign_definition(version=1, actor=marketing_owner)
    qualification.sign_definition(version=2, actor=marketing_owner)
    signers = {1: sales_owner, 2: make_user(Role.SALES_OWNER, username="sue")}
    start = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def sign(version: int) -> None:
        try:
            start.wait()
            qualification.sign_definition(version=version, actor=signers[version])
            outcomes[version] = "signed"
        except VersionClosed:
            outcomes[version] = "refused"
        finally:
            connections.close_all()

    # when both sign at the same moment
    threads = [threading.Thread(target=sign, args=(v,)) for v in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then exactly one version is in force, and it is version 2
    in_force = SalesReadyDefinition.objects.filter(
        in_force_from__isnull=False, superseded_at__isnull=True
    )
    assert list(in_force.values_list("version", flat=True)) == [2]
    assert outcomes[2] == "signed"
    assert outcomes[1] in ("signed", "refused")
    if outcomes[1] == "signed":  # version 1 came first and was superseded by 2
        assert SalesReadyDefinition.objects.get(version=1).superseded_at is not None
