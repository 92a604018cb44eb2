from truce.agreements.models import Agreement
from truce.agreements.services import signing
from truce.ledger.models import Event

FORM = {
    "title": "Spring SLA",
    "effective_from": "2026-03-01",
    "clock_on_reassign": "restart",
    "mql_volume-include": "1",
    "mql_volume-target": "150",
    "mql_volume-period": "month",
    "first_touch-include": "1",
    "first_touch-target": "95",
    "first_touch-hours": "4",
    "first_touch-escalate_after_hours": "8",
}


def test_the_page_shows_the_agreement_in_force_and_its_commitments(client, make_agreement, rep):
    make_agreement(title="Our SLA")
    client.force_login(rep)

    page = client.get("/agreement/").content.decode()

    assert "<strong>Our SLA</strong> — version 1" in page
    assert "First sales touch within H business hours of assignment" in page
    assert "within 4 business hours; escalate after 8 h" in page
    assert "Sign version" not in page  # a rep never signs


def test_an_owner_proposes_and_both_sign_from_the_page(client, owners, always_open):
    client.force_login(owners[0])

    client.post("/agreement/propose/", {**FORM, "calendar": always_open.pk})
    client.post("/agreement/1/sign/")
    client.force_login(owners[1])
    page = client.post("/agreement/1/sign/", follow=True).content.decode()

    agreement = Agreement.objects.get()
    assert [(c.kind, int(c.target)) for c in agreement.commitments.order_by("pk")] == [
        ("mql_volume", 150),
        ("first_touch", 95),
    ]
    assert agreement.in_force_from is not None
    assert "Version 1 is signed by both owners and now in force." in page


def test_a_bad_proposal_shows_why_and_creates_nothing(client, owners, always_open):
    client.force_login(owners[0])
    before = Event.objects.count()
    form = {**FORM, "calendar": always_open.pk, "first_touch-hours": ""}

    response = client.post("/agreement/propose/", form, headers={"HX-Request": "true"})

    assert response.status_code == 400
    assert "Say within how many business hours." in response.content.decode()
    assert response.content.decode().startswith('<div id="agreement-body">')
    assert (Agreement.objects.count(), Event.objects.count()) == (0, before)


def test_changes_between_versions_are_listed(client, make_agreement, owners):
    make_agreement([{"kind": "first_touch", "target": 90, "hours": 8}])
    make_agreement(
        [{"kind": "first_touch", "target": 95, "hours": 4}, {"kind": "campaign_count", "target": 3}]
    )
    client.force_login(owners[0])

    page = client.get("/agreement/").content.decode()

    assert "Added: Campaigns per period" in page
    assert "target 90.00 → 95.00, hours 8.00 → 4.00" in page


def test_signing_twice_is_refused_beside_the_button(client, make_agreement, owners):
    agreement = make_agreement(sign=False)
    signing.sign_agreement(agreement=agreement, actor=owners[0])
    client.force_login(owners[0])

    response = client.post("/agreement/1/sign/")

    assert response.status_code == 409
    expected = f"The marketing side of version 1 is already signed by {owners[0].username}."
    assert expected in response.content.decode()
