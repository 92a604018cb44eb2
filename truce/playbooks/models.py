from django.conf import settings
from django.db import models


class Playbook(models.Model):
    """A documented process. The row holds what is current (for lists, search and the links
    to stages); every edit also writes an immutable PlaybookVersion, which is the history."""

    key = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    purpose = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_playbooks",
    )
    stages = models.ManyToManyField("funnel.Stage", blank=True, related_name="playbooks")
    terms = models.ManyToManyField("funnel.Term", blank=True, related_name="playbooks")
    collateral = models.JSONField(default=list, blank=True)
    review_cadence_days = models.PositiveIntegerField(default=90)
    next_review_due = models.DateField()
    current = models.ForeignKey(
        "PlaybookVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title


class PlaybookVersion(models.Model):
    """One saved state of a playbook, never changed after it is written. It keeps a snapshot
    of everything an edit may change, so that any two versions can be compared."""

    playbook = models.ForeignKey(Playbook, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    purpose = models.TextField()
    body = models.TextField(blank=True)
    # Stage keys, term keys, collateral, owner's username and cadence as they were saved.
    links = models.JSONField(default=dict, blank=True)
    change_note = models.CharField(max_length=500)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["playbook", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["playbook", "number"], name="playbooks_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.playbook_id} v{self.number}"


class Step(models.Model):
    """One ordered step of one version: who does what, and why."""

    version = models.ForeignKey(PlaybookVersion, on_delete=models.PROTECT, related_name="steps")
    position = models.PositiveIntegerField()
    who = models.CharField(max_length=200)
    what = models.TextField()
    why = models.TextField()

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="playbooks_step_position")
        ]


class Review(models.Model):
    """A batch day: who sat down to review the playbook, what they changed, what they removed
    and why. Recording one moves the playbook's next review by its cadence."""

    playbook = models.ForeignKey(Playbook, on_delete=models.PROTECT, related_name="reviews")
    version = models.ForeignKey(PlaybookVersion, on_delete=models.PROTECT, related_name="+")
    reviewed_on = models.DateField()
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    what_changed = models.TextField()
    what_removed = models.TextField(blank=True)
    next_review_due = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-reviewed_on", "-pk"]


class ReviewReminder(models.Model):
    """The reminder sent to the owner for one due date: its unique key is what keeps a second
    run, a retry or a second worker from sending it twice."""

    playbook = models.ForeignKey(Playbook, on_delete=models.PROTECT, related_name="reminders")
    due_on = models.DateField()
    recipient = models.EmailField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["playbook", "due_on"], name="playbooks_one_reminder")
        ]
