"""Fixtures of the notify tests (the webhook ones live in webhooks_fixtures.py)."""

from .webhooks_fixtures import client_for, ops, receiver, subscribe, webhook_settings  # noqa: F401
