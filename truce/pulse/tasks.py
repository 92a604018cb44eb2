"""Background jobs of the pulse."""

from django_tasks import task

from . import services


@task()
def open_due_round() -> int | None:
    """Open this month's survey round if it is not open yet; the id of a round it opened."""
    round_, created = services.open_round(actor=None)
    return round_.pk if created else None


@task()
def mix_pulse() -> int:
    """Daily: give recent anonymous rows this job's transaction id (services.mix)."""
    return services.mix()
