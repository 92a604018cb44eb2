from datetime import UTC, datetime, timedelta

from truce.agreements.services import clocks
from truce.funnel.services.disposition import reject_lead
from truce.ledger.selectors import lead_timeline


def _sentences(client, user, lead):
    client.force_login(user)
    return client.get(f"/leads/{lead.pk}/").content.decode()


def test_rejections_and_sla_clocks_read_as_sentences(
    client, make_agreement, make_lead, rep, admin_user
):
    make_agreement([{"kind": "first_touch", "target": 100, "hours": 4}])
    lead = make_lead("mql", owner=rep)
    clocks.sweep(now=datetime.now(UTC) + timedelta(days=1))  # the 4 h have long passed
    reject_lead(lead=lead, reason="not_icp", actor=rep, note="a student")

    page = _sentences(client, admin_user, lead)

    assert "SLA clock breached: First sales touch within H business hours of assignment" in page
    assert (
        "Rita Rep rejected the lead back to marketing: Not our ideal customer profile (a student)"
    ) in page
    assert [e.kind for e in lead_timeline(lead_id=lead.pk)][-3:] == [
        "clock.breached",
        "lead.rejected",
        "lead.stage_changed",
    ]
