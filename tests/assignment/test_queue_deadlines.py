from datetime import timedelta

from django.utils import timezone

from truce.agreements.services import clocks
from truce.assignment.selectors import queue_for


def test_the_queue_puts_the_soonest_sla_deadline_first_and_shows_business_time_left(
    client, make_agreement, make_lead, make_contact, rep
):
    make_agreement([{"kind": "first_touch", "target": 100, "hours": 4}])
    now = timezone.now()
    relaxed = make_lead("mql", contact=make_contact(first_name="Relaxed"))
    urgent = make_lead("mql", contact=make_contact(first_name="Urgent"))
    late = make_lead("mql", contact=make_contact(first_name="Late"))
    for lead, ago in ((relaxed, 0), (urgent, 3), (late, 5)):
        lead.owner = rep
        lead.save(update_fields=["owner"])
        clocks.on_owner_changed(lead=lead, owner=rep, at=now - timedelta(hours=ago))

    order = [lead.pk for lead in queue_for(user=rep)]
    client.force_login(rep)
    page = client.get("/queue/").content.decode()

    assert order == [late.pk, urgent.pk, relaxed.pk]
    # The always-open calendar makes business time equal real time.
    assert "overdue by 1 h 0 min" in page or "overdue by 59 min" in page
    assert "59 min left" in page or "1 h 0 min left" in page
    assert "3 h 59 min left" in page or "4 h 0 min left" in page
