"""Fixtures shared by every test: factories that return real records made through services."""

import itertools
import os
import socket
from typing import Any

import pytest

from truce.funnel import defaults
from truce.funnel import selectors as funnel_selectors
from truce.funnel import services as funnel_services
from truce.identity import services as identity_services
from truce.identity.models import Role, TeamKey
from truce.people import services as people_services
from truce.touches import services as touch_services

# Shared fixture modules: agreements (owners, calendars, signed SLAs) and the one browser.
pytest_plugins = ["tests.agreements.fixtures", "tests.browser.fixtures"]

_counter = itertools.count(1)


def pytest_collection_modifyitems(config, items):
    """Tests for the other database are deselected, not skipped: PostgreSQL-only ones (real
    concurrent writers) in the SQLite pass, SQLite-only ones (the embedded setup) in the
    PostgreSQL pass."""
    other = "sqlite_only" if "postgres" in os.environ.get("DATABASE_URL", "") else "postgres_only"
    kept = [item for item in items if item.get_closest_marker(other) is None]
    config.hook.pytest_deselected(items=[i for i in items if i not in kept])
    items[:] = kept


PASSWORD = "correct-horse-battery"

ROLE_TEAM = {
    Role.MARKETING_OWNER: TeamKey.MARKETING,
    Role.MARKETER: TeamKey.MARKETING,
    Role.SALES_OWNER: TeamKey.SALES,
    Role.SALES_REP: TeamKey.SALES,
}


@pytest.fixture(autouse=True)
def _default_funnel_in_transactional_tests(request):
    """A transactional test starts after an earlier one's flush emptied the tables, stages and
    teams the migrations installed: put the defaults back (cheap, idempotent)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        defaults.install()
        identity_services.ensure_teams()


@pytest.fixture
def make_user(db):
    def make(role: str = Role.SALES_REP, username: str | None = None, **fields: Any):
        teams = identity_services.ensure_teams()
        team = teams.get(ROLE_TEAM.get(role, ""))
        return identity_services.create_user(
            username=username or f"user{next(_counter)}",
            password=PASSWORD,
            role=role,
            team=team,
            **fields,
        )

    return make


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.ADMIN, username="admin")


@pytest.fixture
def rep(make_user):
    return make_user(
        Role.SALES_REP, username="rep", first_name="Rita", last_name="Rep", email="rita@example.com"
    )


@pytest.fixture
def marketer(make_user):
    return make_user(Role.MARKETER, username="marketer")


@pytest.fixture
def make_company(admin_user):
    def make(name: str | None = None, domain: str | None = None, **fields: Any):
        n = next(_counter)
        company, _ = people_services.create_company(
            actor=admin_user,
            name=name or f"Company {n}",
            domain=domain or f"company{n}.example",
            **fields,
        )
        return company

    return make


@pytest.fixture
def make_contact(admin_user):
    def make(email: str | None = None, **fields: Any):
        n = next(_counter)
        contact, _ = people_services.create_contact(
            actor=admin_user,
            email=email if email is not None else f"person{n}@example.com",
            first_name=fields.pop("first_name", f"Person{n}"),
            **fields,
        )
        return contact

    return make


@pytest.fixture
def stage():
    return lambda key: funnel_selectors.get_stage(key=key)


@pytest.fixture
def make_campaign(marketer):
    def make(name: str | None = None, channel: str = "paid_search", **fields: Any):
        return touch_services.create_campaign(
            actor=marketer, name=name or f"Campaign {next(_counter)}", channel=channel, **fields
        )

    return make


@pytest.fixture
def make_lead(admin_user, make_contact, stage):
    def make(stage_key: str = "lead", contact=None, actor=None, **fields: Any):
        return funnel_services.create_lead(
            contact=contact or make_contact(),
            actor=actor or admin_user,
            stage=stage(stage_key),
            **fields,
        )

    return make


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Inbox:
    """Messages a real SMTP server on 127.0.0.1 received: (envelope recipients, message)."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        from email import message_from_bytes
        from email.policy import default

        message = message_from_bytes(envelope.content, policy=default)
        self.messages.append((sorted(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1; Django's SMTP backend is pointed at it."""
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    yield inbox
    controller.stop()


@pytest.fixture
def acme_lead(make_company, make_contact, make_lead, rep):
    """A lead in MQL owned by Rita Rep, for Ada Lovelace of Acme (pages and browser tests)."""
    company = make_company(name="Acme Corp", domain="acme.example", employees=250)
    contact = make_contact(
        email="ada@acme.example", first_name="Ada", last_name="Lovelace", company=company
    )
    return make_lead("mql", contact=contact, owner=rep, source="webinar", score=55)


@pytest.fixture
def refresh():
    def get(lead):
        lead.refresh_from_db()
        return lead

    return get
