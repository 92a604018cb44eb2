"""Background jobs of the transfer app. They take ids; a job claims its row first."""

from django_tasks import task

from .imports import engine


@task()
def run_import_job(*, job_id: int) -> str | None:
    """Run a queued import (see engine.queue_import)."""
    report = engine.run_queued(job_id=job_id)
    return None if report is None else report.status
