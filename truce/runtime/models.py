from django.db import models


class PeriodicRun(models.Model):
    """One row per periodic job per time slot: the unique constraint is what lets several
    workers schedule the same job without running it twice."""

    name = models.CharField(max_length=200)
    slot = models.DateTimeField()
    enqueued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "slot"], name="runtime_periodic_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.slot:%Y-%m-%d %H:%M}"
