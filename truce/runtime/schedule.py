"""Periodic jobs through the same task system: each worker runs a small scheduler thread that,
once per slot, claims the slot in the database and enqueues the job. Whichever worker claims
a slot first enqueues it; the others see the unique row and skip it."""

import logging
import threading
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import PeriodicRun

logger = logging.getLogger(__name__)


def slot_start(moment: datetime, every_seconds: int) -> datetime:
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % every_seconds, tz=UTC)


def run_due_jobs(*, now: datetime | None = None) -> list[str]:
    """Enqueue each periodic job whose current slot nobody has claimed yet."""
    now = now or timezone.now()
    enqueued = []
    for path, every in settings.TRUCE_PERIODIC_JOBS.items():
        try:
            with transaction.atomic():
                PeriodicRun.objects.create(name=path, slot=slot_start(now, every))
                import_string(path).enqueue()
        except IntegrityError:
            continue
        enqueued.append(path)
    return enqueued


def start_scheduler(*, tick_seconds: float = 15.0) -> threading.Event:
    """Run `run_due_jobs` every tick in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            close_old_connections()
            try:
                run_due_jobs()
            except Exception:  # a scheduling failure must not kill the worker
                logger.exception("periodic scheduling failed")
            stop.wait(tick_seconds)

    threading.Thread(target=loop, name="truce-scheduler", daemon=True).start()
    return stop
