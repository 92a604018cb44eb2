"""Search across playbooks: title, purpose, the current version's body and steps."""

import pytest

from truce.playbooks import selectors, services

from .conftest import STEPS


@pytest.fixture
def library(make_playbook, mona):
    make_playbook("alpha", title="Alpha", purpose="Greeting visitors.", body="Use the *lobby*.")
    beta = make_playbook(
        "beta",
        title="Beta",
        steps=[{"who": "Receptionist", "what": "Offer coffee.", "why": "Warmth."}],
    )
    make_playbook("gamma", title="Gamma", purpose="Hiring SPIFF rules.")
    # An old version mentioned the lobby; only the current one counts.
    services.edit_playbook(
        playbook=beta, actor=mona, change_note="x", changes={"body": "Lobby rules."}
    )
    services.edit_playbook(playbook=beta, actor=mona, change_note="y", changes={"body": ""})


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ("", ["alpha", "beta", "gamma"]),
        ("greeting", ["alpha"]),
        ("LOBBY", ["alpha"]),
        ("coffee", ["beta"]),
        ("receptionist", ["beta"]),
        ("warmth", ["beta"]),
        ("spiff", ["gamma"]),
        ("sla", ["alpha", "gamma"]),  # the default steps' why: "The SLA reads touches."
        ("call sla", ["alpha", "gamma"]),
        ("nothing-like-this", []),
    ],
)
def test_search_finds_words_in_current_versions(library, mona, query, keys):
    assert [p.key for p in selectors.playbooks_visible_to(user=mona, query=query)] == keys


def test_steps_fixture_is_what_the_search_expects():
    assert STEPS[1]["why"] == "The SLA reads touches."
