"""Two first submissions of one new email at once make one contact, on PostgreSQL."""

import threading

import pytest
from django.db import connections

from truce.funnel.models import Lead
from truce.people.models import Contact
from truce.touches.models import Touch
from truce.webtolead.models import Submission

from .conftest import Public

pytestmark = pytest.mark.postgres_only


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_submissions_make_one_contact_and_one_lead(make_form):
    # given a form and two visitors sending the same new email at the same moment
    form = make_form()
    start = threading.Barrier(2)
    statuses: list[int] = []

    def send(address: str) -> None:
        try:
            start.wait()
            statuses.append(
                Public(address).post_json(form, {"email": "ada@example.com"}).status_code
            )
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=send, args=(f"198.51.100.{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert statuses == [200, 200]
    assert (Contact.objects.count(), Lead.objects.count(), Touch.objects.count()) == (1, 1, 2)
    assert sorted(Submission.objects.values_list("contact_created", "lead_created")) == [
        (False, False),
        (True, True),
    ]
