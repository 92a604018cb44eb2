import pytest

from truce.errors import Conflict, PermissionDenied
from truce.funnel import selectors, services
from truce.funnel.defaults import REASONS, STAGES
from truce.funnel.models import Reason, Stage
from truce.identity.models import Role
from truce.ledger.models import Event


def test_the_default_funnel_is_installed_in_order(db):
    assert [s.key for s in selectors.stages()] == [
        "subscriber",
        "lead",
        "mql",
        "sal",
        "prospecting",
        "connecting",
        "researching",
        "presenting",
        "closing",
        "customer",
    ]
    assert list(Stage.objects.filter(is_won=True).values_list("key", flat=True)) == ["customer"]
    assert {s.key: s.team for s in Stage.objects.all()}["mql"] == "marketing"
    assert {s.key: s.team for s in Stage.objects.all()}["sal"] == "sales"


def test_every_default_reason_list_is_installed(db):
    for kind, reasons in REASONS.items():
        assert list(selectors.reasons(kind=kind).values_list("key", flat=True)) == [
            key for key, _ in reasons
        ]


def test_renaming_a_stage_keeps_its_key_and_history(make_lead, admin_user, stage):
    lead = make_lead("mql")
    mql = stage("mql")

    services.update_stage(stage=mql, actor=admin_user, changes={"name": "Sales-ready lead"})

    lead.refresh_from_db()
    assert (lead.stage.key, lead.stage.name) == ("mql", "Sales-ready lead")
    event = Event.objects.filter(kind="stage.updated").get()
    assert event.payload == {
        "key": "mql",
        "changes": {"name": ["Marketing qualified (MQL)", "Sales-ready lead"]},
    }


def test_a_stage_key_cannot_be_changed(admin_user, stage):
    with pytest.raises(Exception) as exc:
        services.update_stage(stage=stage("mql"), actor=admin_user, changes={"key": "x"})
    assert exc.value.field == "key"
    assert Stage.objects.filter(key="mql").exists()


def test_a_rep_cannot_configure_the_funnel(make_user, stage):
    with pytest.raises(PermissionDenied):
        services.update_stage(
            stage=stage("mql"), actor=make_user(Role.SALES_REP), changes={"name": "x"}
        )
    assert stage("mql").name == STAGES[2][1]


def test_glossary_versions_and_who_approved_each(make_user):
    marketing = make_user(Role.MARKETING_OWNER, username="mo")
    sales = make_user(Role.SALES_OWNER, username="so")

    v2 = services.propose_term_version(
        term_key="mql", name="MQL", definition="Fit >= 40 and engagement >= 30.", actor=marketing
    )
    services.approve_term_version(version=v2, actor=marketing)
    services.approve_term_version(version=v2, actor=sales)

    term = selectors.glossary().get(key="mql")
    versions = list(term.versions.all())
    assert [v.version for v in versions] == [2, 1]
    assert sorted(a.approver.username for a in versions[0].approvals.all()) == ["mo", "so"]
    assert versions[0].proposed_by == marketing
    assert list(Event.objects.filter(subject_type="term").values_list("kind", flat=True)) == [
        "glossary.version_proposed",
        "glossary.version_approved",
        "glossary.version_approved",
    ]


def test_approving_twice_is_refused(make_user):
    owner = make_user(Role.SALES_OWNER)
    version = services.propose_term_version(
        term_key="touch", name="Touch", definition="Any.", actor=owner
    )
    services.approve_term_version(version=version, actor=owner)

    with pytest.raises(Conflict):
        services.approve_term_version(version=version, actor=owner)

    assert version.approvals.count() == 1


def test_an_empty_definition_is_refused(make_user):
    with pytest.raises(Exception) as exc:
        services.propose_term_version(
            term_key="lead", name="Lead", definition="  ", actor=make_user(Role.ADMIN)
        )
    assert exc.value.field == "definition"


def test_reason_lists_are_configurable(admin_user):
    reason = services.add_reason(
        kind="lost", key="legal", label="Blocked by legal", actor=admin_user
    )

    assert reason.position == len(REASONS["lost"])
    with pytest.raises(Conflict):
        services.add_reason(kind="lost", key="legal", label="Again", actor=admin_user)
    with pytest.raises(Exception) as exc:
        services.add_reason(kind="sideways", key="x", label="x", actor=admin_user)
    assert exc.value.field == "kind"
    assert Reason.objects.filter(key="legal").count() == 1
