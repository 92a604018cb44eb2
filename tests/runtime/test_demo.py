"""`truce demo` as a user runs it: a real process tree serving HTTP on 127.0.0.1."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

# truce demo is the embedded (SQLite) setup by definition: it runs in the SQLite pass only.
pytestmark = pytest.mark.sqlite_only


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen[str], seconds: float = 90) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "truce demo exited early"
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            # Refused while gunicorn starts, or slow while it boots its workers.
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _log_in(base: str, username: str, password: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "the login form has no CSRF token"
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
    ).encode()
    request = urllib.request.Request(f"{base}/login/", data=form, headers={"Referer": base})
    with opener.open(request, timeout=30) as response:
        assert response.status == 200
        return response.url


@pytest.fixture
def demo(tmp_path: Path):
    port = _free_port()
    env = {**os.environ, "TRUCE_DATA_DIR": str(tmp_path), "TRUCE_DEMO_LEADS": "300"}
    for name in ("DATABASE_URL", "TRUCE_SECRET_KEY", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "truce.cli", "demo", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        yield process, f"http://127.0.0.1:{port}", log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_demo_serves_seeded_data_and_stops_cleanly(demo):
    process, base, log = demo
    assert _wait_for(f"{base}/login/", process) == 200
    output = log.read_text()
    assert f"Truce is running at {base}/" in output
    credentials = re.findall(r"^\s+(\w+)\s+.+password: (\S+)$", output, re.MULTILINE)
    assert ("admin", "truce-demo") in credentials
    assert len(credentials) == 12
    landed = _log_in(base, "sara", dict(credentials)["sara"])
    assert "/login/" not in landed
    pids = [int(p) for p in re.search(r"pid (\d+)\) and worker \(pid (\d+)", output).groups()]

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert not any(_alive(pid) for pid in pids)
    assert "Stopped." in log.read_text()
