from truce.funnel.models import Stage
from truce.ledger.models import Event


def _stage_form(stage, **overrides):
    data = {
        "name": stage.name,
        "team": stage.team,
        "definition": stage.definition,
        "entry_criteria": "[]",
        "max_dwell_days": stage.max_dwell_days or "",
        "collateral": "[]",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_editing_a_stage_in_the_admin_goes_through_the_service_and_the_ledger(client, admin_user):
    client.force_login(admin_user)
    sal = Stage.objects.get(key="sal")

    response = client.post(
        f"/admin/funnel/stage/{sal.pk}/change/", _stage_form(sal, name="Accepted by sales")
    )

    assert response.status_code == 302
    sal.refresh_from_db()
    assert (sal.key, sal.name) == ("sal", "Accepted by sales")
    event = Event.objects.filter(kind="stage.updated").get()
    assert event.actor_id == admin_user.pk
    assert event.payload["changes"]["name"] == ["Sales accepted (SAL)", "Accepted by sales"]


def test_a_bad_rule_in_the_admin_is_refused_and_nothing_changes(client, admin_user):
    client.force_login(admin_user)
    sal = Stage.objects.get(key="sal")
    before = list(sal.entry_criteria)

    client.post(
        f"/admin/funnel/stage/{sal.pk}/change/",
        _stage_form(sal, entry_criteria='[{"name": "x", "rule": "owner !="}]'),
        follow=True,
    )

    sal.refresh_from_db()
    assert sal.entry_criteria == before
    assert not Event.objects.filter(kind="stage.updated").exists()


def test_leads_and_events_are_read_only_in_the_admin(client, admin_user, make_lead):
    client.force_login(admin_user)
    lead = make_lead("mql")
    event = Event.objects.filter(lead_id=lead.pk).first()

    assert client.post(f"/admin/funnel/lead/{lead.pk}/delete/", {"post": "yes"}).status_code == 403
    assert (
        client.post(f"/admin/ledger/event/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert Event.objects.filter(pk=event.pk).exists()
