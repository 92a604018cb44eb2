import pytest

from truce.errors import PermissionDenied
from truce.identity.models import Role
from truce.ledger.models import Event
from truce.people import services
from truce.people.errors import InvalidDomain, InvalidEmail, InvalidMerge
from truce.people.models import Company, Contact
from truce.people.normalise import domain_key, email_key


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("  Bob@Example.COM ", "bob@example.com"), ("a.b+tag@x.io", "a.b+tag@x.io"), ("   ", None)],
)
def test_email_key_trims_and_lowercases(raw, expected):
    assert email_key(raw) == expected


@pytest.mark.parametrize("raw", ["not-an-email", "a@", "@b.com", "a b@c.com"])
def test_email_key_refuses_malformed_addresses(raw):
    with pytest.raises(InvalidEmail) as exc:
        email_key(raw)
    assert exc.value.field == "email"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://www.Acme.com/about?x=1", "acme.com"),
        ("acme.com", "acme.com"),
        ("WWW.ACME.CO.UK.", "acme.co.uk"),
        ("http://shop.acme.com:8080", "shop.acme.com"),
        ("", None),
    ],
)
def test_domain_key_reduces_addresses_to_a_bare_host(raw, expected):
    assert domain_key(raw) == expected


@pytest.mark.parametrize("raw", ["localhost", "acme", "http://", "ex ample.com"])
def test_domain_key_refuses_what_is_not_a_web_domain(raw):
    with pytest.raises(InvalidDomain):
        domain_key(raw)


def test_contact_with_the_same_email_in_other_case_and_spacing_is_the_same_person(admin_user):
    first, created_first = services.create_contact(actor=admin_user, email="Ann@Acme.com")
    again, created_again = services.create_contact(actor=admin_user, email="  ann@acme.COM ")

    assert (created_first, created_again) == (True, False)
    assert again.pk == first.pk
    assert Contact.objects.count() == 1
    assert Event.objects.filter(kind="contact.created").count() == 1


def test_contacts_without_email_are_never_merged_by_accident(admin_user):
    one, _ = services.create_contact(actor=admin_user, first_name="A")
    two, _ = services.create_contact(actor=admin_user, first_name="B")

    assert one.pk != two.pk
    assert (one.email_key, two.email_key) == (None, None)


def test_company_is_deduplicated_by_web_domain(admin_user):
    acme, created = services.create_company(actor=admin_user, name="Acme", domain="acme.com")
    same, created_again = services.create_company(
        actor=admin_user, name="ACME Inc.", domain="https://www.acme.com"
    )

    assert (created, created_again, same.pk) == (True, False, acme.pk)
    assert Company.objects.get().name == "Acme"


def test_bad_email_creates_nothing(admin_user):
    before = Event.objects.count()

    with pytest.raises(InvalidEmail):
        services.create_contact(actor=admin_user, email="nope")

    assert Contact.objects.count() == 0
    assert Event.objects.count() == before


def test_viewer_cannot_create_contacts(make_user):
    viewer = make_user(Role.VIEWER)

    with pytest.raises(PermissionDenied):
        services.create_contact(actor=viewer, email="x@y.com")

    assert Contact.objects.count() == 0


def test_update_contact_records_the_change_and_refuses_a_taken_email(admin_user, make_contact):
    ann = make_contact(email="ann@acme.com")
    make_contact(email="bob@acme.com")

    services.update_contact(contact=ann, actor=admin_user, changes={"title": "CTO"})
    with pytest.raises(InvalidMerge) as exc:
        services.update_contact(contact=ann, actor=admin_user, changes={"email": "BOB@acme.com"})

    ann.refresh_from_db()
    assert (ann.title, ann.email_key) == ("CTO", "ann@acme.com")
    assert exc.value.code == "duplicate_email"
    event = Event.objects.filter(kind="contact.updated").get()
    assert event.payload == {"changes": {"title": ["", "CTO"]}}
