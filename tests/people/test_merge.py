import pytest

from truce.errors import PermissionDenied
from truce.identity.models import Role
from truce.ledger.models import Event
from truce.ledger.selectors import lead_timeline, subject_events
from truce.people import services
from truce.people.errors import InvalidMerge
from truce.people.selectors import history_ids
from truce.touches.services import record_touch


def test_merge_moves_leads_and_touches_and_keeps_both_histories(
    admin_user, make_contact, make_lead
):
    survivor = make_contact(email="ann@acme.com", first_name="Ann", phone="")
    duplicate = make_contact(email="ann.smith@gmail.com", first_name="Annie", phone="+1 555 0100")
    kept_lead = make_lead(contact=survivor)
    moved_lead = make_lead(contact=duplicate)
    touch = record_touch(lead=moved_lead, kind="form_fill", actor=admin_user)

    services.merge_contacts(survivor=survivor, duplicate=duplicate, actor=admin_user)

    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    moved_lead.refresh_from_db()
    touch.refresh_from_db()
    assert duplicate.merged_into_id == survivor.pk
    assert moved_lead.contact_id == survivor.pk
    assert touch.contact_id == survivor.pk
    assert (survivor.first_name, survivor.phone) == ("Ann", "+1 555 0100")
    assert sorted(survivor.leads.values_list("pk", flat=True)) == sorted(
        [kept_lead.pk, moved_lead.pk]
    )
    assert history_ids(survivor) == [survivor.pk, duplicate.pk]
    kinds = [
        e.kind for e in subject_events(subject_type="contact", subject_ids=history_ids(survivor))
    ]
    assert kinds == ["contact.created", "contact.created", "contact.merged", "contact.merged"]
    assert [e.kind for e in lead_timeline(lead_id=moved_lead.pk)][-1] == "lead.contact_merged"


def test_new_contact_with_a_merged_email_resolves_to_the_survivor(admin_user, make_contact):
    survivor = make_contact(email="ann@acme.com")
    duplicate = make_contact(email="ann@gmail.com")
    services.merge_contacts(survivor=survivor, duplicate=duplicate, actor=admin_user)

    found, created = services.create_contact(actor=admin_user, email="ANN@gmail.com")

    assert (found.pk, created) == (survivor.pk, False)


@pytest.mark.parametrize("case", ["self", "already_merged", "survivor_merged"])
def test_refused_merges_change_nothing(admin_user, make_contact, case):
    a, b, c = make_contact(), make_contact(), make_contact()
    services.merge_contacts(survivor=a, duplicate=b, actor=admin_user)
    before = Event.objects.count()
    survivor, duplicate = {"self": (c, c), "already_merged": (c, b), "survivor_merged": (b, c)}[
        case
    ]
    survivor.refresh_from_db()
    duplicate.refresh_from_db()

    with pytest.raises(InvalidMerge):
        services.merge_contacts(survivor=survivor, duplicate=duplicate, actor=admin_user)

    c.refresh_from_db()
    assert c.merged_into_id is None
    assert Event.objects.count() == before


def test_a_rep_may_not_merge(make_user, make_contact):
    rep = make_user(Role.SALES_REP)
    a, b = make_contact(), make_contact()

    with pytest.raises(PermissionDenied):
        services.merge_contacts(survivor=a, duplicate=b, actor=rep)

    b.refresh_from_db()
    assert b.merged_into_id is None


def test_merge_companies_moves_contacts_and_leads(
    admin_user, make_company, make_contact, make_lead
):
    acme = make_company(name="Acme", domain="acme.com", employees=None)
    acme_old = make_company(name="Acme Old", domain="acme-old.com", employees=120)
    person = make_contact(company=acme_old)
    lead = make_lead(contact=person)

    services.merge_companies(survivor=acme, duplicate=acme_old, actor=admin_user)

    person.refresh_from_db()
    lead.refresh_from_db()
    acme.refresh_from_db()
    assert (person.company_id, lead.company_id, acme.employees) == (acme.pk, acme.pk, 120)
    merged = Event.objects.filter(kind="company.merged", subject_id=acme.pk).get()
    assert merged.payload["contact_ids"] == [person.pk]
    assert merged.payload["lead_ids"] == [lead.pk]
