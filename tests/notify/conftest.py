"""Fixtures of the notify tests (the webhook ones live in webhooks_fixtures.py)."""

from .webhooks_fixtures import ops, receiver, subscribe, webhook_settings  # noqa: F401
