import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from truce.identity import services
from truce.identity.errors import InvalidToken
from truce.identity.models import ApiToken
from truce.ledger.models import Event


def test_a_token_is_stored_only_as_its_digest(rep):
    token, plain = services.create_api_token(user=rep, name="laptop")

    assert plain.startswith("truce_")
    assert token.digest == services.token_digest(plain)
    assert plain not in {token.digest, token.prefix, token.name}
    assert services.user_for_token(token=plain) == rep
    assert Event.objects.filter(kind="token.created").get().payload["prefix"] == token.prefix


def test_unknown_revoked_and_inactive_tokens_are_refused(rep, admin_user):
    token, plain = services.create_api_token(user=rep)
    with pytest.raises(InvalidToken):
        services.user_for_token(token=plain + "x")

    services.revoke_api_token(token=token, actor=admin_user)

    with pytest.raises(InvalidToken):
        services.user_for_token(token=plain)
    _, other = services.create_api_token(user=rep)
    rep.is_active = False
    rep.save(update_fields=["is_active"])
    with pytest.raises(InvalidToken):
        services.user_for_token(token=other)


def test_token_create_command_prints_the_token_alone_on_the_last_line(rep, capsys):
    call_command("token", "create", "rep", "--name", "ci")

    out = capsys.readouterr().out.strip().splitlines()
    assert services.user_for_token(token=out[-1]) == rep
    assert ApiToken.objects.get().name == "ci"


def test_token_create_for_an_unknown_user_fails_and_creates_nothing(db):
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("token", "create", "ghost")
    assert ApiToken.objects.count() == 0


def test_the_truce_console_script_runs_token_create(tmp_path):
    env = {"TRUCE_DATA_DIR": str(tmp_path), "TRUCE_SECRET_KEY": "x" * 50, "PATH": "/usr/bin:/bin"}
    truce = [sys.executable, "-m", "truce.cli"]
    subprocess.run([*truce, "migrate", "-v0"], env=env, check=True)
    subprocess.run(
        [
            *truce,
            "shell",
            "-c",
            "from truce.identity.services import create_user; "
            "create_user(username='ann', password='x'*12)",
        ],
        env=env,
        check=True,
    )

    result = subprocess.run(
        [*truce, "token", "create", "ann"], env=env, check=True, capture_output=True, text=True
    )

    last_line = result.stdout.strip().splitlines()[-1]
    assert last_line.startswith("truce_") and len(last_line) > 40
    assert "will not be shown again" in result.stderr
