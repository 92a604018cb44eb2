"""Two trainings at once on PostgreSQL: versions stay unique and each has its one event."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connections

from truce.errors import Conflict
from truce.ledger.models import Event
from truce.scoring.models import PredictiveModel
from truce.scoring.predictive import fitting, services

pytestmark = pytest.mark.postgres_only
NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_two_trainings_at_once_never_share_a_version(signal, marketer):
    fitting.pipeline  # scikit-learn loaded before the threads race  # noqa: B018
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def train() -> None:
        try:
            start.wait()
            services.train_model(actor=marketer, now=NOW)
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=train) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    versions = sorted(PredictiveModel.objects.values_list("version", flat=True))
    # either both finished one after the other, or the later one was refused as a conflict
    assert versions in ([1, 2], [1])
    assert len(failures) == 2 - len(versions)
    assert all(isinstance(f, Conflict) for f in failures)
    events = Event.objects.filter(kind="scoring.model_trained")
    assert sorted(e.payload["version"] for e in events) == versions
