"""`truce playbooks install-templates`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from truce.playbooks.models import Playbook


def test_install_templates_once_with_an_owner(mona):
    out = StringIO()
    call_command("playbooks", "install-templates", "--owner", "mona", stdout=out)
    again = StringIO()
    call_command("playbooks", "install-templates", stdout=again)

    assert out.getvalue().splitlines()[-1] == (
        "8 template(s) installed; existing keys were left alone."
    )
    assert "Installed hiring-and-firing: Hiring and firing" in out.getvalue()
    assert again.getvalue() == "0 template(s) installed; existing keys were left alone.\n"
    assert set(Playbook.objects.values_list("owner__username", flat=True)) == {"mona"}


def test_an_unknown_owner_installs_nothing(db):
    with pytest.raises(CommandError, match=r"No active user named 'ghost'\."):
        call_command("playbooks", "install-templates", "--owner", "ghost")
    assert Playbook.objects.count() == 0
