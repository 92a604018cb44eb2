"""Markdown is rendered and sanitised (nothing that runs survives); diffs between versions."""

import pytest

from truce.playbooks import selectors, services
from truce.playbooks.rendering import render_markdown

from .conftest import STEPS


def test_markdown_is_rendered():
    html = render_markdown(
        "## Why\n\n- **bold** [docs](https://example.com/a)\n\n| a |\n|---|\n| 1 |"
    )
    assert "<h2>Why</h2>" in html
    assert "<strong>bold</strong>" in html
    assert '<a href="https://example.com/a" rel="noopener noreferrer nofollow">docs</a>' in html
    assert "<td>1</td>" in html


@pytest.mark.parametrize(
    ("source", "kept", "gone"),
    [
        ("Hi <script>alert('x')</script> there", "Hi  there", ["<script", "alert("]),
        ('<img src="https://example.com/a.png" onerror="alert(1)">', "<img", ["onerror"]),
        ('<p onclick="steal()">Click</p>', "<p>Click</p>", ["onclick", "steal"]),
        ('<a href="javascript:alert(1)">x</a>', ">x</a>", ["javascript:"]),
        ("[x](javascript:alert(1))", "[x](javascript:alert(1))", ["href"]),
        ('<a href="JaVaScRiPt:alert(1)">y</a>', ">y</a>", ["javascript", "JaVaScRiPt"]),
        ('<iframe src="https://evil.example"></iframe>ok', "ok", ["<iframe"]),
        ("<svg><script>alert(1)</script></svg>", "", ["<script", "<svg"]),
        ('<div style="background:url(javascript:alert(1))">z</div>', "z", ["style", "javascript"]),
    ],
)
def test_what_could_run_never_survives(source, kept, gone):
    html = str(render_markdown(source))
    assert kept in html
    for fragment in gone:
        assert fragment not in html


def test_the_diff_shows_what_changed_between_two_versions(make_playbook, mona):
    playbook = make_playbook()
    steps = [STEPS[0], {**STEPS[1], "why": "The SLA and the scoreboard read touches."}]
    services.edit_playbook(
        playbook=playbook, actor=mona, change_note="Why.", changes={"steps": steps}
    )

    diff = selectors.diff(playbook=playbook, old=1, new=2)

    changed = [
        (line.kind, line.text) for hunk in diff.hunks for line in hunk if line.kind != "same"
    ]
    assert changed == [
        ("removed", "   Why: The SLA reads touches."),
        ("added", "   Why: The SLA and the scoreboard read touches."),
    ]
    assert (diff.added, diff.removed) == (1, 1)
    # Line numbers in each version: title 1, purpose 2-3, links 4-8, blank 9, "Steps:" 10,
    # step one 11-13, step two "who" 14, "what" 15, "why" 16.
    removed = next(line for hunk in diff.hunks for line in hunk if line.kind == "removed")
    assert (removed.old_number, removed.new_number) == (16, None)


def test_a_diff_against_a_missing_version_names_the_field(make_playbook):
    playbook = make_playbook()
    from truce.errors import NotFound

    with pytest.raises(NotFound) as caught:
        selectors.diff(playbook=playbook, old=1, new=7)
    assert caught.value.field == "to"
