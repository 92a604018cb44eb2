"""Two PostgreSQL connections sending one Idempotency-Key at once create one lead, not two."""

import threading

import pytest
from django.db import connections

from truce.api.models import IdempotencyRecord
from truce.funnel.models import Lead

from .conftest import ApiClient

pytestmark = pytest.mark.postgres_only


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_once(admin_user, token_for, make_contact):
    # given two clients about to send the same create with the same key
    token, contact = token_for(admin_user), make_contact()
    start = threading.Barrier(2)
    answers: list[tuple[int, int]] = []

    def send() -> None:
        try:
            start.wait()
            response = ApiClient(token).post(
                "/leads", {"contact_id": contact.pk}, **{"Idempotency-Key": "race"}
            )
            answers.append((response.status_code, response.json()["id"]))
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    lead = Lead.objects.get()
    assert answers == [(201, lead.pk), (201, lead.pk)]
    assert IdempotencyRecord.objects.count() == 1
