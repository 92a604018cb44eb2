"""Two real PostgreSQL connections appending at once must still form one unbroken chain."""

import threading

import pytest
from django.db import connections, transaction

from truce.ledger import services as ledger
from truce.ledger.selectors import verify_chain

pytestmark = pytest.mark.postgres_only


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_form_one_unbroken_chain():
    errors: list[BaseException] = []

    def worker(offset: int) -> None:
        try:
            for i in range(25):
                with transaction.atomic():
                    ledger.append(kind="race", subject_type="thing", subject_id=offset + i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n * 100,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    verdict = verify_chain()
    assert (verdict.ok, verdict.checked) == (True, 75)
