"""Background scoring: decay engagement and apply the definition in force to every open lead."""

from django_tasks import task


@task()
def rescore_all() -> dict[str, int]:
    """Periodic and after a rule or definition change. Idempotent: a second run changes nothing."""
    from truce.funnel.services.qualification import refresh_open_leads

    changed, qualified = refresh_open_leads()
    return {"rescored": changed, "qualified": qualified}
