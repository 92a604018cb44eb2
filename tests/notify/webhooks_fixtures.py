"""A real HTTP receiver on 127.0.0.1 for webhook tests, and the documented verification recipe.

Imported by the tests/notify/test_webhooks_*.py modules (kept out of a shared conftest).
"""

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from truce.identity.models import Role
from truce.notify.webhooks import services as webhooks


# The recipe of docs/how-to/webhooks.md, copied verbatim: the tests prove the docs right.
def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    if abs(time.time() - timestamp) > tolerance:
        return False  # too old (or from the future): maybe a replay
    signed = f"{timestamp}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each POST with the next step of `script` (the last one repeats):
    an HTTP status, "drop" (close the connection without a word) or (status, body)."""

    script: list[Any] = field(default_factory=lambda: [200])
    requests: list[Received] = field(default_factory=list)
    url: str = ""

    def step(self) -> Any:
        index = min(len(self.requests) - 1, len(self.script) - 1)
        return self.script[index]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
            step = receiver.step()
            if step == "drop":
                self.close_connection = True
                return
            status, text = step if isinstance(step, tuple) else (step, f"answer {step}")
            payload = text.encode()
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver():
    """Start one with `receiver(script)`; every server is stopped after the test."""
    servers = []

    def start(script: list[Any] | None = None) -> Receiver:
        found = Receiver(script=script or [200])
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(found))
        found.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/truce"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return found

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def webhook_settings(settings):
    settings.TRUCE_WEBHOOK_BACKOFF_SECONDS = 60
    settings.TRUCE_WEBHOOK_MAX_BACKOFF_SECONDS = 3600
    settings.TRUCE_WEBHOOK_MAX_ATTEMPTS = 5
    settings.TRUCE_WEBHOOK_TIMEOUT_SECONDS = 5
    settings.TRUCE_WEBHOOK_RESPONSE_BYTES = 2048
    return settings


@pytest.fixture
def ops(make_user):
    """The marketing owner, who manages webhooks beside the admins."""
    return make_user(Role.MARKETING_OWNER, username="ops")


@pytest.fixture
def subscribe(admin_user, webhook_settings):
    def make(url: str, kinds: list[str], **fields: Any):
        return webhooks.create_subscription(
            actor=admin_user, target_url=url, event_kinds=kinds, **fields
        )

    return make


@pytest.fixture
def client_for(db):
    """A JSON client for /api/v1 with a real bearer token of the given user."""
    from tests.api.conftest import ApiClient
    from truce.identity import services as identity

    return lambda user: ApiClient(identity.create_api_token(user=user, name="tests")[1])
