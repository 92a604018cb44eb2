from django.conf import settings
from django.db import models


class ImportKind(models.TextChoices):
    COMPANIES = "companies", "Companies"
    CONTACTS = "contacts", "Contacts"
    LEADS = "leads", "Leads"
    CAMPAIGNS = "campaigns", "Campaigns"
    TOUCHES = "touches", "Touches"
    OUTCOMES = "outcomes", "Outcomes"


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", "All or nothing"
    SKIP_BAD_ROWS = "skip_bad_rows", "Import the good rows, hand back the bad ones"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"  # waiting for a worker (imports started from a page or the API)
    RUNNING = "running", "Running"  # also: killed while running, waiting to be resumed
    DONE = "done", "Done"
    DRY_RUN = "dry_run", "Dry run done"
    REFUSED = "refused", "Refused: bad rows, nothing imported"
    FAILED = "failed", "Failed"  # the file or mapping could not be used; see `message`


class ImportMapping(models.Model):
    """A saved column mapping, reusable for the next file of the same shape."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    # {"columns": {header: field}, "constants": {field: value}, "formats": {header: format},
    #  "options": {...}}: the same document `truce import --mapping FILE` reads.
    spec = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class ImportJob(models.Model):
    """One import of one file. Each batch commits with `last_line`, so a killed import resumes
    after the last batch that committed and no batch is ever half applied."""

    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    source_name = models.CharField(max_length=255)
    source_sha256 = models.CharField(max_length=64)
    source_size = models.BigIntegerField()
    spec = models.JSONField(default=dict)  # the mapping as used, with detected formats
    mode = models.CharField(
        max_length=16, choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING
    )
    status = models.CharField(max_length=16, choices=ImportStatus.choices)
    dry_run = models.BooleanField(default=False)
    # Where a queued import's file waits for the worker, and how to read it.
    source_path = models.CharField(max_length=500, blank=True)
    source_options = models.JSONField(default=dict)  # encoding, delimiter, sheet
    message = models.TextField(blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    last_line = models.PositiveIntegerField(default=0)  # the last source line committed
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    bad = models.PositiveIntegerField(default=0)
    bad_rows_file = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["source_sha256", "status"], name="transfer_job_source")]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.kind}, {self.source_name})"
