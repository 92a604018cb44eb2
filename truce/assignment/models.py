"""Routing: ordered rules pick a pool, weighted round-robin picks a member of it."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Pool(models.Model):
    """A named group of sales people a lead can be routed to.

    The pool row doubles as the round-robin cursor's lock: routing takes it FOR UPDATE, so two
    leads routed to one pool at once take turns instead of reading the same member weights.
    """

    name = models.CharField(max_length=100, unique=True)
    team = models.ForeignKey(
        "identity.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="pools"
    )
    # Where a lead goes when no routing rule matches.
    is_default = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["team"], condition=Q(is_default=True), name="assignment_one_default_pool"
            )
        ]

    def __str__(self) -> str:
        return self.name


class PoolMember(models.Model):
    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pool_memberships"
    )
    weight = models.PositiveIntegerField(default=1)
    active = models.BooleanField(default=True)
    # Smooth weighted round-robin state (nginx's algorithm): kept here so it survives restarts
    # and is shared by every web process and worker.
    current_weight = models.IntegerField(default=0)

    class Meta:
        ordering = ["pool", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "user"], name="assignment_pool_member"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="assignment_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.pool} (weight {self.weight})"


class RoutingRule(models.Model):
    """When `condition` (a rule over funnel.rules.lead_facts) holds, the lead goes to `pool`."""

    position = models.PositiveIntegerField()
    name = models.CharField(max_length=100)
    condition = models.TextField()
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="rules")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"
