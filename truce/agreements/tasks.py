from django_tasks import task

from .services import clocks


@task()
def sweep_clocks() -> dict[str, int]:
    """Periodic: breach and escalate due clocks. Idempotent; safe on several workers."""
    return clocks.sweep()
